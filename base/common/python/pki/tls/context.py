"""One pyOpenSSL context per connection, adapted to the ``ssl.SSLContext`` API urllib3 uses.

``PKISSLContext`` is built once, complete (versions, ciphers, trust, client certificates),
and then frozen: urllib3 repeats ``verify_mode``, ``set_alpn_protocols`` and friends on every
new connection, and those repeats are harmless no-ops; a call that would really change the
context raises ``FrozenContextError`` instead of silently diverging from what was configured.
It also keeps TLS sessions so that new connections resume instead of doing full handshakes.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import ssl
import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import OpenSSL
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from OpenSSL import SSL, crypto

from pki.conf import TLSSettings
from pki.nssdb import PrivateKey
from pki.tls import _openssl
from pki.tls.errors import (
    AmbiguousClientCertificateError,
    FrozenContextError,
    TLSConfigurationError,
)
from pki.tls.sslsocket import PKISSLSocket

__all__ = ["ClientIdentity", "PKISSLContext", "build_context", "SYSTEM_CA_DIRS"]

logger = logging.getLogger(__name__)

_VERSIONS = {
    "TLS_1_2": (SSL.TLS1_2_VERSION, ssl.TLSVersion.TLSv1_2, "TLS 1.2"),
    "TLS_1_3": (SSL.TLS1_3_VERSION, ssl.TLSVersion.TLSv1_3, "TLS 1.3"),
}
_TLS13_SUITES = {
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_AES_128_CCM_SHA256",
    "TLS_AES_128_CCM_8_SHA256",
}
#: Hashed CA directories of the common distributions, read lazily by OpenSSL (cheap to add).
SYSTEM_CA_DIRS = ("/etc/ssl/certs", "/etc/pki/tls/certs", "/etc/pki/ca-trust/extracted/pem")
_ALPN = ("http/1.1",)
# pyOpenSSL 24.3 takes cryptography objects for certificates and keys, and later releases
# deprecate its own X509/PKey wrappers there; older ones need the wrappers.
_TAKES_CRYPTOGRAPHY = tuple(int(p) for p in OpenSSL.__version__.split(".")[:2]) >= (24, 3)
_MAX_SESSIONS = 64


@dataclass(frozen=True)
class ClientIdentity:
    """A client certificate with its chain and its private key, ready for OpenSSL."""

    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    key: PrivateKey = field(repr=False)
    nickname: str | None = None
    openssl_cert: Any = field(init=False, repr=False, compare=False)
    openssl_key: Any = field(init=False, repr=False, compare=False)
    issuer_names_der: frozenset[bytes] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if _TAKES_CRYPTOGRAPHY:
            object.__setattr__(self, "openssl_cert", self.cert)
            object.__setattr__(self, "openssl_key", self.key)
        else:
            object.__setattr__(self, "openssl_cert", crypto.X509.from_cryptography(self.cert))
            object.__setattr__(self, "openssl_key", crypto.PKey.from_cryptography_key(self.key))
        names = {self.cert.issuer.public_bytes()}
        names.update(c.issuer.public_bytes() for c in self.chain)
        names.update(c.subject.public_bytes() for c in self.chain)
        object.__setattr__(self, "issuer_names_der", frozenset(names))

    def describe(self) -> str:
        label = f"'{self.nickname}' " if self.nickname else ""
        return (
            f"{label}({self.cert.subject.rfc4514_string()}, issued by "
            f"{self.cert.issuer.rfc4514_string()})"
        )

    def __repr__(self) -> str:
        return f"<ClientIdentity {self.describe()}>"


def _iana_to_openssl(name: str) -> str:
    """``TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`` → ``ECDHE-RSA-AES128-GCM-SHA256``."""
    if not name.startswith("TLS_") or "_WITH_" not in name:
        raise TLSConfigurationError(
            f"SSL_CIPHERS: {name!r} is not an IANA TLS cipher suite name such as "
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        )
    kx, _, rest = name[4:].partition("_WITH_")
    parts = [] if kx == "RSA" else kx.split("_")
    for enc, label in (
        ("AES_128_GCM", "AES128-GCM"),
        ("AES_256_GCM", "AES256-GCM"),
        ("AES_128_CCM", "AES128-CCM"),
        ("AES_256_CCM", "AES256-CCM"),
        ("AES_128_CBC", "AES128"),
        ("AES_256_CBC", "AES256"),
        ("CHACHA20_POLY1305", "CHACHA20-POLY1305"),
        ("CAMELLIA_128_CBC", "CAMELLIA128"),
        ("CAMELLIA_256_CBC", "CAMELLIA256"),
    ):
        if rest.startswith(enc):
            mac = rest[len(enc) :].lstrip("_")
            parts.append(label)
            if mac and not enc.startswith(("CHACHA20", "AES_128_CCM", "AES_256_CCM")):
                parts.append(mac)
            return "-".join(parts)
    raise TLSConfigurationError(f"SSL_CIPHERS: cipher suite {name!r} is not supported")


def _cipher_config(settings: TLSSettings) -> tuple[str | None, str | None]:
    """OpenSSL cipher strings (TLS 1.2 list, TLS 1.3 suites) from pki.conf's SSL_CIPHERS.

    None leaves OpenSSL's default; an empty string means "none of this version's suites",
    which the caller turns into a version limit.
    """
    if not settings.ciphers and not settings.disabled_ciphers and settings.default_ciphers:
        return None, None
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
            if name in _TLS13_SUITES:
                into13.append(name)
            else:
                into12.append(_iana_to_openssl(name))
    for name in enabled12:
        probe = SSL.Context(SSL.TLS_CLIENT_METHOD)
        try:
            probe.set_cipher_list(name.encode())
        except SSL.Error:
            raise TLSConfigurationError(
                f"SSL_CIPHERS: this OpenSSL does not offer {name}"
            ) from None
    if settings.default_ciphers:
        list12 = ":".join(["DEFAULT"] + enabled12 + [f"!{n}" for n in disabled12])
        default13 = [s for s in sorted(_TLS13_SUITES) if "CCM" not in s]
        suites13 = [s for s in default13 + enabled13 if s not in disabled13]
    else:
        list12 = ":".join(n for n in enabled12 if n not in disabled12)
        suites13 = [s for s in enabled13 if s not in disabled13]
    return list12, ":".join(dict.fromkeys(suites13))


def _load_cert_paths(ctx: SSL.Context, paths: Sequence[str]) -> None:
    for raw in paths:
        path = Path(raw).expanduser()
        try:
            if path.is_dir():
                ctx.load_verify_locations(None, str(path))
            else:
                ctx.load_verify_locations(str(path))
        except SSL.Error as exc:
            raise TLSConfigurationError(
                f"cannot load CA certificates from {path}: it must be a PEM file or a "
                f"hashed directory ({exc})"
            ) from None


def _load_system_trust(ctx: SSL.Context) -> str:
    for directory in SYSTEM_CA_DIRS:
        if Path(directory).is_dir():
            ctx.load_verify_locations(None, directory)
            return directory
    ctx.set_default_verify_paths()
    return "OpenSSL's default paths"


class PKISSLContext:
    """A frozen pyOpenSSL client context that urllib3 accepts as ``ssl_context``."""

    protocol = ssl.PROTOCOL_TLS_CLIENT
    hostname_checks_common_name = False
    post_handshake_auth = True
    sni_callback = None
    keylog_filename = None

    def __init__(
        self,
        settings: TLSSettings,
        *,
        verify: bool = True,
        trust_anchors: Sequence[x509.Certificate] = (),
        cert_paths: Sequence[str] = (),
        use_system_trust: bool = True,
        identities: Sequence[ClientIdentity] = (),
        trust_source: str = "",
    ) -> None:
        self.settings = settings
        self.identities: tuple[ClientIdentity, ...] = tuple(identities)
        self.default_identity = self.identities[0] if len(self.identities) == 1 else None
        self._verify = verify
        self._trust_source = trust_source
        self._sessions: OrderedDict[tuple[Any, ...], SSL.Session] = OrderedDict()
        self._sessions_lock = threading.Lock()
        self._ctx = SSL.Context(SSL.TLS_CLIENT_METHOD)
        self._min, self._max = self._apply_versions(settings)
        self._apply_ciphers(settings)
        self._ctx.set_options(SSL.OP_NO_COMPRESSION)
        self._ctx.set_alpn_protos([p.encode() for p in _ALPN])
        self._ctx.set_session_cache_mode(SSL.SESS_CACHE_CLIENT)
        self._system_trust = ""
        self._anchors = tuple(trust_anchors)
        self._anchor_count = len(trust_anchors)
        if verify:
            self._ctx.set_verify(SSL.VERIFY_PEER, _verify_callback)
            store = self._ctx.get_cert_store()
            assert store is not None
            for anchor in trust_anchors:
                store.add_cert(crypto.X509.from_cryptography(anchor))
            _load_cert_paths(self._ctx, cert_paths)
            if use_system_trust:
                self._system_trust = _load_system_trust(self._ctx)
        else:
            self._ctx.set_verify(SSL.VERIFY_NONE, None)
        self._cert_paths = tuple(cert_paths)
        self._hostname_in_handshake = verify and _openssl.FEATURES["hostname_verification"]
        self._apply_identities()
        _openssl.enable_post_handshake_auth(self._ctx)
        self._cert_callback = _openssl.install_cert_callback(self._ctx)

    # -- building ------------------------------------------------------------------------

    def _apply_versions(self, settings: TLSSettings) -> tuple[ssl.TLSVersion, ssl.TLSVersion]:
        low = _VERSIONS[settings.min_version]
        high = _VERSIONS[settings.max_version or "TLS_1_3"]
        self._ctx.set_min_proto_version(low[0])
        self._ctx.set_max_proto_version(high[0])
        return low[1], high[1]

    def _apply_ciphers(self, settings: TLSSettings) -> None:
        list12, suites13 = _cipher_config(settings)
        allows12 = self._min <= ssl.TLSVersion.TLSv1_2
        allows13 = self._max >= ssl.TLSVersion.TLSv1_3
        if list12 == "" and suites13 == "" or (list12 == "" and not allows13) or (
            suites13 == "" and not allows12
        ):
            raise TLSConfigurationError(
                "SSL_CIPHERS leaves no cipher suite for the TLS versions allowed by "
                "SSL_STREAM_VERSION_MIN/MAX: enable at least one"
            )
        try:
            if list12:
                self._ctx.set_cipher_list(list12.encode())
            elif list12 == "":  # no TLS 1.2 suite is enabled: only TLS 1.3 is left
                self._min = ssl.TLSVersion.TLSv1_3
                self._ctx.set_min_proto_version(SSL.TLS1_3_VERSION)
            if suites13 is not None:
                self._ctx.set_tls13_ciphersuites(suites13.encode())
                if suites13 == "":  # no TLS 1.3 suite is enabled: only TLS 1.2 is left
                    self._max = ssl.TLSVersion.TLSv1_2
                    self._ctx.set_max_proto_version(SSL.TLS1_2_VERSION)
        except SSL.Error as exc:
            raise TLSConfigurationError(
                f"SSL_CIPHERS leaves no usable cipher suite ({exc})"
            ) from None

    def _apply_identities(self) -> None:
        if self.default_identity is not None:
            identity = self.default_identity
            self._ctx.use_certificate(identity.openssl_cert)
            self._ctx.use_privatekey(identity.openssl_key)
            self._ctx.check_privatekey()
        chain_certs: dict[bytes, x509.Certificate] = {}
        for identity in self.identities:
            for cert in identity.chain:
                if cert.issuer != cert.subject:  # the server has the root; send the rest
                    chain_certs[cert.fingerprint(hashes.SHA256())] = cert
        for cert in chain_certs.values():
            extra = cert if _TAKES_CRYPTOGRAPHY else crypto.X509.from_cryptography(cert)
            self._ctx.add_extra_chain_cert(extra)
        if len(self.identities) > 1 and not _openssl.FEATURES["cert_callback"]:
            listed = "; ".join(i.describe() for i in self.identities)
            raise AmbiguousClientCertificateError(
                "several client certificates are usable and this OpenSSL cannot choose by "
                f"the server's CA list: give nickname=. Candidates: {listed}",
                candidates=[i.nickname or "" for i in self.identities],
            )

    # -- what urllib3 reads and sets -----------------------------------------------------

    @property
    def verify_mode(self) -> ssl.VerifyMode:
        return ssl.CERT_REQUIRED if self._verify else ssl.CERT_NONE

    @verify_mode.setter
    def verify_mode(self, value: ssl.VerifyMode) -> None:
        if value == self.verify_mode:
            return
        if not self._verify and value == ssl.CERT_OPTIONAL:
            return
        raise FrozenContextError(
            f"this connection's TLS context was built with verify_mode={self.verify_mode.name}"
            f" and cannot change to {ssl.VerifyMode(value).name}; create the connection with "
            f"verify={'False' if self._verify else 'True'} instead"
        )

    @property
    def check_hostname(self) -> bool:
        return self._hostname_in_handshake

    @check_hostname.setter
    def check_hostname(self, value: bool) -> None:
        # Turning it off only stops *this* context from checking inside the handshake;
        # urllib3 then matches the name itself. Turning it on needs the handshake check.
        if value and not self._hostname_in_handshake:
            if not self._verify:
                raise FrozenContextError(
                    "cannot check host names on a connection built with verify=False"
                )
        elif not value:
            logger.debug("urllib3 turned off in-handshake host name checks; it checks itself")
            self._hostname_in_handshake = False

    @property
    def minimum_version(self) -> ssl.TLSVersion:
        return self._min

    @minimum_version.setter
    def minimum_version(self, value: ssl.TLSVersion) -> None:
        self._refuse_change("minimum_version", self._min, value)

    @property
    def maximum_version(self) -> ssl.TLSVersion:
        return self._max

    @maximum_version.setter
    def maximum_version(self, value: ssl.TLSVersion) -> None:
        self._refuse_change("maximum_version", self._max, value)

    @property
    def options(self) -> int:
        return int(self._ctx.set_options(0))

    @options.setter
    def options(self, value: int) -> None:
        if int(value) & ~self.options:
            self._ctx.set_options(int(value) & ~self.options)  # adding hardening is fine

    @property
    def verify_flags(self) -> int:
        return 0

    def _refuse_change(self, what: str, current: Any, value: Any) -> None:
        if value == current:
            return
        raise FrozenContextError(
            f"this connection's TLS context has {what}={current!s} from pki.conf "
            f"(SSL_STREAM_VERSION_MIN/MAX); it cannot change to {value!s} after it is built"
        )

    def set_alpn_protocols(self, protocols: Sequence[str]) -> None:
        if tuple(protocols) != _ALPN:
            raise FrozenContextError(
                f"ALPN protocols are fixed to {list(_ALPN)}; cannot change to {list(protocols)}"
            )

    def set_npn_protocols(self, protocols: Sequence[str]) -> None:
        raise FrozenContextError("NPN is not supported")

    def set_ciphers(self, ciphers: str) -> None:
        raise FrozenContextError(
            "cipher suites come from SSL_CIPHERS in pki.conf; they cannot change afterwards"
        )

    def load_verify_locations(
        self, cafile: Any = None, capath: Any = None, cadata: Any = None
    ) -> None:
        if cafile is None and capath is None and cadata is None:
            return
        given = [str(p) for p in (cafile, capath) if p is not None]
        if given and all(p in self._cert_paths for p in given) and cadata is None:
            return
        raise FrozenContextError(
            "this connection's trust comes from its NSS database, cert_paths and pki.conf; "
            f"to trust {', '.join(given) or 'more CAs'} pass cert_paths= when creating it"
        )

    def load_default_certs(self, purpose: Any = None) -> None:
        if self._verify and not self._system_trust:
            raise FrozenContextError(
                "the system trust store is off for this connection (PKI_CLIENT_SYSTEM_TRUST)"
            )

    set_default_verify_paths = load_default_certs

    def load_cert_chain(self, certfile: Any, keyfile: Any = None, password: Any = None) -> None:
        raise FrozenContextError(
            "this connection's client certificate is configured when it is created "
            "(nssdb=/nickname= or set_authentication_cert()); it cannot be changed per request"
        )

    def get_ca_certs(self, binary_form: bool = False) -> list[Any]:
        """The trust anchors this context was given (not those of cert_paths or the system)."""
        if binary_form:
            return [c.public_bytes(serialization.Encoding.DER) for c in self._anchors]
        return [{"subject": c.subject.rfc4514_string()} for c in self._anchors]

    def cert_store_stats(self) -> dict[str, int]:
        return {"x509": self._anchor_count, "crl": 0, "x509_ca": self._anchor_count}

    def session_stats(self) -> dict[str, int]:
        with self._sessions_lock:
            return {"cached": len(self._sessions)}

    # -- connections ---------------------------------------------------------------------

    def wrap_socket(
        self,
        sock: socket.socket,
        server_side: bool = False,
        do_handshake_on_connect: bool = True,
        suppress_ragged_eofs: bool = True,
        server_hostname: str | None = None,
        session: Any = None,
    ) -> PKISSLSocket:
        """Start TLS on a connected socket, resuming an earlier session with the same server."""
        if server_side:
            raise FrozenContextError("PKISSLContext is for clients only")
        conn = SSL.Connection(self._ctx, sock)
        conn.set_connect_state()
        host = server_hostname.strip("[]") if server_hostname else None
        if host and not _is_ip(host):
            conn.set_tlsext_host_name(host.encode("idna"))
        if host and self._hostname_in_handshake and not _openssl.set_expected_host(conn, host):
            raise FrozenContextError(f"cannot set the expected host name {host!r}")
        try:
            peer = sock.getpeername()[:2]
        except OSError:
            peer = None
        key = (host, peer) if peer else None
        if key is not None:
            with self._sessions_lock:
                cached = self._sessions.get(key)
            if cached is not None:
                conn.set_session(cached)
        wrapped = PKISSLSocket(self, sock, host, conn, key)
        wrapped.suppress_ragged_eofs = suppress_ragged_eofs
        conn.set_app_data(weakref.ref(wrapped))
        _openssl.register_connection(conn, wrapped)
        if do_handshake_on_connect:
            wrapped.do_handshake()
        return wrapped

    def remember_session(self, key: tuple[Any, ...], session: SSL.Session) -> None:
        with self._sessions_lock:
            self._sessions[key] = session
            self._sessions.move_to_end(key)
            while len(self._sessions) > _MAX_SESSIONS:
                self._sessions.popitem(last=False)

    # -- for error messages --------------------------------------------------------------

    def version_range_text(self) -> tuple[str, str]:
        names = {v[1]: v[2] for v in _VERSIONS.values()}
        return names[self._min], names[self._max]

    def trust_description(self) -> str:
        sources = [self._trust_source or "the configured trust anchors"]
        if self._cert_paths:
            sources.append("cert_paths " + ", ".join(self._cert_paths))
        if self._system_trust:
            sources.append(f"the system store ({self._system_trust})")
        return "the trust of this connection: " + "; ".join(sources)

    def __repr__(self) -> str:
        ident = ", ".join(i.describe() for i in self.identities) or "no client certificate"
        return f"<PKISSLContext verify={self._verify} {ident}>"


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _verify_callback(
    conn: SSL.Connection, cert: crypto.X509, errnum: int, depth: int, ok: int
) -> bool:
    """Let OpenSSL's verdict stand, but remember the server's certificate and the first
    failing one, so that an error can name them."""
    if not ok:
        ref = conn.get_app_data()
        owner = ref() if callable(ref) else None
        if owner is not None:
            chain = conn.get_peer_cert_chain()  # the server's own certificate comes first
            if chain:
                owner.record_peer_leaf(chain[0])
            owner.record_verify_failure(cert.to_cryptography(), errnum, depth)
    return bool(ok)



def build_context(
    settings: TLSSettings,
    *,
    verify: bool = True,
    trust_anchors: Sequence[x509.Certificate] = (),
    cert_paths: Sequence[str] = (),
    identities: Sequence[ClientIdentity] = (),
    trust_source: str = "",
) -> PKISSLContext:
    """Build the frozen context; the system trust store is added per ``settings``."""
    return PKISSLContext(
        settings,
        verify=verify,
        trust_anchors=trust_anchors,
        cert_paths=cert_paths,
        use_system_trust=settings.use_system_trust,
        identities=identities,
        trust_source=trust_source,
    )
