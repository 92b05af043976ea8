"""The diagnosis functions on recorded handshakes, and the recordings against live ones.

``recorded_handshakes.py`` holds the ``HandshakeRecord`` of real connections to real
servers (openssl s_server, NSS selfserv, Python ssl servers) that failed in the ways people
meet: an untrusted or misnamed or expired server, no common TLS version, a client
certificate missing or refused, a server that does not speak TLS, a reset in the middle of
a body, and one that ended normally. The first tests run ``pki.tls.diagnosis`` on those
records alone (no socket); ``test_recording_matches_a_live_handshake`` makes each connection
again and checks that the live failure is explained the same way.

To record again (after an OpenSSL upgrade, say)::

    PKI_RECORD_HANDSHAKES=1 python -m pytest tests/test_tls_diagnosis.py -k live
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import pprint
import select
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import recorded_handshakes
from handshake_records import capture, from_data, to_data
from https_echo import start_echo_server
from nssdb_fixtures import PASSWORD, AgentDB
from OpenSSL import SSL
from pki.client import PKIConnection
from pki.testing.certs import CA
from pki.tls.diagnosis import (
    Failure,
    HandshakeRecord,
    certificate_required,
    explain,
    explain_early_close,
    explain_error,
    explain_syscall_error,
    explain_verify_failure,
    reasons_of,
)
from pki.tls.errors import (
    ClientCertificateRejectedError,
    ClientCertificateRequiredError,
    HostnameMismatchError,
    ProtocolVersionError,
    ServerCertificateDateError,
    TLSError,
    UntrustedServerError,
)
from tls_servers import NO_SYSTEM_TRUST

RECORDINGS = Path(recorded_handshakes.__file__)

#: scenario -> (the error explain() must give, fragments its message must contain)
EXPECTED: dict[str, tuple[type[BaseException] | None, tuple[str, ...]]] = {
    "untrusted-server": (
        UntrustedServerError,
        ("is not trusted", "CN=localhost", "CN=Rogue Server CA,O=Nowhere", "certutil -A"),
    ),
    "hostname-mismatch": (HostnameMismatchError, ("'127.0.0.1'", "other.example")),
    "expired-server": (
        ServerCertificateDateError, ("CN=echo server", "is expired", "2021-01-01"),
    ),
    "no-common-version": (ProtocolVersionError, ("TLS 1.3 to TLS 1.3", "SSL_STREAM_VERSION")),
    "certificate-required-tls12": (
        ClientCertificateRequiredError, ("requires a TLS client certificate", "nssdb="),
    ),
    "certificate-required-tls13": (
        ClientCertificateRequiredError, ("requires a TLS client certificate", "nssdb="),
    ),
    "selfserv-certificate-required-tls13": (
        ClientCertificateRequiredError, ("requires a TLS client certificate", "nssdb="),
    ),
    "certificate-rejected-tls12": (
        ClientCertificateRejectedError, ("'PKI Administrator'", "CN=Test Root CA"),
    ),
    "certificate-rejected-tls13": (
        ClientCertificateRejectedError, ("'PKI Administrator'", "CN=Test Root CA"),
    ),
    "not-tls": (TLSError, ("does not speak TLS on this port", "127.0.0.1", "8443")),
    "reset-in-body": (ConnectionResetError, ("Connection reset by peer",)),
    "normal-end": (None, ()),
}


def recorded(name: str) -> HandshakeRecord:
    return from_data(recorded_handshakes.RECORDS[name]["record"])


def check(error: BaseException | None, name: str) -> None:
    expected, fragments = EXPECTED[name]
    if expected is None:
        assert error is None
        return
    assert type(error) is expected, (name, error)
    for fragment in fragments:
        assert fragment in str(error), (name, fragment, str(error))


# -- the recorded handshakes, without sockets --------------------------------------------


def test_every_scenario_is_recorded() -> None:
    assert set(recorded_handshakes.RECORDS) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_explain_recorded_handshake(name: str) -> None:
    check(explain(recorded(name)), name)


def test_recorded_failures_are_of_every_kind() -> None:
    kinds = {
        (r.failure.stage, r.failure.kind)
        for r in map(recorded, EXPECTED) if r.failure is not None
    }
    assert {("handshake", "tls"), ("io", "tls"), ("io", "syscall"), ("io", "eof")} <= kinds


def test_verify_failure_falls_back_to_the_first_failing_certificate() -> None:
    # OpenSSL's final verdict may be unavailable; the verify callback's note decides then
    record = dataclasses.replace(recorded("hostname-mismatch"), verify_result=(0, ""))
    # X509_V_ERR_IP_ADDRESS_MISMATCH: the connection was to 127.0.0.1
    assert record.verify_failure is not None and record.verify_failure.code == 64
    error = explain_verify_failure(record.failure.reasons, record)  # type: ignore[union-attr]
    assert isinstance(error, HostnameMismatchError) and error.verify_code == 64


def test_expired_certificate_is_named_with_its_validity() -> None:
    record = recorded("expired-server")
    error = explain_verify_failure(record.failure.reasons, record)  # type: ignore[union-attr]
    assert isinstance(error, UntrustedServerError) and error.verify_code == 10
    assert "valid from 2020-01-01 00:00 to 2021-01-01 00:00 UTC" in str(error)


def test_untrusted_server_names_where_trust_comes_from() -> None:
    record = recorded("untrusted-server")
    error = explain_verify_failure(record.failure.reasons, record)  # type: ignore[union-attr]
    assert record.trust_description in str(error)
    assert "NSS database sql:" in record.trust_description


def test_early_close_only_right_after_a_certificate_request() -> None:
    rejected = recorded("certificate-rejected-tls13")
    assert rejected.certificate_requested and rejected.received == 0
    assert isinstance(explain_early_close(rejected, "reset"), ClientCertificateRejectedError)
    # the same record without a certificate sent: the server wanted one
    unsent = dataclasses.replace(rejected, sent_certificate=None, sent_nickname=None)
    assert isinstance(explain_early_close(unsent, "reset"), ClientCertificateRequiredError)
    # once a response has started, a closed connection is not about the certificate
    answered = dataclasses.replace(rejected, received=100)
    assert explain_early_close(answered, "reset") is None
    # nor when the server never asked for one
    assert explain_early_close(recorded("reset-in-body"), "reset") is None


def test_syscall_error_stays_the_socket_error_unless_the_record_explains_it() -> None:
    record = recorded("reset-in-body")
    failure = record.failure
    assert failure is not None and failure.errno is not None
    error = explain_syscall_error(failure.errno, failure.reasons[0], record)
    assert type(error) is ConnectionResetError and error.errno == failure.errno
    assert type(explain_syscall_error(-1, "Unexpected EOF", record)) is OSError
    refused = dataclasses.replace(
        recorded("certificate-rejected-tls13"),
        failure=Failure("io", "syscall", ("Connection reset by peer",), failure.errno),
    )
    assert isinstance(explain(refused), ClientCertificateRejectedError)


def test_empty_openssl_error_after_a_certificate_request_is_about_the_certificate() -> None:
    # OpenSSL 3 reports some resets as an SSL error without any reason
    record = dataclasses.replace(
        recorded("certificate-required-tls13"), failure=Failure("io", "tls", ())
    )
    assert isinstance(explain(record), ClientCertificateRequiredError)
    plain = dataclasses.replace(recorded("reset-in-body"), failure=Failure("io", "tls", ()))
    error = explain_error((), plain)
    assert type(error) is TLSError and "reset or closed" in str(error)


def test_certificate_required_names_the_server() -> None:
    record = recorded("certificate-required-tls12")
    error = certificate_required(record, "TLS alert", ["alert"])
    assert error.reasons == ["alert"]
    assert str(error).startswith(f"the server 127.0.0.1 (127.0.0.1:{record.peer_address[1]})")


def test_peer_label() -> None:
    assert HandshakeRecord("ca.example", ("192.0.2.1", 8443)).peer == (
        "the server ca.example (192.0.2.1:8443)"
    )
    assert HandshakeRecord(None, ("192.0.2.1", 8443)).peer == (
        "the server 192.0.2.1 (192.0.2.1:8443)"
    )
    assert HandshakeRecord("ca.example").peer == "the server ca.example"


def test_reasons_of_a_real_openssl_error(openssl_server) -> None:
    server = openssl_server("1.2")
    context = SSL.Context(SSL.TLS_CLIENT_METHOD)
    context.set_min_proto_version(SSL.TLS1_3_VERSION)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        conn = SSL.Connection(context, raw)
        conn.set_connect_state()
        with pytest.raises(SSL.Error) as excinfo:
            while True:  # the socket has a timeout, so it is non-blocking underneath
                try:
                    conn.do_handshake()
                except SSL.WantReadError:
                    select.select([raw], [], [], 10)
    assert not isinstance(excinfo.value, SSL.WantReadError)
    reasons = reasons_of(excinfo.value.args)
    assert reasons and all(isinstance(r, str) for r in reasons)
    assert isinstance(explain_error(reasons, HandshakeRecord("127.0.0.1")), ProtocolVersionError)
    assert reasons_of(("a", "b")) == ["a", "b"]


# -- live handshakes: the recordings still describe what happens --------------------------


@pytest.fixture(scope="module")
def rogue_ca() -> CA:
    return CA("Rogue Server CA", organization="Nowhere")


@pytest.fixture(scope="module")
def other_client_ca() -> CA:
    return CA("Other Client CA", organization="Elsewhere")


def _agent(port: int, db: AgentDB, **conf: str) -> PKIConnection:
    return PKIConnection(
        "https", "127.0.0.1", str(port), trust_env=False, nssdb=db.spec,
        nickname="PKI Administrator", nssdb_password=PASSWORD,
        conf={**NO_SYSTEM_TRUST, **conf},
    )


def _anonymous(port: int, ca_path: Path) -> PKIConnection:
    return PKIConnection(
        "https", "127.0.0.1", str(port), trust_env=False, cert_paths=[str(ca_path)],
        conf=NO_SYSTEM_TRUST,
    )


class _PlainHTTPServer:
    """Answers anything with a plain-HTTP 400, as a server without TLS on the port does."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        with conn:
            conn.recv(4096)
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    def close(self) -> None:
        self.listener.close()
        self.thread.join(10)


@pytest.fixture
def live(
    request: pytest.FixtureRequest, sql_db: AgentDB, openssl_server, selfserv_server,
    misbehaving, rogue_ca: CA, other_client_ca: CA, test_ca: CA, tmp_path: Path,
) -> Iterator[Callable[[str], tuple[PKIConnection, int]]]:
    """``live(name)``: the connection and port that make scenario ``name`` happen."""
    cleanup: list[Callable[[], None]] = []

    def start(name: str) -> tuple[PKIConnection, int]:
        if name == "untrusted-server":
            port = openssl_server("1.3", server_ca=rogue_ca).port
            return _agent(port, sql_db), port
        if name == "hostname-mismatch":
            port = openssl_server("1.3", names=("other.example",)).port
            return _agent(port, sql_db), port
        if name == "expired-server":
            echo = start_echo_server(
                tmp_path, test_ca,
                not_before=datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc),
                not_after=datetime.datetime(2021, 1, 1, tzinfo=datetime.timezone.utc),
            )
            cleanup.append(echo.stop)
            return _agent(echo.port, sql_db), echo.port
        if name == "no-common-version":
            port = openssl_server("1.2").port
            return _agent(port, sql_db, SSL_STREAM_VERSION_MIN="TLS_1_3"), port
        if name.startswith("certificate-required-"):
            server = openssl_server("1.2" if name.endswith("12") else "1.3")
            return _anonymous(server.port, server.ca_path), server.port
        if name == "selfserv-certificate-required-tls13":
            server = selfserv_server("1.3")
            return _anonymous(server.port, server.ca_path), server.port
        if name.startswith("certificate-rejected-"):
            version = "1.2" if name.endswith("12") else "1.3"
            port = openssl_server(version, client_ca=other_client_ca).port
            return _agent(port, sql_db), port
        if name == "not-tls":
            plain = _PlainHTTPServer()
            cleanup.append(plain.close)
            return _agent(plain.port, sql_db), plain.port
        if name == "reset-in-body":
            server = misbehaving("reset")
            return _agent(server.port, sql_db), server.port
        if name == "normal-end":
            port = openssl_server("1.3").port
            return _agent(port, sql_db), port
        raise AssertionError(f"no live scenario {name}")

    yield start
    for stop in cleanup:
        stop()


_recorded_now: dict[str, dict] = {}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_recording_matches_a_live_handshake(name: str, live) -> None:
    conn, port = live(name)
    record, error = capture(conn.get_ssl_context(), port)
    check(error, name)
    # what the socket raised is what the pure function makes of the record, also after a
    # round trip through the stored form
    again = explain(from_data(to_data(record)))
    assert type(again) is type(error) and str(again) == str(error)
    if os.environ.get("PKI_RECORD_HANDSHAKES"):
        _recorded_now[name] = {"record": to_data(record)}
        if set(_recorded_now) == set(EXPECTED):
            _write_recordings(_recorded_now)
    else:
        stored = recorded(name)
        # the server's ports change from run to run; what happened must not
        assert (stored.failure is None) == (record.failure is None)
        assert stored.certificate_requested == record.certificate_requested
        assert stored.sent_nickname == record.sent_nickname
        assert (stored.verify_failure is None) == (record.verify_failure is None)


def _write_recordings(records: dict[str, dict]) -> None:
    from OpenSSL import __version__ as pyopenssl

    body = pprint.pformat(dict(sorted(records.items())), width=96, sort_dicts=False)
    RECORDINGS.write_text(
        "# ruff: noqa: E501 - generated data: certificates and OpenSSL's messages\n"
        '"""HandshakeRecords of real TLS connections, for test_tls_diagnosis.py.\n\n'
        "Written by ``PKI_RECORD_HANDSHAKES=1 python -m pytest tests/test_tls_diagnosis.py"
        ' -k live``\nwith pyOpenSSL '
        f'{pyopenssl} ({SSL.OpenSSL_version(SSL.OPENSSL_VERSION).decode()}). '
        'Certificates are PEM;\nno record holds a key or a password.\n"""\n\n'
        f"RECORDS = {body}\n"
    )
