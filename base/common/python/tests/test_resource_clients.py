"""The resource clients (account, cert, key, info, system certs, authorities) against the Dogtag
test server.

Every call goes over real HTTPS to ``pki.testing.server`` and authenticates with the agent
certificate of the server's NSS database (``nssdb=`` / ``nickname=`` /
``nssdb_password_file=``), never with PEM files; the server's CA is trusted from that database
too. Three parents are exercised: a bare ``PKIConnection`` and a ``PKIClient``, which both find
``v2`` on the 11.7 server, and a ``PKIClient(api_version='v1')`` on ``/<sub>/rest/...``.

The session server is shared with other modules, so every test uses its own subject names and
client key IDs and never assumes it sees the only records.
"""

from __future__ import annotations

import copy
import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pki
import pki.account
import pki.authority
import pki.ca
import pki.cert
import pki.crypto
import pki.info
import pki.key
import pki.kra
import pki.subsystem
import pki.systemcert
import pki.util
import pytest
import requests
from client_helpers import (
    http_status,
    load_pem,
    make_csr,
    nss_client,
    nss_connection,
    nss_kwargs,
    pkcs10_inputs,
    record_paths,
    spki,
    unique,
)
from cryptography import x509
from cryptography.hazmat.primitives import padding, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.x509.oid import NameOID
from pki.cert import CertClient
from pki.client import PKIClient, PKIConnection
from pki.key import KeyClient
from pki.testing.nsstools import TestNSSDB
from pki.testing.server import DogtagTestServer, TestUser
from test_freeipa_ra import support_v2

AGENT = "PKI Administrator"
#: the users the agent's certificate maps to (the admins pkispawn creates)
CA_ADMIN, KRA_ADMIN = "caadmin", "kraadmin"
TRANSPORT_NICK = "KRA Transport Certificate"
UNKNOWN_ID = 0x7FFFFFF1


# -- helpers ---------------------------------------------------------------------------------


def submit(certs: CertClient, cn: str) -> tuple[str, ec.EllipticCurvePrivateKey]:
    """Submit a caServerCert request for ``cn``; returns (decimal request ID, CSR key)."""
    csr, key = make_csr(cn)
    request = certs.create_enrollment_request("caServerCert", pkcs10_inputs(csr))
    infos = certs.submit_enrollment_request(request)
    assert len(infos) == 1
    info = infos.cert_request_info_list[0]
    assert info.request_type == "enrollment"
    assert info.request_status == "pending"
    assert info.request_id is not None and info.request_id.isdigit()
    return info.request_id, key


def enroll(certs: CertClient, cn: str) -> pki.cert.CertData:
    """A freshly issued certificate for ``cn`` (via enroll_cert)."""
    csr, _ = make_csr(cn)
    results = certs.enroll_cert("caServerCert", pkcs10_inputs(csr))
    assert len(results) == 1 and results[0].cert is not None
    return results[0].cert


def request_ids(collection: Any) -> set[str]:
    return {info.request_id for info in collection}


def key_request_ids(collection: Any) -> set[str]:
    return {info.get_request_id() for info in collection}


def cbc_encrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    padder = padding.PKCS7(128).padder()
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return enc.update(padder.update(data) + padder.finalize()) + enc.finalize()


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def conn(dogtag_server: DogtagTestServer) -> Iterator[PKIConnection]:
    connection = nss_connection(dogtag_server)
    yield connection
    connection.close()


@pytest.fixture(params=["connection", "client", "v1"])
def parent(request: pytest.FixtureRequest, dogtag_server: DogtagTestServer) -> Iterator[Any]:
    """A bare PKIConnection, a PKIClient (both use ``v2`` on this 11.7 server), or a
    PKIClient told ``api_version='v1'`` (``rest`` paths). Every request it makes is checked to
    go to that API path."""
    if request.param == "connection":
        parent: Any = nss_connection(dogtag_server)
        connection = parent
    else:
        parent = PKIClient(dogtag_server.url, api_version="v1" if request.param == "v1" else None)
        parent.set_client_auth(**nss_kwargs(dogtag_server))
        connection = parent.connection
    seen = record_paths(connection)
    yield parent
    connection.close()
    api = "rest" if request.param == "v1" else "v2"
    resources = [p for p in seen if not p.startswith("/pki/")]
    assert resources and all(p.split("/")[2] == api for p in resources), seen


def is_v2(parent: Any) -> bool:
    return getattr(parent, "api_version", None) != "v1"


# -- account -----------------------------------------------------------------------------------


def test_account_login_logout_session(dogtag_server: DogtagTestServer) -> None:
    conn = nss_connection(dogtag_server)
    certs = CertClient(conn)
    cert = enroll(certs, unique("logout") + ".example.com")
    conn.session.cookies.clear()

    account = pki.account.AccountClient(conn).login()
    assert account["id"] == CA_ADMIN
    assert "Certificate Manager Agents" in account["Roles"]
    session_id = conn.session.cookies.get("JSESSIONID", path="/ca")
    assert session_id

    # the nonce lives in the logged-in session; the cookie is reused, not replaced
    nonce = certs.review_cert(cert.serial_number).nonce
    assert isinstance(nonce, int)
    assert conn.session.cookies.get("JSESSIONID", path="/ca") == session_id

    assert pki.account.AccountClient(conn, subsystem="ca").logout() is None
    # the server forgot the session: its nonce is gone and the next agent call gets a new one
    with pytest.raises(pki.BadRequestException) as err:
        certs.revoke_cert(cert.serial_number, nonce=nonce)
    assert err.value.code == 400
    assert conn.session.cookies.get("JSESSIONID", path="/ca") != session_id
    assert certs.get_cert(cert.serial_number).status == "VALID"

    kra_account = pki.account.AccountClient(conn, subsystem="kra")
    kra = kra_account.login()
    assert kra["id"] == KRA_ADMIN
    assert "Data Recovery Manager Agents" in kra["Roles"]
    assert conn.session.cookies.get("JSESSIONID", path="/kra")
    kra_account.logout()
    conn.close()


def test_account_login_over_v2(dogtag_server: DogtagTestServer) -> None:
    client = nss_client(dogtag_server)
    account = pki.account.AccountClient(client, subsystem="kra")
    assert account.login()["id"] == KRA_ADMIN
    assert client.connection.session.cookies.get("JSESSIONID", path="/kra")
    account.logout()
    client.close()


# -- certificates and requests -----------------------------------------------------------------


def test_enrollment_templates(conn: PKIConnection) -> None:
    certs = CertClient(conn)
    profiles = certs.list_enrollment_templates()
    ids = {p.profile_id for p in profiles}
    assert {"caServerCert", "caSubsystemCert"} <= ids
    assert "caUserCert" not in ids  # hidden in stock Dogtag: not offered as a template
    server_profile = next(p for p in profiles if p.profile_id == "caServerCert")
    assert server_profile.profile_name == "Manual Server Certificate Enrollment"
    assert profiles.total == len(ids)

    template = certs.get_enrollment_template("caServerCert")
    assert template.profile_id == "caServerCert"
    names = {a.name: a.value for i in template.inputs for a in i.attributes}
    assert {"cert_request_type", "cert_request"} <= set(names)
    assert not names["cert_request"]

    # a copy each time: filling one in leaves the cached template untouched
    template.set_input_values({"cert_request": "changed"})
    again = certs.get_enrollment_template("caServerCert")
    assert not {a.name: a.value for i in again.inputs for a in i.attributes}["cert_request"]

    csr, _ = make_csr(unique("tmpl") + ".example.com")
    request = certs.create_enrollment_request("caServerCert", pkcs10_inputs(csr))
    filled = {a.name: a.value for i in request.inputs for a in i.attributes}
    assert filled["cert_request"] == csr
    assert filled["cert_request_type"] == "pkcs10"
    body = request.to_json()
    assert body["ProfileID"] == "caServerCert"

    # Dogtag's CertRequestService answers an unknown profile with 400, not 404
    with pytest.raises(pki.BadRequestException) as err:
        certs.get_enrollment_template("noSuchProfile")
    assert err.value.code == 400
    assert err.value.ClassName == "com.netscape.certsrv.base.BadRequestException"


def test_certificate_lifecycle(parent: Any, dogtag_server: DogtagTestServer) -> None:
    """enrol → review → approve → get → search → hold → unrevoke → revoke → revoke again."""
    certs = CertClient(parent)
    cn = unique("cycle") + ".example.com"
    rid, key = submit(certs, cn)

    info = certs.get_request(rid)
    assert info.request_status == "pending" and info.cert_id is None
    if is_v2(parent):
        assert info.request_url is None  # v2 CA responses have no URLs: the ID came from requestID
    else:
        assert info.request_url.endswith(f"/certrequests/{rid}")

    pending = certs.list_requests(request_status="pending", size=1000, max_results=1000)
    assert rid in request_ids(pending)
    assert all(i.request_status == "pending" for i in pending)
    complete = certs.list_requests(request_status="complete", size=1000, max_results=1000)
    assert rid not in request_ids(complete)

    review = certs.review_request(rid)
    assert review.profile_id == "caServerCert"
    assert review.request_status == "pending"
    assert str(review.nonce).isdigit()
    certs.approve_request(rid, review)

    info = certs.get_request(rid)
    assert info.request_status == "complete"
    assert info.cert_id and info.cert_id.startswith("0x")
    complete = certs.list_requests(request_status="complete", size=1000, max_results=1000)
    assert rid in request_ids(complete)
    pending = certs.list_requests(request_status="pending", size=1000, max_results=1000)
    assert rid not in request_ids(pending)

    cert = certs.get_cert(info.cert_id)
    assert cert.serial_number == info.cert_id
    assert cert.status == "VALID"
    issued = load_pem(cert)
    assert issued.serial_number == int(info.cert_id, 16)
    assert spki(issued.public_key()) == spki(key.public_key())
    assert issued.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == cn
    assert issued.issuer == dogtag_server.materials.ca.cert.subject
    issued.verify_directly_issued_by(dogtag_server.materials.ca.cert)
    serial = cert.serial_number

    found = certs.list_certs(common_name=cn)
    assert [c.serial_number for c in found] == [serial]
    assert found.cert_data_info_list[0].status == "VALID"
    ranged = certs.list_certs(serial_from=serial, serial_to=serial)
    assert [c.serial_number for c in ranged] == [serial]
    assert not list(certs.list_certs(common_name=cn, status="REVOKED"))

    held = certs.hold_cert(serial, comments="on hold for a test")
    assert held.request_type == "revocation" and held.request_status == "complete"
    cert = certs.get_cert(serial)
    assert cert.status == "REVOKED"
    assert cert.RevocationReason == 6
    assert [c.serial_number for c in certs.list_certs(common_name=cn, status="REVOKED")] == [
        serial
    ]

    released = certs.unrevoke_cert(serial)
    assert released.request_type == "unrevocation"
    assert certs.get_cert(serial).status == "VALID"

    revoked = certs.revoke_cert(serial, revocation_reason="Key_Compromise")
    assert revoked.request_status == "complete"
    cert = certs.get_cert(serial)
    assert cert.status == "REVOKED"
    assert cert.RevocationReason == 1
    assert cert.RevokedBy == CA_ADMIN

    with pytest.raises(pki.BadRequestException) as err:
        certs.revoke_cert(serial, revocation_reason="Key_Compromise")
    assert "already been revoked" in err.value.message
    # only a certificate on hold can be released
    with pytest.raises(pki.BadRequestException):
        certs.unrevoke_cert(serial)
    assert certs.get_cert(serial).status == "REVOKED"


def test_enroll_cert_end_to_end(conn: PKIConnection) -> None:
    certs = CertClient(conn)
    cn = unique("enroll") + ".example.com"
    csr, key = make_csr(cn)
    results = certs.enroll_cert("caServerCert", pkcs10_inputs(csr))
    assert len(results) == 1
    result = results[0]
    assert result.request.request_status == "complete"
    assert result.cert is not None
    assert result.cert.serial_number == result.request.cert_id
    issued = load_pem(result.cert)
    assert spki(issued.public_key()) == spki(key.public_key())
    assert cn in (result.cert.subject_dn or "")


def test_reject_and_cancel_requests(conn: PKIConnection) -> None:
    certs = CertClient(conn)
    rejected, _ = submit(certs, unique("reject") + ".example.com")
    canceled, _ = submit(certs, unique("cancel") + ".example.com")

    certs.reject_request(rejected)  # reviews first (same session) to get the nonce
    certs.cancel_request(canceled, certs.review_request(canceled))
    assert certs.get_request(rejected).request_status == "rejected"
    assert certs.get_request(canceled).request_status == "canceled"
    assert certs.get_request(rejected).cert_id is None

    only_rejected = request_ids(
        certs.list_requests(request_status="rejected", size=1000, max_results=1000)
    )
    assert rejected in only_rejected and canceled not in only_rejected
    only_canceled = request_ids(
        certs.list_requests(
            request_status="canceled", request_type="enrollment", size=1000, max_results=1000
        )
    )
    assert canceled in only_canceled and rejected not in only_canceled

    # a closed request cannot be approved any more
    with pytest.raises(pki.BadRequestException):
        certs.approve_request(rejected)
    assert certs.get_request(rejected).request_status == "rejected"


def test_request_review_nonce_rules(dogtag_server: DogtagTestServer, conn: PKIConnection) -> None:
    certs = CertClient(conn)
    rid, _ = submit(certs, unique("rnonce") + ".example.com")
    review = certs.review_request(rid)

    forged = copy.deepcopy(review)
    forged.nonce = str(int(review.nonce) + 1)
    with pytest.raises(pki.ForbiddenException) as forbidden:
        certs.approve_request(rid, forged)
    assert forbidden.value.code == 403

    missing = copy.deepcopy(review)
    missing.nonce = None
    with pytest.raises(pki.BadRequestException):
        certs.approve_request(rid, missing)

    # the nonce belongs to this session: another agent session cannot use it
    other_conn = nss_connection(dogtag_server)
    with pytest.raises(pki.BadRequestException):
        CertClient(other_conn).approve_request(rid, review)
    other_conn.close()
    assert certs.get_request(rid).request_status == "pending"

    certs.approve_request(rid, review)
    assert certs.get_request(rid).request_status == "complete"

    # single use: the same review cannot act a second time
    with pytest.raises((pki.BadRequestException, pki.ForbiddenException)) as reused:
        certs.cancel_request(rid, review)
    assert reused.value.code in (400, 403)
    assert certs.get_request(rid).request_status == "complete"


def test_revocation_nonce_rules(dogtag_server: DogtagTestServer, conn: PKIConnection) -> None:
    certs = CertClient(conn)
    serial = enroll(certs, unique("cnonce") + ".example.com").serial_number

    fresh_conn = nss_connection(dogtag_server)
    fresh = CertClient(fresh_conn)
    # a fresh session that never fetched a nonce cannot revoke, whatever nonce it sends
    with pytest.raises(pki.BadRequestException) as no_get:
        fresh.revoke_cert(serial, revocation_reason="Certificate_Hold", nonce=12345)
    assert no_get.value.code == 400

    nonce = certs.review_cert(serial).nonce
    assert isinstance(nonce, int)
    with pytest.raises(pki.ForbiddenException) as wrong:
        certs.revoke_cert(serial, revocation_reason="Certificate_Hold", nonce=nonce + 1)
    assert wrong.value.code == 403
    # a nonce from another session is unknown in this one
    with pytest.raises(pki.BadRequestException):
        fresh.revoke_cert(serial, revocation_reason="Certificate_Hold", nonce=nonce)
    fresh_conn.close()
    assert certs.get_cert(serial).status == "VALID"

    certs.revoke_cert(serial, revocation_reason="Certificate_Hold", nonce=nonce)
    assert certs.get_cert(serial).status == "REVOKED"
    certs.unrevoke_cert(serial)
    assert certs.get_cert(serial).status == "VALID"

    # single use: the spent nonce does not revoke again
    with pytest.raises((pki.BadRequestException, pki.ForbiddenException)) as stale:
        certs.revoke_cert(serial, revocation_reason="Certificate_Hold", nonce=nonce)
    assert stale.value.code in (400, 403)
    assert certs.get_cert(serial).status == "VALID"


def test_ids_as_int_decimal_and_hex(conn: PKIConnection) -> None:
    certs = CertClient(conn)
    rid, _ = submit(certs, unique("ids") + ".example.com")
    number = int(rid)
    for form in (number, str(number), hex(number), f"0x{number:X}"):
        assert certs.get_request(form).request_id == rid
    review = certs.review_request(hex(number))
    certs.approve_request(number, review)
    info = certs.get_request(rid)
    serial = int(info.cert_id, 16)

    encoded = certs.get_cert(info.cert_id).encoded
    for form in (serial, str(serial), hex(serial), f"0x{serial:X}"):
        cert = certs.get_cert(form)
        assert cert.serial_number == info.cert_id
        assert cert.encoded == encoded
    assert certs.review_cert(str(serial)).serial_number == info.cert_id

    with pytest.raises(ValueError):
        certs.get_cert("not-a-serial")
    with pytest.raises(ValueError):
        certs.get_request("0xnothex")


# -- errors ------------------------------------------------------------------------------------


def test_error_mapping(dogtag_server: DogtagTestServer, conn: PKIConnection) -> None:
    certs = CertClient(conn)
    with pytest.raises(pki.CertNotFoundException) as cert_err:
        certs.get_cert(UNKNOWN_ID)
    assert isinstance(cert_err.value, pki.ResourceNotFoundException)
    assert cert_err.value.code == 404
    assert cert_err.value.ClassName == "com.netscape.certsrv.cert.CertNotFoundException"
    assert isinstance(cert_err.value.exception, requests.HTTPError)
    with pytest.raises(pki.CertNotFoundException):
        certs.review_cert(UNKNOWN_ID)
    with pytest.raises(pki.RequestNotFoundException) as req_err:
        certs.get_request(UNKNOWN_ID)
    assert req_err.value.code == 404
    with pytest.raises(pki.KeyNotFoundException) as key_err:
        KeyClient(conn).get_key_info(UNKNOWN_ID)
    assert key_err.value.code == 404
    with pytest.raises(pki.BadRequestException):  # Dogtag's CertRequestService: 400
        certs.get_enrollment_template("caNoSuchProfile")


def test_no_client_certificate_is_unauthorized(dogtag_server: DogtagTestServer) -> None:
    agent_conn = nss_connection(dogtag_server)
    serial = enroll(CertClient(agent_conn), unique("anon") + ".example.com").serial_number
    agent_conn.close()
    anon = PKIConnection(
        "https", "127.0.0.1", dogtag_server.port, cert_paths=[dogtag_server.info["ca_cert"]]
    )
    certs = CertClient(anon)
    # anonymous resources stay anonymous
    assert certs.get_cert(serial).serial_number == serial
    assert "caServerCert" in {p.profile_id for p in certs.list_enrollment_templates()}
    # agent and account resources need the certificate; Tomcat's 401 page is HTML, so (as
    # upstream) the caller gets requests' HTTPError itself
    calls = [
        lambda: certs.review_cert(serial),
        lambda: certs.revoke_cert(serial, nonce=1),
        lambda: certs.list_requests(),
        lambda: pki.account.AccountClient(anon, subsystem="kra").login(),
        lambda: KeyClient(anon).list_keys(),
    ]
    for call in calls:
        with pytest.raises(requests.HTTPError) as err:
            call()
        assert not isinstance(err.value, pki.PKIException)
        assert err.value.response.status_code == 401
        assert err.value.response.headers["WWW-Authenticate"].startswith("Basic realm=")
    assert CertClient(anon).get_cert(serial).status == "VALID"
    anon.close()


def test_agent_resources_refuse_the_non_agent(
    dogtag_server: DogtagTestServer, nonagent_user: TestUser
) -> None:
    """Authenticated from its own NSS database, but in no group: every agent call is 403,
    exactly upstream's ForbiddenException; public reads still work."""
    agent_conn = nss_connection(dogtag_server)
    serial = enroll(CertClient(agent_conn), unique("na") + ".example.com").serial_number
    rid, _ = submit(CertClient(agent_conn), unique("na-pending") + ".example.com")
    agent_conn.close()
    client = nss_client(dogtag_server, nonagent_user)
    certs = CertClient(pki.ca.CAClient(client))
    keys = KeyClient(pki.kra.KRAClient(client))
    calls = [
        lambda: certs.review_cert(serial),
        lambda: certs.revoke_cert(serial, nonce=1),
        lambda: certs.unrevoke_cert(serial),
        lambda: certs.list_requests(),
        lambda: certs.review_request(rid),
        lambda: keys.list_keys(unique("vault")),
        lambda: keys.list_requests(),
        lambda: keys.archive_key(unique("vault"), KeyClient.PASS_PHRASE_TYPE, b"secret"),
    ]
    for call in calls:
        with pytest.raises(pki.PKIException) as err:
            call()
        assert type(err.value) is pki.ForbiddenException
        assert err.value.code == 403 and err.value.message == "Authorization Error"
    assert certs.get_cert(serial).status == "VALID"
    assert certs.get_request(rid).request_status == "pending"
    assert pki.account.AccountClient(pki.kra.KRAClient(client)).login()["id"] == "nonagent"
    client.close()


# -- KRA ---------------------------------------------------------------------------------------


def test_kra_archive_and_retrieve_11_2_style(parent: Any) -> None:
    """The client makes the session key, wraps it and unwraps the answer itself."""
    keys = KeyClient(parent)
    cid = unique("vault")
    secret = b"correct horse battery staple " + os.urandom(8).hex().encode()
    response = keys.archive_key(cid, KeyClient.PASS_PHRASE_TYPE, secret)
    assert response.request_info is not None
    assert response.request_info.request_type == "securityDataEnrollment"
    assert response.request_info.request_status == "complete"
    key_id = response.get_key_id()
    assert key_id is not None and key_id.startswith("0x")

    info = keys.get_key_info(key_id)
    assert info.client_key_id == cid and info.status == "active"
    assert keys.get_active_key_info(cid).get_key_id() == key_id
    assert [k.get_key_id() for k in keys.list_keys(client_key_id=cid)] == [key_id]

    key = keys.retrieve_key(key_id)
    assert key.data == secret
    assert key.encrypted_data != secret

    sym_cid = unique("aes")
    aes_key = os.urandom(16)
    sym = keys.archive_key(
        sym_cid, KeyClient.SYMMETRIC_KEY_TYPE, aes_key, key_algorithm="AES", key_size=128
    )
    sym_info = keys.get_key_info(sym.get_key_id())
    assert (sym_info.algorithm, sym_info.size) == ("AES", 128)
    assert keys.retrieve_key(sym.get_key_id()).data == aes_key


def test_kra_archive_and_retrieve_11_10_style(parent: Any, dogtag_server: DogtagTestServer) -> None:
    """The caller wraps (with cryptography) and passes trans_wrapped_session_key."""
    kra = pki.kra.KRAClient(parent)
    if isinstance(parent, PKIClient):  # upstream master: the caller builds the clients
        assert kra.keys is None and kra.system_certs is None
        kra.keys = KeyClient(kra)
        kra.system_certs = pki.systemcert.SystemCertClient(kra)
    transport_data = kra.system_certs.get_transport_cert()
    expected = dogtag_server.materials.transport_cert.public_bytes(serialization.Encoding.DER)
    assert transport_data.binary == expected
    transport = x509.load_der_x509_certificate(transport_data.binary)

    cid = unique("ipa-vault")
    secret = os.urandom(40)
    session_key, iv = os.urandom(16), os.urandom(16)
    wrapped = transport.public_key().encrypt(session_key, asym_padding.PKCS1v15())
    response = kra.keys.archive_encrypted_data(
        cid,
        KeyClient.PASS_PHRASE_TYPE,
        cbc_encrypt(session_key, iv, secret),
        wrapped,
        algorithm_oid=pki.crypto.AES_128_CBC_OID,
        nonce_iv=iv,
    )
    key_id = response.get_key_id()
    assert kra.keys.get_key_info(key_id).client_key_id == cid

    crypto = pki.crypto.CryptographyCryptoProvider()
    retrieval_key = crypto.generate_session_key()
    wrapped_retrieval_key = crypto.asymmetric_wrap(retrieval_key, transport)
    key = kra.keys.retrieve_key(key_id, trans_wrapped_session_key=wrapped_retrieval_key)
    assert key.data is None  # the caller unwraps
    assert key.encrypted_data and key.nonce_data
    assert pki.crypto.keyset_for_oid(key.encrypt_algorithm_oid) == pki.crypto.KEYSET_AES
    clear = crypto.symmetric_unwrap(
        key.encrypted_data, retrieval_key, key.encrypt_algorithm_oid, nonce_iv=key.nonce_data
    )
    assert clear == secret


def test_kra_key_status_and_duplicate_client_key_id(conn: PKIConnection) -> None:
    keys = KeyClient(conn)
    cid = unique("dup")
    first = keys.archive_key(cid, KeyClient.PASS_PHRASE_TYPE, b"first").get_key_id()

    with pytest.raises(pki.ConflictingOperationException) as err:
        keys.archive_key(cid, KeyClient.PASS_PHRASE_TYPE, b"second")
    assert err.value.code == 409
    assert [k.get_key_id() for k in keys.list_keys(client_key_id=cid)] == [first]

    keys.modify_key_status(first, KeyClient.KEY_STATUS_INACTIVE)
    assert keys.get_key_info(first).status == "inactive"
    with pytest.raises(pki.KeyNotFoundException):
        keys.get_active_key_info(cid)
    assert not list(keys.list_keys(client_key_id=cid, status="active"))
    assert [k.get_key_id() for k in keys.list_keys(client_key_id=cid, status="inactive")] == [
        first
    ]

    # with the old key inactive the client key ID is free again
    second = keys.archive_key(cid, KeyClient.PASS_PHRASE_TYPE, b"second").get_key_id()
    assert second != first
    assert keys.get_active_key_info(cid).get_key_id() == second
    assert keys.retrieve_key(second).data == b"second"

    number = int(first, 16)
    for form in (number, str(number), hex(number)):
        assert keys.get_key_info(form).get_key_id() == first
    keys.modify_key_status(str(number), KeyClient.KEY_STATUS_ACTIVE)
    assert keys.get_key_info(first).status == "active"


def test_kra_recovery_requests(conn: PKIConnection) -> None:
    keys = KeyClient(conn)
    cid = unique("recover")
    secret = b"recover me " + os.urandom(6).hex().encode()
    key_id = keys.archive_key(cid, KeyClient.PASS_PHRASE_TYPE, secret).get_key_id()

    created = [
        keys.submit_request(pki.key.KeyRecoveryRequest(key_id=key_id)) for _ in range(3)
    ]
    approved, rejected, canceled = (r.get_request_id() for r in created)
    for response in created:
        assert response.request_info.request_type == "securityDataRecovery"
        assert response.request_info.request_status == "pending"
        assert response.get_key_id() == key_id

    pending = keys.list_requests(
        request_state="pending", request_type="securityDataRecovery", client_key_id=cid
    )
    assert key_request_ids(pending) == {approved, rejected, canceled}

    info = keys.get_request_info(approved)
    assert info.request_status == "pending" and info.get_key_id() == key_id
    number = int(approved)
    for form in (number, str(number), hex(number)):
        assert keys.get_request_info(form).get_request_id() == approved

    keys.approve_request(approved)
    assert keys.get_request_info(approved).request_status == "approved"
    assert keys.retrieve_key(request_id=approved).data == secret
    assert keys.get_request_info(approved).request_status == "complete"

    keys.reject_request(rejected)
    keys.cancel_request(canceled)
    assert keys.get_request_info(rejected).request_status == "rejected"
    assert keys.get_request_info(canceled).request_status == "canceled"
    assert key_request_ids(keys.list_requests(request_state="rejected", client_key_id=cid)) == {
        rejected
    }
    assert key_request_ids(keys.list_requests(request_state="canceled", client_key_id=cid)) == {
        canceled
    }
    assert not list(keys.list_requests(request_state="pending", client_key_id=cid))

    # a rejected recovery gives nothing back, and closed requests stay closed
    with pytest.raises(pki.PKIException) as refused:
        keys.retrieve_key(request_id=rejected)
    assert refused.value.code in (400, 401, 403)
    with pytest.raises(pki.BadRequestException):
        keys.approve_request(rejected)
    with pytest.raises(pki.RequestNotFoundException):
        keys.get_request_info(UNKNOWN_ID)


def test_kra_generate_symmetric_key(conn: PKIConnection) -> None:
    keys = KeyClient(conn)
    cid = unique("gen")
    usages = [pki.key.SymKeyGenerationRequest.ENCRYPT_USAGE,
              pki.key.SymKeyGenerationRequest.DECRYPT_USAGE]
    response = keys.generate_symmetric_key(cid, KeyClient.AES_ALGORITHM, 256, usages)
    assert response.request_info.request_type == "symkeyGenRequest"
    assert response.request_info.request_status == "complete"
    key_id = response.get_key_id()
    info = keys.get_key_info(key_id)
    assert (info.client_key_id, info.algorithm, info.size) == (cid, "AES", 256)

    first = keys.retrieve_key(key_id).data
    assert first is not None and len(first) == 32
    assert keys.retrieve_key(key_id).data == first  # the KRA kept that very key

    with pytest.raises(pki.ConflictingOperationException):
        keys.generate_symmetric_key(cid, KeyClient.AES_ALGORITHM, 128)
    with pytest.raises(pki.BadRequestException):
        keys.generate_symmetric_key(unique("gen-bad"), KeyClient.AES_ALGORITHM, 100)


def test_kra_retrieve_key_by_passphrase_needs_a_passphrase(conn: PKIConnection) -> None:
    keys = KeyClient(conn)
    key_id = keys.archive_key(unique("pbe0"), KeyClient.PASS_PHRASE_TYPE, b"pbe").get_key_id()
    with pytest.raises(TypeError):
        keys.retrieve_key_by_passphrase(key_id=key_id)  # no passphrase, no ready-made values
    with pytest.raises(TypeError):
        keys.retrieve_key_by_passphrase(passphrase="Secret.123")  # neither key nor request


def test_kra_retrieve_key_by_passphrase(conn: PKIConnection) -> None:
    keys = KeyClient(conn)
    key_id = keys.archive_key(unique("pbe"), KeyClient.PASS_PHRASE_TYPE, b"pbe").get_key_id()
    # The test server does not implement passphrase (PBE) recovery: it must say so clearly.
    with pytest.raises(pki.BadRequestException) as err:
        keys.retrieve_key_by_passphrase(key_id=key_id, passphrase="Secret.123")
    assert "assphrase" in err.value.message


def test_transport_certificate_from_server_and_nssdb(
    dogtag_server: DogtagTestServer, conn: PKIConnection, tmp_path: Path
) -> None:
    transport = dogtag_server.materials.transport_cert
    der = transport.public_bytes(serialization.Encoding.DER)

    from_server = pki.systemcert.SystemCertClient(conn, "kra").get_transport_cert()
    assert from_server.binary == der
    assert from_server.encoded.startswith("-----BEGIN CERTIFICATE-----")
    assert KeyClient(conn).get_transport_cert() == transport

    db = TestNSSDB(tmp_path / "kra-client-db", password="Transport.Db.1")
    db.add_cert(TRANSPORT_NICK, transport)
    password_conf = db.write_password_conf(tmp_path / "password.conf")
    db.cleanup()

    provider = pki.crypto.CryptographyCryptoProvider(
        nssdb=db.spec, nssdb_password_file=str(password_conf)
    )
    assert provider.get_cert(TRANSPORT_NICK) == transport

    keys = KeyClient(
        conn,
        transport_cert_nick=TRANSPORT_NICK,
        nssdb=db.spec,
        nssdb_password_file=str(password_conf),
    )
    assert keys.get_transport_cert() == transport
    secret = os.urandom(20)
    key_id = keys.archive_key(unique("nick"), KeyClient.PASS_PHRASE_TYPE, secret).get_key_id()
    assert keys.retrieve_key(key_id).data == secret

    # a nickname the database lacks is an error, not a silent fetch from the server
    missing = KeyClient(
        conn, transport_cert_nick="No Such Nickname", nssdb=db.spec,
        nssdb_password_file=str(password_conf),
    )
    with pytest.raises((KeyError, pki.PKIException), match="No Such Nickname"):
        missing.get_transport_cert()

    # upstream 11.2's way: the provider knows the certificate under a nickname
    pem = transport.public_bytes(serialization.Encoding.PEM)
    crypto = pki.crypto.CryptographyCryptoProvider(transport_cert_nick="kra", transport_cert=pem)
    kra = pki.kra.KRAClient(conn, crypto, "kra")
    assert kra.keys.get_transport_cert() == transport
    key_id = kra.keys.archive_key(unique("nick11"), KeyClient.PASS_PHRASE_TYPE, b"x").get_key_id()
    assert kra.keys.retrieve_key(key_id).data == b"x"


def test_kra_oaep_transport_wrapping(tmp_path: Path) -> None:
    with DogtagTestServer(tmp_path / "oaep", oaep=True) as server:
        conn = nss_connection(server)
        keys = KeyClient(conn)  # reads RsaPublicKeyWrapAlgorithm=RSA_OAEP from /kra/rest/info
        secret = os.urandom(24)
        key_id = keys.archive_key("oaep", KeyClient.PASS_PHRASE_TYPE, secret).get_key_id()
        assert keys.retrieve_key(key_id).data == secret

        pkcs1 = KeyClient(conn, oaep=False)
        with pytest.raises(pki.BadRequestException):
            pkcs1.archive_key("pkcs1", KeyClient.PASS_PHRASE_TYPE, secret)
        conn.close()


# -- info and API detection --------------------------------------------------------------------


def test_info_and_api_detection(dogtag_server: DogtagTestServer, tmp_path: Path) -> None:
    conn = nss_connection(dogtag_server)
    info_client = pki.info.InfoClient(conn)
    info = info_client.get_info()
    assert info.version == "11.7.0"
    assert info.Name == "Dogtag Test Server"
    version = info_client.get_version()
    assert version == pki.info.Version("11.7.0")
    assert version >= (11, 6) and version.minor == 7
    conn.close()

    client = nss_client(dogtag_server)
    assert client.get_api_path() == "v2"
    assert pki.info.InfoClient(client).get_version() == (11, 7, 0)
    client.close()

    with DogtagTestServer(tmp_path / "old", version="11.5.0") as old:
        old_client = nss_client(old)
        assert old_client.get_api_path() == "rest"
        assert pki.info.InfoClient(old_client).get_version() == pki.info.Version("11.5.0")
        with pytest.raises(requests.HTTPError) as no_v2:
            old_client.connection.get("/pki/v2/info")
        assert no_v2.value.response.status_code == 404

        # resource clients follow the detected path: /ca/rest/... (v1 responses carry URLs)
        certs = CertClient(old_client)
        csr, _ = make_csr(unique("old") + ".example.com")
        result = certs.enroll_cert("caServerCert", pkcs10_inputs(csr))[0]
        assert result.request.request_status == "complete"
        rid = result.request.request_id
        assert result.request.request_url.endswith(f"/ca/rest/certrequests/{rid}")
        assert result.cert is not None and result.cert.status == "VALID"
        # a connection-only InfoClient on the old server falls back from v2 to rest
        old_conn = nss_connection(old)
        assert pki.info.InfoClient(old_conn).get_version() == (11, 5, 0)
        old_conn.close()
        old_client.close()


# -- API choice on a bare connection and in PKIClient ----------------------------------------


def test_bare_connection_asks_once_and_uses_v2(dogtag_server: DogtagTestServer) -> None:
    """FreeIPA vault's form, KRAClient(pki_client.connection, crypto): /v2/ on an 11.6+ server,
    decided by one request however many clients and threads use the connection."""
    conn = nss_connection(dogtag_server)
    seen = record_paths(conn)
    kra = pki.kra.KRAClient(conn, pki.crypto.CryptographyCryptoProvider())
    account = pki.account.AccountClient(conn, subsystem="kra")
    account.login()
    cid = unique("bare")
    assert not list(kra.keys.list_keys(cid, KeyClient.KEY_STATUS_ACTIVE))
    assert kra.system_certs.get_transport_cert().binary
    account.logout()
    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(lambda _: CertClient(conn).get_cert(1).status, range(8)))
    assert statuses == ["VALID"] * 8
    assert conn.api_path == "v2"
    assert seen.count("/pki/v2/info") == 1 and "/pki/rest/info" not in seen
    assert {p.split("/")[2] for p in seen if not p.startswith("/pki/")} == {"v2"}
    conn.close()


def test_bare_connection_on_a_server_before_11_6_uses_rest(tmp_path: Path) -> None:
    with DogtagTestServer(tmp_path / "old", version="11.5.0") as old:
        conn = nss_connection(old)
        seen = record_paths(conn)
        assert CertClient(conn).get_cert(1).serial_number == "0x1"
        assert pki.systemcert.SystemCertClient(conn).get_transport_cert().binary
        assert conn.get_api_path() == "rest"
        assert seen == [
            "/pki/v2/info",  # 404: no v2 before 11.6
            "/pki/rest/info",
            "/ca/rest/certs/0x1",
            "/kra/rest/config/cert/transport",
        ]
        conn.close()


def test_pki_client_connect_fills_info_version_and_api(dogtag_server: DogtagTestServer) -> None:
    client = PKIClient(dogtag_server.url, ca_bundle=dogtag_server.info["ca_cert"])
    assert client.url.hostname == "127.0.0.1" and client.url.port == dogtag_server.port
    assert (client.info, client.server_version, client.api_version, client.api_path) == (
        None, None, None, None
    )
    seen = record_paths(client.connection)
    info = client.get_info()
    assert isinstance(info, pki.info.Info) and info.version == "11.7.0"
    assert info.Name == "Dogtag Test Server"
    version = client.get_server_version()
    assert isinstance(version, pki.util.Version) and version == pki.util.Version("11.7.0")
    assert (version.major, version.minor, version.patch) == (11, 7, 0)
    assert (client.get_api_version(), client.get_api_path()) == ("v2", "v2")
    assert seen == ["/pki/v2/info"]  # connect() once for all four
    assert client.info_client.pki_client is client
    client.close()

    # an explicit API version is kept; connect() only reads the info, on that API
    v1 = PKIClient(dogtag_server.url, ca_bundle=dogtag_server.info["ca_cert"], api_version="v1")
    seen = record_paths(v1.connection)
    assert (v1.get_api_path(), v1.get_api_version()) == ("rest", "v1")
    assert seen == []
    assert v1.get_server_version() == pki.util.Version("11.7.0")
    assert seen == ["/pki/rest/info"] and v1.api_path == "rest"
    v1.close()


def test_pki_client_on_a_server_before_11_6(tmp_path: Path) -> None:
    with DogtagTestServer(tmp_path / "old", version="11.5.0") as old:
        client = nss_client(old)
        client.connect()
        assert (client.api_version, client.api_path) == ("v1", "rest")
        assert client.server_version == pki.util.Version("11.5.0")
        # resource clients follow: /ca/rest/... (v1 responses carry URLs)
        certs = CertClient(pki.ca.CAClient(client))
        csr, _ = make_csr(unique("old") + ".example.com")
        request = certs.enroll_cert("caServerCert", pkcs10_inputs(csr))[0].request
        assert request.request_url.endswith(f"/ca/rest/certrequests/{request.request_id}")
        client.close()


def test_freeipa_support_v2(dogtag_server: DogtagTestServer, tmp_path: Path) -> None:
    client = support_v2(PKIClient(dogtag_server.url, ca_bundle=dogtag_server.info["ca_cert"]))
    assert (client.api_path, client.api_version) == ("v2", "v2")
    client.set_client_auth(**nss_kwargs(dogtag_server))
    seen = record_paths(client.connection)
    account = client.connection.get(f"/ca/{client.get_api_path()}/account/login").json()
    assert account["id"] == CA_ADMIN
    assert CertClient(pki.ca.CAClient(client)).get_cert(1).status == "VALID"
    assert seen == ["/ca/v2/account/login", "/ca/v2/certs/0x1"]
    client.close()

    with DogtagTestServer(tmp_path / "old", version="11.5.0") as old:
        # only /pki/v2/info is asked (it answers 404): FreeIPA falls back to rest
        v2_only = PKIClient(old.url, ca_bundle=old.info["ca_cert"], api_version="v2")
        with pytest.raises(pki.PKIException, match="/pki/v2/info not found"):
            v2_only.info_client.get_info()
        fallback = support_v2(PKIClient(old.url, ca_bundle=old.info["ca_cert"]))
        assert (fallback.api_path, fallback.api_version) == ("rest", "v1")
        assert CertClient(pki.ca.CAClient(fallback)).get_cert(1).serial_number == "0x1"
        fallback.close()


# -- system certificates, authorities, errors --------------------------------------------------


def test_ca_and_kra_system_cert_clients(parent: Any, dogtag_server: DogtagTestServer) -> None:
    ca = pki.ca.CAClient(parent)
    signing = pki.ca.CASystemCertClient(ca).get_signing_cert()
    ca_cert = dogtag_server.materials.ca.cert
    assert signing.binary == ca_cert.public_bytes(serialization.Encoding.DER)
    assert x509.load_pem_x509_certificate(signing.encoded.encode()) == ca_cert
    transport_der = dogtag_server.materials.transport_cert.public_bytes(serialization.Encoding.DER)
    assert pki.ca.CASystemCertClient(ca).get_transport_cert().binary == transport_der
    kra = pki.kra.KRAClient(parent)
    assert pki.kra.KRASystemCertClient(kra).get_transport_cert().binary == transport_der


def test_authority_list_and_get(parent: Any, dogtag_server: DogtagTestServer) -> None:
    authorities = pki.authority.AuthorityClient(pki.subsystem.SubsystemClient(parent, "ca"))
    cas = authorities.list_cas()
    hosts = [ca for ca in cas.ca_list if ca.is_host_authority]
    assert len(hosts) == 1
    host = hosts[0]
    ca_cert = dogtag_server.materials.ca.cert
    assert host.dn == pki.convert_x509_name_to_dn(ca_cert.subject)
    assert host.enabled is True and host.parent_aid is None
    assert host.issuerDN == pki.convert_x509_name_to_dn(ca_cert.issuer)  # kept as FreeIPA reads it
    again = authorities.get_ca(host.aid)
    assert (again.aid, again.dn, again.is_host_authority) == (host.aid, host.dn, True)
    assert authorities.get_ca("host-authority").aid == host.aid
    with pytest.raises((requests.HTTPError, pki.ResourceNotFoundException)) as err:
        authorities.get_ca(str(uuid.uuid4()))
    assert http_status(err.value) == 404
    with pytest.raises(ValueError):
        authorities.get_cert(host.aid, "TXT")  # refused before any request


def test_error_classes_are_exactly_upstreams(dogtag_server: DogtagTestServer) -> None:
    """FreeIPA compares ``type(exc)`` with pki.ProfileNotFoundException & co: exact classes."""
    conn = nss_connection(dogtag_server)
    certs = CertClient(conn)
    for call, expected in (
        (lambda: certs.get_cert(UNKNOWN_ID), pki.CertNotFoundException),
        (lambda: certs.get_request(UNKNOWN_ID), pki.RequestNotFoundException),
        (lambda: certs.get_enrollment_template("caNoSuchProfile"), pki.BadRequestException),
        (lambda: KeyClient(conn).get_key_info(UNKNOWN_ID), pki.KeyNotFoundException),
    ):
        with pytest.raises(pki.PKIException) as err:
            call()
        assert type(err.value) is expected
        assert isinstance(err.value.__cause__, requests.HTTPError)

    @pki.handle_exceptions()
    def fetch(path: str) -> Any:  # the decorator on a plain function
        return conn.get(path)

    # v2 answers an unknown path with a bare 404: the HTTPError itself comes out
    with pytest.raises(requests.HTTPError) as bare:
        fetch("/ca/v2/no/such/resource")
    assert not isinstance(bare.value, pki.PKIException)
    assert bare.value.response.status_code == 404
    # v1 answers it with a Dogtag JSON body
    with pytest.raises(pki.ResourceNotFoundException) as mapped:
        fetch("/ca/rest/no/such/resource")
    assert mapped.value.code == 404
    conn.close()


def test_issue_cert_using_the_host_authority(dogtag_server: DogtagTestServer) -> None:
    client = nss_client(dogtag_server)
    ca = pki.ca.CAClient(client)
    host = next(a for a in pki.authority.AuthorityClient(ca).list_cas() if a.is_host_authority)
    certs = CertClient(ca)
    seen = record_paths(client.connection)
    results = pki.authority.issue_cert_using_authority(certs, host.aid)
    assert len(results) == 1 and results[0].cert is not None
    issued = load_pem(results[0].cert)
    issued.verify_directly_issued_by(dogtag_server.materials.ca.cert)
    assert issued.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == host.aid
    submit_urls = [p for p in seen if p == "/ca/v2/certrequests"]
    assert submit_urls  # the request went to the CA's v2 certrequests...
    # ...with the caller's inputs too, and an unknown authority is refused
    csr, _ = make_csr(unique("subca") + ".example.com")
    assert pki.authority.issue_cert_using_authority(certs, host.aid, pkcs10_inputs(csr))[0].cert
    # (the server names a class upstream does not map, so the HTTPError comes out as it is)
    with pytest.raises((requests.HTTPError, pki.ResourceNotFoundException)) as unknown:
        pki.authority.issue_cert_using_authority(certs, str(uuid.uuid4()))
    assert http_status(unknown.value) == 404
    client.close()
