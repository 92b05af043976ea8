"""Certificate extensions from ``pki.nssdb``'s upstream parameters, and the PKCS #10 body.

Upstream's ``create_request`` and ``create_cert`` describe extensions as certutil options
(``key_usage_ext={'digitalSignature': True, 'critical': True}``, ``basic_constraints_ext=
{'ca': True, 'path_length': '0', 'critical': True}``...). This module turns them into
``x509.Extension`` objects with cryptography, and encodes the PKCS #10
CertificationRequestInfo that NSS then signs inside the database, so that the key never
leaves it. Nothing here touches NSS.
"""

from __future__ import annotations

import binascii
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

from pki._der import oid, tlv

__all__ = ["extensions_from_options", "certification_request_info", "subject_key_id_from_hex"]

#: certutil --keyUsage names -> cryptography KeyUsage arguments
_KEY_USAGES = {
    "digitalSignature": "digital_signature",
    "nonRepudiation": "content_commitment",
    "keyEncipherment": "key_encipherment",
    "dataEncipherment": "data_encipherment",
    "keyAgreement": "key_agreement",
    "certSigning": "key_cert_sign",
    "crlSigning": "crl_sign",
}

#: certutil --extKeyUsage names (and upstream's dict keys) -> OIDs
_EXT_KEY_USAGES = {
    "serverAuth": ExtendedKeyUsageOID.SERVER_AUTH,
    "clientAuth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "codeSigning": ExtendedKeyUsageOID.CODE_SIGNING,
    "emailProtection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "timeStamp": ExtendedKeyUsageOID.TIME_STAMPING,
    "ocspResponder": ExtendedKeyUsageOID.OCSP_SIGNING,
    "OCSPSigning": ExtendedKeyUsageOID.OCSP_SIGNING,
    "stepUp": ObjectIdentifier("2.16.840.1.113730.4.1"),
    "msTrustListSigning": ObjectIdentifier("1.3.6.1.4.1.311.10.3.1"),
}

_EXTENSION_REQUEST = "1.2.840.113549.1.9.14"


def _flags(options: Mapping[str, Any], known: Mapping[str, Any], what: str) -> list[str]:
    unknown = [k for k in options if k != "critical" and k not in known]
    if unknown:
        raise ValueError(
            f"unknown {what} {', '.join(sorted(unknown))}: use {', '.join(known)} or critical"
        )
    return [k for k, v in options.items() if k != "critical" and v]


def _key_usage(options: Mapping[str, Any]) -> x509.Extension[x509.ExtensionType]:
    wanted = {_KEY_USAGES[name] for name in _flags(options, _KEY_USAGES, "key usage")}
    args = {arg: arg in wanted for arg in _KEY_USAGES.values()}
    usage = x509.KeyUsage(encipher_only=False, decipher_only=False, **args)
    return x509.Extension(usage.oid, bool(options.get("critical")), usage)


def _ext_key_usage(options: Mapping[str, Any]) -> x509.Extension[x509.ExtensionType]:
    names = _flags(options, _EXT_KEY_USAGES, "extended key usage")
    usage = x509.ExtendedKeyUsage(list(dict.fromkeys(_EXT_KEY_USAGES[n] for n in names)))
    return x509.Extension(usage.oid, bool(options.get("critical")), usage)


def _basic_constraints(options: Mapping[str, Any]) -> x509.Extension[x509.ExtensionType]:
    is_ca = bool(options.get("ca"))
    length = options.get("path_length")
    path_length = None
    if is_ca and length not in (None, ""):
        path_length = int(length)
        if path_length < 0:  # certutil: "<0 for unlimited path"
            path_length = None
    value = x509.BasicConstraints(ca=is_ca, path_length=path_length)
    return x509.Extension(value.oid, bool(options.get("critical")), value)


def _generic(ext: Mapping[str, Any]) -> x509.Extension[x509.ExtensionType]:
    oid = ObjectIdentifier(str(ext["oid"]))
    value = x509.UnrecognizedExtension(oid, bytes(ext["data"]))
    return x509.Extension(oid, bool(ext.get("critical")), value)


def extensions_from_options(
    basic_constraints_ext: Mapping[str, Any] | None = None,
    key_usage_ext: Mapping[str, Any] | None = None,
    extended_key_usage_ext: Mapping[str, Any] | None = None,
    subject_key_id: bytes | None = None,
    generic_exts: Iterable[Mapping[str, Any]] | None = None,
) -> list[x509.Extension[x509.ExtensionType]]:
    """The extensions upstream's certutil options describe, in certutil's order."""
    result = []
    if key_usage_ext:
        result.append(_key_usage(key_usage_ext))
    if basic_constraints_ext:
        result.append(_basic_constraints(basic_constraints_ext))
    if extended_key_usage_ext:
        result.append(_ext_key_usage(extended_key_usage_ext))
    if subject_key_id is not None:
        ski = x509.SubjectKeyIdentifier(subject_key_id)
        result.append(x509.Extension(ski.oid, False, ski))
    for generic in generic_exts or ():
        result.append(_generic(generic))
    seen = set()
    for extension in result:
        if extension.oid in seen:
            raise ValueError(f"extension {extension.oid.dotted_string} is given twice")
        seen.add(extension.oid)
    return result


def subject_key_id_from_hex(text: str) -> bytes:
    """Upstream's ``subject_key_id`` hex text (no ``0x``) as bytes."""
    try:
        return binascii.unhexlify(text)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"subject_key_id {text!r} is not hex: {exc}") from None


def _extension_der(ext: x509.Extension[x509.ExtensionType]) -> bytes:
    value = ext.value
    encoded = value.value if isinstance(value, x509.UnrecognizedExtension) else value.public_bytes()
    critical = tlv(0x01, b"\xff") if ext.critical else b""
    return tlv(0x30, oid(ext.oid.dotted_string) + critical + tlv(0x04, encoded))


def certification_request_info(
    subject_der: bytes,
    spki_der: bytes,
    extensions: Sequence[x509.Extension[x509.ExtensionType]] = (),
) -> bytes:
    """The DER of a PKCS #10 CertificationRequestInfo (RFC 2986), version 0.

    Extensions go into one extensionRequest attribute; without any, the attribute set is
    empty (as certutil writes it).
    """
    attributes = b""
    if extensions:
        exts = tlv(0x30, b"".join(_extension_der(e) for e in extensions))
        attributes = tlv(0x30, oid(_EXTENSION_REQUEST) + tlv(0x31, exts))
    return tlv(0x30, tlv(0x02, b"\x00") + subject_der + spki_der + tlv(0xA0, attributes))
