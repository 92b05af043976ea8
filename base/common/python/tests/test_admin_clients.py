"""The administration clients against the Dogtag test server, over real HTTPS.

``UserClient``, ``GroupClient``, ``ProfileClient``, ``AuthorityClient``,
``SecurityDomainClient``, ``SystemStatusClient`` and ``FeatureClient``, plus HTTP Basic
(``PKIClient.authenticate``/``PKIConnection.authenticate``). Clients authenticate from NSS
databases: the server's agent (``caadmin``/``kraadmin``, administrators and agents as
``pkispawn`` makes them) and the non-agent ``nonagent_user``; anonymous clients only trust the
CA file. The lifecycle tests run on ``v2`` (found by ``PKIClient.connect``) and on ``v1``
(``api_version='v1'``, ``/rest/`` paths), and check every request went to that API.

Authorization is tested from both sides: the administrator succeeds; the non-agent gets
upstream's exception, exactly ``pki.ForbiddenException`` (403) from the methods upstream maps
through ``handle_exceptions`` and requests' ``HTTPError`` (403) from those it does not
(``UserClient.find_users``, the security domain); anonymous callers get Tomcat's HTML 401 as
the ``HTTPError`` itself.

The session server is shared, so names are unique per test and nothing assumes it sees the
only records.
"""

from __future__ import annotations

import base64
import datetime
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pki
import pki.account
import pki.authority
import pki.ca
import pki.cert
import pki.feature
import pki.group
import pki.kra
import pki.profile
import pki.subsystem
import pki.system
import pki.user
import pytest
import requests
from client_helpers import (
    anonymous_client,
    load_pem,
    make_csr,
    nss_client,
    pkcs10_inputs,
    record_paths,
    unique,
)
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from pki.client import PKIClient, PKIConnection
from pki.testing.server import DogtagTestServer, TestUser
from server_fixtures import write_pem
from test_testing_server_profiles import IPA_STYLE_PROFILE

CA_ADMIN, KRA_ADMIN = "caadmin", "kraadmin"


# -- fixtures and helpers ------------------------------------------------------------------------


@pytest.fixture(params=["v2", "v1"])
def admin(request: pytest.FixtureRequest, dogtag_server: DogtagTestServer) -> Iterator[PKIClient]:
    """The agent's PKIClient on ``v2`` (detected) or ``v1``; every request it made is checked
    to have gone to that API (``/pki/<api>/info`` included)."""
    api = request.param
    client = nss_client(dogtag_server, api_version="v1" if api == "v1" else None)
    seen = record_paths(client.connection)
    yield client
    client.close()
    segment = "rest" if api == "v1" else "v2"
    assert seen and all(path.split("/")[2] == segment for path in seen), seen


@pytest.fixture
def agent(dogtag_server: DogtagTestServer) -> Iterator[PKIClient]:
    """The agent's PKIClient (v2)."""
    client = nss_client(dogtag_server)
    yield client
    client.close()


@pytest.fixture
def nonagent(dogtag_server: DogtagTestServer, nonagent_user: TestUser) -> Iterator[PKIClient]:
    """A PKIClient authenticated from the non-agent's own NSS database."""
    client = nss_client(dogtag_server, nonagent_user)
    yield client
    client.close()


@pytest.fixture
def anon(dogtag_server: DogtagTestServer) -> Iterator[PKIClient]:
    client = anonymous_client(dogtag_server)
    yield client
    client.close()


def expect_forbidden(call: Any) -> pki.ForbiddenException:
    """``call()`` fails with exactly upstream's ForbiddenException (403)."""
    with pytest.raises(pki.PKIException) as err:
        call()
    assert type(err.value) is pki.ForbiddenException, err.value
    assert err.value.code == 403
    assert isinstance(err.value.__cause__, requests.HTTPError)
    return err.value


def expect_http_error(call: Any, status: int) -> requests.HTTPError:
    """``call()`` raises requests' HTTPError itself (not a PKIException) with ``status``."""
    with pytest.raises(requests.HTTPError) as err:
        call()
    assert not isinstance(err.value, pki.PKIException)
    assert err.value.response.status_code == status
    return err.value


def expect_html_401(call: Any) -> None:
    """Tomcat's 401 page for a constrained URL without credentials: HTML, so (as upstream)
    ``handle_exceptions`` re-raises the HTTPError."""
    error = expect_http_error(call, 401)
    assert error.response.headers["Content-Type"].startswith("text/html")
    assert error.response.headers["WWW-Authenticate"].startswith("Basic realm=")


def cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def login_id(server: DogtagTestServer, cert_key: tuple[str, str], subsystem: str = "ca") -> Any:
    """Log in with PEM files; returns the account (or raises what the server answered)."""
    client = PKIClient(server.url, ca_bundle=str(server.ca_cert_path))
    client.set_client_auth(*cert_key)
    try:
        return pki.account.AccountClient(client, subsystem=subsystem).login()
    finally:
        client.close()


# -- users -----------------------------------------------------------------------------------------


def test_user_lifecycle(admin: PKIClient, dogtag_server: DogtagTestServer, pem_dir: Path) -> None:
    users = pki.user.UserClient(pki.ca.CAClient(admin))
    listing = users.find_users()
    assert isinstance(listing, dict) and listing["total"] >= 1  # raw JSON, as upstream
    listed = pki.user.UserCollection.from_json(listing)
    assert CA_ADMIN in {u.user_id for u in listed.user_list}

    uid = unique("user")
    created = users.add_user(
        pki.user.UserData(
            user_id=uid, full_name="Test User", email=f"{uid}@example.test", password="Secret.1234"
        )
    )
    assert (created.user_id, created.full_name, created.email) == (
        uid, "Test User", f"{uid}@example.test"
    )
    assert created.password is None  # never returned
    assert "Secret" not in repr(pki.user.UserData(user_id=uid, password="Secret.1234"))
    with pytest.raises(pki.PKIException) as dup:
        users.add_user(pki.user.UserData(user_id=uid, full_name="Again"))
    assert type(dup.value) is pki.ConflictingOperationException
    with pytest.raises(ValueError):
        users.add_user(pki.user.UserData(full_name="No ID"))  # refused before sending

    assert uid in {e["UserID"] for e in users.find_users(filter=uid)["entries"]}
    expect_http_error(lambda: users.find_users(filter="ab"), 400)  # "Filter is too short."

    changed = users.modify_user(uid, pki.user.UserData(email="new@example.test", phone="555"))
    assert (changed.email, changed.phone, changed.full_name) == (
        "new@example.test", "555", "Test User"
    )
    fetched = users.get_user(uid)
    assert (fetched.user_id, fetched.email, fetched.phone) == (uid, "new@example.test", "555")

    # a certificate added to the user maps TLS clients presenting it to the user
    issued = dogtag_server.issue_client_cert(unique("cert of"), register=False)
    creds = write_pem(pem_dir, unique("user"), issued)
    expect_html_401(lambda: login_id(dogtag_server, creds))
    added = users.add_user_cert(uid, cert_pem(issued.cert))
    assert added.serial_number == hex(issued.cert.serial_number)
    assert added.cert_id.startswith(f"2;{issued.cert.serial_number};")
    assert login_id(dogtag_server, creds)["id"] == uid
    listed_certs = users.find_user_certs(uid)
    assert [c.cert_id for c in listed_certs.cert_list] == [added.cert_id]
    assert listed_certs.cert_list[0].encoded is None  # the list carries no PEM
    one = users.get_user_cert(uid, added.cert_id)
    assert x509.load_pem_x509_certificate(one.encoded.encode()) == issued.cert
    assert one.subject_dn == pki.convert_x509_name_to_dn(issued.cert.subject)

    # memberships are the roles the server checks, and what login reports
    assert users.find_user_memberships(uid).membership_list == []
    membership = users.add_user_membership(uid, "Certificate Manager Agents")
    assert (membership.group_id, membership.user_id) == ("Certificate Manager Agents", uid)
    groups = {m.group_id for m in users.find_user_memberships(uid)}
    assert groups == {"Certificate Manager Agents"}
    assert login_id(dogtag_server, creds)["Roles"] == ["Certificate Manager Agents"]
    users.remove_user_membership(uid, "Certificate Manager Agents")
    assert not login_id(dogtag_server, creds).get("Roles")

    users.remove_user_cert(uid, added.cert_id)
    assert users.find_user_certs(uid).cert_list == []
    expect_html_401(lambda: login_id(dogtag_server, creds))

    users.remove_user(uid)
    with pytest.raises(pki.PKIException) as gone:
        users.get_user(uid)
    assert type(gone.value) is pki.UserNotFoundException and gone.value.code == 404


def test_kra_users_and_groups(agent: PKIClient) -> None:
    kra = pki.kra.KRAClient(agent)
    assert pki.user.UserClient(kra).get_user(KRA_ADMIN).user_id == KRA_ADMIN
    groups = {g.group_id for g in pki.group.GroupClient(kra).find_groups(size=100)}
    assert "Data Recovery Manager Agents" in groups
    assert "Certificate Manager Agents" not in groups  # the KRA has its own groups
    members = pki.group.GroupClient(kra).find_group_members("Data Recovery Manager Agents")
    assert KRA_ADMIN in {m.member_id for m in members}


# -- groups ----------------------------------------------------------------------------------------


def test_group_lifecycle(admin: PKIClient) -> None:
    ca = pki.ca.CAClient(admin)
    groups = pki.group.GroupClient(ca)
    names = {g.group_id for g in groups.find_groups(size=100)}
    assert {"Administrators", "Certificate Manager Agents", "Security Domain Administrators",
            "Enterprise CA Administrators"} <= names
    assert {g.group_id for g in groups.find_groups(filter="Manager Agents")} >= {
        "Certificate Manager Agents", "Registration Manager Agents"
    }
    admins = groups.get_group("Administrators")
    assert admins.group_id == "Administrators" and admins.description

    gid = unique("Testers")
    created = groups.add_group(pki.group.GroupData(group_id=gid, description="first"))
    assert (created.group_id, created.description) == (gid, "first")
    assert groups.modify_group(gid, pki.group.GroupData(description="second")).description == (
        "second"
    )
    assert groups.get_group(gid).description == "second"

    uid = unique("member")
    pki.user.UserClient(ca).add_user(pki.user.UserData(user_id=uid, full_name="Member"))
    member = groups.add_group_member(gid, uid)
    assert (member.member_id, member.group_id) == (uid, gid)
    assert [m.member_id for m in groups.find_group_members(gid)] == [uid]
    assert groups.get_group_member(gid, uid.upper()).member_id == uid  # case ignored
    assert gid in {m.group_id for m in pki.user.UserClient(ca).find_user_memberships(uid)}
    groups.remove_group_member(gid, uid)
    with pytest.raises(pki.PKIException) as no_member:
        groups.get_group_member(gid, uid)
    assert type(no_member.value) is pki.ResourceNotFoundException
    with pytest.raises(ValueError):
        groups.add_group_member(gid, "")

    groups.remove_group(gid)
    with pytest.raises(pki.PKIException) as gone:
        groups.get_group(gid)
    assert type(gone.value) is pki.GroupNotFoundException and gone.value.code == 404
    pki.user.UserClient(ca).remove_user(uid)


# Administration calls as (CA client, KRA client) -> result; each needs Administrators.
ADMIN_CALLS = {
    "get_user": lambda ca, kra: pki.user.UserClient(ca).get_user(CA_ADMIN),
    "add_user": lambda ca, kra: pki.user.UserClient(ca).add_user(
        pki.user.UserData(user_id=unique("x"), full_name="X")
    ),
    "find_user_certs": lambda ca, kra: pki.user.UserClient(ca).find_user_certs(CA_ADMIN),
    "kra get_user": lambda ca, kra: pki.user.UserClient(kra).get_user(KRA_ADMIN),
    "find_groups": lambda ca, kra: pki.group.GroupClient(ca).find_groups(),
    "kra get_group": lambda ca, kra: pki.group.GroupClient(kra).get_group("Administrators"),
    "add_group_member": lambda ca, kra: pki.group.GroupClient(ca).add_group_member(
        "Administrators", "nonagent"
    ),
}


@pytest.mark.parametrize("call", sorted(ADMIN_CALLS))
@pytest.mark.parametrize("who", ["nonagent", "anon"])
def test_user_and_group_administration_needs_administrators(
    who: str, call: str, request: pytest.FixtureRequest
) -> None:
    client: PKIClient = request.getfixturevalue(who)
    ca, kra = pki.ca.CAClient(client), pki.kra.KRAClient(client)
    if who == "nonagent":
        assert expect_forbidden(lambda: ADMIN_CALLS[call](ca, kra)).message == (
            "Authorization Error"
        )
    else:
        expect_html_401(lambda: ADMIN_CALLS[call](ca, kra))


def test_find_users_errors_are_not_mapped(nonagent: PKIClient, anon: PKIClient) -> None:
    """Upstream's find_users has no handle_exceptions: requests' HTTPError comes out."""
    expect_http_error(pki.user.UserClient(pki.ca.CAClient(nonagent)).find_users, 403)
    expect_html_401(pki.user.UserClient(pki.ca.CAClient(anon)).find_users)
    # the non-agent is authenticated all right
    assert pki.account.AccountClient(nonagent).login()["id"] == "nonagent"


# -- HTTP Basic ------------------------------------------------------------------------------------


def test_basic_authentication(dogtag_server: DogtagTestServer) -> None:
    client = anonymous_client(dogtag_server)
    client.authenticate(CA_ADMIN, dogtag_server.admin_password)
    ca = pki.ca.CAClient(client)
    account = pki.account.AccountClient(ca).login()
    assert account["id"] == CA_ADMIN and "Administrators" in account["Roles"]
    assert pki.user.UserClient(ca).get_user(CA_ADMIN).user_id == CA_ADMIN
    client.close()

    conn = PKIConnection(
        "https", "127.0.0.1", dogtag_server.port, cert_paths=str(dogtag_server.ca_cert_path)
    )
    conn.authenticate(KRA_ADMIN, dogtag_server.admin_password)
    assert pki.account.AccountClient(conn, subsystem="kra").login()["id"] == KRA_ADMIN
    assert pki.user.UserClient(conn, subsystem="kra").get_user(KRA_ADMIN).user_id == KRA_ADMIN
    conn.close()

    wrong = anonymous_client(dogtag_server)
    wrong.authenticate(CA_ADMIN, "not the password")
    expect_html_401(pki.account.AccountClient(wrong).login)
    wrong.close()


# -- profiles ----------------------------------------------------------------------------------


def test_profile_json_lifecycle(admin: PKIClient, tmp_path: Path) -> None:
    profiles = pki.profile.ProfileClient(pki.ca.CAClient(admin))
    listing = profiles.list_profiles(size=100)
    by_id = {p.profile_id: p for p in listing}
    assert listing.total is not None and listing.total >= len(by_id) > 0
    assert by_id["caServerCert"].profileEnable is True  # kept as the attribute FreeIPA reads
    assert by_id["caServerCert"].profile_name == "Manual Server Certificate Enrollment"
    assert len(profiles.list_profiles(start=0, size=2)) == 2
    # the server's filters (Java's client has them; upstream's Python client does not)
    enabled = {p.profile_id for p in profiles.list_profiles(size=100, enable=True)}
    assert "caServerCert" in enabled and "caECUserCert" not in enabled
    hidden = {p.profile_id for p in profiles.list_profiles(size=100, visible=False)}
    assert "caUserCert" in hidden and "caServerCert" not in hidden

    stock = profiles.get_profile("caServerCert")
    assert stock.profile_id == "caServerCert" and stock.enabled is True
    assert stock.class_id == "caEnrollImpl"
    assert stock.get_input("i1") is not None and stock.outputs
    policy_set = stock.policy_set_list.policy_sets[0]
    assert policy_set.policy_list and policy_set.policy_list[0].policy_default.class_id

    pid = unique("caJSON").replace("-", "")
    copy = pki.profile.Profile.from_json(stock.to_json())
    copy.profile_id, copy.name, copy.enabled = pid, "JSON copy", False
    created = profiles.create_profile(copy)
    assert (created.profile_id, created.name, created.enabled) == (pid, "JSON copy", False)
    assert [p.policy_id for p in created.policy_set_list.policy_sets[0].policy_list] == [
        p.policy_id for p in policy_set.policy_list
    ]
    with pytest.raises(pki.PKIException) as dup:
        profiles.create_profile(copy)
    assert type(dup.value) is pki.ConflictingOperationException

    copy.description = "changed through JSON"
    assert profiles.modify_profile(copy).description == "changed through JSON"
    raw = profiles.get_profile(pid, raw=True)
    assert f"profileId={pid}" in raw.splitlines() and "desc=changed through JSON" in raw

    profiles.enable_profile(pid)
    assert profiles.get_profile(pid).enabled is True
    for refused in (
        lambda: profiles.enable_profile(pid),
        lambda: profiles.modify_profile(copy),
        lambda: profiles.delete_profile(pid),
    ):
        with pytest.raises(pki.PKIException) as conflict:
            refused()
        assert type(conflict.value) is pki.ConflictingOperationException
    profiles.disable_profile(pid)
    with pytest.raises(pki.ConflictingOperationException):
        profiles.disable_profile(pid)

    # the *_from_file forms; as upstream, their HTTP errors are not mapped
    path = tmp_path / "profile.json"
    copy.description = "from a file"
    path.write_text(json.dumps(copy.to_json()))
    assert profiles.modify_profile_from_file(str(path)).description == "from a file"
    expect_http_error(lambda: profiles.create_profile_from_file(str(path)), 409)

    assert profiles.delete_profile(pid).status_code == 204
    for missing in (lambda: profiles.delete_profile(pid), lambda: profiles.get_profile(pid)):
        with pytest.raises(pki.PKIException) as gone:
            missing()
        assert type(gone.value) is pki.ProfileNotFoundException and gone.value.code == 404
    created_from_file = profiles.create_profile_from_file(str(path))
    assert created_from_file.profile_id == pid and created_from_file.enabled is False
    profiles.delete_profile(pid)


def test_freeipa_style_profile_created_raw_enabled_and_used(
    admin: PKIClient, dogtag_server: DogtagTestServer
) -> None:
    """A FreeIPA-style configuration (raCertAuth, subject rebuilt under O=EXAMPLE.TEST) made
    at runtime in raw form, enabled, and used through ``CertClient.enroll_cert`` by a user in
    Registration Manager Agents, as FreeIPA's RA agent uses it."""
    profiles = pki.profile.ProfileClient(pki.ca.CAClient(admin))
    pid = unique("caIPAservice").replace("-", "")
    config = IPA_STYLE_PROFILE.format(profile_id=pid)
    stored = profiles.create_profile(config, raw=True)
    assert "classId=caEnrollImpl" in stored.splitlines() or admin.api_version == "v1"
    assert "auth.instance_id=raCertAuth" in stored.splitlines()
    assert "profileId=" + pid in profiles.get_profile(pid, raw=True).splitlines()
    assert profiles.get_profile(pid).enabled is False  # saved disabled
    with pytest.raises(pki.ConflictingOperationException):
        profiles.create_profile(config, raw=True)
    shorter = config.replace("default.params.range=731", "default.params.range=90")
    assert "policyset.serviceSet.2.default.params.range=90" in profiles.modify_profile(
        shorter, profile_id=pid, raw=True
    ).splitlines()
    profiles.enable_profile(pid)

    ra = dogtag_server.add_user(
        unique("ra"), ["Registration Manager Agents"], subsystems=("ca",)
    )
    ra_client = nss_client(dogtag_server, ra)
    cn = unique("www") + ".ipa.example.test"
    csr, key = make_csr(cn)
    results = pki.cert.CertClient(pki.ca.CAClient(ra_client)).enroll_cert(
        pid, pkcs10_inputs(csr)
    )
    assert len(results) == 1
    assert results[0].request.request_status == pki.cert.CertRequestStatus.COMPLETE
    cert = load_pem(results[0].cert)
    assert cert.subject.rfc4514_string() == f"CN={cn},O=EXAMPLE.TEST"
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == datetime.timedelta(days=90)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert cn in san.get_values_for_type(x509.DNSName)
    cert.verify_directly_issued_by(dogtag_server.materials.ca.cert)
    ra_client.close()

    # the profile wants a Registration Manager Agent: caadmin is none
    with pytest.raises(pki.PKIException) as refused:
        pki.cert.CertClient(pki.ca.CAClient(admin)).enroll_cert(pid, pkcs10_inputs(csr))
    assert type(refused.value) is pki.UnauthorizedException and refused.value.code == 401

    profiles.disable_profile(pid)
    profiles.delete_profile(pid)


def test_profile_administration_acls(nonagent: PKIClient, anon: PKIClient) -> None:
    profiles = pki.profile.ProfileClient(pki.ca.CAClient(nonagent))
    # listing is for anybody (the visible profiles only)
    listed = {p.profile_id for p in profiles.list_profiles(size=100)}
    assert "caServerCert" in listed and "caECUserCert" not in listed
    for call in (
        lambda: profiles.get_profile("caServerCert"),
        lambda: profiles.get_profile("caServerCert", raw=True),
        lambda: profiles.create_profile(IPA_STYLE_PROFILE.format(profile_id="caX"), raw=True),
        lambda: profiles.disable_profile("caServerCert"),
        lambda: profiles.delete_profile("caServerCert"),
    ):
        expect_forbidden(call)
    # every ProfileClient call logs in first: without credentials that is Tomcat's 401
    expect_html_401(pki.profile.ProfileClient(pki.ca.CAClient(anon)).list_profiles)


# -- lightweight CAs -------------------------------------------------------------------------------


def test_authority_lifecycle(admin: PKIClient, dogtag_server: DogtagTestServer) -> None:
    ca = pki.ca.CAClient(admin)
    authorities = pki.authority.AuthorityClient(ca)
    host = next(a for a in authorities.list_cas().ca_list if a.is_host_authority)
    host_cert = dogtag_server.materials.ca.cert

    # authority changes are ACL-only URLs: the principal is the logged-in session's
    data = pki.authority.AuthorityData(
        dn=f"CN={unique('Sub CA')},O=Test", description="a sub-CA", parent_aid=host.aid
    )
    expect_forbidden(lambda: authorities.create_ca(data))  # "No user principal provided."
    account = pki.account.AccountClient(ca)
    account.login()

    sub = authorities.create_ca(data)
    assert (sub.dn, sub.parent_aid, sub.description) == (data.dn, host.aid, "a sub-CA")
    assert sub.enabled is True and sub.is_host_authority is False
    assert sub.issuerDN == host.dn  # plain attribute, as FreeIPA reads it
    assert authorities.get_ca(sub.aid).dn == sub.dn
    assert sub.aid in {a.aid for a in authorities.list_cas()}
    with pytest.raises(pki.ConflictingOperationException):
        authorities.create_ca(data)  # the DN is taken
    # the server's filters (Java's client has them; upstream's Python client does not)
    assert [a.aid for a in authorities.list_cas(dn=sub.dn)] == [sub.aid]
    assert sub.aid in {a.aid for a in authorities.list_cas(issuer_dn=host.dn)}
    assert not list(authorities.list_cas(dn="CN=nobody,O=Test"))
    # Dogtag needs no description; upstream's client insists on one, and so does create_ca
    # unless told otherwise
    bare_data = pki.authority.AuthorityData(
        dn=f"CN={unique('Bare CA')},O=Test", parent_aid=host.aid
    )
    with pytest.raises(ValueError, match="Description must be defined"):
        authorities.create_ca(bare_data)
    bare = authorities.create_ca(bare_data, description_required=False)
    assert bare.description is None and bare.parent_aid == host.aid
    authorities.disable_ca(bare.aid)
    authorities.delete_ca(bare.aid)

    # its certificate, in PEM (text) and DER (bytes), is signed by the host CA
    pem = authorities.get_cert(sub.aid, "PEM")
    der = authorities.get_cert(sub.aid, "DER")
    assert isinstance(pem, str) and isinstance(der, bytes)
    sub_cert = x509.load_der_x509_certificate(der)
    assert x509.load_pem_x509_certificate(pem.encode()) == sub_cert
    assert pki.convert_x509_name_to_dn(sub_cert.subject) == sub.dn
    sub_cert.verify_directly_issued_by(host_cert)
    assert authorities.get_cert(sub.aid) == pem  # PEM by default

    # its chain, PEM (a PKCS7 block, text) and PKCS7 (DER bytes, the default)
    chain_pem = authorities.get_chain(sub.aid, "PEM")
    chain_der = authorities.get_chain(sub.aid)
    assert isinstance(chain_pem, str) and chain_pem.startswith("-----BEGIN PKCS7-----")
    assert isinstance(chain_der, bytes)
    body = "".join(chain_pem.strip().splitlines()[1:-1])
    assert base64.b64decode(body) == chain_der
    assert set(pkcs7.load_der_pkcs7_certificates(chain_der)) == {sub_cert, host_cert}

    # enrolment with the sub-CA's issuer-id is signed by the sub-CA
    certs = pki.cert.CertClient(ca)
    csr, _ = make_csr(unique("subca") + ".example.com")
    result = certs.enroll_cert("caServerCert", pkcs10_inputs(csr), sub.aid)[0]
    issued = load_pem(result.cert)
    assert issued.issuer == sub_cert.subject
    issued.verify_directly_issued_by(sub_cert)
    with pytest.raises(ValueError):  # not the host CA's
        issued.verify_directly_issued_by(host_cert)
    via_helper = pki.authority.issue_cert_using_authority(certs, sub.aid)[0].cert
    load_pem(via_helper).verify_directly_issued_by(sub_cert)

    # state rules: the host CA stays enabled, an enabled CA is not deleted
    expect_forbidden(lambda: authorities.disable_ca(host.aid))
    with pytest.raises(pki.PKIException) as enabled:
        authorities.delete_ca(sub.aid)
    assert type(enabled.value) is pki.ConflictingOperationException
    authorities.disable_ca(sub.aid)
    assert authorities.get_ca(sub.aid).enabled is False
    with pytest.raises(pki.ConflictingOperationException):  # "CA not enabled"
        certs.enroll_cert("caServerCert", pkcs10_inputs(csr), sub.aid)
    authorities.enable_ca(sub.aid)
    assert authorities.get_ca(sub.aid).enabled is True
    authorities.disable_ca(sub.aid)
    authorities.delete_ca(sub.aid)
    with pytest.raises(pki.PKIException) as gone:
        authorities.get_ca(sub.aid)
    assert type(gone.value) is pki.ResourceNotFoundException and gone.value.code == 404
    with pytest.raises(pki.PKIException) as bad:
        authorities.get_ca("not-a-uuid")
    assert type(bad.value) is pki.BadRequestException
    account.logout()


def test_authority_reads_are_anonymous_and_changes_need_the_role(
    anon: PKIClient, nonagent: PKIClient, dogtag_server: DogtagTestServer
) -> None:
    public = pki.authority.AuthorityClient(pki.ca.CAClient(anon))
    host = next(a for a in public.list_cas() if a.is_host_authority)
    der = public.get_cert(host.aid, "DER")
    assert x509.load_der_x509_certificate(der) == dogtag_server.materials.ca.cert
    ca = pki.ca.CAClient(nonagent)
    pki.account.AccountClient(ca).login()
    restricted = pki.authority.AuthorityClient(ca)
    data = pki.authority.AuthorityData(
        dn=f"CN={unique('Refused')},O=Test", description="no", parent_aid=host.aid
    )
    assert expect_forbidden(lambda: restricted.create_ca(data)).message == "Authorization Error"
    expect_forbidden(lambda: restricted.disable_ca(host.aid))
    expect_forbidden(lambda: restricted.delete_ca(host.aid))


# -- security domain, status, features ---------------------------------------------------------


def _add_domain_host(domain: pki.system.SecurityDomainClient, hostname: str) -> None:
    """What pkispawn's join does (``PUT .../securityDomain/hosts``; Java's ``addHost``)."""
    port = "8443"
    domain.add_host({
        "id": f"KRA {hostname} {port}", "Hostname": hostname, "Port": "8080",
        "SecurePort": port, "SecureEEClientAuthPort": port, "SecureAgentPort": port,
        "SecureAdminPort": port, "Clone": "FALSE", "SubsystemName": "KRA " + hostname,
        "DomainManager": "FALSE",
    })


def test_security_domain(
    agent: PKIClient, nonagent: PKIClient, anon: PKIClient, dogtag_server: DogtagTestServer
) -> None:
    domain = pki.system.SecurityDomainClient(pki.subsystem.SubsystemClient(anon, "ca"))
    info = domain.get_domain_info()  # anonymous
    assert info.id and {"CA", "KRA"} <= set(info.subsystems)
    ca_host = info.subsystems["CA"].get_host("localhost", str(dogtag_server.port))
    assert ca_host.DomainManager == "TRUE" and ca_host.SecurePort == str(
        dogtag_server.port
    )
    expect_html_401(lambda: domain.get_install_token("localhost", "CA"))

    ca = pki.ca.CAClient(agent)
    admin_domain = pki.system.SecurityDomainClient(ca)
    token = admin_domain.get_install_token("replica.example.test", "CA")
    assert token.token and token.token.isdigit() and token.token not in repr(token)
    # caadmin is an Enterprise CA Administrator, not a KRA one (not mapped, as upstream)
    expect_http_error(lambda: admin_domain.get_install_token("replica.example.test", "KRA"), 401)

    hostname = unique("replica") + ".example.test"
    account = pki.account.AccountClient(ca)
    account.login()
    _add_domain_host(admin_domain, hostname)
    assert f"KRA {hostname} 8443" in admin_domain.get_domain_info().subsystems["KRA"].hosts
    added = domain.get_host(f"KRA {hostname} 8443")  # anonymous reads, Java's getHost
    assert (added.Hostname, added.SecurePort, added.Clone) == (hostname, "8443", "FALSE")
    assert f"KRA {hostname} 8443" in {h.id for h in domain.get_hosts()}
    assert admin_domain.remove_host(hostname, "kra", "8443") is None
    assert admin_domain.remove_host(hostname, "kra", "8443") is None  # already gone: 204
    assert f"KRA {hostname} 8443" not in admin_domain.get_domain_info().subsystems["KRA"].hosts
    account.logout()

    # removing a host needs a domain modifier (upstream does not map these errors)
    nonagent_ca = pki.ca.CAClient(nonagent)
    pki.account.AccountClient(nonagent_ca).login()
    refused = pki.system.SecurityDomainClient(nonagent_ca)
    expect_http_error(lambda: refused.remove_host(hostname, "kra", "8443"), 403)
    expect_http_error(lambda: refused.get_install_token("localhost", "CA"), 401)


def test_system_status(dogtag_server: DogtagTestServer) -> None:
    """FreeIPA's ipa-pki-wait-running form: a PKIConnection, no client certificate."""
    conn = PKIConnection(
        "https", "127.0.0.1", dogtag_server.port, cert_paths=str(dogtag_server.ca_cert_path)
    )
    seen = record_paths(conn)
    for subsystem, kind in (("ca", "CA"), ("kra", "KRA")):
        status = json.loads(pki.system.SystemStatusClient(conn, subsystem).get_status(timeout=5))
        assert status["Response"]["Status"] == "running"
        assert status["Response"]["Type"] == kind
        assert status["Response"]["Version"] == dogtag_server.version
    assert seen == ["/ca/admin/ca/getStatus", "/kra/admin/kra/getStatus"]
    conn.close()

    legacy = PKIConnection(  # the deprecated per-subsystem connection
        "https", "127.0.0.1", dogtag_server.port, "kra",
        cert_paths=str(dogtag_server.ca_cert_path),
    )
    seen = record_paths(legacy)
    assert json.loads(pki.system.SystemStatusClient(legacy).get_status())["Response"]["Type"] == (
        "KRA"
    )
    assert seen == ["/kra/admin/kra/getStatus"]
    legacy.close()


def test_features(anon: PKIClient) -> None:
    features = pki.feature.FeatureClient(pki.ca.CAClient(anon))
    listed = features.list_features()
    assert [f.feature_id for f in listed.feature_list] == ["authority"]
    authority = features.get_feature("authority")
    assert (authority.feature_id, authority.description, authority.enabled) == (
        "authority", "Lightweight CAs", True
    )
    assert authority.version == "1.0"
    with pytest.raises(pki.PKIException) as unknown:
        features.get_feature("noSuchFeature")
    assert type(unknown.value) is pki.ResourceNotFoundException
    assert unknown.value.message == "Feature noSuchFeature not supported"
