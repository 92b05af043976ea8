"""PKCS #12 files in memory, for ``pki.nssdb``: files built from certificates (and a key)
with cryptography, and files NSS wrote taken apart and put together again: appended
(``--append``), their bags renamed, their certificates encrypted, and JSS's trust-flag
attribute written and read. The keys in NSS's files stay as NSS wrapped them.

Nothing here touches a database or writes a file. Errors are ``ValueError``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Union

from cryptography import x509
from cryptography.hazmat.primitives import constant_time, hashes, hmac, padding, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.serialization import pkcs12

from pki import _der

PrivateKey = Union[rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey]

__all__ = [
    "PBES2_CIPHERS",
    "merge_pkcs12",
    "pkcs12_of",
    "pkcs12_trust_flags",
    "rename_pkcs12_bags",
]


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
_OID_LOCAL_KEY_ID = "1.2.840.113549.1.9.21"
_MAC_DIGESTS = {
    "1.3.14.3.2.26": hashes.SHA1(),
    "2.16.840.1.101.3.4.2.4": hashes.SHA224(),
    "2.16.840.1.101.3.4.2.1": hashes.SHA256(),
    "2.16.840.1.101.3.4.2.2": hashes.SHA384(),
    "2.16.840.1.101.3.4.2.3": hashes.SHA512(),
}


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
    pfx, _ = _der.read_ber(data)
    if len(pfx.children) < 3:
        raise ValueError("the PKCS #12 file has no password integrity (MAC)")
    content_info, mac_data = pfx.children[1], pfx.children[2]
    if _der.decode_oid(content_info.children[0].value) != _OID_DATA:
        raise ValueError("the PKCS #12 file is not password-integrity protected")
    auth_safe = content_info.children[1].children[0].octets
    digest_info = mac_data.children[0]
    digest_oid = _der.decode_oid(digest_info.children[0].children[0].value)
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
    safe, _ = _der.read_ber(auth_safe)
    return _PFX([child.raw for child in safe.children], digest_oid, salt, iterations)


def _data_content_info(content: bytes) -> bytes:
    """A ContentInfo of type data holding ``content``."""
    return _der.tlv(0x30, _der.oid(_OID_DATA) + _der.tlv(0xA0, _der.tlv(0x04, content)))


def _write_pfx(contents: Sequence[bytes], password: str, like: _PFX) -> bytes:
    """A PKCS #12 file of ``contents`` with a fresh MAC made as in ``like``."""
    auth_safe = _der.tlv(0x30, b"".join(contents))
    salt = os.urandom(len(like.salt) or 16)
    digest = _MAC_DIGESTS[like.digest_oid]
    mac = _mac(auth_safe, password, salt, like.iterations, digest)
    algorithm = _der.tlv(0x30, _der.oid(like.digest_oid) + b"\x05\x00")
    mac_data = _der.tlv(
        0x30,
        _der.tlv(0x30, algorithm + _der.tlv(0x04, mac))
        + _der.tlv(0x04, salt)
        + _der.tlv(0x02, _der.integer(like.iterations)),
    )
    content_info = _data_content_info(auth_safe)
    return _der.tlv(0x30, _der.tlv(0x02, b"\x03") + content_info + mac_data)


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
    nickname_of: Callable[[bytes], str | None],
    cert_cipher: str | None = None,
    trust_of: Callable[[bytes], str | None] | None = None,
) -> bytes:
    """``data`` with each bag named after its certificate's nickname ``nickname_of(der)``
    (a key bag: the nickname of the certificate with its ``localKeyID``), each certificate
    given the trust flags ``trust_of(der)`` answers (JSS's attribute), and the certificate
    bags encrypted with ``cert_cipher`` (one of ``PBES2_CIPHERS``) when one is given.

    NSS names what it exports from a database opened beside the internal one
    ``<token name>:<nickname>``, and a certificate that another open database holds too by
    that database's token and nickname; pk12util's files (and so every reader's) carry the
    exporting database's nickname alone. A bag whose certificate ``nickname_of`` does not
    know keeps its name. ``data`` must hold its bags unencrypted (the keys shrouded);
    SafeContents that are already encrypted are kept as they are.
    """
    pfx = _read_pfx(data, password, verify=False)
    # each bag with its certificate (None for a key bag) and its localKeyID
    safes: list[bytes | list[tuple[_der.Node, bytes | None, bytes | None]]] = []
    names: dict[bytes, str] = {}  # localKeyID -> the nickname of its certificate
    for raw in pfx.contents:
        plain = _plain_bags(raw)
        if plain is None:
            safes.append(raw)
            continue
        bags = []
        for bag in plain:
            der, key_id = _cert_bag_der(bag), _attribute(bag, _OID_LOCAL_KEY_ID)
            name = nickname_of(der) if der is not None else None
            if name is not None and key_id is not None:
                names[key_id] = name
            bags.append((bag, der, key_id))
        safes.append(bags)
    contents = []
    for safe in safes:
        if isinstance(safe, bytes):
            contents.append(safe)
            continue
        renamed = []
        for bag, der, key_id in safe:
            name = nickname_of(der) if der is not None else names.get(key_id or b"")
            renamed.append((der is not None, _renamed_bag(bag, der, name, trust_of)))
        kept = b"".join(bag for is_cert, bag in renamed if not cert_cipher or not is_cert)
        if kept:
            contents.append(_data_content_info(_der.tlv(0x30, kept)))
        if cert_cipher:
            certs = b"".join(bag for is_cert, bag in renamed if is_cert)
            contents.append(_encrypted_safe(_der.tlv(0x30, certs), password, cert_cipher,
                                            pfx.iterations))
    return _write_pfx(contents, password, pfx)


def _attribute(bag: _der.Node, oid: str) -> bytes | None:
    """The first value (its content) of a SafeBag's attribute ``oid``."""
    for attribute in bag.children[2].children if len(bag.children) > 2 else []:
        if _der.decode_oid(attribute.children[0].value) == oid:
            return attribute.children[1].children[0].value
    return None


def _encrypted_safe(safe: bytes, password: str, cipher: str, iterations: int) -> bytes:
    """``safe`` as a PBES2-encrypted ContentInfo (RFC 8018; the password as UTF-8)."""
    oid, size = PBES2_CIPHERS[cipher.upper()]
    salt, iv = os.urandom(16), os.urandom(16)
    key = PBKDF2HMAC(hashes.SHA256(), size, salt, iterations).derive(password.encode("utf-8"))
    padder = padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    body = encryptor.update(padder.update(safe) + padder.finalize()) + encryptor.finalize()
    prf = _der.tlv(0x30, _der.oid("1.2.840.113549.2.9") + b"\x05\x00")  # hmacWithSHA256
    kdf = _der.tlv(0x30, _der.oid("1.2.840.113549.1.5.12") + _der.tlv(
        0x30,
        _der.tlv(0x04, salt) + _der.tlv(0x02, _der.integer(iterations))
        + _der.tlv(0x02, _der.integer(size)) + prf,
    ))
    scheme = _der.tlv(0x30, _der.oid(oid) + _der.tlv(0x04, iv))
    algorithm = _der.tlv(0x30, _der.oid("1.2.840.113549.1.5.13") + _der.tlv(0x30, kdf + scheme))
    encrypted_info = _der.tlv(0x30, _der.oid(_OID_DATA) + algorithm + _der.tlv(0x80, body))
    encrypted_data = _der.tlv(0x30, _der.tlv(0x02, b"\x00") + encrypted_info)
    return _der.tlv(0x30, _der.oid(_OID_ENCRYPTED_DATA) + _der.tlv(0xA0, encrypted_data))


def _cert_bag_der(bag: _der.Node) -> bytes | None:
    """The certificate of a SafeBag if it is an X.509 certBag."""
    if _der.decode_oid(bag.children[0].value) != _OID_CERT_BAG:
        return None
    cert_bag = bag.children[1].children[0]
    if _der.decode_oid(cert_bag.children[0].value) != _OID_X509_CERT:
        return None
    return cert_bag.children[1].children[0].octets


def pkcs12_trust_flags(data: bytes, password: str) -> dict[bytes, str]:
    """Certificate DER -> the trust flags JSS's ``pkcs12-export`` stored with it, read from
    the file's unencrypted SafeContents (JSS writes certificates unencrypted by default)."""
    found: dict[bytes, str] = {}
    for raw in _read_pfx(data, password).contents:
        for bag in _plain_bags(raw) or []:
            der, trust = _cert_bag_der(bag), _attribute(bag, _OID_TRUST_FLAGS)
            if der is not None and trust is not None:
                found[der] = trust.decode("utf-16-be")
    return found


def _plain_bags(content_info: bytes) -> list[_der.Node] | None:
    """The SafeBags of an AuthenticatedSafe entry, or None if it is encrypted."""
    info, _ = _der.read_ber(content_info)
    if _der.decode_oid(info.children[0].value) != _OID_DATA:
        return None
    return _der.read_ber(info.children[1].children[0].octets)[0].children


def _renamed_bag(
    bag: _der.Node,
    der: bytes | None,
    name: str | None,
    trust_of: Callable[[bytes], str | None] | None = None,
) -> bytes:
    """``bag`` re-encoded with friendly name ``name`` (unless None) and, for a certificate
    (``der``), the trust flags ``trust_of(der)``."""
    present = bag.children[2].children if len(bag.children) > 2 else []
    attributes = []
    for attribute in present:
        oid = _der.decode_oid(attribute.children[0].value)
        if oid == _OID_FRIENDLY_NAME and name is not None:
            value = _der.tlv(0x1E, name.encode("utf-16-be"))
            attributes.append(_der.tlv(0x30, attribute.children[0].raw + _der.tlv(0x31, value)))
            continue
        if oid != _OID_TRUST_FLAGS or trust_of is None:
            attributes.append(attribute.raw)
    trust = trust_of(der) if trust_of is not None and der is not None else None
    if trust is not None:
        value = _der.tlv(0x1E, trust.encode("utf-16-be"))
        attributes.append(_der.tlv(0x30, _der.oid(_OID_TRUST_FLAGS) + _der.tlv(0x31, value)))
    if not attributes and len(bag.children) < 3:
        return bag.raw
    return _der.tlv(
        0x30, bag.children[0].raw + bag.children[1].raw + _der.tlv(0x31, b"".join(attributes))
    )
