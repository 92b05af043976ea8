"""The Dogtag test server against the facts of the real REST API, over real HTTPS.

Plain requests with PEM client certificates (the server's own behaviour is under test here;
the client library's NSS-database tests live elsewhere).
"""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from client_helpers import make_csr
from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID
from pki.testing.certs import CA
from pki.testing.server import DogtagTestServer

PYTHON_DIR = Path(__file__).resolve().parents[1]
AES_OID = "{2 16 840 1 101 3 4 1 2}"
DES3_OID = "1.2.840.113549.3.7"
KEY = "com.netscape.certsrv.key."
JAVA_DATE = re.compile(r"^[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d UTC \d{4}$")


# -- helpers ---------------------------------------------------------------------------------


def enrollment(csr_pem: str, profile: str = "caServerCert") -> dict[str, Any]:
    return {
        "ProfileID": profile,
        "Renewal": False,
        "Input": [
            {
                "id": "i1",
                "ClassID": "certReqInputImpl",
                "Attribute": [
                    {"name": "cert_request_type", "Value": "pkcs10"},
                    {"name": "cert_request", "Value": csr_pem},
                ],
            }
        ],
    }


def submit(session: requests.Session, url: str, cn: str, api: str = "rest") -> dict[str, Any]:
    csr, _ = make_csr(cn)
    r = session.post(f"{url}/ca/{api}/certrequests", json=enrollment(csr))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 1
    return body["entries"][0]  # type: ignore[no-any-return]


def act(agent: requests.Session, url: str, request_id: str, op: str = "approve") -> None:
    review = agent.get(f"{url}/ca/rest/agent/certrequests/{request_id}")
    assert review.status_code == 200, review.text
    r = agent.post(f"{url}/ca/rest/agent/certrequests/{request_id}/{op}", json=review.json())
    assert r.status_code == 204, r.text
    assert r.content == b""


def issue(agent: requests.Session, url: str, cn: str) -> str:
    """Enroll and approve; returns the new certificate's hex serial."""
    info = submit(agent, url, cn)
    act(agent, url, info["requestID"])
    done = agent.get(f"{url}/ca/rest/certrequests/{info['requestID']}").json()
    assert done["requestStatus"] == "complete"
    return done["certId"]  # type: ignore[no-any-return]


def revoke(agent: requests.Session, url: str, serial: str, reason: str) -> requests.Response:
    nonce = agent.get(f"{url}/ca/rest/agent/certs/{serial}").json()["Nonce"]
    body = {"Reason": reason, "Nonce": nonce, "Comments": "test"}
    return agent.post(f"{url}/ca/rest/agent/certs/{serial}/revoke", json=body)


def resource_message(class_name: str, **attrs: Any) -> dict[str, Any]:
    return {
        "ClassName": KEY + class_name,
        "Attributes": {"Attribute": [{"name": k, "value": v} for k, v in attrs.items()]},
    }


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def transport_key(session: requests.Session, url: str) -> rsa.RSAPublicKey:
    data = session.get(f"{url}/kra/rest/config/cert/transport").json()
    key = x509.load_pem_x509_certificate(data["Encoded"].encode()).public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    return key


def cbc(algorithm: Any, block: int, iv: bytes, data: bytes, decrypt: bool = False) -> bytes:
    cipher = Cipher(algorithm, modes.CBC(iv))
    if decrypt:
        d = cipher.decryptor()
        unpadder = padding.PKCS7(block * 8).unpadder()
        return unpadder.update(d.update(data) + d.finalize()) + unpadder.finalize()
    padder = padding.PKCS7(block * 8).padder()
    e = cipher.encryptor()
    return e.update(padder.update(data) + padder.finalize()) + e.finalize()


def error_class(r: requests.Response) -> str:
    assert r.headers["Content-Type"].startswith("application/json"), r.text
    return r.json()["ClassName"].rsplit(".", 1)[1]  # type: ignore[no-any-return]


# -- the command-line start contract ---------------------------------------------------------


def _start_cli(state_dir: Path, *extra: str) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    env = dict(os.environ, PYTHONPATH=str(PYTHON_DIR))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pki.testing.server",
            "--port",
            "0",
            "--state-dir",
            str(state_dir),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.endswith("\n"), "the server printed no JSON line"
    return proc, json.loads(line)


def _stop_cli(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    assert proc.stdout is not None
    return proc.stdout.read()


def test_cli_start_contract_and_restart(tmp_path: Path, secret_files: Any) -> None:
    state = tmp_path / "state"
    proc, info = _start_cli(state)
    try:
        assert set(info) == {"url", "nssdb", "nickname", "password_file", "ca_cert"}
        assert re.fullmatch(r"https://127\.0\.0\.1:\d+", info["url"])
        assert info["nssdb"] == str(state / "nssdb")
        assert info["nickname"] == "PKI Administrator"
        assert info["password_file"] == str(state / "password.conf")
        assert info["ca_cert"] == str(state / "ca.pem")
        for name in ("ca.pem", "password.conf", "nssdb/cert9.db", "nssdb/key4.db"):
            assert (state / name).exists(), name
        pw = (state / "password.conf").read_text()
        assert pw.startswith("internal=") and len(pw.strip()) > len("internal=") + 8
        assert (state / "password.conf").stat().st_mode & 0o077 == 0
        listing = subprocess.run(
            ["certutil", "-L", "-d", f"sql:{state / 'nssdb'}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert re.search(r"^PKI Administrator\s+u,u,u$", listing, re.M), listing
        assert re.search(r"^CA Signing Certificate\s+CT,C,C$", listing, re.M), listing
        # The only PEM private keys in DIR are the documented CA, server and transport keys.
        documented = {"ca-key.pem", "server-key.pem", "transport-key.pem"}
        for path in state.rglob("*"):
            if path.is_file() and path.name not in documented:
                assert b"PRIVATE KEY" not in path.read_bytes(), path
        for name in (*documented, "admin-password", "password.conf"):
            assert (state / name).stat().st_mode & 0o077 == 0, name
        agent_cert = x509.load_pem_x509_certificate((state / "agent.pem").read_bytes())
        assert agent_cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
            "PKI Administrator"
        )

        # a certificate the CA issued but no user owns is no agent: 401
        ca = CA.from_pem((state / "ca.pem").read_bytes(), (state / "ca-key.pem").read_bytes())
        stranger = ca.issue_cert("CLI Stranger")
        (tmp_path / "a.pem").write_bytes(stranger.cert_pem)
        secret_files("a.key", stranger.key_pem())  # mode 0600
        password = (state / "admin-password").read_text().strip()
        with requests.Session() as session:
            session.trust_env = False
            session.verify = info["ca_cert"]
            session.cert = (str(tmp_path / "a.pem"), str(tmp_path / "a.key"))
            r = session.get(f"{info['url']}/ca/rest/agent/certrequests")
            assert r.status_code == 401
        # the admin's password works over HTTP Basic (no client certificate)
        with requests.Session() as admin:
            admin.trust_env = False
            admin.verify = info["ca_cert"]
            admin.auth = ("caadmin", password)
            serial = issue(admin, info["url"], "restart.example.com")
        (tmp_path / "a.key").unlink()
        fingerprint = x509.load_pem_x509_certificate((state / "ca.pem").read_bytes()).fingerprint(
            hashes.SHA256()
        )
    finally:
        rest = _stop_cli(proc)
    assert rest == "", "nothing but the JSON line on stdout"
    port = int(info["url"].rsplit(":", 1)[1])
    with socket.socket() as s:  # the port is free again
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))

    proc, info2 = _start_cli(state)
    try:
        again = x509.load_pem_x509_certificate((state / "ca.pem").read_bytes())
        assert again.fingerprint(hashes.SHA256()) == fingerprint
        assert info2["nssdb"] == info["nssdb"]
        with requests.Session() as anon:
            anon.trust_env = False
            r = anon.get(f"{info2['url']}/ca/rest/certs/{serial}", verify=info2["ca_cert"])
        assert r.status_code == 200 and r.json()["SubjectDN"] == "CN=restart.example.com"
    finally:
        _stop_cli(proc)


def test_cli_users(tmp_path: Path) -> None:
    state = tmp_path / "state"
    proc, info = _start_cli(
        state, "--user", "alice:Certificate Manager Agents,Administrators", "--user", "bob"
    )
    try:
        users = info["users"]
        assert set(users) == {"alice", "bob"}
        alice = users["alice"]
        assert alice == {
            "nssdb": str(state / "users" / "alice" / "nssdb"),
            "nickname": "alice",
            "password_file": str(state / "users" / "alice" / "password.conf"),
        }
        listing = subprocess.run(
            ["certutil", "-L", "-d", f"sql:{alice['nssdb']}"], capture_output=True, text=True
        ).stdout
        assert re.search(r"^alice\s+u,u,u$", listing, re.M), listing
        pem = subprocess.run(
            ["certutil", "-L", "-d", f"sql:{alice['nssdb']}", "-n", "alice", "-a"],
            capture_output=True,
            check=True,
        ).stdout
        cert = x509.load_pem_x509_certificate(pem)
        password = (state / "admin-password").read_text().strip()
        with requests.Session() as admin:
            admin.trust_env = False
            admin.verify = info["ca_cert"]
            admin.auth = ("caadmin", password)
            mapped = admin.get(f"{info['url']}/ca/rest/admin/users/alice/certs").json()
            assert [c["SerialNumber"] for c in mapped["entries"]] == [hex(cert.serial_number)]
            for sub, expected in (
                ("ca", ["Administrators", "Certificate Manager Agents"]),
                ("kra", ["Administrators"]),
            ):
                admin.auth = (f"{sub}admin", password)
                got = admin.get(f"{info['url']}/{sub}/v2/admin/users/alice/memberships").json()
                assert sorted(m["id"] for m in got["entries"]) == expected
                bob = admin.get(f"{info['url']}/{sub}/v2/admin/users/bob/memberships").json()
                assert bob["total"] == 0
        for path in state.rglob("*"):
            if path.is_file() and path.suffix != ".pem":
                assert b"PRIVATE KEY" not in path.read_bytes(), path
    finally:
        _stop_cli(proc)
    bad = subprocess.run(
        [sys.executable, "-m", "pki.testing.server", "--port", "0", "--state-dir", str(state)]
        + ["--user", "carol:No Such Group"],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(PYTHON_DIR)),
        timeout=60,
    )
    assert bad.returncode == 2 and bad.stdout == ""
    assert "ERROR: no such group on ca/kra: No Such Group" in bad.stderr


# -- authentication, sessions, anonymous paths -----------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/ca/rest/agent/certs/0x1",
        "/ca/v1/agent/certrequests",
        "/ca/v2/agent/certrequests",
        "/kra/rest/agent/keys",
        "/kra/v2/agent/keyrequests",
        "/ca/rest/account/login",
        "/kra/rest/account/logout",
    ],
)
def test_agent_paths_need_a_certificate(
    dogtag_server: DogtagTestServer, anon_session: requests.Session, path: str
) -> None:
    r = anon_session.get(dogtag_server.url + path)
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith('Basic realm="')
    assert r.headers["Content-Type"].startswith("text/html")


def test_login_logout_session_cookie(
    dogtag_server: DogtagTestServer, agent_session: requests.Session
) -> None:
    r = agent_session.get(f"{dogtag_server.url}/ca/rest/account/login")
    assert r.status_code == 200
    account = r.json()
    assert account["id"] == "testagent" and "Certificate Manager Agents" in account["Roles"]
    cookie = r.headers["Set-Cookie"]
    assert re.fullmatch(r"JSESSIONID=[0-9A-F]+; Path=/ca; Secure; HttpOnly", cookie)
    # same session: no new cookie
    r = agent_session.get(f"{dogtag_server.url}/ca/rest/agent/certrequests")
    assert r.status_code == 200 and "Set-Cookie" not in r.headers
    r = agent_session.get(f"{dogtag_server.url}/ca/rest/account/logout")
    assert r.status_code == 204 and r.content == b""
    # the old cookie is dead: the next authenticated request gets a new session
    r = agent_session.get(f"{dogtag_server.url}/ca/rest/agent/certrequests")
    assert "JSESSIONID=" in r.headers["Set-Cookie"]


def test_anonymous_resources(
    dogtag_server: DogtagTestServer, anon_session: requests.Session
) -> None:
    url = dogtag_server.url
    for path in ("/pki/rest/info", "/pki/v1/info", "/pki/v2/info"):
        assert anon_session.get(url + path).json() == {
            "Name": "Dogtag Test Server",
            "Version": "11.7.0",
        }
    assert anon_session.get(f"{url}/ca/rest/info").status_code == 200
    kra_info = anon_session.get(f"{url}/kra/rest/info").json()
    assert kra_info["RsaPublicKeyWrapAlgorithm"] == "RSA"
    for field in ("ArchivalMechanism", "RecoveryMechanism", "EncryptionAlgorithm", "WrapAlgorithm"):
        assert kra_info[field]
    certs = anon_session.get(f"{url}/ca/rest/certs", params={"size": 2}).json()
    assert certs["total"] >= 4 and len(certs["entries"]) == 2
    profiles = anon_session.get(f"{url}/ca/rest/certrequests/profiles").json()
    ids = {p["profileId"] for p in profiles["entries"]}
    assert {"caServerCert", "caSubsystemCert", "caECServerCert", "caCACert"} <= ids
    assert "caUserCert" not in ids  # visible=false, as shipped: templates list visible ones
    assert all(p["profileURL"].startswith(f"{url}/ca/rest/profiles/") for p in profiles["entries"])
    v2 = anon_session.get(f"{url}/ca/v2/certrequests/profiles").json()["entries"]
    assert {p["profileId"] for p in v2} == ids and all("profileURL" not in p for p in v2)
    tpl = anon_session.get(f"{url}/ca/rest/certrequests/profiles/caServerCert").json()
    classes = [i["ClassID"] for i in tpl["Input"]]
    assert classes == ["certReqInputImpl", "submitterInfoInputImpl"]
    names = [a["name"] for a in tpl["Input"][0]["Attribute"]]
    assert names == ["cert_request_type", "cert_request"]
    assert all(a["Value"] == "" for i in tpl["Input"] for a in i["Attribute"])
    # a hidden profile's template is served (command-line enrolment uses them) ...
    hidden = anon_session.get(f"{url}/ca/rest/certrequests/profiles/caUserCert").json()
    assert [i["ClassID"] for i in hidden["Input"]] == [
        "keyGenInputImpl",
        "subjectNameInputImpl",
        "submitterInfoInputImpl",
    ]
    # ... and an unknown one is a BadRequestException, not a 404 (CertRequestService)
    r = anon_session.get(f"{url}/ca/rest/certrequests/profiles/noSuchProfile")
    assert r.status_code == 400 and error_class(r) == "BadRequestException"
    assert r.json()["Message"] == (
        "Unable to get enrollment template for noSuchProfile: Profile not found"
    )
    for path in ("/ca/rest/config/cert/transport", "/kra/rest/config/cert/transport"):
        data = anon_session.get(url + path).json()
        assert data["SubjectDN"] == "CN=DRM Transport Certificate"
    signing = anon_session.get(f"{url}/ca/rest/config/cert/signing").json()
    assert "CA Signing Certificate" in signing["SubjectDN"]


def test_errors_and_bare_v2_responses(
    dogtag_server: DogtagTestServer, anon_session: requests.Session
) -> None:
    url = dogtag_server.url
    r = anon_session.get(f"{url}/ca/v2/no/such/thing")
    assert r.status_code == 404 and r.content == b""
    r = anon_session.put(f"{url}/ca/v2/certs")
    assert r.status_code == 405 and r.content == b""
    r = anon_session.get(f"{url}/ca/rest/no/such/thing")
    assert r.status_code == 404 and error_class(r) == "ResourceNotFoundException"
    r = anon_session.get(f"{url}/ca/rest/certs/0xdeadbeef")
    assert r.status_code == 404
    body = r.json()
    assert body["ClassName"] == "com.netscape.certsrv.cert.CertNotFoundException"
    assert body["Code"] == 404 and body["Message"] == "Certificate ID 0xdeadbeef not found"
    assert body["Attributes"] == {"Attribute": [{"name": "certId", "value": str(0xDEADBEEF)}]}
    r = anon_session.post(
        f"{url}/ca/rest/certrequests",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400 and error_class(r) == "BadRequestException"
    bad = enrollment("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----")
    r = anon_session.post(f"{url}/ca/rest/certrequests", json=bad)
    assert r.status_code == 400 and error_class(r) == "BadRequestException"


def test_old_version_has_no_v2(tmp_path: Path) -> None:
    with DogtagTestServer(tmp_path / "old", version="11.5.0") as server, requests.Session() as s:
        s.trust_env = False
        s.verify = str(server.ca_cert_path)
        r = s.get(f"{server.url}/pki/v2/info")
        assert r.status_code == 404 and r.content == b""
        assert s.get(f"{server.url}/pki/rest/info").json()["Version"] == "11.5.0"


# -- certificates and requests ---------------------------------------------------------------


def test_enroll_approve_issues_real_certificate(
    dogtag_server: DogtagTestServer,
    agent_session: requests.Session,
    anon_session: requests.Session,
) -> None:
    url = dogtag_server.url
    csr_pem, key = make_csr("www.example.com")
    r = anon_session.post(f"{url}/ca/rest/certrequests", json=enrollment(csr_pem))
    info = r.json()["entries"][0]
    assert info["requestType"] == "enrollment" and info["requestStatus"] == "pending"
    assert re.fullmatch(r"0x[0-9a-f]+", info["requestID"])
    assert info["requestURL"].endswith(f"/ca/rest/certrequests/{int(info['requestID'], 16)}")
    v2 = submit(anon_session, url, "v2.example.com", api="v2")
    assert "requestURL" not in v2

    review = agent_session.get(f"{url}/ca/rest/agent/certrequests/{info['requestID']}").json()
    assert isinstance(review["nonce"], str) and review["ProfileID"] == "caServerCert"
    assert review["requestId"] == info["requestID"] and review["requestStatus"] == "pending"
    r = agent_session.post(
        f"{url}/ca/rest/agent/certrequests/{int(info['requestID'], 16)}/approve", json=review
    )
    assert r.status_code == 204

    done = anon_session.get(f"{url}/ca/rest/certrequests/{info['requestID']}").json()
    assert done["requestStatus"] == "complete" and done["certURL"].endswith(
        str(int(done["certId"], 16))
    )
    data = anon_session.get(f"{url}/ca/rest/certs/{done['certId']}").json()
    cert = x509.load_pem_x509_certificate(data["Encoded"].encode())
    ca_cert = x509.load_pem_x509_certificate(dogtag_server.ca_cert_path.read_bytes())
    cert.verify_directly_issued_by(ca_cert)
    assert cert.public_key() == key.public_key()
    assert data["SubjectDN"] == "CN=www.example.com" and data["Status"] == "VALID"
    assert data["id"] == done["certId"] == hex(cert.serial_number)
    assert JAVA_DATE.match(data["NotBefore"]) and JAVA_DATE.match(data["NotAfter"])
    chain = pkcs7.load_der_pkcs7_certificates(base64.b64decode(data["PKCS7CertChain"]))
    assert cert in chain and ca_cert in chain
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["www.example.com"]
    # acting twice: the request is no longer pending
    review = agent_session.get(f"{url}/ca/rest/agent/certrequests/{info['requestID']}").json()
    r = agent_session.post(
        f"{url}/ca/rest/agent/certrequests/{info['requestID']}/approve", json=review
    )
    assert r.status_code == 400


def test_request_nonce_rules(
    dogtag_server: DogtagTestServer, agent_session: requests.Session, agent_pem: tuple[str, str]
) -> None:
    url = dogtag_server.url
    rid = submit(agent_session, url, "nonce.example.com")["requestID"]
    action = f"{url}/ca/rest/agent/certrequests/{rid}/approve"
    review = agent_session.get(f"{url}/ca/rest/agent/certrequests/{rid}").json()
    r = agent_session.post(action, json={**review, "nonce": None})
    assert r.status_code == 400 and r.json()["Message"] == "Missing nonce."
    r = agent_session.post(action, json={**review, "nonce": str(int(review["nonce"]) + 1)})
    assert r.status_code == 403 and error_class(r) == "ForbiddenException"
    with requests.Session() as other:  # another session never saw this nonce
        other.trust_env = False
        other.verify, other.cert = agent_session.verify, agent_pem
        assert other.post(action, json=review).status_code == 400
    assert agent_session.post(action, json=review).status_code == 204


def test_revoke_hold_unrevoke_and_cert_nonces(
    dogtag_server: DogtagTestServer, agent_session: requests.Session, agent_pem: tuple[str, str]
) -> None:
    url = dogtag_server.url
    serial = issue(agent_session, url, "revoke.example.com")
    endpoint = f"{url}/ca/rest/agent/certs/{serial}/revoke"
    agent_data = agent_session.get(f"{url}/ca/rest/agent/certs/{serial}").json()
    assert isinstance(agent_data["Nonce"], int)
    nonce = agent_data["Nonce"]
    r = agent_session.post(endpoint, json={"Reason": "Certificate_Hold"})
    assert r.status_code == 400 and r.json()["Message"] == "Missing nonce."
    r = agent_session.post(endpoint, json={"Reason": "Certificate_Hold", "Nonce": nonce + 1})
    assert r.status_code == 403
    with requests.Session() as stale:
        stale.trust_env = False
        stale.verify, stale.cert = agent_session.verify, agent_pem
        r = stale.post(endpoint, json={"Reason": "Certificate_Hold", "Nonce": nonce})
        assert r.status_code == 400
    r = agent_session.post(endpoint, json={"Reason": "Certificate_Hold", "Nonce": nonce})
    assert r.status_code == 200
    assert r.json()["requestType"] == "revocation" and r.json()["requestStatus"] == "complete"
    r = agent_session.post(endpoint, json={"Reason": "Certificate_Hold", "Nonce": nonce})
    assert r.status_code == 400  # single use
    held = agent_session.get(f"{url}/ca/rest/certs/{serial}").json()
    assert held["Status"] == "REVOKED" and held["RevocationReason"] == 6
    assert held["RevokedBy"] == "testagent" and isinstance(held["RevokedOn"], int)

    r = agent_session.post(f"{url}/ca/rest/agent/certs/{serial}/unrevoke")
    assert r.status_code == 200 and r.json()["requestType"] == "unrevocation"
    assert agent_session.get(f"{url}/ca/rest/certs/{serial}").json()["Status"] == "VALID"
    assert agent_session.post(f"{url}/ca/rest/agent/certs/{serial}/unrevoke").status_code == 400

    assert revoke(agent_session, url, serial, "Key_Compromise").status_code == 200
    data = agent_session.get(f"{url}/ca/rest/certs/{serial}").json()
    assert data["Status"] == "REVOKED" and data["RevocationReason"] == 1
    r = revoke(agent_session, url, serial, "Key_Compromise")
    assert r.status_code == 400
    assert r.json()["Message"] == f"certificate #{serial[2:]} has already been revoked"
    assert agent_session.post(f"{url}/ca/rest/agent/certs/{serial}/unrevoke").status_code == 400


def test_request_state_filter_reject_cancel(
    dogtag_server: DogtagTestServer, agent_session: requests.Session
) -> None:
    url = dogtag_server.url
    rejected = submit(agent_session, url, "rejected.example.com")["requestID"]
    canceled = submit(agent_session, url, "canceled.example.com")["requestID"]
    pending = submit(agent_session, url, "pending.example.com")["requestID"]
    act(agent_session, url, rejected, "reject")
    act(agent_session, url, canceled, "cancel")

    def ids(state: str) -> set[str]:
        params = {"requestState": state, "pageSize": "1000", "maxResults": "1000"}
        r = agent_session.get(f"{url}/ca/rest/agent/certrequests", params=params)
        return {e["requestID"] for e in r.json()["entries"]}

    assert pending in ids("pending") and rejected not in ids("pending")
    assert rejected in ids("rejected") and canceled in ids("canceled")
    # requestStatus (upstream's bug) is not a filter
    r = agent_session.get(
        f"{url}/ca/rest/agent/certrequests",
        params={"requestStatus": "rejected", "pageSize": "1000"},
    )
    assert pending in {e["requestID"] for e in r.json()["entries"]}


def test_cert_search(dogtag_server: DogtagTestServer, agent_session: requests.Session) -> None:
    url = dogtag_server.url
    serial = issue(agent_session, url, "search-me.example.com")
    search = f"{url}/ca/rest/certs/search"
    by_cn = {"subjectInUse": True, "commonName": "search-me", "matchExactly": False}
    found = agent_session.post(search, json=by_cn).json()["entries"]
    assert [e["id"] for e in found] == [serial]
    exact = {**by_cn, "matchExactly": True}
    assert agent_session.post(search, json=exact).json()["total"] == 0
    by_range = {
        "serialNumberRangeInUse": True,
        "serialFrom": serial,
        "serialTo": str(int(serial, 16)),
    }
    assert [e["id"] for e in agent_session.post(search, json=by_range).json()["entries"]] == [
        serial
    ]
    now = int(time.time() * 1000)
    issued = {
        "issuedOnInUse": True,
        "issuedOnFrom": str(now - 60000),
        "issuedOnTo": str(now + 60000),
    }
    assert serial in {
        e["id"]
        for e in agent_session.post(search, json=issued, params={"size": 500}).json()["entries"]
    }
    assert revoke(agent_session, url, serial, "Superseded").status_code == 200
    revoked = agent_session.post(search, json={"status": "REVOKED"}, params={"size": 500}).json()
    assert serial in {e["id"] for e in revoked["entries"]}
    listed = agent_session.get(f"{url}/ca/rest/certs", params={"status": "REVOKED", "size": "500"})
    assert serial in {e["id"] for e in listed.json()["entries"]}


# -- KRA -------------------------------------------------------------------------------------


def test_kra_archive_recover_retrieve(
    dogtag_server: DogtagTestServer, agent_session: requests.Session
) -> None:
    url = dogtag_server.url
    kra = f"{url}/kra/rest/agent"
    pub = transport_key(agent_session, url)
    secret = os.urandom(37)
    session_key, iv = os.urandom(16), os.urandom(16)
    archive = resource_message(
        "KeyArchivalRequest",
        clientKeyID="vault/test 1",
        dataType="passPhrase",
        wrappedPrivateData=b64(cbc(algorithms.AES(session_key), 16, iv, secret)),
        transWrappedSessionKey=b64(pub.encrypt(session_key, asym_padding.PKCS1v15())),
        algorithmOID=AES_OID,
        symmetricAlgorithmParams=b64(iv),
    )
    r = agent_session.post(f"{kra}/keyrequests", json=archive)
    assert r.status_code == 201, r.text
    info = r.json()["requestInfo"]
    assert r.headers["Location"].endswith(info["requestID"])
    assert info["requestType"] == "securityDataEnrollment" and info["requestStatus"] == "complete"
    key_id = info["keyURL"].rsplit("/", 1)[1]

    r = agent_session.post(f"{kra}/keyrequests", json=archive)
    assert r.status_code == 409 and error_class(r) == "ConflictingOperationException"

    keys = agent_session.get(f"{kra}/keys", params={"clientKeyID": "vault/test 1"}).json()
    assert [k["keyId"] for k in keys["entries"]] == [key_id]
    active = agent_session.get(f"{kra}/keys/active/vault%2Ftest%201").json()
    assert active["keyId"] == key_id and active["status"] == "active"
    assert (
        agent_session.get(f"{kra}/keys/{int(key_id, 16)}").json()["clientKeyID"] == "vault/test 1"
    )

    # recovery through an approved request
    r = agent_session.post(
        f"{kra}/keyrequests", json=resource_message("KeyRecoveryRequest", keyId=key_id)
    )
    assert r.status_code == 201
    recovery = r.json()["requestInfo"]
    assert (
        recovery["requestStatus"] == "pending" and recovery["requestType"] == "securityDataRecovery"
    )
    new_key = os.urandom(16)
    retrieve = resource_message(
        "KeyRecoveryRequest",
        requestId=recovery["requestID"],
        transWrappedSessionKey=b64(pub.encrypt(new_key, asym_padding.PKCS1v15())),
        payloadEncryptionOID=AES_OID,
    )
    r = agent_session.post(f"{kra}/keys/retrieve", json=retrieve)
    assert r.status_code == 401 and error_class(r) == "UnauthorizedException"
    assert (
        agent_session.post(f"{kra}/keyrequests/{recovery['requestID']}/approve").status_code == 204
    )
    data = agent_session.post(f"{kra}/keys/retrieve", json=retrieve).json()
    got = cbc(
        algorithms.AES(new_key),
        16,
        base64.b64decode(data["nonceData"]),
        base64.b64decode(data["wrappedPrivateData"]),
        decrypt=True,
    )
    assert got == secret and data["type"] == "passPhrase"

    # FreeIPA's vault path: keys/retrieve with just a keyId
    direct = resource_message(
        "KeyRecoveryRequest",
        keyId=key_id,
        transWrappedSessionKey=b64(pub.encrypt(new_key, asym_padding.PKCS1v15())),
    )
    data = agent_session.post(f"{kra}/keys/retrieve", json=direct).json()
    iv2 = base64.b64decode(data["nonceData"])
    wrapped = base64.b64decode(data["wrappedPrivateData"])
    assert cbc(algorithms.AES(new_key), 16, iv2, wrapped, decrypt=True) == secret

    # deactivate, then archive again under the same clientKeyID (3DES this time)
    r = agent_session.post(f"{kra}/keys/{key_id}", params={"status": "inactive"})
    assert r.status_code == 204
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES

    des_key, des_iv = os.urandom(24), os.urandom(8)
    archive2 = resource_message(
        "KeyArchivalRequest",
        clientKeyID="vault/test 1",
        dataType="passPhrase",
        wrappedPrivateData=b64(cbc(TripleDES(des_key), 8, des_iv, b"second")),
        transWrappedSessionKey=b64(pub.encrypt(des_key, asym_padding.PKCS1v15())),
        algorithmOID=DES3_OID,
        symmetricAlgorithmParams=b64(des_iv),
    )
    assert agent_session.post(f"{kra}/keyrequests", json=archive2).status_code == 201


def test_kra_symmetric_generation_and_bad_class(
    dogtag_server: DogtagTestServer, agent_session: requests.Session
) -> None:
    kra = f"{dogtag_server.url}/kra/v2/agent"
    gen = resource_message(
        "SymKeyGenerationRequest", clientKeyID="sym-1", keySize="128", keyAlgorithm="AES"
    )
    r = agent_session.post(f"{kra}/keyrequests", json=gen)
    assert r.status_code == 201
    info = r.json()["requestInfo"]
    assert info["requestType"] == "symkeyGenRequest" and info["requestStatus"] == "complete"
    key_id = info["keyURL"].rsplit("/", 1)[1]
    pub = transport_key(agent_session, dogtag_server.url)
    session_key = os.urandom(16)
    data = agent_session.post(
        f"{kra}/keys/retrieve",
        json=resource_message(
            "KeyRecoveryRequest",
            keyId=key_id,
            transWrappedSessionKey=b64(pub.encrypt(session_key, asym_padding.PKCS1v15())),
        ),
    ).json()
    key = cbc(
        algorithms.AES(session_key),
        16,
        base64.b64decode(data["nonceData"]),
        base64.b64decode(data["wrappedPrivateData"]),
        decrypt=True,
    )
    assert len(key) == 16 and data["algorithm"] == "AES" and data["size"] == 128
    r = agent_session.post(f"{kra}/keyrequests", json=resource_message("NoSuchRequest"))
    assert r.status_code == 400 and error_class(r) == "BadRequestException"


# -- load ------------------------------------------------------------------------------------


def test_fifty_concurrent_clients(
    dogtag_server: DogtagTestServer, agent_pem: tuple[str, str]
) -> None:
    url = dogtag_server.url

    def client(n: int) -> list[int]:
        with requests.Session() as s:
            s.trust_env = False
            s.verify, s.cert = str(dogtag_server.ca_cert_path), agent_pem
            codes = [
                s.get(f"{url}/ca/rest/account/login").status_code,
                s.get(f"{url}/ca/rest/certs", params={"size": 5}).status_code,
                s.get(f"{url}/ca/rest/agent/certs/0x1").status_code,
                s.get(f"{url}/kra/rest/agent/keys").status_code,
            ]
            info = submit(s, url, f"load{n}.example.com")
            codes.append(s.get(f"{url}/ca/rest/certrequests/{info['requestID']}").status_code)
            return codes

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(client, range(50)))
    assert all(codes == [200] * 5 for codes in results), results


def test_extra_client_ca_and_required_client_cert(tmp_path: Path, secret_files: Any) -> None:
    other = CA("Other Agents CA")
    (tmp_path / "other.pem").write_bytes(other.cert_pem)
    outsider = other.issue_cert("Outside Agent")
    (tmp_path / "o.pem").write_bytes(outsider.cert_pem)
    secret_files("o.key", outsider.key_pem())  # mode 0600, removed afterwards
    server = DogtagTestServer(
        tmp_path / "strict", client_cas=[tmp_path / "other.pem"], require_client_cert=True
    )
    with server, requests.Session() as s:
        s.trust_env = False
        s.verify = str(server.ca_cert_path)
        with pytest.raises(requests.exceptions.RequestException):
            s.get(f"{server.url}/pki/rest/info")
        s.cert = (str(tmp_path / "o.pem"), str(tmp_path / "o.key"))
        # TLS accepts it, but no user owns it yet
        assert s.get(f"{server.url}/ca/rest/account/login").status_code == 401
        server.register_cert("outsider", outsider.cert, ["Certificate Manager Agents"])
        r = s.get(f"{server.url}/ca/rest/account/login")
        assert r.status_code == 200 and r.json()["id"] == "outsider"
        assert r.json()["Roles"] == ["Certificate Manager Agents"]
