"""Bulk TLS I/O through PKISSLSocket against real servers on 127.0.0.1.

Large downloads from nginx and uploads to the Python echo server are checked by SHA-256;
bodies spanning many TLS records are read with small and large chunks; and the socket's own
promises are checked where they show: ``send`` writes many records per call, ``recv_into``
never writes past the buffer, a reset stays a ``ConnectionResetError``, a silent server
times out, and a failed read keeps no caller buffer exported (which crashed CPython).
"""

from __future__ import annotations

import hashlib
import os
import socket
import ssl
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import requests
from https_echo import EchoServer, start_echo_server
from nssdb_fixtures import PASSWORD, AgentDB
from pki.client import PKIConnection
from pki.testing.certs import CA
from pki.tls.sslsocket import MAKEFILE_BUFFER, WRITE_CHUNK, PKISSLSocket
from tls_servers import TLSServer

RECORD = 16384  # the most plaintext one TLS record carries


#: ~/.dogtag/pki.conf and PKI/TLS variables of the environment stay out of these tests
pytestmark = pytest.mark.usefixtures("isolated_env")


def agent(port: int, db: AgentDB) -> PKIConnection:
    return PKIConnection(
        "https", "127.0.0.1", str(port), trust_env=False, nssdb=db.spec,
        nickname="PKI Administrator", nssdb_password=PASSWORD,
        conf={"PKI_CLIENT_SYSTEM_TRUST": "false"},
    )


def tls_socket(conn: PKIConnection, port: int) -> PKISSLSocket:
    """A TLS connection made by ``conn``'s context, handshake done."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return conn.get_ssl_context().wrap_socket(raw, server_hostname="127.0.0.1")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- downloads and uploads ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name, timeout",
    [("20m.bin", None), ("50m.bin", 30)],
    ids=["20MiB-blocking", "50MiB-with-timeout"],
)
def test_large_download_arrives_whole(
    nginx_server: TLSServer, sql_db: AgentDB, name: str, timeout: float | None
) -> None:
    # a timeout makes the socket non-blocking underneath: reads then wait for want-read
    size, digest = nginx_server.extra["files"][name]  # type: ignore[index]
    with agent(nginx_server.port, sql_db) as conn:
        body = conn.get(f"/files/{name}", timeout=timeout).content
    assert len(body) == size
    assert sha256(body) == digest


@pytest.mark.parametrize("timeout", [None, 30], ids=["blocking", "with-timeout"])
def test_large_upload_arrives_whole(
    echo_server: EchoServer, sql_db: AgentDB, timeout: float | None
) -> None:
    body = os.urandom(20 * 2**20)
    with agent(echo_server.port, sql_db) as conn:
        response = conn.post("/upload", payload=body, timeout=timeout)
    assert response.json()["subject"].endswith("commonName=PKI Administrator")
    assert echo_server.server.last_body_digest == sha256(body)


@pytest.mark.parametrize(
    "name, chunk_size",
    [
        ("100k.bin", 1),
        ("3m.bin", 1000),
        ("3m.bin", RECORD),
        ("3m.bin", 65537),
        ("3m.bin", 4 * 2**20),
        ("3m.bin", None),  # whatever each read returns
    ],
)
def test_body_of_many_records_through_iter_content(
    nginx_server: TLSServer, sql_db: AgentDB, name: str, chunk_size: int | None
) -> None:
    size, digest = nginx_server.extra["files"][name]  # type: ignore[index]
    with agent(nginx_server.port, sql_db) as conn:
        conn.get("/")  # builds the context and mounts it
        url = f"https://127.0.0.1:{nginx_server.port}/files/{name}"
        with conn.session.get(url, stream=True, timeout=30) as response:
            chunks = list(response.iter_content(chunk_size))
    assert size > 6 * RECORD  # the body spans many TLS records
    if chunk_size is not None:
        assert all(len(c) == chunk_size for c in chunks[:-1])
        assert 0 < len(chunks[-1]) <= chunk_size
    assert sha256(b"".join(chunks)) == digest


# -- what the socket promises ------------------------------------------------------------


def test_send_hands_openssl_many_records_per_call(
    echo_server: EchoServer, sql_db: AgentDB
) -> None:
    body = os.urandom(3 * WRITE_CHUNK + 12345)
    with agent(echo_server.port, sql_db) as conn:
        sock = tls_socket(conn, echo_server.port)
        try:
            sock.sendall(
                f"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n".encode()
            )
            first = sock.send(body)  # one call: a whole chunk, not one 16 KiB record
            sock.sendall(memoryview(body)[first:])
            with sock.makefile("rb") as answer:
                status = answer.readline()
        finally:
            sock.close()
    assert first == WRITE_CHUNK
    assert status.startswith(b"HTTP/1.1 200")
    assert echo_server.server.last_body_digest == sha256(body)


def test_recv_into_stays_inside_the_buffer(nginx_server: TLSServer, sql_db: AgentDB) -> None:
    with agent(nginx_server.port, sql_db) as conn:
        sock = tls_socket(conn, nginx_server.port)
        try:
            sock.sendall(b"GET /files/3m.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            guarded = bytearray(b"\xaa" * 64)
            window = memoryview(guarded)[16:48]
            count = sock.recv_into(window, 10_000)  # asks for more than the buffer holds
            rest = sock.recv_into(bytearray(100), 7)
        finally:
            sock.close()
    assert count == 32  # the first record holds the whole header, so it fills the window
    assert guarded[:16] == b"\xaa" * 16 and guarded[48:] == b"\xaa" * 16
    assert bytes(guarded[16:48]).startswith(b"HTTP/1.1 200 OK\r\n")
    assert rest == 7


def test_makefile_reads_whole_records(nginx_server: TLSServer, sql_db: AgentDB) -> None:
    with agent(nginx_server.port, sql_db) as conn:
        sock = tls_socket(conn, nginx_server.port)
        try:
            sock.sendall(b"GET /files/3m.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            with sock.makefile("rb") as f:
                while f.readline() not in (b"\r\n", b""):
                    pass
                f.read(1)
                buffered = len(f.peek())
        finally:
            sock.close()
    # an 8 KiB buffer (io.DEFAULT_BUFFER_SIZE) would hold half a record at most
    assert 8192 < buffered < MAKEFILE_BUFFER


def test_reset_in_the_body_is_a_connection_reset(misbehaving, sql_db: AgentDB) -> None:
    # OpenSSL's errno must survive the direct read; calling pyOpenSSL's recv_into again
    # after the failure would report an empty SSL error instead
    server = misbehaving("reset")
    with agent(server.port, sql_db) as conn:
        sock = tls_socket(conn, server.port)
        try:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            buffer = bytearray(65536)
            with pytest.raises(ConnectionResetError):
                while sock.recv_into(buffer):
                    pass
        finally:
            sock.close()


def test_reset_in_the_body_reaches_requests_as_a_broken_connection(
    misbehaving, sql_db: AgentDB
) -> None:
    server = misbehaving("reset")
    with agent(server.port, sql_db) as conn:
        with pytest.raises(requests.exceptions.ChunkedEncodingError) as excinfo:
            conn.get("/", timeout=20)
    assert "ConnectionResetError" in repr(excinfo.value)


def test_silent_server_read_times_out(misbehaving, sql_db: AgentDB) -> None:
    server = misbehaving("silent")
    with agent(server.port, sql_db) as conn:
        sock = tls_socket(conn, server.port)
        try:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            sock.settimeout(0.3)
            started = time.monotonic()
            with pytest.raises(socket.timeout):
                sock.recv_into(bytearray(100))
            waited = time.monotonic() - started
        finally:
            sock.close()
    assert 0.25 < waited < 5


def test_failed_reads_leave_no_buffer_exported(tmp_path: Path, test_ca: CA) -> None:
    """A read that fails inside io.BufferedReader used to leave the reader's internal
    buffer exported from a traceback; the garbage collector then released it after the
    reader had freed the memory (a segmentation fault). Here the TLS 1.3 server wants a
    client certificate, so each first read fails with an alert."""
    server = start_echo_server(
        tmp_path, test_ca, require_client_cert=True, max_version=ssl.TLSVersion.TLSv1_3
    )
    script = textwrap.dedent(
        """
        import gc, sys
        from pki.client import PKIConnection
        from pki.tls import ClientCertificateRequiredError
        failures = 0
        for _ in range(40):
            conn = PKIConnection("https", "127.0.0.1", sys.argv[1], cert_paths=[sys.argv[2]],
                                 conf={"PKI_CLIENT_SYSTEM_TRUST": "false"})
            try:
                conn.get("/")
            except ClientCertificateRequiredError:
                failures += 1
            conn.close()
            gc.collect()
        print(failures)
        """
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", script, str(server.port), str(server.ca_path)],
            capture_output=True, text=True, timeout=120,
            env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)),
        )
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "40"


def test_public_read_path_when_the_direct_read_is_missing(
    nginx_server: TLSServer, sql_db: AgentDB
) -> None:
    """Without FEATURES["read_into"] the socket reads through pyOpenSSL's recv_into; that
    path must give the same bytes (here it is switched off on one socket)."""
    size, digest = nginx_server.extra["files"]["3m.bin"]  # type: ignore[index]
    with agent(nginx_server.port, sql_db) as conn:
        sock = tls_socket(conn, nginx_server.port)
        sock._read_into = None  # what a pyOpenSSL without the binding gives
        try:
            sock.sendall(b"GET /files/3m.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            sock.settimeout(30)  # non-blocking underneath: want-read waits
            with sock.makefile("rb") as f:
                while f.readline() not in (b"\r\n", b""):
                    pass
                body = f.read()
        finally:
            sock.close()
    assert len(body) == size and sha256(body) == digest
