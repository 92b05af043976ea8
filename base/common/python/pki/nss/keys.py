"""Private keys in a database: generation, listing, signing and encrypted export.

Keys are generated inside the database's token (permanent, sensitive, private) and never
leave it in the clear: requests are signed by NSS, and the only export is NSS's own
encryption of the key under a one-time password (for the in-memory TLS credentials).
"""

from __future__ import annotations

import contextlib
import ctypes
import secrets
from collections.abc import Iterator
from ctypes import POINTER, c_void_p
from typing import NamedTuple

from pki.nss._lib import (
    PR_FALSE,
    PR_TRUE,
    SEC_SUCCESS,
    InputItem,
    NSSError,
    PK11RSAGenParams,
    SECItem,
    SECKEYPrivateKeyListNode,
    in_slot,
    item_bytes,
    last_error,
    nss,
    take_item,
    take_string,
)
from pki.nss.certs import find_in_slot
from pki.nss.slots import Slot

# SECOidTag values (secoidt.h); part of NSS's stable ABI.
_SEC_OID_AES_256_CBC = 188
_SEC_OID_PKCS5_PBES2 = 292
_SEC_OID_HMAC_SHA256 = 296
HASH_TAGS = {"SHA1": 4, "SHA224": 309, "SHA256": 191, "SHA384": 192, "SHA512": 193}

# KeyType (keythi.h)
KEY_TYPES = {1: "RSA", 2: "DSA", 4: "DH", 6: "EC", 7: "RSA-PSS", 8: "RSA-OAEP"}

# mechanisms and flags (pkcs11t.h, secmodt.h)
_CKM_RSA_PKCS_KEY_PAIR_GEN = 0x0000
_CKM_EC_KEY_PAIR_GEN = 0x1040
_PK11_ATTR_TOKEN = 0x1
_PK11_ATTR_PRIVATE = 0x4
_PK11_ATTR_SENSITIVE = 0x40
OP_FLAGS = {
    "encrypt": 0x100,
    "decrypt": 0x200,
    "sign": 0x800,
    "sign_recover": 0x1000,
    "verify": 0x2000,
    "verify_recover": 0x4000,
    "wrap": 0x20000,
    "unwrap": 0x40000,
    "derive": 0x80000,
}


class KeyEntry(NamedTuple):
    """A private key stored in a slot: its CKA_ID, NSS key type and nickname (may be None)."""

    key_id: bytes
    key_type: str
    nickname: str | None


@contextlib.contextmanager
def _private_key(slot: Slot, key_id: bytes) -> Iterator[int]:
    item = InputItem(key_id)
    key = nss().PK11_FindKeyByKeyID(slot.pointer, item.ref, None)
    if not key:
        raise last_error(f"no private key with ID 0x{key_id.hex()} in {slot.directory}")
    try:
        yield key
    finally:
        nss().SECKEY_DestroyPrivateKey(key)


def _entry(key: int) -> KeyEntry:
    lib = nss()
    key_id_item = lib.PK11_GetLowLevelKeyIDForPrivateKey(key)
    key_id = take_item(key_id_item) if key_id_item else b""
    key_type = lib.SECKEY_GetPrivateKeyType(key)
    nickname = take_string(lib.PK11_GetPrivateKeyNickname(key))
    return KeyEntry(key_id, KEY_TYPES.get(key_type, f"type {key_type}"), nickname)


@in_slot
def list_private_keys(slot: Slot) -> list[KeyEntry]:
    """Every private key in ``slot`` (the slot must be logged in when it has a password)."""
    lib = nss()
    keys = lib.PK11_ListPrivKeysInSlot(slot.pointer, None, None)
    if not keys:
        return []  # NSS returns NULL when there is none
    result = []
    try:
        head = ctypes.addressof(keys.contents.list)
        node_ptr = keys.contents.list.next
        while ctypes.addressof(node_ptr.contents) != head:
            node = ctypes.cast(node_ptr, POINTER(SECKEYPrivateKeyListNode)).contents
            result.append(_entry(node.key))
            node_ptr = node.links.next
    finally:
        lib.SECKEY_DestroyPrivateKeyList(keys)
    return result


@in_slot
def key_of_cert(slot: Slot, cert_der: bytes) -> KeyEntry | None:
    """The private key of a certificate stored in ``slot`` (logged in), or None."""
    lib = nss()
    cert = find_in_slot(slot, cert_der)
    if cert is None:
        return None
    try:
        key = lib.PK11_FindPrivateKeyFromCert(slot.pointer, cert, None)
        if not key:
            return None
        try:
            return _entry(key)
        finally:
            lib.SECKEY_DestroyPrivateKey(key)
    finally:
        lib.CERT_DestroyCertificate(cert)


@in_slot
def generate_key_pair(
    slot: Slot,
    key_type: str,
    key_size: int = 2048,
    curve_oid_der: bytes | None = None,
    op_flags: int = 0,
    op_flags_mask: int = 0,
) -> KeyEntry:
    """Generate a key pair in ``slot``'s token: permanent, sensitive and private.

    ``key_type`` is ``RSA`` (``key_size`` bits, public exponent 65537) or ``EC`` (the curve
    as the DER of its OID). ``op_flags``/``op_flags_mask`` are PKCS #11 operation flags
    (``OP_FLAGS``) to turn on, and which of them to control at all. Returns the new key.
    """
    lib = nss()
    keep: object  # what param_ptr points into, alive until NSS returns
    if key_type == "RSA":
        mechanism = _CKM_RSA_PKCS_KEY_PAIR_GEN
        params = PK11RSAGenParams(key_size, 65537)
        keep, param_ptr = params, ctypes.cast(ctypes.byref(params), c_void_p)
    elif key_type == "EC" and curve_oid_der:
        mechanism = _CKM_EC_KEY_PAIR_GEN
        curve = InputItem(curve_oid_der)
        keep, param_ptr = curve, ctypes.cast(curve.ref, c_void_p)
    elif key_type == "EC":
        raise NSSError("an EC key needs a curve")
    else:
        raise NSSError(f"unsupported key type {key_type!r}: use RSA or EC")
    public = c_void_p()
    private = lib.PK11_GenerateKeyPairWithOpFlags(
        slot.pointer,
        mechanism,
        param_ptr,
        ctypes.byref(public),
        _PK11_ATTR_TOKEN | _PK11_ATTR_PRIVATE | _PK11_ATTR_SENSITIVE,
        op_flags,
        op_flags_mask,
        None,
    )
    del keep
    if not private:
        raise last_error(f"cannot generate a {key_type} key in {slot.directory}")
    try:
        return _entry(private)
    finally:
        if public.value:
            lib.SECKEY_DestroyPublicKey(public)
        lib.SECKEY_DestroyPrivateKey(private)


@in_slot
def delete_private_key(slot: Slot, key_id: bytes) -> None:
    """Remove the private key ``key_id`` from ``slot``'s token."""
    lib = nss()
    item = InputItem(key_id)
    key = lib.PK11_FindKeyByKeyID(slot.pointer, item.ref, None)
    if not key:
        raise last_error(f"no private key with ID 0x{key_id.hex()} in {slot.directory}")
    if lib.PK11_DeleteTokenPrivateKey(key, PR_TRUE) != SEC_SUCCESS:  # frees ``key`` too
        raise last_error(f"cannot delete the private key 0x{key_id.hex()}")


@in_slot
def public_key_info(slot: Slot, key_id: bytes) -> bytes:
    """The DER SubjectPublicKeyInfo of the private key ``key_id`` stored in ``slot``."""
    lib = nss()
    with _private_key(slot, key_id) as key:
        public = lib.SECKEY_ConvertToPublicKey(key)
        if not public:
            raise last_error("cannot derive the public key")
        try:
            encoded = lib.SECKEY_EncodeDERSubjectPublicKeyInfo(public)
            if not encoded:
                raise last_error("cannot encode the public key")
            return take_item(encoded)
        finally:
            lib.SECKEY_DestroyPublicKey(public)


@in_slot
def sign_der(slot: Slot, key_id: bytes, data: bytes, hash_name: str) -> bytes:
    """``SEC_DerSignData``: the DER ``SEQUENCE { data, algorithm, signature }``.

    With a PKCS #10 CertificationRequestInfo as ``data`` this is the signed request. NSS
    picks the signature algorithm for the key type and ``hash_name`` (``SHA256``...).
    """
    lib = nss()
    hash_tag = HASH_TAGS.get(hash_name.upper().replace("-", ""))
    if hash_tag is None:
        raise NSSError(f"unsupported hash {hash_name!r}: use one of {', '.join(HASH_TAGS)}")
    with _private_key(slot, key_id) as key:
        algorithm = lib.SEC_GetSignatureAlgorithmOidTag(lib.SECKEY_GetPrivateKeyType(key), hash_tag)
        if not algorithm:
            raise last_error(f"no {hash_name} signature algorithm for this key")
        arena = lib.PORT_NewArena_Util(2048)
        if not arena:
            raise last_error("out of memory")
        try:
            result = SECItem()
            source = InputItem(data)
            status = lib.SEC_DerSignData(
                arena, ctypes.byref(result), source.buffer, len(data), key, algorithm
            )
            if status != SEC_SUCCESS:
                raise last_error(f"cannot sign with the key 0x{key_id.hex()}")
            return item_bytes(result)
        finally:
            lib.PORT_FreeArena_Util(arena, PR_FALSE)


@in_slot
def export_private_key(slot: Slot, cert_der: bytes) -> tuple[bytes, bytes]:
    """Export the private key of the certificate ``cert_der`` found in this slot.

    Returns ``(encrypted_pkcs8_der, one_time_password)``: the key wrapped by NSS with
    PBES2 (AES-256-CBC, HMAC-SHA256) under a random password that exists only in memory.
    The caller decrypts it in memory; nothing is ever written to disk.
    """
    lib = nss()
    cert = find_in_slot(slot, cert_der)
    if cert is None:
        raise last_error(f"certificate not found in {slot.directory}")
    key = epki = encoded = None
    password = secrets.token_hex(32).encode()
    pw = InputItem(password)
    try:
        key = lib.PK11_FindPrivateKeyFromCert(slot.pointer, cert, None)
        if not key:
            raise last_error(f"no private key for this certificate in {slot.directory}")
        epki = lib.PK11_ExportEncryptedPrivKeyInfoV2(
            slot.pointer,
            _SEC_OID_PKCS5_PBES2,
            _SEC_OID_AES_256_CBC,
            _SEC_OID_HMAC_SHA256,
            pw.ref,
            key,
            1,  # the password is random and single-use: one PBKDF2 iteration is enough
            None,
        )
        if not epki:
            raise last_error(f"cannot export the private key from {slot.directory}")
        encoded = lib.SEC_ASN1EncodeItem_Util(None, None, epki, lib.epki_template)
        if not encoded:
            raise last_error("cannot encode the exported private key")
        return item_bytes(encoded), password
    finally:
        pw.wipe()
        if encoded:
            lib.SECITEM_FreeItem(encoded, PR_TRUE)
        if epki:
            lib.SECKEY_DestroyEncryptedPrivateKeyInfo(epki, PR_TRUE)
        if key:
            lib.SECKEY_DestroyPrivateKey(key)
        lib.CERT_DestroyCertificate(cert)


__all__ = [
    "HASH_TAGS",
    "KEY_TYPES",
    "KeyEntry",
    "OP_FLAGS",
    "delete_private_key",
    "export_private_key",
    "generate_key_pair",
    "key_of_cert",
    "list_private_keys",
    "public_key_info",
    "sign_der",
]
