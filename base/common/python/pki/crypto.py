"""Client-side wrapping for the KRA: session keys, CBC encryption and RSA key transport.

The KRA never sees a secret in the clear on the wire. The client makes a one-time symmetric
*session key*, encrypts the secret with it (AES-128-CBC for keyset 1, DES-EDE3-CBC for the
pre-10.4 keyset 0), and wraps the session key with the RSA public key of the KRA transport
certificate (PKCS#1 v1.5, or OAEP with SHA-256 when the server is configured for
``RSA_OAEP``). Retrieval runs the same way backwards.

Everything here uses ``cryptography``. ``CryptographyCryptoProvider`` keeps upstream's
constructor and method names so that callers such as FreeIPA's vault plugin run unchanged.
Inputs and outputs are raw bytes (no base64). Nothing here logs key material.
"""

from __future__ import annotations

import abc
import logging
import os
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, keywrap, padding
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

logger = logging.getLogger(__name__)

# Dogtag writes algorithm OIDs in this brace form.
DES_EDE3_CBC_OID = "{1 2 840 113549 3 7}"
AES_128_CBC_OID = "{2 16 840 1 101 3 4 1 2}"

WRAP_AES_CBC_PAD = "AES/CBC/PKCS5Padding"
WRAP_AES_KEY_WRAP = "AES KeyWrap"
WRAP_AES_KEY_WRAP_PAD = "AES KeyWrap/Padding"
WRAP_DES3_CBC_PAD = "DES3/CBC/Pad"

# RSA key transport names, as /kra/rest/info reports RsaPublicKeyWrapAlgorithm.
RSA_PKCS1 = "RSA"
RSA_OAEP = "RSA_OAEP"

KEYSET_DES3 = 0
KEYSET_AES = 1


def _triple_des() -> Any:
    """The TripleDES cipher class, wherever this cryptography release keeps it."""
    try:
        from cryptography.hazmat.decrepit.ciphers import algorithms as decrepit
    except ImportError:  # cryptography < 43
        return algorithms.TripleDES  # type: ignore[attr-defined]
    return decrepit.TripleDES


def _normalise_oid(oid: str) -> str:
    """``{2 16 840 ...}`` and ``2.16.840...`` name the same OID; compare them as dotted."""
    return ".".join(oid.strip().strip("{}").replace(".", " ").split())


def keyset_for_oid(oid: str | None) -> int | None:
    """The keyset an encryption OID belongs to (1: AES-128-CBC, 0: DES-EDE3-CBC), or None."""
    if not oid:
        return None
    dotted = _normalise_oid(oid)
    if dotted == _normalise_oid(AES_128_CBC_OID):
        return KEYSET_AES
    if dotted == _normalise_oid(DES_EDE3_CBC_OID):
        return KEYSET_DES3
    raise ValueError(f"unsupported encryption algorithm OID: {oid}")


def load_certificate(cert: Any) -> x509.Certificate:
    """Accept an ``x509.Certificate``, PEM or DER bytes/str, or an object with ``.binary``
    (DER) or ``.encoded`` (PEM) like ``pki.cert.CertData``."""
    if isinstance(cert, x509.Certificate):
        return cert
    for attr in ("binary", "encoded"):
        inner = getattr(cert, attr, None)
        if inner:
            return load_certificate(inner)
    if isinstance(cert, str):
        cert = cert.encode("ascii")
    if isinstance(cert, (bytes, bytearray)):
        data = bytes(cert)
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    raise TypeError(f"cannot use {type(cert).__name__} as a certificate")


def _rsa_public_key(wrapping_cert: Any) -> RSAPublicKey:
    key = wrapping_cert if isinstance(wrapping_cert, RSAPublicKey) else None
    if key is None:
        key = load_certificate(wrapping_cert).public_key()  # type: ignore[assignment]
    if not isinstance(key, RSAPublicKey):
        raise ValueError("the transport certificate does not hold an RSA public key")
    return key


def rsa_padding(mechanism: str | None) -> asym_padding.AsymmetricPadding:
    """PKCS#1 v1.5 by default; OAEP (SHA-256, MGF1-SHA-256) for ``RSA_OAEP``/``OAEP``."""
    if mechanism and mechanism.upper().replace("-", "_") in ("RSA_OAEP", "OAEP"):
        return asym_padding.OAEP(
            mgf=asym_padding.MGF1(algorithm=hashes.SHA256()),
            algorithm=hashes.SHA256(),
            label=None,
        )
    if mechanism and mechanism.upper() not in ("RSA", "PKCS1", "PKCS1V15", "RSA_PKCS1"):
        raise ValueError(f"unsupported RSA wrapping mechanism: {mechanism}")
    return asym_padding.PKCS1v15()


def load_cert_from_nssdb(
    directory: str,
    nickname: str,
    password: str | None = None,
    password_file: str | None = None,
) -> x509.Certificate:
    """Read a certificate by nickname from an NSS database (via ``pki.nssdb``)."""
    import pki.nssdb  # deferred: only needed when a nickname must be looked up

    with pki.nssdb.NSSDatabase(directory, password=password, password_file=password_file) as db:
        found = db.get_cert(nickname)
    if found is None:
        raise KeyError(f"no certificate {nickname!r} in the NSS database {directory}")
    return load_certificate(found)


class CryptoProvider(metaclass=abc.ABCMeta):
    """What ``pki.key.KeyClient`` needs from a crypto implementation.

    As in upstream master, only ``initialize()`` is abstract, so a provider that implements
    just that can be instantiated (master's ``KeyClient`` no longer wraps anything itself).
    The other operations are the ones this package's ``KeyClient`` uses for client-side
    wrapping (11.2's API); a provider that lacks one says so when it is called.
    """

    @abc.abstractmethod
    def initialize(self) -> None:
        """Prepare the provider; called before the first operation."""

    def _missing(self, operation: str) -> NotImplementedError:
        return NotImplementedError(
            f"{type(self).__name__} does not implement {operation}(): use "
            "pki.crypto.CryptographyCryptoProvider for client-side wrapping"
        )

    def get_supported_algorithm_keyset(self) -> int:
        """Highest keyset this provider supports."""
        raise self._missing("get_supported_algorithm_keyset")

    def set_algorithm_keyset(self, level: int) -> None:
        """Select the keyset (0: DES-EDE3-CBC, 1: AES-128-CBC)."""
        raise self._missing("set_algorithm_keyset")

    def generate_nonce_iv(self, mechanism: str | None = None) -> bytes:
        """A random IV for the current cipher."""
        raise self._missing("generate_nonce_iv")

    def generate_symmetric_key(self, mechanism: str | None = None, size: int = 0) -> bytes:
        """A random symmetric key."""
        raise self._missing("generate_symmetric_key")

    def generate_session_key(self) -> bytes:
        """A random session key for the current keyset."""
        raise self._missing("generate_session_key")

    def symmetric_wrap(
        self, data: bytes, wrapping_key: bytes, mechanism: str | None = None,
        nonce_iv: bytes | None = None,
    ) -> bytes:
        """Encrypt ``data`` with a symmetric key."""
        raise self._missing("symmetric_wrap")

    def symmetric_unwrap(
        self, data: bytes, wrapping_key: bytes, mechanism: str | None = None,
        nonce_iv: bytes | None = None,
    ) -> bytes:
        """Decrypt what ``symmetric_wrap`` produced."""
        raise self._missing("symmetric_unwrap")

    def asymmetric_wrap(
        self, data: bytes, wrapping_cert: Any, mechanism: str | None = None
    ) -> bytes:
        """Encrypt a session key with the transport certificate's public key."""
        raise self._missing("asymmetric_wrap")

    def key_unwrap(
        self, mechanism: str, data: bytes, wrapping_key: bytes, nonce_iv: bytes | None
    ) -> bytes:
        """Undo a server-side key wrap named by ``mechanism``."""
        raise self._missing("key_unwrap")

    def get_cert(self, cert_nick: str) -> x509.Certificate:
        """The certificate known under ``cert_nick``."""
        raise self._missing("get_cert")


class CryptographyCryptoProvider(CryptoProvider):
    """``CryptoProvider`` on top of python-cryptography.

    ``transport_cert`` may be an ``x509.Certificate``, PEM/DER bytes, or a path to a PEM or
    DER file (upstream 11.2 accepted a path); it is filed under ``transport_cert_nick``.
    ``backend`` is accepted for compatibility and ignored. A certificate that is not known
    by nickname is looked up in ``nssdb`` (a directory) when one is given.
    """

    def __init__(
        self,
        transport_cert_nick: str | None = None,
        transport_cert: Any = None,
        backend: Any = None,
        *,
        nssdb: str | None = None,
        nssdb_password: str | None = None,
        nssdb_password_file: str | None = None,
    ) -> None:
        self.certs: dict[str | None, x509.Certificate] = {}
        if transport_cert is not None:
            if isinstance(transport_cert, (str, os.PathLike)) and os.path.exists(transport_cert):
                with open(transport_cert, "rb") as f:
                    transport_cert = f.read()
            self.certs[transport_cert_nick] = load_certificate(transport_cert)
        self.transport_cert_nick = transport_cert_nick
        self.backend = backend
        self.nssdb = nssdb
        self._nssdb_password = nssdb_password
        self._nssdb_password_file = nssdb_password_file
        self.keyset = KEYSET_AES

    def __repr__(self) -> str:
        nicknames = sorted(map(str, self.certs))
        return f"CryptographyCryptoProvider(keyset={self.keyset}, certs={nicknames})"

    def initialize(self) -> None:
        """Nothing to prepare: cryptography needs no database or token login."""

    def get_supported_algorithm_keyset(self) -> int:
        return KEYSET_AES

    def set_algorithm_keyset(self, level: int) -> None:
        if level not in (KEYSET_DES3, KEYSET_AES):
            raise ValueError(f"invalid keyset: {level}")
        self.keyset = level

    # -- symmetric -----------------------------------------------------------------------

    def _cipher_for(self, mechanism: str | None) -> tuple[Any, int]:
        """(cipher class, key size in bytes) for an OID/name, or for the current keyset."""
        keyset = self.keyset
        if mechanism:
            name = mechanism.upper()
            if name.startswith("{") or name[:1].isdigit():
                keyset = keyset_for_oid(mechanism)  # type: ignore[assignment]
            elif name.startswith("AES"):
                keyset = KEYSET_AES
            elif name.startswith(("DES3", "DESEDE", "3DES", "DES_EDE3", "TRIPLEDES")):
                keyset = KEYSET_DES3
            else:
                raise ValueError(f"unsupported symmetric mechanism: {mechanism}")
        if keyset == KEYSET_DES3:
            # 3DES keys are 24 bytes although only 168 of their bits count.
            return _triple_des(), 24
        return algorithms.AES, 16

    def generate_nonce_iv(self, mechanism: str | None = None) -> bytes:
        """A random IV of the cipher's block size (16 bytes for AES, 8 for 3DES).

        Upstream's default argument was ``'AES'`` while it actually used the keyset's cipher;
        here ``mechanism`` picks the cipher only when it names one explicitly.
        """
        cipher, _ = self._cipher_for(None if mechanism == "AES" else mechanism)
        return os.urandom(cipher.block_size // 8)

    def generate_symmetric_key(self, mechanism: str | None = None, size: int = 0) -> bytes:
        """A random key: the keyset's session-key size, or ``size`` bytes when given."""
        if size:
            return os.urandom(size)
        _, key_size = self._cipher_for(mechanism)
        return os.urandom(key_size)

    def generate_session_key(self) -> bytes:
        return self.generate_symmetric_key()

    def symmetric_wrap(
        self,
        data: bytes,
        wrapping_key: bytes,
        mechanism: str | None = None,
        nonce_iv: bytes | None = None,
    ) -> bytes:
        """CBC-encrypt ``data`` (PKCS#7 padded) with ``wrapping_key`` and ``nonce_iv``."""
        if wrapping_key is None:
            raise ValueError("Wrapping key must be provided")
        if nonce_iv is None:
            raise ValueError("An IV (nonce_iv) must be provided")
        if isinstance(data, str):
            data = data.encode("utf-8")
        cipher_cls, _ = self._cipher_for(mechanism)
        padder = padding.PKCS7(cipher_cls.block_size).padder()
        padded = padder.update(data) + padder.finalize()
        encryptor = Cipher(cipher_cls(wrapping_key), modes.CBC(nonce_iv)).encryptor()
        return encryptor.update(padded) + encryptor.finalize()

    def symmetric_unwrap(
        self,
        data: bytes,
        wrapping_key: bytes,
        mechanism: str | None = None,
        nonce_iv: bytes | None = None,
    ) -> bytes:
        """Undo ``symmetric_wrap``: CBC-decrypt and strip the PKCS#7 padding."""
        if wrapping_key is None:
            raise ValueError("Wrapping key must be provided")
        if nonce_iv is None:
            raise ValueError("An IV (nonce_iv) must be provided")
        cipher_cls, _ = self._cipher_for(mechanism)
        decryptor = Cipher(cipher_cls(wrapping_key), modes.CBC(nonce_iv)).decryptor()
        padded = decryptor.update(data) + decryptor.finalize()
        unpadder = padding.PKCS7(cipher_cls.block_size).unpadder()
        return unpadder.update(padded) + unpadder.finalize()

    # -- asymmetric ----------------------------------------------------------------------

    def asymmetric_wrap(
        self, data: bytes, wrapping_cert: Any, mechanism: str | None = None
    ) -> bytes:
        """Encrypt ``data`` (a session key) with the RSA key of ``wrapping_cert``.

        ``mechanism`` ``None``/``'RSA'`` means PKCS#1 v1.5, ``'RSA_OAEP'`` means OAEP with
        SHA-256. ``wrapping_cert`` may also be a nickname known to this provider.
        """
        if isinstance(wrapping_cert, str) and "-----BEGIN" not in wrapping_cert:
            wrapping_cert = self.get_cert(wrapping_cert)
        return _rsa_public_key(wrapping_cert).encrypt(data, rsa_padding(mechanism))

    def key_unwrap(
        self, mechanism: str, data: bytes, wrapping_key: bytes, nonce_iv: bytes | None
    ) -> bytes:
        """Undo the server's key wrap: CBC-pad names decrypt, AES KeyWrap names unwrap."""
        if mechanism == WRAP_AES_CBC_PAD:
            return self.symmetric_unwrap(data, wrapping_key, "AES", nonce_iv)
        if mechanism == WRAP_DES3_CBC_PAD:
            return self.symmetric_unwrap(data, wrapping_key, "DES3", nonce_iv)
        if mechanism == WRAP_AES_KEY_WRAP:
            return keywrap.aes_key_unwrap(wrapping_key, data)
        if mechanism == WRAP_AES_KEY_WRAP_PAD:
            return keywrap.aes_key_unwrap_with_padding(wrapping_key, data)
        raise ValueError(f"Unsupported key wrap algorithm: {mechanism}")

    def get_cert(self, cert_nick: str | None) -> x509.Certificate:
        """The certificate filed under ``cert_nick``, else read from the NSS database."""
        if cert_nick in self.certs:
            return self.certs[cert_nick]
        if cert_nick and self.nssdb:
            cert = load_cert_from_nssdb(
                self.nssdb, cert_nick, self._nssdb_password, self._nssdb_password_file
            )
            self.certs[cert_nick] = cert
            return cert
        raise KeyError(f"no certificate known as {cert_nick!r}")
