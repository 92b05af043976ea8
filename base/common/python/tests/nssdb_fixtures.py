"""Fixtures that build real NSS databases with certutil/pk12util from a test PKI."""

from __future__ import annotations

import datetime
import shutil
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
    """Factory: ``make_agent_db(password, db_type, nickname)`` → AgentDB."""
    _require_nss_tools()

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
        db.cleanup()
        return AgentDB(db=db, ca=test_ca, rsa=rsa, ec=ec)

    return make


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
    EKU, a CA without trust, a peer cert with P trust."""
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
    db.cleanup()
    return db, {"certs": certs, "ca": test_ca, "other_ca": other_ca}


@pytest.fixture
def password_file(tmp_path: Path):
    def write(content: str, name: str = "pw.txt") -> Path:
        path = tmp_path / name
        path.write_text(content)
        return path

    return write
