"""What a client TLS context is built from: pki.conf and the caller's arguments, resolved once.

``resolve_config`` reads the pki.conf layers (once), picks and reads the NSS database (or
the PEM files) and returns a ``TLSConfig``: validated versions and cipher strings, trust
anchors, CA paths and client identities. Any TLS library's context can be built from it:
``pki.tls.context`` builds the pyOpenSSL one, ``pki.tls.stdlib`` the standard library's. The
version and cipher names are OpenSSL's, which both pyOpenSSL and ``ssl`` take, and both
builders apply the file-based trust and check the cipher names with the helpers below.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from cryptography import x509

from pki.conf import ConfSource, TLSSettings, load_tls_settings
from pki.nssdb import NSSDatabase
from pki.tls.credentials import (
    ClientIdentity,
    credentials_from_nssdb,
    identity_from_pem,
    select_database,
)
from pki.tls.errors import TLSConfigurationError

__all__ = [
    "TLS_VERSIONS",
    "TLS13_SUITES",
    "SYSTEM_CA_DIRS",
    "VERIFY_FLAGS",
    "CipherStrings",
    "TLSConfig",
    "cipher_strings",
    "check_offered",
    "load_file_trust",
    "version_text",
    "resolve_config",
]

#: pki.conf's version names, in increasing order
TLS_VERSIONS = {
    "TLS_1_2": ssl.TLSVersion.TLSv1_2,
    "TLS_1_3": ssl.TLSVersion.TLSv1_3,
}
_VERSION_TEXT = {ssl.TLSVersion.TLSv1_2: "TLS 1.2", ssl.TLSVersion.TLSv1_3: "TLS 1.3"}
#: the certificate verification flags of both contexts. A CA certificate that the NSS
#: database trusts for TLS (``C`` or ``T``) is a trust anchor for NSS whether or not it is
#: self-signed: a database that trusts an intermediate CA, and not its root, accepts the
#: servers that CA issued. OpenSSL by default accepts only chains that end at a self-signed
#: certificate; ``VERIFY_X509_PARTIAL_CHAIN`` makes every certificate in the trust store an
#: anchor, as NSS does (and as ``ssl.create_default_context`` does from Python 3.13 on).
#: (The constant is missing before Python 3.10; its OpenSSL value is X509_V_FLAG_PARTIAL_CHAIN.)
VERIFY_FLAGS = ssl.VerifyFlags(getattr(ssl, "VERIFY_X509_PARTIAL_CHAIN", 0x80000))
#: the TLS 1.3 cipher suites (their IANA and OpenSSL names are the same)
TLS13_SUITES = frozenset(
    {
        "TLS_AES_128_GCM_SHA256",
        "TLS_AES_256_GCM_SHA384",
        "TLS_CHACHA20_POLY1305_SHA256",
        "TLS_AES_128_CCM_SHA256",
        "TLS_AES_128_CCM_8_SHA256",
    }
)
_ENCRYPTIONS = (
    ("AES_128_GCM", "AES128-GCM"),
    ("AES_256_GCM", "AES256-GCM"),
    ("AES_128_CCM", "AES128-CCM"),
    ("AES_256_CCM", "AES256-CCM"),
    ("AES_128_CBC", "AES128"),
    ("AES_256_CBC", "AES256"),
    ("CHACHA20_POLY1305", "CHACHA20-POLY1305"),
    ("CAMELLIA_128_CBC", "CAMELLIA128"),
    ("CAMELLIA_256_CBC", "CAMELLIA256"),
)
#: Hashed CA directories of the common distributions, read lazily by OpenSSL (cheap to add).
SYSTEM_CA_DIRS = ("/etc/ssl/certs", "/etc/pki/tls/certs", "/etc/pki/ca-trust/extracted/pem")


def version_text(version: ssl.TLSVersion) -> str:
    """``TLS 1.2`` and the like, for messages."""
    return _VERSION_TEXT.get(version, version.name)


def _iana_to_openssl(name: str) -> str:
    """``TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`` → ``ECDHE-RSA-AES128-GCM-SHA256``."""
    if not name.startswith("TLS_") or "_WITH_" not in name:
        raise TLSConfigurationError(
            f"SSL_CIPHERS: {name!r} is not an IANA TLS cipher suite name such as "
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        )
    kx, _, rest = name[4:].partition("_WITH_")
    parts = [] if kx == "RSA" else kx.split("_")
    for enc, label in _ENCRYPTIONS:
        if rest.startswith(enc):
            mac = rest[len(enc) :].lstrip("_")
            parts.append(label)
            if mac and not enc.startswith(("CHACHA20", "AES_128_CCM", "AES_256_CCM")):
                parts.append(mac)
            return "-".join(parts)
    raise TLSConfigurationError(f"SSL_CIPHERS: cipher suite {name!r} is not supported")


class CipherStrings(NamedTuple):
    """pki.conf's SSL_CIPHERS / SSL_DEFAULT_CIPHERS in OpenSSL's terms.

    ``tls12`` is an OpenSSL cipher list and ``tls13`` a TLS 1.3 suite list; None leaves the
    library's default, an empty string means that no suite of that version is enabled.
    ``tls12_enabled`` are the OpenSSL names of the TLS 1.2 suites pki.conf enables by name,
    for a builder that checks each one is available and says which is not.
    """

    tls12: str | None
    tls13: str | None
    tls12_enabled: tuple[str, ...] = ()


def cipher_strings(settings: TLSSettings) -> CipherStrings:
    """Translate the cipher settings (IANA names, ``-`` to disable) to OpenSSL's strings."""
    if not settings.ciphers and not settings.disabled_ciphers and settings.default_ciphers:
        return CipherStrings(None, None)
    enabled12: list[str] = []
    enabled13: list[str] = []
    disabled12: list[str] = []
    disabled13: list[str] = []
    for names, into12, into13 in (
        (settings.ciphers, enabled12, enabled13),
        (settings.disabled_ciphers, disabled12, disabled13),
    ):
        for name in names:
            if name.upper().startswith("0X"):
                raise TLSConfigurationError(
                    f"SSL_CIPHERS: hexadecimal cipher IDs such as {name} are not supported; "
                    "use the IANA name"
                )
            if name in TLS13_SUITES:
                into13.append(name)
            else:
                into12.append(_iana_to_openssl(name))
    if settings.default_ciphers:
        list12 = ":".join(["DEFAULT"] + enabled12 + [f"!{n}" for n in disabled12])
        default13 = [s for s in sorted(TLS13_SUITES) if "CCM" not in s]
        suites13 = [s for s in default13 + enabled13 if s not in disabled13]
    else:
        list12 = ":".join(n for n in enabled12 if n not in disabled12)
        suites13 = [s for s in enabled13 if s not in disabled13]
    return CipherStrings(list12, ":".join(dict.fromkeys(suites13)), tuple(enabled12))


def check_offered(names: Sequence[str], offers: Callable[[str], bool]) -> None:
    """Say which TLS 1.2 suite pki.conf enables by name that the TLS library lacks.

    ``names`` are ``CipherStrings.tls12_enabled``; ``offers(name)`` asks the library (each
    builder its own: pyOpenSSL and the standard library may link different OpenSSLs). An
    OpenSSL cipher list silently skips the names it does not know, so this is the only way
    a missing suite gets reported.
    """
    for name in names:
        if not offers(name):
            raise TLSConfigurationError(f"SSL_CIPHERS: this OpenSSL does not offer {name}")


def _version_range(
    settings: TLSSettings, ciphers: CipherStrings
) -> tuple[ssl.TLSVersion, ssl.TLSVersion]:
    """The versions pki.conf allows, narrowed to those with an enabled cipher suite."""
    low = TLS_VERSIONS[settings.min_version]
    high = TLS_VERSIONS[settings.max_version or "TLS_1_3"]
    allows12 = low <= ssl.TLSVersion.TLSv1_2
    allows13 = high >= ssl.TLSVersion.TLSv1_3
    if (
        (ciphers.tls12 == "" and ciphers.tls13 == "")
        or (ciphers.tls12 == "" and not allows13)
        or (ciphers.tls13 == "" and not allows12)
    ):
        raise TLSConfigurationError(
            "SSL_CIPHERS leaves no cipher suite for the TLS versions allowed by "
            "SSL_STREAM_VERSION_MIN/MAX: enable at least one"
        )
    if ciphers.tls12 == "":  # no TLS 1.2 suite is enabled: only TLS 1.3 is left
        low = ssl.TLSVersion.TLSv1_3
    if ciphers.tls13 == "":  # no TLS 1.3 suite is enabled: only TLS 1.2 is left
        high = ssl.TLSVersion.TLSv1_2
    return low, high


@dataclass(frozen=True)
class TLSConfig:
    """Everything a client TLS context is made of, validated, with the secrets in memory.

    ``trust_anchors`` are certificates (from the NSS database); ``cert_paths`` are CA files
    or hashed directories; ``settings.use_system_trust`` adds the operating system's store
    when ``verify`` is on. ``identities`` are the client certificates: one, or several for
    the handshake to choose from by the server's CA list. ``trust_source`` names where the
    anchors came from, for error messages. The derived fields (cipher strings and the
    version range they leave) are computed, and checked, on creation.
    """

    settings: TLSSettings
    verify: bool = True
    trust_anchors: tuple[x509.Certificate, ...] = ()
    cert_paths: tuple[str, ...] = ()
    identities: tuple[ClientIdentity, ...] = ()
    trust_source: str = ""
    #: why the database gave no client certificate (see ``NSSCredentials.no_identity``)
    no_identity: str = ""
    ciphers: CipherStrings = field(init=False, repr=False)
    minimum_version: ssl.TLSVersion = field(init=False)
    maximum_version: ssl.TLSVersion = field(init=False)

    def __post_init__(self) -> None:
        ciphers = cipher_strings(self.settings)
        low, high = _version_range(self.settings, ciphers)
        object.__setattr__(self, "ciphers", ciphers)
        object.__setattr__(self, "minimum_version", low)
        object.__setattr__(self, "maximum_version", high)

    @property
    def use_system_trust(self) -> bool:
        return self.verify and self.settings.use_system_trust


class VerifyLocations(Protocol):
    """What both pyOpenSSL's ``SSL.Context`` and ``ssl.SSLContext`` offer for file trust."""

    def load_verify_locations(self, cafile: Any, capath: Any = None) -> None: ...

    def set_default_verify_paths(self) -> None: ...


def load_file_trust(
    ctx: VerifyLocations,
    config: TLSConfig,
    errors: type[BaseException] | tuple[type[BaseException], ...],
) -> str:
    """Load ``config.cert_paths`` and, when ``config.use_system_trust``, the system store
    into ``ctx`` (either TLS library's context); ``errors`` are what its loading raises.

    Each of ``cert_paths`` is a PEM file or a hashed directory (``~`` expanded). The system
    store is the first of ``SYSTEM_CA_DIRS`` that exists, else OpenSSL's default paths.
    Returns a description of the system store used, for messages ("" when none is).
    """
    for raw in config.cert_paths:
        path = Path(raw).expanduser()
        try:
            if path.is_dir():
                ctx.load_verify_locations(None, str(path))
            else:
                ctx.load_verify_locations(str(path), None)
        except errors as exc:
            raise TLSConfigurationError(
                f"cannot load CA certificates from {path}: it must be a PEM file or a "
                f"hashed directory ({exc})"
            ) from None
    if not config.use_system_trust:
        return ""
    for directory in SYSTEM_CA_DIRS:
        if Path(directory).is_dir():
            ctx.load_verify_locations(None, directory)
            return directory
    ctx.set_default_verify_paths()
    return "OpenSSL's default paths"


def resolve_config(
    conf: ConfSource | None = None,
    *,
    nssdb: str | os.PathLike[str] | NSSDatabase | None = None,
    nickname: str | None = None,
    passwords: Mapping[str, Any] | None = None,
    cert_paths: Sequence[str] = (),
    client_auth: bool = True,
    pem: tuple[str, str | None] | None = None,
    verify: bool = True,
) -> TLSConfig:
    """Read pki.conf (``conf`` is one more file or a mapping) and the credentials, once.

    The database is ``nssdb`` or pki.conf's ``PKI_CLIENT_DATABASE`` (see
    ``credentials.select_database``; ``passwords`` are ``NSSDatabase`` keyword arguments),
    the certificate ``nickname`` or ``PKI_CLIENT_CERT_NICKNAME``. ``client_auth=False`` takes
    only trust from the database. ``pem`` (certificate file, key file or None) replaces the
    database's client certificate. Configuration and database errors pass through as they
    are: ``ConfigError``, ``TLSConfigurationError`` and ``pki.nssdb``'s.
    """
    settings = load_tls_settings(conf)
    anchors: tuple[x509.Certificate, ...] = ()
    identities: tuple[ClientIdentity, ...] = ()
    source = no_identity = ""
    db = select_database(nssdb, settings, passwords)
    if db is not None:
        creds = credentials_from_nssdb(
            db, nickname or settings.client_cert_nickname, client_auth and pem is None
        )
        anchors, identities, source = creds.anchors, creds.identities, creds.source
        no_identity = creds.no_identity
    if pem is not None:
        identities = (identity_from_pem(*pem),)
        no_identity = ""
    return TLSConfig(
        settings,
        verify=verify,
        trust_anchors=anchors,
        cert_paths=tuple(cert_paths),
        identities=identities,
        trust_source=source,
        no_identity=no_identity,
    )
