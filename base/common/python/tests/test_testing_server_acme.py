"""The test server's ACME responder (``pki.testing.dogtag.acme``) over raw HTTP, against the
rules of Dogtag's ``base/acme`` (servlets, ``ACMEEnableFilter``, ``web.xml``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from pki.testing.server import DogtagTestServer
from server_fixtures import _session, write_pem


@pytest.fixture
def sessions(
    freeipa_server: DogtagTestServer, ra_agent_pem: tuple[str, str]
) -> Iterator[tuple[requests.Session, requests.Session]]:
    """Two sessions: the RA agent's (Enterprise ACME Administrators) and an anonymous one."""
    with _session(freeipa_server, ra_agent_pem) as agent, _session(freeipa_server, None) as anon:
        yield agent, anon


def test_enable_disable_and_the_filter(
    freeipa_server: DogtagTestServer, sessions: tuple[requests.Session, requests.Session]
) -> None:
    ra, anon = sessions
    url = freeipa_server.url
    disabled = ra.post(f"{url}/acme/disable")
    assert (disabled.status_code, disabled.content) == (200, b"")
    for path in ("directory", "new-nonce", "new-order", "order/abc", "revoke-cert"):
        answer = anon.get(f"{url}/acme/{path}")
        assert (answer.status_code, answer.text) == (503, "ACME service is disabled"), path
    assert ra.post(f"{url}/acme/enable").status_code == 200
    directory = anon.get(f"{url}/acme/directory")
    assert directory.status_code == 200
    assert directory.json()["newAccount"] == f"{url}/acme/new-account"
    assert anon.get(f"{url}/acme/new-order").status_code == 404  # the protocol: not modelled
    assert ra.get(f"{url}/acme/enable").status_code == 405  # POST only
    assert ra.post(f"{url}/acme/disable").status_code == 200


def test_who_may_call_what(
    freeipa_server: DogtagTestServer,
    sessions: tuple[requests.Session, requests.Session],
    pem_dir: Path,
) -> None:
    ra, anon = sessions
    url = freeipa_server.url
    refused = anon.post(f"{url}/acme/enable")
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == 'Basic realm="ACME"'
    assert anon.post(f"{url}/acme/login").status_code == 401
    assert anon.get(f"{url}/acme/login").status_code == 204  # open, but nobody is logged in
    assert anon.post(f"{url}/acme/logout").status_code == 204

    issued = freeipa_server.issue_client_cert("ACME Nobody", user_id="acme-nobody", groups=[])
    with _session(freeipa_server, write_pem(pem_dir, "acme-nobody", issued)) as nobody:
        login = nobody.post(f"{url}/acme/login")
        assert login.status_code == 200 and login.json()["Roles"] == []
        assert login.json()["id"] == "acme-nobody"
        assert "/acme" in login.headers["Set-Cookie"]
        forbidden = nobody.post(f"{url}/acme/disable")
        assert forbidden.status_code == 403 and "text/html" in forbidden.headers["Content-Type"]

    # the session keeps the account for GET login, until logout
    assert ra.post(f"{url}/acme/login").json()["id"] == "ipara"
    assert ra.get(f"{url}/acme/login").json()["id"] == "ipara"
    assert ra.post(f"{url}/acme/logout").status_code == 204
    assert ra.get(f"{url}/acme/login").status_code == 204


def test_admins_may_too_and_the_flag_persists(tmp_path: Path) -> None:
    """Administrators (the CA admin, by HTTP Basic here) also may; the flag is in the ACME
    database, so a restart keeps it. A server without FreeIPA's setup has no ACME app."""
    with DogtagTestServer(tmp_path, freeipa_acls=True) as server:
        with _session(server, None) as admin:
            assert admin.get(f"{server.url}/acme/directory").status_code == 503  # as installed
            admin.auth = ("caadmin", server.admin_password)
            assert admin.post(f"{server.url}/acme/enable").status_code == 200
    with DogtagTestServer(tmp_path, freeipa_acls=True) as server:
        with _session(server, None) as anon:
            assert anon.get(f"{server.url}/acme/directory").status_code == 200
    with DogtagTestServer(tmp_path) as server:
        with _session(server, None) as anon:
            assert anon.get(f"{server.url}/acme/directory").status_code == 404
