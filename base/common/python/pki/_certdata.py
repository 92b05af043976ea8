"""Certificate data without NSS, for ``pki.nssdb``: PEM, NSS-style DNs, readable dumps,
chains, and certificate bodies for NSS to sign (PKCS #12 files: ``pki._pkcs12file``).

Everything here works on public data or on what a caller already holds in memory; nothing
touches a database or writes a file. Errors are ``ValueError`` (``pki.nssdb`` turns them into
its command errors).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any, Union

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

import pki

PrivateKey = Union[rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey]

__all__ = [
    "dn_string",
    "find_issuer",
    "load_certs",
    "pem",
    "pretty",
    "sort_chain",
    "tbs_for",
]


def dn_string(name: x509.Name) -> str:
    """``CN=Admin,O=EXAMPLE``: the one DN style of this package (NSS's and Dogtag's: most
    specific attribute first, ``E=``/``UID=``), ``""`` for an empty name."""
    return pki.convert_x509_name_to_dn(name) or ""


def pem(
    der: bytes,
    header: str = "-----BEGIN CERTIFICATE-----",
    footer: str = "-----END CERTIFICATE-----",
    eol: str = "\n",
) -> str:
    """``der`` as PEM, 64 characters a line (a certificate unless told otherwise)."""
    body = base64.b64encode(der).decode("ascii")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return eol.join([header, *lines, footer]) + eol


def load_certs(data: bytes | str, what: str) -> list[x509.Certificate]:
    """Certificates from PEM (one or several), base-64 DER, or DER."""
    raw = data.encode("ascii", errors="replace") if isinstance(data, str) else data
    try:
        if b"-----BEGIN CERTIFICATE-----" in raw:
            return x509.load_pem_x509_certificates(raw)
        if raw.lstrip().startswith(b"-----BEGIN"):
            raise ValueError("not a certificate PEM block")
        # DER is taken as it is: its last signature byte may be a whitespace byte
        der = raw if raw[:1] == b"\x30" else base64.b64decode(b"".join(raw.split()), validate=True)
        return [x509.load_der_x509_certificate(der)]
    except (ValueError, binascii.Error) as exc:
        raise ValueError(
            f"{what} holds no certificate (PEM, base-64 or DER expected): {exc}"
        ) from None


def sort_chain(certs: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    """Certificates ordered root first, each followed by what it issued (as Dogtag sorts)."""
    remaining = list(certs)
    by_subject = {c.subject: c for c in remaining}
    ordered: list[x509.Certificate] = []
    roots = [c for c in remaining if c.issuer == c.subject or c.issuer not in by_subject]
    queue = roots[:1] if roots else remaining[:1]
    while queue:
        current = queue.pop(0)
        if current in ordered:
            continue
        ordered.append(current)
        queue.extend(c for c in remaining if c.issuer == current.subject and c not in ordered)
    ordered.extend(c for c in remaining if c not in ordered)
    return ordered


def _oid_name(oid: x509.ObjectIdentifier) -> str:
    return str(getattr(oid, "_name", None) or oid.dotted_string)


def pretty(cert: x509.Certificate, nickname: str | None = None) -> str:
    """A human-readable description of ``cert`` (upstream prints Java's or certutil's)."""
    lines = []
    if nickname is not None:
        lines.append(f"Nickname: {nickname}")
    lines += [
        "Certificate:",
        "    Data:",
        f"        Version: {cert.version.value + 1} (0x{cert.version.value:x})",
        f"        Serial Number: {cert.serial_number} (0x{cert.serial_number:x})",
        f"        Signature Algorithm: {_oid_name(cert.signature_algorithm_oid)}",
        f"        Issuer: {dn_string(cert.issuer)}",
        "        Validity:",
        f"            Not Before: {cert.not_valid_before_utc:%a %b %d %H:%M:%S %Y} UTC",
        f"            Not After : {cert.not_valid_after_utc:%a %b %d %H:%M:%S %Y} UTC",
        f"        Subject: {dn_string(cert.subject)}",
        "        Subject Public Key Info:",
    ]
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        lines.append(f"            Public Key Algorithm: RSA ({key.key_size} bits)")
    elif isinstance(key, ec.EllipticCurvePublicKey):
        lines.append(f"            Public Key Algorithm: EC ({key.curve.name})")
    else:
        lines.append(f"            Public Key Algorithm: {type(key).__name__}")
    if cert.extensions:
        lines.append("        Extensions:")
        for ext in cert.extensions:
            critical = " (critical)" if ext.critical else ""
            lines.append(f"            {_oid_name(ext.oid)}{critical}: {ext.value}")
    fingerprint = cert.fingerprint(hashes.SHA256()).hex(":").upper()
    lines.append(f"    Fingerprint (SHA-256): {fingerprint}")
    return "\n".join(lines) + "\n"


_stand_ins: dict[str, Any] = {}


def _stand_in_key(kind: str) -> Any:
    if kind not in _stand_ins:
        _stand_ins[kind] = (
            rsa.generate_private_key(65537, 1024) if kind == "rsa"
            else ec.generate_private_key(ec.SECP256R1())
        )
    return _stand_ins[kind]


def tbs_for(builder: x509.CertificateBuilder, signer_spki: bytes) -> bytes:
    """The TBSCertificate ``builder`` describes, for NSS to sign with the database's key.

    cryptography builds (and so validates) the certificate body; it needs a key of the
    signer's type to do so, whose signature is then discarded: only the to-be-signed part,
    whose signature algorithm depends on the key type alone, is kept.
    """
    public = serialization.load_der_public_key(signer_spki)
    stand_in: Any
    if isinstance(public, rsa.RSAPublicKey):
        stand_in = _stand_in_key("rsa")
    elif isinstance(public, ec.EllipticCurvePublicKey):
        stand_in = _stand_in_key("ec")
    else:
        raise ValueError(f"cannot issue certificates with a {type(public).__name__}")
    return builder.sign(stand_in, hashes.SHA256()).tbs_certificate_bytes


def find_issuer(
    cert: x509.Certificate, candidates: Sequence[x509.Certificate]
) -> x509.Certificate | None:
    for candidate in candidates:
        if candidate.subject != cert.issuer or candidate == cert:
            continue
        try:
            cert.verify_directly_issued_by(candidate)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return candidate
    return None
