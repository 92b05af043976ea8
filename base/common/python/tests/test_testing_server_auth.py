"""The test server's users, groups, authentication and ACLs, as Dogtag has them.

Raw HTTPS with requests and PEM files (never the project's resource clients), so that these
tests check the server against Dogtag's rules on their own: the certificate-to-user mapping,
web.xml constraints (401) versus ACL-only URLs (403 "No user principal provided."), group
authorization (403), HTTP Basic, sessions, and the users/groups administration resources.
"""

from __future__ import annotations

import base64
import datetime
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from pki.testing.certs import IssuedCert
from pki.testing.server import DogtagTestServer, TestUser
from server_fixtures import write_pem

CA_ADMIN_GROUPS = [
    "Administrators",
    "Certificate Manager Agents",
    "Enterprise CA Administrators",
    "Security Domain Administrators",
]
KRA_ADMIN_GROUPS = [
    "Administrators",
    "Data Recovery Manager Agents",
    "Enterprise KRA Administrators",
]


def session_for(server: DogtagTestServer, cert: tuple[str, str] | None = None) -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    s.verify = str(server.ca_cert_path)
    if cert is not None:
        s.cert = cert
    return s


def error(r: requests.Response) -> tuple[int, str, str]:
    """(code, exception class short name, message) of a Dogtag JSON error body."""
    assert r.headers["Content-Type"].startswith("application/json"), r.text
    body = r.json()
    assert body["Code"] == r.status_code
    return r.status_code, body["ClassName"].rsplit(".", 1)[1], body["Message"]


def description(cert: x509.Certificate) -> str:
    """What Dogtag writes into a user's ``description`` for a certificate (computed here
    independently of the server: JSS's 0-based version, decimal serial, DNs without spaces)."""

    def name(n: x509.Name) -> str:
        return n.rfc4514_string({NameOID.EMAIL_ADDRESS: "E", NameOID.USER_ID: "UID"})

    return f"2;{cert.serial_number};{name(cert.issuer)};{name(cert.subject)}"


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


@pytest.fixture
def admin(dogtag_server: DogtagTestServer) -> Iterator[requests.Session]:
    """caadmin/kraadmin over HTTP Basic (no client certificate)."""
    with session_for(dogtag_server) as s:
        s.auth = ("caadmin", dogtag_server.admin_password)
        yield s


@pytest.fixture
def kra_admin(dogtag_server: DogtagTestServer) -> Iterator[requests.Session]:
    with session_for(dogtag_server) as s:
        s.auth = ("kraadmin", dogtag_server.admin_password)
        yield s


@pytest.fixture(scope="module")
def ca_agent_only(dogtag_server: DogtagTestServer, pem_dir: Path) -> tuple[str, str]:
    """PEM files of a user in Certificate Manager Agents only (CA agent, no admin, no KRA)."""
    issued = dogtag_server.issue_client_cert(
        "CA Agent Only", user_id="caagentonly", groups=["Certificate Manager Agents"]
    )
    return write_pem(pem_dir, "caagentonly", issued)


# -- the state directory's agent is pkispawn's admin -------------------------------------------


def test_agent_certificate_maps_to_the_admin_users(
    dogtag_server: DogtagTestServer, admin: requests.Session, kra_admin: requests.Session
) -> None:
    url = dogtag_server.url
    agent = x509.load_pem_x509_certificate((dogtag_server.state_dir / "agent.pem").read_bytes())
    expected = description(agent)
    assert expected.startswith(f"2;{agent.serial_number};CN=CA Signing Certificate,O=Dogtag Test")
    for sub, session, user_id, groups in (
        ("ca", admin, "caadmin", CA_ADMIN_GROUPS),
        ("kra", kra_admin, "kraadmin", KRA_ADMIN_GROUPS),
    ):
        certs = session.get(f"{url}/{sub}/v2/admin/users/{user_id}/certs").json()
        assert [c["id"] for c in certs["entries"]] == [expected]
        entry = certs["entries"][0]
        assert entry["Version"] == 2 and entry["SerialNumber"] == hex(agent.serial_number)
        assert "Encoded" not in entry and "PrettyPrint" not in entry
        one = session.get(f"{url}/{sub}/v2/admin/users/{user_id}/certs/{quote(expected, safe='')}")
        assert one.status_code == 200
        assert x509.load_pem_x509_certificate(one.json()["Encoded"].encode()) == agent
        memberships = session.get(f"{url}/{sub}/rest/admin/users/{user_id}/memberships").json()
        assert sorted(m["id"] for m in memberships["entries"]) == groups
        assert {m["userID"] for m in memberships["entries"]} == {user_id}
        login = session.get(f"{url}/{sub}/rest/account/login").json()
        assert login["id"] == user_id and login["Roles"] == groups
        assert login["Email"] == f"{user_id}@example.com"


def test_default_groups(
    admin: requests.Session, kra_admin: requests.Session, dogtag_server: DogtagTestServer
) -> None:
    url = dogtag_server.url
    ca = {
        g["id"]
        for g in admin.get(f"{url}/ca/rest/admin/groups", params={"size": 100}).json()["entries"]
    }
    kra = {
        g["id"]
        for g in kra_admin.get(f"{url}/kra/v2/admin/groups", params={"size": 100}).json()["entries"]
    }
    enterprise = {
        f"Enterprise {s} Administrators" for s in ("CA", "KRA", "OCSP", "TKS", "EST", "RA", "TPS")
    }
    common = {
        "Subsystem Group",
        "Trusted Managers",
        "Administrators",
        "Auditors",
        "ClonedSubsystems",
        "Security Domain Administrators",
    }
    assert {"Certificate Manager Agents", "Registration Manager Agents"} | common | enterprise <= ca
    assert {"Data Recovery Manager Agents", "Enterprise KRA Administrators"} | common <= kra
    assert "Certificate Manager Agents" not in kra and "Data Recovery Manager Agents" not in ca


# -- anonymous: 401 on constrained URLs, 403 on ACL-only ones -----------------------------------


@pytest.mark.parametrize(
    ("path", "realm"),
    [
        ("/ca/rest/account/login", "Certificate Authority"),
        ("/ca/v2/admin/users", "Certificate Authority"),
        ("/ca/v1/agent/certs/0x1", "Certificate Authority"),
        ("/ca/v2/securityDomain/installToken?subsystem=CA", "Certificate Authority"),
        ("/kra/rest/admin/groups", "Key Recovery Authority"),
        ("/kra/v2/agent/keys", "Key Recovery Authority"),
    ],
)
def test_constrained_urls_need_authentication(
    anon_session: requests.Session, dogtag_server: DogtagTestServer, path: str, realm: str
) -> None:
    r = anon_session.get(dogtag_server.url + path)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == f'Basic realm="{realm}"'
    assert r.headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/ca/v2/profiles"),
        ("GET", "/ca/rest/profiles"),
        ("GET", "/ca/v2/profiles/caServerCert"),
        ("POST", "/ca/v2/authorities"),
        ("POST", "/ca/rest/authorities"),
        ("DELETE", "/ca/v2/securityDomain/hosts/KRA%20example.com%20443"),
    ],
)
def test_acl_only_urls_without_principal(
    dogtag_server: DogtagTestServer, agent_pem: tuple[str, str], method: str, path: str
) -> None:
    """No web.xml constraint: even an agent's certificate authenticates nobody there, so the
    ACL finds no principal until the session has one (account/login)."""
    with session_for(dogtag_server, agent_pem) as s:
        r = s.request(method, dogtag_server.url + path, json={})
        assert error(r) == (403, "ForbiddenException", "No user principal provided.")
        assert s.get(f"{dogtag_server.url}/ca/rest/account/login").status_code == 200
        r = s.request(method, dogtag_server.url + path, json={})
        assert r.status_code != 403, r.text


def test_anonymous_resources_stay_anonymous(
    anon_session: requests.Session, dogtag_server: DogtagTestServer
) -> None:
    url = dogtag_server.url
    for path in (
        "/ca/v2/authorities",
        "/ca/rest/authorities/host-authority",
        "/ca/v2/config/features",
        "/ca/v2/securityDomain/domainInfo",
        "/ca/rest/securityDomain/hosts",
        "/ca/admin/ca/getStatus",
        "/ca/v2/certrequests/profiles",
    ):
        assert anon_session.get(url + path).status_code == 200, path


# -- authenticated without the role: 403 --------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/ca/rest/agent/certrequests"),
        ("GET", "/ca/v2/agent/certs/0x1"),
        ("POST", "/ca/v1/agent/certs/0x1/unrevoke"),
        ("GET", "/kra/rest/agent/keys"),
        ("GET", "/kra/v2/agent/keyrequests"),
        ("GET", "/ca/rest/admin/users"),
        ("GET", "/ca/v2/admin/groups"),
        ("GET", "/kra/v2/admin/users/kraadmin"),
    ],
)
def test_non_agent_is_forbidden(
    nonagent_session: requests.Session,
    agent_session: requests.Session,
    dogtag_server: DogtagTestServer,
    method: str,
    path: str,
) -> None:
    r = nonagent_session.request(method, dogtag_server.url + path)
    assert error(r) == (403, "ForbiddenException", "Authorization Error")
    # the same request as the agent passes the ACL (whatever the resource then says)
    assert agent_session.request(method, dogtag_server.url + path).status_code != 403


def test_non_agent_login_has_no_roles(
    nonagent_session: requests.Session, nonagent_user: TestUser, dogtag_server: DogtagTestServer
) -> None:
    for sub in ("ca", "kra"):
        r = nonagent_session.get(f"{dogtag_server.url}/{sub}/v2/account/login")
        assert r.status_code == 200
        assert r.json() == {
            "id": "nonagent",
            "FullName": "Not An Agent",
            "Roles": [],
            "Attributes": {"Attribute": []},
        }
    assert nonagent_user.groups == {"ca": (), "kra": ()}
    assert nonagent_user.nssdb.joinpath("cert9.db").is_file()
    assert nonagent_user.password_file.read_text().startswith("internal=")


def test_agent_rights_are_per_subsystem(
    dogtag_server: DogtagTestServer, ca_agent_only: tuple[str, str]
) -> None:
    url = dogtag_server.url
    with session_for(dogtag_server, ca_agent_only) as s:
        assert s.get(f"{url}/ca/rest/agent/certrequests").status_code == 200
        assert error(s.get(f"{url}/ca/rest/admin/users"))[0] == 403  # not an administrator
        assert error(s.get(f"{url}/kra/rest/agent/keys"))[0] == 403  # no KRA agent
        # KRA: a user without groups; login still works
        assert s.get(f"{url}/kra/rest/account/login").json()["Roles"] == []


# -- certificates, revocation, Basic, sessions ----------------------------------------------


def test_unmapped_and_revoked_certificates(
    dogtag_server: DogtagTestServer, agent_session: requests.Session, pem_dir: Path
) -> None:
    url = dogtag_server.url
    stranger = dogtag_server.issue_client_cert("Stranger", register=False)
    with session_for(dogtag_server, write_pem(pem_dir, "stranger", stranger)) as s:
        assert s.get(f"{url}/ca/rest/account/login").status_code == 401
        # a presented certificate decides alone: valid Basic credentials do not help
        s.auth = ("caadmin", dogtag_server.admin_password)
        assert s.get(f"{url}/ca/rest/account/login").status_code == 401

    doomed = dogtag_server.issue_client_cert("Doomed Agent", user_id=unique("doomed"))
    nonce = agent_session.get(f"{url}/ca/rest/agent/certs/{doomed.cert.serial_number}").json()[
        "Nonce"
    ]
    r = agent_session.post(
        f"{url}/ca/rest/agent/certs/{doomed.cert.serial_number}/revoke",
        json={"Reason": "Key_Compromise", "Nonce": nonce},
    )
    assert r.status_code == 200, r.text
    with session_for(dogtag_server, write_pem(pem_dir, "doomed", doomed)) as s:
        # the CA checks revocation (auths.revocationChecking.enabled=true), the KRA does not
        assert s.get(f"{url}/ca/rest/account/login").status_code == 401
        assert s.get(f"{url}/kra/rest/account/login").status_code == 200


def test_basic_authentication(dogtag_server: DogtagTestServer, admin: requests.Session) -> None:
    url = dogtag_server.url
    r = admin.get(f"{url}/ca/rest/account/login")
    assert r.status_code == 200 and r.json()["id"] == "caadmin"
    for auth in (("caadmin", "wrong password"), ("nosuchuser", "whatever1"), ("caadmin", "")):
        with session_for(dogtag_server) as s:
            s.auth = auth
            r = s.get(f"{url}/ca/v2/agent/certrequests")
            assert r.status_code == 401 and "WWW-Authenticate" in r.headers
    # a user added with a password can use it; one without cannot
    with_pw, without = unique("pw"), unique("nopw")
    for body in (
        {"UserID": with_pw, "FullName": "With Password", "password": "Secret123!"},
        {"UserID": without, "FullName": "Without"},
    ):
        assert admin.post(f"{url}/ca/rest/admin/users", json=body).status_code == 201
    with session_for(dogtag_server) as s:
        s.auth = (with_pw.upper(), "Secret123!")  # uid matching ignores case, as LDAP does
        r = s.get(f"{url}/ca/rest/account/login")
        assert r.status_code == 200 and r.json() == {
            "id": with_pw,
            "FullName": "With Password",
            "Roles": [],
            "Attributes": {"Attribute": []},
        }
        assert error(s.get(f"{url}/ca/rest/agent/certrequests"))[0] == 403
    with session_for(dogtag_server) as s:
        s.auth = (without, "")
        assert s.get(f"{url}/ca/rest/account/login").status_code == 401


def test_session_keeps_the_principal(
    dogtag_server: DogtagTestServer, agent_session: requests.Session
) -> None:
    url = dogtag_server.url
    r = agent_session.get(f"{url}/ca/rest/account/login")
    cookie = r.cookies["JSESSIONID"]
    with session_for(dogtag_server) as bare:  # no certificate, only the cookie
        bare.cookies.set("JSESSIONID", cookie, path="/ca")
        assert bare.get(f"{url}/ca/rest/agent/certrequests").status_code == 200
        assert bare.get(f"{url}/ca/v2/profiles").status_code == 200  # ACL-only URL: principal known
        assert bare.get(f"{url}/kra/rest/agent/keys").status_code == 401  # sessions are per app
        assert bare.get(f"{url}/ca/rest/account/logout").status_code == 204
        assert bare.get(f"{url}/ca/rest/agent/certrequests").status_code == 401


def test_v2_calls_open_sessions(
    anon_session: requests.Session, dogtag_server: DogtagTestServer
) -> None:
    """Every v2 servlet method calls request.getSession(); v1's anonymous resources do not."""
    r = anon_session.get(f"{dogtag_server.url}/ca/v2/config/features")
    assert re.fullmatch(
        r"JSESSIONID=[0-9A-F]+; Path=/ca; Secure; HttpOnly", r.headers["Set-Cookie"]
    )
    assert (
        "Set-Cookie" not in anon_session.get(f"{dogtag_server.url}/ca/v2/config/features").headers
    )
    with session_for(dogtag_server) as fresh:
        assert "Set-Cookie" not in fresh.get(f"{dogtag_server.url}/ca/rest/config/features").headers


# -- users -------------------------------------------------------------------------------------


def test_user_lifecycle(
    dogtag_server: DogtagTestServer, admin: requests.Session, pem_dir: Path
) -> None:
    url = dogtag_server.url
    users = f"{url}/ca/v2/admin/users"
    user_id = unique("alice")
    r = admin.post(
        users,
        json={
            "UserID": user_id,
            "FullName": "Alice",
            "Email": "alice@example.com",
            "type": "agentType",
        },
    )
    assert r.status_code == 201 and r.headers["Location"] == f"{users}/{user_id}"
    assert r.json() == {
        "id": user_id,
        "UserID": user_id,
        "FullName": "Alice",
        "Email": "alice@example.com",
        "type": "agentType",
        "attributes": {},
    }
    assert error(admin.post(users, json={"UserID": user_id, "FullName": "Again"}))[:2] == (
        409,
        "ConflictingOperationException",
    )
    found = admin.get(users, params={"filter": user_id[:6]}).json()
    assert [u["id"] for u in found["entries"]] == [user_id]
    assert set(found["entries"][0]) == {"id", "UserID", "FullName", "attributes"}
    assert error(admin.get(users, params={"filter": "al"})) == (
        400,
        "BadRequestException",
        "Filter is too short.",
    )

    r = admin.patch(
        f"{users}/{user_id}", json={"FullName": "Alice Smith", "phone": "555", "type": "ignored"}
    )
    assert r.status_code == 200
    assert r.json()["FullName"] == "Alice Smith" and r.json()["phone"] == "555"
    assert r.json()["type"] == "agentType"  # the type cannot be changed

    # a certificate makes the user able to log in over TLS
    issued = dogtag_server.issue_client_cert("Alice Smith", register=False)
    r = admin.post(f"{users}/{user_id}/certs", json={"Encoded": issued.cert_pem.decode()})
    assert r.status_code == 201
    cert_id = description(issued.cert)
    # v2 encodes the ID with URLEncoder (spaces as +)
    assert r.headers["Location"] == f"{users}/{user_id}/certs/{quote_plus(cert_id, safe='')}"
    assert r.json()["id"] == cert_id and "PrettyPrint" not in r.json()  # v2 echoes the request
    v1 = admin.get(f"{url}/ca/rest/admin/users/{user_id}/certs/{quote(cert_id, safe='')}").json()
    assert v1["PrettyPrint"] and v1["SubjectDN"] == "CN=Alice Smith,O=Example"
    with session_for(dogtag_server, write_pem(pem_dir, "alice", issued)) as alice:
        assert alice.get(f"{url}/ca/rest/account/login").json()["id"] == user_id
        assert alice.get(f"{url}/ca/rest/agent/certrequests").status_code == 403
        # a membership (the bare group name as the body) makes her an agent in a new session
        r = admin.post(
            f"{users}/{user_id}/memberships",
            data="Certificate Manager Agents",
            headers={"Content-Type": "application/json"},
        )
        assert r.status_code == 201 and r.json() == {
            "id": "Certificate Manager Agents",
            "userID": user_id,
        }
        assert (
            alice.get(f"{url}/ca/rest/agent/certrequests").status_code == 403
        )  # roles are per login
    with session_for(dogtag_server, write_pem(pem_dir, "alice", issued)) as alice:
        assert alice.get(f"{url}/ca/rest/agent/certrequests").status_code == 200

    assert (
        admin.delete(f"{users}/{user_id}/memberships/Certificate%20Manager%20Agents").status_code
        == 204
    )
    assert admin.get(f"{users}/{user_id}/memberships").json()["total"] == 0
    # -1; removes a certificate whatever the version
    minus = "-1;" + cert_id.split(";", 1)[1]
    assert admin.delete(f"{users}/{user_id}/certs/{quote(minus, safe='')}").status_code == 204
    assert admin.get(f"{users}/{user_id}/certs").json() == {"total": 0, "entries": []}

    assert admin.delete(f"{users}/{user_id}").status_code == 204
    r = admin.get(f"{users}/{user_id}")
    assert error(r) == (404, "UserNotFoundException", f"User {user_id} not found")
    assert r.json()["Attributes"] == {"Attribute": [{"name": "userId", "value": user_id}]}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"FullName": "No ID"},
            (400, "BadRequestException", "Resource ID (RS_ID) can not be null"),
        ),
        (
            {"UserID": "back\\slash", "FullName": "X"},
            (400, "BadRequestException", "Resource ID (RS_ID) can not contain backslashes"),
        ),
        (
            {"UserID": "$System$", "FullName": "X"},
            (403, "ForbiddenException", "Not allowed to create this special user: $System$"),
        ),
        (
            {"UserID": "nofullname"},
            (400, "BadRequestException", 'Failed to add user. Missing "full name"'),
        ),
        (
            {"UserID": "shortpw", "FullName": "X", "password": "short"},
            (500, "PKIException", "The password must be at least 8 characters"),
        ),
    ],
)
def test_add_user_errors(
    admin: requests.Session,
    dogtag_server: DogtagTestServer,
    body: dict[str, str],
    expected: tuple[int, str, str],
) -> None:
    assert error(admin.post(f"{dogtag_server.url}/ca/rest/admin/users", json=body)) == expected


def test_user_cert_errors(admin: requests.Session, dogtag_server: DogtagTestServer) -> None:
    users = f"{dogtag_server.url}/ca/rest/admin/users"
    user_id = unique("certs")
    admin.post(users, json={"UserID": user_id, "FullName": "Certs"})
    old = dogtag_server.issue_client_cert(
        "Old",
        register=False,
        not_before=datetime.datetime(2001, 1, 1, tzinfo=datetime.timezone.utc),
        not_after=datetime.datetime(2002, 1, 1, tzinfo=datetime.timezone.utc),
    )
    r = admin.post(f"{users}/{user_id}/certs", json={"Encoded": old.cert_pem.decode()})
    assert error(r)[:2] == (400, "BadRequestException") and "expired" in r.json()["Message"]
    r = admin.post(f"{users}/{user_id}/certs", json={})
    assert r.status_code == 200 and r.content == b""  # no Encoded: nothing happens
    r = admin.get(f"{users}/{user_id}/certs/{quote('2;1;CN=x;CN=y', safe='')}")
    assert error(r) == (404, "ResourceNotFoundException", f"No certificates found for {user_id}")
    # v1 answers the stored certificate with PrettyPrint and Encoded
    fresh = dogtag_server.issue_client_cert("Fresh", register=False)
    der = fresh.cert.public_bytes(serialization.Encoding.DER)
    r = admin.post(f"{users}/{user_id}/certs", json={"Encoded": base64.b64encode(der).decode()})
    assert r.status_code == 201 and {"PrettyPrint", "Encoded"} <= set(r.json())


# -- groups ------------------------------------------------------------------------------------


def test_group_lifecycle(admin: requests.Session, dogtag_server: DogtagTestServer) -> None:
    groups = f"{dogtag_server.url}/ca/rest/admin/groups"
    group_id = unique("Testers ")
    r = admin.post(groups, json={"GroupID": group_id, "Description": "People who test"})
    assert r.status_code == 201 and r.headers["Location"] == f"{groups}/{quote(group_id, safe='')}"
    assert r.json() == {"id": group_id, "GroupID": group_id, "Description": "People who test"}
    assert error(admin.post(groups, json={"GroupID": group_id}))[0] == 409
    assert error(admin.post(groups, json={"Description": "no id"}))[0] == 400
    g = f"{groups}/{quote(group_id, safe='')}"
    r = admin.patch(g, json={"Description": ""})
    assert r.status_code == 200 and r.json() == {"id": group_id, "GroupID": group_id}

    r = admin.post(f"{g}/members", json={"id": "caadmin"})
    assert r.status_code == 201 and r.json() == {"id": "caadmin", "groupID": group_id}
    assert error(admin.post(f"{g}/members", json={"id": "caadmin"}))[0] == 409
    assert error(admin.post(f"{g}/members", json={})) == (
        400,
        "BadRequestException",
        "Member ID is null.",
    )
    assert admin.get(f"{g}/members/CAADMIN").json() == {"id": "caadmin", "groupID": group_id}
    assert admin.get(f"{g}/members").json() == {
        "total": 1,
        "entries": [{"id": "caadmin", "groupID": group_id}],
    }
    assert error(admin.get(f"{g}/members/nobody"))[0] == 404
    assert admin.delete(f"{g}/members/caadmin").status_code == 204
    assert admin.delete(g).status_code == 204
    r = admin.get(g)
    assert error(r) == (404, "GroupNotFoundException", f"Group {group_id} not found")
    assert r.json()["Attributes"] == {"Attribute": [{"name": "groupId", "value": group_id}]}
    r = admin.patch(g, json={"Description": "x"})
    assert error(r) == (404, "ResourceNotFoundException", f"Group {group_id}  not found.")
    assert admin.delete(g).status_code == 204  # deleting a missing group succeeds


def test_test_user_api(dogtag_server: DogtagTestServer, tmp_path: Path) -> None:
    """``add_user``: its own NSS database, groups placed on the subsystems that have them."""
    user = dogtag_server.add_user(
        unique("api"),
        ["Certificate Manager Agents", "Administrators"],
        directory=tmp_path / "db",
        password="Another1!",
    )
    assert user.groups == {
        "ca": ("Administrators", "Certificate Manager Agents"),
        "kra": ("Administrators",),
    }
    assert user.nssdb == tmp_path / "db" / "nssdb" and user.nickname == user.user_id
    assert (tmp_path / "db" / "password.conf").stat().st_mode & 0o077 == 0
    for path in (tmp_path / "db").rglob("*"):
        if path.is_file():
            assert b"PRIVATE KEY" not in path.read_bytes(), path
    assert user.cert.subject.get_attributes_for_oid(NameOID.USER_ID)[0].value == user.user_id
    assert "Another1!" not in repr(user) and "PRIVATE" not in repr(user)
    with pytest.raises(ValueError, match="no such group"):
        dogtag_server.add_user(unique("bad"), ["No Such Group"])
    assert isinstance(user.identity, IssuedCert)


def test_freeipa_ra_agent_fixture(
    freeipa_server: DogtagTestServer, ra_agent_user: TestUser, ra_agent_pem: tuple[str, str]
) -> None:
    url = freeipa_server.url
    with session_for(freeipa_server, ra_agent_pem) as s:
        ca = s.get(f"{url}/ca/v2/account/login").json()
        assert ca["id"] == "ipara" and ca["Roles"] == [
            "Certificate Manager Agents",
            "Enterprise ACME Administrators",
            "Registration Manager Agents",
            "Security Domain Administrators",
        ]
        kra = s.get(f"{url}/kra/v2/account/login").json()
        assert kra["id"] == "ipakra" and kra["Roles"] == ["Data Recovery Manager Agents"]
        assert s.get(f"{url}/kra/v2/agent/keys").status_code == 200
        # FreeIPA's grant lets the RA agent modify profiles; stock Dogtag would say 403
        raw = s.get(f"{url}/ca/v2/profiles/caServerCert/raw").text
        body = raw.replace("profileId=caServerCert", f"profileId={unique('caRa')}")
        assert s.post(f"{url}/ca/rest/profiles/raw", data=body).status_code == 201
        assert error(s.get(f"{url}/ca/v2/admin/users"))[0] == 403  # still no administrator
    assert ra_agent_user.groups == {
        "ca": (
            "Certificate Manager Agents",
            "Enterprise ACME Administrators",
            "Registration Manager Agents",
            "Security Domain Administrators",
        ),
        "kra": ("Data Recovery Manager Agents",),
    }
