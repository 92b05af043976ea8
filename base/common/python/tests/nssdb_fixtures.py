"""Fixtures that build real NSS databases with certutil/pk12util from a test PKI."""

from __future__ import annotations

import datetime
import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from pki.testing.certs import CA, IssuedCert
from pki.testing.nsstools import TestNSSDB

PASSWORD = "Secret.123 with spaces"


def _require_nss_tools() -> None:
    if shutil.which("certutil") is None or shutil.which("pk12util") is None:
        pytest.fail("certutil/pk12util missing: install libnss3-tools (.ci/run does)")


@dataclass
class AgentDB:
    """A database made like Dogtag's: a trusted CA plus agent identities."""

    db: TestNSSDB
    ca: CA
    rsa: IssuedCert
    ec: IssuedCert

    @property
    def spec(self) -> str:
        return self.db.spec

    @property
    def password(self) -> str | None:
        return self.db.password


@pytest.fixture(scope="session")
def test_ca() -> CA:
    return CA("Test Root CA", organization="Example Test")


@pytest.fixture(scope="session")
def make_agent_db(tmp_path_factory: pytest.TempPathFactory, test_ca: CA):
    """Factory: ``make_agent_db(password, db_type, nickname)`` → AgentDB; the databases are
    removed when the session ends (their key databases hold the agents' keys)."""
    _require_nss_tools()
    made: list[TestNSSDB] = []

    def make(
        password: str | None = PASSWORD,
        db_type: str = "sql",
        nickname: str = "PKI Administrator",
        common_name: str = "PKI Administrator",
    ) -> AgentDB:
        directory = tmp_path_factory.mktemp(f"nssdb-{db_type}")
        db = TestNSSDB(directory, password, db_type)
        db.add_ca("CA Signing Certificate", test_ca.cert, "CT,C,C")
        rsa = test_ca.issue_cert(common_name, key_type="rsa")
        ec = test_ca.issue_cert(common_name + " EC", key_type="ec")
        db.add_identity(nickname, rsa)
        db.add_identity(nickname + " EC", ec)
        made.append(db)
        return AgentDB(db=db, ca=test_ca, rsa=rsa, ec=ec)

    yield make
    for db in made:
        db.remove()


@pytest.fixture(scope="session")
def sql_db(make_agent_db) -> AgentDB:
    return make_agent_db(PASSWORD, "sql")


@pytest.fixture(scope="session")
def dbm_db(make_agent_db) -> AgentDB:
    return make_agent_db(PASSWORD, "dbm")


@pytest.fixture(scope="session")
def empty_password_db(make_agent_db) -> AgentDB:
    return make_agent_db(None, "sql")


@pytest.fixture(scope="session")
def rich_db(tmp_path_factory: pytest.TempPathFactory, test_ca: CA) -> tuple[TestNSSDB, dict]:
    """A database with the awkward cases: expired, not yet valid, cert without key, server-only
    EKU, a CA without trust, a peer cert with P trust (removed when the session ends)."""
    _require_nss_tools()
    now = datetime.datetime.now(datetime.timezone.utc)
    db = TestNSSDB(tmp_path_factory.mktemp("nssdb-rich"), PASSWORD, "sql")
    other_ca = CA("Untrusted CA", organization="Elsewhere")
    certs = {
        "valid": test_ca.issue_cert("Valid Agent"),
        "expired": test_ca.issue_cert(
            "Expired Agent",
            not_before=now - datetime.timedelta(days=30),
            not_after=now - datetime.timedelta(days=1),
        ),
        "future": test_ca.issue_cert(
            "Future Agent",
            not_before=now + datetime.timedelta(days=10),
            not_after=now + datetime.timedelta(days=40),
        ),
        "server only": test_ca.issue_cert("Server Only", usages=("server",)),
        "no eku": test_ca.issue_cert("No EKU", usages=()),
        "other ca agent": other_ca.issue_cert("Other CA Agent"),
        "no key": test_ca.issue_cert("Cert Without Key"),
    }
    db.add_ca("Root", test_ca.cert, "CT,C,C")
    db.add_cert("Untrusted", other_ca.cert, ",,")
    for nickname, issued in certs.items():
        if nickname == "no key":
            db.add_cert(nickname, issued.cert, "P,,")
        else:
            db.add_identity(nickname, issued)
    yield db, {"certs": certs, "ca": test_ca, "other_ca": other_ca}
    db.remove()


@pytest.fixture
def password_file(tmp_path: Path):
    def write(content: str, name: str = "pw.txt") -> Path:
        path = tmp_path / name
        path.write_text(content)
        return path

    return write


# -- checking what NSS's own tools see -------------------------------------------------------


def certutil(spec: str, *args: str, password: str | None = None) -> subprocess.CompletedProcess:
    """Run ``certutil <args> -d spec``; the password goes through a pipe (``-f /dev/stdin``)."""
    _require_nss_tools()
    pw = ["-f", "/dev/stdin"] if password is not None else []
    return subprocess.run(
        ["certutil", *args[:1], "-d", spec, *pw, *args[1:]],
        input=(password + "\n") if password is not None else None,
        capture_output=True, text=True, check=False,
    )


def certutil_certs(spec: str) -> dict[str, str]:
    """Nickname -> trust flags, as ``certutil -L`` prints them."""
    out = certutil(spec, "-L").stdout
    flags: dict[str, str] = {}
    for line in out.splitlines()[4:]:
        if line.strip():
            name, _, trust = line.rstrip().rpartition(" ")
            flags[name.strip()] = trust
    return flags


_KEY_LINE = re.compile(r"^<\s*\d+>\s+(\w+)\s+([0-9a-f]+)\s+(.*)$")


def certutil_keys(spec: str, password: str | None) -> list[tuple[str, str, str]]:
    """``(type, key ID hex, nickname or '(orphan)')`` for every key ``certutil -K`` lists."""
    done = certutil(spec, "-K", password=password)
    if "incorrect" in done.stderr.lower():
        raise AssertionError(f"certutil -K: {done.stderr.strip()}")
    keys = []
    for line in done.stdout.splitlines():
        match = _KEY_LINE.match(line.strip())
        if match:
            keys.append((match.group(1), match.group(2), match.group(3).strip()))
    return keys


def password_is(spec: str, password: str) -> bool:
    """Whether NSS's certutil accepts ``password`` for the database."""
    done = certutil(spec, "-K", password=password)
    return "incorrect" not in (done.stdout + done.stderr).lower()


def checksums(directory: Path) -> dict[str, str]:
    """File name -> SHA-256 of every file in ``directory`` (byte-identity checks)."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.iterdir())
        if p.is_file()
    }


@pytest.fixture
def make_db(tmp_path: Path, test_ca: CA):
    """Factory: a fresh certutil-made database with the CA (``CT,C,C``) and, unless
    ``identity=False``, an agent identity imported with pk12util. Returns AgentDB."""
    _require_nss_tools()
    counter = iter(range(1000))

    def make(
        password: str | None = PASSWORD,
        db_type: str = "sql",
        identity: bool = True,
        ca: CA | None = None,
    ) -> AgentDB:
        ca = ca or test_ca
        directory = tmp_path / f"db{next(counter)}-{db_type}"
        db = TestNSSDB(directory, password, db_type)
        db.add_ca("CA Signing Certificate", ca.cert, "CT,C,C")
        rsa = ca.issue_cert("PKI Administrator", key_type="rsa")
        ec = ca.issue_cert("PKI Administrator EC", key_type="ec")
        if identity:
            db.add_identity("PKI Administrator", rsa)
        return AgentDB(db=db, ca=ca, rsa=rsa, ec=ec)

    return make


@pytest.fixture
def secret_files(tmp_path: Path):
    """Factory: ``write(name, data)`` a private file (a PKCS #12 blob, a password) in
    ``tmp_path``; every file written is removed when the test ends."""
    written: list[Path] = []

    def write(name: str, data: bytes | str) -> Path:
        path = tmp_path / name
        raw = data.encode() if isinstance(data, str) else data
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        written.append(path)
        return path

    yield write
    for path in written:
        path.unlink(missing_ok=True)


@pytest.fixture
def p12_file(secret_files):
    """Factory: ``issued`` as a PKCS #12 file (removed when the test ends)."""

    def write(issued: IssuedCert, password: str, nickname: str, name: str = "id.p12") -> Path:
        return secret_files(name, issued.to_pkcs12(password.encode(), nickname))

    return write
