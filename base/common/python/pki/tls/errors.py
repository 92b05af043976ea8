"""TLS errors that say what went wrong and what to do about it.

They subclass ``ssl.SSLError`` so that urllib3 and requests handle them like any TLS failure
(``requests.exceptions.SSLError`` wraps them), and ``pki.PKIException`` so that scripts
catching the package's base exception see them too. ``pki.client`` unwraps them from
requests' exception chain.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence

from pki import PKIException

__all__ = [
    "TLSError",
    "TLSConfigurationError",
    "FrozenContextError",
    "ServerCertificateError",
    "UntrustedServerError",
    "HostnameMismatchError",
    "ServerCertificateDateError",
    "ClientCertificateRequiredError",
    "ClientCertificateRejectedError",
    "AmbiguousClientCertificateError",
    "ProtocolVersionError",
    "UnsupportedPlatformError",
    "SettingNotAppliedWarning",
    "CipherMismatchError",
]


class TLSError(ssl.SSLError, PKIException):
    """A TLS connection failed; the message says why and what to do."""

    def __init__(self, message: str, *, reasons: Sequence[str] = ()) -> None:
        ssl.SSLError.__init__(self, message)
        PKIException.__init__(self, message)
        self.reasons = list(reasons)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (self.__class__, (self.message,))


class TLSConfigurationError(PKIException, ValueError):
    """The TLS settings cannot be applied (bad value in pki.conf or arguments)."""


class FrozenContextError(TLSConfigurationError):
    """Something tried to change a TLS context after it was built.

    A connection's context is built once from pki.conf, the NSS database and the arguments;
    repeating a setting it already has is harmless, changing one is refused.
    """


class ServerCertificateError(ssl.SSLCertVerificationError, TLSError):
    """The server's certificate failed verification."""

    def __init__(self, message: str, *, reasons: Sequence[str] = (), verify_code: int = 0):
        TLSError.__init__(self, message, reasons=reasons)
        self.verify_code = verify_code
        self.verify_message = message


class UntrustedServerError(ServerCertificateError):
    """The server's certificate chain does not lead to a trusted CA."""


class ServerCertificateDateError(UntrustedServerError):
    """A certificate of the server's chain is expired or not yet valid (its issuer may well
    be trusted: an ``UntrustedServerError`` all the same, as verification failed)."""


class HostnameMismatchError(ServerCertificateError):
    """The server's certificate is not valid for the host name or address connected to."""


class ClientCertificateRequiredError(TLSError):
    """The server asked for a client certificate and none was configured."""


class ClientCertificateRejectedError(TLSError):
    """The server refused the client certificate that was sent (a TLS alert)."""


class AmbiguousClientCertificateError(TLSError):
    """Several client certificates fit and nothing decides between them."""

    def __init__(self, message: str, candidates: Sequence[str] = ()) -> None:
        TLSError.__init__(self, message)
        self.candidates = list(candidates)


class ProtocolVersionError(TLSError):
    """Client and server have no TLS version in common."""


class UnsupportedPlatformError(PKIException, OSError):
    """This operating system lacks what a safe implementation needs.

    ``create_ssl_context`` hands the client key to the standard library's ``ssl`` through an
    anonymous memory file (Linux's ``memfd_create`` and ``/proc/self/fd``); where there is
    none it refuses rather than write the key to a file.
    """


class SettingNotAppliedWarning(UserWarning):
    """A pki.conf setting that the TLS library in use cannot apply (e.g. TLS 1.3 cipher
    suites in the standard library's ``ssl``): the context works, without that setting."""


class CipherMismatchError(TLSError):
    """The server refused the handshake before choosing anything: no cipher suite (or key
    exchange group, or signature algorithm) that this client offers is one it accepts."""
