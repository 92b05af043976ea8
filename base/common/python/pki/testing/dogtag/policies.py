"""What a profile makes of a certificate request: the policies the test server applies.

A profile's policies run in the order of its ``policyset.<set>.list``. Each **default**
fills in part of the certificate, each **constraint** checks the result; a failed constraint
rejects the request at submission, with the constraint's message, as Dogtag does.

Defaults applied (the parameters in brackets):

* ``userSubjectNameDefaultImpl``: the CSR's subject (or, if it has none, the
  ``subjectNameInputImpl`` values ``sn_uid``, ``sn_e``, ``sn_cn``, ``sn_ou*``, ``sn_o``,
  ``sn_c``).
* ``subjectNameDefaultImpl`` [``name``]: a DN template; ``$request.req_subject_name$``,
  ``$request.req_subject_name.<attr>$`` (``cn``, ``uid``, ``e``, ``o``, ``ou``, ``c``, ...)
  and ``$request.<input>$`` (e.g. ``$request.sn_cn$``) are replaced; an unknown variable
  rejects the request.
* ``validityDefaultImpl``, ``randomizedValidityDefaultImpl`` [``range``, ``rangeUnit``
  (year, month, day, hour, minute; default day), ``startTime`` seconds]: not before = the
  submission time + ``startTime``; ``caValidityDefaultImpl`` also stops at the issuing CA's
  own expiry.
* ``userKeyDefaultImpl``: the CSR's public key.
* ``keyUsageExtDefaultImpl`` [``keyUsageCritical``, ``keyUsage<Bit>``].
* ``extendedKeyUsageExtDefaultImpl`` [``exKeyUsageOIDs``, ``exKeyUsageCritical``].
* ``basicConstraintsExtDefaultImpl`` [``basicConstraintsIsCA``, ``basicConstraintsPathLen``
  (-1: none), ``basicConstraintsCritical``].
* ``subjectKeyIdentifierExtDefaultImpl``, ``authorityKeyIdentifierExtDefaultImpl``.
* ``authInfoAccessExtDefaultImpl`` [``authInfoAccessNumADs``, ``..ADEnable_<n>``,
  ``..ADMethod_<n>``, ``..ADLocationType_<n>``, ``..ADLocation_<n>``]: URIName entries with a
  location; ``crlDistributionPointsExtDefaultImpl`` [``crlDistPointsNum``,
  ``crlDistPointsEnable_<n>``, ``crlDistPointsPointType_<n>``, ``crlDistPointsPointName_<n>``]:
  URIName points. Entries with an empty location, other name types, or unreplaced installer
  variables (``$DOMAIN``) are left out.
* ``userExtensionDefaultImpl`` [``userExtOID``]: that extension copied from the CSR (with
  ``2.5.29.17``: the CSR's subject alternative names).
* ``subjectAltNameExtDefaultImpl`` [``subjAltNameNumGNs``, ``subjAltExtGNEnable_<n>``,
  ``subjAltExtType_<n>`` (DNSName, RFC822Name, IPAddress, URIName), ``subjAltExtPattern_<n>``]:
  patterns with the same variables as the subject name template.
* ``commonNameToSANDefaultImpl``: the subject CN added as a DNS name to the SAN (created if
  needed) when it looks like a host name.
* ``signingAlgDefaultImpl`` [``signingAlg``; ``-`` = SHA-256]: ``SHA256/384/512withRSA`` or
  ``...withEC``; the issuing CA's key type decides RSA or EC.

Any other default class (``noDefaultImpl``, Netscape extensions, policy mappings, ...) adds
nothing. Constraints enforced: ``subjectNameConstraintImpl`` [``pattern`` regex over the DN,
``accept``], ``validityConstraintImpl`` [``range`` days], ``keyConstraintImpl`` [``keyType``
RSA/EC/-, ``keyParameters`` sizes or ``nistp256``-style curves], ``keyUsageExtConstraintImpl``
[each ``keyUsage<Bit>`` given as true/false must match], ``extendedKeyUsageExtConstraintImpl``
[``exKeyUsageOIDs``: the allowed OIDs], ``basicConstraintsExtConstraintImpl``
[``basicConstraintsIsCA``], ``signingAlgConstraintImpl`` [``signingAlgsAllowed``]. Every
other constraint class accepts.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtensionOID, NameOID, ObjectIdentifier

from pki.testing.certs import CA
from pki.testing.dogtag import formats
from pki.testing.dogtag.formats import DN_ATTRIBUTES, dn
from pki.testing.dogtag.profiles import Policy, Profile

_SUBJECT_INPUTS = (  # most significant first, as certificates encode them
    ("sn_c", NameOID.COUNTRY_NAME),
    ("sn_o", NameOID.ORGANIZATION_NAME),
    ("sn_ou", NameOID.ORGANIZATIONAL_UNIT_NAME),
    ("sn_ou1", NameOID.ORGANIZATIONAL_UNIT_NAME),
    ("sn_ou2", NameOID.ORGANIZATIONAL_UNIT_NAME),
    ("sn_ou3", NameOID.ORGANIZATIONAL_UNIT_NAME),
    ("sn_e", NameOID.EMAIL_ADDRESS),
    ("sn_uid", NameOID.USER_ID),
    ("sn_cn", NameOID.COMMON_NAME),
)
_KEY_USAGE_FIELDS = {
    "DigitalSignature": "digital_signature",
    "NonRepudiation": "content_commitment",
    "KeyEncipherment": "key_encipherment",
    "DataEncipherment": "data_encipherment",
    "KeyAgreement": "key_agreement",
    "KeyCertSign": "key_cert_sign",
    "CrlSign": "crl_sign",
    "EncipherOnly": "encipher_only",
    "DecipherOnly": "decipher_only",
}
_CURVES = {"nistp256": "secp256r1", "nistp384": "secp384r1", "nistp521": "secp521r1"}
_HASHES: dict[str, hashes.SHA256 | hashes.SHA384 | hashes.SHA512] = {
    "SHA256": hashes.SHA256(),
    "SHA384": hashes.SHA384(),
    "SHA512": hashes.SHA512(),
}
_HOSTNAME = re.compile(
    r"(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*"
)
_VARIABLE = re.compile(r"\$([A-Za-z0-9_.]+)\$")


class Rejected(Exception):
    """A constraint (or a default that cannot be applied) refused the request."""


def parse_dn(text: str) -> x509.Name:
    """``formats.parse_dn``, a failure being a rejection."""
    try:
        return formats.parse_dn(text)
    except ValueError as e:
        raise Rejected(str(e)) from None


def _name_values(name: x509.Name) -> dict[str, str]:
    """``attr`` (lower-case) → first value, for ``$request.req_subject_name.<attr>$``."""
    values: dict[str, str] = {}
    by_oid = {
        oid: key.lower()
        for key, oid in DN_ATTRIBUTES.items()
        if key not in ("EMAIL", "EMAILADDRESS")
    }
    for attr in reversed(list(name)):
        key = by_oid.get(attr.oid)
        if key and key not in values:
            values[key] = str(attr.value)
    return values


@dataclass
class Plan:
    """The certificate a profile makes of one request, before it is signed."""

    subject: x509.Name
    public_key: Any
    not_before: datetime.datetime
    not_after: datetime.datetime
    extensions: dict[ObjectIdentifier, tuple[x509.ExtensionType, bool]] = field(
        default_factory=dict
    )
    hash_name: str = "SHA256"

    def add(self, value: x509.ExtensionType, critical: bool) -> None:
        self.extensions[value.oid] = (value, critical)

    def get(self, ext_class: type) -> x509.ExtensionType | None:
        for value, _ in self.extensions.values():
            if isinstance(value, ext_class):
                return value
        return None

    def sign(self, issuer: CA, serial: int) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(self.subject)
            .issuer_name(issuer.cert.subject)
            .public_key(self.public_key)
            .serial_number(serial)
            .not_valid_before(self.not_before)
            .not_valid_after(self.not_after)
        )
        for value, critical in self.extensions.values():
            builder = builder.add_extension(value, critical=critical)
        return builder.sign(issuer.key, _HASHES[self.hash_name])


def _flag(params: dict[str, str], name: str, default: bool = False) -> bool:
    value = params.get(name)
    return default if value in (None, "") else value.strip().lower() == "true"


class _Context:
    """The request as the policies see it."""

    def __init__(
        self,
        csr: x509.CertificateSigningRequest,
        values: dict[str, str],
        issuer: CA,
        submitted: datetime.datetime,
    ) -> None:
        self.csr = csr
        self.values = values
        self.issuer = issuer
        self.submitted = submitted
        self.requested = csr.subject if list(csr.subject) else _subject_from_inputs(values)

    def substitute(self, template: str) -> str:
        subject_values = _name_values(self.requested)

        def value(match: re.Match[str]) -> str:
            var = match.group(1)
            if var == "request.req_subject_name":
                return dn(self.requested)
            if var.startswith("request.req_subject_name."):
                got = subject_values.get(var.rsplit(".", 1)[1].lower())
            elif var.startswith("request."):
                got = self.values.get(var[len("request.") :])
            else:
                got = None
            if got is None:
                raise Rejected(f"Unable to substitute {match.group(0)} in {template}")
            return got

        return _VARIABLE.sub(value, template)


def _subject_from_inputs(values: dict[str, str]) -> x509.Name:
    attrs = [
        x509.NameAttribute(oid, values[key]) for key, oid in _SUBJECT_INPUTS if values.get(key)
    ]
    return x509.Name(attrs)


def _validity(plan: Plan, ctx: _Context, params: dict[str, str], cap_to_issuer: bool) -> None:
    try:
        amount = int(params.get("range") or "720")
        start = int(params.get("startTime") or "0")
    except ValueError:
        raise Rejected("Validity Default: range and startTime must be numbers") from None
    unit = (params.get("rangeUnit") or "day").lower()
    plan.not_before = ctx.submitted + datetime.timedelta(seconds=start)
    if unit == "year":
        try:
            end = plan.not_before.replace(year=plan.not_before.year + amount)
        except ValueError:  # 29 February into a common year
            end = plan.not_before.replace(year=plan.not_before.year + amount, day=28)
    elif unit == "month":
        end = plan.not_before + datetime.timedelta(days=30 * amount)
    elif unit in ("hour", "minute"):
        end = plan.not_before + datetime.timedelta(**{unit + "s": amount})
    else:
        end = plan.not_before + datetime.timedelta(days=amount)
    if cap_to_issuer:
        end = min(end, ctx.issuer.cert.not_valid_after_utc)
    plan.not_after = end


def _numbered(params: dict[str, str], count_key: str, prefix: str) -> list[int]:
    try:
        count = int(params.get(count_key) or "0")
    except ValueError:
        count = 0
    return [n for n in range(count) if _flag(params, f"{prefix}{n}", default=True)]


def _usable_uri(location: str) -> bool:
    return bool(location) and "$" not in location and "://" in location


def _general_name(kind: str, text: str) -> x509.GeneralName | None:
    kind = kind.lower()
    if kind == "dnsname":
        return x509.DNSName(text)
    if kind == "rfc822name":
        return x509.RFC822Name(text)
    if kind == "ipaddress":
        return x509.IPAddress(ipaddress.ip_address(text))
    if kind == "uriname":
        return x509.UniformResourceIdentifier(text)
    return None


def _apply_default(plan: Plan, ctx: _Context, p: Policy) -> None:
    cls, params = p.default_class, p.default_params
    if cls == "userSubjectNameDefaultImpl":
        plan.subject = ctx.requested
    elif cls == "subjectNameDefaultImpl":
        plan.subject = parse_dn(ctx.substitute(params.get("name") or ""))
    elif cls in ("validityDefaultImpl", "randomizedValidityDefaultImpl"):
        _validity(plan, ctx, params, cap_to_issuer=False)
    elif cls == "caValidityDefaultImpl":
        _validity(plan, ctx, params, cap_to_issuer=True)
    elif cls == "keyUsageExtDefaultImpl":
        flags = {f: _flag(params, f"keyUsage{bit}") for bit, f in _KEY_USAGE_FIELDS.items()}
        if not flags["key_agreement"]:
            flags["encipher_only"] = flags["decipher_only"] = False
        plan.add(x509.KeyUsage(**flags), _flag(params, "keyUsageCritical", True))
    elif cls == "extendedKeyUsageExtDefaultImpl":
        oids = [
            ObjectIdentifier(o.strip())
            for o in (params.get("exKeyUsageOIDs") or "").split(",")
            if o.strip()
        ]
        if oids:
            plan.add(x509.ExtendedKeyUsage(oids), _flag(params, "exKeyUsageCritical"))
    elif cls == "basicConstraintsExtDefaultImpl":
        is_ca = _flag(params, "basicConstraintsIsCA", True)
        path_len = int(params.get("basicConstraintsPathLen") or "-1")
        plan.add(
            x509.BasicConstraints(
                ca=is_ca, path_length=path_len if is_ca and path_len >= 0 else None
            ),
            _flag(params, "basicConstraintsCritical", True),
        )
    elif cls == "subjectKeyIdentifierExtDefaultImpl":
        plan.add(
            x509.SubjectKeyIdentifier.from_public_key(plan.public_key), _flag(params, "critical")
        )
    elif cls == "authorityKeyIdentifierExtDefaultImpl":
        plan.add(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ctx.issuer.key.public_key()),  # type: ignore[arg-type]
            False,
        )
    elif cls == "authInfoAccessExtDefaultImpl":
        descriptions = []
        for n in _numbered(params, "authInfoAccessNumADs", "authInfoAccessADEnable_"):
            location = params.get(f"authInfoAccessADLocation_{n}") or ""
            if (
                params.get(f"authInfoAccessADLocationType_{n}") or "URIName"
            ) == "URIName" and _usable_uri(location):
                method = ObjectIdentifier(
                    params.get(f"authInfoAccessADMethod_{n}") or "1.3.6.1.5.5.7.48.1"
                )
                descriptions.append(
                    x509.AccessDescription(method, x509.UniformResourceIdentifier(location))
                )
        if descriptions:
            plan.add(
                x509.AuthorityInformationAccess(descriptions),
                _flag(params, "authInfoAccessCritical"),
            )
    elif cls == "crlDistributionPointsExtDefaultImpl":
        points = []
        for n in _numbered(params, "crlDistPointsNum", "crlDistPointsEnable_"):
            location = params.get(f"crlDistPointsPointName_{n}") or ""
            if (
                params.get(f"crlDistPointsPointType_{n}") or "URIName"
            ) == "URIName" and _usable_uri(location):
                points.append(
                    x509.DistributionPoint(
                        [x509.UniformResourceIdentifier(location)], None, None, None
                    )
                )
        if points:
            plan.add(x509.CRLDistributionPoints(points), _flag(params, "crlDistPointsCritical"))
    elif cls == "userExtensionDefaultImpl":
        oid = params.get("userExtOID")
        if oid:
            try:
                ext = ctx.csr.extensions.get_extension_for_oid(ObjectIdentifier(oid))
            except x509.ExtensionNotFound:
                return
            plan.add(ext.value, ext.critical)
    elif cls == "subjectAltNameExtDefaultImpl":
        names: list[x509.GeneralName] = []
        for n in _numbered(params, "subjAltNameNumGNs", "subjAltExtGNEnable_"):
            pattern = params.get(f"subjAltExtPattern_{n}") or ""
            try:
                text = ctx.substitute(pattern)
            except Rejected:
                continue  # Dogtag leaves out names whose variables the request lacks
            if text:
                name = _general_name(params.get(f"subjAltExtType_{n}") or "DNSName", text)
                if name is not None:
                    names.append(name)
        if names:
            plan.add(x509.SubjectAlternativeName(names), _flag(params, "subjAltNameExtCritical"))
    elif cls == "commonNameToSANDefaultImpl":
        cns = plan.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        cn = str(cns[-1].value) if cns else ""
        if not _HOSTNAME.fullmatch(cn):
            return
        current = plan.get(x509.SubjectAlternativeName)
        existing = list(current) if current is not None else []  # type: ignore[call-overload]
        if x509.DNSName(cn) not in existing:
            critical = plan.extensions.get(ExtensionOID.SUBJECT_ALTERNATIVE_NAME, (None, False))[1]
            plan.add(x509.SubjectAlternativeName([x509.DNSName(cn), *existing]), critical)
    elif cls == "signingAlgDefaultImpl":
        alg = params.get("signingAlg") or "-"
        if alg != "-":
            match = re.fullmatch(r"(SHA256|SHA384|SHA512)with(RSA|EC)", alg)
            if match is None:
                raise Rejected(f"Signing Algorithm Default: unsupported algorithm {alg}")
            plan.hash_name = match.group(1)
    # userKeyDefaultImpl: the key is the CSR's from the start; other classes add nothing


def _signing_algorithm(plan: Plan, issuer: CA) -> str:
    family = "EC" if isinstance(issuer.key, ec.EllipticCurvePrivateKey) else "RSA"
    return f"{plan.hash_name}with{family}"


def _check_constraint(plan: Plan, ctx: _Context, p: Policy) -> None:
    cls, params = p.constraint_class, p.constraint_params
    if cls == "subjectNameConstraintImpl":
        pattern = params.get("pattern") or ".*"
        matched = re.fullmatch(pattern, dn(plan.subject)) is not None
        if matched != _flag(params, "accept", True):
            raise Rejected(f"Subject Name Not Matched {dn(plan.subject)}")
    elif cls == "validityConstraintImpl":
        limit = int(params.get("range") or "0")
        if limit and plan.not_after - plan.not_before > datetime.timedelta(days=limit):
            raise Rejected(f"Validity Out of Range {(plan.not_after - plan.not_before).days} days")
    elif cls == "keyConstraintImpl":
        key, wanted = plan.public_key, (params.get("keyType") or "-").upper()
        allowed = [x.strip() for x in (params.get("keyParameters") or "").split(",") if x.strip()]
        if isinstance(key, rsa.RSAPublicKey):
            if wanted not in ("-", "RSA") or (allowed and str(key.key_size) not in allowed):
                raise Rejected(f"Key Parameters Not Allowed: RSA {key.key_size}")
        elif isinstance(key, ec.EllipticCurvePublicKey):
            curves = {_CURVES.get(a, a) for a in allowed}
            if wanted not in ("-", "EC") or (allowed and key.curve.name not in curves):
                raise Rejected(f"Key Parameters Not Allowed: EC {key.curve.name}")
        else:
            raise Rejected("Key Type Not Allowed")
    elif cls == "keyUsageExtConstraintImpl":
        usage = plan.get(x509.KeyUsage)
        for bit, attr in _KEY_USAGE_FIELDS.items():
            want = (params.get(f"keyUsage{bit}") or "-").lower()
            if want not in ("true", "false"):
                continue
            have = False
            if usage is not None:
                try:
                    have = bool(getattr(usage, attr))
                except ValueError:  # encipher_only/decipher_only without key_agreement
                    have = False
            if have != (want == "true"):
                raise Rejected(f"Key Usage Extension: {bit} must be {want}")
    elif cls == "extendedKeyUsageExtConstraintImpl":
        allowed_oids = {
            o.strip() for o in (params.get("exKeyUsageOIDs") or "").split(",") if o.strip()
        }
        eku = plan.get(x509.ExtendedKeyUsage)
        if allowed_oids and eku is not None:
            extra = {o.dotted_string for o in eku} - allowed_oids  # type: ignore[attr-defined]
            if extra:
                raise Rejected(
                    f"Extended Key Usage Extension: {', '.join(sorted(extra))} not allowed"
                )
    elif cls == "basicConstraintsExtConstraintImpl":
        want = (params.get("basicConstraintsIsCA") or "-").lower()
        bc = plan.get(x509.BasicConstraints)
        if want in ("true", "false") and (bc is not None and bc.ca) != (want == "true"):  # type: ignore[attr-defined]
            raise Rejected("Basic Constraints Extension: isCA does not match")
    elif cls == "signingAlgConstraintImpl":
        allowed_algs = [
            a.strip() for a in (params.get("signingAlgsAllowed") or "").split(",") if a.strip()
        ]
        alg = _signing_algorithm(plan, ctx.issuer)
        if allowed_algs and alg not in allowed_algs:
            raise Rejected(f"Signing Algorithm Not Allowed: {alg}")


def plan_certificate(
    profile: Profile,
    csr: x509.CertificateSigningRequest,
    values: dict[str, str],
    issuer: CA,
    submitted: datetime.datetime,
) -> Plan:
    """Apply ``profile``'s defaults to the request, then its constraints (``Rejected``)."""
    ctx = _Context(csr, values, issuer, submitted)
    plan = Plan(
        subject=ctx.requested,
        public_key=csr.public_key(),
        not_before=submitted,
        not_after=submitted + datetime.timedelta(days=180),
    )
    policies = profile.policies()
    for policy in policies:
        _apply_default(plan, ctx, policy)
    if not list(plan.subject):
        raise Rejected("Missing subject name")
    for policy in policies:
        _check_constraint(plan, ctx, policy)
    return plan
