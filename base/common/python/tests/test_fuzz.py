"""Property tests (hypothesis): the parsers and decoders raise only the errors they document.

What is fed, and the only exceptions allowed to come out:

- pki.conf text (``pki.conf.parse``, and files of arbitrary bytes through ``read_file``):
  ``pki.conf.ConfigError``. Any value of any known name (``load_tls_settings``,
  ``load_connection_settings``): ``ConfigError``.
- password files of arbitrary text (``pki.nssdb.read_password_file``): a password, None, or
  ``pki.nssdb.NSSError``; bytes that are not UTF-8: a ``ValueError``
  (``UnicodeDecodeError``).
- arbitrary JSON values (wrong types, arrays for objects, huge numbers, unicode), also as
  objects built from each class's own field names, to every ``from_json`` of the data
  classes (``pki.cert``, ``pki.key``, ``pki.profile``...), of ``ResourceMessage`` and of
  the exceptions the server names: ``pki.UnexpectedResponseError`` for the data classes
  (``pki.PKIException`` for ``InstallToken`` without a token); anything decoded can be
  written back (``to_json``, ``repr``).
- arbitrary bytes as a JSON body (``pki.responses.decode_json``):
  ``pki.responses.ResponseNotJSONError``.
- arbitrary values as IDs (``parse_id``, ``hex_id``, ``decimal_id``, ``path_id``) and
  versions (``Version``): ``ValueError``; and every non-negative integer reads back from
  its decimal and hex forms.

Each property runs a bounded number of examples without a deadline (the machine is shared).
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import json
import os
import tempfile
from collections.abc import Iterator
from typing import Any

import pki
import pki.conf
import pki.nssdb
import pki.responses
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pki.resource import DataCollection, JSONData, Version, decimal_id, hex_id, parse_id, path_id

#: bounded, no deadline (a shared machine), and no example database: nothing is written
#: into the working tree, and every run starts fresh
FUZZ = settings(
    max_examples=300, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

DATA_MODULES = (
    "pki.authority", "pki.cert", "pki.feature", "pki.group", "pki.info", "pki.key",
    "pki.profile", "pki.system", "pki.user",
)


def _decoders() -> list[type]:
    """Every class of the resource modules with a ``from_json`` (bases excluded)."""
    found = []
    for name in DATA_MODULES:
        module = importlib.import_module(name)
        for obj in vars(module).values():
            if (
                inspect.isclass(obj) and obj.__module__ == name
                and callable(getattr(obj, "from_json", None))
                and obj not in (JSONData, DataCollection)
            ):
                found.append(obj)
    return found


DECODERS = _decoders()
SERVER_ERRORS = [pki.ResourceMessage, *pki.EXCEPTION_MAPPINGS.values()]

# -- JSON values ------------------------------------------------------------------------------

scalars = (
    st.none() | st.booleans() | st.integers() | st.integers(min_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20)
    | st.sampled_from(["0x1", "-1", "True", "false", "", "1e999", "\u0000", "\U0001f512"])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _names_of(cls: type) -> list[str]:
    """JSON names the class reads (its fields', a collection's, known legacy keys)."""
    names = {"entries", "total", "Link", "id", "@id", "Attributes", "ClassName", "Message",
             "Code", "token", "hosts", "Host", "subsystems", "Subsystem", "DomainInfo",
             "PolicySet", "value", "name"}
    table = getattr(cls, "json_attribute_names", None)
    if isinstance(table, dict):
        names.update(table)
    item = getattr(cls, "item_type", None)
    if isinstance(getattr(item, "json_attribute_names", None), dict):
        names.update(item.json_attribute_names)
    return sorted(names)


def objects_for(cls: type) -> st.SearchStrategy[Any]:
    """JSON objects made of the class's own names (to reach its fields), or anything."""
    keyed = st.dictionaries(st.sampled_from(_names_of(cls)), json_values, max_size=6)
    entries = st.fixed_dictionaries({"entries": st.lists(keyed | json_values, max_size=3)})
    return keyed | entries | json_values


# -- pki.conf ---------------------------------------------------------------------------------

SHELLISH = st.text(
    alphabet=st.sampled_from(list("AZ_az09 =\t'\"$\\{}()`;&|<>#!@*?-.,/~\n") + ["\u00e9"]),
    max_size=80,
)


@FUZZ
@given(st.text(max_size=200) | SHELLISH)
def test_pki_conf_text_raises_only_config_error(text: str) -> None:
    try:
        variables = pki.conf.parse(text, environ={})
    except pki.conf.ConfigError:
        return
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in variables.items())


@FUZZ
@given(st.text(alphabet=st.characters(blacklist_characters="'\n\r"), max_size=40))
def test_single_quoted_values_read_back_as_written(value: str) -> None:
    assert pki.conf.parse(f"NAME='{value}'\n", environ={}) == {"NAME": value}


@contextlib.contextmanager
def written(name: str, data: bytes) -> Iterator[str]:
    """A file holding ``data`` for the ``with`` block; gone afterwards, whatever it held."""
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, name)
        with open(path, "wb") as f:
            f.write(data)
        try:
            yield path
        finally:
            os.unlink(path)


@FUZZ
@given(st.binary(max_size=200))
def test_pki_conf_files_of_any_bytes(data: bytes) -> None:
    with written("pki.conf", data) as path:
        try:
            pki.conf.read_file(path, environ={})
        except pki.conf.ConfigError:
            pass


@FUZZ
@given(st.dictionaries(
    st.sampled_from(pki.conf.KNOWN_NAMES), st.text(max_size=30) | SHELLISH, max_size=6
))
def test_settings_raise_only_config_error(values: dict[str, str]) -> None:
    environ = {"HOME": "/nowhere"}
    for load in (pki.conf.load_tls_settings, pki.conf.load_connection_settings):
        try:
            load(values, files=[], environ=environ)
        except pki.conf.ConfigError:
            pass


# -- password files ---------------------------------------------------------------------------

PASSWORD_CONF = st.lists(
    st.tuples(
        st.sampled_from(["internal", "hardware-NHSM6000", "internaldb", "replicationdb", "#x",
                         "", " internal ", "hardware-"]),
        st.sampled_from(["=", " = ", "", ":"]),
        st.text(max_size=12),
    ).map(lambda t: "".join(t)),
    max_size=5,
).map("\n".join)


@FUZZ
@given(PASSWORD_CONF | st.text(max_size=60), st.sampled_from(["internal", "NHSM6000", "x"]))
def test_password_files_raise_only_nss_error(text: str, token: str) -> None:
    with written("password.conf", text.encode("utf-8", "surrogatepass")) as path:
        try:
            password = pki.nssdb.read_password_file(path, token)
        except pki.nssdb.NSSError:
            return
    assert password is None or isinstance(password, str)
    assert password is None or "\n" not in password


@FUZZ
@given(st.binary(max_size=60))
def test_password_files_of_any_bytes(data: bytes) -> None:
    with written("password.conf", data) as path:
        try:
            pki.nssdb.read_password_file(path)
        except (pki.nssdb.NSSError, ValueError):
            pass


# -- JSON decoders ----------------------------------------------------------------------------


def test_every_data_class_is_fuzzed() -> None:
    names = {cls.__name__ for cls in DECODERS}
    assert len(DECODERS) >= 45, sorted(names)
    assert {"CertData", "CertDataInfoCollection", "KeyInfo", "Profile", "DomainInfo",
            "UserData", "AuthorityDataCollection", "PolicySetList"} <= names


@pytest.mark.parametrize("cls", DECODERS, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_from_json_raises_only_unexpected_response_error(cls: type) -> None:
    @settings(FUZZ, max_examples=60)
    @given(objects_for(cls))
    def decode(value: Any) -> None:
        try:
            obj = cls.from_json(value)
        except pki.UnexpectedResponseError:
            return
        except pki.PKIException:
            assert cls.__name__ == "InstallToken", f"{cls.__name__}: unexpected PKIException"
            return
        if obj is not None:
            repr(obj)
            if callable(getattr(obj, "to_json", None)):
                json.dumps(obj.to_json(), default=repr)

    decode()


@pytest.mark.parametrize("cls", SERVER_ERRORS, ids=lambda c: c.__name__)
def test_error_bodies_decode_whatever_they_hold(cls: type) -> None:
    @settings(FUZZ, max_examples=60)
    @given(st.dictionaries(st.sampled_from(_names_of(cls)), json_values, max_size=5))
    def decode(value: dict[str, Any]) -> None:
        try:
            cls.from_json(value)
        except pki.UnexpectedResponseError:
            pass

    decode()


@FUZZ
@given(st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()))
def test_json_bodies_raise_only_not_json(data: bytes) -> None:
    try:
        pki.responses.decode_json(data)
    except pki.responses.ResponseNotJSONError as exc:
        if data:  # the first bytes, escaped: at most 4 characters a byte, and the quotes
            assert exc.preview is not None
            assert len(exc.preview) < 4 * pki.responses.PREVIEW_BYTES + 10
        else:
            assert exc.preview is None


# -- IDs and versions -------------------------------------------------------------------------

ID_LIKE = (
    st.integers() | st.text(max_size=30) | st.binary(max_size=10) | st.floats()
    | st.booleans() | st.none() | st.lists(st.integers(), max_size=2)
    | st.from_regex(r"\s*(0[xX])?[0-9a-fA-F]{0,40}\s*", fullmatch=True)
    | st.just("9" * 5000)
)


@FUZZ
@given(ID_LIKE)
def test_ids_raise_only_value_error(value: Any) -> None:
    for parse in (parse_id, hex_id, decimal_id, path_id):
        try:
            parse(value)
        except ValueError:
            pass


@FUZZ
@given(st.integers(min_value=0, max_value=2**160))
def test_ids_read_back(number: int) -> None:
    assert parse_id(number) == parse_id(str(number)) == parse_id(hex(number)) == number
    assert parse_id(hex(number).upper().replace("0X", "0x")) == number
    assert hex_id(str(number)) == hex(number)
    assert decimal_id(hex(number)) == str(number)


@FUZZ
@given(st.text(max_size=20) | st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}[a-z0-9-]{0,6}"))
def test_versions_raise_only_value_error(text: str) -> None:
    try:
        version = Version(text)
    except ValueError:
        return
    assert Version(str(version)) == version
