"""PKIConnection(nssdb=...) against real TLS servers on 127.0.0.1 (see ``tls_servers.py``).

OpenSSL's ``s_server``, NSS's ``selfserv``, nginx and a Python ``ssl`` server each require a
client certificate and report the one they received (and the TLS version), so every success
below is checked against what the server saw, not just against an HTTP 200. Clients use RSA
and EC keys from sql and dbm databases; trust comes only from the database (system trust off).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests
from cryptography import x509
from nssdb_fixtures import PASSWORD, AgentDB
from pki.client import PKIConnection
from pki.testing.certs import CA, IssuedCert
from pki.testing.nsstools import TestNSSDB
from pki.tls.errors import (
    AmbiguousClientCertificateError,
    ClientCertificateRejectedError,
    ClientCertificateRequiredError,
    HostnameMismatchError,
    ProtocolVersionError,
    UntrustedServerError,
)
from tls_servers import NO_SYSTEM_TRUST, NSS_VERSION, PEM_CERT, Agent, TLSServer

#: ~/.dogtag/pki.conf and PKI/TLS variables of the environment stay out of these tests
pytestmark = pytest.mark.usefixtures("isolated_env")


@pytest.fixture(scope="session")
def second_ca() -> CA:
    """A CA that the test servers do not trust by default."""
    return CA("Second Root CA", organization="Elsewhere")


@pytest.fixture(scope="session")
def two_ca_db(
    tmp_path_factory: pytest.TempPathFactory, test_ca: CA, second_ca: CA
) -> Iterator[tuple[str, dict[str, IssuedCert]]]:
    """A database with two usable client certificates from two CAs: ``Agent A`` (test_ca)
    and ``Agent B`` (second_ca); both CAs are trusted. Returns ``(spec, {nickname: cert})``."""
    db = TestNSSDB(tmp_path_factory.mktemp("nssdb-two-cas"), PASSWORD, "sql")
    db.add_ca("Test Root CA", test_ca.cert, "CT,C,C")
    db.add_ca("Second Root CA", second_ca.cert, "CT,C,C")
    issued = {
        "Agent A": test_ca.issue_cert("Agent A"),
        "Agent B": second_ca.issue_cert("Agent B", key_type="ec"),
    }
    for nickname, cert in issued.items():
        db.add_identity(nickname, cert)
    yield db.spec, issued
    db.remove()


def connect(
    server: TLSServer,
    agent: Agent | None,
    *,
    nickname: str | None = "",
    conf: dict[str, str] | None = None,
    host: str = "127.0.0.1",
) -> PKIConnection:
    """A PKIConnection to ``server`` from ``agent``'s database (``nickname=None``: let the
    library choose); without an agent, only the server's CA file and no client certificate."""
    settings = {**NO_SYSTEM_TRUST, **(conf or {})}
    if agent is None:
        return PKIConnection(
            "https", host, server.port, trust_env=False, cert_paths=[str(server.ca_path)],
            conf=settings,
        )
    return PKIConnection(
        "https", host, server.port, trust_env=False, nssdb=agent.spec,
        nickname=agent.nickname if nickname == "" else nickname,
        nssdb_password=agent.password, conf=settings,
    )


def get(conn: PKIConnection, path: str = "/") -> requests.Response:
    with conn:
        return conn.get(path, timeout=20)


def s_server_report(response: requests.Response) -> tuple[str, x509.Certificate]:
    """(protocol, client certificate) from an ``openssl s_server -www`` page."""
    match = re.search(r"Protocol\s*:\s*(\S+)", response.text)
    assert match, response.text[:2000]
    pems = PEM_CERT.findall(response.content)
    assert len(pems) == 1, "the page should show exactly the client certificate"
    return match.group(1), x509.load_pem_x509_certificate(pems[0])


# -- the client certificate reaches each server, with the intended TLS version ---------


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_openssl_s_server_receives_the_database_certificate(
    openssl_server, agent: Agent, version: str
) -> None:
    server = openssl_server(version)
    protocol, client_cert = s_server_report(get(connect(server, agent)))
    assert protocol == f"TLSv{version}"
    assert client_cert == agent.cert


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_selfserv_receives_the_database_certificate(
    selfserv_server, agent: Agent, version: str
) -> None:
    server = selfserv_server(version)
    mark = len(server.log())
    response = get(connect(server, agent))
    assert response.status_code == 200
    assert response.text.startswith("GET / HTTP/1.1\r\n")  # selfserv echoes the request
    log = server.wait_for_log(NSS_VERSION[version], mark)
    assert f"Subject: {agent.subject}\n" in log, log
    assert NSS_VERSION[version] in log, log
    # requested in the handshake: validated before the handshake summary is printed
    assert log.index(f"Subject: {agent.subject}") < log.index(NSS_VERSION[version])


def test_selfserv_renegotiation_for_the_certificate(selfserv_server, agent: Agent) -> None:
    """-r -r -r -r: no CertificateRequest in the first handshake, a required one in a second
    (TLS 1.2 renegotiation) after selfserv has read the request."""
    server = selfserv_server("1.2", renegotiate=True)
    mark = len(server.log())
    response = get(connect(server, agent))
    assert response.status_code == 200
    log = server.wait_for_log(f"Subject: {agent.subject}\n", mark)
    assert f"Subject: {agent.subject}\n" in log, log
    first_handshake = log.index(NSS_VERSION["1.2"])
    assert first_handshake < log.index(f"Subject: {agent.subject}"), log


def test_tls13_post_handshake_authentication(pha_server: TLSServer, agent: Agent) -> None:
    server = pha_server.extra["server"]
    requests_before, errors_before = server.post_handshake_requests, len(server.errors)
    with connect(pha_server, agent) as conn:
        first = conn.get("/", timeout=20)
        second = conn.get("/again", timeout=20)
    assert "protocol: TLSv1.3\npost-handshake-auth: yes\n" in first.text, first.text
    assert x509.load_pem_x509_certificate(PEM_CERT.findall(first.content)[0]) == agent.cert
    # the same kept-alive connection: authenticated once, the certificate stays
    assert "post-handshake-auth: no" in second.text, second.text
    assert x509.load_pem_x509_certificate(PEM_CERT.findall(second.content)[0]) == agent.cert
    assert server.post_handshake_requests == requests_before + 1
    assert server.errors[errors_before:] == []


def test_post_handshake_request_without_certificate(pha_server: TLSServer) -> None:
    """The handshake succeeds without a certificate; the late request then fails, with the
    error that says to configure one."""
    server = pha_server.extra["server"]
    requests_before = server.post_handshake_requests
    with pytest.raises(ClientCertificateRequiredError) as excinfo:
        get(connect(pha_server, None))
    assert "nssdb" in str(excinfo.value)
    assert server.post_handshake_requests == requests_before + 1


def test_post_handshake_certificate_rejected(pha_server: TLSServer, two_ca_db) -> None:
    spec, issued = two_ca_db
    agent = Agent(spec, "Agent B", issued["Agent B"].cert)  # from a CA the server does not trust
    with pytest.raises(ClientCertificateRejectedError) as excinfo:
        get(connect(pha_server, agent))
    assert agent.subject in str(excinfo.value)


def test_nginx_sees_the_certificate_subject(nginx_server: TLSServer, agent: Agent) -> None:
    protocol, verify, subject = get(connect(nginx_server, agent)).text.splitlines()
    assert (protocol, verify) == ("TLSv1.3", "SUCCESS")
    assert subject == agent.subject


@pytest.mark.parametrize("version", ["TLS_1_2", "TLS_1_3"])
def test_nginx_negotiates_the_configured_version(
    nginx_server: TLSServer, rsa_agent: Agent, version: str
) -> None:
    conf = {"SSL_STREAM_VERSION_MIN": version, "SSL_STREAM_VERSION_MAX": version}
    protocol, verify, subject = get(connect(nginx_server, rsa_agent, conf=conf)).text.splitlines()
    assert protocol == version.replace("TLS_1_", "TLSv1.")
    assert (verify, subject) == ("SUCCESS", rsa_agent.subject)


# -- choosing the client certificate without a nickname --------------------------------


@pytest.mark.parametrize("version", ["1.2", "1.3"])
@pytest.mark.parametrize("wanted", ["Agent A", "Agent B"])
def test_certificate_chosen_by_the_server_ca_list(
    openssl_server, two_ca_db, test_ca: CA, second_ca: CA, wanted: str, version: str
) -> None:
    spec, issued = two_ca_db
    client_ca = test_ca if wanted == "Agent A" else second_ca
    server = openssl_server(version, client_ca=client_ca)
    agent = Agent(spec, "", issued[wanted].cert)
    _, client_cert = s_server_report(get(connect(server, agent, nickname=None)))
    assert client_cert == issued[wanted].cert


@pytest.mark.parametrize("db_type", ["sql", "dbm"])
def test_two_certificates_from_the_server_ca_are_ambiguous(
    openssl_server, request: pytest.FixtureRequest, db_type: str
) -> None:
    db: AgentDB = request.getfixturevalue(f"{db_type}_db")
    agent = Agent(db.spec, "", db.rsa.cert)
    with pytest.raises(AmbiguousClientCertificateError) as excinfo:
        get(connect(openssl_server("1.3"), agent, nickname=None))
    assert sorted(excinfo.value.candidates) == ["PKI Administrator", "PKI Administrator EC"]
    message = str(excinfo.value)
    assert "'PKI Administrator'" in message and "'PKI Administrator EC'" in message, message
    assert "nickname" in message


# -- errors people can act on ---------------------------------------------------------


@pytest.mark.parametrize(
    "kind, version",
    [
        ("openssl", "1.2"),
        ("openssl", "1.3"),
        ("selfserv", "1.2"),
        ("selfserv", "1.3"),
        ("selfserv-renegotiation", "1.2"),
    ],
)
def test_client_certificate_required(
    openssl_server, selfserv_server, kind: str, version: str
) -> None:
    if kind == "openssl":
        server = openssl_server(version)
    else:
        server = selfserv_server(version, renegotiate=kind.endswith("renegotiation"))
    with pytest.raises(ClientCertificateRequiredError) as excinfo:
        get(connect(server, None))
    assert "client certificate" in str(excinfo.value)
    assert "nssdb" in str(excinfo.value)


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_client_certificate_rejected_by_openssl(
    openssl_server, second_ca: CA, rsa_agent: Agent, version: str
) -> None:
    server = openssl_server(version, client_ca=second_ca)  # trusts another CA
    with pytest.raises(ClientCertificateRejectedError) as excinfo:
        get(connect(server, rsa_agent))
    assert rsa_agent.subject in str(excinfo.value)


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_client_certificate_rejected_by_selfserv(
    selfserv_server, two_ca_db, version: str
) -> None:
    spec, issued = two_ca_db
    agent = Agent(spec, "Agent B", issued["Agent B"].cert)  # from a CA selfserv does not trust
    with pytest.raises(ClientCertificateRejectedError) as excinfo:
        get(connect(selfserv_server(version), agent))
    assert agent.subject in str(excinfo.value)


def test_untrusted_server_names_the_issuer(openssl_server, rsa_agent: Agent) -> None:
    rogue = CA("Rogue Server CA", organization="Nowhere")
    server = openssl_server("1.3", server_ca=rogue)
    with pytest.raises(UntrustedServerError) as excinfo:
        get(connect(server, rsa_agent))
    message = str(excinfo.value)
    assert rogue.cert.subject.rfc4514_string() in message, message
    assert "certutil" in message, message


def test_hostname_mismatch(openssl_server, rsa_agent: Agent) -> None:
    server = openssl_server("1.3", names=("other.example",))  # trusted CA, other name
    with pytest.raises(HostnameMismatchError) as excinfo:
        get(connect(server, rsa_agent))
    message = str(excinfo.value)
    assert "127.0.0.1" in message and "other.example" in message, message


@pytest.mark.parametrize("kind", ["openssl", "selfserv"])
def test_no_common_tls_version(
    openssl_server, selfserv_server, rsa_agent: Agent, kind: str
) -> None:
    server = openssl_server("1.2") if kind == "openssl" else selfserv_server("1.2")
    with pytest.raises(ProtocolVersionError) as excinfo:
        get(connect(server, rsa_agent, conf={"SSL_STREAM_VERSION_MIN": "TLS_1_3"}))
    assert "TLS 1.3" in str(excinfo.value)
