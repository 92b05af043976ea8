"""The test server's security domain, features and status resources, over raw HTTPS, and the
v1/v2 path rules they share with the rest of the API."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest
import requests
from pki.testing.server import DogtagTestServer

SD = "securityDomain"


def error(r: requests.Response) -> tuple[int, str, str]:
    assert r.headers["Content-Type"].startswith("application/json"), r.text
    body = r.json()
    return r.status_code, body["ClassName"].rsplit(".", 1)[1], body["Message"]


@pytest.fixture
def agent(agent_session: requests.Session, dogtag_server: DogtagTestServer) -> requests.Session:
    """The agent, logged in: host changes are ACL-only and need the session's principal."""
    assert agent_session.get(f"{dogtag_server.url}/ca/rest/account/login").status_code == 200
    return agent_session


@pytest.fixture
def nonagent(
    nonagent_session: requests.Session, dogtag_server: DogtagTestServer
) -> Iterator[requests.Session]:
    assert nonagent_session.get(f"{dogtag_server.url}/ca/rest/account/login").status_code == 200
    yield nonagent_session


def host(host_id: str, port: str = "443") -> dict[str, str]:
    kind, hostname, _ = host_id.split(" ")
    return {
        "id": host_id,
        "Hostname": hostname,
        "Port": "80",
        "SecurePort": port,
        "SecureEEClientAuthPort": port,
        "SecureAgentPort": port,
        "SecureAdminPort": port,
        "Clone": "false",
        "DomainManager": "false",
    }


def test_domain_info_lists_the_server(
    dogtag_server: DogtagTestServer, anon_session: requests.Session
) -> None:
    url = dogtag_server.url
    info = anon_session.get(f"{url}/ca/v2/{SD}/domainInfo").json()
    port = str(dogtag_server.port)
    assert info["id"] == "Dogtag Test Security Domain"
    ca_id, kra_id = f"CA localhost {port}", f"KRA localhost {port}"
    assert info["subsystems"]["CA"]["id"] == "CA"
    ca = info["subsystems"]["CA"]["hosts"][ca_id]
    assert ca == {
        "id": ca_id,
        "Hostname": "localhost",
        "SecurePort": port,
        "SecureEEClientAuthPort": port,
        "SecureAgentPort": port,
        "SecureAdminPort": port,
        "Clone": "FALSE",
        "SubsystemName": ca_id,
        "DomainManager": "TRUE",
    }
    assert kra_id in info["subsystems"]["KRA"]["hosts"]
    hosts = anon_session.get(f"{url}/ca/rest/{SD}/hosts").json()
    assert isinstance(hosts, list) and ca in hosts
    assert anon_session.get(f"{url}/ca/v2/{SD}/hosts/{quote(ca_id)}").json() == ca
    r = anon_session.get(f"{url}/ca/v2/{SD}/hosts/CA%20nowhere%201")
    assert error(r) == (
        404,
        "ResourceNotFoundException",
        "Security domain host not found: CA nowhere 1",
    )


def test_add_and_remove_hosts(
    dogtag_server: DogtagTestServer,
    agent: requests.Session,
    nonagent: requests.Session,
    anon_session: requests.Session,
) -> None:
    url = dogtag_server.url
    name = f"replica-{uuid.uuid4().hex[:6]}.example.com"
    kra = f"KRA {name} 443"
    hosts = f"{url}/ca/v2/{SD}/hosts"
    # securityDomain.modify: Subsystem Group or an Enterprise administrator
    assert error(anon_session.put(hosts, json=host(kra))) == (
        403,
        "ForbiddenException",
        "No user principal provided.",
    )
    assert error(nonagent.put(hosts, json=host(kra)))[:2] == (403, "ForbiddenException")
    r = agent.put(hosts, json=host(kra))
    assert r.status_code == 204 and r.content == b""
    added = anon_session.get(f"{hosts}/{quote(kra)}").json()
    assert added["Clone"] == "FALSE" and added["DomainManager"] == "FALSE"  # upper-cased
    assert added["SubsystemName"] == kra and added["Port"] == "80"
    info = anon_session.get(f"{url}/ca/rest/{SD}/domainInfo").json()
    assert kra in info["subsystems"]["KRA"]["hosts"]

    for body, message in (
        (
            {**host(kra), "id": "KRA-without-spaces"},
            "Invalid security domain host: KRA-without-spaces",
        ),
        ({**host(kra), "SecureEEClientAuthPort": "8443"}, "Invalid secure (EE) port: 8443"),
        ({**host(kra), "SecureAdminPort": "1"}, "Invalid secure (admin) port: 1"),
        ({**host(kra), "SecureAgentPort": "2"}, "Invalid secure (agent) port: 2"),
    ):
        assert error(agent.put(hosts, json=body)) == (400, "BadRequestException", message)

    # the subsystem user of the host goes with it
    users = f"{url}/ca/rest/admin/users"
    subsystem_user = f"KRA-{name}-443"
    assert (
        agent.post(users, json={"UserID": subsystem_user, "FullName": "KRA subsystem"}).status_code
        == 201
    )
    # FreeIPA's server-del sends the type in lower case: LDAP DNs ignore case
    lower = f"{url}/ca/v2/{SD}/hosts/{quote(f'kra {name} 443')}"
    assert error(nonagent.delete(lower))[0] == 403
    assert agent.delete(lower).status_code == 204
    assert error(anon_session.get(f"{hosts}/{quote(kra)}"))[0] == 404
    assert error(agent.get(f"{users}/{subsystem_user}"))[0] == 404
    # already gone: still 204 (missing entries are ignored), on v1 too
    assert agent.delete(lower).status_code == 204
    assert agent.delete(f"{url}/ca/rest/{SD}/hosts/{quote(kra)}").status_code == 204
    r = agent.delete(f"{url}/ca/v2/{SD}/hosts/{quote('no-spaces')}")
    assert error(r) == (400, "BadRequestException", "Invalid security domain host: no-spaces")


def test_install_token(
    dogtag_server: DogtagTestServer,
    agent_session: requests.Session,
    nonagent_session: requests.Session,
    anon_session: requests.Session,
) -> None:
    url = dogtag_server.url
    token_url = f"{url}/ca/v2/{SD}/installToken"
    r = agent_session.get(token_url, params={"hostname": "replica.example.com", "subsystem": "CA"})
    assert r.status_code == 200 and r.json()["token"].isdigit() and int(r.json()["token"]) > 0
    # like caadmin, the agent administers the CA's part of the domain only
    for subsystem in ("kra", "OCSP"):
        r = agent_session.get(token_url, params={"hostname": "x", "subsystem": subsystem})
        group = f"Enterprise {subsystem.upper()} Administrators"
        assert error(r) == (
            401,
            "UnauthorizedException",
            f"User testagent is not a member of {group} group.",
        )
    r = nonagent_session.get(token_url, params={"hostname": "x", "subsystem": "CA"})
    assert error(r)[:2] == (401, "UnauthorizedException")
    assert error(agent_session.get(token_url, params={"hostname": "x"})) == (
        400,
        "BadRequestException",
        "Missing subsystem parameter",
    )
    r = anon_session.get(token_url, params={"hostname": "x", "subsystem": "CA"})
    assert r.status_code == 401 and r.headers["Content-Type"].startswith("text/html")  # constrained


def test_kra_serves_no_security_domain(
    dogtag_server: DogtagTestServer, anon_session: requests.Session
) -> None:
    url = dogtag_server.url
    r = anon_session.get(f"{url}/kra/v2/{SD}/domainInfo")
    assert error(r) == (404, "ResourceNotFoundException", "Security domain not available")
    r = anon_session.get(f"{url}/kra/rest/{SD}/hosts")
    assert r.status_code == 404 and r.content == b""  # v1: a bare WebApplicationException


def test_features(dogtag_server: DogtagTestServer, anon_session: requests.Session) -> None:
    url = dogtag_server.url
    authority = {
        "id": "authority",
        "description": "Lightweight CAs",
        "enabled": True,
        "version": "1.0",
    }
    for api in ("rest", "v1", "v2"):
        assert anon_session.get(f"{url}/ca/{api}/config/features").json() == [authority]
        assert anon_session.get(f"{url}/ca/{api}/config/features/authority").json() == authority
        r = anon_session.get(f"{url}/ca/{api}/config/features/acme")
        assert error(r) == (404, "ResourceNotFoundException", "Feature acme not supported")
    # the KRA has no feature resource at all
    assert anon_session.get(f"{url}/kra/v2/config/features").status_code == 404
    assert error(anon_session.get(f"{url}/kra/rest/config/features"))[:2] == (
        404,
        "ResourceNotFoundException",
    )


@pytest.mark.parametrize("sub", ["ca", "kra"])
def test_get_status(
    dogtag_server: DogtagTestServer, anon_session: requests.Session, sub: str
) -> None:
    r = anon_session.get(f"{dogtag_server.url}/{sub}/admin/{sub}/getStatus")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    assert r.json() == {
        "Response": {"State": "1", "Type": sub.upper(), "Status": "running", "Version": "11.7.0"}
    }
    assert "Set-Cookie" not in r.headers
    assert anon_session.get(f"{dogtag_server.url}/{sub}/admin/{sub}/nothing").status_code == 404


def test_v1_v2_path_rules(dogtag_server: DogtagTestServer, agent_session: requests.Session) -> None:
    url = dogtag_server.url
    agent_session.get(f"{url}/ca/rest/account/login")
    # v2: bare 404 for an unknown path, bare 405 for a known path with a wrong method
    r = agent_session.get(f"{url}/ca/v2/authorities/host-authority/nothing/else")
    assert r.status_code == 404 and r.content == b""
    r = agent_session.patch(f"{url}/ca/v2/config/features")
    assert r.status_code == 405 and r.content == b""
    # v1 (and /rest/, rewritten to it): JSON errors
    r = agent_session.get(f"{url}/ca/v1/no/such/resource")
    assert error(r)[:2] == (404, "ResourceNotFoundException")
    r = agent_session.patch(f"{url}/ca/rest/config/features")
    assert r.status_code == 405 and r.json()["Code"] == 405
    # an 11.5 server has no /v1/ or /v2/
    # (checked in test_testing_server.py::test_old_version_has_no_v2)
