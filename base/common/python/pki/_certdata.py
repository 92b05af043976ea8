"""Certificate data without NSS, for ``pki.nssdb``: PEM, NSS-style DNs, readable dumps,
chains, PKCS #12 files built in memory, and certificate bodies for NSS to sign.

Everything here works on public data or on what a caller already holds in memory; nothing
touches a database or writes a file. Errors are ``ValueError`` (``pki.nssdb`` turns them into
its command errors).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import constant_time, hashes, hmac, padding, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.serialization import pkcs12

import pki
from pki._csr import _oid, _tlv

PrivateKey = Union[rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey]

__all__ = [
    "dn_string",
    "find_issuer",
    "load_certs",
    "merge_pkcs12",
    "pem",
    "pkcs12_of",
    "pkcs12_trust_flags",
    "pretty",
    "rename_pkcs12_bags",
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


_stand_ins: dict[str, Any] = {}


def _stand_in_key(kind: str) -> Any:
    if kind not in _stand_ins:
        _stand_ins[kind] = (
            rsa.generate_private_key(65537, 1024) if kind == "rsa"
            else ec.generate_private_key(ec.SECP256R1())
        )
    return _stand_ins[kind]


def pkcs12_of(
    certs: Sequence[tuple[x509.Certificate, str | None]], key: PrivateKey | None, password: str
) -> bytes:
    """A PKCS #12 file built in memory (certificate-only files, renamed or merged ones)."""
    encryption = serialization.BestAvailableEncryption(password.encode("utf-8"))
    entries = [
        pkcs12.PKCS12Certificate(c, n.encode("utf-8") if n else None) for c, n in certs
    ]
    if key is not None and entries:
        first, rest = entries[0], entries[1:]
        name = first.friendly_name
        return pkcs12.serialize_key_and_certificates(
            name, key, first.certificate, rest or None, encryption
        )
    return pkcs12.serialize_key_and_certificates(None, None, None, entries, encryption)


# -- PKCS #12 files taken apart and put together (BER in, DER out) ----------------------------
#
# A PFX is SEQUENCE { version, ContentInfo(data: AuthenticatedSafe), MacData }; the
# AuthenticatedSafe is a SEQUENCE of ContentInfos (plain or encrypted SafeContents), and the
# MAC covers its octets. Appending a file is concatenating those ContentInfos and MACing
# again: the shrouded keys in them stay as NSS wrapped them. NSS writes BER (indefinite
# lengths, chunked OCTET STRINGs), so the reader takes both.

_OID_DATA = "1.2.840.113549.1.7.1"
_OID_FRIENDLY_NAME = "1.2.840.113549.1.9.20"
_MAC_DIGESTS = {
    "1.3.14.3.2.26": hashes.SHA1(),
    "2.16.840.1.101.3.4.2.4": hashes.SHA224(),
    "2.16.840.1.101.3.4.2.1": hashes.SHA256(),
    "2.16.840.1.101.3.4.2.2": hashes.SHA384(),
    "2.16.840.1.101.3.4.2.3": hashes.SHA512(),
}


@dataclass
class _Node:
    """One BER element: its tag, its whole encoding, and its value or its children."""

    tag: int
    raw: bytes
    value: bytes = b""
    children: list[_Node] = field(default_factory=list)

    @property
    def octets(self) -> bytes:
        """The content of a (possibly chunked) OCTET STRING."""
        if self.tag & 0x20:
            return b"".join(child.octets for child in self.children)
        return self.value


def _ber(data: bytes, pos: int = 0) -> tuple[_Node, int]:
    start = pos
    if pos + 2 > len(data) or data[pos] & 0x1F == 0x1F:
        raise ValueError("not a PKCS #12 file (bad ASN.1 element)")
    tag, first = data[pos], data[pos + 1]
    pos += 2
    constructed = bool(tag & 0x20)
    children: list[_Node] = []
    if first == 0x80:
        if not constructed:
            raise ValueError("not a PKCS #12 file (indefinite primitive element)")
        while data[pos : pos + 2] != b"\0\0":
            child, pos = _ber(data, pos)
            children.append(child)
        return _Node(tag, data[start : pos + 2], children=children), pos + 2
    length = first
    if first & 0x80:
        count = first & 0x7F
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    end = pos + length
    if end > len(data):
        raise ValueError("not a PKCS #12 file (truncated)")
    if not constructed:
        return _Node(tag, data[start:end], value=data[pos:end]), end
    inner = pos
    while inner < end:
        child, inner = _ber(data, inner)
        children.append(child)
    return _Node(tag, data[start:end], children=children), end


def _decode_oid(body: bytes) -> str:
    parts: list[int] = []
    value = 0
    for byte in body:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    first = min(parts[0] // 40, 2)
    return ".".join(str(p) for p in (first, parts[0] - 40 * first, *parts[1:]))


def _pkcs12_kdf(password: str, salt: bytes, iterations: int, size: int, digest: Any) -> bytes:
    """RFC 7292 appendix B.2 key derivation (ID 3: the MAC key)."""
    new_hash = getattr(hashlib, digest.name)
    block = new_hash().block_size
    secret = password.encode("utf-16-be") + b"\0\0"

    def stretch(data: bytes) -> bytes:
        if not data:
            return b""
        count = -(-len(data) // block) * block
        return (data * (count // len(data) + 1))[:count]

    i_block = bytearray(stretch(salt) + stretch(secret))
    out = b""
    while len(out) < size:
        a = new_hash(bytes([3]) * block + bytes(i_block)).digest()
        for _ in range(iterations - 1):
            a = new_hash(a).digest()
        out += a
        b = int.from_bytes((a * (block // len(a) + 1))[:block], "big")
        for j in range(0, len(i_block), block):
            total = (int.from_bytes(i_block[j : j + block], "big") + b + 1) % (1 << (8 * block))
            i_block[j : j + block] = total.to_bytes(block, "big")
    return out[:size]


def _mac(auth_safe: bytes, password: str, salt: bytes, iterations: int, digest: Any) -> bytes:
    key = _pkcs12_kdf(password, salt, iterations, digest.digest_size, digest)
    h = hmac.HMAC(key, type(digest)())
    h.update(auth_safe)
    return h.finalize()


@dataclass
class _PFX:
    contents: list[bytes]  # the AuthenticatedSafe's ContentInfos, as encoded
    digest_oid: str
    salt: bytes
    iterations: int


def _read_pfx(data: bytes, password: str, verify: bool = True) -> _PFX:
    """The parts of a PKCS #12 file whose MAC ``password`` verifies (``verify=False``: a
    file just made in this process, its MAC not worth recomputing)."""
    pfx, _ = _ber(data)
    if len(pfx.children) < 3:
        raise ValueError("the PKCS #12 file has no password integrity (MAC)")
    content_info, mac_data = pfx.children[1], pfx.children[2]
    if _decode_oid(content_info.children[0].value) != _OID_DATA:
        raise ValueError("the PKCS #12 file is not password-integrity protected")
    auth_safe = content_info.children[1].children[0].octets
    digest_info = mac_data.children[0]
    digest_oid = _decode_oid(digest_info.children[0].children[0].value)
    digest = _MAC_DIGESTS.get(digest_oid)
    if digest is None:
        raise ValueError(f"unsupported PKCS #12 MAC digest {digest_oid}")
    salt = mac_data.children[1].value
    iterations = int.from_bytes(mac_data.children[2].value, "big") if len(
        mac_data.children
    ) > 2 else 1
    expected = digest_info.children[1].value
    if verify and not constant_time.bytes_eq(
        _mac(auth_safe, password, salt, iterations, digest), expected
    ):
        raise ValueError("the PKCS #12 password does not match the file's (MAC check failed)")
    safe, _ = _ber(auth_safe)
    return _PFX([child.raw for child in safe.children], digest_oid, salt, iterations)


def _write_pfx(contents: Sequence[bytes], password: str, like: _PFX) -> bytes:
    """A PKCS #12 file of ``contents`` with a fresh MAC made as in ``like``."""
    auth_safe = _tlv(0x30, b"".join(contents))
    salt = os.urandom(len(like.salt) or 16)
    digest = _MAC_DIGESTS[like.digest_oid]
    mac = _mac(auth_safe, password, salt, like.iterations, digest)
    algorithm = _tlv(0x30, _oid(like.digest_oid) + b"\x05\x00")
    mac_data = _tlv(
        0x30,
        _tlv(0x30, algorithm + _tlv(0x04, mac))
        + _tlv(0x04, salt)
        + _tlv(0x02, _der_int(like.iterations)),
    )
    content_info = _tlv(0x30, _oid(_OID_DATA) + _tlv(0xA0, _tlv(0x04, auth_safe)))
    return _tlv(0x30, _tlv(0x02, b"\x03") + content_info + mac_data)


def _der_int(value: int) -> bytes:
    return value.to_bytes(value.bit_length() // 8 + 1, "big")


def merge_pkcs12(existing: bytes, new: bytes, password: str) -> bytes:
    """Both files' certificates and keys in one file (upstream's ``--append``).

    The files' contents are put side by side as they are (the keys stay wrapped as they
    were written); both must open with ``password``.
    """
    try:
        old = _read_pfx(existing, password)
    except (ValueError, IndexError) as exc:
        raise ValueError(f"cannot append to the existing PKCS #12 file: {exc}") from None
    added = _read_pfx(new, password)
    return _write_pfx(old.contents + added.contents, password, added)


#: certificate encryptions done here (PBES2: PBKDF2 with HMAC-SHA256, then the cipher)
PBES2_CIPHERS = {
    "AES-128-CBC": ("2.16.840.1.101.3.4.1.2", 16),
    "AES-192-CBC": ("2.16.840.1.101.3.4.1.22", 24),
    "AES-256-CBC": ("2.16.840.1.101.3.4.1.42", 32),
}
_OID_ENCRYPTED_DATA = "1.2.840.113549.1.7.6"
_OID_CERT_BAG = "1.2.840.113549.1.12.10.1.3"
_OID_X509_CERT = "1.2.840.113549.1.9.22.1"
#: JSS's PKCS #12 attribute for a certificate's NSS trust flags (a BMPString, "CT,C,C")
_OID_TRUST_FLAGS = "2.16.840.1.113730.5.1.1.1"


def rename_pkcs12_bags(
    data: bytes,
    password: str,
    prefix: str,
    cert_cipher: str | None = None,
    trust_of: Callable[[bytes], str | None] | None = None,
) -> bytes:
    """``data`` with ``prefix`` taken off the friendly names of its bags, each certificate
    given the trust flags ``trust_of(der)`` answers (JSS's attribute), and the certificate
    bags encrypted with ``cert_cipher`` (one of ``PBES2_CIPHERS``) when one is given.

    NSS names what it exports from a database opened beside the internal one
    ``<token name>:<nickname>``; pk12util's files (and so every reader's) carry the nickname
    alone. ``data`` must hold its bags unencrypted (the keys shrouded); SafeContents that are
    already encrypted are kept as they are.
    """
    pfx = _read_pfx(data, password, verify=False)
    contents = []
    for raw in pfx.contents:
        info, _ = _ber(raw)
        if _decode_oid(info.children[0].value) != _OID_DATA:
            contents.append(raw)
            continue
        bags, _ = _ber(info.children[1].children[0].octets)
        renamed = [(_decode_oid(bag.children[0].value), _renamed_bag(bag, prefix, trust_of))
                   for bag in bags.children]
        plain = b"".join(der for oid, der in renamed if not cert_cipher or oid != _OID_CERT_BAG)
        if plain:
            contents.append(
                _tlv(0x30, _oid(_OID_DATA) + _tlv(0xA0, _tlv(0x04, _tlv(0x30, plain))))
            )
        if cert_cipher:
            certs = b"".join(der for oid, der in renamed if oid == _OID_CERT_BAG)
            contents.append(_encrypted_safe(_tlv(0x30, certs), password, cert_cipher,
                                            pfx.iterations))
    return _write_pfx(contents, password, pfx)


def _encrypted_safe(safe: bytes, password: str, cipher: str, iterations: int) -> bytes:
    """``safe`` as a PBES2-encrypted ContentInfo (RFC 8018; the password as UTF-8)."""
    oid, size = PBES2_CIPHERS[cipher.upper()]
    salt, iv = os.urandom(16), os.urandom(16)
    key = PBKDF2HMAC(hashes.SHA256(), size, salt, iterations).derive(password.encode("utf-8"))
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    body = encryptor.update(padder.update(safe) + padder.finalize()) + encryptor.finalize()
    prf = _tlv(0x30, _oid("1.2.840.113549.2.9") + b"\x05\x00")  # hmacWithSHA256
    kdf = _tlv(0x30, _oid("1.2.840.113549.1.5.12") + _tlv(
        0x30, _tlv(0x04, salt) + _tlv(0x02, _der_int(iterations)) + _tlv(0x02, _der_int(size))
        + prf,
    ))
    scheme = _tlv(0x30, _oid(oid) + _tlv(0x04, iv))
    algorithm = _tlv(0x30, _oid("1.2.840.113549.1.5.13") + _tlv(0x30, kdf + scheme))
    encrypted_info = _tlv(0x30, _oid(_OID_DATA) + algorithm + _tlv(0x80, body))
    encrypted_data = _tlv(0x30, _tlv(0x02, b"\x00") + encrypted_info)
    return _tlv(0x30, _oid(_OID_ENCRYPTED_DATA) + _tlv(0xA0, encrypted_data))


def _cert_bag_der(bag: _Node) -> bytes | None:
    """The certificate of a SafeBag if it is an X.509 certBag."""
    if _decode_oid(bag.children[0].value) != _OID_CERT_BAG:
        return None
    cert_bag = bag.children[1].children[0]
    if _decode_oid(cert_bag.children[0].value) != _OID_X509_CERT:
        return None
    return cert_bag.children[1].children[0].octets


def pkcs12_trust_flags(data: bytes, password: str) -> dict[bytes, str]:
    """Certificate DER -> the trust flags JSS's ``pkcs12-export`` stored with it, read from
    the file's unencrypted SafeContents (JSS writes certificates unencrypted by default)."""
    found: dict[bytes, str] = {}
    for raw in _read_pfx(data, password).contents:
        info, _ = _ber(raw)
        if _decode_oid(info.children[0].value) != _OID_DATA:
            continue
        bags, _ = _ber(info.children[1].children[0].octets)
        for bag in bags.children:
            der = _cert_bag_der(bag)
            if der is None or len(bag.children) < 3:
                continue
            for attribute in bag.children[2].children:
                if _decode_oid(attribute.children[0].value) == _OID_TRUST_FLAGS:
                    value = attribute.children[1].children[0].value
                    found[der] = value.decode("utf-16-be")
    return found


def _renamed_bag(
    bag: _Node, prefix: str, trust_of: Callable[[bytes], str | None] | None = None
) -> bytes:
    present = bag.children[2].children if len(bag.children) > 2 else []
    attributes = []
    for attribute in present:
        oid = _decode_oid(attribute.children[0].value)
        if oid == _OID_FRIENDLY_NAME:
            name = attribute.children[1].children[0].value.decode("utf-16-be")
            if name.startswith(prefix):
                value = _tlv(0x1E, name[len(prefix) :].encode("utf-16-be"))
                attributes.append(_tlv(0x30, attribute.children[0].raw + _tlv(0x31, value)))
                continue
        if oid != _OID_TRUST_FLAGS or trust_of is None:
            attributes.append(attribute.raw)
    der = _cert_bag_der(bag) if trust_of is not None else None
    trust = trust_of(der) if trust_of is not None and der is not None else None
    if trust is not None:
        value = _tlv(0x1E, trust.encode("utf-16-be"))
        attributes.append(_tlv(0x30, _oid(_OID_TRUST_FLAGS) + _tlv(0x31, value)))
    if not attributes and len(bag.children) < 3:
        return bag.raw
    return _tlv(
        0x30, bag.children[0].raw + bag.children[1].raw + _tlv(0x31, b"".join(attributes))
    )


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
