"""PKIConnection and PKISSLContext over real TLS to a local HTTPS server."""

from __future__ import annotations

import datetime
import hashlib
import os
import pickle
import socket
import ssl
import threading
import time
import warnings

import pytest
import requests
import urllib3
from audit_hook import run_audited
from https_echo import start_echo_server
from nssdb_fixtures import PASSWORD
from pki.client import PKIClient, PKIConnection
from pki.nssdb import BadPasswordError, CertificateNotFoundError, DatabaseNotFoundError
from pki.testing.certs import CA
from pki.testing.nsstools import TestNSSDB
from pki.tls import (
    ClientCertificateRejectedError,
    ClientCertificateRequiredError,
    FrozenContextError,
    HostnameMismatchError,
    PKISSLContext,
    TLSConfigurationError,
    UntrustedServerError,
)


def connect(server, agent, **kwargs) -> PKIConnection:
    kwargs.setdefault("nssdb", agent.spec)
    kwargs.setdefault("nssdb_password", agent.password)
    return PKIConnection("https", "127.0.0.1", str(server.port), **kwargs)


def test_authenticated_request_from_nssdb(echo_server, sql_db):
    conn = connect(echo_server, sql_db, nickname="PKI Administrator")
    body = conn.get("/ca/rest/certs").json()
    assert body["subject"] == "organizationName=Example,commonName=PKI Administrator"
    assert body["path"] == "/ca/rest/certs"


def test_ec_client_key_and_dbm_database(echo_server, dbm_db):
    conn = connect(echo_server, dbm_db, nickname="PKI Administrator EC")
    assert conn.get("/").json()["subject"].endswith("commonName=PKI Administrator EC")


def test_ipv6_loopback_with_ip_address_check(tmp_path, sql_db):
    server = start_echo_server(tmp_path, sql_db.ca, ip_addresses=("::1",), host="::1")
    try:
        conn = PKIConnection(
            "https", "::1", str(server.port), nssdb=sql_db.spec, nssdb_password=PASSWORD,
            nickname="PKI Administrator",
        )
        assert conn.rootURI == f"https://[::1]:{server.port}"
        assert conn.get("/").json()["subject"].endswith("commonName=PKI Administrator")
    finally:
        server.stop()


def test_silent_server_times_out(sql_db):
    # a TCP server that accepts and never speaks TLS: the handshake must time out, not hang
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        conn = PKIConnection("https", "127.0.0.1", str(listener.getsockname()[1]),
                             nssdb=sql_db.spec, nssdb_password=PASSWORD)
        started = time.monotonic()
        with pytest.raises(requests.exceptions.Timeout):
            conn.get("/", timeout=0.5)
        assert time.monotonic() - started < 5
    finally:
        listener.close()


def test_server_that_never_answers_times_out(echo_server, sql_db, monkeypatch):
    # the handshake completes, then the response never comes
    from https_echo import _Handler

    stop = threading.Event()
    monkeypatch.setattr(_Handler, "do_GET", lambda self: stop.wait(5))
    conn = connect(echo_server, sql_db, nickname="PKI Administrator")
    try:
        with pytest.raises(requests.exceptions.ReadTimeout):
            conn.get("/", timeout=0.5)
    finally:
        stop.set()


def test_large_upload_arrives_whole(echo_server, sql_db):
    body = os.urandom(20 * 2**20)
    conn = connect(echo_server, sql_db, nickname="PKI Administrator")
    assert conn.post("/upload", payload=body, timeout=30).status_code == 200
    assert echo_server.server.last_body_digest == hashlib.sha256(body).hexdigest()


def test_construction_touches_neither_nss_nor_network(tmp_path, echo_server):
    conn = PKIConnection(
        "https", "127.0.0.1", str(echo_server.port), nssdb=tmp_path / "missing",
        nickname="x", nssdb_password="y",
    )
    # the database layer's error appears at the first request, unchanged
    with pytest.raises(DatabaseNotFoundError):
        conn.get("/")


def test_database_errors_pass_through(echo_server, sql_db):
    with pytest.raises(BadPasswordError):
        connect(echo_server, sql_db, nssdb_password="wrong").get("/")
    with pytest.raises(CertificateNotFoundError, match="'PKI Administrator EC'"):
        connect(echo_server, sql_db, nickname="nobody").get("/")


class CountingConnection(PKIConnection):
    builds = 0

    def _build_context(self) -> PKISSLContext:
        type(self).builds += 1
        return super()._build_context()


def test_one_context_per_connection_shared_by_every_request(echo_server, sql_db):
    CountingConnection.builds = 0
    conn = CountingConnection(
        "https", "127.0.0.1", str(echo_server.port),
        nssdb=sql_db.spec, nssdb_password=PASSWORD, nickname="PKI Administrator",
    )
    context = conn.get_ssl_context()
    for _ in range(3):
        conn.get("/", headers={"Connection": "close"})
    conn.post("/", payload="{}")
    assert CountingConnection.builds == 1
    pools = conn.session.get_adapter(echo_server.url).poolmanager.pools
    pool_contexts = {id(pools[key].conn_kw["ssl_context"]) for key in pools.keys()}
    assert pool_contexts == {id(context)}


def test_new_connections_resume_the_tls_session(echo_server, sql_db):
    conn = connect(echo_server, sql_db, nickname="PKI Administrator")
    results = [conn.get("/", headers={"Connection": "close"}).json() for _ in range(4)]
    assert results[0]["reused"] is False
    assert all(r["reused"] for r in results[1:]), results
    # a resumed session still carries the client certificate
    assert all(r["subject"].endswith("commonName=PKI Administrator") for r in results)


def test_threads_share_one_connection(echo_server, sql_db):
    CountingConnection.builds = 0
    conn = CountingConnection(
        "https", "127.0.0.1", str(echo_server.port),
        nssdb=sql_db.spec, nssdb_password=PASSWORD, nickname="PKI Administrator",
    )
    errors: list[BaseException] = []
    subjects: set[str] = set()

    def work() -> None:
        try:
            for _ in range(20):
                subjects.add(conn.get("/").json()["subject"])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert CountingConnection.builds == 1
    assert len(subjects) == 1


def test_environment_ca_bundle_does_not_replace_configured_trust(
    echo_server, sql_db, tmp_path, monkeypatch
):
    other = tmp_path / "other-ca.pem"
    other.write_bytes(CA("Some Other CA").cert_pem)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(other))
    conn = connect(echo_server, sql_db, nickname="PKI Administrator", trust_env=True)
    assert conn.get("/").status_code == 200


def test_locked_database_without_password_gives_trust_only(echo_server, sql_db):
    conn = PKIConnection("https", "127.0.0.1", str(echo_server.port), nssdb=sql_db.spec)
    body = conn.get("/").json()  # the server is verified from the database's CA...
    assert body["subject"] is None  # ...and no client certificate was sent
    assert conn.get_ssl_context().identities == ()


def test_client_auth_false_sends_no_certificate(echo_server, sql_db):
    conn = connect(echo_server, sql_db, nickname="PKI Administrator", client_auth=False)
    assert conn.get("/").json()["subject"] is None


def test_single_usable_certificate_is_chosen_without_nickname(echo_server, test_ca, tmp_path):
    db = TestNSSDB(tmp_path / "db", "pw-single", "sql")
    db.add_ca("CA", test_ca.cert)
    db.add_identity("Only Agent", test_ca.issue_cert("Only Agent", key_type="ec"))
    db.add_identity("Expired", test_ca.issue_cert(
        "Expired Agent",
        not_before=datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc),
        not_after=datetime.datetime(2021, 1, 1, tzinfo=datetime.timezone.utc),
    ))
    db.cleanup()
    conn = PKIConnection(
        "https", "127.0.0.1", str(echo_server.port), nssdb=db.spec, nssdb_password="pw-single"
    )
    assert conn.get("/").json()["subject"] == "organizationName=Example,commonName=Only Agent"


def test_untrusted_server_names_issuer_and_fix(tmp_path, sql_db):
    stranger = CA("Stranger CA", organization="Elsewhere")
    server = start_echo_server(tmp_path, stranger)
    try:
        conn = connect(server, sql_db, conf={"PKI_CLIENT_SYSTEM_TRUST": "false"})
        with pytest.raises(UntrustedServerError) as info:
            conn.get("/")
    finally:
        server.stop()
    message = str(info.value)
    assert "CN=echo server" in message  # the server's own certificate...
    assert "CN=Stranger CA" in message and "certutil -A" in message  # ...its CA, the fix
    assert isinstance(info.value, ssl.SSLError)
    # what scripts written for upstream catch
    assert isinstance(info.value, requests.exceptions.SSLError)
    assert isinstance(info.value.__cause__, requests.exceptions.SSLError)
    assert info.value.request is not None and info.value.request.url.startswith("https://")


def test_expired_server_certificate_says_so(tmp_path, sql_db):
    server = start_echo_server(tmp_path, sql_db.ca, not_after=datetime.datetime(
        2021, 1, 1, tzinfo=datetime.timezone.utc), not_before=datetime.datetime(
        2020, 1, 1, tzinfo=datetime.timezone.utc))
    try:
        with pytest.raises(UntrustedServerError) as info:
            connect(server, sql_db, nickname="PKI Administrator").get("/")
    finally:
        server.stop()
    assert "CN=echo server" in str(info.value) and "is expired" in str(info.value)
    assert "2021-01-01" in str(info.value)


@pytest.mark.parametrize("max_version", ["TLS_1_2", "TLS_1_3"])
def test_rejected_client_certificate_is_named(tmp_path, sql_db, test_ca, max_version):
    # the server trusts the client certificates of another CA only
    server = start_echo_server(
        tmp_path, test_ca, client_cas=(CA("Other Client CA"),), require_client_cert=True
    )
    try:
        conn = connect(
            server, sql_db, nickname="PKI Administrator",
            conf={"SSL_STREAM_VERSION_MAX": max_version},
        )
        with pytest.raises(ClientCertificateRejectedError) as info:
            conn.get("/")
    finally:
        server.stop()
    assert isinstance(info.value, requests.exceptions.SSLError)
    assert "'PKI Administrator'" in str(info.value)
    assert "CN=Test Root CA" in str(info.value)  # its issuer, so the admin knows what to trust


@pytest.mark.parametrize("max_version", ["TLS_1_2", "TLS_1_3"])
def test_missing_client_certificate_is_explained(tmp_path, test_ca, max_version):
    server = start_echo_server(tmp_path, test_ca, require_client_cert=True)
    try:
        conn = PKIConnection(
            "https", "127.0.0.1", str(server.port), cert_paths=[str(server.ca_path)],
            conf={"SSL_STREAM_VERSION_MAX": max_version},
        )
        with pytest.raises(requests.exceptions.SSLError, match="nssdb= and nickname=") as info:
            conn.get("/")
    finally:
        server.stop()
    assert isinstance(info.value, ClientCertificateRequiredError)


def test_verify_false_connects_with_requests_warning(tmp_path, sql_db):
    server = start_echo_server(tmp_path, CA("Stranger CA"), client_cas=(sql_db.ca,))
    try:
        conn = connect(server, sql_db, verify=False, nickname="PKI Administrator")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert conn.get("/").status_code == 200
    finally:
        server.stop()
    assert any(issubclass(w.category, urllib3.exceptions.InsecureRequestWarning) for w in caught)


def test_pem_authentication_still_works(echo_server, sql_db, tmp_path, secret_files):
    cert = tmp_path / "agent.pem"
    cert.write_bytes(sql_db.ec.cert_pem)
    key = secret_files("agent.key", sql_db.ec.key_pem())  # mode 0600, removed afterwards
    conn = PKIConnection(
        "https", "127.0.0.1", str(echo_server.port), cert_paths=[str(echo_server.ca_path)]
    )
    conn.set_authentication_cert(str(cert), str(key))
    assert conn.get("/").json()["subject"].endswith("commonName=PKI Administrator EC")


def test_settings_from_pki_conf(echo_server, sql_db, tmp_path):
    password_conf = tmp_path / "password.conf"
    password_conf.write_text(f"internal={PASSWORD}\n")
    conn = PKIConnection(
        "https", "127.0.0.1", str(echo_server.port),
        conf={
            "PKI_CLIENT_DATABASE": sql_db.spec,
            "PKI_CLIENT_CERT_NICKNAME": "PKI Administrator EC",
            "PKI_CLIENT_PASSWORD_FILE": str(password_conf),
            "SSL_STREAM_VERSION_MIN": "TLS_1_3",
        },
    )
    body = conn.get("/").json()
    assert body["subject"].endswith("commonName=PKI Administrator EC")
    assert body["version"] == "TLSv1.3"


def test_tls_1_2_when_asked(echo_server, sql_db):
    conn = connect(
        echo_server, sql_db, nickname="PKI Administrator",
        conf={"SSL_STREAM_VERSION_MAX": "TLS_1_2"},
    )
    assert conn.get("/").json()["version"] == "TLSv1.2"


@pytest.mark.parametrize(
    "conf,negotiated",
    [
        (
            {"SSL_STREAM_VERSION_MAX": "TLS_1_2", "SSL_DEFAULT_CIPHERS": "false",
             "SSL_CIPHERS": "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
            ("TLSv1.2", "ECDHE-RSA-CHACHA20-POLY1305"),
        ),
        (
            {"SSL_CIPHERS": "-TLS_AES_256_GCM_SHA384 -TLS_CHACHA20_POLY1305_SHA256"},
            ("TLSv1.3", "TLS_AES_128_GCM_SHA256"),
        ),
        # no TLS 1.3 suite listed: TLS 1.3 is off, whatever the version range allows
        (
            {"SSL_DEFAULT_CIPHERS": "false",
             "SSL_CIPHERS": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
            ("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256"),
        ),
        # only TLS 1.3 suites listed: TLS 1.2 is off
        (
            {"SSL_DEFAULT_CIPHERS": "false", "SSL_CIPHERS": "TLS_CHACHA20_POLY1305_SHA256"},
            ("TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256"),
        ),
    ],
    ids=["tls12-only-listed", "tls13-disabled", "tls12-suite-only", "tls13-suite-only"],
)
def test_cipher_suites_from_pki_conf(echo_server, sql_db, conf, negotiated):
    conn = connect(echo_server, sql_db, nickname="PKI Administrator", conf=conf)
    body = conn.get("/").json()
    assert (body["version"], body["cipher"]) == negotiated


def test_disabled_cipher_is_not_offered(echo_server, sql_db):
    conn = connect(
        echo_server, sql_db, nickname="PKI Administrator",
        conf={
            "SSL_STREAM_VERSION_MAX": "TLS_1_2",
            "SSL_CIPHERS": "-TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        },
    )
    assert conn.get("/").json()["cipher"] not in ("", "ECDHE-RSA-AES256-GCM-SHA384")


def test_no_cipher_left_is_a_clear_error(echo_server, sql_db):
    conn = connect(
        echo_server, sql_db,
        conf={
            "SSL_DEFAULT_CIPHERS": "false",
            "SSL_CIPHERS": "TLS_AES_128_GCM_SHA256",
            "SSL_STREAM_VERSION_MAX": "TLS_1_2",
        },
    )
    with pytest.raises(TLSConfigurationError, match="no cipher suite"):
        conn.get("/")


def test_unknown_cipher_is_a_clear_error(echo_server, sql_db):
    conn = connect(echo_server, sql_db, conf={"SSL_CIPHERS": "TLS_RSA_WITH_NOTHING_SHA"})
    with pytest.raises(TLSConfigurationError, match="TLS_RSA_WITH_NOTHING_SHA"):
        conn.get("/")


def test_context_is_frozen_but_tolerates_urllib3_repeats(echo_server, sql_db):
    context = connect(echo_server, sql_db, nickname="PKI Administrator").get_ssl_context()
    # what urllib3 does on every new connection: harmless
    context.verify_mode = ssl.CERT_REQUIRED
    context.set_alpn_protocols(["http/1.1"])
    context.load_verify_locations(None, None, None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    # real changes are refused with a clear error
    with pytest.raises(FrozenContextError, match="verify=False"):
        context.verify_mode = ssl.CERT_NONE
    with pytest.raises(FrozenContextError, match="cert_paths"):
        context.load_verify_locations("/etc/ssl/certs/ca-certificates.crt")
    with pytest.raises(FrozenContextError, match="client certificate"):
        context.load_cert_chain("agent.pem")
    with pytest.raises(FrozenContextError, match="SSL_STREAM_VERSION"):
        context.minimum_version = ssl.TLSVersion.TLSv1_3
    with pytest.raises(FrozenContextError):
        context.set_alpn_protocols(["h2"])


def test_requests_session_cannot_switch_off_verification(echo_server, sql_db):
    conn = connect(echo_server, sql_db, nickname="PKI Administrator")
    conn.get("/")
    # the adapter keeps the connection's trust whatever requests is told per call
    assert conn.session.get(echo_server.url + "/", verify="/nonexistent").status_code == 200


def test_no_secret_in_reprs(echo_server, sql_db):
    conn = connect(echo_server, sql_db, nickname="PKI Administrator")
    context = conn.get_ssl_context()
    for text in (repr(conn), repr(context), repr(context.identities), str(vars(conn))):
        assert PASSWORD not in text
        assert "PRIVATE KEY" not in text


def test_hostname_mismatch_is_an_ssl_error(tmp_path, sql_db):
    server = start_echo_server(tmp_path, sql_db.ca, dns_names=("other.example",), ip_addresses=())
    try:
        with pytest.raises(HostnameMismatchError) as info:
            connect(server, sql_db, nickname="PKI Administrator").get("/")
    finally:
        server.stop()
    assert isinstance(info.value, requests.exceptions.SSLError)
    assert "127.0.0.1" in str(info.value)


def test_untrusted_openssl_server_is_an_ssl_error_that_pickles(openssl_server, sql_db):
    """Against a server that is not Python's: upstream's except clause and ours both match."""
    server = openssl_server("1.3", client_ca=sql_db.ca, server_ca=CA("Unknown Server CA"))
    conn = connect(server, sql_db, nickname="PKI Administrator",
                   conf={"PKI_CLIENT_SYSTEM_TRUST": "false"})
    try:
        conn.get("/")
    except requests.exceptions.SSLError as exc:
        caught = exc
    assert isinstance(caught, UntrustedServerError)
    assert "CN=Unknown Server CA" in str(caught)
    # the combined class pickles as the pki.tls class, message kept
    copy = pickle.loads(pickle.dumps(caught))
    assert type(copy) is UntrustedServerError and str(copy) == str(caught)


def test_refused_connection_is_no_ssl_error(sql_db):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the request
    conn = PKIConnection("https", "127.0.0.1", str(port), nssdb=sql_db.spec,
                         nssdb_password=PASSWORD)
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        conn.get("/")
    assert not isinstance(info.value, requests.exceptions.SSLError)


def test_pki_client_set_client_auth_nssdb(echo_server, sql_db):
    client = PKIClient(echo_server.url, api_version="v2")
    client.set_client_auth(nssdb=sql_db.spec, nickname="PKI Administrator",
                           nssdb_password=PASSWORD)
    assert client.get_api_path() == "v2"
    body = client.connection.get("/x").json()
    assert body["subject"].endswith("commonName=PKI Administrator")


def test_audit_hook_full_request_writes_nothing(echo_server, sql_db, tmp_path):
    pw = tmp_path / "password.conf"
    pw.write_text(f"internal={PASSWORD}\n")
    out = run_audited(
        "from pki.client import PKIConnection",
        """
        conn = PKIConnection("https", "127.0.0.1", sys.argv[1], nssdb=sys.argv[2],
                             nssdb_password_file=sys.argv[3], nickname="PKI Administrator")
        print(conn.get("/").json()["subject"])
        """,
        str(echo_server.port),
        sql_db.spec,
        str(pw),
    )
    assert out[0].endswith("commonName=PKI Administrator")
    assert out[1] == "[]"


def test_http_errors_still_raise(echo_server, sql_db):
    conn = connect(echo_server, sql_db, nickname="PKI Administrator")
    with pytest.raises(requests.exceptions.HTTPError):
        conn.delete("/")  # the echo server has no DELETE: 501


def test_pki_client_authenticate_sets_http_basic():
    client = PKIClient("https://ca.example.com:8443")
    client.authenticate("caadmin", "Secret.123")
    prepared = client.connection.session.prepare_request(
        requests.Request("GET", "https://ca.example.com:8443/ca/v2/account/login")
    )
    assert prepared.headers["Authorization"] == "Basic Y2FhZG1pbjpTZWNyZXQuMTIz"
    client.authenticate("caadmin", None)  # as upstream: both or nothing
    assert client.connection.session.auth == ("caadmin", "Secret.123")
    assert "Secret.123" not in repr(client) and "Secret.123" not in repr(client.connection)


def test_pki_client_url_and_api_version_checks():
    client = PKIClient("https://ca.example.com")
    assert (client.url.scheme, client.url.hostname, client.connection.port) == (
        "https", "ca.example.com", "443"
    )
    assert PKIClient("http://ca.example.com").connection.port == "80"
    assert PKIClient("https://[::1]:8443", api_version="v1").api_path == "rest"
    with pytest.raises(Exception, match="Unsupported server URL"):
        PKIClient("ftp://ca.example.com")
    with pytest.raises(Exception, match="Unknown API version 'v3'"):
        PKIClient("https://ca.example.com", api_version="v3")
    with pytest.raises(ValueError, match="PEM files or nssdb="):
        client.set_client_auth("agent.pem", nssdb="sql:/tmp/db")
