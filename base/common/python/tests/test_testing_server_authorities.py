"""Lightweight CAs on the test server, over raw HTTPS: the host CA, sub-CAs with their own
keys signed by their parent, enrolment signed by a sub-CA (checked with cryptography), the
host-CA and 400/403/404/409 rules, and PEM/DER/PKCS#7 negotiation on v1 and v2."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID
from pki.testing.server import DogtagTestServer
from server_fixtures import write_pem

UUID_RE = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def error(r: requests.Response) -> tuple[int, str, str]:
    assert r.headers["Content-Type"].startswith("application/json"), r.text
    body = r.json()
    return r.status_code, body["ClassName"].rsplit(".", 1)[1], body["Message"]


def session_with(server: DogtagTestServer, pem: tuple[str, str] | None) -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    s.verify = str(server.ca_cert_path)
    if pem is not None:
        s.cert = pem
    return s


@pytest.fixture
def admin(
    dogtag_server: DogtagTestServer, agent_pem: tuple[str, str]
) -> Iterator[requests.Session]:
    """The agent/administrator, logged in (authorities are ACL-only URLs)."""
    with session_with(dogtag_server, agent_pem) as s:
        assert s.get(f"{dogtag_server.url}/ca/rest/account/login").status_code == 200
        yield s


def create_ca(
    s: requests.Session, url: str, parent: str = "host-authority", api: str = "v2"
) -> dict[str, Any]:
    dn = f"CN=Sub CA {uuid.uuid4().hex[:8]},O=Dogtag Test Subs"
    r = s.post(
        f"{url}/ca/{api}/authorities", json={"dn": dn, "description": dn, "parentID": parent}
    )
    assert r.status_code == (201 if api == "v2" else 200), r.text
    return r.json()  # type: ignore[no-any-return]


def csr(cn: str) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        .sign(key, hashes.SHA256())
    )
    return request.public_bytes(serialization.Encoding.PEM).decode()


def enrollment(cn: str) -> dict[str, Any]:
    return {
        "ProfileID": "caServerCert",
        "Input": [
            {
                "id": "i1",
                "ClassID": "certReqInputImpl",
                "Attribute": [
                    {"name": "cert_request_type", "Value": "pkcs10"},
                    {"name": "cert_request", "Value": csr(cn)},
                ],
            }
        ],
    }


def approve(agent: requests.Session, url: str, request_id: str) -> requests.Response:
    review = agent.get(f"{url}/ca/rest/agent/certrequests/{request_id}").json()
    return agent.post(f"{url}/ca/rest/agent/certrequests/{request_id}/approve", json=review)


def ca_cert(s: requests.Session, url: str, aid: str) -> x509.Certificate:
    r = s.get(f"{url}/ca/v2/authorities/{aid}/cert", headers={"Accept": "application/pkix-cert"})
    assert r.status_code == 200
    return x509.load_der_x509_certificate(r.content)


def test_host_authority(dogtag_server: DogtagTestServer, anon_session: requests.Session) -> None:
    url = dogtag_server.url
    listed = anon_session.get(f"{url}/ca/v2/authorities").json()
    assert isinstance(listed, list)  # a bare array, no total/entries
    host = next(a for a in listed if a["isHostAuthority"])
    ca = x509.load_pem_x509_certificate(dogtag_server.ca_cert_path.read_bytes())
    assert host == {
        "id": host["id"],
        "dn": ca.subject.rfc4514_string(),
        "issuerDN": ca.issuer.rfc4514_string(),
        "serial": ca.serial_number,
        "enabled": True,
        "description": "Host authority",
        "ready": True,
        "isHostAuthority": True,
    }
    assert anon_session.get(f"{url}/ca/rest/authorities/host-authority").json() == host
    assert anon_session.get(f"{url}/ca/v2/authorities/{host['id']}").json() == host
    assert error(anon_session.get(f"{url}/ca/v2/authorities/nonsense")) == (
        400,
        "BadRequestException",
        "Bad AuthorityID: nonsense",
    )
    missing = str(uuid.uuid4())
    assert error(anon_session.get(f"{url}/ca/v2/authorities/{missing}")) == (
        404,
        "ResourceNotFoundException",
        f'CA "{missing}" not found',
    )


def test_cert_and_chain_negotiation(
    dogtag_server: DogtagTestServer, anon_session: requests.Session
) -> None:
    url = dogtag_server.url
    ca = x509.load_pem_x509_certificate(dogtag_server.ca_cert_path.read_bytes())
    ca_der = ca.public_bytes(serialization.Encoding.DER)
    base = f"{url}/ca/v2/authorities/host-authority"

    def get(path: str, accept: str | None, api: str = "v2") -> requests.Response:
        return anon_session.get(
            f"{url}/ca/{api}/authorities/host-authority/{path}", headers={"Accept": accept}
        )

    pem = get("cert", "application/x-pem-file")
    assert pem.headers["Content-Type"] == "application/x-pem-file"
    assert pem.text == ca.public_bytes(serialization.Encoding.PEM).decode() + "\n"  # println
    assert (
        get("cert", "application/x-pem-file", "rest").text
        == ca.public_bytes(serialization.Encoding.PEM).decode()
    )
    for accept in ("application/pkix-cert", "*/*", None):
        r = get("cert", accept)
        assert r.headers["Content-Type"] == "application/pkix-cert" and r.content == ca_der, accept
    r = get("cert", "application/json")
    assert error(r) == (
        406,
        "RequestNotAcceptable",
        "Certificate format not supported: application/json",
    )
    r = get("cert", "application/json", "rest")
    assert r.status_code == 406 and r.content == b""  # JAX-RS found no @Produces method

    der_chain = get("chain", "application/pkcs7-mime")
    assert der_chain.headers["Content-Type"] == "application/pkcs7-mime"
    assert pkcs7.load_der_pkcs7_certificates(der_chain.content) == [ca]
    pem_chain = get("chain", "application/x-pem-file").text
    assert pem_chain.startswith("-----BEGIN PKCS7-----\n") and pem_chain.endswith(
        "-----END PKCS7-----\n\n"
    )
    # FreeIPA's read_ca_chain: strip the armour and decode leniently
    body = pem_chain.replace("-----BEGIN PKCS7-----", "").replace("-----END PKCS7-----", "")
    assert base64.b64decode(body) == der_chain.content
    assert error(get("chain", "text/plain"))[0] == 406
    assert anon_session.get(f"{base}/nothing").status_code == 404


def test_sub_ca_lifecycle(
    dogtag_server: DogtagTestServer, admin: requests.Session, anon_session: requests.Session
) -> None:
    url = dogtag_server.url
    host = anon_session.get(f"{url}/ca/rest/authorities/host-authority").json()
    sub = create_ca(admin, url)
    assert sub["parentID"] == host["id"] and sub["issuerDN"] == host["dn"]
    assert sub["enabled"] is True and sub["ready"] is True and sub["isHostAuthority"] is False
    assert isinstance(sub["serial"], int)
    # its certificate: a CA certificate signed by the host CA, recorded as issued
    cert = ca_cert(anon_session, url, sub["id"])
    host_cert = x509.load_pem_x509_certificate(dogtag_server.ca_cert_path.read_bytes())
    cert.verify_directly_issued_by(host_cert)
    assert cert.serial_number == sub["serial"]
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.key_cert_sign and ku.crl_sign
    assert (
        anon_session.get(f"{url}/ca/rest/certs/{hex(cert.serial_number)}").json()["Status"]
        == "VALID"
    )
    chain = anon_session.get(
        f"{url}/ca/v2/authorities/{sub['id']}/chain", headers={"Accept": "application/pkcs7-mime"}
    )
    # a SET OF in DER: the order is the encoding's, not the chain's
    assert set(pkcs7.load_der_pkcs7_certificates(chain.content)) == {cert, host_cert}
    # its own key, private to the state directory
    key_file = dogtag_server.state_dir / "authorities" / f"{sub['id']}-key.pem"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert key_file.read_bytes() != (dogtag_server.state_dir / "ca-key.pem").read_bytes()

    # a grandchild
    child = create_ca(admin, url, parent=sub["id"], api="rest")
    assert child["parentID"] == sub["id"] and child["issuerDN"] == sub["dn"]
    ca_cert(anon_session, url, child["id"]).verify_directly_issued_by(cert)
    children = anon_session.get(f"{url}/ca/v2/authorities", params={"issuerDN": sub["dn"]}).json()
    assert [a["id"] for a in children] == [child["id"]]
    by_dn = anon_session.get(f"{url}/ca/v2/authorities", params={"dn": sub["dn"].lower()}).json()
    assert [a["id"] for a in by_dn] == [sub["id"]]
    by_id = anon_session.get(
        f"{url}/ca/v2/authorities", params={"id": child["id"], "parentID": sub["id"]}
    ).json()
    assert [a["id"] for a in by_id] == [child["id"]]
    assert (
        anon_session.get(f"{url}/ca/v2/authorities", params={"id": child["id"]}).status_code == 500
    )

    # modify: description and enabled only
    r = admin.put(
        f"{url}/ca/v2/authorities/{child['id']}", json={"description": "", "dn": "CN=ignored"}
    )
    assert r.status_code == 200 and "description" not in r.json() and r.json()["dn"] == child["dn"]
    r = admin.post(f"{url}/ca/v2/authorities/{sub['id']}/disable")
    assert r.status_code == 200 and r.json()["enabled"] is False
    r = admin.post(
        f"{url}/ca/v2/authorities", json={"dn": "CN=Under Disabled", "parentID": sub["id"]}
    )
    assert error(r) == (409, "ConflictingOperationException", "Authority is disabled")
    assert error(admin.post(f"{url}/ca/v2/authorities/{sub['id']}/renew"))[0] == 409
    assert admin.post(f"{url}/ca/rest/authorities/{sub['id']}/enable").json()["enabled"] is True
    assert admin.post(f"{url}/ca/v2/authorities/{sub['id']}/renew").status_code == 204
    renewed = ca_cert(anon_session, url, sub["id"])
    assert renewed.serial_number != cert.serial_number and renewed.public_key() == cert.public_key()

    # deletion: disabled leaves only
    assert error(admin.delete(f"{url}/ca/v2/authorities/{child['id']}")) == (
        409,
        "ConflictingOperationException",
        "Must disable CA before deletion",
    )
    admin.post(f"{url}/ca/v2/authorities/{sub['id']}/disable")
    assert error(admin.delete(f"{url}/ca/v2/authorities/{sub['id']}"))[2] == (
        "CA with sub-CAs cannot be deleted (delete sub-CAs first)"
    )
    admin.post(f"{url}/ca/v2/authorities/{child['id']}/disable")
    child_serial = ca_cert(anon_session, url, child["id"]).serial_number
    assert admin.delete(f"{url}/ca/v2/authorities/{child['id']}").status_code == 204
    assert admin.delete(f"{url}/ca/v2/authorities/{sub['id']}").status_code == 204
    assert error(anon_session.get(f"{url}/ca/v2/authorities/{sub['id']}"))[0] == 404
    assert not key_file.exists()
    revoked = anon_session.get(f"{url}/ca/rest/certs/{hex(child_serial)}").json()
    assert revoked["Status"] == "REVOKED" and revoked["RevocationReason"] == 0


def test_create_and_host_rules(
    dogtag_server: DogtagTestServer, admin: requests.Session, pem_dir: Path
) -> None:
    url = dogtag_server.url
    host = admin.get(f"{url}/ca/v2/authorities/host-authority").json()
    A = f"{url}/ca/v2/authorities"
    assert error(admin.post(A, json={"dn": "CN=No Parent"})) == (
        400,
        "BadRequestException",
        "Bad Authority ID: None",
    )
    assert error(admin.post(A, json={"dn": "CN=Bad", "parentID": "x"})) == (
        400,
        "BadRequestException",
        "Bad Authority ID: x",
    )
    missing = str(uuid.uuid4())
    r = admin.post(A, json={"dn": "CN=Orphan", "parentID": missing})
    assert error(r) == (404, "ResourceNotFoundException", f'Parent CA "{missing}" does not exist')
    r = admin.post(A, json={"dn": host["dn"], "parentID": "host-authority"})
    assert error(r) == (
        409,
        "ConflictingOperationException",
        f"DN '{host['dn']}' is used by an existing authority",
    )
    # the host CA cannot be disabled or deleted; the alias does not work for changes
    hid = host["id"]
    assert error(admin.post(f"{A}/{hid}/disable")) == (
        403,
        "ForbiddenException",
        "Cannot disable the host CA",
    )
    assert error(admin.delete(f"{A}/{hid}")) == (
        403,
        "ForbiddenException",
        "Cannot delete the host CA",
    )
    assert admin.post(f"{A}/{hid}/enable").json()["enabled"] is True
    for method, path in (
        ("POST", "host-authority/disable"),
        ("PUT", "host-authority"),
        ("DELETE", "host-authority"),
    ):
        r = admin.request(method, f"{A}/{path}", json={})
        assert error(r) == (400, "BadRequestException", "Bad AuthorityID: host-authority"), path
    # authority administration needs Administrators
    agent_only = dogtag_server.issue_client_cert(
        "Authority Agent", groups=["Certificate Manager Agents"]
    )
    with session_with(dogtag_server, write_pem(pem_dir, "authority-agent", agent_only)) as s:
        s.get(f"{url}/ca/rest/account/login")
        r = s.post(A, json={"dn": "CN=Not Allowed", "parentID": "host-authority"})
        assert error(r) == (403, "ForbiddenException", "Authorization Error")
        assert s.get(A).status_code == 200


def test_enrolment_signed_by_sub_ca(
    dogtag_server: DogtagTestServer, admin: requests.Session, anon_session: requests.Session
) -> None:
    url = dogtag_server.url
    sub = create_ca(admin, url)
    sub_cert = ca_cert(anon_session, url, sub["id"])
    R = f"{url}/ca/rest/certrequests"
    r = anon_session.post(
        R, params={"issuer-id": sub["id"]}, json=enrollment("leaf.sub.example.com")
    )
    info = r.json()["entries"][0]
    assert approve(admin, url, info["requestID"]).status_code == 204
    done = anon_session.get(f"{R}/{info['requestID']}").json()
    data = anon_session.get(f"{url}/ca/rest/certs/{done['certId']}").json()
    leaf = x509.load_pem_x509_certificate(data["Encoded"].encode())
    assert data["IssuerDN"] == sub["dn"] and leaf.issuer == sub_cert.subject
    leaf.verify_directly_issued_by(sub_cert)  # the sub-CA's key signed it
    host_cert = x509.load_pem_x509_certificate(dogtag_server.ca_cert_path.read_bytes())
    with pytest.raises(ValueError):  # not the host CA's
        leaf.verify_directly_issued_by(host_cert)
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert (
        aki.key_identifier
        == x509.SubjectKeyIdentifier.from_public_key(sub_cert.public_key()).digest
    )
    chain = pkcs7.load_der_pkcs7_certificates(base64.b64decode(data["PKCS7CertChain"]))
    assert set(chain) == {leaf, sub_cert, host_cert} and len(chain) == 3

    # issuer-dn picks the same CA; the DN's spelling does not matter
    dn = sub["dn"].replace(",", ", ").upper().replace("CN=", "cn=")
    r = anon_session.post(R, params={"issuer-dn": dn}, json=enrollment("dn.sub.example.com"))
    assert r.status_code == 200, r.text
    rid = r.json()["entries"][0]["requestID"]
    approve(admin, url, rid)
    cert_id = anon_session.get(f"{R}/{rid}").json()["certId"]
    assert anon_session.get(f"{url}/ca/rest/certs/{cert_id}").json()["IssuerDN"] == sub["dn"]

    # the request rules
    missing = str(uuid.uuid4())
    both = {"issuer-id": sub["id"], "issuer-dn": sub["dn"]}
    assert error(anon_session.post(R, params=both, json=enrollment("x.example.com"))) == (
        400,
        "BadRequestException",
        "Cannot provide both issuer ID and issuer DN",
    )
    assert error(
        anon_session.post(R, params={"issuer-id": missing}, json=enrollment("x.example.com"))
    ) == (
        404,
        "ResourceNotFoundException",
        f"CA not found: {missing}",
    )
    assert error(
        anon_session.post(R, params={"issuer-id": "bogus"}, json=enrollment("x.example.com"))
    ) == (
        400,
        "BadRequestException",
        "Invalid authority ID: bogus",
    )
    assert (
        error(
            anon_session.post(
                R, params={"issuer-dn": "CN=Nobody"}, json=enrollment("x.example.com")
            )
        )[0]
        == 404
    )
    # a pending request of a CA that gets disabled cannot be approved; new ones are refused
    pending = anon_session.post(
        R, params={"issuer-id": sub["id"]}, json=enrollment("late.example.com")
    )
    late = pending.json()["entries"][0]["requestID"]
    admin.post(f"{url}/ca/v2/authorities/{sub['id']}/disable")
    assert error(
        anon_session.post(R, params={"issuer-id": sub["id"]}, json=enrollment("x.example.com"))
    ) == (
        409,
        "ConflictingOperationException",
        f"CA not enabled: {sub['id']}",
    )
    assert error(approve(admin, url, late))[0] == 409
    admin.post(f"{url}/ca/v2/authorities/{sub['id']}/enable")
    assert approve(admin, url, late).status_code == 204


def test_sub_ca_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with DogtagTestServer(state) as server:
        issued = server.issue_client_cert("Restart Admin")
        pem = write_pem(tmp_path, "restart-admin", issued)
        with session_with(server, pem) as s:
            s.get(f"{server.url}/ca/rest/account/login")
            sub = create_ca(s, server.url)
    with DogtagTestServer(state) as server, session_with(server, pem) as s:
        listed = {a["id"] for a in s.get(f"{server.url}/ca/v2/authorities").json()}
        assert sub["id"] in listed
        r = s.post(
            f"{server.url}/ca/v2/certrequests",
            params={"issuer-id": sub["id"]},
            json=enrollment("after.restart.example.com"),
        )
        rid = r.json()["entries"][0]["requestID"]
        assert approve(s, server.url, rid).status_code == 204
        cert_id = s.get(f"{server.url}/ca/v2/certrequests/{rid}").json()["certId"]
        leaf = x509.load_pem_x509_certificate(
            s.get(f"{server.url}/ca/v2/certs/{cert_id}").json()["Encoded"].encode()
        )
        leaf.verify_directly_issued_by(ca_cert(s, server.url, sub["id"]))
    Path(pem[1]).unlink()
