"""Certificates in a database: import, trust, removal, verification, NSS-style names.

Writes take a slot opened with ``pki.nss.slots.writable_db``, which makes it the only
writable database in the process: NSS's trust and deletion calls act on writable tokens
(see ``slots._WriterLock``).
"""

from __future__ import annotations

import contextlib
import ctypes
import re
from collections.abc import Iterator
from ctypes import c_int64

from pki.nss._lib import (
    CK_INVALID_HANDLE,
    PR_FALSE,
    PR_TRUE,
    SEC_SUCCESS,
    CERTCertTrust,
    InputItem,
    NSSError,
    clear_error,
    in_slot,
    last_error,
    nss,
    nss_context,
    take_item,
    take_string,
)
from pki.nss.slots import Slot, open_slots

#: certutil's trust letters: three comma-separated fields (SSL, email, object signing)
_TRUST_RE = re.compile(r"^[pPwcTCuig]*,[pPwcTCuig]*,[pPwcTCuig]*$")

#: certificate usages (certt.h) by the names Dogtag's configuration and JSS use
CERT_USAGES = {
    "CheckAllUsages": 0x0000,
    "SSLClient": 0x0001,
    "SSLServer": 0x0002,
    "SSLServerWithStepUp": 0x0004,
    "SSLCA": 0x0008,
    "EmailSigner": 0x0010,
    "EmailRecipient": 0x0020,
    "ObjectSigner": 0x0040,
    "UserCertImport": 0x0080,
    "VerifyCA": 0x0100,
    "ProtectedObjectSigner": 0x0200,
    "StatusResponder": 0x0400,
    "AnyCA": 0x0800,
    "IPsec": 0x1000,
}


def decode_trust(flags: str) -> CERTCertTrust:
    """certutil trust flags (``CT,C,C``, ``u,u,u``, ``,,``) as NSS's trust structure."""
    if not _TRUST_RE.match(flags):
        raise NSSError(
            f"invalid trust flags {flags!r}: give three comma-separated fields (SSL, email, "
            "object signing) of the letters p P c C T u w, e.g. 'CT,C,C' or ',,'"
        )
    trust = CERTCertTrust()
    if nss().CERT_DecodeTrustString(ctypes.byref(trust), flags.encode("ascii")) != SEC_SUCCESS:
        raise last_error(f"invalid trust flags {flags!r}")
    return trust


@contextlib.contextmanager
def _temp_cert(der: bytes) -> Iterator[int]:
    """A ``CERTCertificate*`` for ``der`` (the stored one if NSS already has it)."""
    item = InputItem(der)
    cert = nss().CERT_NewTempCertificate(
        nss().CERT_GetDefaultCertDB(), item.ref, None, PR_FALSE, PR_TRUE
    )
    if not cert:
        raise last_error("cannot decode the certificate")
    try:
        yield cert
    finally:
        nss().CERT_DestroyCertificate(cert)


def find_in_slot(slot: Slot, der: bytes) -> int | None:
    """The ``CERTCertificate*`` for ``der`` stored in ``slot`` (destroy it), or None."""
    item = InputItem(der)
    return nss().PK11_FindCertFromDERCertItem(slot.pointer, item.ref, None) or None


@contextlib.contextmanager
def _cert_in_slot(slot: Slot, der: bytes) -> Iterator[int]:
    cert = find_in_slot(slot, der)
    if cert is None:
        raise last_error(f"certificate not found in {slot.directory}")
    try:
        yield cert
    finally:
        nss().CERT_DestroyCertificate(cert)


def make_ca_nickname(der: bytes) -> str:
    """The nickname NSS gives a CA certificate imported without one.

    ``CERT_MakeCANickname``: the subject's common name (or organisational unit) and
    organisation, e.g. ``CA Signing Certificate - EXAMPLE``, with `` #2`` etc. appended
    when that nickname is already taken by another subject.
    """
    with nss_context(), _temp_cert(der) as cert:
        nickname = take_string(nss().CERT_MakeCANickname(cert))
    if not nickname:
        raise last_error("cannot make a nickname for the certificate")
    return nickname


def _held_elsewhere(slot: Slot, der: bytes) -> list[str]:
    """The other open databases of this process that store the certificate too."""
    found = []
    for other in open_slots():
        if other.pointer == slot.pointer:
            continue
        cert = find_in_slot(other, der)
        if cert is not None:
            nss().CERT_DestroyCertificate(cert)
            found.append(other.directory)
    return found


def _check_trust_target(slot: Slot, der: bytes) -> None:
    """Refuse a trust change NSS might store in the wrong database.

    NSS keeps one certificate object for the whole process, with an instance in every open
    database holding it, and stores a trust change in the first database that already has
    trust for it; when that one is read-only, the change silently goes nowhere (seen with
    NSS 3.87). So while another database of this process holds the certificate, its trust
    is not changed here.
    """
    others = _held_elsewhere(slot, der)
    if others:
        raise NSSError(
            f"cannot set the trust of this certificate in {slot.directory} while "
            f"{', '.join(others)} (open in this process) holds it too: close that "
            "NSSDatabase first"
        )


def _change_trust(slot: Slot, cert: int, trust: CERTCertTrust) -> None:
    lib = nss()
    if lib.CERT_ChangeCertTrust(lib.CERT_GetDefaultCertDB(), cert, ctypes.byref(trust)):
        raise last_error(f"cannot set the trust of a certificate in {slot.directory}")


@in_slot
def import_cert(slot: Slot, der: bytes, nickname: str, trust: str | None) -> None:
    """Store the certificate ``der`` in ``slot`` under ``nickname``, with ``trust`` if given.

    A certificate the database already holds keeps its nickname (NSS allows one per
    subject). If the trust cannot be set, a certificate this call added is removed again.
    """
    wanted = decode_trust(trust) if trust is not None else None
    if wanted is not None:
        _check_trust_target(slot, der)
    lib = nss()
    existed = find_in_slot(slot, der)
    if existed is not None:
        lib.CERT_DestroyCertificate(existed)
    with _temp_cert(der) as cert:
        status = lib.PK11_ImportCert(
            slot.pointer, cert, CK_INVALID_HANDLE, nickname.encode("utf-8"), PR_FALSE
        )
        if status != SEC_SUCCESS:
            raise last_error(f"cannot import certificate {nickname!r} into {slot.directory}")
    if wanted is None:
        return
    try:
        with _cert_in_slot(slot, der) as stored:
            _change_trust(slot, stored, wanted)
    except NSSError:
        if existed is None:
            with contextlib.suppress(NSSError):
                _delete(slot, der, remove_key=False)
        raise


@in_slot
def set_trust(slot: Slot, der: bytes, trust: str) -> None:
    """Replace the trust of the certificate ``der`` stored in ``slot``."""
    wanted = decode_trust(trust)
    _check_trust_target(slot, der)
    with _cert_in_slot(slot, der) as cert:
        _change_trust(slot, cert, wanted)


@in_slot
def delete_cert(slot: Slot, der: bytes, remove_key: bool) -> None:
    """Delete the certificate ``der`` (and its trust) from ``slot``; its key too if asked.

    NSS deletes the certificate from every writable database holding it; read-only ones
    refuse, which NSS reports as a failure although this database's copy is gone, so the
    result is judged by whether this slot still holds the certificate.
    """
    _delete(slot, der, remove_key)


def _delete(slot: Slot, der: bytes, remove_key: bool) -> None:
    lib = nss()
    with _cert_in_slot(slot, der) as cert:
        key = lib.PK11_FindPrivateKeyFromCert(slot.pointer, cert, None) if remove_key else None
        if lib.SEC_DeletePermCertificate(cert) != SEC_SUCCESS:
            error = last_error(f"cannot delete a certificate from {slot.directory}")
            remaining = find_in_slot(slot, der)
            if remaining is not None:
                lib.CERT_DestroyCertificate(remaining)
                if key:
                    lib.SECKEY_DestroyPrivateKey(key)
                raise error
    if key:
        # PK11_DeleteTokenPrivateKey frees the key structure too
        if lib.PK11_DeleteTokenPrivateKey(key, PR_TRUE) != SEC_SUCCESS:
            raise last_error(f"cannot delete the private key from {slot.directory}")


@in_slot
def verify_cert(slot: Slot | None, der: bytes, usage: int) -> int:
    """Verify ``der`` now with NSS (signature chain, validity, trust) for ``usage``.

    ``usage`` is a ``CERT_USAGES`` value; 0 checks every usage. Returns the usages the
    certificate is valid for. Failure raises ``NSSError`` with NSS's reason, e.g.
    ``SEC_ERROR_UNTRUSTED_ISSUER`` or ``SEC_ERROR_EXPIRED_CERTIFICATE``.
    """
    lib = nss()
    returned = c_int64(0)
    cert = find_in_slot(slot, der) if slot is not None else None
    context = contextlib.nullcontext(cert) if cert is not None else _temp_cert(der)
    try:
        with context as handle_cert:
            clear_error()
            status = lib.CERT_VerifyCertificateNow(
                lib.CERT_GetDefaultCertDB(), handle_cert, PR_TRUE, usage, None,
                ctypes.byref(returned),
            )
    finally:
        if cert is not None:
            lib.CERT_DestroyCertificate(cert)
    if status != SEC_SUCCESS:
        raise last_error("certificate verification failed")
    return returned.value


def encode_name(dn: str) -> bytes:
    """The DER encoding of an NSS-style DN such as ``CN=Agent,OU=pki-tomcat,O=EXAMPLE``.

    NSS parses it as certutil does (``CERT_AsciiToName``): RDNs are listed most specific
    first, and NSS knows the attribute keywords certutil accepts (``E``, ``UID``, ``DC``...).
    """
    with nss_context() as lib:
        name = lib.CERT_AsciiToName(dn.encode("utf-8"))
        if not name:
            raise last_error(f"invalid subject DN {dn!r}")
        try:
            encoded = lib.SEC_ASN1EncodeItem_Util(None, None, name, lib.name_template)
            if not encoded:
                raise last_error(f"cannot encode subject DN {dn!r}")
            return take_item(encoded)
        finally:
            lib.CERT_DestroyName(name)


__all__ = [
    "CERT_USAGES",
    "decode_trust",
    "delete_cert",
    "encode_name",
    "find_in_slot",
    "import_cert",
    "make_ca_nickname",
    "set_trust",
    "verify_cert",
]
