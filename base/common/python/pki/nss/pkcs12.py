"""PKCS #12 import and export with NSS's own PKCS #12 code (libsmime3).

Importing decodes and verifies the whole file (its MAC, with the file's password) before
anything is stored, so that a wrong password changes nothing; keys are unwrapped by NSS
straight into the database's token. If storing fails half-way, what this import added is
removed again. Exporting lets NSS wrap the keys (PBES2, AES-256 by default, as ``pk12util``).

NSS's PKCS #12 code needs a UCS-2/UTF-8 conversion function to be registered (pk12util
registers one too); ours calls NSS's own converter. The PKCS #12 cipher policy is NSS's
(``SEC_PKCS12EnableCipher`` only sets algorithm policy since NSS 3.x, so it is not called:
that would override the system's crypto policy for the whole process).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import threading
from collections.abc import Iterator
from typing import Any, NamedTuple

from pki.nss._lib import (
    PR_FALSE,
    PR_TRUE,
    SEC_SUCCESS,
    EncoderOutputCallback,
    InputItem,
    NicknameCollisionCallback,
    NicknameRenameCallback,
    NSSError,
    SEC_PKCS12DecoderItem,
    UCS2ASCIIConversionFunction,
    in_slot,
    item_bytes,
    last_error,
    nss,
    secret_item,
)
from pki.nss.certs import _delete, find_in_slot
from pki.nss.keys import delete_private_key, list_private_keys
from pki.nss.slots import Slot, list_certs

logger = logging.getLogger(__name__)

# SECOidTag values (secoidt.h)
CIPHERS = {
    "AES-128-CBC": 184,
    "AES-192-CBC": 186,
    "AES-256-CBC": 188,
    "DES-EDE3-CBC": 7,
    "PBE/SHA1/DES3/CBC": 156,  # PKCS #12 v2 PBE with SHA-1 and 3-key triple DES
}
MAC_DIGESTS = {"SHA1": 4, "SHA224": 309, "SHA256": 191, "SHA384": 192, "SHA512": 193}
DEFAULT_KEY_CIPHER = "AES-256-CBC"
DEFAULT_CERT_CIPHER = "AES-128-CBC"
DEFAULT_MAC_DIGEST = "SHA256"

_conversion_lock = threading.Lock()
_conversion: Any = None  # the registered callback, kept alive for the process


def _convert(
    to_unicode: int,
    in_buf: int,
    in_len: int,
    out_buf: int,
    max_out: int,
    out_len: Any,
    swap_bytes: int,
) -> int:
    """pk12util's conversion: NSS's UCS-2/UTF-8 converter, bytes swapped for UCS-2 input."""
    try:
        data = ctypes.string_at(in_buf, in_len) if in_len else b""
        if not to_unicode and swap_bytes:
            swapped = bytearray(data)
            swapped[0::2], swapped[1::2] = data[1::2], data[0::2]
            data = bytes(swapped)
        source = ctypes.create_string_buffer(data, max(len(data), 1))
        try:
            return int(
                nss().PORT_UCS2_UTF8Conversion_Util(
                    to_unicode, source, len(data), out_buf, max_out, out_len
                )
            )
        finally:
            ctypes.memset(source, 0, len(source))
    except Exception:  # a ctypes callback must not raise
        return PR_FALSE


def _install_conversion() -> None:
    global _conversion
    with _conversion_lock:
        if _conversion is None:
            _conversion = UCS2ASCIIConversionFunction(_convert)
            nss().PORT_SetUCS2_ASCIIConversionFunction_Util(_conversion)


def _collision(old_nick: Any, cancel: Any, cert: int | None) -> Any:
    """pk12util's answer to a missing or taken nickname: NSS's CA-style nickname."""
    lib = nss()
    try:
        if not cancel or not cert:
            return None
        nick = lib.CERT_MakeCANickname(cert)
        if not nick:
            return None
        text = ctypes.string_at(nick)
        if old_nick and old_nick.contents.len:
            old = ctypes.string_at(old_nick.contents.data, old_nick.contents.len)
            if old == text:  # the same name again: give up rather than loop
                lib.PORT_Free_Util(nick)
                return None
        item = lib.SECITEM_AllocItem_Util(None, None, 0)
        if not item:
            lib.PORT_Free_Util(nick)
            return None
        item.contents.data = ctypes.cast(nick, ctypes.POINTER(ctypes.c_ubyte))
        item.contents.len = len(text)
        return ctypes.cast(item, ctypes.c_void_p).value
    except Exception:
        return None


_collision_callback = NicknameCollisionCallback(_collision)

_TARGET_TOKEN_ALL_CAS = 2  # SECPKCS12TargetTokenAllCAs (pkcs12t.h)


def _name_unnamed(cert: int | None, default: Any, new: Any, _arg: int | None) -> int:
    """Give certificates the file names none (CA certificates, usually) NSS's CA nickname,
    as pk12util's import does."""
    lib = nss()
    try:
        if default and default.contents.len:
            return SEC_SUCCESS
        nick = lib.CERT_MakeCANickname(cert)
        if not nick:
            return SEC_SUCCESS  # NSS then stores it without a nickname
        item = lib.SECITEM_AllocItem_Util(None, None, 0)
        if not item:
            lib.PORT_Free_Util(nick)
            return -1
        item.contents.data = ctypes.cast(nick, ctypes.POINTER(ctypes.c_ubyte))
        item.contents.len = len(ctypes.string_at(nick))
        new[0] = ctypes.cast(item, ctypes.c_void_p).value
        return SEC_SUCCESS
    except Exception:
        return -1


_rename_callback = NicknameRenameCallback(_name_unnamed)


class ImportResult(NamedTuple):
    """What an import added to the database: certificates (DER) and private key IDs."""

    certs: list[bytes]
    key_ids: list[bytes]


@contextlib.contextmanager
def _verified_decoder(slot: Slot, data: bytes, password: str) -> Iterator[int]:
    """A decoder context holding the whole file, its MAC checked with ``password``."""
    lib = nss()
    # PKCS #12 passwords are BMPStrings with a terminating NUL (pk12util does the same)
    with secret_item((password + "\0").encode("utf-16-be")) as pw:
        attempts = [pw.item.len, 0] if pw.item.len == 2 else [pw.item.len]
        for index, length in enumerate(attempts):
            pw.item.len = length
            dcx = lib.SEC_PKCS12DecoderStart(
                pw.ref, slot.pointer, None, None, None, None, None, None
            )
            if not dcx:
                raise last_error("cannot start the PKCS #12 decoder")
            try:
                # CA certificates go into this database too (by default NSS puts them into
                # the process's internal token, which here has no database); NSS notes this
                # per bag while decoding, so it is set first
                lib.SEC_PKCS12DecoderSetTargetTokenCAs(dcx, _TARGET_TOKEN_ALL_CAS)
                source = InputItem(data)
                if lib.SEC_PKCS12DecoderUpdate(dcx, source.buffer, len(data)) != SEC_SUCCESS:
                    raise last_error("cannot decode the PKCS #12 file")
                if lib.SEC_PKCS12DecoderVerify(dcx) != SEC_SUCCESS:
                    if index + 1 < len(attempts):
                        continue  # an empty password is tried both with and without its NUL
                    raise last_error("cannot verify the PKCS #12 file")
                yield dcx
                return
            finally:
                lib.SEC_PKCS12DecoderFinish(dcx)


class PKCS12Cert(NamedTuple):
    """A certificate of a PKCS #12 file: DER, friendly name, whether a key comes with it."""

    der: bytes
    friendly_name: str | None
    has_key: bool


_CERT_BAG = 164  # SEC_OID_PKCS12_V1_CERT_BAG_ID (secoidt.h)


@in_slot
def pkcs12_certs(slot: Slot, data: bytes, password: str) -> list[PKCS12Cert]:
    """The certificates of a PKCS #12 file (as ``pk12util -l``); its keys stay encrypted."""
    lib = nss()
    result = []
    with _verified_decoder(slot, data, password) as dcx:
        if lib.SEC_PKCS12DecoderIterateInit(dcx) != SEC_SUCCESS:
            raise last_error("cannot list the PKCS #12 file")
        item = ctypes.POINTER(SEC_PKCS12DecoderItem)()
        while lib.SEC_PKCS12DecoderIterateNext(dcx, ctypes.byref(item)) == SEC_SUCCESS:
            entry = item.contents
            if entry.type != _CERT_BAG or not entry.der:
                continue
            name = None
            if entry.friendlyName and entry.friendlyName.contents.len:
                raw = item_bytes(entry.friendlyName).rstrip(b"\0")  # NSS keeps the NUL
                name = raw.decode("utf-8", errors="replace") or None
            result.append(PKCS12Cert(item_bytes(entry.der), name, bool(entry.hasKey)))
    return result


@in_slot
def import_pkcs12(slot: Slot, data: bytes, password: str) -> ImportResult:
    """Import every certificate and key of a PKCS #12 file into ``slot`` (logged in).

    A wrong ``password`` raises ``NSSError`` (``SEC_ERROR_BAD_PASSWORD``) before anything
    is stored. Returns what was added, so that the caller can filter it.
    """
    _install_conversion()
    lib = nss()
    before_certs = {raw.der for raw in list_certs(slot)}
    before_keys = {key.key_id for key in list_private_keys(slot)}
    try:
        with _verified_decoder(slot, data, password) as dcx:
            if lib.SEC_PKCS12DecoderValidateBags(dcx, _collision_callback) != SEC_SUCCESS:
                raise last_error("the PKCS #12 file cannot be imported")
            if lib.SEC_PKCS12DecoderRenameCertNicknames(dcx, _rename_callback, None) != 0:
                raise last_error("cannot name the PKCS #12 certificates")
            if lib.SEC_PKCS12DecoderImportBags(dcx) != SEC_SUCCESS:
                raise last_error(f"cannot store the PKCS #12 contents in {slot.directory}")
    except NSSError:
        _remove_added(slot, before_certs, before_keys)
        raise
    added_certs = [raw.der for raw in list_certs(slot) if raw.der not in before_certs]
    added_keys = [k.key_id for k in list_private_keys(slot) if k.key_id not in before_keys]
    return ImportResult(added_certs, added_keys)


def _remove_added(slot: Slot, before_certs: set[bytes], before_keys: set[bytes]) -> None:
    """Undo a partial import: delete the certificates and keys that were not there before."""
    for raw in list_certs(slot):
        if raw.der not in before_certs:
            with contextlib.suppress(NSSError):
                _delete(slot, raw.der, remove_key=False)
    for key in list_private_keys(slot):
        if key.key_id not in before_keys:
            with contextlib.suppress(NSSError):
                delete_private_key(slot, key.key_id)


def remove_added(slot: Slot, certs: list[bytes], key_ids: list[bytes]) -> None:
    """Delete the given certificates and keys from ``slot`` (an import's filtering)."""
    for der in certs:
        _delete(slot, der, remove_key=False)
    for key_id in key_ids:
        delete_private_key(slot, key_id)


@in_slot
def export_pkcs12(
    slot: Slot,
    cert_ders: list[bytes],
    password: str,
    include_chain: bool = True,
    key_cipher: str = DEFAULT_KEY_CIPHER,
    cert_cipher: str | None = DEFAULT_CERT_CIPHER,
    mac_digest: str = DEFAULT_MAC_DIGEST,
) -> bytes:
    """A PKCS #12 file of the certificates ``cert_ders`` stored in ``slot`` (logged in).

    Their private keys are added, wrapped by NSS under ``password`` (``key_cipher``);
    ``include_chain`` adds the issuers NSS finds. ``cert_cipher`` None leaves the
    certificates unencrypted. (NSS exports no PKCS #12 without keys: a certificate-only
    file holds nothing secret and is built without NSS.)
    """
    lib = nss()
    _install_conversion()
    key_tag = _tag(CIPHERS, key_cipher, "key encryption")
    cert_tag = 0 if cert_cipher is None else _tag(CIPHERS, cert_cipher, "certificate encryption")
    mac_tag = _tag(MAC_DIGESTS, mac_digest, "MAC digest")
    certs = []
    try:
        for der in cert_ders:
            cert = find_in_slot(slot, der)
            if cert is None:
                raise last_error(f"certificate not found in {slot.directory}")
            certs.append(cert)
        chunks: list[bytes] = []

        def collect(_arg: int, buf: int, length: int) -> None:
            chunks.append(ctypes.string_at(buf, length))

        output = EncoderOutputCallback(collect)
        with secret_item(password.encode("utf-8")) as pw:
            ecx = lib.SEC_PKCS12CreateExportContext(None, None, slot.pointer, None)
            if not ecx:
                raise last_error("cannot create the PKCS #12 export context")
            try:
                if lib.SEC_PKCS12AddPasswordIntegrity(ecx, pw.ref, mac_tag) != SEC_SUCCESS:
                    raise last_error("cannot add the PKCS #12 integrity check")
                handle = lib.CERT_GetDefaultCertDB()
                chain = PR_TRUE if include_chain else PR_FALSE
                for cert in certs:
                    key_safe = lib.SEC_PKCS12CreateUnencryptedSafe(ecx)
                    cert_safe = (
                        key_safe if not cert_tag
                        else lib.SEC_PKCS12CreatePasswordPrivSafe(ecx, pw.ref, cert_tag)
                    )
                    if not key_safe or not cert_safe:
                        raise last_error("cannot create the PKCS #12 safes")
                    status = lib.SEC_PKCS12AddCertOrChainAndKey(
                        ecx, cert_safe, None, cert, handle, key_safe, None, PR_TRUE,
                        pw.ref, key_tag, chain,
                    )
                    if status != SEC_SUCCESS:
                        raise last_error("cannot add a certificate to the PKCS #12 file")
                if lib.SEC_PKCS12Encode(ecx, output, None) != SEC_SUCCESS:
                    raise last_error("cannot encode the PKCS #12 file")
            finally:
                lib.SEC_PKCS12DestroyExportContext(ecx)
        return b"".join(chunks)
    finally:
        for cert in certs:
            lib.CERT_DestroyCertificate(cert)


def _tag(table: dict[str, int], name: str, what: str) -> int:
    tag = table.get(name.upper())
    if tag is None:
        raise NSSError(f"unsupported {what} {name!r}: use one of {', '.join(table)}")
    return tag


__all__ = [
    "CIPHERS",
    "DEFAULT_CERT_CIPHER",
    "DEFAULT_KEY_CIPHER",
    "DEFAULT_MAC_DIGEST",
    "ImportResult",
    "PKCS12Cert",
    "MAC_DIGESTS",
    "export_pkcs12",
    "import_pkcs12",
    "pkcs12_certs",
    "remove_added",
]
