"""One pyOpenSSL context per connection, adapted to the ``ssl.SSLContext`` API urllib3 uses.

``PKISSLContext`` is built once from a ``TLSConfig`` (versions, ciphers, trust, client
certificates) and then frozen: urllib3 repeats ``verify_mode``, ``set_alpn_protocols`` and
friends on every new connection, and those repeats are harmless no-ops; a call that would
really change the context raises ``FrozenContextError`` instead of silently diverging from
what was configured. Host names are checked inside every handshake of a verifying context,
whatever ``check_hostname`` is set to later. The context keeps TLS sessions so that new
connections resume instead of doing full handshakes.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import ssl
from collections.abc import Sequence
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from OpenSSL import SSL, crypto

from pki._certdata import dn_string
from pki.tls import _openssl
from pki.tls.config import (
    VERIFY_FLAGS,
    TLSConfig,
    check_offered,
    load_file_trust,
    version_text,
)
from pki.tls.credentials import ClientIdentity, ambiguous_identities
from pki.tls.diagnosis import HandshakeRecord
from pki.tls.errors import (
    FrozenContextError,
    TLSConfigurationError,
)
from pki.tls.sessions import SessionCache
from pki.tls.sslsocket import PKISSLSocket

__all__ = ["PKISSLContext", "build_context"]

logger = logging.getLogger(__name__)

_OPENSSL_VERSIONS = {
    ssl.TLSVersion.TLSv1_2: SSL.TLS1_2_VERSION,
    ssl.TLSVersion.TLSv1_3: SSL.TLS1_3_VERSION,
}
_ALPN = ("http/1.1",)
_MAX_SESSIONS = 64


def _offers(name: str) -> bool:
    """Whether pyOpenSSL's OpenSSL has the TLS 1.2 suite ``name``."""
    probe = SSL.Context(SSL.TLS_CLIENT_METHOD)
    try:
        probe.set_cipher_list(name.encode())
    except SSL.Error:
        return False
    return True


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _verify_callback(
    conn: SSL.Connection, cert: crypto.X509, errnum: int, depth: int, ok: int
) -> bool:
    """Let OpenSSL's verdict stand, but note the server's certificate and the first
    failing one in the connection's record, so that an error can name them."""
    if not ok:
        record = conn.get_app_data()
        if isinstance(record, HandshakeRecord):
            chain = conn.get_peer_cert_chain()  # the server's own certificate comes first
            if chain:
                record.peer_leaf = chain[0].to_cryptography()
            record.note_verify_failure(cert.to_cryptography(), errnum, depth)
    return bool(ok)


class PKISSLContext:
    """A frozen pyOpenSSL client context that urllib3 accepts as ``ssl_context``."""

    protocol = ssl.PROTOCOL_TLS_CLIENT
    hostname_checks_common_name = False
    post_handshake_auth = True
    sni_callback = None
    keylog_filename = None

    def __init__(self, config: TLSConfig) -> None:
        self.config = config
        self.settings = config.settings
        self.identities: tuple[ClientIdentity, ...] = config.identities
        self.default_identity = self.identities[0] if len(self.identities) == 1 else None
        self.sessions: SessionCache[SSL.Session] = SessionCache(_MAX_SESSIONS)
        self._verify = config.verify
        self._ctx = SSL.Context(SSL.TLS_CLIENT_METHOD)
        self._apply_versions_and_ciphers()
        self._ctx.set_options(SSL.OP_NO_COMPRESSION)
        self._ctx.set_alpn_protos([p.encode() for p in _ALPN])
        self._ctx.set_session_cache_mode(SSL.SESS_CACHE_CLIENT)
        self._system_trust = ""
        if config.verify:
            self._ctx.set_verify(SSL.VERIFY_PEER, _verify_callback)
            store = self._ctx.get_cert_store()
            assert store is not None
            store.set_flags(int(VERIFY_FLAGS))  # trusted intermediates are anchors, as in NSS
            for anchor in config.trust_anchors:
                store.add_cert(crypto.X509.from_cryptography(anchor))
            self._system_trust = load_file_trust(self._ctx, config, SSL.Error)
        else:
            self._ctx.set_verify(SSL.VERIFY_NONE, None)
        self._hostname_in_handshake = (
            config.verify and _openssl.FEATURES["hostname_verification"]
        )
        self._apply_identities()
        _openssl.enable_post_handshake_auth(self._ctx)
        _openssl.enable_whole_writes(self._ctx)
        self._cert_callback = _openssl.install_cert_callback(self._ctx)
        # pyOpenSSL refuses to read or change options once a connection exists
        self._options = int(self._ctx.set_options(0))
        self._versions_text = (
            version_text(config.minimum_version), version_text(config.maximum_version)
        )
        self._trust_text = self.trust_description()

    # -- building ------------------------------------------------------------------------

    def _apply_versions_and_ciphers(self) -> None:
        config = self.config
        self._ctx.set_min_proto_version(_OPENSSL_VERSIONS[config.minimum_version])
        self._ctx.set_max_proto_version(_OPENSSL_VERSIONS[config.maximum_version])
        ciphers = config.ciphers
        check_offered(ciphers.tls12_enabled, _offers)
        try:
            if ciphers.tls12:
                self._ctx.set_cipher_list(ciphers.tls12.encode())
            if ciphers.tls13 is not None:
                self._ctx.set_tls13_ciphersuites(ciphers.tls13.encode())
        except SSL.Error as exc:
            raise TLSConfigurationError(
                f"SSL_CIPHERS leaves no usable cipher suite ({exc})"
            ) from None

    def _apply_identities(self) -> None:
        if self.default_identity is not None:
            identity = self.default_identity
            self._ctx.use_certificate(_openssl.as_certificate(identity.cert))
            self._ctx.use_privatekey(_openssl.as_private_key(identity.key))
            try:
                self._ctx.check_privatekey()
            except SSL.Error:
                raise TLSConfigurationError(
                    f"the private key does not belong to the client certificate "
                    f"{identity.describe()}: give the key file that matches it"
                ) from None
        chain_certs: dict[bytes, x509.Certificate] = {}
        for identity in self.identities:
            for cert in identity.intermediates:
                chain_certs[cert.fingerprint(hashes.SHA256())] = cert
        for cert in chain_certs.values():
            self._ctx.add_extra_chain_cert(_openssl.as_certificate(cert))
        if len(self.identities) > 1 and not _openssl.FEATURES["cert_callback"]:
            raise ambiguous_identities(
                "several client certificates are usable and this OpenSSL cannot choose by "
                "the server's CA list",
                self.identities,
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
        """True when OpenSSL checks the server's name inside every handshake."""
        return self._hostname_in_handshake

    @check_hostname.setter
    def check_hostname(self, value: bool) -> None:
        # urllib3 sets False when it matches the name itself (assert_hostname, a pinned
        # fingerprint, pyOpenSSL injected into urllib3): harmless, since the handshake keeps
        # checking. It must not switch the check off for the connections that follow.
        if value and not self._verify:
            raise FrozenContextError(
                "cannot check host names on a connection built with verify=False"
            )
        if not value and self._hostname_in_handshake:
            logger.debug("check_hostname=False ignored: the handshake keeps checking names")

    @property
    def minimum_version(self) -> ssl.TLSVersion:
        return self.config.minimum_version

    @minimum_version.setter
    def minimum_version(self, value: ssl.TLSVersion) -> None:
        self._refuse_change("minimum_version", self.minimum_version, value)

    @property
    def maximum_version(self) -> ssl.TLSVersion:
        return self.config.maximum_version

    @maximum_version.setter
    def maximum_version(self, value: ssl.TLSVersion) -> None:
        self._refuse_change("maximum_version", self.maximum_version, value)

    def _refuse_change(self, what: str, current: Any, value: Any) -> None:
        if value == current:
            return
        raise FrozenContextError(
            f"this connection's TLS context has {what}={current!s} from pki.conf "
            f"(SSL_STREAM_VERSION_MIN/MAX); it cannot change to {value!s} after it is built"
        )

    @property
    def options(self) -> int:
        return self._options

    @options.setter
    def options(self, value: int) -> None:
        if int(value) != self._options:
            raise FrozenContextError(
                f"this connection's TLS options are fixed ({self._options:#x}); they cannot "
                f"change to {int(value):#x} after the context is built"
            )

    @property
    def verify_flags(self) -> ssl.VerifyFlags:
        """``pki.tls.config.VERIFY_FLAGS`` when verifying (every trusted certificate is an
        anchor, as in NSS), else none."""
        return VERIFY_FLAGS if self._verify else ssl.VerifyFlags(0)

    @verify_flags.setter
    def verify_flags(self, value: int) -> None:
        if int(value) != int(self.verify_flags):
            raise FrozenContextError(
                f"this connection's certificate verification flags are fixed "
                f"({self.verify_flags!r}); they cannot change to {ssl.VerifyFlags(value)!r}"
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
        if given and all(p in self.config.cert_paths for p in given) and cadata is None:
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
        anchors = self.config.trust_anchors
        if binary_form:
            return [c.public_bytes(serialization.Encoding.DER) for c in anchors]
        return [{"subject": dn_string(c.subject)} for c in anchors]

    def cert_store_stats(self) -> dict[str, int]:
        count = len(self.config.trust_anchors)
        return {"x509": count, "crl": 0, "x509_ca": count}

    def session_stats(self) -> dict[str, int]:
        return {"cached": len(self.sessions)}

    # -- connections ---------------------------------------------------------------------

    def wrap_socket(
        self,
        sock: socket.socket,
        server_side: bool = False,
        do_handshake_on_connect: bool = True,
        suppress_ragged_eofs: bool = True,
        server_hostname: str | None = None,
        session: SSL.Session | None = None,
    ) -> PKISSLSocket:
        """Start TLS on a connected socket.

        The connection resumes ``session`` when given: the ``.session`` of an earlier
        connection of this context (pyOpenSSL pins a session to the context that made it).
        Otherwise it resumes the last session with the same server name and address.
        """
        if server_side:
            raise FrozenContextError("PKISSLContext is for clients only")
        if session is not None and not isinstance(session, SSL.Session):
            raise TypeError(
                f"session must be the .session of a PKISSLSocket, not {type(session).__name__}"
                " (a standard library ssl.SSLSession cannot resume a pyOpenSSL connection)"
            )
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
        if session is not None:
            try:
                conn.set_session(session)
            except ValueError:  # pyOpenSSL: the session belongs to another SSL.Context
                raise ValueError(
                    "session comes from a connection of another PKISSLContext; a session "
                    "resumes only connections of the context that made it"
                ) from None
        elif key is not None:
            cached = self.sessions.get(key)
            if cached is not None:
                conn.set_session(cached)
        record = HandshakeRecord(
            server_hostname=host,
            peer_address=peer,
            allowed_versions=self._versions_text,
            trust_description=self._trust_text,
            no_identity="" if self.identities else self.config.no_identity,
        )
        if self.default_identity is not None:
            record.sent_certificate = self.default_identity.cert
            record.sent_nickname = self.default_identity.nickname
        conn.set_app_data(record)
        wrapped = PKISSLSocket(self, sock, conn, record, key)
        wrapped.suppress_ragged_eofs = suppress_ragged_eofs
        _openssl.register_connection(conn, wrapped)
        if do_handshake_on_connect:
            wrapped.do_handshake()
        return wrapped

    # -- for error messages --------------------------------------------------------------

    def trust_description(self) -> str:
        sources = [self.config.trust_source or "the configured trust anchors"]
        if self.config.cert_paths:
            sources.append("cert_paths " + ", ".join(self.config.cert_paths))
        if self._system_trust:
            sources.append(f"the system store ({self._system_trust})")
        return "the trust of this connection: " + "; ".join(sources)

    def __repr__(self) -> str:
        ident = ", ".join(i.describe() for i in self.identities) or "no client certificate"
        return f"<PKISSLContext verify={self._verify} {ident}>"


def build_context(config: TLSConfig) -> PKISSLContext:
    """Build the frozen pyOpenSSL context described by ``config``."""
    return PKISSLContext(config)
