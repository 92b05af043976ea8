"""Why a TLS connection failed, in words a person can act on.

A ``HandshakeRecord`` is what one connection saw: the server it talked to, whether the server
asked for a client certificate and which one was sent, the first certificate that failed
verification and OpenSSL's verdict, the server's certificate, how many bytes of application
data arrived, and how it failed (OpenSSL's reasons, or the socket's error, or the end of the
stream). ``explain(record)`` turns that into the ``pki.tls.errors`` exception (or the
``OSError``) that says what went wrong and what to do; the other functions are its parts.
They are pure: no socket, no OpenSSL call, so they can be tested on recorded handshakes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from cryptography import x509

from pki._certdata import dn_string
from pki.tls.credentials import describe_certificate
from pki.tls.errors import (
    CipherMismatchError,
    ClientCertificateRejectedError,
    ClientCertificateRequiredError,
    HostnameMismatchError,
    ProtocolVersionError,
    ServerCertificateDateError,
    ServerCertificateError,
    TLSError,
    UntrustedServerError,
)

__all__ = [
    "VerifyFailure",
    "Failure",
    "HandshakeRecord",
    "reasons_of",
    "explain",
    "explain_error",
    "explain_verify_failure",
    "explain_early_close",
    "explain_syscall_error",
    "certificate_required",
]

# X509_V_ERR_* codes that mean "the name does not match" or "the dates are wrong"
_HOSTNAME_ERRORS = {62, 63, 64}  # HOSTNAME_MISMATCH, EMAIL_MISMATCH, IP_ADDRESS_MISMATCH
_DATE_ERRORS = {9, 10}  # CERT_NOT_YET_VALID, CERT_HAS_EXPIRED

_VERSION_REASONS = (
    "unsupported protocol",
    "protocol version",
    "no protocols available",
    "no suitable signature algorithm",
    "version too low",
)
# what OpenSSL says when the first bytes from the server are not a TLS record at all
_NOT_TLS_REASONS = ("wrong version number", "packet length too long")
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


class VerifyFailure(NamedTuple):
    """The first certificate of the server's chain that OpenSSL refused, and why."""

    cert: x509.Certificate
    code: int  # X509_V_ERR_*
    depth: int  # 0: the server's own certificate


class Failure(NamedTuple):
    """How a connection failed, as OpenSSL reported it."""

    stage: str  # "handshake", or "io": a read or write after it
    kind: str  # "tls": OpenSSL's reasons; "syscall": the socket under TLS; "eof": stream ended
    reasons: tuple[str, ...] = ()  # OpenSSL's reasons, or the socket error's text
    errno: int | None = None  # the socket's errno ("syscall"), when it has one


@dataclass
class HandshakeRecord:
    """What one TLS client connection saw, filled in as it happens."""

    server_hostname: str | None = None
    peer_address: tuple[str, int] | None = None
    allowed_versions: tuple[str, str] = ("TLS 1.2", "TLS 1.3")
    trust_description: str = "the configured trust anchors"
    certificate_requested: bool = False
    sent_certificate: x509.Certificate | None = None
    sent_nickname: str | None = None
    #: the client could not pick a certificate for the server's request
    selection_error: TLSError | None = None
    verify_failure: VerifyFailure | None = None
    #: OpenSSL's verification result once the handshake is over: (X509_V_ERR code, text)
    verify_result: tuple[int, str] = (0, "")
    peer_leaf: x509.Certificate | None = None
    received: int = 0  # bytes of application data
    #: why the client has no certificate to send, when a database was searched in vain
    no_identity: str = ""
    failure: Failure | None = None

    @property
    def peer(self) -> str:
        """``the server ca.example.com (192.0.2.1:8443)``."""
        if self.peer_address is None:
            return f"the server {self.server_hostname or ''}".strip()
        host, port = self.peer_address
        return f"the server {self.server_hostname or host} ({host}:{port})"

    @property
    def sent_description(self) -> str | None:
        if self.sent_certificate is None:
            return None
        return describe_certificate(self.sent_certificate, self.sent_nickname)

    def note_verify_failure(self, cert: x509.Certificate, code: int, depth: int) -> None:
        if self.verify_failure is None:
            self.verify_failure = VerifyFailure(cert, code, depth)


def reasons_of(args: Sequence[Any]) -> list[str]:
    """The reason strings of a pyOpenSSL ``SSL.Error``'s ``args``.

    OpenSSL errors come as a list of (library, function, reason) triples; anything else is
    kept as its text.
    """
    details = args[0] if args else []
    if isinstance(details, list):
        return [
            str(item[2]) if isinstance(item, tuple) and len(item) == 3 else str(item)
            for item in details
        ]
    return [str(a) for a in args]


def _name(cert: x509.Certificate | None, which: str = "subject") -> str:
    if cert is None:
        return "(unknown)"
    return dn_string(getattr(cert, which))


def _cert_names(cert: x509.Certificate | None) -> str:
    if cert is None:
        return "nothing"
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [str(n.value) for n in san]
    except x509.ExtensionNotFound:
        names = []
    return ", ".join(names) or f"only the subject {_name(cert)}"


def certificate_required(
    record: HandshakeRecord, detail: str, reasons: Sequence[str] = ()
) -> ClientCertificateRequiredError:
    """The server wants a client certificate and this client has none to send."""
    if record.no_identity:
        return ClientCertificateRequiredError(
            f"{record.peer} requires a TLS client certificate and {record.no_identity}; "
            f"{detail}",
            reasons=reasons,
        )
    return ClientCertificateRequiredError(
        f"{record.peer} requires a TLS client certificate and none is configured: "
        "pass nssdb= and nickname= (or set PKI_CLIENT_DATABASE and "
        f"PKI_CLIENT_CERT_NICKNAME in pki.conf); {detail}",
        reasons=reasons,
    )


def explain_early_close(record: HandshakeRecord, detail: str) -> TLSError | None:
    """Explain a new connection that the server drops before answering anything, right
    after it asked for a client certificate: it refused the one sent, or wanted one and got
    none (TLS 1.3 servers decide after the handshake, and their alert is often lost to a
    connection reset). None when the record does not show that pattern."""
    if record.received or not record.certificate_requested:
        return None
    sent = record.sent_description
    if sent is None:
        return certificate_required(record, detail)
    return ClientCertificateRejectedError(
        f"{record.peer} closed the connection right after receiving the client "
        f"certificate {sent}, so it probably rejected it: check that the server trusts its "
        f"issuer and that it is valid and not revoked ({detail})"
    )


def explain_syscall_error(code: Any, text: str, record: HandshakeRecord) -> OSError:
    """An error of the socket under TLS (``SSL.SysCallError``): a rejected certificate when
    the record shows one, else the ``OSError`` (``ConnectionResetError`` and so on)."""
    rejected = explain_early_close(record, text)
    if rejected is not None:
        return rejected
    if isinstance(code, int) and code > 0:
        return OSError(code, text)
    return OSError(text)


def explain_verify_failure(
    reasons: Sequence[str], record: HandshakeRecord
) -> ServerCertificateError:
    """The server's certificate failed verification: a wrong name, a date, or no trust."""
    code, text = record.verify_result
    failing = record.verify_failure.cert if record.verify_failure else None
    if record.verify_failure and not code:
        code = record.verify_failure.code
    peer = record.peer
    if code in _HOSTNAME_ERRORS:
        return HostnameMismatchError(
            f"{peer}: its certificate is not valid for '{record.server_hostname}' "
            f"(it names {_cert_names(failing or record.peer_leaf)}); connect with a name the "
            "certificate lists",
            reasons=reasons,
            verify_code=code,
        )
    if code in _DATE_ERRORS and failing is not None:
        state = "expired" if code == 10 else "not yet valid"
        return ServerCertificateDateError(
            f"{peer}: the certificate {_name(failing)} in its chain is {state}: valid "
            f"from {failing.not_valid_before_utc:%Y-%m-%d %H:%M} to "
            f"{failing.not_valid_after_utc:%Y-%m-%d %H:%M} UTC; the server needs a "
            "certificate valid now (or this machine's clock is wrong)",
            reasons=reasons,
            verify_code=code,
        )
    untrusted = _name(failing, "issuer") if failing is not None else "(unknown)"
    return UntrustedServerError(
        f"{peer} is not trusted: its certificate {_name(record.peer_leaf)} chains up to "
        f"{untrusted}, which is not a trusted CA here "
        f"({text or 'certificate verify failed'}). If you trust that CA, add it to "
        f"{record.trust_description}, e.g. 'certutil -A -d <nssdb> -n \"CA\" -t CT,C,C -a "
        "-i ca.pem', or pass cert_paths=['ca.pem']",
        reasons=reasons,
        verify_code=code,
    )


def explain_error(reasons: Sequence[str], record: HandshakeRecord) -> TLSError:
    """Turn an OpenSSL failure (its reason strings) on this connection into an error that
    says what to do: verification, versions, the client certificate, or what OpenSSL said."""
    if record.selection_error is not None:
        return record.selection_error
    text = "; ".join(r for r in reasons if r)
    if not text:  # OpenSSL 3 reports a reset connection as an empty "system library" error
        dropped = explain_early_close(record, "the connection was reset")
        if dropped is not None:
            return dropped
        text = "the connection was reset or closed during TLS"
    lowered = text.lower()
    peer = record.peer
    if "certificate verify failed" in lowered:
        return explain_verify_failure(reasons, record)
    if any(r in lowered for r in _NOT_TLS_REASONS) and not record.received:
        return TLSError(
            f"{peer} does not speak TLS on this port (OpenSSL said: {text}): check the port "
            "and the protocol; Dogtag serves https on its secure port (8443 by default) and "
            "plain http on 8080",
            reasons=reasons,
        )
    if any(r in lowered for r in _VERSION_REASONS):
        low, high = record.allowed_versions
        return ProtocolVersionError(
            f"no TLS version in common with {peer}: this client allows {low} to {high} "
            f"(SSL_STREAM_VERSION_MIN/MAX in pki.conf); OpenSSL said: {text}",
            reasons=reasons,
        )
    if "handshake failure" in lowered and not record.certificate_requested:
        # refused at the ClientHello: the server found nothing it accepts in it (it had not
        # asked for a certificate, so that is not what it refused)
        return CipherMismatchError(
            f"{peer} refused the TLS handshake at once (TLS alert: {text}): it accepts none "
            "of the cipher suites this client offers (or none of its key exchange groups or "
            "signature algorithms); allow one the server has in SSL_CIPHERS (with "
            "SSL_DEFAULT_CIPHERS=true to keep the defaults) in pki.conf",
            reasons=reasons,
        )
    if "alert" in lowered and any(a in lowered for a in _CLIENT_CERT_ALERTS):
        sent = record.sent_description
        if sent is None and (
            record.certificate_requested or "certificate required" in lowered
        ):
            return certificate_required(record, f"TLS alert: {text}", reasons)
        if sent is not None and record.certificate_requested:
            return ClientCertificateRejectedError(
                f"{peer} rejected the client certificate {sent}: TLS alert {text}. Check "
                "that the server trusts its issuer and that it is valid and not revoked",
                reasons=reasons,
            )
    return TLSError(f"TLS error with {peer}: {text}", reasons=reasons)


def explain(record: HandshakeRecord) -> OSError | None:
    """The error to raise for ``record.failure``, or None when nothing needs explaining
    (no failure, or an end of stream that is just the end of a response).

    A failed handshake is always a ``TLSError``. After the handshake, a broken socket stays
    its ``OSError`` (``ConnectionResetError`` and so on) unless the record shows that the
    server dropped the connection over the client certificate.
    """
    failure = record.failure
    if failure is None:
        return None
    if failure.kind == "eof":
        return explain_early_close(record, "end of stream before any response")
    if failure.kind == "syscall" and failure.stage == "io":
        return explain_syscall_error(failure.errno, "; ".join(failure.reasons), record)
    return explain_error(failure.reasons, record)
