"""TLS situations the other interoperability tests do not reach: a client certificate
issued by an intermediate CA that the server does not know, TLS 1.3 session resumption
when several connections to one server overlap, a database that has no client
certificate to send (each is expired or not yet valid, or its password is missing), and
one that trusts an intermediate CA rather than its root; P-384 and P-521 client keys,
RSA-PSS and SHA-384/512 signatures; reconnection after an idle close; one password
callback for many threads."""

from __future__ import annotations

import datetime
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from nssdb_fixtures import PASSWORD, AgentDB
from pki.client import PKIConnection
from pki.testing.certs import CA, IssuedCert, generate_key
from pki.testing.nsstools import TestNSSDB
from pki.tls import (
    ClientCertificateRequiredError,
    TLSConfigurationError,
    UntrustedServerError,
    create_ssl_context,
)
from test_tls_interop import s_server_report
from tls_servers import HOST, NO_SYSTEM_TRUST, TLSServer

pytestmark = pytest.mark.usefixtures("isolated_env")

TIMEOUT = 20


@pytest.fixture(scope="module")
def root_ca() -> CA:
    return CA("Edge Root CA", organization="Edge")


@pytest.fixture(scope="module")
def intermediate_agent(
    tmp_path_factory: pytest.TempPathFactory, root_ca: CA
) -> Iterator[tuple[str, IssuedCert]]:
    """A database trusting only the root, with an agent issued by an intermediate CA (the
    intermediate comes in with the agent's PKCS #12, untrusted)."""
    intermediate = CA("Edge Intermediate CA", organization="Edge", parent=root_ca)
    issued = intermediate.issue_cert("Intermediate Agent")
    db = TestNSSDB(tmp_path_factory.mktemp("nssdb-intermediate"), PASSWORD, "sql")
    db.add_ca("Edge Root", root_ca.cert, "CT,C,C")
    db.add_identity("agent", issued)
    yield db.spec, issued
    db.remove()


def _server(openssl_server, test_ca: CA, root_ca: CA, version: str) -> TLSServer:
    # s_server trusts only the root and needs a chain of two below it: it accepts the
    # agent only if the intermediate comes with the agent's certificate
    return openssl_server(version, client_ca=root_ca, server_ca=test_ca, verify_depth=2)


@pytest.mark.parametrize("version", ["1.2", "1.3"])
@pytest.mark.parametrize("nickname", ["agent", None], ids=["nickname", "chosen"])
def test_pki_connection_sends_the_intermediate_from_the_database(
    openssl_server, test_ca: CA, root_ca: CA, intermediate_agent, version: str,
    nickname: str | None,
) -> None:
    spec, issued = intermediate_agent
    server = _server(openssl_server, test_ca, root_ca, version)
    conn = PKIConnection(
        "https", HOST, server.port, trust_env=False, nssdb=spec, nickname=nickname,
        nssdb_password=PASSWORD, cert_paths=[str(server.ca_path)], conf=NO_SYSTEM_TRUST,
    )
    with conn:
        response = conn.get("/", timeout=TIMEOUT)
    protocol, cert = s_server_report(response)
    assert protocol == f"TLSv{version}"
    assert cert == issued.cert


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_ssl_context_sends_the_intermediate_from_the_database(
    openssl_server, test_ca: CA, root_ca: CA, intermediate_agent, version: str
) -> None:
    spec, issued = intermediate_agent
    server = _server(openssl_server, test_ca, root_ca, version)
    context = create_ssl_context(
        nssdb=spec, nickname="agent", nssdb_password=PASSWORD,
        cert_paths=str(server.ca_path), conf=NO_SYSTEM_TRUST,
    )
    conn = http.client.HTTPSConnection(HOST, server.port, context=context, timeout=TIMEOUT)
    try:
        conn.request("GET", "/")
        body = conn.getresponse().read()
    finally:
        conn.close()
    assert f"Protocol  : TLSv{version}".encode() in body
    assert issued.cert_pem.strip() in body


def test_tls13_session_without_its_ticket_does_not_replace_a_resumable_one(
    nginx_server: TLSServer, sql_db: AgentDB
) -> None:
    """A TLS 1.3 session gets its ticket with the first records read after the handshake.
    A connection that has not read yet (one of several opened at once) must not put its
    ticketless session in the cache over the resumable one of an earlier connection; once
    it has read, its session (with the new ticket) is the one kept, and resumes."""
    conn = PKIConnection(
        "https", HOST, nginx_server.port, trust_env=False, nssdb=sql_db.spec,
        nickname="PKI Administrator", nssdb_password=PASSWORD,
        conf={**NO_SYSTEM_TRUST, "SSL_STREAM_VERSION_MIN": "TLS_1_3"},
    )
    context = conn.get_ssl_context()

    def connect():
        return context.wrap_socket(
            socket.create_connection((HOST, nginx_server.port), timeout=TIMEOUT),
            server_hostname=HOST,
        )

    def get(sock) -> None:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(16384)  # the tickets come before the answer

    key = (HOST, (HOST, nginx_server.port))
    first = connect()
    try:
        assert first.version() == "TLSv1.3"
        get(first)
    finally:
        first.close()
    resumable = context.sessions.get(key)
    assert resumable is not None
    silent = connect()  # handshake only, closed before its ticket is read
    silent.close()
    assert context.sessions.get(key) is resumable
    reader = connect()  # (OpenSSL offers a TLS 1.3 ticket once: this one may not resume)
    try:
        get(reader)  # its new ticket replaces the used one
    finally:
        reader.close()
    assert context.sessions.get(key) is not resumable
    last = connect()
    try:
        assert last.session_reused
    finally:
        last.close()


# -- a database searched in vain: the error says why it had nothing to send ---------------


@pytest.fixture(scope="module")
def stale_db(tmp_path_factory: pytest.TempPathFactory, test_ca: CA) -> Iterator[str]:
    """A database whose only client certificates are expired or not yet valid, and one
    certificate without its key."""
    now = datetime.datetime.now(datetime.timezone.utc)
    db = TestNSSDB(tmp_path_factory.mktemp("nssdb-stale"), PASSWORD, "sql")
    db.add_ca("Root", test_ca.cert, "CT,C,C")
    day = datetime.timedelta(days=1)
    db.add_identity(
        "expired",
        test_ca.issue_cert("Expired Agent", not_before=now - 9 * day, not_after=now - day),
    )
    db.add_identity(
        "future",
        test_ca.issue_cert("Future Agent", not_before=now + day, not_after=now + 9 * day),
    )
    db.add_cert("keyless", test_ca.issue_cert("Keyless Agent").cert, "P,,")
    yield db.spec
    db.remove()


def test_required_certificate_names_why_the_database_had_none(
    openssl_server, stale_db: str
) -> None:
    server = openssl_server("1.3")
    conn = PKIConnection(
        "https", HOST, server.port, trust_env=False, nssdb=stale_db, nickname=None,
        nssdb_password=PASSWORD, conf=NO_SYSTEM_TRUST,
    )
    with conn, pytest.raises(ClientCertificateRequiredError) as caught:
        conn.get("/", timeout=TIMEOUT)
    message = str(caught.value)
    assert f"NSS database {stale_db} has no usable client certificate" in message
    assert "'expired' (CN=Expired Agent,O=Example) is expired" in message
    assert "'future' (CN=Future Agent,O=Example) is not yet valid" in message
    assert "none is configured" not in message  # a database was given


def test_required_certificate_names_a_missing_password(openssl_server, sql_db: AgentDB) -> None:
    server = openssl_server("1.2")
    conn = PKIConnection(
        "https", HOST, server.port, trust_env=False, nssdb=sql_db.spec, conf=NO_SYSTEM_TRUST,
    )
    with conn, pytest.raises(ClientCertificateRequiredError) as caught:
        conn.get("/", timeout=TIMEOUT)
    assert (
        f"NSS database {sql_db.spec} is password protected and no password given"
        in str(caught.value)
    )


def test_ssl_context_names_why_the_database_had_no_certificate(stale_db: str) -> None:
    with pytest.raises(TLSConfigurationError) as caught:
        create_ssl_context(nssdb=stale_db, nssdb_password=PASSWORD, conf=NO_SYSTEM_TRUST)
    message = str(caught.value)
    assert "'expired' (CN=Expired Agent,O=Example) is expired" in message
    assert "'future' (CN=Future Agent,O=Example) is not yet valid" in message
    assert "client_auth=False" in message


# -- a database that trusts an intermediate CA, not its root ------------------------------


@pytest.fixture(scope="module")
def intermediate_server_ca(root_ca: CA) -> CA:
    return CA("Edge Server Intermediate CA", organization="Edge", parent=root_ca)


@pytest.fixture(scope="module")
def intermediate_trust_db(
    tmp_path_factory: pytest.TempPathFactory, test_ca: CA, intermediate_server_ca: CA
) -> Iterator[str]:
    """Trusts (``CT,C,C``) only the intermediate CA that issues the server's certificate,
    not the root above it; holds an agent of ``test_ca`` for the server's client check."""
    db = TestNSSDB(tmp_path_factory.mktemp("nssdb-trusts-intermediate"), PASSWORD, "sql")
    db.add_ca("Edge Server Intermediate", intermediate_server_ca.cert, "CT,C,C")
    db.add_identity("agent", test_ca.issue_cert("Agent Of Test CA"))
    yield db.spec
    db.remove()


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_trusted_intermediate_is_an_anchor_as_in_nss(
    openssl_server, intermediate_server_ca: CA, intermediate_trust_db: str, version: str
) -> None:
    """NSS takes every CA certificate it trusts for TLS as an anchor, self-signed or not;
    so do both contexts (the server sends only its own certificate here)."""
    server = openssl_server(version, server_ca=intermediate_server_ca)
    conn = PKIConnection(
        "https", HOST, server.port, trust_env=False, nssdb=intermediate_trust_db,
        nickname="agent", nssdb_password=PASSWORD, conf=NO_SYSTEM_TRUST,
    )
    with conn:
        assert s_server_report(conn.get("/", timeout=TIMEOUT))[0] == f"TLSv{version}"
    context = create_ssl_context(
        nssdb=intermediate_trust_db, nickname="agent", nssdb_password=PASSWORD,
        conf=NO_SYSTEM_TRUST,
    )
    https = http.client.HTTPSConnection(HOST, server.port, context=context, timeout=TIMEOUT)
    try:
        https.request("GET", "/")
        assert f"Protocol  : TLSv{version}".encode() in https.getresponse().read()
    finally:
        https.close()


def test_partial_chains_do_not_widen_trust(
    openssl_server, intermediate_server_ca: CA, sql_db: AgentDB
) -> None:
    """A database that trusts neither the intermediate nor its root still refuses."""
    server = openssl_server("1.3", server_ca=intermediate_server_ca)
    conn = PKIConnection(
        "https", HOST, server.port, trust_env=False, nssdb=sql_db.spec,
        nickname="PKI Administrator", nssdb_password=PASSWORD, conf=NO_SYSTEM_TRUST,
    )
    with conn, pytest.raises(UntrustedServerError, match="Edge Server Intermediate CA"):
        conn.get("/", timeout=TIMEOUT)
    context = create_ssl_context(
        nssdb=sql_db.spec, nickname="PKI Administrator", nssdb_password=PASSWORD,
        conf=NO_SYSTEM_TRUST,
    )
    https = http.client.HTTPSConnection(HOST, server.port, context=context, timeout=TIMEOUT)
    try:
        with pytest.raises(ssl.SSLCertVerificationError):
            https.request("GET", "/")
    finally:
        https.close()


# -- the server closes an idle keep-alive connection --------------------------------------


@pytest.mark.parametrize("version", ["TLS_1_2", "TLS_1_3"])
def test_next_request_after_an_idle_close_reconnects_and_resumes(
    nginx_server: TLSServer, sql_db: AgentDB, version: str
) -> None:
    """nginx drops the pooled connection after a second of silence; the next request goes
    out on a new connection, transparently, and resumes the TLS session."""
    conn = PKIConnection(
        "https", HOST, nginx_server.port, trust_env=False, nssdb=sql_db.spec,
        nickname="PKI Administrator", nssdb_password=PASSWORD,
        conf={**NO_SYSTEM_TRUST, "SSL_STREAM_VERSION_MIN": version,
              "SSL_STREAM_VERSION_MAX": version},
    )
    with conn:
        answers = [conn.get("/idle-close", timeout=TIMEOUT).text.split() for _ in range(2)]
        time.sleep(2.5)  # nginx closes after 1 s
        answers.append(conn.get("/idle-close", timeout=TIMEOUT).text.split())
    (first, _), (kept, _), (after, reused) = answers
    assert kept == first  # the pool reused the open connection
    assert after != first  # nginx had closed it: a new one
    assert reused == "r"


# -- a password callback, many requests and threads ---------------------------------------


def test_password_callback_is_asked_once_for_many_threads(
    nginx_server: TLSServer, sql_db: AgentDB
) -> None:
    """Eight threads start their first requests at the same moment on a new connection:
    the database is opened and the key read once, so the callback is asked once."""
    asked = []
    lock = threading.Lock()

    def callback(token: str, retry: bool) -> str:
        with lock:
            asked.append((token, retry))
        return PASSWORD

    conn = PKIConnection(
        "https", HOST, nginx_server.port, trust_env=False, nssdb=sql_db.spec,
        nickname="PKI Administrator", password_callback=callback, conf=NO_SYSTEM_TRUST,
    )
    start = threading.Barrier(8)
    answers: list[str] = []
    failures: list[BaseException] = []

    def work() -> None:
        try:
            start.wait(timeout=TIMEOUT)
            for _ in range(3):
                text = conn.get("/", timeout=TIMEOUT).text
                with lock:
                    answers.append(text.splitlines()[1])
        except BaseException as exc:  # reported below, with the thread's error
            failures.append(exc)

    with conn:
        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert not failures, failures
    assert answers == ["SUCCESS"] * 24
    assert len(asked) == 1 and asked[0][1] is False


# -- client keys and signatures beyond RSA-2048/P-256 with SHA-256 ------------------------


def _resigned(issued: IssuedCert, ca: CA, algorithm: hashes.HashAlgorithm, pss: bool):
    """``issued`` signed again by ``ca`` with ``algorithm`` (RSA-PSS padding if ``pss``)."""
    cert = issued.cert
    builder = (
        x509.CertificateBuilder()
        .subject_name(cert.subject)
        .issuer_name(cert.issuer)
        .public_key(cert.public_key())  # type: ignore[arg-type]
        .serial_number(cert.serial_number)
        .not_valid_before(cert.not_valid_before_utc)
        .not_valid_after(cert.not_valid_after_utc)
    )
    for extension in cert.extensions:
        builder = builder.add_extension(extension.value, extension.critical)
    extra = {}
    if pss:
        extra["rsa_padding"] = padding.PSS(
            mgf=padding.MGF1(algorithm), salt_length=padding.PSS.DIGEST_LENGTH
        )
    signed = builder.sign(ca.key, algorithm, **extra)  # type: ignore[arg-type]
    return IssuedCert(cert=signed, key=issued.key, chain=issued.chain)


KEY_CASES = {
    "p384-sha384": (lambda: ec.generate_private_key(ec.SECP384R1()), hashes.SHA384(), False),
    "p521-sha512": (lambda: ec.generate_private_key(ec.SECP521R1()), hashes.SHA512(), False),
    "rsa-pss-sha256": (lambda: generate_key("rsa"), hashes.SHA256(), True),
    "rsa-sha512": (lambda: generate_key("rsa"), hashes.SHA512(), False),
}


@pytest.fixture(scope="module")
def key_types_db(
    tmp_path_factory: pytest.TempPathFactory, test_ca: CA
) -> Iterator[tuple[str, dict[str, IssuedCert]]]:
    """One agent per ``KEY_CASES`` entry (nickname = case), all from ``test_ca``."""
    db = TestNSSDB(tmp_path_factory.mktemp("nssdb-key-types"), PASSWORD, "sql")
    db.add_ca("Root", test_ca.cert, "CT,C,C")
    agents = {}
    for name, (make_key, algorithm, pss) in KEY_CASES.items():
        issued = test_ca.issue_cert(f"Agent {name}", key=make_key())
        agents[name] = _resigned(issued, test_ca, algorithm, pss)
        db.add_identity(name, agents[name])
    yield db.spec, agents
    db.remove()


@pytest.mark.parametrize("version", ["1.2", "1.3"])
@pytest.mark.parametrize("case", sorted(KEY_CASES))
def test_client_keys_and_signatures(
    openssl_server, key_types_db, case: str, version: str
) -> None:
    """The key leaves NSS and signs the handshake, in both contexts."""
    spec, agents = key_types_db
    server = openssl_server(version)
    conn = PKIConnection(
        "https", HOST, server.port, trust_env=False, nssdb=spec, nickname=case,
        nssdb_password=PASSWORD, cert_paths=[str(server.ca_path)], conf=NO_SYSTEM_TRUST,
    )
    with conn:
        assert s_server_report(conn.get("/", timeout=TIMEOUT)) == (
            f"TLSv{version}", agents[case].cert
        )
    context = create_ssl_context(
        nssdb=spec, nickname=case, nssdb_password=PASSWORD, conf=NO_SYSTEM_TRUST,
        cert_paths=str(server.ca_path),
    )
    https = http.client.HTTPSConnection(HOST, server.port, context=context, timeout=TIMEOUT)
    try:
        https.request("GET", "/")
        assert agents[case].cert_pem.strip() in https.getresponse().read()
    finally:
        https.close()
