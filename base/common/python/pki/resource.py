"""What every resource client shares: paths, IDs, JSON data classes, collections, a base class.

Dogtag's REST resources all look alike: ``/<subsystem>/<api>/<resource>`` where ``<api>`` is
``v2`` (servers 11.6 and later) or ``rest`` (older ones, and the deprecated v1 API), JSON
bodies whose field names follow the Java classes (``IssuerDN``, ``requestID``...), IDs sent as
``0x`` hex or decimal, and collections ``{"total": N, "entries": [...]}``. This module holds
that plumbing once:

- ``ResourceClient``: the base of every client (``CertClient``, ``KeyClient``,
  ``ProfileClient``...). It accepts what upstream's clients accept as ``parent`` (a
  ``PKIConnection``, a ``PKIClient`` or a subsystem client such as ``CAClient``), keeps
  upstream's attributes (``connection``, ``pki_client``, ``subsystem_client``/``ca_client``/
  ``kra_client``, ``headers``) and builds the path of each call.
- ``JSONData``: the base of the data classes. Subclasses are dataclasses whose fields carry
  their JSON name in metadata (``json_field("IssuerDN")``); ``from_json``, ``to_json``,
  ``json_attribute_names`` and the upstream-style ``repr`` come from here.
- ``DataCollection``: a page of a collection (items under upstream's attribute name).
- ID parsing, query parameters without ``None`` values, JSON decoding, and ``Version`` (the
  tuple upstream keeps as ``pki.info.Version``).

JSON bodies are read through the connection within its ``max_response_size``
(``pki.responses``), and the decoders check the shape of what they get: a list where an
object belongs (or anything else a data class cannot hold) raises
``pki.UnexpectedResponseError``, a ``PKIException`` and a ``ValueError``, saying what arrived
instead of an ``AttributeError`` (or, for a collection, an empty page).

Nothing here imports requests: ``pki.client`` is imported when a client is built, which the
client modules have done already (as upstream, ``import pki.cert`` imports ``pki.client``).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
import reprlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Generic, TypeVar, overload
from urllib.parse import quote

import pki

if TYPE_CHECKING:
    # mypy knows dataclasses.dataclass; at run time ``data`` is that decorator with the
    # settings every data class here shares (see below).
    from dataclasses import dataclass as data

    from pki.client import PKIClient, PKIConnection
else:

    def data(cls: type) -> type:
        """``@dataclass`` as the data classes use it: identity equality (instances stay
        hashable, as upstream's plain classes are) and ``JSONData.__repr__``."""
        return dataclasses.dataclass(eq=False, repr=False)(cls)


__all__ = [
    "JSON_HEADERS",
    "DataCollection",
    "JSONData",
    "ResourceClient",
    "Version",
    "as_bool",
    "as_list",
    "clean_params",
    "data",
    "decimal_id",
    "dump_json",
    "entries_of",
    "expect_object",
    "object_decoder",
    "hex_id",
    "json_field",
    "parse_id",
    "path_id",
    "resolve_parent",
    "response_json",
    "wrong_shape",
]

logger = logging.getLogger(__name__)

#: The headers upstream's clients send with every JSON call (``client.headers``).
JSON_HEADERS = {"Content-type": "application/json", "Accept": "application/json"}


# --- values --------------------------------------------------------------------------------


def as_list(value: Any) -> list[Any]:
    """A JSON value that may be absent, one object or a list, as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def as_bool(value: Any) -> bool:
    """A boolean from JSON or from upstream's constructors, which take ``"True"``/``"False"``
    text (``AuthorityData(enabled="True")``)."""
    return value.strip().lower() == "true" if isinstance(value, str) else bool(value)


def clean_params(params: dict[str, Any] | None) -> dict[str, Any] | None:
    """Query parameters without the ``None`` values; booleans become ``true``/``false``."""
    if not params:
        return None
    out: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        out[key] = ("true" if value else "false") if isinstance(value, bool) else value
    return out or None


def response_json(response: Any) -> Any:
    """The JSON body of a response already read (not ``stream=True``), or None when it has
    none (204, empty body); a body that is not JSON raises
    ``pki.responses.ResponseNotJSONError`` saying what arrived."""
    if getattr(response, "status_code", None) == 204 or not getattr(response, "content", b"x"):
        return None
    import pki.responses  # deferred: it imports requests, which this module does not

    return pki.responses.decode_json(response.content, response)


def dump_json(obj: Any) -> str:
    """A request body in Dogtag's spelling (data classes through ``to_json()``)."""
    import pki.encoder  # deferred: pki.encoder registers nothing that this module needs

    return json.dumps(obj, cls=pki.encoder.CustomTypeEncoder, sort_keys=True)


_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 60
_SHORT.maxlist = _SHORT.maxdict = 4
_SHORT.maxlevel = 2


def _kind(value: Any) -> str:
    """What a JSON value is, with a short view of it, for error messages."""
    kinds = {dict: "a JSON object", list: "a JSON array", str: "a JSON string",
             bool: "a JSON boolean", int: "a JSON number", float: "a JSON number"}
    kind = kinds.get(type(value), type(value).__name__)
    return "null" if value is None else f"{kind} {_SHORT.repr(value)}"


def wrong_shape(owner: str, expected: str, value: Any) -> pki.UnexpectedResponseError:
    """The error for a JSON value ``owner`` cannot hold (``expected`` is what it takes)."""
    return pki.UnexpectedResponseError(
        f"{owner} cannot be read from {_kind(value)}", expected=expected
    )


def expect_object(value: Any, owner: str) -> dict[str, Any]:
    """``value`` if it is a JSON object, else the error saying ``owner`` needs one."""
    if not isinstance(value, dict):
        raise wrong_shape(owner, f"a JSON object for {owner}", value)
    return value


def object_decoder(owner: str) -> Callable[[Any], dict[str, Any]]:
    """A ``decode`` for ``_get_json``/``_send_json`` that takes any JSON object (``owner``
    names what it is in errors)."""

    def decode(value: Any) -> dict[str, Any]:
        return expect_object(value, owner)

    decode.__qualname__ = owner
    return decode


def entries_of(json_value: Any, owner: str = "a collection") -> list[Any]:
    """The items of a ``{"total", "entries"}`` collection: ``entries`` absent (Dogtag leaves
    an empty list out), one object or a list. Anything but an object raises."""
    entries = expect_object(json_value, owner).get("entries")
    if entries is not None and not isinstance(entries, (list, dict)):
        raise wrong_shape(owner, f"a list of entries for {owner}", entries)
    return as_list(entries)


# --- IDs -----------------------------------------------------------------------------------


def parse_id(value: Any, what: str = "ID") -> int:
    """Parse a Dogtag ID: an int, a decimal string, a ``0x`` hex string, or an object whose
    ``value`` is one of those (upstream's ``RequestId``). Raises ValueError otherwise."""
    if value is None:
        raise ValueError(f"{what} must be specified")
    inner = getattr(value, "value", None)
    if inner is not None and not isinstance(value, (int, str)):
        value = inner
    if isinstance(value, bool):
        raise ValueError(f"invalid {what}: {value!r}")
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        try:
            number = int(text[2:], 16) if text[:2].lower() == "0x" else int(text, 10)
        except ValueError:
            raise ValueError(f"invalid {what}: {value!r} (expected decimal or 0x hex)") from None
    if number < 0:
        raise ValueError(f"invalid {what}: {value!r}")
    return number


def hex_id(value: Any, what: str = "ID") -> str:
    """The ID as Dogtag's JSON writes it: lowercase ``0x`` hex (serials, key IDs)."""
    return hex(parse_id(value, what))


def decimal_id(value: Any, what: str = "ID") -> str:
    """The ID as a decimal string (request IDs, as upstream clients have always sent them)."""
    return str(parse_id(value, what))


def path_id(value: Any, what: str = "ID") -> str:
    """An ID as one URL path segment (user, group and client key IDs may hold spaces or
    slashes)."""
    if value is None or value == "":
        raise ValueError(f"{what} must be specified")
    return quote(str(value), safe="")


class Version(tuple):
    """A server version such as ``11.5.0``: a comparable ``(major, minor, patchlevel)`` tuple.

    This is upstream's ``pki.info.Version``. Missing components count as 0
    (``Version('11') == (11, 0, 0)``); a non-numeric tail on the last component is ignored
    (``11.6.0-beta1`` is ``11.6.0``); more than three components is an error, as upstream.
    """

    __slots__ = ()

    def __new__(cls, version: str | Version) -> Version:
        if isinstance(version, Version):
            return version
        parts = str(version).strip().split(".")
        if len(parts) > 3:
            raise ValueError(f"invalid version: {version!r}")
        numbers = []
        for index, part in enumerate(parts):
            digits = part
            if index == len(parts) - 1:
                digits = part[: len(part) - len(part.lstrip("0123456789"))]
            if not digits.isdigit():
                raise ValueError(f"invalid version: {version!r}")
            numbers.append(int(digits))
        numbers.extend([0] * (3 - len(numbers)))
        return tuple.__new__(cls, numbers)

    def __str__(self) -> str:
        return "{}.{}.{}".format(*self)

    def __repr__(self) -> str:
        return f"<Version('{self}')>"

    def __getnewargs__(self) -> tuple[str]:  # type: ignore[override]
        return (str(self),)

    @property
    def major(self) -> int:
        return int(self[0])

    @property
    def minor(self) -> int:
        return int(self[1])

    @property
    def patchlevel(self) -> int:
        return int(self[2])


# --- data classes --------------------------------------------------------------------------

_SPEC = "pki.json"


@dataclasses.dataclass(frozen=True)
class _FieldSpec:
    name: str | None = None  # the JSON name (None: the attribute's name)
    aliases: tuple[str, ...] = ()  # other JSON names read (older servers' spellings)
    item: Any = None  # a class whose from_json/to_json handle the value
    many: bool = False  # the value is a list of ``item``
    decode: Callable[[Any], Any] | None = None
    encode: Callable[[Any], Any] | None = None
    show: bool = False  # part of repr()
    convert: Callable[[Any], Any] | None = None  # applied to constructor values too
    local: bool = False  # never sent, never read


def json_field(
    name: str | None = None,
    *,
    default: Any = None,
    default_factory: Callable[[], Any] | None = None,
    item: Any = None,
    many: bool = False,
    aliases: tuple[str, ...] = (),
    decode: Callable[[Any], Any] | None = None,
    encode: Callable[[Any], Any] | None = None,
    show: bool = False,
    local: bool = False,
    convert: Callable[[Any], Any] | None = None,
) -> Any:
    """A dataclass field that knows its JSON name.

    ``name`` is the JSON name (default: the attribute name); ``aliases`` are other names it
    is read from (10.x spellings), and an object read under an alias writes it back under
    that alias. ``item`` is the class of a nested object (``many=True``: a list of them);
    ``decode``/``encode`` convert other values; ``convert`` normalises the value given to the
    constructor as well as the one read (``as_bool`` for upstream's ``"True"``/``"False"``).
    ``local=True`` fields never travel (e.g. ``binary``). ``show=True`` puts the field in
    ``repr()``; secrets never are.
    """
    if many and default_factory is None:
        default_factory = list
    spec = _FieldSpec(name, aliases, item, many, decode or convert, encode, show, convert, local)
    metadata = {_SPEC: spec}
    if default_factory is not None:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


class _Schema:
    """The JSON view of one data class, built once from its fields."""

    def __init__(self, cls: type) -> None:
        self.fields: list[tuple[str, _FieldSpec]] = []
        self.by_json_name: dict[str, tuple[str, _FieldSpec]] = {}
        for f in dataclasses.fields(cls):
            spec = f.metadata.get(_SPEC, _FieldSpec())
            if spec.name is None and not spec.local:
                spec = dataclasses.replace(spec, name=f.name)
            self.fields.append((f.name, spec))
            if not spec.local:
                for json_name in (spec.name, *spec.aliases):
                    self.by_json_name[json_name] = (f.name, spec)
        self.attributes = {name for name, _ in self.fields}
        self.converters = {name: spec.convert for name, spec in self.fields if spec.convert}
        self.factories: dict[str, Callable[[], Any]] = {
            f.name: f.default_factory
            for f in dataclasses.fields(cls)
            if f.default_factory is not dataclasses.MISSING
        }


class _JSONNames:
    """``json_attribute_names`` (JSON name -> attribute), computed from the fields."""

    def __get__(self, obj: Any, owner: type[JSONData]) -> dict[str, str]:
        return {key: attr for key, (attr, _) in owner._schema().by_json_name.items()}


def _decode(spec: _FieldSpec, value: Any) -> Any:
    if value is None:
        return None
    if spec.decode is not None:
        return spec.decode(value)
    if spec.item is None:
        return value
    if spec.many:
        parsed = (spec.item.from_json(v) for v in as_list(value))
        return [v for v in parsed if v is not None]
    return spec.item.from_json(value)


def _decode_field(owner: str, key: str, spec: _FieldSpec, value: Any) -> Any:
    """A field's value from JSON; what its decoder refuses becomes a shape error."""
    try:
        return _decode(spec, value)
    except pki.UnexpectedResponseError as exc:
        raise pki.UnexpectedResponseError(
            f"{owner}.{key}: {exc.problem}", expected=exc.expected
        ) from exc
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, RecursionError) as exc:
        raise pki.UnexpectedResponseError(
            f"{owner}.{key} cannot be read from {_kind(value)} ({exc})",
            expected=f"the {key} of {owner} as the server writes it",
        ) from exc


def _encode(value: Any) -> Any:
    to_json = getattr(value, "to_json", None)
    if callable(to_json):
        return to_json()
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    return value


class JSONData:
    """Base of the data classes (declare subclasses with ``@data``, fields with ``json_field``).

    ``from_json`` sets every known field from its JSON name (or an alias) and keeps any other
    key as an attribute of the same name, as upstream does (``cert.RevocationReason``).
    ``to_json`` writes the object back in the server's spelling, leaving out ``None`` values
    (Dogtag omits nulls too) and local fields. Lists declared with a factory are never None.
    """

    json_attribute_names: ClassVar[Any] = _JSONNames()
    #: the key of the upstream-style repr, ``str({"CertData": {...}})``
    _repr_name: ClassVar[str | None] = None

    @classmethod
    def _schema(cls) -> _Schema:
        schema = cls.__dict__.get("_schema_cache")
        if schema is None:
            schema = _Schema(cls)
            cls._schema_cache = schema  # type: ignore[attr-defined]
        return schema

    def __post_init__(self) -> None:
        # upstream's constructors turn ``inputs=None`` into ``[]``: so do the dataclasses
        schema = self._schema()
        for name, factory in schema.factories.items():
            if getattr(self, name, None) is None:
                setattr(self, name, factory())
        for name, convert in schema.converters.items():
            setattr(self, name, convert(getattr(self, name)))

    @overload
    @classmethod
    def from_json(cls: type[_D], attr_list: None) -> None: ...

    @overload
    @classmethod
    def from_json(cls: type[_D], attr_list: dict[str, Any]) -> _D: ...

    @classmethod
    def from_json(cls: type[_D], attr_list: dict[str, Any] | None) -> _D | None:
        """The object described by a JSON object (None for None)."""
        if attr_list is None:
            return None
        obj = cls()
        obj.load_json(attr_list)
        return obj

    def load_json(self, attr_list: dict[str, Any]) -> None:
        """Set this object's fields (and extra attributes) from a JSON object.

        Anything but an object, or a field value its decoder cannot take, raises
        ``pki.UnexpectedResponseError`` naming the class and the field.
        """
        owner = type(self).__name__
        schema = self._schema()
        read_as: dict[str, str] = {}
        for key, value in expect_object(attr_list, owner).items():
            known = schema.by_json_name.get(key)
            if known is not None:
                name, spec = known
                setattr(self, name, _decode_field(owner, key, spec, value))
                read_as[name] = key
            elif (
                isinstance(key, str) and key.isidentifier() and not key.startswith("_")
                and not hasattr(type(self), key)
            ):
                try:
                    setattr(self, key, copy.deepcopy(value))
                except RecursionError:
                    raise wrong_shape(f"{owner}.{key}", "JSON nested less deeply", value) from None
        # what to_json needs to write the object back as it came: the spelling of each field,
        # and which (empty) lists were not there at all
        self._json_read_as = read_as

    def to_json(self) -> dict[str, Any]:
        """This object as the server's JSON object."""
        schema = self._schema()
        read_as: dict[str, str] | None = getattr(self, "_json_read_as", None)
        out: dict[str, Any] = {}
        for name, spec in schema.fields:
            value = getattr(self, name)
            if spec.local or value is None:
                continue
            if read_as is not None and name not in read_as and value == []:
                continue  # an empty list the server did not send
            if spec.encode is not None:
                value = spec.encode(value)
            out[(read_as or {}).get(name) or str(spec.name)] = _encode(value)
        for name, value in vars(self).items():
            if name in schema.attributes or name.startswith("_") or value is None:
                continue
            out[name] = _encode(value)
        return out

    def __repr__(self) -> str:
        shown = {name: getattr(self, name) for name, spec in self._schema().fields if spec.show}
        return str({self._repr_name or type(self).__name__: shown})


_D = TypeVar("_D", bound=JSONData)
_T = TypeVar("_T")


class DataCollection(Generic[_T]):
    """A page of a Dogtag collection: its items plus the server's ``total``.

    Subclasses name the item class and the attribute upstream keeps the items in
    (``cert_data_info_list``, ``key_infos``...), so scripts reading those keep working.
    ``links`` holds the ``Link`` list that servers before 11.2 sent.
    """

    item_type: ClassVar[Any]
    items_attr: ClassVar[str]
    #: the server sends a bare JSON array (authorities, features): an object is one item
    bare_array: ClassVar[bool] = False

    def __init__(self) -> None:
        setattr(self, self.items_attr, [])
        self.links: list[Any] = []
        self.total: int | None = None

    @property
    def items(self) -> list[_T]:
        return getattr(self, self.items_attr)

    def __iter__(self) -> Iterator[_T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} total={self.total} items={len(self.items)}>"

    @classmethod
    def from_json(cls, json_value: Any) -> Any:
        """A page from ``{"total", "entries", "Link"}`` (or, for ``bare_array``
        collections, a JSON array; one object is one item). None is an empty page; any
        other shape raises ``pki.UnexpectedResponseError``."""
        ret = cls()
        if json_value is None:
            return ret
        owner = cls.__name__
        if cls.bare_array:
            if not isinstance(json_value, (list, dict)):
                raise wrong_shape(owner, f"a JSON array for {owner}", json_value)
            entries = as_list(json_value)
        else:
            entries = entries_of(json_value, owner)
            ret.total = json_value.get("total")
            ret.links = as_list(json_value.get("Link"))
        parsed = (cls.item_type.from_json(entry) for entry in entries)
        ret.items.extend(item for item in parsed if item is not None)
        return ret

    def to_json(self) -> dict[str, Any]:
        return {
            "entries": [_encode(item) for item in self.items],
            "total": self.total if self.total is not None else len(self.items),
        }


# --- resource clients ----------------------------------------------------------------------


def resolve_parent(parent: Any) -> tuple[Any, PKIClient | None, PKIConnection, str | None]:
    """``(subsystem_client, pki_client, connection, subsystem name)`` for a client's parent.

    ``parent`` is a ``PKIConnection`` (upstream's deprecated form), a ``PKIClient``, or
    anything else with a ``parent`` attribute, taken (as upstream does) for a subsystem
    client such as ``pki.ca.CAClient``: its ``parent`` is the ``PKIClient`` (or a
    ``PKIConnection``) and its ``name`` the subsystem. Duck typing keeps upstream's contract:
    programs' unit tests pass stand-ins (``unittest.mock.MagicMock``) for these objects.
    """
    import pki.client  # deferred: this module is imported by pki.client's own imports

    if isinstance(parent, pki.client.PKIClient):
        return None, parent, parent.connection, None
    if isinstance(parent, pki.client.PKIConnection):
        return None, None, parent, None
    if not hasattr(parent, "parent"):
        raise TypeError(
            "expected a PKIConnection, a PKIClient or a subsystem client (CAClient, "
            f"KRAClient, SubsystemClient...), not {type(parent).__name__}"
        )
    name = getattr(parent, "name", None)
    name = name if isinstance(name, str) else None
    owner = parent.parent
    if isinstance(owner, pki.client.PKIConnection):
        return parent, None, owner, name
    return parent, owner, owner.connection, name


class ResourceClient:
    """Base of the resource clients: where requests go and how they are sent.

    The subsystem is, in order: ``subsystem``, the subsystem client's ``name``, the
    connection's deprecated ``subsystem``, ``default_subsystem``. The API path comes from the
    ``PKIClient`` (``get_api_path()``); on a bare ``PKIConnection`` from the connection, which
    asks the server once (``v2`` on 11.6 and later, else ``rest``).
    """

    #: the subsystem used when nothing else names one
    default_subsystem: ClassVar[str | None] = None
    #: the attribute upstream keeps the subsystem client in (``ca_client`` for CertClient...)
    subsystem_client_attr: ClassVar[str] = "subsystem_client"

    def __init__(self, parent: Any, subsystem: str | None = None) -> None:
        subsystem_client, pki_client, connection, name = resolve_parent(parent)
        setattr(self, self.subsystem_client_attr, subsystem_client)
        self.pki_client = pki_client
        self.connection = connection
        self.subsystem_name: str | None = (
            subsystem or name or connection.subsystem or self.default_subsystem
        )
        if not self.subsystem_name:
            raise pki.PKIException(
                f"Missing subsystem for {type(self).__name__}: pass subsystem='ca' (or 'kra'...)"
            )
        self.headers = dict(JSON_HEADERS)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.subsystem_name} on {self.connection.rootURI}>"

    def get_api_path(self) -> str:
        """``v2`` or ``rest``: the PKIClient's choice, else the connection's."""
        if self.pki_client is not None:
            return str(self.pki_client.get_api_path())
        return self.connection.get_api_path()

    def resource_path(self, resource: str, api_path: str | None = None) -> tuple[str, bool]:
        """``(path, use_root_uri)`` for ``resource`` (e.g. ``'agent/certs/0x1'``).

        A connection created with the deprecated ``subsystem`` prefixes every path with it;
        for that subsystem the prefix is left out, for any other one the request goes to the
        root URI instead.
        """
        tail = f"/{api_path or self.get_api_path()}/{resource.lstrip('/')}"
        conn_sub = self.connection.subsystem
        if conn_sub:
            if conn_sub == self.subsystem_name:
                return tail, False
            return f"/{self.subsystem_name}{tail}", True
        return f"/{self.subsystem_name}{tail}", False

    def _request(
        self,
        method: str,
        resource: str,
        payload: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        api_path: str | None = None,
        *,
        stream: bool = False,
    ) -> Any:
        """Send one request; returns the requests Response (HTTP errors already raised).

        ``stream=True`` leaves a successful body unread, for ``connection.read_json``.
        """
        path, root = self.resource_path(resource, api_path)
        logger.debug("%s %s", method, path)
        kwargs: dict[str, Any] = {"use_root_uri": True} if root else {}
        kwargs["stream"] = stream
        headers = dict(self.headers if headers is None else headers)
        if payload is not None and not isinstance(payload, (str, bytes)):
            payload = dump_json(payload)
        conn = self.connection
        if method == "GET":
            return conn.get(path, headers, clean_params(params), **kwargs)
        if method == "POST":
            return conn.post(path, payload, headers, clean_params(params), **kwargs)
        if params:
            raise ValueError(f"{method} requests take no query parameters")
        if method == "PUT":
            return conn.put(path, payload, headers, **kwargs)
        if method == "PATCH":
            return conn.patch(path, payload, headers, **kwargs)
        if method == "DELETE":
            return conn.delete(path, headers, **kwargs)
        raise ValueError(f"unsupported HTTP method {method}")

    def _get_json(
        self,
        resource: str,
        params: dict[str, Any] | None = None,
        *,
        decode: Callable[[Any], _T] | None = None,
        headers: dict[str, str] | None = None,
        api_path: str | None = None,
    ) -> Any:
        """GET ``resource`` and read its JSON body (within the connection's
        ``max_response_size``); with ``decode`` (a data class's ``from_json``), its result,
        shape errors saying what the server sent."""
        response = self._request(
            "GET", resource, params=params, headers=headers, api_path=api_path, stream=True
        )
        return self.connection.read_json(response, decode)

    def _send_json(
        self,
        method: str,
        resource: str,
        payload: Any = None,
        params: dict[str, Any] | None = None,
        *,
        decode: Callable[[Any], _T] | None = None,
    ) -> Any:
        """POST/PUT/PATCH ``payload`` (a data object, dict or text) and read the answer as
        ``_get_json`` does (no body: None, unless ``decode`` wants one)."""
        response = self._request(method, resource, payload, params, stream=True)
        return self.connection.read_json(response, decode)
