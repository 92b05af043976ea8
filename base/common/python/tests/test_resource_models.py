"""Pure tests of the resource layer and the CA/KRA clients: data classes, IDs, paths, query
parameters, wrapping.

Nothing here talks to a server: the connections are real ``PKIConnection``/``PKIClient``
objects (building one touches neither NSS nor the network) whose API path is set, pointed at a
closed port, so that a request made by mistake fails. The over-HTTPS tests against
``pki.testing.server`` exercise the same clients; these pin down what the clients send and how
they read what comes back.
"""

from __future__ import annotations

import base64
import copy
import datetime
import json
import os

import pki
import pki.crypto
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, keywrap, padding
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from pki.account import AccountClient
from pki.ca import CAClient
from pki.cert import (
    CertClient,
    CertData,
    CertDataInfoCollection,
    CertEnrollmentRequest,
    CertRequestInfo,
    CertRequestInfoCollection,
    CertReviewResponse,
    CertRevokeRequest,
    CertSearchRequest,
    list_certs_params,
    list_requests_params,
)
from pki.client import PKIClient, PKIConnection
from pki.info import Info, InfoClient, Version
from pki.key import (
    Key,
    KeyArchivalRequest,
    KeyClient,
    KeyData,
    KeyInfo,
    KeyInfoCollection,
    KeyRecoveryRequest,
    KeyRequestInfo,
    KeyRequestInfoCollection,
    KeyRequestResponse,
    SymKeyGenerationRequest,
    list_key_requests_params,
    list_keys_params,
)
from pki.kra import KRAClient
from pki.profile import ProfileDataInfoCollection
from pki.resource import ResourceClient, clean_params, dump_json, parse_id
from pki.subsystem import SubsystemClient
from pki.systemcert import SystemCertClient

# --- helpers ---------------------------------------------------------------------------------


CLOSED_PORT = "1"  # nothing listens there: a request made by mistake fails at once


def offline_connection(subsystem: str | None = None, api_path: str = "rest") -> PKIConnection:
    """A real connection that never needs to ask the server which API it serves."""
    conn = PKIConnection("https", "127.0.0.1", CLOSED_PORT, subsystem)
    conn.api_path = api_path
    return conn


def offline_client(api_path: str = "v2") -> PKIClient:
    """A real PKIClient whose API path is known (as after ``connect()``)."""
    client = PKIClient(f"https://127.0.0.1:{CLOSED_PORT}", api_version="v1" if api_path ==
                       "rest" else "v2")
    return client


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def transport_cert(rsa_key: rsa.RSAPrivateKey) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "DRM Transport Certificate")])
    now = datetime.datetime.now(datetime.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(rsa_key.public_key())
        .serial_number(0x1F)
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(rsa_key, hashes.SHA256())
    )


# --- IDs, versions, paths --------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [(31, 31), ("31", 31), ("0x1f", 31), ("0X1F", 31), (" 0x1f ", 31), (pki.key.RequestId(7), 7)],
)
def test_parse_id_accepts_decimal_and_hex(value, expected):
    assert parse_id(value) == expected


@pytest.mark.parametrize("value", [None, "", "1f", "0xzz", -1, True, "abc"])
def test_parse_id_rejects_garbage(value):
    with pytest.raises(ValueError):
        parse_id(value)


def test_version_parses_and_compares():
    assert Version("11") == (11, 0, 0)
    assert Version("11.5") < Version("11.6.0") <= Version("11.6.0-beta1") == (11, 6, 0)
    assert Version("10.4.1") >= (10, 4)
    assert str(Version("11.2")) == "11.2.0"
    assert Version("11.10.1").minor == 10
    with pytest.raises(ValueError):
        Version("1.2.3.4")
    with pytest.raises(ValueError):
        Version("eleven")


def test_info_from_json_maps_known_and_keeps_other_fields():
    info = Info.from_json({"Name": "Dogtag", "Version": "11.5.0", "Banner": "hi"})
    assert (info.version, info.banner, info.Name) == ("11.5.0", "hi", "Dogtag")
    assert info.to_json() == {"Name": "Dogtag", "Version": "11.5.0", "Banner": "hi"}
    assert Info("11.6.0", "welcome").banner == "welcome"  # upstream's positional order
    assert Info.json_attribute_names == {"Version": "version", "Banner": "banner"}


def test_paths_for_connection_client_and_subsystem_client():
    conn = offline_connection()
    assert CertClient(conn).resource_path("certs/0x1") == ("/ca/rest/certs/0x1", False)
    # Deprecated subsystem prefix on the connection: relative path for that subsystem,
    # root URI for any other one.
    kra_conn = offline_connection(subsystem="kra")
    assert KeyClient(kra_conn).resource_path("agent/keys") == ("/rest/agent/keys", False)
    assert InfoClient(kra_conn).resource_path("info") == ("/pki/rest/info", True)
    assert AccountClient(kra_conn).subsystem_name == "kra"
    client = offline_client("v2")
    assert CertClient(client).resource_path("certs") == ("/ca/v2/certs", False)
    ca = CAClient(client)
    certs = CertClient(ca)
    assert certs.resource_path("certrequests")[0] == "/ca/v2/certrequests"
    # upstream's attributes: the subsystem client, the PKIClient, the connection
    assert (certs.ca_client, certs.pki_client, certs.connection) == (ca, client, client.connection)
    assert certs.headers == {"Content-type": "application/json", "Accept": "application/json"}
    kra = KRAClient(offline_connection(), None)
    assert kra.keys.resource_path("agent/keys")[0] == "/kra/rest/agent/keys"
    assert kra.keys.kra_client is None and kra.keys.info_client is kra.info
    assert kra.system_certs.resource_path("config/cert/transport")[0] == (
        "/kra/rest/config/cert/transport"
    )
    assert AccountClient(kra).resource_path("account/login")[0] == "/kra/rest/account/login"
    assert AccountClient(offline_connection()).subsystem_name == "ca"
    assert AccountClient(client, "kra").resource_path("account/logout")[0] == (
        "/kra/v2/account/logout"
    )
    sub = SubsystemClient(client, "kra")
    assert AccountClient(sub).resource_path("account/login")[0] == "/kra/v2/account/login"
    assert SystemCertClient(offline_connection()).subsystem_name == "kra"
    assert InfoClient(client)._api_paths() == ["v2"]
    assert InfoClient(offline_connection())._api_paths() == ["v2", "rest"]
    with pytest.raises(TypeError, match="not object"):
        CertClient(object())
    with pytest.raises(pki.PKIException, match="Missing subsystem"):
        ResourceClient(offline_connection())


def test_kra_client_fills_its_clients_only_on_a_bare_connection(transport_cert):
    crypto = pki.crypto.CryptographyCryptoProvider("transport", transport_cert)
    # FreeIPA vault's form: KRAClient(pki_client.connection, crypto)
    conn = offline_connection(api_path="v2")
    legacy = KRAClient(conn, crypto)
    assert (legacy.name, legacy.parent, legacy.connection, legacy.crypto) == (
        "kra", conn, conn, crypto
    )
    assert isinstance(legacy.keys, KeyClient) and legacy.keys.crypto is crypto
    assert legacy.keys.resource_path("agent/keys")[0] == "/kra/v2/agent/keys"
    assert isinstance(legacy.system_certs, SystemCertClient)
    assert isinstance(legacy.info, InfoClient)
    # 11.2's third argument still reaches the KeyClient
    assert KRAClient(conn, crypto, "transport").keys.get_transport_cert() == transport_cert
    # upstream master: on a PKIClient the caller builds what it needs
    client = offline_client()
    modern = KRAClient(client, crypto)
    assert (modern.keys, modern.system_certs, modern.info, modern.crypto) == (None,) * 4
    assert modern.connection is client.connection
    assert KeyClient(modern).resource_path("agent/keys")[0] == "/kra/v2/agent/keys"


def test_query_parameters():
    assert list_requests_params("pending", "enrollment", "0x10", 5, 100, 10) == {
        "requestState": "pending",
        "requestType": "enrollment",
        "start": "16",
        "pageSize": 5,
        "maxResults": 100,
        "maxTime": 10,
    }
    assert "requestStatus" not in list_requests_params("pending")
    assert list_certs_params(size=0x7FFFFFFF) == {"size": 0x7FFFFFFF}
    assert list_keys_params("vault-1", "active", realm="r1") == {
        "clientKeyID": "vault-1",
        "status": "active",
        "realm": "r1",
    }
    assert list_key_requests_params("complete", "securityDataEnrollment", start=3) == {
        "requestState": "complete",
        "requestType": "securityDataEnrollment",
        "start": "3",
    }
    assert clean_params({"a": None, "b": True, "c": 0}) == {"b": "true", "c": 0}
    assert clean_params({"a": None}) is None


# --- certificates ----------------------------------------------------------------------------

CERT_JSON = {
    "id": "0x1f",
    "IssuerDN": "CN=CA Signing Certificate",
    "SubjectDN": "CN=server.example.com",
    "Encoded": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    "NotBefore": "Mon Jan 01 00:00:00 UTC 2024",
    "Status": "REVOKED",
    "Nonce": 1234567890123,
    "RevokedOn": 1700000000000,
    "RevocationReason": 1,
}


def test_cert_data_round_trip_keeps_unknown_fields():
    cert = CertData.from_json(CERT_JSON)
    assert cert.serial_number == "0x1f"
    assert cert.nonce == 1234567890123
    assert cert.RevocationReason == 1  # FreeIPA reads this spelling
    assert cert.to_json() == CERT_JSON
    assert "MIIB" not in repr(cert)


@pytest.mark.parametrize(
    "entries, count",
    [([{"id": "0x1"}, {"id": "0x2"}], 2), ({"id": "0x1"}, 1), (None, 0), ([], 0)],
)
def test_collections_accept_list_single_or_missing_entries(entries, count):
    body = {"total": count} if entries is None else {"total": count, "entries": entries}
    certs = CertDataInfoCollection.from_json(body)
    assert len(list(certs)) == count == len(certs.cert_data_info_list)
    keys = KeyInfoCollection.from_json(body)
    assert len(keys.key_infos) == count


def test_cert_data_info_fields():
    certs = CertDataInfoCollection.from_json(
        {
            "entries": [
                {
                    "id": "0xa",
                    "SubjectDN": "CN=x",
                    "IssuerDN": "CN=ca",
                    "Status": "VALID",
                    "NotValidBefore": 1,
                    "NotValidAfter": 2,
                    "Link": {"rel": "self"},
                }
            ],
            "total": 1,
            "Link": [{"rel": "next"}],
        }
    )
    info = certs.cert_data_info_list[0]
    assert (info.serial_number, info.status, info.not_valid_after) == ("0xa", "VALID", 2)
    assert certs.total == 1 and certs.links == [{"rel": "next"}]


def test_cert_request_info_ids():
    v2 = CertRequestInfo.from_json(
        {
            "requestID": "0x1a",
            "requestType": "enrollment",
            "requestStatus": "complete",
            "certId": "0x1f",
            "operationResult": "success",
        }
    )
    assert (v2.request_id, v2.cert_id, v2.request_status) == ("26", "0x1f", "complete")
    assert int(v2.request_id) == 26 and int(v2.cert_id, 16) == 31  # what FreeIPA does
    v1 = CertRequestInfo.from_json(
        {"requestURL": "https://ca:8443/ca/rest/certrequests/26", "requestStatus": "pending"}
    )
    assert v1.request_id == "26"
    assert "request_id" not in v2.to_json() and v2.to_json()["requestID"] == "0x1a"
    requests = CertRequestInfoCollection.from_json({"entries": {"requestID": "0x2"}})
    assert [r.request_id for r in requests] == ["2"]


def test_search_request_sends_email_and_in_use_flags():
    body = CertSearchRequest(email="a@example.com", status="VALID", serial_from="0x10").to_json()
    assert body == {
        "email": "a@example.com",
        "subjectInUse": True,
        "status": "VALID",
        "serialFrom": "16",
        "serialNumberRangeInUse": True,
    }
    assert "eMail" not in body
    assert CertSearchRequest().to_json() == {"serialNumberRangeInUse": True}
    dates = CertSearchRequest(issued_on_from="1700000000000", revocation_reason="1").to_json()
    assert dates["issuedOnInUse"] and dates["revocationReasonInUse"]
    with pytest.raises(ValueError):
        CertSearchRequest(bogus=1)


def test_revoke_request_reasons():
    req = CertRevokeRequest(42, "key_compromise", comments="lost laptop")
    assert req.to_json() == {"Nonce": 42, "Reason": "Key_Compromise", "Comments": "lost laptop"}
    assert CertRevokeRequest(1).Reason == "Unspecified"
    assert CertRevokeRequest(1, 6).Reason == "Certificate_Hold"
    when = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    assert CertRevokeRequest(1, invalidity_date=when).InvalidityDate == 1704067200000
    for bad in ("NOTUSED", 7, "bogus"):
        with pytest.raises(ValueError):
            CertRevokeRequest(1, bad)


TEMPLATE_JSON = {
    "ProfileID": "caServerCert",
    "Renewal": False,
    "Input": [
        {
            "id": "i1",
            "ClassID": "certReqInputImpl",
            "Name": "Certificate Request Input",
            "Attribute": [
                {
                    "name": "cert_request_type",
                    "Value": "",
                    "Descriptor": {"Syntax": "cert_request_type", "Description": "Type"},
                },
                {"name": "cert_request", "Value": ""},
            ],
            "ConfigAttribute": [],
        },
        {
            "id": "i2",
            "ClassID": "submitterInfoInputImpl",
            "Attribute": {"name": "requestor_name", "Value": ""},
            "ConfigAttribute": [],
        },
    ],
    "Output": [
        {"id": "o1", "name": "Certificate Output", "classId": "certOutputImpl", "attributes": []}
    ],
}


def test_enrollment_template_round_trip_and_fill():
    template = CertEnrollmentRequest.from_json(copy.deepcopy(TEMPLATE_JSON))
    assert template.profile_id == "caServerCert"
    assert [i.profile_input_id for i in template.inputs] == ["i1", "i2"]
    assert template.inputs[0].get_attribute("cert_request_type").descriptor.syntax == (
        "cert_request_type"
    )
    expected = copy.deepcopy(TEMPLATE_JSON)
    expected["Input"][1]["Attribute"] = [expected["Input"][1]["Attribute"]]
    assert json.loads(dump_json(template)) == expected

    template.set_input_values({"cert_request_type": "pkcs10", "cert_request": "CSR"})
    body = template.to_json()
    values = {a["name"]: a["Value"] for a in body["Input"][0]["Attribute"]}
    assert values == {"cert_request_type": "pkcs10", "cert_request": "CSR"}
    assert "CSR" not in repr(template)


def test_review_response_is_posted_back_as_received():
    review_json = dict(
        copy.deepcopy(TEMPLATE_JSON),
        nonce="8371927319",
        requestId="0x1a",
        requestType="enrollment",
        requestStatus="pending",
        requestOwner="",
        profileName="Server Certificate",
        ProfilePolicySet=[
            {
                "policies": [
                    {
                        "id": "1",
                        "def": {"id": "Subject Name Default", "policyAttribute": []},
                        "constraint": {"id": "Subject Name Constraint", "constraint": []},
                    }
                ]
            }
        ],
    )
    review_json["Input"][1]["Attribute"] = [review_json["Input"][1]["Attribute"]]
    review = CertReviewResponse.from_json(copy.deepcopy(review_json))
    assert (review.nonce, review.request_id, review.request_status) == (
        "8371927319",
        "0x1a",
        "pending",
    )
    assert json.loads(dump_json(review)) == review_json


def test_profile_list():
    profiles = ProfileDataInfoCollection.from_json(
        {
            "total": 2,
            "entries": [
                {"profileId": "caServerCert", "profileName": "Server"},
                {"profileId": "caUserCert", "profileName": "User"},
            ],
        }
    )
    assert [p.profile_id for p in profiles] == ["caServerCert", "caUserCert"]


# --- KRA data classes ------------------------------------------------------------------------


@pytest.mark.parametrize("capitalised", [False, True])
def test_key_request_response_reads_both_spellings(capitalised):
    info_key, data_key = ("RequestInfo", "KeyData") if capitalised else ("requestInfo", "keyData")
    body = {
        info_key: {
            "requestID": "0x5",
            "requestType": "securityDataEnrollment",
            "requestStatus": "complete",
            "keyURL": "https://kra:8443/kra/rest/agent/keys/0x3",
        },
        data_key: {"wrappedPrivateData": "AAEC", "nonceData": "AwQ="},
    }
    response = KeyRequestResponse.from_json(body)
    assert response.get_request_id() == "5"
    assert response.get_key_id() == "0x3"
    assert response.key_data is not None and response.key_data.wrapped_private_data == "AAEC"


def test_key_info_and_request_info_ids():
    info = KeyInfo.from_json(
        {
            "keyId": "0x3",
            "keyURL": "https://kra/kra/rest/agent/keys/0x3",
            "clientKeyID": "vault-1",
            "status": "active",
            "publicKey": base64.b64encode(b"pub").decode(),
        }
    )
    assert (info.get_key_id(), info.client_key_id, info.public_key) == ("0x3", "vault-1", b"pub")
    assert info.to_json()["publicKey"] == base64.b64encode(b"pub").decode()
    assert KeyInfo.from_json({"keyURL": "https://kra/kra/rest/agent/keys/3"}).get_key_id() == (
        "0x3"
    )
    legacy = KeyRequestInfo.from_json({"requestURL": "https://kra/kra/rest/agent/keyrequests/12"})
    assert legacy.get_request_id() == "12"
    requests = KeyRequestInfoCollection.from_json({"entries": [{"requestID": "0xc"}]})
    assert [r.get_request_id() for r in requests] == ["12"]


def test_key_messages_leave_out_missing_attributes():
    gen = SymKeyGenerationRequest("vek 123", 128, "AES", ["encrypt", "decrypt"])
    assert gen.to_json() == {
        "ClassName": "com.netscape.certsrv.key.SymKeyGenerationRequest",
        "Attributes": {
            "Attribute": [
                {"name": "clientKeyID", "value": "vek 123"},
                {"name": "keySize", "value": 128},
                {"name": "keyAlgorithm", "value": "AES"},
                {"name": "keyUsage", "value": "encrypt,decrypt"},
            ]
        },
    }
    recovery = KeyRecoveryRequest(key_id=3, request_id="0xc", trans_wrapped_session_key="dHdzaw==")
    attrs = {a["name"]: a["value"] for a in recovery.to_json()["Attributes"]["Attribute"]}
    assert attrs == {"keyId": "0x3", "requestId": "12", "transWrappedSessionKey": "dHdzaw=="}
    archival = KeyArchivalRequest("c1", "passPhrase", wrapped_private_data="ZGF0YQ==")
    names = [a.name for a in archival.Attributes.Attribute]
    assert names == ["clientKeyID", "dataType", "wrappedPrivateData"]
    assert "ZGF0YQ" not in repr(archival)


def test_key_decodes_key_data():
    body = {"wrappedPrivateData": "AAEC", "nonceData": "AwQ=", "requestID": "0x1"}
    key = Key(KeyData.from_json(body))
    assert (key.encrypted_data, key.nonce_data, key.data) == (b"\x00\x01\x02", b"\x03\x04", None)
    empty = Key(KeyData.from_json({}))
    assert empty.encrypted_data is None and empty.nonce_data is None


# --- crypto ----------------------------------------------------------------------------------


@pytest.mark.parametrize("keyset, key_len, iv_len", [(1, 16, 16), (0, 24, 8)])
def test_symmetric_round_trip(keyset, key_len, iv_len):
    provider = pki.crypto.CryptographyCryptoProvider()
    provider.set_algorithm_keyset(keyset)
    session_key = provider.generate_session_key()
    iv = provider.generate_nonce_iv()
    assert (len(session_key), len(iv)) == (key_len, iv_len)
    secret = b"my vault secret \x00\xff"
    wrapped = provider.symmetric_wrap(secret, session_key, nonce_iv=iv)
    assert wrapped != secret and len(wrapped) % iv_len == 0
    assert provider.symmetric_unwrap(wrapped, session_key, nonce_iv=iv) == secret


def test_aes_wrap_matches_plain_aes_128_cbc():
    provider = pki.crypto.CryptographyCryptoProvider()
    key, iv = os.urandom(16), os.urandom(16)
    wrapped = provider.symmetric_wrap(b"abc", key, nonce_iv=iv)
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(wrapped) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    assert unpadder.update(padded) + unpadder.finalize() == b"abc"
    # The OID names the cipher too.
    assert provider.symmetric_unwrap(wrapped, key, pki.crypto.AES_128_CBC_OID, iv) == b"abc"


@pytest.mark.parametrize("mechanism", [None, "RSA", "RSA_OAEP"])
def test_asymmetric_wrap_round_trip(rsa_key, transport_cert, mechanism):
    provider = pki.crypto.CryptographyCryptoProvider("transport", transport_cert)
    session_key = provider.generate_session_key()
    wrapped = provider.asymmetric_wrap(session_key, transport_cert, mechanism)
    if mechanism == "RSA_OAEP":
        pad: asym_padding.AsymmetricPadding = asym_padding.OAEP(
            mgf=asym_padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None
        )
    else:
        pad = asym_padding.PKCS1v15()
    assert rsa_key.decrypt(wrapped, pad) == session_key
    # By nickname, PEM and DER give the same key.
    assert provider.get_cert("transport") is transport_cert
    pem = transport_cert.public_bytes(Encoding.PEM)
    der = transport_cert.public_bytes(Encoding.DER)
    assert pki.crypto.load_certificate(pem) == pki.crypto.load_certificate(der) == transport_cert


def test_provider_upstream_constructor_and_unknown_nick(transport_cert, tmp_path):
    pem_file = tmp_path / "transport.pem"
    pem_file.write_bytes(transport_cert.public_bytes(Encoding.PEM))
    provider = pki.crypto.CryptographyCryptoProvider(
        transport_cert_nick="ra_agent", transport_cert=str(pem_file), backend=None
    )
    provider.initialize()
    assert provider.get_cert("ra_agent") == transport_cert
    with pytest.raises(KeyError):
        provider.get_cert("missing")
    assert pki.crypto.CryptographyCryptoProvider().certs == {}


def test_key_unwrap_mechanisms():
    provider = pki.crypto.CryptographyCryptoProvider()
    key = os.urandom(16)
    secret = os.urandom(32)
    wrapped = keywrap.aes_key_wrap(key, secret)
    assert provider.key_unwrap("AES KeyWrap", wrapped, key, None) == secret
    iv = os.urandom(16)
    cbc = provider.symmetric_wrap(secret, key, nonce_iv=iv)
    assert provider.key_unwrap("AES/CBC/PKCS5Padding", cbc, key, iv) == secret
    with pytest.raises(ValueError):
        provider.key_unwrap("ROT13", cbc, key, iv)


def test_keyset_for_oid():
    assert pki.crypto.keyset_for_oid("{2 16 840 1 101 3 4 1 2}") == 1
    assert pki.crypto.keyset_for_oid("2.16.840.1.101.3.4.1.2") == 1
    assert pki.crypto.keyset_for_oid(pki.crypto.DES_EDE3_CBC_OID) == 0
    with pytest.raises(ValueError):
        pki.crypto.keyset_for_oid("1.2.3")


# --- KeyClient without a server --------------------------------------------------------------


def test_key_client_accepts_both_upstream_signatures(transport_cert, monkeypatch):
    monkeypatch.setenv("KEY_WRAP_PARAMETER_SET", "1")
    info = InfoClient(offline_connection())
    old_style = KeyClient(offline_connection(), None, "transport nick", info)
    assert (old_style.transport_cert_nick, old_style.info_client) == ("transport nick", info)
    new_style = KeyClient(offline_connection(), None, info)
    assert (new_style.transport_cert_nick, new_style.info_client) == (None, info)
    assert new_style.encrypt_alg_oid == pki.crypto.AES_128_CBC_OID
    assert new_style.wrap_name == pki.crypto.WRAP_AES_CBC_PAD
    monkeypatch.setenv("KEY_WRAP_PARAMETER_SET", "0")
    legacy = KeyClient(offline_connection(), None)
    assert legacy.encrypt_alg_oid == pki.crypto.DES_EDE3_CBC_OID
    provider = pki.crypto.CryptographyCryptoProvider("kra transport", transport_cert)
    by_nick = KeyClient(offline_connection(), provider, "kra transport")
    assert by_nick.get_transport_cert() == transport_cert


@pytest.mark.parametrize("oaep", [False, True])
def test_key_client_session_key_wrapping_and_unwrapping(rsa_key, transport_cert, oaep):
    client = KeyClient(offline_connection(), transport_cert=transport_cert, oaep=oaep)
    session_key, wrapped = client._new_wrapped_session_key()
    pad = (
        asym_padding.OAEP(asym_padding.MGF1(hashes.SHA256()), hashes.SHA256(), None)
        if oaep
        else asym_padding.PKCS1v15()
    )
    assert rsa_key.decrypt(wrapped, pad) == session_key

    # What the server sends back for retrieve: the secret encrypted with our session key.
    iv = os.urandom(16)
    secret = b"retrieved secret"
    encrypted = pki.crypto.CryptographyCryptoProvider().symmetric_wrap(
        secret, session_key, nonce_iv=iv
    )
    key = Key(
        KeyData.from_json(
            {
                "wrappedPrivateData": base64.b64encode(encrypted).decode(),
                "nonceData": base64.b64encode(iv).decode(),
                "encryptAlgorithmOID": pki.crypto.AES_128_CBC_OID,
            }
        )
    )
    client.process_returned_key(key, session_key)
    assert key.data == secret
    assert "retrieved" not in repr(key)

    wrapped_key = Key(
        KeyData.from_json(
            {
                "wrappedPrivateData": base64.b64encode(
                    keywrap.aes_key_wrap(session_key, os.urandom(16))
                ).decode(),
                "wrapAlgorithm": "AES KeyWrap",
            }
        )
    )
    client.process_returned_key(wrapped_key, session_key)
    assert wrapped_key.data is not None and len(wrapped_key.data) == 16


def test_archive_encrypted_data_validates_before_sending():
    client = KeyClient(offline_connection())
    with pytest.raises(TypeError):
        client.archive_encrypted_data("c1", KeyClient.SYMMETRIC_KEY_TYPE, b"x", b"y", nonce_iv=b"z")
    with pytest.raises(TypeError):
        client.archive_encrypted_data("c1", KeyClient.PASS_PHRASE_TYPE, b"", b"y", nonce_iv=b"z")
    with pytest.raises(TypeError):
        client.retrieve_key()
    with pytest.raises(ValueError):
        client.get_key_info("not-an-id")
