"""A socket object backed by a pyOpenSSL connection that looks like ``ssl.SSLSocket``.

urllib3 and http.client drive it exactly as they drive the standard library's SSL sockets
(``sendall``, ``recv_into``, ``makefile``, ``getpeercert``, ``version``, timeouts). Reads
decrypt straight into the caller's buffer and writes hand OpenSSL a whole buffer per call
(see ``pki.tls._openssl``), with the timeout's deadline computed only once the socket has
to wait. What the handshake sees goes into a ``HandshakeRecord``, which
``pki.tls.diagnosis`` turns into errors people can act on.

The socket needs three things from the context that made it (``SocketOwner``): the client
identities to choose from, the session cache, and the verify mode.
"""

from __future__ import annotations

import datetime
import io
import os
import select
import socket
import ssl
import time
from collections.abc import Hashable
from typing import Any, Protocol

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from OpenSSL import SSL

from pki.tls import _openssl
from pki.tls.credentials import ClientIdentity, choose_identity
from pki.tls.diagnosis import Failure, HandshakeRecord, explain, reasons_of
from pki.tls.errors import TLSError
from pki.tls.sessions import SessionCache

__all__ = ["PKISSLSocket", "SocketOwner", "HANDSHAKE_TIMEOUT", "MAKEFILE_BUFFER", "WRITE_CHUNK"]

#: buffer of ``makefile()`` objects: a few 16 KiB TLS records per refill
MAKEFILE_BUFFER = 65536
#: most bytes handed to OpenSSL per write; the socket timeout applies to each such chunk
WRITE_CHUNK = 1 << 20
#: the text of the ``socket.timeout`` a stalled handshake raises (pki.client looks for it
#: to say "the handshake", not "the answer", did not come)
HANDSHAKE_TIMEOUT = "The TLS handshake timed out"


class SocketOwner(Protocol):
    """What a ``PKISSLSocket`` uses of the context that made it."""

    @property
    def identities(self) -> tuple[ClientIdentity, ...]: ...

    @property
    def sessions(self) -> SessionCache[SSL.Session]: ...

    @property
    def verify_mode(self) -> ssl.VerifyMode: ...


def _peercert_dict(cert: x509.Certificate) -> dict[str, Any]:
    """The certificate in the shape ``ssl.SSLSocket.getpeercert()`` returns."""

    def rdns(name: x509.Name) -> tuple[tuple[tuple[str, str], ...], ...]:
        labels = {
            "CN": "commonName", "O": "organizationName", "OU": "organizationalUnitName",
            "C": "countryName", "ST": "stateOrProvinceName", "L": "localityName",
            "DC": "domainComponent", "UID": "userId",
        }
        result = []
        for rdn in name.rdns:
            entries = []
            for attr in rdn:
                short = attr.rfc4514_attribute_name
                entries.append((labels.get(short, short), str(attr.value)))
            result.append(tuple(entries))
        return tuple(result)

    def when(value: datetime.datetime) -> str:
        return value.strftime("%b %d %H:%M:%S %Y GMT")

    info: dict[str, Any] = {
        "subject": rdns(cert.subject),
        "issuer": rdns(cert.issuer),
        "version": cert.version.value + 1,
        "serialNumber": format(cert.serial_number, "X"),
        "notBefore": when(cert.not_valid_before_utc),
        "notAfter": when(cert.not_valid_after_utc),
    }
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return info
    alt: list[tuple[str, str]] = [("DNS", n) for n in san.get_values_for_type(x509.DNSName)]
    alt += [("IP Address", str(a)) for a in san.get_values_for_type(x509.IPAddress)]
    if alt:
        info["subjectAltName"] = tuple(alt)
    return info


class PKISSLSocket:
    """One TLS client connection; created by ``PKISSLContext.wrap_socket``."""

    def __init__(
        self,
        owner: SocketOwner,
        sock: socket.socket,
        conn: SSL.Connection,
        record: HandshakeRecord,
        session_key: Hashable | None,
    ) -> None:
        self._owner = owner
        self._sock = sock
        self._conn = conn
        self._record = record
        self._session_key = session_key
        self.server_hostname = record.server_hostname
        self._closed = False
        self._io_refs = 0
        # TLS 1.3: the session's ticket arrives after the handshake, with the first records
        # read; until then the session cannot resume anything and is not stored
        self._ticket_pending = False
        self.suppress_ragged_eofs = True
        # None when this OpenSSL binding cannot read into the caller's buffer
        self._read_into = _openssl.reader_into(conn)

    @property
    def record(self) -> HandshakeRecord:
        """What this connection saw (for diagnosis; holds no secret)."""
        return self._record

    # -- called by OpenSSL (through _openssl's certificate callback) ----------------------

    def on_certificate_request(self) -> bool:
        """The server sent a CertificateRequest: pick the certificate to answer with."""
        self._record.certificate_requested = True
        identities = self._owner.identities
        if len(identities) <= 1:
            return True
        ca_names = {name.der() for name in (self._conn.get_client_ca_list() or [])}
        try:
            chosen = choose_identity(identities, ca_names, self._record.peer)
        except TLSError as exc:
            self._record.selection_error = exc
            return False
        self._conn.use_certificate(_openssl.as_certificate(chosen.cert))
        self._conn.use_privatekey(_openssl.as_private_key(chosen.key))
        self._record.sent_certificate = chosen.cert
        self._record.sent_nickname = chosen.nickname
        return True

    # -- handshake and errors ------------------------------------------------------------

    def do_handshake(self) -> None:
        deadline = None
        while True:
            try:
                self._conn.do_handshake()
                break
            except SSL.WantReadError:
                deadline = self._wait(False, deadline, HANDSHAKE_TIMEOUT)
            except SSL.WantWriteError:
                deadline = self._wait(True, deadline, HANDSHAKE_TIMEOUT)
            except SSL.Error as exc:  # a failed handshake is a TLS error, whatever broke
                raise self._failed("handshake", exc) from None
        self._ticket_pending = self._conn.get_protocol_version_name() == "TLSv1.3"
        self._store_session()

    def _failed(self, stage: str, exc: SSL.Error) -> OSError:
        """Note how the connection failed in the record; the error that explains it."""
        record = self._record
        if isinstance(exc, SSL.SysCallError):
            code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
            if code is not None and code > 0:
                text = os.strerror(code)
            else:  # pyOpenSSL's (-1, "Unexpected EOF") and the like
                text = str(exc.args[-1]) if exc.args else str(exc)
            record.failure = Failure(stage, "syscall", (text,), code)
        else:
            reasons = tuple(reasons_of(exc.args))
            record.failure = Failure(stage, "tls", reasons)
            if "certificate verify failed" in " ".join(reasons).lower():
                record.verify_result = _openssl.verify_result(self._conn)
                leaf = self._conn.get_peer_certificate()
                if leaf is not None:
                    record.peer_leaf = leaf.to_cryptography()
        error = explain(record)
        assert error is not None
        return error

    # -- session resumption --------------------------------------------------------------

    def _store_session(self) -> None:
        """Keep this connection's session for the next connection to the same server.

        Not before a TLS 1.3 session has its ticket: stored earlier, it would replace the
        resumable session of another connection with one that cannot resume.
        """
        if self._session_key is None or self._ticket_pending:
            return
        session = self._conn.get_session()
        if session is not None:
            self._owner.sessions.put(self._session_key, session)

    @property
    def session(self) -> SSL.Session | None:
        """The TLS session, for ``wrap_socket(session=...)`` of another connection."""
        return self._conn.get_session()

    @property
    def session_reused(self) -> bool:
        return _openssl.session_reused(self._conn)

    # -- I/O -----------------------------------------------------------------------------

    def _wait(
        self, for_write: bool, deadline: float | None, what: str = "The TLS operation timed out"
    ) -> float:
        """Wait until the socket is readable (writable); returns the deadline, computed on
        the first wait of an operation from the socket's timeout (inf: none). ``what`` is
        the text of the ``socket.timeout`` raised when it passes."""
        if deadline is None:
            timeout = self._sock.gettimeout()
            deadline = float("inf") if timeout is None else time.monotonic() + timeout
        poller = select.poll()
        poller.register(self._sock.fileno(), select.POLLOUT if for_write else select.POLLIN)
        if deadline == float("inf"):
            poller.poll()
            return deadline
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not poller.poll(remaining * 1000):
            raise socket.timeout(what)
        return deadline

    def _read_failed(self, exc: SSL.Error) -> int:
        """0 for the end of the stream (a clean one, or a ragged one when suppressed);
        otherwise raise the explained error."""
        if isinstance(exc, SSL.ZeroReturnError):
            pass
        elif isinstance(exc, SSL.SysCallError):
            if not (self.suppress_ragged_eofs and exc.args and exc.args[0] in (-1, 0)):
                raise self._failed("io", exc) from None
        elif not (self.suppress_ragged_eofs and "unexpected eof" in str(exc).lower()):
            raise self._failed("io", exc) from None
        self._record.failure = Failure("io", "eof")
        rejected = explain(self._record)
        if rejected is not None:
            raise rejected
        return 0

    def recv_into(self, buffer: Any, nbytes: int | None = None, flags: int = 0) -> int:
        read = self._read_into
        if read is None:
            return self._recv_into_public(buffer, nbytes)
        try:
            count = read(buffer, nbytes or 0)
            deadline = None
            while count < 0:
                deadline = self._wait(count == _openssl.WANT_WRITE, deadline)
                count = read(buffer, nbytes or 0)
        except SSL.Error as exc:
            return self._read_failed(exc)
        self._received(count)
        return count

    def _received(self, count: int) -> None:
        self._record.received += count
        if self._ticket_pending and count:
            self._ticket_pending = False  # the tickets came before the first data
            self._store_session()

    def _recv_into_public(self, buffer: Any, nbytes: int | None) -> int:
        """``recv_into`` through pyOpenSSL's public call (it copies once more)."""
        size = nbytes or len(memoryview(buffer).cast("B"))
        deadline = None
        while True:
            try:
                count = int(self._conn.recv_into(buffer, size))
                break
            except SSL.WantReadError:
                deadline = self._wait(False, deadline)
            except SSL.WantWriteError:
                deadline = self._wait(True, deadline)
            except SSL.Error as exc:
                return self._read_failed(exc)
        self._received(count)
        return count

    def recv(self, bufsize: int = 16384, flags: int = 0) -> bytes:
        buffer = bytearray(bufsize)
        count = self.recv_into(buffer, bufsize)
        del buffer[count:]
        return bytes(buffer)

    read = recv

    def _write(self, view: memoryview) -> int:
        """Hand ``view`` to OpenSSL; the count it wrote (all of it, unless this OpenSSL
        binding keeps partial writes on)."""
        deadline = None
        while True:
            try:
                return int(self._conn.send(view))
            except SSL.WantWriteError:
                deadline = self._wait(True, deadline)
            except SSL.WantReadError:
                deadline = self._wait(False, deadline)
            except SSL.Error as exc:
                raise self._failed("io", exc) from None

    # The views of the caller's buffer are released before an exception leaves (see
    # _openssl.reader_into): a traceback must not keep that buffer exported.

    def send(self, data: Any, flags: int = 0) -> int:
        with memoryview(data) as whole, whole.cast("B") as view, view[:WRITE_CHUNK] as chunk:
            return self._write(chunk)

    write = send

    def sendall(self, data: Any, flags: int = 0) -> None:
        with memoryview(data) as whole, whole.cast("B") as view:
            total = len(view)
            sent = 0
            while sent < total:
                with view[sent : sent + WRITE_CHUNK] as chunk:
                    sent += self._write(chunk)

    def makefile(self, mode: str = "r", buffering: int | None = None, **kwargs: Any) -> Any:
        """A file object over the TLS stream, as ``socket.makefile`` gives (binary only)."""
        self._io_refs += 1
        raw = socket.SocketIO(self, mode.replace("b", "") or "r")  # type: ignore[arg-type]
        if buffering == 0:
            return raw
        size = buffering if buffering and buffering > 0 else MAKEFILE_BUFFER
        if "w" in mode:
            return io.BufferedWriter(raw, size)
        return io.BufferedReader(raw, size)

    def _decref_socketios(self) -> None:
        if self._io_refs > 0:
            self._io_refs -= 1
        if self._closed:
            self.close()

    def _checkClosed(self) -> None:  # noqa: N802 - socket.SocketIO calls this name
        if self._closed:
            raise ValueError("I/O operation on closed socket")

    def pending(self) -> int:
        return int(self._conn.pending())

    # -- socket-like plumbing ------------------------------------------------------------

    def fileno(self) -> int:
        return self._sock.fileno()

    def settimeout(self, value: float | None) -> None:
        self._sock.settimeout(value)

    def gettimeout(self) -> float | None:
        return self._sock.gettimeout()

    def setblocking(self, flag: bool) -> None:
        self._sock.setblocking(flag)

    def setsockopt(self, *args: Any) -> None:
        self._sock.setsockopt(*args)

    def getsockopt(self, *args: Any) -> Any:
        return self._sock.getsockopt(*args)

    def getpeername(self) -> Any:
        return self._sock.getpeername()

    def getsockname(self) -> Any:
        return self._sock.getsockname()

    @property
    def family(self) -> int:
        return self._sock.family

    @property
    def context(self) -> SocketOwner:
        return self._owner

    def shutdown(self, how: int = socket.SHUT_RDWR) -> None:
        self._store_session()
        try:
            self._conn.shutdown()
        except SSL.Error:
            pass
        self._sock.shutdown(how)

    def close(self) -> None:
        if self._io_refs > 0:
            self._closed = True
            return
        if self._sock.fileno() == -1:
            self._closed = True
            return
        self._closed = True
        self._store_session()
        try:
            self._conn.set_shutdown(SSL.SENT_SHUTDOWN)
        except SSL.Error:
            pass
        self._sock.close()

    def unwrap(self) -> socket.socket:
        self._conn.shutdown()
        return self._sock

    # -- what the handshake established --------------------------------------------------

    def _leaf(self) -> x509.Certificate | None:
        cert = self._conn.get_peer_certificate()
        return cert.to_cryptography() if cert is not None else None

    def getpeercert(self, binary_form: bool = False) -> Any:
        cert = self._leaf()
        if cert is None:
            return None
        if binary_form:
            return cert.public_bytes(serialization.Encoding.DER)
        if self._owner.verify_mode == ssl.CERT_NONE:
            return {}
        return _peercert_dict(cert)

    def get_verified_chain(self) -> list[bytes]:
        chain = self._conn.get_verified_chain() or []
        return [c.to_cryptography().public_bytes(serialization.Encoding.DER) for c in chain]

    def version(self) -> str | None:
        name = self._conn.get_protocol_version_name()
        return None if name in ("", "Unknown") else name

    def cipher(self) -> tuple[str, str, int] | None:
        name = self._conn.get_cipher_name()
        if name is None:
            return None
        return name, self._conn.get_cipher_version() or "", self._conn.get_cipher_bits() or 0

    def selected_alpn_protocol(self) -> str | None:
        proto = self._conn.get_alpn_proto_negotiated()
        return proto.decode() if proto else None

    def selected_npn_protocol(self) -> None:
        return None

    def shared_ciphers(self) -> None:
        return None

    def compression(self) -> None:
        return None

    def __repr__(self) -> str:
        return f"<PKISSLSocket to {self.server_hostname!r} {self.version() or 'unconnected'}>"
