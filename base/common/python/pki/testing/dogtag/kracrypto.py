"""The KRA's transport crypto: unwrap the client's session key, (de)crypt the payload.

Clients wrap a fresh symmetric session key with the KRA transport certificate's RSA key
(PKCS#1 v1.5 by default, OAEP when the server runs with ``--oaep``) and encrypt the secret
with it in CBC mode with PKCS#7 padding: AES (keyset 1, the default) or DES-EDE3 (keyset 0).
"""

from __future__ import annotations

import os

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, CipherAlgorithm, algorithms, modes

from pki.testing.dogtag.errors import bad_request

try:  # cryptography >= 43 keeps 3DES among the "decrepit" algorithms
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:  # pragma: no cover - older cryptography
    TripleDES = algorithms.TripleDES  # type: ignore[attr-defined,misc]

AES_128_CBC = "2.16.840.1.101.3.4.1.2"
AES_192_CBC = "2.16.840.1.101.3.4.1.22"
AES_256_CBC = "2.16.840.1.101.3.4.1.42"
DES_EDE3_CBC = "1.2.840.113549.3.7"
_AES = (AES_128_CBC, AES_192_CBC, AES_256_CBC)
_WRAP_NAMES = {"aes/cbc/pkcs5padding": AES_128_CBC, "des3/cbc/pad": DES_EDE3_CBC}


def normalize_oid(text: str) -> str:
    """``{2 16 840 1 101 3 4 1 2}`` (Dogtag's spelling) or dotted → dotted."""
    return ".".join(text.strip().strip("{}").replace(".", " ").split())


def oid_for_wrapping_name(name: str) -> str:
    oid = _WRAP_NAMES.get(name.strip().lower())
    if oid is None:
        raise bad_request(f"Unsupported payload wrapping algorithm: {name}")
    return oid


def unwrap_session_key(transport_key: rsa.RSAPrivateKey, wrapped: bytes, oaep: bool) -> bytes:
    """Decrypt the transport-wrapped session key; a failure is the client's fault (400)."""
    pad: asym_padding.AsymmetricPadding
    if oaep:
        pad = asym_padding.OAEP(
            mgf=asym_padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None
        )
    else:
        pad = asym_padding.PKCS1v15()
    try:
        return transport_key.decrypt(wrapped, pad)
    except ValueError:
        raise bad_request("Unable to unwrap the session key with the transport key") from None


def _cipher(oid: str, key: bytes) -> tuple[CipherAlgorithm, int]:
    dotted = normalize_oid(oid)
    try:
        if dotted in _AES:
            return algorithms.AES(key), 16
        if dotted == DES_EDE3_CBC:
            return TripleDES(key), 8
    except ValueError as e:
        raise bad_request(f"Session key does not fit {dotted}: {e}") from None
    raise bad_request(f"Unsupported encryption algorithm: {oid}")


def decrypt(oid: str, key: bytes, iv: bytes, data: bytes) -> bytes:
    """CBC-decrypt and unpad ``data``; wrong key or IV is a 400."""
    algorithm, block = _cipher(oid, key)
    if len(iv) != block:
        raise bad_request(f"Invalid IV length {len(iv)} for {normalize_oid(oid)}")
    try:
        decryptor = Cipher(algorithm, modes.CBC(iv)).decryptor()
        padded = decryptor.update(data) + decryptor.finalize()
        unpadder = padding.PKCS7(block * 8).unpadder()
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise bad_request(
            "Unable to decrypt the archived data (wrong key, IV or padding)"
        ) from None


def encrypt(oid: str, key: bytes, data: bytes) -> tuple[bytes, bytes]:
    """Pad and CBC-encrypt ``data`` with a fresh random IV; returns (ciphertext, iv)."""
    algorithm, block = _cipher(oid, key)
    iv = os.urandom(block)
    padder = padding.PKCS7(block * 8).padder()
    padded = padder.update(data) + padder.finalize()
    encryptor = Cipher(algorithm, modes.CBC(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize(), iv
