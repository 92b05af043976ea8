"""pytest fixtures for the Dogtag test server (registered in ``conftest.py``).

``dogtag_server`` runs one ``DogtagTestServer`` for the whole session (in a background
thread, over real HTTPS on 127.0.0.1). Its state directory holds the agent NSS database the
client-library tests authenticate from (``dogtag_server.info``). Tests of the server itself
may use ``agent_pem`` (a PEM client certificate from the server's CA) with plain requests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from pki.testing.server import DogtagTestServer


@pytest.fixture(scope="session")
def dogtag_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DogtagTestServer]:
    """The session's test server; ``.url``, ``.info``, ``.state_dir``, ``.ca_cert_path``."""
    state_dir = tmp_path_factory.mktemp("dogtag-server")
    with DogtagTestServer(state_dir) as server:
        yield server


def _write(path: Path, data: bytes, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


@pytest.fixture(scope="session")
def agent_pem(
    dogtag_server: DogtagTestServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, str]:
    """``(cert_path, key_path)`` of an agent certificate issued by the server's CA."""
    issued = dogtag_server.issue_client_cert("Test Agent")
    directory = tmp_path_factory.mktemp("agent-pem")
    cert_path, key_path = directory / "agent.pem", directory / "agent-key.pem"
    _write(cert_path, issued.cert_pem, 0o644)
    _write(key_path, issued.key_pem(), 0o600)
    return str(cert_path), str(key_path)


@pytest.fixture
def agent_session(
    dogtag_server: DogtagTestServer, agent_pem: tuple[str, str]
) -> Iterator[requests.Session]:
    """A requests session (one cookie jar) authenticated with ``agent_pem``."""
    with requests.Session() as session:
        session.trust_env = False
        session.verify = str(dogtag_server.ca_cert_path)
        session.cert = agent_pem
        yield session


@pytest.fixture
def anon_session(dogtag_server: DogtagTestServer) -> Iterator[requests.Session]:
    """A requests session without a client certificate."""
    with requests.Session() as session:
        session.trust_env = False
        session.verify = str(dogtag_server.ca_cert_path)
        yield session
