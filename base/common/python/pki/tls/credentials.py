"""Where a connection's trust anchors and client certificates come from.

From an NSS database: its TLS-trusted CAs and either the certificate named by a nickname or
every usable client certificate (the handshake then picks one by the server's CA list).
From PEM files: upstream's ``set_authentication_cert(cert, key)``.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from pki.nssdb import NSSDatabase
from pki.tls.context import ClientIdentity
from pki.tls.errors import TLSConfigurationError

__all__ = ["NSSCredentials", "credentials_from_nssdb", "identity_from_pem"]

logger = logging.getLogger(__name__)

_PEM_KEY = re.compile(
    rb"-----BEGIN ([A-Z ]*)PRIVATE KEY-----.+?-----END \1PRIVATE KEY-----", re.S
)


class NSSCredentials:
    """Trust anchors and client identities read from one NSS database."""

    def __init__(
        self,
        anchors: Sequence[x509.Certificate],
        identities: Sequence[ClientIdentity],
        source: str,
    ) -> None:
        self.anchors = list(anchors)
        self.identities = list(identities)
        self.source = source


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
    # log in at once when a key will be needed or a password was given (a wrong one is
    # reported now); otherwise the public part is enough
    db.open(login=client_auth and (bool(nickname) or db.has_password))
    try:
        anchors = db.get_trust_anchors()
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
        else:
            names = list(dict.fromkeys(c.nickname for c in db.find_client_certs()))
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
    return NSSCredentials(anchors, identities, f"NSS database {db.spec}")


def identity_from_pem(
    cert_path: str | os.PathLike[str], key_path: str | None = None
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
    pem = match.group(0)
    try:
        key = load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise TLSConfigurationError(
            f"cannot load the private key from {key_path or cert_path}: {exc}"
        ) from None
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise TLSConfigurationError("only RSA and EC client keys are supported")
    return ClientIdentity(certs[0], tuple(certs[1:]), key, None)

