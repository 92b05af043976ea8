"""TLS for Dogtag clients: one frozen pyOpenSSL context per connection, fed from an NSSDB.

``PKISSLContext`` is what ``pki.client`` hands urllib3 as ``ssl_context``; it is built from
the pki.conf settings, the NSS database's trust anchors and client certificate (or PEM files),
and never changes afterwards.
"""

from __future__ import annotations

from pki.tls._openssl import FEATURES
from pki.tls.context import ClientIdentity, PKISSLContext, build_context
from pki.tls.credentials import NSSCredentials, credentials_from_nssdb, identity_from_pem
from pki.tls.errors import (
    AmbiguousClientCertificateError,
    ClientCertificateRejectedError,
    ClientCertificateRequiredError,
    FrozenContextError,
    HostnameMismatchError,
    ProtocolVersionError,
    ServerCertificateError,
    TLSConfigurationError,
    TLSError,
    UntrustedServerError,
)

__all__ = [
    "FEATURES",
    "ClientIdentity",
    "PKISSLContext",
    "build_context",
    "NSSCredentials",
    "credentials_from_nssdb",
    "identity_from_pem",
    "TLSError",
    "TLSConfigurationError",
    "FrozenContextError",
    "ServerCertificateError",
    "UntrustedServerError",
    "HostnameMismatchError",
    "ClientCertificateRequiredError",
    "ClientCertificateRejectedError",
    "AmbiguousClientCertificateError",
    "ProtocolVersionError",
]
