"""Small real HTTPS servers (stdlib ssl, in threads) on 127.0.0.1.

The echo server answers each GET with JSON: the client certificate's subject (or null), the
TLS version, whether the session was resumed, and the path; each POST also records the
body's SHA-256. Like urllib3's dummy servers, it is a real server, not a mock. The
misbehaving server resets a connection in the middle of a body, or never answers.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import socket
import ssl
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pki.testing.certs import CA, IssuedCert


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        sock = self.connection
        assert isinstance(sock, ssl.SSLSocket)
        cert = sock.getpeercert()
        subject = None
        if cert:
            subject = ",".join(f"{k}={v}" for rdn in cert["subject"] for k, v in rdn)
        body = json.dumps(
            {
                "subject": subject,
                "version": sock.version(),
                "cipher": (sock.cipher() or ("",))[0],
                "reused": sock.session_reused,
                "path": self.path,
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.last_body_digest = hashlib.sha256(body).hexdigest()  # type: ignore[attr-defined]
        self.do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass


class _TLSServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, context: ssl.SSLContext, host: str = "127.0.0.1") -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, 0), _Handler)
        self.context = context

    def get_request(self):  # type: ignore[no-untyped-def]
        sock, addr = super().get_request()
        sock.settimeout(10)
        try:
            return self.context.wrap_socket(sock, server_side=True), addr
        except (ssl.SSLError, OSError):
            sock.close()
            raise

    def handle_error(self, request, client_address):  # type: ignore[no-untyped-def]
        pass  # failed handshakes are what some tests provoke


@dataclass
class EchoServer:
    url: str
    port: int
    ca: CA
    ca_path: Path
    server: _TLSServer

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def load_server_key(
    context: ssl.SSLContext, cert_path: Path, key_path: Path, issued: IssuedCert
) -> None:
    """Load ``issued``'s key into ``context`` through a file of mode 0600 (``ssl`` reads keys
    from files only) that is removed at once, even if loading fails."""
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(issued.key_pem())
        context.load_cert_chain(cert_path, key_path)
    finally:
        key_path.unlink(missing_ok=True)


def start_echo_server(
    tmp_path: Path,
    ca: CA,
    *,
    dns_names: tuple[str, ...] = ("localhost",),
    ip_addresses: tuple[str, ...] = ("127.0.0.1",),
    client_cas: tuple[CA, ...] = (),
    require_client_cert: bool = False,
    max_version: ssl.TLSVersion | None = None,
    host: str = "127.0.0.1",
    not_before: datetime.datetime | None = None,
    not_after: datetime.datetime | None = None,
) -> EchoServer:
    """Start a server with a certificate from ``ca`` that accepts client certs from
    ``client_cas`` (default: ``ca``)."""
    issued = ca.issue_cert(
        "echo server", usages=("server",), dns_names=dns_names, ip_addresses=ip_addresses,
        not_before=not_before, not_after=not_after,
    )
    cert_path = tmp_path / "echo-server.pem"
    cert_path.write_bytes(issued.cert_pem)
    ca_path = tmp_path / "echo-ca.pem"
    ca_path.write_bytes(ca.cert_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    load_server_key(context, cert_path, tmp_path / "echo-server.key", issued)
    for client_ca in client_cas or (ca,):
        context.load_verify_locations(cadata=client_ca.cert_pem.decode())
    context.verify_mode = ssl.CERT_REQUIRED if require_client_cert else ssl.CERT_OPTIONAL
    if max_version is not None:
        context.maximum_version = max_version
    server = _TLSServer(context, host)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    netloc = f"[{host}]" if ":" in host else host
    return EchoServer(f"https://{netloc}:{port}", port, ca, ca_path, server)


@pytest.fixture(scope="module")
def echo_server(tmp_path_factory: pytest.TempPathFactory, test_ca: CA):
    """An HTTPS echo server whose certificate comes from the session's test CA."""
    server = start_echo_server(tmp_path_factory.mktemp("echo"), test_ca)
    yield server
    server.stop()


class MisbehavingServer:
    """A TLS server that reads one request, then (``reset``) sends the start of a big body
    and resets the connection, or (``silent``) says nothing until it is closed."""

    def __init__(self, ca: CA, directory: Path, behaviour: str) -> None:
        issued = ca.issue_cert("localhost", usages=("server",), ip_addresses=("127.0.0.1",))
        cert = directory / "server.pem"
        cert.write_bytes(issued.cert_pem)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        load_server_key(self.context, cert, directory / "server.key", issued)
        self.behaviour = behaviour
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        raw, _ = self.listener.accept()
        with self.context.wrap_socket(raw, server_side=True) as tls:
            data = b""
            while b"\r\n\r\n" not in data:
                data += tls.recv(4096)
            if self.behaviour == "reset":
                tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 8388608\r\n\r\n")
                tls.sendall(os.urandom(2**20))
                time.sleep(0.2)
                tls.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                self.done.wait(10)

    def close(self) -> None:
        self.done.set()
        self.thread.join(10)
        self.listener.close()


@pytest.fixture
def misbehaving(test_ca: CA, tmp_path: Path) -> Iterator:
    """Factory: ``misbehaving("reset" | "silent")`` starts a ``MisbehavingServer``."""
    servers: list[MisbehavingServer] = []

    def start(behaviour: str) -> MisbehavingServer:
        directory = tmp_path / f"misbehaving-{len(servers)}"
        directory.mkdir()
        servers.append(MisbehavingServer(test_ca, directory, behaviour))
        return servers[-1]

    yield start
    for server in servers:
        server.close()
