"""Real TLS servers on 127.0.0.1 for the interoperability tests (registered in ``conftest.py``).

Each factory fixture starts a server on a free loopback port, waits until it accepts TCP
connections, hands back a ``TLSServer`` (``url``, ``port``, ``ca`` that issued its
certificate, ``client_ca`` it accepts client certificates from, ``log()``), and stops it at the
end of the session (terminate, then wait; kill if it lingers). Identical requests share one
server, so a parametrized test does not start one per case.

- ``openssl_server``: ``openssl s_server -www -Verify 1 -verify_return_error`` (a client
  certificate from its CA is required; the page shows the protocol and the certificate).
- ``selfserv_server``: NSS ``selfserv -v`` from its own NSS database, requiring the client
  certificate in the handshake (``-r -r``) or on a second handshake (``-r -r -r -r``); its log
  names the protocol (``SSL version 3.3`` is TLS 1.2, ``3.4`` TLS 1.3) and the client subject.
- ``pha_server``: a Python ``ssl`` server that requires the client certificate only after it
  has read the request, with TLS 1.3 post-handshake authentication.
- ``nginx_server``: nginx with ``ssl_verify_client on`` answering ``$ssl_protocol``,
  ``$ssl_client_verify`` and ``$ssl_client_s_dn``, and serving large random files.

For the clients: ``agent`` (an RSA or EC identity in a sql or dbm database, parametrized),
and ``rsa_agent``. (``isolated_env``, in conftest, keeps the user's pki.conf and the
environment's PKI/TLS variables out of a test.)

Server certificates are for ``localhost`` and ``127.0.0.1`` from the session's ``test_ca``
unless a fixture call asks for another CA or other names. Server keys and passwords are
written to files (mode 0600) only for the servers to read at start, and removed as soon as
they have, or have failed to start; selfserv's database goes when the session ends.
"""

from __future__ import annotations

import hashlib
import os
import re
import select
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from nssdb_fixtures import PASSWORD, AgentDB
from pki.testing.certs import CA, IssuedCert
from pki.testing.nsstools import TestNSSDB

HOST = "127.0.0.1"
START_TIMEOUT = 15.0
SERVER_NAMES = ("localhost",)
SERVER_ADDRESSES = (HOST,)
#: the client certificates on the pages of s_server and the post-handshake server
PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)
#: selfserv logs the record version of each handshake: 3.3 is TLS 1.2, 3.4 is TLS 1.3
NSS_VERSION = {"1.2": "SSL version 3.3", "1.3": "SSL version 3.4"}
#: pki.conf for clients that trust only what a test gives them
NO_SYSTEM_TRUST = {"PKI_CLIENT_SYSTEM_TRUST": "false"}


# -- plumbing ----------------------------------------------------------------------------


def _write(path: Path, data: bytes, mode: int = 0o600) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False


def _require(tool: str, install: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} not found: install {install} (the CI installs it)")
    return path


@dataclass
class TLSServer:
    """A running test server: where it listens and which CAs it uses."""

    name: str
    port: int
    ca: CA  # issued the server certificate: clients must trust it
    client_ca: CA | None  # the server accepts client certificates issued by it
    directory: Path
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    extra: dict[str, object] = field(default_factory=dict)

    host = HOST

    @property
    def url(self) -> str:
        return f"https://{HOST}:{self.port}"

    @property
    def ca_path(self) -> Path:
        """The PEM file of ``ca`` (for ``cert_paths=``)."""
        return self.directory / "server-ca.pem"

    def log(self) -> str:
        """Everything the server wrote to stdout and stderr so far."""
        if self.log_path is None:
            return ""
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, text: str, start: int = 0, timeout: float = 10.0) -> str:
        """The log from offset ``start`` once it contains ``text`` (it is written as it runs)."""
        deadline = time.monotonic() + timeout
        while True:
            chunk = self.log()[start:]
            if text in chunk or time.monotonic() > deadline:
                return chunk
            time.sleep(0.02)


class _Processes:
    """Starts server processes and stops every one of them at teardown."""

    def __init__(self) -> None:
        self.running: list[subprocess.Popen[bytes]] = []

    def start(
        self, command: Sequence[str], port: int, log_path: Path, cwd: Path
    ) -> subprocess.Popen[bytes] | None:
        """Start ``command``; None if it exited before listening (e.g. port taken)."""
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                list(command), cwd=cwd, stdin=subprocess.DEVNULL, stdout=log, stderr=log
            )
        self.running.append(process)
        deadline = time.monotonic() + START_TIMEOUT
        while process.poll() is None:
            if _accepts(port):
                return process
            if time.monotonic() > deadline:
                self.stop(process)
                pytest.fail(
                    f"{command[0]} did not listen on {HOST}:{port} within {START_TIMEOUT} s:\n"
                    + log_path.read_text(errors="replace")
                )
            time.sleep(0.02)
        self.running.remove(process)
        return None

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if process in self.running:
            self.running.remove(process)

    def stop_all(self) -> None:
        for process in list(self.running):
            self.stop(process)


def _start_listening(
    processes: _Processes,
    make_command: Callable[[int], list[str]],
    directory: Path,
    what: str,
) -> tuple[subprocess.Popen[bytes], int, Path]:
    """Start a server on a free port, retrying if another process took the port meanwhile."""
    log_path = directory / "server.log"
    for _ in range(3):
        port = _free_port()
        process = processes.start(make_command(port), port, log_path, directory)
        if process is not None:
            return process, port, log_path
    pytest.fail(f"{what} would not start:\n" + log_path.read_text(errors="replace"))


def _server_files(
    directory: Path,
    ca: CA,
    client_ca: CA | None,
    names: Sequence[str] = SERVER_NAMES,
    addresses: Sequence[str] = SERVER_ADDRESSES,
) -> tuple[IssuedCert, dict[str, Path]]:
    """Issue a server certificate from ``ca``; write it, its key and the CA files as PEM."""
    issued = ca.issue_cert(
        names[0] if names else "Test Server",
        usages=("server",),
        dns_names=names,
        ip_addresses=addresses,
    )
    files = {
        "cert": _write(directory / "server.pem", issued.cert_pem, 0o644),
        "key": _write(directory / "server-key.pem", issued.key_pem()),
        "ca": _write(directory / "server-ca.pem", ca.cert_pem, 0o644),
    }
    if client_ca is not None:
        files["client_ca"] = _write(directory / "client-ca.pem", client_ca.cert_pem, 0o644)
    return issued, files


class _ServerFactory:
    """Common part of the factories: a cache of started servers and their teardown."""

    def __init__(self) -> None:
        self.processes = _Processes()
        self.cache: dict[tuple[object, ...], TLSServer] = {}

    def cached(self, key: tuple[object, ...], start: Callable[[], TLSServer]) -> TLSServer:
        """The server for ``key``, started by ``start()`` the first time (keys hold CA ids:
        the cached server keeps those CAs alive, so an id cannot be reused)."""
        if key not in self.cache:
            self.cache[key] = start()
        server = self.cache[key]
        if server.process is not None and server.process.poll() is not None:
            pytest.fail(f"{server.name} died:\n{server.log()}")
        return server

    def close(self) -> None:
        self.processes.stop_all()


# -- openssl s_server --------------------------------------------------------------------


@pytest.fixture(scope="session")
def openssl_server(tmp_path_factory: pytest.TempPathFactory, test_ca: CA) -> Iterator:
    """Factory: ``openssl_server(version="1.3", client_ca=None, server_ca=None, names=...,
    verify_depth=1)``.

    ``openssl s_server -www -Verify <verify_depth> -verify_return_error`` (without the latter
    s_server only logs a failed client verification and carries on): the handshake fails unless the
    client sends a certificate issued by ``client_ca`` (default ``test_ca``), which the server
    also names in its CertificateRequest. ``version`` (``"1.2"`` or ``"1.3"``) is the only
    version it speaks. ``server_ca`` issues its certificate (default ``test_ca``) for
    ``names`` (DNS names; 127.0.0.1 is added only with the default names). The page it
    returns contains ``Protocol  : TLSv1.x`` and the client certificate in PEM. With
    ``verify_depth=2`` and an intermediate ``client_ca``'s root as ``client_ca``, the client
    must send the intermediate with its certificate.
    """
    openssl = _require("openssl", "OpenSSL's command line tool (Debian: openssl)")
    factory = _ServerFactory()

    def start(
        version: str = "1.3",
        client_ca: CA | None = None,
        server_ca: CA | None = None,
        names: Sequence[str] = SERVER_NAMES,
        verify_depth: int = 1,
    ) -> TLSServer:
        client_ca = client_ca or test_ca
        server_ca = server_ca or test_ca
        names = tuple(names)
        flag = {"1.2": "-tls1_2", "1.3": "-tls1_3"}[version]

        def launch() -> TLSServer:
            directory = tmp_path_factory.mktemp("s_server")
            addresses = SERVER_ADDRESSES if names == SERVER_NAMES else ()
            _, files = _server_files(directory, server_ca, client_ca, names, addresses)

            def command(port: int) -> list[str]:
                return [
                    openssl, "s_server", "-accept", f"{HOST}:{port}", "-www",
                    "-Verify", str(verify_depth), "-verify_return_error",
                    "-CAfile", str(files["client_ca"]),
                    "-cert", str(files["cert"]), "-key", str(files["key"]), flag,
                ]

            try:
                process, port, log = _start_listening(
                    factory.processes, command, directory, "openssl s_server"
                )
            finally:
                files["key"].unlink()  # s_server has read it (or will never need it)
            return TLSServer(
                f"openssl s_server TLS {version}", port, server_ca, client_ca, directory,
                process, log,
            )

        key = (version, id(client_ca), id(server_ca), names, verify_depth)
        return factory.cached(key, launch)

    yield start
    factory.close()


# -- NSS selfserv ------------------------------------------------------------------------

SELFSERV_PASSWORD = "selfserv secret"


@pytest.fixture(scope="session")
def selfserv_server(tmp_path_factory: pytest.TempPathFactory, test_ca: CA) -> Iterator:
    """Factory: ``selfserv_server(version="1.2", renegotiate=False)``.

    NSS ``selfserv`` serving from its own password-protected NSS database (the server
    certificate as ``server`` and ``test_ca`` trusted ``CT,C,C``) and only TLS ``version``.
    It requires a client certificate from ``test_ca``: in the handshake (``-r -r``), or with
    ``renegotiate=True`` only on a second handshake after the request was read
    (``-r -r -r -r``, TLS 1.2 renegotiation). Its page echoes the request (HTTP/1.0, body
    ends when the connection closes). Its log (``-v``, line-buffered) says
    ``SSL version 3.3`` (TLS 1.2) or ``3.4`` (TLS 1.3) after each handshake and
    ``Subject: <client DN>`` when it validates a client certificate.
    """
    selfserv = _require("selfserv", "NSS's tools (Debian: libnss3-tools, Fedora: nss-tools)")
    stdbuf = shutil.which("stdbuf")
    factory = _ServerFactory()
    databases: list[TestNSSDB] = []

    def start(version: str = "1.2", renegotiate: bool = False) -> TLSServer:
        tls = {"1.2": "tls1.2", "1.3": "tls1.3"}[version]

        def launch() -> TLSServer:
            directory = tmp_path_factory.mktemp("selfserv")
            issued, files = _server_files(directory, test_ca, test_ca)
            files["key"].unlink()  # the key goes into selfserv's database, not a file
            db = TestNSSDB(directory / "nssdb", SELFSERV_PASSWORD, "sql")
            databases.append(db)
            db.add_ca("Test CA", test_ca.cert, "CT,C,C")
            db.add_identity("server", issued)
            password_file = _write(directory / "password.txt", SELFSERV_PASSWORD.encode())
            requests_flags = ["-r"] * (4 if renegotiate else 2)
            # stdout is block-buffered into a file; line buffering lets tests read the log live
            prefix = [stdbuf, "-oL", "-eL"] if stdbuf else []

            def command(port: int) -> list[str]:
                return [
                    *prefix, selfserv, "-d", db.spec, "-n", "server",
                    "-f", str(password_file), "-p", str(port), "-V", f"{tls}:{tls}",
                    *requests_flags, "-v",
                ]

            try:
                process, port, log = _start_listening(
                    factory.processes, command, directory, "selfserv"
                )
            finally:
                password_file.unlink()  # selfserv has logged in (or never will)
            mode = "second handshake" if renegotiate else "handshake"
            return TLSServer(
                f"selfserv TLS {version} (client certificate in the {mode})", port, test_ca,
                test_ca, directory, process, log, {"renegotiate": renegotiate},
            )

        return factory.cached((version, renegotiate), launch)

    yield start
    factory.close()
    for db in databases:  # the server keys are in them
        db.remove()


# -- Python ssl: TLS 1.3 post-handshake authentication ----------------------------------


class PostHandshakeAuthServer:
    """A TLS 1.3 HTTP server that asks for the client certificate after reading a request.

    The initial handshake carries no CertificateRequest (OpenSSL's
    ``SSL_VERIFY_POST_HANDSHAKE``, which Python sets when ``post_handshake_auth`` is on with a
    verifying ``verify_mode``). For the first request on a connection it calls
    ``verify_client_post_handshake()`` and reads until the client's certificate has been
    processed, then replies 200 with ``protocol:`` and ``post-handshake-auth:`` lines and the
    client certificate in PEM. The certificate is required: a client that sends none (or one
    from another CA) gets a TLS alert, as from Apache with ``SSLVerifyClient require`` in a
    location; a client that cannot do post-handshake authentication gets a 403. Connections
    are kept alive, each served by its own thread; ``errors`` lists what broke connections.
    """

    def __init__(self, cert: Path, key: Path, client_ca: Path) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_3
        context.load_cert_chain(cert, key)
        context.load_verify_locations(client_ca)
        context.verify_mode = ssl.CERT_REQUIRED
        context.post_handshake_auth = True
        self._context = context
        self._listener = socket.create_server((HOST, 0))
        self.port = int(self._listener.getsockname()[1])
        self.post_handshake_requests = 0
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._connections: set[ssl.SSLSocket] = set()
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(
            target=self._accept_loop, name="pha-accept", daemon=True
        )
        self._acceptor.start()

    def close(self) -> None:
        """Stop accepting, cut open connections and join every thread."""
        for sock in [self._listener, *self._open_connections()]:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked in accept()/recv()
            except OSError:
                pass
        self._acceptor.join(10)
        self._listener.close()
        for thread in self._threads:
            thread.join(10)

    def _open_connections(self) -> list[ssl.SSLSocket]:
        with self._lock:
            return list(self._connections)

    def _accept_loop(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:  # the listener was shut down
                return
            thread = threading.Thread(
                target=self._serve, args=(sock,), name="pha-conn", daemon=True
            )
            with self._lock:
                self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(10)
        tls = self._context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        with self._lock:
            self._connections.add(tls)
        try:
            try:
                tls.do_handshake()
            except (ssl.SSLEOFError, ConnectionResetError):
                return  # a port probe, not a TLS client
            buffer = b""
            while True:
                request, buffer = self._read_request(tls, buffer)
                if request is None:
                    return
                status, body = self._authenticate(tls)
                tls.sendall(
                    f"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n".encode()
                    + body
                )
        except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
            with self._lock:
                self.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            with self._lock:
                self._connections.discard(tls)
            tls.close()

    @staticmethod
    def _read_request(tls: ssl.SSLSocket, buffer: bytes) -> tuple[bytes | None, bytes]:
        while b"\r\n\r\n" not in buffer:
            try:
                data = tls.recv(4096)
            except (ssl.SSLEOFError, ConnectionResetError):
                if buffer:
                    raise
                data = b""  # closed between requests without close_notify, as clients do
            if not data:
                return None, b""
            buffer += data
        head, _, rest = buffer.partition(b"\r\n\r\n")
        return head, rest  # GET requests only: no body

    def _authenticate(self, tls: ssl.SSLSocket) -> tuple[str, bytes]:
        der = tls.getpeercert(binary_form=True)
        asked = "no (already authenticated on this connection)"
        if der is None:
            try:
                tls.verify_client_post_handshake()
            except ssl.SSLError as exc:
                return "403 Forbidden", f"no post-handshake authentication: {exc}\n".encode()
            with self._lock:
                self.post_handshake_requests += 1
            asked = "yes"
            der = self._await_certificate(tls)
        body = (
            f"protocol: {tls.version()}\npost-handshake-auth: {asked}\n"
            + ssl.DER_cert_to_PEM_cert(der)
        )
        return "200 OK", body.encode()

    @staticmethod
    def _await_certificate(tls: ssl.SSLSocket) -> bytes:
        """Send the CertificateRequest and process the client's answer.

        The client answers while it waits for our response, so no application data comes:
        read without blocking whenever the socket is readable, until OpenSSL has the
        certificate (``getpeercert`` raises ValueError while the exchange is in progress).
        A missing or untrusted certificate raises ``ssl.SSLError`` (and alerts the client).
        """
        timeout = tls.gettimeout()
        tls.setblocking(False)
        deadline = time.monotonic() + 10
        try:
            while True:
                try:
                    tls.recv(1)
                    raise ValueError("the client sent data instead of its certificate")
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                    pass
                try:
                    der = tls.getpeercert(binary_form=True)
                except ValueError:  # handshake messages being processed
                    der = None
                if der is not None:
                    return der
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("no answer to the post-handshake CertificateRequest")
                select.select([tls], [], [], remaining)
        finally:
            tls.settimeout(timeout)


@pytest.fixture(scope="session")
def pha_server(tmp_path_factory: pytest.TempPathFactory, test_ca: CA) -> Iterator[TLSServer]:
    """A ``PostHandshakeAuthServer`` (TLS 1.3 only) requiring a client certificate from
    ``test_ca``; ``extra["server"]`` is the server object (``post_handshake_requests``,
    ``errors``)."""
    directory = tmp_path_factory.mktemp("pha-server")
    _, files = _server_files(directory, test_ca, test_ca)
    try:
        server = PostHandshakeAuthServer(files["cert"], files["key"], files["client_ca"])
    finally:
        files["key"].unlink()  # loaded
    try:  # create_server() has called listen(): connections queue from now on
        yield TLSServer(
            "Python ssl TLS 1.3 post-handshake auth", server.port, test_ca, test_ca, directory,
            extra={"server": server},
        )
    finally:
        server.close()


# -- nginx -------------------------------------------------------------------------------

NGINX_CONF = """\
daemon off;
master_process off;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen {host}:{port} ssl;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_verify_client on;
        ssl_client_certificate {client_ca};
        location / {{
            default_type text/plain;
            return 200 "$ssl_protocol\\n$ssl_client_verify\\n$ssl_client_s_dn\\n";
        }}
        location /files/ {{
            alias {dir}/files/;
        }}
        location /idle-close {{
            keepalive_timeout 1s;
            default_type text/plain;
            return 200 "$connection $ssl_session_reused\n";
        }}
    }}
}}
"""

#: files nginx serves under /files/ (random bytes): name -> size
NGINX_FILES = {
    "100k.bin": 100 * 1024,
    "3m.bin": 3 * 2**20,
    "20m.bin": 20 * 2**20,
    "50m.bin": 50 * 2**20,
}


def _random_files(directory: Path, sizes: dict[str, int]) -> dict[str, tuple[int, str]]:
    """Write files of random bytes; their sizes and SHA-256 digests."""
    directory.mkdir()
    found = {}
    for name, size in sizes.items():
        digest = hashlib.sha256()
        with open(directory / name, "wb") as f:
            for start in range(0, size, 2**20):
                block = os.urandom(min(2**20, size - start))
                digest.update(block)
                f.write(block)
        found[name] = (size, digest.hexdigest())
    return found


@pytest.fixture(scope="session")
def nginx_server(tmp_path_factory: pytest.TempPathFactory, test_ca: CA) -> Iterator[TLSServer]:
    """nginx (TLS 1.2 and 1.3) with ``ssl_verify_client on`` for ``test_ca``'s certificates.

    Its body is three lines: ``$ssl_protocol``, ``$ssl_client_verify`` (``SUCCESS``) and
    ``$ssl_client_s_dn`` (RFC 2253, e.g. ``CN=Agent,O=Example``). Under ``/files/`` it
    serves ``NGINX_FILES``; ``extra["files"]`` maps each name to its size and SHA-256.
    ``/idle-close`` answers ``$connection $ssl_session_reused`` (the connection's serial
    number, ``r`` for a resumed session, else ``.``) and closes the connection after one
    second without a request (``keepalive_timeout 1s``). It
    runs as one process (``master_process off``) with everything, logs included, under its
    own directory.
    """
    nginx = _require("nginx", "nginx (Debian: apt-get install nginx-light)")
    directory = tmp_path_factory.mktemp("nginx")
    _, files = _server_files(directory, test_ca, test_ca)
    served = _random_files(directory / "files", NGINX_FILES)
    processes = _Processes()

    def command(port: int) -> list[str]:
        conf = NGINX_CONF.format(
            dir=directory, host=HOST, port=port, cert=files["cert"], key=files["key"],
            client_ca=files["client_ca"],
        )
        _write(directory / "nginx.conf", conf.encode(), 0o644)
        return [
            nginx, "-p", str(directory), "-c", str(directory / "nginx.conf"),
            "-e", str(directory / "error.log"),
        ]

    try:
        try:
            process, port, _ = _start_listening(processes, command, directory, "nginx")
        finally:
            files["key"].unlink()  # nginx has read it (it is never reloaded)
        yield TLSServer(
            "nginx", port, test_ca, test_ca, directory, process, directory / "error.log",
            {"files": served},
        )
    finally:
        processes.stop_all()


# -- the clients' side ---------------------------------------------------------------------


@dataclass
class Agent:
    """A client identity in an NSS database: what a client is given to authenticate."""

    spec: str
    nickname: str
    cert: x509.Certificate
    password: str | None = PASSWORD

    @property
    def subject(self) -> str:
        return self.cert.subject.rfc4514_string()


@pytest.fixture(
    params=[("sql", "rsa"), ("sql", "ec"), ("dbm", "rsa"), ("dbm", "ec")],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def agent(request: pytest.FixtureRequest) -> Agent:
    """An agent certificate with an RSA or EC key in a sql or dbm database (from test_ca)."""
    db_type, key = request.param
    db: AgentDB = request.getfixturevalue(f"{db_type}_db")
    issued = db.rsa if key == "rsa" else db.ec
    nickname = "PKI Administrator" + (" EC" if key == "ec" else "")
    return Agent(db.spec, nickname, issued.cert)


@pytest.fixture
def rsa_agent(sql_db: AgentDB) -> Agent:
    """The RSA agent of the sql database, for tests about one behaviour rather than keys."""
    return Agent(sql_db.spec, "PKI Administrator", sql_db.rsa.cert)
