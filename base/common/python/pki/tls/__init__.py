"""TLS for Dogtag clients: one frozen pyOpenSSL context per connection, fed from an NSSDB.

``resolve_config`` reads pki.conf and the credentials (NSS database or PEM files) once into
a ``TLSConfig``; ``build_context`` makes the ``PKISSLContext`` that ``pki.client`` hands
urllib3 as ``ssl_context``, which never changes afterwards. ``create_ssl_context`` makes a
standard library ``ssl.SSLContext`` from the same settings and credentials, for urllib,
http.client, asyncio and every other user of Python's ``ssl``.

Modules, one job each: ``config`` (pki.conf and arguments to a ``TLSConfig``),
``credentials`` (identities and trust anchors from NSS databases and PEM files, and which
identity answers a server), ``context`` (the frozen pyOpenSSL context), ``stdlib`` (the
standard library context, the key passed through a memory file), ``sslsocket``
(``ssl.SSLSocket``-compatible I/O), ``diagnosis`` (errors people can act on, from a
``HandshakeRecord``), ``sessions`` (the resumption cache), ``_openssl`` (OpenSSL calls
pyOpenSSL does not expose, behind feature detection) and ``errors``.
"""

from __future__ import annotations

from pki.tls import errors as _errors
from pki.tls._openssl import FEATURES
from pki.tls.config import TLSConfig, resolve_config
from pki.tls.context import PKISSLContext, build_context
from pki.tls.credentials import (
    ClientIdentity,
    NSSCredentials,
    credentials_from_nssdb,
    identity_from_pem,
    select_database,
)
from pki.tls.diagnosis import HandshakeRecord
from pki.tls.errors import *  # noqa: F403 (the error classes, listed in errors.__all__)
from pki.tls.sessions import SessionCache
from pki.tls.stdlib import create_ssl_context

__all__ = [
    "FEATURES",
    "TLSConfig",
    "resolve_config",
    "ClientIdentity",
    "PKISSLContext",
    "build_context",
    "create_ssl_context",
    "NSSCredentials",
    "credentials_from_nssdb",
    "identity_from_pem",
    "select_database",
    "HandshakeRecord",
    "SessionCache",
    *_errors.__all__,
]
