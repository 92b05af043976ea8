"""A genuine ``ssl.SSLContext`` with the client certificate, key and trust of an NSS database.

urllib, http.client, asyncio, smtplib, httpx, aiohttp and most other Python code that speaks
TLS take a standard library ``ssl.SSLContext``, and none of them can read an NSS database.
``create_ssl_context`` builds one from the same ``TLSConfig`` (pki.conf, the database, the
arguments) as ``PKIConnection``'s pyOpenSSL context.

``ssl`` takes trust anchors from memory (``cadata=``), but a certificate and its key only
from a path. On Linux an anonymous memory file (``os.memfd_create``) has a path that is on no
disk, ``/proc/self/fd/N``. The certificate, its chain and the key go into one such file, the
key as PKCS#8 encrypted under a random one-time password that is handed to
``load_cert_chain`` as ``password=``; the file is sealed against changes before OpenSSL reads
it, and emptied and closed as soon as it has. So the plaintext key exists only inside
OpenSSL's memory, and nothing is written to a disk or a temporary file at any point. Where
there are no memory files this module refuses (``UnsupportedPlatformError``); it never falls
back to a file.
"""

from __future__ import annotations

import logging
import os
import secrets
import ssl
import warnings
from collections.abc import Sequence

from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    PrivateFormat,
)

from pki.conf import ConfSource
from pki.nssdb import NSSDatabase, PasswordCallback, Secret
from pki.tls.config import (
    VERIFY_FLAGS,
    TLSConfig,
    check_offered,
    load_file_trust,
    resolve_config,
)
from pki.tls.credentials import ClientIdentity, ambiguous_identities
from pki.tls.errors import (
    SettingNotAppliedWarning,
    TLSConfigurationError,
    UnsupportedPlatformError,
)

__all__ = ["create_ssl_context", "build_ssl_context"]

logger = logging.getLogger(__name__)

#: the name of the memory files (shown as ``/memfd:<name>`` in ``/proc/PID/fd``)
MEMORY_FILE_NAME = "pki-tls-client-credentials"
_FD_DIRECTORY = "/proc/self/fd"


def create_ssl_context(
    *,
    nssdb: str | os.PathLike[str] | NSSDatabase | None = None,
    nickname: str | None = None,
    nssdb_password: str | None = None,
    nssdb_password_file: str | os.PathLike[str] | None = None,
    password_callback: PasswordCallback | None = None,
    conf: ConfSource | None = None,
    cert_paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    client_auth: bool = True,
) -> ssl.SSLContext:
    """A client ``ssl.SSLContext`` (``PROTOCOL_TLS_CLIENT``) from an NSS database and pki.conf.

    The arguments are ``PKIConnection``'s: ``nssdb`` (a directory, optionally ``sql:`` or
    ``dbm:``, or an ``NSSDatabase``; default pki.conf's ``PKI_CLIENT_DATABASE``),
    ``nickname`` (default ``PKI_CLIENT_CERT_NICKNAME``, else the database's only usable
    client certificate), one of ``nssdb_password`` / ``nssdb_password_file`` /
    ``password_callback``, ``conf`` (one more pki.conf file, or a mapping of its variables)
    and ``cert_paths`` (more CA files or hashed directories). ``client_auth=False`` makes a
    context that only trusts the database's CAs and sends no certificate. There is no
    ``verify``: the context always verifies the server, as ``ssl.create_default_context``'s.

    The context holds the database's TLS trust anchors, ``cert_paths`` and, unless
    ``PKI_CLIENT_SYSTEM_TRUST=false``, the system store; the client certificate with its
    chain and its key; pki.conf's TLS versions and TLS 1.2 cipher suites. It verifies the
    server (``CERT_REQUIRED``), checks its host name (no fallback to the subject's common
    name) and answers TLS 1.3 post-handshake certificate requests. It is an ordinary,
    mutable ``ssl.SSLContext``: ALPN, session reuse and the like are the caller's, as with
    ``ssl.create_default_context``.

    What the standard library cannot do, and how it shows:

    * TLS 1.3 cipher suites cannot be chosen (``ssl`` has no call for it). When pki.conf
      asks for other TLS 1.3 suites than OpenSSL's defaults, the context offers OpenSSL's
      and a ``SettingNotAppliedWarning`` names both lists.
    * The client certificate cannot be chosen during the handshake by the CAs the server
      names. Several usable certificates without ``nickname`` raise
      ``AmbiguousClientCertificateError`` listing them.
    * Handshake failures are the standard library's ``ssl.SSLError`` subclasses (an
      untrusted server is an ``ssl.SSLCertVerificationError``), not ``pki.tls``'s explained
      errors.

    Raises ``TLSConfigurationError`` for a bad setting, for a password or nickname without
    a database, and (with ``client_auth=True``) when the database gives no client
    certificate; the database's own errors (``pki.nssdb.BadPasswordError``...) as they are;
    ``UnsupportedPlatformError`` where anonymous memory files are missing (not Linux, a
    kernel before 3.17, no ``/proc``), checked before the key leaves the database. No
    password appears in any message.
    """
    if client_auth:
        _check_memory_files()
    passwords = {
        "password": None if nssdb_password is None else Secret(nssdb_password),
        "password_file": nssdb_password_file,
        "password_callback": password_callback,
    }
    if isinstance(cert_paths, (str, os.PathLike)):
        cert_paths = [cert_paths]
    config = resolve_config(
        conf,
        nssdb=nssdb,
        nickname=nickname,
        passwords=passwords,
        cert_paths=[os.fspath(p) for p in cert_paths or ()],
        client_auth=client_auth,
    )
    if not config.trust_source:  # no database was given or configured
        given = [
            name
            for name, value in (
                ("nickname", nickname),
                ("nssdb_password", nssdb_password),
                ("nssdb_password_file", nssdb_password_file),
                ("password_callback", password_callback),
            )
            if value is not None
        ]
        if given:
            raise TLSConfigurationError(
                f"{', '.join(given)} given without an NSS database: pass nssdb= or set "
                "PKI_CLIENT_DATABASE in pki.conf"
            )
    if client_auth and not config.identities:
        if config.no_identity:
            raise TLSConfigurationError(
                f"{config.no_identity}; or pass client_auth=False for a context without a "
                "client certificate"
            )
        where = config.trust_source or "no NSS database (neither nssdb= nor PKI_CLIENT_DATABASE)"
        raise TLSConfigurationError(
            f"{where} gave no client certificate: name one with nickname=, give the "
            "database's password if it is protected, or pass client_auth=False for a "
            "context without a client certificate"
        )
    return _build(config, stacklevel=3)


def build_ssl_context(config: TLSConfig) -> ssl.SSLContext:
    """The standard library context described by ``config`` (see ``create_ssl_context``).

    ``config`` is what ``resolve_config`` returns, as for ``pki.tls.build_context``; its
    one identity, if any, is loaded through a memory file.
    """
    return _build(config, stacklevel=3)


def _build(config: TLSConfig, stacklevel: int) -> ssl.SSLContext:
    """The context; ``stacklevel`` is where the public function's caller is, seen from here
    (for the warning to name the caller's line)."""
    if len(config.identities) > 1:
        raise ambiguous_identities(
            f"{config.trust_source or 'the configuration'} holds several usable client "
            "certificates and the standard library's ssl cannot choose one by the CAs the "
            "server names",
            config.identities,
        )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    _apply_versions_and_ciphers(ctx, config, stacklevel + 1)
    ctx.post_handshake_auth = True
    if ssl.HAS_NEVER_CHECK_COMMON_NAME:
        ctx.hostname_checks_common_name = False  # as the pyOpenSSL context
    system_trust = ""
    if config.verify:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.check_hostname = True
        ctx.verify_flags |= VERIFY_FLAGS  # trusted intermediates are anchors, as in NSS
        if config.trust_anchors:
            ctx.load_verify_locations(
                cadata=b"".join(c.public_bytes(Encoding.DER) for c in config.trust_anchors)
            )
        system_trust = load_file_trust(ctx, config, OSError)  # ssl.SSLError is an OSError
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if config.identities:
        _load_identity(ctx, config.identities[0])
    logger.debug(
        "built ssl.SSLContext: %s; %d trust anchor(s) from %s, cert_paths %s, system store %s",
        config.identities[0].describe() if config.identities else "no client certificate",
        len(config.trust_anchors), config.trust_source or "-",
        ", ".join(config.cert_paths) or "-", system_trust or "off",
    )
    return ctx


# -- versions and cipher suites ------------------------------------------------------------


def _offers(name: str) -> bool:
    """Whether the standard library's OpenSSL has the TLS 1.2 suite ``name``."""
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).set_ciphers(name)
    except ssl.SSLError:
        return False
    return True


def _apply_versions_and_ciphers(ctx: ssl.SSLContext, config: TLSConfig, stacklevel: int) -> None:
    ctx.minimum_version = config.minimum_version
    ctx.maximum_version = config.maximum_version
    ciphers = config.ciphers
    check_offered(ciphers.tls12_enabled, _offers)
    if ciphers.tls12:
        try:
            ctx.set_ciphers(ciphers.tls12)
        except ssl.SSLError as exc:
            raise TLSConfigurationError(
                f"SSL_CIPHERS leaves no usable cipher suite ({exc})"
            ) from None
    unapplied = _unapplied_tls13_suites(ctx, config)
    if unapplied:
        warnings.warn(unapplied, SettingNotAppliedWarning, stacklevel=stacklevel)


def _unapplied_tls13_suites(ctx: ssl.SSLContext, config: TLSConfig) -> str | None:
    """Why pki.conf's TLS 1.3 suites are not what this context offers, or None if they are.

    No TLS 1.3 suite at all needs no call: the version range then stops at TLS 1.2.
    """
    wanted = config.ciphers.tls13
    if not wanted or config.maximum_version < ssl.TLSVersion.TLSv1_3:
        return None
    wanted_suites = wanted.split(":")
    offered = [c["name"] for c in ctx.get_ciphers() if c["protocol"] == "TLSv1.3"]
    if set(wanted_suites) == set(offered):
        return None
    return (
        "pki.conf (SSL_CIPHERS, SSL_DEFAULT_CIPHERS) allows the TLS 1.3 cipher suites "
        f"{', '.join(wanted_suites)}, but the standard library's ssl cannot choose TLS 1.3 "
        f"suites: this context offers OpenSSL's, {', '.join(offered) or 'none'}. Use "
        "PKIConnection (pyOpenSSL) where the TLS 1.3 suites matter, or set "
        "SSL_STREAM_VERSION_MAX=TLS_1_2"
    )


# -- the client certificate through a memory file ------------------------------------------


def _check_memory_files() -> None:
    """Refuse, with what to do instead, where anonymous memory files are missing."""
    if not hasattr(os, "memfd_create") or not os.path.isdir(_FD_DIRECTORY):
        raise UnsupportedPlatformError(_no_memory_files("this system has none"))


def _no_memory_files(why: str) -> str:
    return (
        "create_ssl_context gives the client key to Python's ssl through an anonymous "
        f"memory file (os.memfd_create and {_FD_DIRECTORY}, Linux 3.17 or later), never "
        f"through a file on disk, and {why}. Use pki.client.PKIConnection, whose pyOpenSSL "
        "context takes the key from memory, or client_auth=False for a context with the "
        "database's trust only"
    )


def _load_identity(ctx: ssl.SSLContext, identity: ClientIdentity) -> None:
    """``ctx.load_cert_chain`` from a sealed memory file holding the certificate, its
    intermediates and the key encrypted under a one-time password; the file is emptied
    and closed before this returns, whatever happens."""
    password = secrets.token_hex(32).encode()  # 256 bits, used once, never stored
    try:
        certs = (identity.cert, *identity.intermediates)
        bundle = b"".join(c.public_bytes(Encoding.PEM) for c in certs)
        bundle += identity.key.private_bytes(
            Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(password)
        )
        fd = _sealed_memory_file(bundle)
        del bundle
        try:
            ctx.load_cert_chain(f"{_FD_DIRECTORY}/{fd}", password=password)
        finally:
            _discard(fd)
    except ssl.SSLError as exc:
        raise TLSConfigurationError(
            f"the standard library's ssl cannot load the client certificate "
            f"{identity.describe()}: {exc.reason or exc}"
        ) from None
    finally:
        del password


def _sealed_memory_file(data: bytes) -> int:
    """A close-on-exec memory file holding ``data``, sealed against writing and growing."""
    import fcntl  # Unix only; memfd_create implies Linux

    try:
        fd = os.memfd_create(MEMORY_FILE_NAME, os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    except (AttributeError, OSError) as exc:  # ENOSYS on old kernels, EPERM under seccomp
        raise UnsupportedPlatformError(
            _no_memory_files(f"memfd_create failed ({getattr(exc, 'strerror', exc)})")
        ) from None
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        # nobody changes the file between now and OpenSSL's reading it; it may still be
        # emptied (no shrink seal), which _discard does
        seals = fcntl.F_SEAL_WRITE | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, seals)
        if not os.path.exists(f"{_FD_DIRECTORY}/{fd}"):
            raise UnsupportedPlatformError(_no_memory_files(f"{_FD_DIRECTORY} is missing"))
    except BaseException:
        _discard(fd)
        raise
    return fd


def _discard(fd: int) -> None:
    """Free the memory file's pages at once (truncate to 0), then close it."""
    try:
        os.ftruncate(fd, 0)
    finally:
        os.close(fd)
