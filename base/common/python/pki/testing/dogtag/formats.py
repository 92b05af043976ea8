"""Wire formats Dogtag uses: IDs, Java dates, DNs, and the CertData / CertDataInfo objects.

Kept apart from the resources so that the CA and KRA modules and the tests agree on one
spelling of every field.
"""

from __future__ import annotations

import base64
import datetime
import re
import time
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from pki.testing.dogtag.errors import bad_request

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Revocation reason codes (RFC 5280 CRLReason) by Dogtag's label.
REASONS = {
    "unspecified": 0,
    "key_compromise": 1,
    "ca_compromise": 2,
    "affiliation_changed": 3,
    "superseded": 4,
    "cessation_of_operation": 5,
    "certificate_hold": 6,
    "remove_from_crl": 8,
    "privilege_withdrawn": 9,
    "aa_compromise": 10,
}
HOLD = 6


def parse_id(text: object, what: str = "ID") -> int:
    """An ID given as decimal or ``0x`` hex (as Dogtag's CertId/RequestId/KeyId accept)."""
    value = str(text).strip()
    try:
        number = int(value[2:], 16) if value.lower().startswith("0x") else int(value, 10)
    except ValueError:
        raise bad_request(f"Invalid {what}: {value}") from None
    if number < 0:
        raise bad_request(f"Invalid {what}: {value}")
    return number


def hex_id(number: int) -> str:
    """The lowercase ``0x`` form Dogtag's JSON uses for serials and request/key IDs."""
    return f"0x{number:x}"


def now_ms() -> int:
    return int(time.time() * 1000)


def to_ms(when: datetime.datetime) -> int:
    return int(when.timestamp() * 1000)


def java_date(when: datetime.datetime) -> str:
    """``Date.toString()`` text in UTC, e.g. ``Tue Nov 28 10:00:00 UTC 2026`` (locale-free)."""
    when = when.astimezone(datetime.timezone.utc)
    return (
        f"{_DAYS[when.weekday()]} {_MONTHS[when.month - 1]} {when.day:02d} "
        f"{when.hour:02d}:{when.minute:02d}:{when.second:02d} UTC {when.year}"
    )


def java_date_ms(ms: int) -> str:
    return java_date(datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc))


def dn(name: x509.Name) -> str:
    """A DN most-specific first (``CN=...,O=...``), as Dogtag prints it."""
    return name.rfc4514_string({NameOID.EMAIL_ADDRESS: "E", NameOID.USER_ID: "UID"})


DN_ATTRIBUTES = {  # attribute names an LDAP-style DN may use
    "CN": NameOID.COMMON_NAME,
    "O": NameOID.ORGANIZATION_NAME,
    "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
    "C": NameOID.COUNTRY_NAME,
    "L": NameOID.LOCALITY_NAME,
    "ST": NameOID.STATE_OR_PROVINCE_NAME,
    "E": NameOID.EMAIL_ADDRESS,
    "EMAIL": NameOID.EMAIL_ADDRESS,
    "EMAILADDRESS": NameOID.EMAIL_ADDRESS,
    "UID": NameOID.USER_ID,
    "DC": NameOID.DOMAIN_COMPONENT,
    "SERIALNUMBER": NameOID.SERIAL_NUMBER,
    "STREET": NameOID.STREET_ADDRESS,
}


def parse_dn(text: str) -> x509.Name:
    """An LDAP-style DN (``CN=a, O=b``, most specific first) as an ``x509.Name``.

    Attribute names ignore case; ``\\`` escapes and quoted values are understood;
    a malformed DN or an unknown attribute name is a ``ValueError``.
    """
    parts, current, escaped, quoted = [], "", False, False
    for char in text:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            current += char
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    rdns = []
    for part in parts:
        name, sep, value = part.strip().partition("=")
        oid = DN_ATTRIBUTES.get(name.strip().upper())
        if not sep or oid is None or not value.strip():
            raise ValueError(f"Invalid DN: {text}")
        value = re.sub(r"\\(.)", r"\1", value.strip())
        rdns.append(x509.RelativeDistinguishedName([x509.NameAttribute(oid, value)]))
    return x509.Name(list(reversed(rdns)))


def same_dn(a: x509.Name, b: x509.Name) -> bool:
    """DN equality as X500Name compares them: attribute by attribute, ignoring case."""
    return dn(a).casefold() == dn(b).casefold()


def not_before(cert: x509.Certificate) -> datetime.datetime:
    return cert.not_valid_before_utc


def not_after(cert: x509.Certificate) -> datetime.datetime:
    return cert.not_valid_after_utc


def cert_status(record: dict[str, Any], cert: x509.Certificate) -> str:
    """VALID, INVALID (not yet valid), EXPIRED, REVOKED or REVOKED_EXPIRED."""
    now = datetime.datetime.now(datetime.timezone.utc)
    expired = now > not_after(cert)
    if record.get("revoked_on") is not None:
        return "REVOKED_EXPIRED" if expired else "REVOKED"
    if expired:
        return "EXPIRED"
    if now < not_before(cert):
        return "INVALID"
    return "VALID"


def key_info(cert: x509.Certificate) -> tuple[str, int]:
    """The subject key's algorithm OID and size in bits."""
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "1.2.840.113549.1.1.1", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "1.2.840.10045.2.1", key.curve.key_size
    if isinstance(key, dsa.DSAPublicKey):
        return "1.2.840.10040.4.1", key.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "1.3.101.112", 256
    if isinstance(key, ed448.Ed448PublicKey):
        return "1.3.101.113", 456
    return "", 0


def pretty_print(cert: x509.Certificate) -> str:
    """A readable summary in the spirit of Dogtag's ``PrettyPrint`` field."""
    oid, size = key_info(cert)
    sig = cert.signature_algorithm_oid
    lines = [
        "    Certificate: ",
        "        Data: ",
        f"            Version:  v{cert.version.value + 1}",
        f"            Serial Number: {hex_id(cert.serial_number)}",
        f"            Signature Algorithm: {sig._name} - {sig.dotted_string}",
        f"            Issuer: {dn(cert.issuer)}",
        "            Validity: ",
        f"                Not Before: {java_date(not_before(cert))}",
        f"                Not  After: {java_date(not_after(cert))}",
        f"            Subject: {dn(cert.subject)}",
        "            Subject Public Key Info: ",
        f"                Algorithm: {oid} ({size} bits)",
        "            Extensions: ",
    ]
    for ext in cert.extensions:
        crit = "yes" if ext.critical else "no"
        lines.append(f"                Identifier: {ext.oid._name} - {ext.oid.dotted_string}")
        lines.append(f"                    Critical: {crit}")
    lines.append(f"        Signature: {cert.signature.hex(':')[:95]}...")
    return "\n".join(lines) + "\n"


def pkcs7_chain(certs: list[x509.Certificate]) -> str:
    """Base64 DER PKCS#7 (certs-only) of the certificate and its chain."""
    der = pkcs7.serialize_certificates(certs, serialization.Encoding.DER)
    return base64.b64encode(der).decode()


def _drop_none(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if v is not None}


def cert_data(
    record: dict[str, Any], cert: x509.Certificate, chain: list[x509.Certificate]
) -> dict[str, Any]:
    """Dogtag's CertData for one stored certificate (nulls omitted, as Jackson does)."""
    return _drop_none(
        {
            "id": hex_id(cert.serial_number),
            "IssuerDN": dn(cert.issuer),
            "SubjectDN": dn(cert.subject),
            "PrettyPrint": pretty_print(cert),
            "Encoded": cert.public_bytes(serialization.Encoding.PEM).decode(),
            "PKCS7CertChain": pkcs7_chain([cert, *chain]),
            "NotBefore": java_date(not_before(cert)),
            "NotAfter": java_date(not_after(cert)),
            "Status": cert_status(record, cert),
            "RevokedOn": record.get("revoked_on"),
            "RevokedBy": record.get("revoked_by"),
            "RevocationReason": record.get("reason"),
        }
    )


def cert_data_info(record: dict[str, Any], cert: x509.Certificate) -> dict[str, Any]:
    """Dogtag's CertDataInfo (list/search entry); dates in epoch milliseconds."""
    oid, size = key_info(cert)
    return _drop_none(
        {
            "id": hex_id(cert.serial_number),
            "SubjectDN": dn(cert.subject),
            "IssuerDN": dn(cert.issuer),
            "Status": cert_status(record, cert),
            "Type": "X.509",
            # JSS X509CertImpl.getVersion(): the raw 0-based field, 2 for a v3 certificate
            "Version": cert.version.value,
            "KeyAlgorithmOID": oid,
            "KeyLength": size,
            "NotValidBefore": to_ms(not_before(cert)),
            "NotValidAfter": to_ms(not_after(cert)),
            "IssuedOn": record.get("issued_on"),
            "IssuedBy": record.get("issued_by"),
            "RevokedOn": record.get("revoked_on"),
            "RevokedBy": record.get("revoked_by"),
        }
    )


def collection(entries: list[Any], total: int | None = None) -> dict[str, Any]:
    """Dogtag's ``{"total": N, "entries": [...]}`` collection (11.2+: no ``Link``)."""
    return {"total": len(entries) if total is None else total, "entries": entries}


def paged_collection(req: Any, entries: list[Any], size_param: str) -> dict[str, Any]:
    """A collection cut by the request's ``maxResults`` (default 100) and paged by ``start``
    and ``size_param`` (``size`` or ``pageSize``, default 20), as Dogtag's list resources do."""
    max_results = req.int_param("maxResults", 100)
    if max_results > 0:
        entries = entries[:max_results]
    start, size = req.int_param("start", 0), req.int_param(size_param, 20)
    return collection(page(entries, start, size), len(entries))


def page(items: list[Any], start: int, size: int) -> list[Any]:
    """``items[start:start+size]`` with negative or silly values clamped."""
    start = max(start, 0)
    size = max(size, 0)
    return items[start : start + size]
