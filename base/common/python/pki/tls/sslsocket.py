"""A socket object backed by a pyOpenSSL connection that looks like ``ssl.SSLSocket``.

urllib3 and http.client drive it exactly as they drive the standard library's SSL sockets
(``sendall``, ``recv_into``, ``makefile``, ``getpeercert``, ``version``, timeouts). It also
carries out the client side of certificate requests (choosing among several client
certificates by the CA names the server sends), records why a handshake failed so the error
can say what to do, and hands TLS sessions back to its context for resumption.
"""

from __future__ import annotations

import datetime
import io
import select
import socket
import ssl
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from OpenSSL import SSL

from pki.tls import _openssl
from pki.tls.errors import (
    AmbiguousClientCertificateError,
    ClientCertificateRejectedError,
    ClientCertificateRequiredError,
    HostnameMismatchError,
    ProtocolVersionError,
    ServerCertificateError,
    TLSError,
    UntrustedServerError,
)

if TYPE_CHECKING:
    from pki.tls.context import ClientIdentity, PKISSLContext

__all__ = ["PKISSLSocket"]

# X509_V_ERR_* codes that mean "the name does not match" or "the dates are wrong"
_HOSTNAME_ERRORS = {62, 63, 64}  # HOSTNAME_MISMATCH, EMAIL_MISMATCH, IP_ADDRESS_MISMATCH
_DATE_ERRORS = {9, 10}  # CERT_NOT_YET_VALID, CERT_HAS_EXPIRED

_VERSION_REASONS = (
    "unsupported protocol",
    "protocol version",
    "no protocols available",
    "wrong version number",
    "no suitable signature algorithm",
    "version too low",
)
_CLIENT_CERT_ALERTS = (
    "bad certificate",
    "unknown ca",
    "certificate unknown",
    "certificate expired",
    "certificate revoked",
    "unsupported certificate",
    "access denied",
    "decrypt error",
    "handshake failure",
    "certificate required",
)


def _reasons(error: SSL.Error) -> list[str]:
    details = error.args[0] if error.args else []
    if isinstance(details, list):
        return [str(item[2]) if isinstance(item, tuple) and len(item) == 3 else str(item)
                for item in details]
    return [str(a) for a in error.args]


def _name(cert: x509.Certificate | None, which: str = "subject") -> str:
    if cert is None:
        return "(unknown)"
    return getattr(cert, which).rfc4514_string()


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
        context: PKISSLContext,
        sock: socket.socket,
        server_hostname: str | None,
        conn: SSL.Connection,
        session_key: tuple[Any, ...] | None,
    ) -> None:
        self._context = context
        self._sock = sock
        self.server_hostname = server_hostname
        self._conn = conn
        self._session_key = session_key
        self._closed = False
        self._io_refs = 0
        self.suppress_ragged_eofs = True
        # what the handshake saw, for errors a person can act on
        self.certificate_requested = False
        self.sent_identity: ClientIdentity | None = context.default_identity
        self.selection_error: TLSError | None = None
        self.verify_failure: tuple[x509.Certificate, int, int] | None = None
        self._peer_leaf: Any = None  # pyOpenSSL X509 of depth 0, converted only if needed
        self._received = 0  # bytes of application data read so far

    # -- callbacks from OpenSSL (via the context) ----------------------------------------

    def on_certificate_request(self) -> bool:
        """The server sent a CertificateRequest: pick the certificate to answer with."""
        self.certificate_requested = True
        identities = self._context.identities
        if len(identities) <= 1:
            return True
        ca_names = {name.der() for name in (self._conn.get_client_ca_list() or [])}
        matching = [i for i in identities if i.issuer_names_der & ca_names]
        if len(matching) == 1:
            chosen = matching[0]
            self._conn.use_certificate(chosen.openssl_cert)
            self._conn.use_privatekey(chosen.openssl_key)
            self.sent_identity = chosen
            return True
        pool = matching or identities
        listed = "; ".join(i.describe() for i in pool)
        why = (
            "the server named none of their issuers"
            if not matching
            else "the server accepts the issuers of several"
        )
        self.selection_error = AmbiguousClientCertificateError(
            f"{self._peer_label()} asked for a client certificate and {why}; choose one with "
            f"nickname= (or PKI_CLIENT_CERT_NICKNAME in pki.conf). Candidates: {listed}",
            candidates=[i.nickname or _name(i.cert) for i in pool],
        )
        return False

    def record_verify_failure(self, cert: x509.Certificate, errnum: int, depth: int) -> None:
        if self.verify_failure is None:
            self.verify_failure = (cert, errnum, depth)

    def record_peer_leaf(self, cert: Any) -> None:
        self._peer_leaf = cert

    @property
    def peer_leaf(self) -> x509.Certificate | None:
        """The server's own certificate as the verification saw it (kept for errors)."""
        return self._peer_leaf.to_cryptography() if self._peer_leaf is not None else None

    # -- handshake and errors ------------------------------------------------------------

    def do_handshake(self) -> None:
        try:
            self._io(self._conn.do_handshake)
        except SSL.Error as exc:
            raise self._translate(exc) from None
        self._store_session()

    def _peer_label(self) -> str:
        try:
            host, port = self._sock.getpeername()[:2]
        except OSError:
            return f"the server {self.server_hostname or ''}".strip()
        return f"the server {self.server_hostname or host} ({host}:{port})"

    def _translate(self, exc: SSL.Error) -> TLSError:
        """Turn an OpenSSL failure into an error that says what to do."""
        if self.selection_error is not None:
            return self.selection_error
        reasons = _reasons(exc)
        text = "; ".join(r for r in reasons if r)
        if not text:  # OpenSSL 3 reports a reset connection as an empty "system library" error
            dropped = self._dropped_after_client_cert("the connection was reset")
            if dropped is not None:
                return dropped
            text = "the connection was reset or closed during TLS"
        lowered = text.lower()
        peer = self._peer_label()
        if "certificate verify failed" in lowered:
            return self._verify_error(reasons)
        if any(r in lowered for r in _VERSION_REASONS):
            low, high = self._context.version_range_text()
            return ProtocolVersionError(
                f"no TLS version in common with {peer}: this client allows {low} to {high} "
                f"(SSL_STREAM_VERSION_MIN/MAX in pki.conf); OpenSSL said: {text}",
                reasons=reasons,
            )
        if "alert" in lowered and any(a in lowered for a in _CLIENT_CERT_ALERTS):
            if self.sent_identity is None and (
                self.certificate_requested or "certificate required" in lowered
                or "handshake failure" in lowered
            ):
                return self._certificate_required(f"TLS alert: {text}", reasons)
            if self.sent_identity is not None and self.certificate_requested:
                ident = self.sent_identity
                return ClientCertificateRejectedError(
                    f"{peer} rejected the client certificate {ident.describe()}: TLS alert "
                    f"{text}. Check that the server trusts its issuer and that it is valid "
                    "and not revoked",
                    reasons=reasons,
                )
        return TLSError(f"TLS error with {peer}: {text}", reasons=reasons)

    def _verify_error(self, reasons: list[str]) -> ServerCertificateError:
        code, text = _openssl.verify_result(self._conn)
        failing = self.verify_failure[0] if self.verify_failure else None
        if self.verify_failure and not code:
            code = self.verify_failure[1]
        peer = self._peer_label()
        if code in _HOSTNAME_ERRORS:
            names = self._cert_names(failing or self._leaf())
            return HostnameMismatchError(
                f"{peer}: its certificate is not valid for '{self.server_hostname}' "
                f"(it names {names}); connect with a name the certificate lists",
                reasons=reasons,
                verify_code=code,
            )
        if code in _DATE_ERRORS and failing is not None:
            state = "expired" if code == 10 else "not yet valid"
            return UntrustedServerError(
                f"{peer}: the certificate {_name(failing)} in its chain is {state}: valid "
                f"from {failing.not_valid_before_utc:%Y-%m-%d %H:%M} to "
                f"{failing.not_valid_after_utc:%Y-%m-%d %H:%M} UTC",
                reasons=reasons,
                verify_code=code,
            )
        leaf = self._leaf() or self.peer_leaf
        untrusted = _name(failing, "issuer") if failing is not None else "(unknown)"
        where = self._context.trust_description()
        return UntrustedServerError(
            f"{peer} is not trusted: its certificate {_name(leaf)} chains up to "
            f"{untrusted}, which is not a trusted CA here "
            f"({text or 'certificate verify failed'}). If you trust that CA, add it to "
            f"{where}, e.g. 'certutil -A -d <nssdb> -n \"CA\" -t CT,C,C -a -i ca.pem', "
            "or pass cert_paths=['ca.pem']",
            reasons=reasons,
            verify_code=code,
        )

    def _leaf(self) -> x509.Certificate | None:
        cert = self._conn.get_peer_certificate()
        return cert.to_cryptography() if cert is not None else None

    @staticmethod
    def _cert_names(cert: x509.Certificate | None) -> str:
        if cert is None:
            return "nothing"
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            names = [str(n.value) for n in san]
        except x509.ExtensionNotFound:
            names = []
        return ", ".join(names) or f"only the subject {_name(cert)}"

    # -- session resumption --------------------------------------------------------------

    def _store_session(self) -> None:
        if self._session_key is None:
            return
        session = self._conn.get_session()
        if session is not None:
            self._context.remember_session(self._session_key, session)

    @property
    def session_reused(self) -> bool:
        return bool(_openssl_session_reused(self._conn))

    # -- I/O -----------------------------------------------------------------------------

    def _wait(self, for_write: bool, deadline: float | None) -> None:
        timeout = None if deadline is None else deadline - time.monotonic()
        if timeout is not None and timeout <= 0:
            raise socket.timeout("The TLS operation timed out")
        poller = select.poll()
        poller.register(self._sock.fileno(), select.POLLOUT if for_write else select.POLLIN)
        if not poller.poll(None if timeout is None else timeout * 1000):
            raise socket.timeout("The TLS operation timed out")

    def _io(self, operation: Any, *args: Any) -> Any:
        timeout = self._sock.gettimeout()
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                return operation(*args)
            except SSL.WantReadError:
                self._wait(False, deadline)
            except SSL.WantWriteError:
                self._wait(True, deadline)

    def _dropped_after_client_cert(self, detail: str) -> TLSError | None:
        """Explain a new connection that the server drops before answering anything, right
        after it asked for a client certificate: it refused the one we sent, or wanted one
        and got none (TLS 1.3 servers decide after the handshake, and their alert is often
        lost to a connection reset)."""
        if self._received or not self.certificate_requested:
            return None
        if self.sent_identity is None:
            return self._certificate_required(detail)
        return ClientCertificateRejectedError(
            f"{self._peer_label()} closed the connection right after receiving the client "
            f"certificate {self.sent_identity.describe()}, so it probably rejected it: check "
            f"that the server trusts its issuer and that it is valid and not revoked ({detail})"
        )

    def _certificate_required(self, detail: str, reasons: Sequence[str] = ()) -> TLSError:
        return ClientCertificateRequiredError(
            f"{self._peer_label()} requires a TLS client certificate and none is configured: "
            "pass nssdb= and nickname= (or set PKI_CLIENT_DATABASE and "
            f"PKI_CLIENT_CERT_NICKNAME in pki.conf); {detail}",
            reasons=reasons,
        )

    def _syscall_error(self, exc: SSL.SysCallError) -> OSError:
        code = exc.args[0] if exc.args else None
        text = str(exc.args[1]) if len(exc.args) > 1 else str(exc)
        rejected = self._dropped_after_client_cert(text)
        if rejected is not None:
            return rejected
        if isinstance(code, int) and code > 0:
            return OSError(code, text)
        return OSError(text)

    def _read(self, operation: Any, *args: Any) -> Any:
        try:
            return self._io(operation, *args)
        except SSL.ZeroReturnError:
            eof = None
        except SSL.SysCallError as exc:
            if not (self.suppress_ragged_eofs and exc.args and exc.args[0] in (-1, 0)):
                raise self._syscall_error(exc) from None
            eof = None
        except SSL.Error as exc:
            if not (self.suppress_ragged_eofs and "unexpected eof" in str(exc).lower()):
                raise self._translate(exc) from None
            eof = None
        rejected = self._dropped_after_client_cert("end of stream before any response")
        if rejected is not None:
            raise rejected
        return eof

    def recv(self, bufsize: int = 16384, flags: int = 0) -> bytes:
        data = self._read(self._conn.recv, bufsize)
        if not data:
            return b""
        self._received += len(data)
        return bytes(data)

    read = recv

    def recv_into(self, buffer: Any, nbytes: int | None = None, flags: int = 0) -> int:
        size = nbytes or len(buffer)
        count = self._read(self._conn.recv_into, buffer, size)
        if not count:
            return 0
        self._received += count
        return int(count)

    def send(self, data: bytes | memoryview, flags: int = 0) -> int:
        try:
            return int(self._io(self._conn.send, data))
        except SSL.SysCallError as exc:
            raise self._syscall_error(exc) from None
        except SSL.Error as exc:
            raise self._translate(exc) from None

    write = send

    def sendall(self, data: bytes, flags: int = 0) -> None:
        view = memoryview(data)
        total = 0
        while total < len(view):
            total += self.send(view[total : total + 65536])

    def makefile(self, mode: str = "r", buffering: int | None = None, **kwargs: Any) -> Any:
        """A file object over the TLS stream, as ``socket.makefile`` gives."""
        self._io_refs += 1
        raw = socket.SocketIO(self, mode.replace("b", "") or "r")  # type: ignore[arg-type]
        if buffering == 0:
            return raw
        size = buffering if buffering and buffering > 0 else io.DEFAULT_BUFFER_SIZE
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
    def context(self) -> PKISSLContext:
        return self._context

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

    def getpeercert(self, binary_form: bool = False) -> Any:
        cert = self._leaf()
        if cert is None:
            return None
        if binary_form:
            return cert.public_bytes(serialization.Encoding.DER)
        if self._context.verify_mode == ssl.CERT_NONE:
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


def _openssl_session_reused(conn: SSL.Connection) -> bool:
    lib = _openssl._lib
    if lib is None or not hasattr(lib, "SSL_session_reused"):
        return False
    return bool(lib.SSL_session_reused(conn._ssl))  # noqa: SLF001
