"""pytest fixtures for the Dogtag test server (registered in ``conftest.py``).

``dogtag_server`` runs one ``DogtagTestServer`` for the whole session (in a background
thread, over real HTTPS on 127.0.0.1). Who is who on it:

* the **agent** of the state directory: ``dogtag_server.info`` (``nssdb``, ``nickname``,
  ``password_file``, ``ca_cert``); its certificate belongs to ``caadmin`` on the CA and
  ``kraadmin`` on the KRA, agents and administrators as ``pkispawn`` makes them, who also
  accept HTTP Basic with ``dogtag_server.admin_password``;
* a **non-agent**: ``nonagent_user`` (a ``TestUser`` named ``nonagent``, in no group on
  either subsystem, with its own NSS database: ``nonagent_user.nss_info`` gives ``nssdb``,
  ``nickname`` and ``password_file``); it authenticates, and gets 403 on agent and admin
  resources;
* PEM files for tests that talk raw HTTP with requests: ``agent_pem`` (user ``testagent``,
  in the same groups as the admins) and ``nonagent_pem`` (the non-agent's certificate); the
  files live in a private temporary directory removed when the session ends;
* ``agent_session``, ``nonagent_session`` and ``anon_session``: requests sessions (one
  cookie jar each) with those certificates, or none.

More users: ``dogtag_server.add_user(user_id, groups)`` (an NSS database of its own) or
``dogtag_server.issue_client_cert(cn, user_id=..., groups=...)`` (in memory, for PEM files).

For FreeIPA's RA backend: ``freeipa_server`` is a second session server with the ACL grants
FreeIPA's installer adds, and ``ra_agent_user`` its RA agent: one certificate (in its own
NSS database) that is ``ipara`` on the CA (Certificate Manager Agents, Registration Manager
Agents, Security Domain Administrators, Enterprise ACME Administrators) and ``ipakra`` on the
KRA (Data Recovery Manager Agents), as ``ipa-server-install`` sets them up; ``ra_agent_pem``
has its PEM files.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from pki.testing.certs import IssuedCert
from pki.testing.server import DogtagTestServer, TestUser


@pytest.fixture(scope="session")
def dogtag_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DogtagTestServer]:
    """The session's test server; ``.url``, ``.info``, ``.state_dir``, ``.ca_cert_path``
    (the state directory, with the server's keys, goes when the session ends)."""
    state_dir = tmp_path_factory.mktemp("dogtag-server")
    try:
        with DogtagTestServer(state_dir) as server:
            yield server
    finally:  # its keys, its databases, their password files
        shutil.rmtree(state_dir, ignore_errors=True)


def _write(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


@pytest.fixture(scope="session")
def pem_dir() -> Iterator[Path]:
    """A private directory for PEM client credentials, removed at the end of the session."""
    directory = Path(tempfile.mkdtemp(prefix="dogtag-pem-"))
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def write_pem(directory: Path, name: str, issued: IssuedCert) -> tuple[str, str]:
    """``(cert_path, key_path)`` of ``issued`` in ``directory`` (key mode 0600)."""
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}-key.pem"
    _write(cert_path, issued.cert_pem, 0o644)
    _write(key_path, issued.key_pem(), 0o600)
    return str(cert_path), str(key_path)


@pytest.fixture(scope="session")
def agent_pem(dogtag_server: DogtagTestServer, pem_dir: Path) -> tuple[str, str]:
    """``(cert_path, key_path)`` of an agent and administrator (user ``testagent``)."""
    issued = dogtag_server.issue_client_cert("Test Agent", user_id="testagent")
    return write_pem(pem_dir, "agent", issued)


@pytest.fixture(scope="session")
def nonagent_user(dogtag_server: DogtagTestServer) -> TestUser:
    """A user in no group (user ``nonagent``) with its certificate in its own NSS database."""
    return dogtag_server.add_user("nonagent", full_name="Not An Agent")


@pytest.fixture(scope="session")
def nonagent_pem(nonagent_user: TestUser, pem_dir: Path) -> tuple[str, str]:
    """``(cert_path, key_path)`` of the non-agent's certificate."""
    return write_pem(pem_dir, "nonagent", nonagent_user.identity)


RA_AGENT_GROUPS = (
    "Certificate Manager Agents",
    "Registration Manager Agents",
    "Security Domain Administrators",
    "Enterprise ACME Administrators",  # cainstance adds ipara for ipa-acme-manage
)


@pytest.fixture(scope="session")
def freeipa_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DogtagTestServer]:
    """A test server with FreeIPA's ACL grants (``freeipa_acls=True``)."""
    state_dir = tmp_path_factory.mktemp("freeipa-server")
    try:
        with DogtagTestServer(state_dir, freeipa_acls=True) as server:
            yield server
    finally:
        shutil.rmtree(state_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def ra_agent_user(freeipa_server: DogtagTestServer) -> TestUser:
    """FreeIPA's RA agent on ``freeipa_server``: ``ipara`` (CA) and ``ipakra`` (KRA)."""
    user = freeipa_server.add_user("ipara", RA_AGENT_GROUPS, full_name="ipara", subsystems=("ca",))
    kra = freeipa_server.register_cert(
        "ipakra", user.cert, ["Data Recovery Manager Agents"], subsystems=("kra",)
    )
    user.groups.update(kra)
    return user


@pytest.fixture(scope="session")
def ra_agent_pem(ra_agent_user: TestUser, pem_dir: Path) -> tuple[str, str]:
    """``(cert_path, key_path)`` of the RA agent (FreeIPA keeps exactly these two files)."""
    return write_pem(pem_dir, "ra-agent", ra_agent_user.identity)


def _session(server: DogtagTestServer, cert: tuple[str, str] | None) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.verify = str(server.ca_cert_path)
    if cert is not None:
        session.cert = cert
    return session


@pytest.fixture
def agent_session(
    dogtag_server: DogtagTestServer, agent_pem: tuple[str, str]
) -> Iterator[requests.Session]:
    """A requests session (one cookie jar) authenticated with ``agent_pem``."""
    with _session(dogtag_server, agent_pem) as session:
        yield session


@pytest.fixture
def nonagent_session(
    dogtag_server: DogtagTestServer, nonagent_pem: tuple[str, str]
) -> Iterator[requests.Session]:
    """A requests session with the non-agent's certificate."""
    with _session(dogtag_server, nonagent_pem) as session:
        yield session


@pytest.fixture
def anon_session(dogtag_server: DogtagTestServer) -> Iterator[requests.Session]:
    """A requests session without a client certificate."""
    with _session(dogtag_server, None) as session:
        yield session
