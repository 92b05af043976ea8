"""Fixtures of the ``pki`` command-line tests: ``server`` (the session's test server),
``anon``/``agent``/``nonagent`` (the global options of an anonymous client, of the agent and
of a user in no group, each trusting the server from an NSS database), and ``pki`` (runs
``pki.cli.main.main`` in-process and captures its output).
"""

from __future__ import annotations

import pytest
from cli_helpers import AGENT, Result, Run
from pki.cli.main import main
from pki.testing.server import DogtagTestServer, TestUser


@pytest.fixture(scope="module")
def server(dogtag_server: DogtagTestServer) -> DogtagTestServer:
    return dogtag_server


@pytest.fixture(scope="module")
def anon(server: DogtagTestServer) -> list[str]:
    """Global options of an anonymous client that trusts the server from the NSS DB."""
    info = server.info
    return ["-U", info["url"], "-d", info["nssdb"], "-f", info["password_file"]]


@pytest.fixture(scope="module")
def agent(anon: list[str]) -> list[str]:
    """Global options of the agent: the anonymous ones plus ``-n 'PKI Administrator'``."""
    return [*anon, "-n", AGENT]


@pytest.fixture(scope="module")
def nonagent(server: DogtagTestServer, nonagent_user: TestUser) -> list[str]:
    """Global options of a user in no group, authenticated from its own NSS database."""
    info = nonagent_user.nss_info
    return ["-U", server.url, "-d", info["nssdb"], "-f", info["password_file"],
            "-n", info["nickname"]]


@pytest.fixture
def pki(capsys: pytest.CaptureFixture[str]) -> Run:
    """Runs ``pki.cli.main.main`` with the given arguments and captures its output."""

    def run(*argv: str) -> Result:
        status = main(list(argv))
        captured = capsys.readouterr()
        return Result(status, captured.out, captured.err)

    return run
