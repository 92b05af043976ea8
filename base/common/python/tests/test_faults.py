"""Faults of the server and the network, each ending in a specific, documented outcome.

Every fault is made by a real server on 127.0.0.1 (``fault_servers.ScriptedServer``, over
plain HTTP or TLS with a certificate from the session's test CA).

Each fault, its outcome, and the test that shows it:

- The server restarts between two requests of one connection (GET, then POST; http and
  https): the next request succeeds on a new connection, because urllib3 sees that the
  pooled one was closed and replaces it before sending.
  ``test_server_restart_between_requests``
- The server reads a POST and closes without answering:
  ``requests.exceptions.ConnectionError`` ("Connection aborted.", RemoteDisconnected), and
  the server saw the POST once. The same for a GET: no request is resent after the server
  may have read it. ``test_unanswered_request_is_never_resent``
- The server resets the connection during the handshake: ``pki.tls.errors.TLSError`` (a
  ``requests.exceptions.SSLError``), "TLS error with the server ...: Connection reset by
  peer"; closed cleanly after the ClientHello: the same class, "...: Unexpected EOF".
  ``test_server_closes_during_handshake``
- The server accepts TCP and never starts TLS: ``requests.exceptions.ReadTimeout`` after
  the connect timeout, "... accepted the connection but did not complete the TLS handshake
  within N s". ``test_handshake_stall``
- The server reads the request and never answers: ``requests.exceptions.ReadTimeout``,
  "... did not answer GET /path within N s (read timeout; ...)".
  ``test_stall_before_answer``
- The server sends the headers and part of the body, then stalls (``conn.get`` and a
  resource client): ``pki.responses.ResponseBodyTimeout``, a ``ReadTimeout`` and a
  ``ConnectionError`` (what upstream raised), "...: the server sent the start of its
  answer, then nothing for N s". ``test_stall_in_the_body``
- 50 MB that is not JSON where JSON is expected, with and without Content-Length:
  ``pki.responses.ResponseTooLargeError`` (a ``requests.exceptions.JSONDecodeError``); the
  client's peak RSS grows by about the 4 MiB limit at most.
  ``test_50_mb_body_keeps_memory_bounded``
- TLS alert certificate_required (TLS 1.3, no client certificate configured):
  ``pki.tls.errors.ClientCertificateRequiredError``. ``test_tls_alert[certificate_required]``
- TLS alert unknown_ca for our client certificate, TLS 1.2 and 1.3:
  ``pki.tls.errors.ClientCertificateRejectedError`` naming the certificate (in TLS 1.3 a
  reset may overtake the alert; the message then says that the server closed the
  connection after the certificate). ``test_tls_alert[unknown_ca]``, ``[unknown_ca_tls13]``
- TLS alert protocol_version (server TLS 1.3 only, client TLS 1.2 only):
  ``pki.tls.errors.ProtocolVersionError``. ``test_tls_alert[protocol_version]``

All the TLS errors are also ``requests.exceptions.SSLError``.

Nothing is resent by the client: requests' adapter keeps urllib3's ``Retry(0, read=False)``,
as upstream. What makes a request after a restart work is urllib3's check of a pooled
connection before reuse (a connection the server closed is readable at EOF and is dropped).
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pki.info
import pytest
import requests
from fault_servers import (
    Peer,
    ScriptedServer,
    answer_each,
    large_body,
    serving,
    stall_before_answer,
    stall_in_body,
    tls_context,
)
from nssdb_fixtures import PASSWORD, AgentDB
from pki.cert import CertClient
from pki.client import PKIConnection
from pki.responses import ResponseBodyTimeout
from pki.testing.certs import CA
from pki.tls.errors import (
    ClientCertificateRejectedError,
    ClientCertificateRequiredError,
    ProtocolVersionError,
    TLSError,
)

SRC = str(Path(pki.info.__file__).resolve().parents[1])


def connect(server: ScriptedServer, ca_file: str, **kwargs: object) -> PKIConnection:
    scheme = "https" if server.tls else "http"
    return PKIConnection(scheme, "127.0.0.1", server.port, verify=ca_file, **kwargs)  # type: ignore[arg-type]


# -- restarts and requests that are never resent --------------------------------------------


@pytest.mark.parametrize("use_tls", [False, True], ids=["http", "https"])
def test_server_restart_between_requests(
    use_tls: bool, server_tls: ssl.SSLContext, ca_file: str
) -> None:
    tls = server_tls if use_tls else None
    first = ScriptedServer(answer_each(body=b'{"n": 1}'), tls=tls)
    port = first.port
    conn = connect(first, ca_file)
    try:
        assert conn.get("/a").json() == {"n": 1}
        assert conn.get("/b").json() == {"n": 1}
        assert first.accepted == 1  # both on one pooled connection
        first.stop()

        with serving(answer_each(body=b'{"n": 2}'), tls=tls, port=port) as second:
            assert conn.get("/c").json() == {"n": 2}
            assert [r.path for r in second.requests] == ["/c"]
        with serving(answer_each(body=b'{"n": 3}'), tls=tls, port=port) as third:
            assert conn.post("/d", "payload").json() == {"n": 3}
            assert [(r.method, r.body) for r in third.requests] == [("POST", b"payload")]
    finally:
        conn.close()


@pytest.mark.parametrize("method", ["POST", "GET"])
@pytest.mark.parametrize("use_tls", [False, True], ids=["http", "https"])
def test_unanswered_request_is_never_resent(
    method: str, use_tls: bool, server_tls: ssl.SSLContext, ca_file: str
) -> None:
    def answer_once_then_close(peer: Peer) -> None:
        if peer.read_request() is not None:
            peer.respond(200, b"{}")
        peer.read_request()  # read (and count) the next request, then close unanswered

    with serving(answer_once_then_close, tls=server_tls if use_tls else None) as server:
        conn = connect(server, ca_file)
        conn.get("/first")
        with pytest.raises(requests.exceptions.ConnectionError) as caught:
            if method == "POST":
                conn.post("/agent/certrequests", '{"request": 1}')
            else:
                conn.get("/second")
        assert "Remote end closed connection without response" in str(caught.value)
        time.sleep(0.3)  # a resent request would have arrived by now
        assert [r.method for r in server.requests] == ["GET", method]
        assert server.accepted == 1


# -- the handshake ----------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["reset", "eof"])
def test_server_closes_during_handshake(how: str, ca_file: str) -> None:
    def close_after_client_hello(peer: Peer) -> None:
        if how == "reset":
            peer.sock.recv(10)  # leave most of the ClientHello unread: close sends a reset
        else:
            peer.sock.recv(65536)
            peer.sock.shutdown(socket.SHUT_WR)
            peer.hold(2)

    with serving(close_after_client_hello) as server:
        conn = PKIConnection("https", "127.0.0.1", server.port, verify=ca_file)
        with pytest.raises(TLSError) as caught:
            conn.get("/")
    assert isinstance(caught.value, requests.exceptions.SSLError)
    expected = "Connection reset by peer" if how == "reset" else "Unexpected EOF"
    assert f"TLS error with the server 127.0.0.1 (127.0.0.1:{server.port})" in str(caught.value)
    assert expected in str(caught.value)


def test_handshake_stall(ca_file: str) -> None:
    with serving(lambda peer: peer.hold()) as server:  # TCP only: never a ServerHello
        conn = PKIConnection("https", "127.0.0.1", server.port, verify=ca_file, timeout=(0.5, 30))
        started = time.monotonic()
        with pytest.raises(requests.exceptions.ReadTimeout) as caught:
            conn.get("/")
        waited = time.monotonic() - started
    print(f"handshake stall: {type(caught.value).__name__} after {waited:.2f} s")
    assert waited < 10  # the connect timeout ended it, not the 30 s read timeout
    assert str(caught.value) == (
        f"https://127.0.0.1:{server.port} accepted the connection but did not complete the "
        "TLS handshake within 0.5 s (connect timeout; is it a TLS port? Raise timeout= or "
        "PKI_CLIENT_CONNECT_TIMEOUT if it is only slow)"
    )


# -- stalls -----------------------------------------------------------------------------------


@pytest.mark.parametrize("use_tls", [False, True], ids=["http", "https"])
def test_stall_before_answer(use_tls: bool, server_tls: ssl.SSLContext, ca_file: str) -> None:
    with serving(stall_before_answer, tls=server_tls if use_tls else None) as server:
        conn = connect(server, ca_file, conf={"PKI_CLIENT_READ_TIMEOUT": "0.5"})
        with pytest.raises(requests.exceptions.ReadTimeout) as caught:
            conn.get("/ca/v2/certs/0x1")
    assert str(caught.value) == (
        f"{server.url} did not answer GET /ca/v2/certs/0x1 within 0.5 s (read timeout; raise "
        "timeout= or PKI_CLIENT_READ_TIMEOUT if the server is slow)"
    )


@pytest.mark.parametrize("through", ["conn.get", "CertClient"])
@pytest.mark.parametrize("use_tls", [False, True], ids=["http", "https"])
def test_stall_in_the_body(
    through: str, use_tls: bool, server_tls: ssl.SSLContext, ca_file: str
) -> None:
    with serving(stall_in_body, tls=server_tls if use_tls else None) as server:
        conn = connect(server, ca_file, timeout=(5, 0.5))
        conn.api_path = "v2"
        with pytest.raises(ResponseBodyTimeout) as caught:
            if through == "conn.get":
                conn.get("/ca/v2/certs/0x1")
            else:
                CertClient(conn).get_cert(1)
    error = caught.value
    assert isinstance(error, requests.exceptions.ReadTimeout)
    assert isinstance(error, requests.exceptions.ConnectionError)  # as upstream raised
    assert str(error) == (
        f"{server.url}/ca/v2/certs/0x1: the server sent the start of its answer, then nothing "
        "for 0.5 s (read timeout; raise timeout= or PKI_CLIENT_READ_TIMEOUT if the server is slow)"
    )


# -- 50 MB where JSON is expected -------------------------------------------------------------

_MEMORY_PROBE = textwrap.dedent(
    """
    import json, sys
    from pki.cert import CertClient
    from pki.client import PKIConnection
    from pki.responses import ResponseTooLargeError

    def status(name):
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(name + ":"):
                    return int(line.split()[1])

    conn = PKIConnection("https", "127.0.0.1", sys.argv[1], verify=sys.argv[2])
    conn.api_path = "v2"
    conn.get_ssl_context()
    with open("/proc/self/clear_refs", "w") as f:  # the peak RSS starts again from here
        f.write("5")
    before = status("VmRSS")
    try:
        CertClient(conn).get_cert(1)
        outcome = "no error"
    except ResponseTooLargeError as exc:
        outcome = type(exc).__name__
        message = str(exc)
    print(json.dumps({"before": before, "peak": status("VmHWM"), "outcome": outcome,
                      "message": message}))
    """
)


@pytest.mark.parametrize("declare", [True, False], ids=["content-length", "chunked"])
def test_50_mb_body_keeps_memory_bounded(
    declare: bool, server_tls: ssl.SSLContext, ca_file: str
) -> None:
    size = 50 * 1024 * 1024
    handler = large_body(size, declare=declare, content_type="text/html")
    with serving(handler, tls=server_tls) as server:
        done = subprocess.run(
            [sys.executable, "-c", _MEMORY_PROBE, str(server.port), ca_file],
            env={**os.environ, "PYTHONPATH": SRC}, capture_output=True, text=True,
            timeout=120, check=True,
        )
    figures = json.loads(done.stdout)
    growth_kib = figures["peak"] - figures["before"]
    print(f"50 MB body ({'declared' if declare else 'chunked'}): {figures['outcome']}, "
          f"client peak RSS {figures['before']} -> {figures['peak']} KiB (+{growth_kib} KiB)")
    assert figures["outcome"] == "ResponseTooLargeError"
    assert "larger than the 4194304 bytes this connection reads" in figures["message"]
    assert "HTTP 200 (text/html" in figures["message"]
    assert "starting b'AAAA" in figures["message"]
    # at most the 4 MiB limit is held (plus the read buffers); upstream read all 50 MB
    assert growth_kib < (4 + 4) * 1024


# -- TLS alerts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "alert", ["certificate_required", "unknown_ca", "unknown_ca_tls13", "protocol_version"]
)
def test_tls_alert(alert: str, test_ca: CA, sql_db: AgentDB, fault_dir: Path, ca_file: str) -> None:
    other_ca = CA("Some Other Client CA", organization="Elsewhere")
    kwargs: dict[str, object] = {"verify": ca_file}
    if alert == "protocol_version":
        context = tls_context(test_ca, fault_dir)
        context.minimum_version = ssl.TLSVersion.TLSv1_3
        kwargs["conf"] = {"SSL_STREAM_VERSION_MAX": "TLS_1_2"}
        expected: type[TLSError] = ProtocolVersionError
    else:
        context = tls_context(test_ca, fault_dir, require_client_cert_from=other_ca)
        expected = ClientCertificateRequiredError
        if alert.startswith("unknown_ca"):
            if alert == "unknown_ca":
                context.maximum_version = ssl.TLSVersion.TLSv1_2
            kwargs = {"nssdb": sql_db.spec, "nssdb_password": PASSWORD,
                      "nickname": "PKI Administrator"}
            expected = ClientCertificateRejectedError
    with serving(answer_each(), tls=context) as server:
        conn = PKIConnection("https", "127.0.0.1", server.port, **kwargs)  # type: ignore[arg-type]
        with pytest.raises(expected) as caught:
            conn.get("/")
        assert not server.requests
    assert isinstance(caught.value, requests.exceptions.SSLError)
    print(f"{alert}: {type(caught.value).__name__}: {caught.value}")
    if alert == "unknown_ca":
        assert "TLS alert tlsv1 alert unknown ca" in str(caught.value)
    if alert == "protocol_version":
        assert "no TLS version in common" in str(caught.value)
