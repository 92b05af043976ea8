"""Where a connection's trust anchors and client certificates come from, and which
certificate answers a server's request.

From an NSS database: its TLS-trusted CAs and either the certificate named by a nickname or
every usable client certificate (the handshake then picks one by the server's CA list).
From PEM files: upstream's ``set_authentication_cert(cert, key)``. Everything here is
independent of the TLS library: certificates and keys are cryptography objects.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from pki._certdata import dn_string
from pki.conf import TLSSettings
from pki.nssdb import NSSDatabase, NSSError, PrivateKey
from pki.tls.errors import AmbiguousClientCertificateError, TLSConfigurationError

__all__ = [
    "ClientIdentity",
    "NSSCredentials",
    "describe_certificate",
    "select_database",
    "credentials_from_nssdb",
    "identity_from_pem",
    "choose_identity",
    "ambiguous_identities",
]

logger = logging.getLogger(__name__)

_PEM_KEY = re.compile(
    rb"-----BEGIN ([A-Z ]*)PRIVATE KEY-----.+?-----END \1PRIVATE KEY-----", re.S
)


def describe_certificate(cert: x509.Certificate, nickname: str | None = None) -> str:
    """``'nickname' (subject, issued by issuer)``: how errors name a client certificate."""
    label = f"'{nickname}' " if nickname else ""
    return (
        f"{label}({dn_string(cert.subject)}, issued by {dn_string(cert.issuer)})"
    )


@dataclass(frozen=True)
class ClientIdentity:
    """A client certificate with its chain (issuers, leaf first) and its private key."""

    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    key: PrivateKey = field(repr=False)
    nickname: str | None = None
    #: DER names of the certificate's issuers: a server naming one of them accepts it
    issuer_names_der: frozenset[bytes] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = {self.cert.issuer.public_bytes()}
        names.update(c.issuer.public_bytes() for c in self.chain)
        names.update(c.subject.public_bytes() for c in self.chain)
        object.__setattr__(self, "issuer_names_der", frozenset(names))

    @property
    def intermediates(self) -> tuple[x509.Certificate, ...]:
        """The chain without self-signed roots: what is sent with the certificate (the
        server has the root)."""
        return tuple(c for c in self.chain if c.issuer != c.subject)

    def describe(self) -> str:
        return describe_certificate(self.cert, self.nickname)

    def __repr__(self) -> str:
        return f"<ClientIdentity {self.describe()}>"


class NSSCredentials(NamedTuple):
    """Trust anchors and client identities read from one NSS database."""

    anchors: tuple[x509.Certificate, ...]
    identities: tuple[ClientIdentity, ...]
    source: str  # "NSS database sql:/path", for error messages
    #: why a search without nickname found no client certificate ("" when one was found,
    #: or none was looked for), for the error when a server asks for one
    no_identity: str = ""


def select_database(
    nssdb: str | os.PathLike[str] | NSSDatabase | None,
    settings: TLSSettings,
    passwords: Mapping[str, Any] | None = None,
) -> NSSDatabase | None:
    """The database a connection uses: ``nssdb`` (a directory, ``sql:``/``dbm:`` spec or an
    ``NSSDatabase``), else ``PKI_CLIENT_DATABASE`` when pki.conf sets it, else none.

    ``passwords`` are ``NSSDatabase`` keyword arguments (``password``, ``password_file`` or
    ``password_callback``; None values are left out, ``~`` in the file name is expanded);
    without any, ``PKI_CLIENT_PASSWORD_FILE`` is used when set. A directory without a prefix
    gets ``NSS_DEFAULT_DB_TYPE``'s. Nothing is opened here.
    """
    if isinstance(nssdb, NSSDatabase):
        return nssdb
    if nssdb is None:
        if not settings.client_database_configured:
            return None
        spec = f"{settings.db_type}:{settings.client_database}"
    else:
        spec = os.fspath(nssdb)
        if not spec.startswith(("sql:", "dbm:")):
            spec = f"{settings.db_type}:{os.path.expanduser(spec)}"
    kwargs = {name: value for name, value in (passwords or {}).items() if value is not None}
    if "password_file" in kwargs:
        kwargs["password_file"] = os.path.expanduser(os.fspath(kwargs["password_file"]))
    if not kwargs and settings.client_password_file:
        kwargs["password_file"] = settings.client_password_file
    return NSSDatabase(spec, **kwargs)


def credentials_from_nssdb(
    db: NSSDatabase, nickname: str | None, client_auth: bool = True
) -> NSSCredentials:
    """Read anchors and the client identity (or candidates) from ``db``.

    With ``nickname`` the certificate must exist, have its key and be valid now (the
    database layer's errors pass through unchanged). Without one, every usable client
    certificate becomes a candidate, unless the database is password protected and no
    password was given: then, as with ``client_auth=False``, it only provides trust.
    """
    was_open = db.is_open
    no_identity = ""
    # log in at once when a key will be needed or a password was given (a wrong one is
    # reported now); otherwise the public part is enough
    db.open(login=client_auth and (bool(nickname) or db.has_password))
    try:
        anchors = tuple(db.get_trust_anchors())
        if not client_auth:
            names = []
        elif nickname:
            names = [nickname]
        elif db.is_locked and not db.has_password:
            logger.info(
                "%s is locked and no password was given: its certificates are used for "
                "trust only", db.spec,
            )
            names = []
            no_identity = (
                f"NSS database {db.spec} is password protected and no password given, so "
                "its client certificates were not used: pass nssdb_password, "
                "nssdb_password_file or password_callback (or set PKI_CLIENT_PASSWORD_FILE)"
            )
        else:
            names = list(dict.fromkeys(c.nickname for c in db.find_client_certs()))
            if not names:
                no_identity = _no_usable_certificate(db)
        identities = []
        for name in names:
            cert, chain, key = db.get_client_credentials(name)
            identities.append(ClientIdentity(cert, tuple(chain), key, name))
    finally:
        if not was_open:
            db.close()
    logger.debug(
        "%s: %d trust anchor(s), client certificate(s): %s",
        db.spec, len(anchors), ", ".join(names) or "none",
    )
    return NSSCredentials(anchors, tuple(identities), f"NSS database {db.spec}", no_identity)


def _no_usable_certificate(db: NSSDatabase) -> str:
    """Why none of ``db``'s certificates with a key can be a client certificate now: the
    database layer's own refusal for each (expired, not yet valid, wrong key usage)."""
    why = []
    for info in db.list_certs():
        if not info.has_private_key:
            continue
        try:
            db.get_client_credentials(info.nickname)
        except NSSError as exc:  # refused before its key leaves the database
            why.append(str(exc))
    found = "; ".join(why) if why else "it holds no certificate with its private key"
    return f"NSS database {db.spec} has no usable client certificate: {found}"


def identity_from_pem(
    cert_path: str | os.PathLike[str], key_path: str | os.PathLike[str] | None = None
) -> ClientIdentity:
    """A client identity from PEM files (certificate, then key; both may share one file)."""
    try:
        with open(cert_path, "rb") as f:
            cert_data = f.read()
        key_data = cert_data
        if key_path is not None:
            with open(key_path, "rb") as f:
                key_data = f.read()
    except OSError as exc:
        raise TLSConfigurationError(
            f"cannot read client certificate file: {exc.filename}: {exc.strerror}"
        ) from None
    has_cert = b"CERTIFICATE-----" in cert_data
    certs = x509.load_pem_x509_certificates(cert_data) if has_cert else []
    if not certs:
        raise TLSConfigurationError(f"{cert_path} holds no PEM certificate")
    match = _PEM_KEY.search(key_data)
    if match is None:
        raise TLSConfigurationError(
            f"{key_path or cert_path} holds no PEM private key: pass the key file as "
            "the second argument"
        )
    try:
        # cryptography's RSA validation costs about 40 ms; the context checks instead
        # that the key belongs to the certificate (SSL_CTX_check_private_key), as
        # OpenSSL's own PEM loading does
        key = load_pem_private_key(
            match.group(0), password=None, unsafe_skip_rsa_key_validation=True
        )
    except (ValueError, TypeError) as exc:
        raise TLSConfigurationError(
            f"cannot load the private key from {key_path or cert_path}: {exc}"
        ) from None
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise TLSConfigurationError("only RSA and EC client keys are supported")
    return ClientIdentity(certs[0], tuple(certs[1:]), key, None)


def choose_identity(
    identities: Sequence[ClientIdentity], ca_names_der: Collection[bytes], peer: str
) -> ClientIdentity:
    """The one identity whose issuers include a CA the server named in its request.

    Raises ``AmbiguousClientCertificateError`` (naming the candidates and the way out,
    ``nickname=``) when none or several fit; ``peer`` says which server asked.
    """
    matching = [i for i in identities if not i.issuer_names_der.isdisjoint(ca_names_der)]
    if len(matching) == 1:
        return matching[0]
    why = (
        "the server named none of their issuers"
        if not matching
        else "the server accepts the issuers of several"
    )
    raise ambiguous_identities(
        f"{peer} asked for a client certificate and {why}", matching or identities
    )


def ambiguous_identities(
    why: str, candidates: Sequence[ClientIdentity]
) -> AmbiguousClientCertificateError:
    """The error for several client certificates that nothing decides between: ``why``,
    the way out (``nickname=``) and the candidates, by nickname or subject."""
    return AmbiguousClientCertificateError(
        f"{why}; choose one with nickname= (or PKI_CLIENT_CERT_NICKNAME in pki.conf). "
        "Candidates: " + "; ".join(i.describe() for i in candidates),
        candidates=[i.nickname or dn_string(i.cert.subject) for i in candidates],
    )
