"""pki.nssdb against real NSS databases made by certutil and pk12util."""

from __future__ import annotations

import datetime
import gc
import hashlib
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from audit_hook import run_audited
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from nssdb_fixtures import PASSWORD
from pki import PKIException
from pki.nssdb import (
    BadPasswordError,
    CertificateNotFoundError,
    CertificateNotValidError,
    DatabaseNotFoundError,
    NSSDatabase,
    PasswordRequiredError,
    PrivateKeyNotFoundError,
    read_password_file,
)
from pki.testing.nsstools import TestNSSDB


def _public_der(obj) -> bytes:
    key = obj.public_key()
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


# -- listing and lookups -----------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["sql_db", "dbm_db"])
def test_list_certs_matches_certutil(request, fixture):
    agent = request.getfixturevalue(fixture)
    with NSSDatabase(agent.spec, password=PASSWORD) as db:
        certs = {c.nickname: c for c in db.list_certs()}
    assert {n: c.trust_flags for n, c in certs.items()} == agent.db.trust_flags()
    admin = certs["PKI Administrator"]
    assert admin.subject == agent.rsa.cert.subject.rfc4514_string()
    assert admin.issuer == agent.ca.cert.subject.rfc4514_string()
    assert admin.serial_number == agent.rsa.cert.serial_number
    assert admin.not_after == agent.rsa.cert.not_valid_after_utc
    assert admin.not_before == agent.rsa.cert.not_valid_before_utc
    assert admin.has_private_key is True
    assert admin.token == "internal"
    assert certs["CA Signing Certificate"].has_private_key is False


def test_trust_flags_render_like_certutil(tmp_path, test_ca):
    db = TestNSSDB(tmp_path / "db", None, "sql")
    variants = {
        "a": "CT,C,C",
        "b": "P,,",
        "c": ",,",
        "d": "c,c,c",
        "e": "p,p,p",
        "f": "T,,",
        "g": "C,,",
        "h": "Pw,,",
        "i": "CT,,P",
    }
    for nickname, trust in variants.items():
        cert = test_ca.issue_cert(f"trust {nickname}").cert
        db.add_cert(nickname, cert, trust)
    with NSSDatabase(db.spec) as nssdb:
        ours = {c.nickname: c.trust_flags for c in nssdb.list_certs()}
    assert ours == db.trust_flags()


def test_get_cert_returns_that_databases_cert(sql_db):
    with NSSDatabase(sql_db.spec, password=PASSWORD) as db:
        assert db.get_x509_cert("PKI Administrator") == sql_db.rsa.cert
        assert db.get_x509_cert("PKI Administrator EC") == sql_db.ec.cert
        # Dogtag's token-qualified spelling works too
        assert db.get_x509_cert("internal:PKI Administrator") == sql_db.rsa.cert


def test_missing_nickname_lists_existing_ones(sql_db):
    with NSSDatabase(sql_db.spec, password=PASSWORD) as db:
        with pytest.raises(CertificateNotFoundError) as info:
            db.get_x509_cert("PKI Admin")
    message = str(info.value)
    assert "'PKI Admin'" in message
    for nickname in ("PKI Administrator", "PKI Administrator EC", "CA Signing Certificate"):
        assert repr(nickname) in message
    assert sorted(info.value.nicknames) == sorted(
        ["PKI Administrator", "PKI Administrator EC", "CA Signing Certificate"]
    )


def test_trust_anchors_are_the_tls_trusted_cas(rich_db):
    db, data = rich_db
    with NSSDatabase(db.spec, password=PASSWORD) as nssdb:
        anchors = nssdb.get_trust_anchors()
    assert anchors == [data["ca"].cert]


def test_find_client_certs_keeps_only_usable_ones(rich_db):
    db, _ = rich_db
    with NSSDatabase(db.spec, password=PASSWORD) as nssdb:
        usable = {c.nickname for c in nssdb.find_client_certs()}
    assert usable == {"valid", "no eku", "other ca agent"}


def test_find_client_certs_filters_by_issuer(rich_db):
    db, data = rich_db
    with NSSDatabase(db.spec, password=PASSWORD) as nssdb:
        by_name = {c.nickname for c in nssdb.find_client_certs([data["ca"].cert.subject])}
        by_text = {
            c.nickname
            for c in nssdb.find_client_certs([data["other_ca"].cert.subject.rfc4514_string()])
        }
        none = nssdb.find_client_certs(["CN=Nobody"])
    assert by_name == {"valid", "no eku"}
    assert by_text == {"other ca agent"}
    assert none == []


# -- credentials -------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["sql_db", "dbm_db", "empty_password_db"])
@pytest.mark.parametrize("nickname,key_type", [("PKI Administrator", rsa.RSAPrivateKey),
                                              ("PKI Administrator EC", ec.EllipticCurvePrivateKey)])
def test_client_credentials_bring_the_key_into_memory(request, fixture, nickname, key_type):
    agent = request.getfixturevalue(fixture)
    with NSSDatabase(agent.spec, password=agent.password) as db:
        cert, chain, key = db.get_client_credentials(nickname)
    expected = agent.rsa if key_type is rsa.RSAPrivateKey else agent.ec
    assert cert == expected.cert
    assert chain == [agent.ca.cert]
    assert isinstance(key, key_type)
    assert _public_der(key) == _public_der(expected.cert)
    if isinstance(key, rsa.RSAPrivateKey):
        assert key.key_size == 2048
    else:
        assert isinstance(key.curve, ec.SECP256R1)


def test_cert_without_key(rich_db):
    db, _ = rich_db
    with NSSDatabase(db.spec, password=PASSWORD) as nssdb:
        with pytest.raises(PrivateKeyNotFoundError, match="no private key"):
            nssdb.get_client_credentials("no key")


@pytest.mark.parametrize("nickname,state", [("expired", "expired"), ("future", "not yet valid")])
def test_invalid_dates_are_reported(rich_db, nickname, state):
    db, data = rich_db
    issued = data["certs"][nickname]
    with NSSDatabase(db.spec, password=PASSWORD) as nssdb:
        with pytest.raises(CertificateNotValidError) as info:
            nssdb.get_client_credentials(nickname)
    assert state in str(info.value)
    assert f"{issued.cert.not_valid_after_utc:%Y-%m-%d}" in str(info.value)
    assert info.value.not_after == issued.cert.not_valid_after_utc
    assert info.value.not_before == issued.cert.not_valid_before_utc


# -- passwords ---------------------------------------------------------------------------


def test_password_forms(sql_db, password_file):
    bare = password_file(PASSWORD + "\n")
    conf = password_file(
        f"# Dogtag password.conf\n\ninternaldb=ldap-secret\ninternal={PASSWORD}\n"
        "hardware-HSM=other\n",
        "password.conf",
    )
    for kwargs in (
        {"password": PASSWORD},
        {"password_file": bare},
        {"password_file": str(conf)},
        {"password_callback": lambda token, retry: PASSWORD},
    ):
        with NSSDatabase(sql_db.spec, **kwargs) as db:
            assert db.get_x509_cert("PKI Administrator") == sql_db.rsa.cert


def test_read_password_file_forms(password_file):
    assert read_password_file(password_file("a=b c\n")) == "a=b c"
    assert read_password_file(password_file("internal=x=y\n")) == "x=y"
    conf = password_file("internal=soft\nhardware-NHSM6000=hsm\n")
    assert read_password_file(conf, "NHSM6000") == "hsm"
    assert read_password_file(conf, "NSS Certificate DB") == "soft"
    assert read_password_file(password_file("hardware-X=1\n")) is None
    # Java properties rules, as Dogtag reads password.conf: blanks after '=' are not the value
    assert read_password_file(password_file("internal = pässwörd€ \n")) == "pässwörd€ "


def test_callback_called_once_with_token_name(sql_db):
    calls = []

    def callback(token, retry):
        calls.append((token, retry))
        return PASSWORD

    with NSSDatabase(sql_db.spec, password_callback=callback) as db:
        db.list_certs()
    assert calls == [("internal", False)]


def test_wrong_password_fails_at_once(sql_db):
    calls = []

    def callback(token, retry):
        calls.append((token, retry))
        return "wrong"

    with pytest.raises(BadPasswordError) as info:
        NSSDatabase(sql_db.spec, password_callback=callback).open()
    assert calls == [("internal", False)]
    assert info.value.error_name == "SEC_ERROR_BAD_PASSWORD"
    assert sql_db.spec in str(info.value)
    assert isinstance(info.value, PKIException)


def test_wrong_password_from_file(dbm_db, password_file):
    with pytest.raises(BadPasswordError):
        NSSDatabase(dbm_db.spec, password_file=password_file("internal=nope\n")).open()


def test_protected_database_without_password(sql_db):
    with pytest.raises(PasswordRequiredError) as info:
        NSSDatabase(sql_db.spec).open()
    message = str(info.value)
    assert "password" in message and "password_file" in message and sql_db.spec in message
    # a callback that answers None is reported as such (test_bad_inputs), still this class
    with pytest.raises(PasswordRequiredError, match="returned None"):
        NSSDatabase(sql_db.spec, password_callback=lambda token, retry: None).open()


def test_password_conf_without_internal_entry(sql_db, password_file):
    path = password_file("hardware-HSM=x\ninternaldb=y\n")
    with pytest.raises(PasswordRequiredError, match="no 'internal=' line"):
        NSSDatabase(sql_db.spec, password_file=path).open()


def test_public_part_opens_without_password(sql_db):
    with NSSDatabase(sql_db.spec).open(login=False) as db:
        assert db.is_locked
        assert db.get_trust_anchors() == [sql_db.ca.cert]
        assert db.get_x509_cert("PKI Administrator") == sql_db.rsa.cert
        with pytest.raises(PasswordRequiredError):
            db.get_client_credentials("PKI Administrator")


def test_key_store_unlocked_when_first_needed(sql_db):
    with NSSDatabase(sql_db.spec, password=PASSWORD).open(login=False) as db:
        assert db.is_locked
        cert, _, key = db.get_client_credentials("PKI Administrator EC")
        assert not db.is_locked
    assert _public_der(key) == _public_der(cert)


def test_empty_password_database_opens_without_one(empty_password_db):
    with NSSDatabase(empty_password_db.spec) as db:
        assert db.get_x509_cert("PKI Administrator") == empty_password_db.rsa.cert


def test_callback_excludes_other_password_sources(sql_db):
    with pytest.raises(ValueError, match="only one"):
        NSSDatabase(sql_db.spec, password="x", password_callback=lambda token, retry: "x")


def test_password_wins_over_password_file_as_upstream(sql_db, password_file):
    # upstream stores password= in its own file and uses that one
    wrong = password_file("wrong\n")
    with NSSDatabase(sql_db.spec, password=PASSWORD, password_file=wrong) as db:
        assert not db.is_locked


def test_secrets_stay_out_of_repr_and_errors(sql_db):
    db = NSSDatabase(sql_db.spec, password=PASSWORD)
    assert PASSWORD not in repr(db)
    assert "Secret" not in repr(db)
    with pytest.raises(BadPasswordError) as info:
        NSSDatabase(sql_db.spec, password="Wr0ng-Secret").open()
    assert "Wr0ng" not in str(info.value) and "Wr0ng" not in repr(info.value)


# -- database locations ------------------------------------------------------------------


def test_missing_directory(tmp_path):
    with pytest.raises(DatabaseNotFoundError, match="does not exist"):
        NSSDatabase(tmp_path / "nope").open()
    assert not (tmp_path / "nope").exists()


def test_directory_without_database(tmp_path):
    with pytest.raises(DatabaseNotFoundError, match="create one with NSSDatabase.create"):
        NSSDatabase(f"sql:{tmp_path}").open()
    assert list(tmp_path.iterdir()) == []


def test_wrong_format_is_named(dbm_db):
    with pytest.raises(DatabaseNotFoundError, match="dbm:"):
        NSSDatabase(f"sql:{dbm_db.db.directory}", password=PASSWORD).open()


def test_default_db_type_from_environment(dbm_db, monkeypatch):
    monkeypatch.setenv("NSS_DEFAULT_DB_TYPE", "dbm")
    with NSSDatabase(str(dbm_db.db.directory), password=PASSWORD) as db:
        assert db.spec.startswith("dbm:")
        assert db.get_x509_cert("PKI Administrator") == dbm_db.rsa.cert
    monkeypatch.delenv("NSS_DEFAULT_DB_TYPE")
    # without a prefix, a directory holding only a dbm database is one (NSS falls back too)
    assert NSSDatabase(str(dbm_db.db.directory)).spec.startswith("dbm:")
    monkeypatch.setenv("NSS_DEFAULT_DB_TYPE", "sql")
    assert NSSDatabase(str(dbm_db.db.directory) + "/new").spec.startswith("sql:")


def test_database_opens_on_first_use_and_after_close(sql_db):
    db = NSSDatabase(sql_db.spec, password=PASSWORD)
    assert not db.is_open
    assert db.get_x509_cert("PKI Administrator") == sql_db.rsa.cert
    assert db.is_open and db.is_locked  # opened for reading: no login until a key is needed
    db.close()
    assert not db.is_open
    cert, _, key = db.get_client_credentials("PKI Administrator EC")
    assert _public_der(key) == _public_der(cert)
    db.close()


# -- several databases, threads, resources ------------------------------------------------


def test_two_databases_same_nickname_from_threads(make_agent_db):
    first = make_agent_db("first-password", "sql", common_name="Agent One")
    second = make_agent_db("second-password", "dbm", common_name="Agent Two")
    dbs = [
        NSSDatabase(first.spec, password="first-password").open(),
        NSSDatabase(second.spec, password="second-password").open(),
    ]
    expected = [first.rsa, second.rsa]
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def work(index: int) -> None:
        try:
            barrier.wait()
            for _ in range(5):
                cert, _, key = dbs[index % 2].get_client_credentials("PKI Administrator")
                assert cert == expected[index % 2].cert
                assert _public_der(key) == _public_der(expected[index % 2].cert)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for db in dbs:
        db.close()
    assert errors == []


def test_concurrent_open_close_from_threads(sql_db, dbm_db):
    # NSS is initialised once and shut down with the last database: opening and closing
    # from many threads at once must neither fail nor hand out the wrong certificate
    agents = [sql_db, dbm_db]
    errors: list[BaseException] = []

    def work(index: int) -> None:
        agent = agents[index % 2]
        try:
            for _ in range(15):
                with NSSDatabase(agent.spec, password=PASSWORD) as db:
                    cert, _, key = db.get_client_credentials("PKI Administrator EC")
                assert cert == agent.ec.cert and _public_der(key) == _public_der(cert)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


_FD_SCRIPT = textwrap.dedent(
    """
    import os, sys
    from pki.nssdb import NSSDatabase
    db = NSSDatabase(sys.argv[1], password=sys.argv[2])
    for _ in range(20):  # warm-up: lazy library loading, caches
        db.open()
        db.close()
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(1000):
        db.open()
        db.close()
    print(before, len(os.listdir("/proc/self/fd")))
    """
)


def test_open_close_cycles_leak_no_descriptors(sql_db):
    # a process of its own, so that no other test's sockets come and go meanwhile
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run(
        [sys.executable, "-c", _FD_SCRIPT, sql_db.spec, PASSWORD],
        capture_output=True, text=True, env=env, check=True,
    ).stdout.split()
    before, after = int(out[0]), int(out[1])
    assert after == before


def _checksums(directory: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.iterdir())
        if p.is_file()
    }


@pytest.mark.parametrize("fixture", ["sql_db", "dbm_db"])
def test_read_only_never_modifies_the_files(request, fixture):
    agent = request.getfixturevalue(fixture)
    before = _checksums(agent.db.directory)
    with NSSDatabase(agent.spec, password=PASSWORD) as db:
        db.list_certs()
        db.get_trust_anchors()
        db.get_client_credentials("PKI Administrator")
        db.get_client_credentials("PKI Administrator EC")
    assert _checksums(agent.db.directory) == before


def test_audit_harness_catches_writes(tmp_path):
    # the audit tests below can only fail if the harness sees writes: prove that it does
    target = tmp_path / "written.txt"
    out = run_audited(
        "import tempfile",
        "open(sys.argv[1], 'w').close(); tempfile.mkdtemp(dir=sys.argv[2])",
        str(target),
        str(tmp_path),
    )
    assert str(target) in out[-1] and "tempfile.mkdtemp" in out[-1]


def test_audit_hook_sees_no_write_and_no_temp_file(sql_db, tmp_path):
    pw = tmp_path / "password.conf"
    pw.write_text(f"internal={PASSWORD}\n")
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    out = run_audited(
        "from pki.nssdb import NSSDatabase",
        """
        with NSSDatabase(sys.argv[1], password_file=sys.argv[2]) as db:
            cert, chain, key = db.get_client_credentials("PKI Administrator")
            db.get_client_credentials("PKI Administrator EC")
        print(type(key).__name__)
        """,
        sql_db.spec,
        str(pw),
        env={"TMPDIR": str(tmpdir)},
    )
    assert out == ["RSAPrivateKey", "[]"]
    assert list(tmpdir.iterdir()) == []  # nor did NSS create anything in TMPDIR


def test_missing_library_names_the_package():
    script = (
        "import pki.nss as n; n._SONAMES['nss'] = 'libnss3-not-here.so'\n"
        "try:\n    n.version()\nexcept n.LibraryNotFoundError as e:\n    print(e)\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert "libnss3-not-here.so" in out
    assert "apt-get install libnss3" in out and "dnf install nss" in out


def test_cert_info_is_valid_at(sql_db):
    with NSSDatabase(sql_db.spec, password=PASSWORD) as db:
        info = db.get_cert_entry("PKI Administrator")
    assert info.is_valid_at(datetime.datetime.now(datetime.timezone.utc))
    assert not info.is_valid_at(info.not_after + datetime.timedelta(seconds=1))
    assert isinstance(info.certificate, x509.Certificate)


def test_a_dropped_database_gives_its_slot_back(sql_db):
    from pki.nss import slots

    before = len(slots.open_slots())
    db = NSSDatabase(sql_db.spec)
    db.list_certs()
    assert len(slots.open_slots()) == before + 1
    del db
    gc.collect()
    other = NSSDatabase(sql_db.spec)
    other.list_certs()  # opening closes the slot of the dropped one first
    assert len(slots.open_slots()) == before + 1
    other.close()
    assert len(slots.open_slots()) == before
