"""Small scripted HTTP(S) servers on 127.0.0.1 that misbehave on purpose.

A ``ScriptedServer`` runs a handler for every TCP connection it accepts, in a thread of its
own; the handler reads requests and answers (or stalls, redirects, cuts a body short,
closes, sends an alert...) through a ``Peer``. The server counts the connections it accepted
and records the requests it read, so that a test can prove that nothing reached it (a
refused redirect) or that a POST arrived once (no silent retry). They are real servers on
real sockets, like urllib3's own test servers, not mocks.

``tls_context(ca, directory)`` is a server context with a certificate for ``127.0.0.1`` and
``localhost`` from ``ca``; its key file exists only while the context loads it. The module
fixtures ``fault_dir``, ``ca_file`` (the session test CA as a PEM file, for
``PKIConnection(verify=)``) and ``server_tls`` (such a context from that CA) reach every
test module (a plugin of conftest); ``run_pki`` runs the ``pki`` command in a clean
environment.
"""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pki.testing.certs import CA

HOST = "127.0.0.1"
SRC = str(Path(__file__).resolve().parents[1])


@dataclass
class Request:
    """One request as the server read it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Peer:
    """One accepted connection, as a handler sees it."""

    server: ScriptedServer
    sock: socket.socket
    buffer: bytes = b""
    index: int = 0  # the how-many-th connection of the server (from 0)

    def read_request(self) -> Request | None:
        """The next request on this connection, or None when the client closed it."""
        while b"\r\n\r\n" not in self.buffer:
            data = self._recv()
            if not data:
                return None
            self.buffer += data
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length") or 0)
        while len(self.buffer) < length:
            data = self._recv()
            if not data:
                return None
            self.buffer += data
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        request = Request(method, path, headers, body)
        with self.server.lock:
            self.server.requests.append(request)
        return request

    def _recv(self) -> bytes:
        try:
            return self.sock.recv(65536)
        except (OSError, ssl.SSLError):
            return b""

    def send(self, data: bytes) -> bool:
        """Send ``data``; False when the client has gone."""
        try:
            self.sock.sendall(data)
        except (OSError, ssl.SSLError):
            return False
        return True

    def respond(
        self,
        status: int = 200,
        body: bytes = b"",
        content_type: str | None = "application/json",
        headers: Sequence[tuple[str, str]] = (),
        length: int | None = None,
        reason: str = "Whatever",
    ) -> bool:
        """An HTTP/1.1 answer; ``length`` overrides the Content-Length sent (to lie)."""
        lines = [f"HTTP/1.1 {status} {reason}"]
        if content_type:
            lines.append(f"Content-Type: {content_type}")
        lines.append(f"Content-Length: {len(body) if length is None else length}")
        lines += [f"{name}: {value}" for name, value in headers]
        return self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

    def hold(self, seconds: float = 30.0) -> None:
        """Say nothing for ``seconds``, or until the server stops."""
        self.server.stopping.wait(seconds)


Handler = Callable[[Peer], None]


@dataclass
class ScriptedServer:
    """A server on 127.0.0.1 running ``handler`` for each connection (``tls``: over TLS)."""

    handler: Handler
    tls: ssl.SSLContext | None = None
    port: int = 0
    host: str = HOST
    accepted: int = 0
    handshake_errors: list[BaseException] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.listener = socket.create_server((self.host, self.port))
        self.port = int(self.listener.getsockname()[1])
        self._open: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
        self._acceptor.start()

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    def _accept_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                index = self.accepted
                self.accepted += 1
                self._open.append(sock)
            thread = threading.Thread(target=self._serve, args=(sock, index), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket, index: int) -> None:
        sock.settimeout(30)
        conn: socket.socket = sock
        try:
            if self.tls is not None:
                try:
                    conn = self.tls.wrap_socket(sock, server_side=True)
                except (OSError, ssl.SSLError) as exc:
                    with self.lock:
                        self.handshake_errors.append(exc)
                    return
                with self.lock:
                    self._open.append(conn)
            self.handler(Peer(self, conn, index=index))
        finally:
            with contextlib.suppress(OSError):
                conn.close()

    def stop(self) -> None:
        """Stop listening and close every connection (clients see them end)."""
        self.stopping.set()
        with contextlib.suppress(OSError):  # wakes the accept() of the other thread
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        with self.lock:
            open_sockets = list(self._open)
        for sock in open_sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()
        self._acceptor.join(5)
        for thread in self._threads:
            thread.join(5)

    def __enter__(self) -> ScriptedServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@contextlib.contextmanager
def serving(handler: Handler, **kwargs: object) -> Iterator[ScriptedServer]:
    """A ``ScriptedServer`` for the ``with`` block."""
    server = ScriptedServer(handler, **kwargs)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()


def tls_context(
    ca: CA,
    directory: Path,
    *,
    require_client_cert_from: CA | None = None,
    names: tuple[str, ...] = ("localhost",),
    addresses: tuple[str, ...] = (HOST,),
) -> ssl.SSLContext:
    """A server context with a certificate from ``ca`` (the key file is removed once
    loaded); ``require_client_cert_from``: client certificates must come from that CA."""
    issued = ca.issue_cert(
        "fault server", usages=("server",), dns_names=names, ip_addresses=addresses
    )
    cert_path, key_path = directory / "fault-server.pem", directory / "fault-server.key"
    cert_path.write_bytes(issued.cert_pem)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as key_file:
        key_file.write(issued.key_pem())
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(cert_path, key_path)
    finally:
        key_path.unlink()
    if require_client_cert_from is not None:
        context.load_verify_locations(cadata=require_client_cert_from.cert_pem.decode())
        context.verify_mode = ssl.CERT_REQUIRED
    return context


def write_ca(ca: CA, directory: Path) -> str:
    """The CA certificate as a PEM file (for ``PKIConnection(verify=...)``)."""
    path = directory / "fault-ca.pem"
    path.write_bytes(ca.cert_pem)
    return str(path)


@pytest.fixture(scope="module")
def fault_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("faults")


@pytest.fixture(scope="module")
def ca_file(test_ca: CA, fault_dir: Path) -> str:
    return write_ca(test_ca, fault_dir)


@pytest.fixture(scope="module")
def server_tls(test_ca: CA, fault_dir: Path) -> ssl.SSLContext:
    return tls_context(test_ca, fault_dir)


def run_pki(home: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m pki.cli ARGV`` with ``home`` as HOME (no pki.conf) and no PKI_/SSL_
    variable of the machine; ``env`` adds some."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PKI_", "SSL_"))}
    return subprocess.run(
        [sys.executable, "-m", "pki.cli", *argv], stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=120,
        env={**clean, "PYTHONPATH": SRC, "HOME": str(home), "PKI_LIB": str(home), **env},
    )


# -- handlers ------------------------------------------------------------------------------


def answer_each(
    status: int = 200,
    body: bytes = b"{}",
    content_type: str | None = "application/json",
    headers: Sequence[tuple[str, str]] = (),
) -> Handler:
    """Answer every request of the connection the same way (keep-alive)."""

    def handle(peer: Peer) -> None:
        while peer.read_request() is not None:
            if not peer.respond(status, body, content_type, headers):
                return

    return handle


def stall_before_answer(peer: Peer) -> None:
    """Read the request, then say nothing."""
    if peer.read_request() is not None:
        peer.hold()


def stall_in_body(peer: Peer) -> None:
    """Send the headers and the start of a JSON body, then nothing."""
    if peer.read_request() is not None:
        body = b'{"id": "0x1", "Encoded": "'
        peer.send(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
            + body
        )
        peer.hold()


def large_body(size: int, *, declare: bool, content_type: str = "application/json") -> Handler:
    """Answer with ``size`` bytes that are not JSON, sent in 1 MiB pieces until the client
    goes; ``declare``: with a Content-Length, else chunked."""
    piece = b"A" * (1 << 20)

    def handle(peer: Peer) -> None:
        if peer.read_request() is None:
            return
        head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n"
        head += f"Content-Length: {size}\r\n" if declare else "Transfer-Encoding: chunked\r\n"
        head += "\r\n"
        if not peer.send(head.encode()):
            return
        sent = 0
        while sent < size:
            chunk = piece[: size - sent]
            data = chunk if declare else b"%x\r\n%s\r\n" % (len(chunk), chunk)
            if not peer.send(data):
                return
            sent += len(chunk)
        if not declare:
            peer.send(b"0\r\n\r\n")

    return handle
