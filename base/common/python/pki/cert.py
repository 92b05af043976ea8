"""The CA's certificate and certificate-request resources: ``CertClient`` and its data classes.

Names, signatures and attributes follow upstream dogtag-pki 11.x so that existing scripts
(FreeIPA's ``ipaserver/plugins/dogtag.py`` among them) keep working. Data classes read the
server's JSON with ``from_json()``: known fields land on snake_case attributes, anything else
is kept under its JSON name (so ``cert.RevocationReason`` works as upstream), and
``to_json()`` writes the object back in the server's spelling.

Differences from upstream, on purpose: request lists filter with ``requestState`` (what the
server reads); certificate searches send ``email`` (11.x); request IDs come from
``requestID`` (v2 has no ``requestURL``); ``entries`` may be missing, one object or a list;
IDs may be ints, decimal strings or ``0x`` hex strings; a review is posted back exactly as it
was received, nonce included.
"""

from __future__ import annotations

import copy
import datetime
import logging
from typing import Any, ClassVar

import pki
from pki.info import (
    ApiTarget,
    DataCollection,
    decimal_id,
    hex_id,
    parse_id,
    response_json,
)

logger = logging.getLogger(__name__)


# --- JSON plumbing ---------------------------------------------------------------------------


def _to_json_value(value: Any) -> Any:
    if hasattr(value, "to_json") and callable(value.to_json):
        return value.to_json()
    if isinstance(value, (list, tuple)):
        return [_to_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_json_value(v) for k, v in value.items()}
    return value


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class _JsonObject:
    """Base of the data classes: JSON name <-> attribute mapping, unknown fields kept as-is.

    ``json_attribute_names`` maps JSON names to attribute names; ``_json_exclude`` lists
    attributes that are local only (never sent). ``None`` values are not written, because
    Dogtag omits nulls too.
    """

    json_attribute_names: ClassVar[dict[str, str]] = {}
    _json_exclude: ClassVar[frozenset[str]] = frozenset()
    _json_nested: ClassVar[frozenset[str]] = frozenset()  # JSON names parsed by subclasses

    def _load(self, attr_list: dict[str, Any]) -> None:
        for key, value in attr_list.items():
            if key in self._json_nested:
                continue
            name = self.json_attribute_names.get(key, key)
            if callable(getattr(type(self), name, None)) or name.startswith("_"):
                continue  # never let a server field shadow a method
            setattr(self, name, value)

    def to_json(self) -> dict[str, Any]:
        """The object in the server's JSON spelling."""
        reverse = {attr: key for key, attr in self.json_attribute_names.items()}
        out: dict[str, Any] = {}
        for name, value in vars(self).items():
            if value is None or name.startswith("_") or name in self._json_exclude:
                continue
            out[reverse.get(name, name)] = _to_json_value(value)
        return out


# --- Certificates ----------------------------------------------------------------------------


class CertData(_JsonObject):
    """A certificate as ``GET /ca/<api>/certs/{id}`` returns it.

    ``serial_number`` is the server's ``0x`` hex string; ``encoded`` is PEM; ``nonce`` is set
    by the agent view (``review_cert``) and is needed to revoke. ``binary`` (DER bytes) is
    filled in by ``SystemCertClient``. Other fields keep their JSON names, as upstream
    (``RevokedOn``, ``RevokedBy``, ``RevocationReason``, which FreeIPA reads).
    """

    json_attribute_names: ClassVar[dict[str, str]] = {
        "id": "serial_number",
        "IssuerDN": "issuer_dn",
        "SubjectDN": "subject_dn",
        "PrettyPrint": "pretty_repr",
        "Encoded": "encoded",
        "NotBefore": "not_before",
        "NotAfter": "not_after",
        "Status": "status",
        "Nonce": "nonce",
        "PKCS7CertChain": "pkcs7_cert_chain",
    }
    _json_exclude = frozenset({"binary", "link"})

    def __init__(self) -> None:
        self.serial_number: str | None = None
        self.issuer_dn: str | None = None
        self.subject_dn: str | None = None
        self.pretty_repr: str | None = None
        self.encoded: str | None = None
        self.binary: bytes | None = None
        self.pkcs7_cert_chain: str | None = None
        self.not_before: str | None = None
        self.not_after: str | None = None
        self.status: str | None = None
        self.nonce: Any = None
        self.link: Any = None

    def __repr__(self) -> str:
        return str(
            {
                "CertData": {
                    "serial_number": self.serial_number,
                    "subject_dn": self.subject_dn,
                    "status": self.status,
                }
            }
        )

    @classmethod
    def from_json(cls, attr_list: dict[str, Any]) -> CertData:
        cert_data = cls()
        cert_data._load(attr_list)
        return cert_data


class CertDataInfo(_JsonObject):
    """One entry of a certificate list or search (dates are epoch milliseconds)."""

    json_attribute_names: ClassVar[dict[str, str]] = {
        "id": "serial_number",
        "SubjectDN": "subject_dn",
        "IssuerDN": "issuer_dn",
        "Status": "status",
        "Type": "type",
        "Version": "version",
        "KeyLength": "key_length",
        "KeyAlgorithmOID": "key_algorithm_oid",
        "NotValidBefore": "not_valid_before",
        "NotValidAfter": "not_valid_after",
        "IssuedOn": "issued_on",
        "IssuedBy": "issued_by",
    }
    _json_exclude = frozenset({"link"})

    def __init__(self) -> None:
        self.serial_number: str | None = None
        self.subject_dn: str | None = None
        self.issuer_dn: str | None = None
        self.status: str | None = None
        self.type: str | None = None
        self.version: Any = None
        self.key_algorithm_oid: str | None = None
        self.key_length: Any = None
        self.not_valid_before: Any = None
        self.not_valid_after: Any = None
        self.issued_on: Any = None
        self.issued_by: str | None = None
        self.link: Any = None

    def __repr__(self) -> str:
        return str(
            {
                "CertDataInfo": {
                    "serial_number": self.serial_number,
                    "subject_dn": self.subject_dn,
                    "type": self.type,
                    "status": self.status,
                }
            }
        )

    @classmethod
    def from_json(cls, attr_list: dict[str, Any]) -> CertDataInfo:
        info = cls()
        info._load(attr_list)
        return info


class CertDataInfoCollection(DataCollection[CertDataInfo]):
    """A page of ``CertDataInfo`` (``cert_data_info_list``) plus the server's ``total``."""

    item_type = CertDataInfo
    items_attr = "cert_data_info_list"
    cert_data_info_list: list[CertDataInfo]


# --- Requests --------------------------------------------------------------------------------


class CertRequestStatus:
    """Request states as the server spells them."""

    BEGIN = "begin"
    PENDING = "pending"
    APPROVED = "approved"
    SVC_PENDING = "svc_pending"
    CANCELED = "canceled"
    REJECTED = "rejected"
    COMPLETE = "complete"


class CertRequestInfo(_JsonObject):
    """A certificate request's state.

    ``request_id`` is a decimal string (upstream's convention; FreeIPA does
    ``int(request_id)``), taken from ``requestID`` (hex), else ``requestId``, else the tail
    of ``requestURL``. ``cert_id`` is the server's ``0x`` hex serial once issued.
    """

    json_attribute_names: ClassVar[dict[str, str]] = {
        "requestType": "request_type",
        "requestURL": "request_url",
        "requestStatus": "request_status",
        "certId": "cert_id",
        "operationResult": "operation_result",
        "certURL": "cert_url",
        "errorMessage": "error_message",
        "certRequestType": "cert_request_type",
    }
    # request_id is derived; the server's own ID fields are kept under their JSON names.
    _json_exclude = frozenset({"request_id"})

    def __init__(self) -> None:
        self.request_id: str | None = None
        self.request_type: str | None = None
        self.request_url: str | None = None
        self.request_status: str | None = None
        self.operation_result: str | None = None
        self.cert_id: str | None = None
        self.cert_request_type: str | None = None
        self.cert_url: str | None = None
        self.error_message: str | None = None

    def __repr__(self) -> str:
        return str(
            {
                "CertRequestInfo": {
                    "request_id": self.request_id,
                    "request_type": self.request_type,
                    "request_status": self.request_status,
                    "cert_id": self.cert_id,
                }
            }
        )

    @classmethod
    def from_json(cls, attr_list: dict[str, Any]) -> CertRequestInfo:
        info = cls()
        info._load(attr_list)
        info.request_id = _request_id_from(attr_list)
        return info


def _request_id_from(attr_list: dict[str, Any]) -> str | None:
    """Decimal request ID from ``requestID``/``requestId``, else from the URL tail."""
    for key in ("requestID", "requestId"):
        value = attr_list.get(key)
        if value not in (None, ""):
            try:
                return decimal_id(value, "request ID")
            except ValueError:
                logger.debug("Ignoring unparsable %s %r", key, value)
    url = attr_list.get("requestURL")
    if url:
        tail = str(url).rstrip("/").rsplit("/", 1)[-1]
        try:
            return decimal_id(tail, "request ID")
        except ValueError:
            return tail
    return None


class CertEnrollmentResult:
    """One request of an enrollment and the certificate it produced (``None`` if none)."""

    def __init__(self, request: CertRequestInfo, cert: CertData | None) -> None:
        self.request = request
        self.cert = cert

    def __repr__(self) -> str:
        return f"CertEnrollmentResult(request={self.request!r}, cert={self.cert!r})"


class CertRequestInfoCollection(DataCollection[CertRequestInfo]):
    """A list of ``CertRequestInfo`` (``cert_request_info_list``) plus ``total``."""

    item_type = CertRequestInfo
    items_attr = "cert_request_info_list"
    cert_request_info_list: list[CertRequestInfo]


# --- Search and revocation -------------------------------------------------------------------


class CertSearchRequest:
    """The body of ``POST /ca/<api>/certs/search``.

    Keyword arguments use upstream's snake_case names; each criterion also turns on the
    ``...InUse`` flag of its group. With no criteria at all the search matches every
    serial number, as upstream. ``email`` is sent as ``email`` (what 11.x reads).
    """

    search_params: ClassVar[dict[str, str]] = {
        "serial_to": "serialTo",
        "serial_from": "serialFrom",
        "email": "email",
        "common_name": "commonName",
        "user_id": "userID",
        "org_unit": "orgUnit",
        "org": "org",
        "locality": "locality",
        "state": "state",
        "country": "country",
        "match_exactly": "matchExactly",
        "status": "status",
        "issuer_dn": "issuerDN",
        "revoked_by": "revokedBy",
        "revoked_on_from": "revokedOnFrom",
        "revoked_on_to": "revokedOnTo",
        "revocation_reason": "revocationReason",
        "issued_by": "issuedBy",
        "issued_on_from": "issuedOnFrom",
        "issued_on_to": "issuedOnTo",
        "valid_not_before_from": "validNotBeforeFrom",
        "valid_not_before_to": "validNotBeforeTo",
        "valid_not_after_from": "validNotAfterFrom",
        "valid_not_after_to": "validNotAfterTo",
        "validity_operation": "validityOperation",
        "validity_count": "validityCount",
        "validity_unit": "validityUnit",
        "cert_type_sub_email_ca": "certTypeSubEmailCA",
        "cert_type_sub_ssl_ca": "certTypeSubSSLCA",
        "cert_type_secure_email": "certTypeSecureEmail",
        "cert_type_ssl_client": "certTypeSSLClient",
        "cert_type_ssl_server": "certTypeSSLServer",
    }

    # Which "InUse" flag each criterion switches on (status and issuer_dn need none).
    _groups: ClassVar[dict[str, tuple[str, ...]]] = {
        "serialNumberRangeInUse": ("serial_to", "serial_from"),
        "subjectInUse": (
            "email", "common_name", "user_id", "org_unit", "org", "locality", "state",
            "country", "match_exactly",
        ),
        "revokedByInUse": ("revoked_by",),
        "revokedOnInUse": ("revoked_on_from", "revoked_on_to"),
        "revocationReasonInUse": ("revocation_reason",),
        "issuedByInUse": ("issued_by",),
        "issuedOnInUse": ("issued_on_from", "issued_on_to"),
        "validNotBeforeInUse": ("valid_not_before_from", "valid_not_before_to"),
        "validNotAfterInUse": ("valid_not_after_from", "valid_not_after_to"),
        "validityLengthInUse": ("validity_operation", "validity_count", "validity_unit"),
        "certTypeInUse": (
            "cert_type_sub_email_ca", "cert_type_sub_ssl_ca", "cert_type_secure_email",
            "cert_type_ssl_client", "cert_type_ssl_server",
        ),
    }

    def __init__(self, **cert_search_params: Any) -> None:
        if not cert_search_params:
            self.serialNumberRangeInUse = True
        flag_of = {param: flag for flag, params in self._groups.items() for param in params}
        for param, value in cert_search_params.items():
            if param not in self.search_params:
                raise ValueError("Invalid search parameter: " + param)
            if param in ("serial_to", "serial_from") and value is not None:
                value = _serial_for_search(value)
            setattr(self, self.search_params[param], value)
            if param in flag_of:
                setattr(self, flag_of[param], True)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v is not None}


def _serial_for_search(value: Any) -> str:
    """Serial bounds go verbatim into the server's filter: send them as decimal strings."""
    try:
        return str(parse_id(value, "serial number"))
    except ValueError:
        return str(value)


def _epoch_millis(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return int(value.timestamp() * 1000)
    return value


class CertRevokeRequest:
    """The body of a revoke/hold request: reason label, optional date and comment, nonce.

    ``reason`` is one of ``reasons`` (any case), or its RFC 5280 code; ``None`` means
    ``Unspecified``. ``invalidity_date`` is epoch milliseconds or a ``datetime``.
    """

    reasons: ClassVar[list[str]] = [
        "Unspecified",
        "Key_Compromise",
        "CA_Compromise",
        "Affiliation_Changed",
        "Superseded",
        "Cessation_of_Operation",
        "Certificate_Hold",
        "Remove_from_CRL",
        "Privilege_Withdrawn",
        "AA_Compromise",
    ]
    _codes: ClassVar[dict[int, str]] = {
        0: "Unspecified", 1: "Key_Compromise", 2: "CA_Compromise", 3: "Affiliation_Changed",
        4: "Superseded", 5: "Cessation_of_Operation", 6: "Certificate_Hold",
        8: "Remove_from_CRL", 9: "Privilege_Withdrawn", 10: "AA_Compromise",
    }

    def __init__(
        self,
        nonce: Any,
        reason: str | int | None = None,
        invalidity_date: Any = None,
        comments: str | None = None,
    ) -> None:
        self.Nonce = nonce
        self.Reason = self.normalise_reason(reason)
        self.InvalidityDate = _epoch_millis(invalidity_date)
        self.Comments = comments

    @classmethod
    def normalise_reason(cls, reason: str | int | None) -> str:
        """The canonical label for a reason label (any case) or code."""
        if reason is None:
            return "Unspecified"
        if isinstance(reason, int) and not isinstance(reason, bool):
            if reason in cls._codes:
                return cls._codes[reason]
        elif isinstance(reason, str):
            for label in cls.reasons:
                if label.lower() == reason.strip().lower():
                    return label
        raise ValueError("Invalid revocation reason specified.")

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v is not None}


# --- Profiles and enrollment -----------------------------------------------------------------


class ProfileDataInfo(_JsonObject):
    """One profile of the enrollment profile list."""

    json_attribute_names: ClassVar[dict[str, str]] = {
        "profileId": "profile_id",
        "profileName": "profile_name",
        "profileDescription": "profile_description",
        "profileURL": "profile_url",
    }

    def __init__(self) -> None:
        self.profile_id: str | None = None
        self.profile_name: str | None = None
        self.profile_description: str | None = None
        self.profile_url: str | None = None

    def __repr__(self) -> str:
        return str({"ProfileDataInfo": {"profile_id": self.profile_id, "name": self.profile_name}})

    @classmethod
    def from_json(cls, attr_list: dict[str, Any] | None) -> ProfileDataInfo | None:
        if attr_list is None:
            return None
        info = cls()
        info._load(attr_list)
        return info


class ProfileDataInfoCollection(DataCollection[ProfileDataInfo]):
    """The profile list (``profile_data_list``) plus ``total``."""

    item_type = ProfileDataInfo
    items_attr = "profile_data_list"
    profile_data_list: list[ProfileDataInfo]


class Descriptor(_JsonObject):
    """How a profile attribute is described: syntax, constraint, description, default."""

    json_attribute_names: ClassVar[dict[str, str]] = {
        "Syntax": "syntax",
        "Description": "description",
        "Constraint": "constraint",
        "DefaultValue": "default_value",
    }

    def __init__(
        self,
        syntax: str | None = None,
        constraint: str | None = None,
        description: str | None = None,
        default_value: str | None = None,
    ) -> None:
        self.syntax = syntax
        self.constraint = constraint
        self.description = description
        self.default_value = default_value

    @classmethod
    def from_json(cls, attr_list: dict[str, Any] | None) -> Descriptor | None:
        if attr_list is None:
            return None
        descriptor = cls()
        descriptor._load(attr_list)
        return descriptor


class ProfileAttribute(_JsonObject):
    """A named input value (``{"name", "Value", "Descriptor"}``)."""

    json_attribute_names: ClassVar[dict[str, str]] = {"Value": "value", "Descriptor": "descriptor"}
    _json_nested = frozenset({"Descriptor"})

    def __init__(self, name: str | None = None, value: Any = None, descriptor: Any = None) -> None:
        self.name = name
        self.value = value
        self.descriptor = descriptor

    def __repr__(self) -> str:
        return f"ProfileAttribute(name={self.name!r})"

    @classmethod
    def from_json(cls, attr_list: dict[str, Any] | None) -> ProfileAttribute | None:
        if attr_list is None:
            return None
        attribute = cls()
        attribute._load(attr_list)
        attribute.descriptor = Descriptor.from_json(attr_list.get("Descriptor"))
        return attribute


def _attributes(values: Any) -> list[ProfileAttribute]:
    out = []
    for value in _as_list(values):
        attribute = ProfileAttribute.from_json(value)
        if attribute is not None:
            out.append(attribute)
    return out


class _AttributeHolder:
    attributes: list[ProfileAttribute]

    def add_attribute(self, profile_attribute: ProfileAttribute) -> None:
        if not isinstance(profile_attribute, ProfileAttribute):
            raise ValueError("Object passed is not a ProfileAttribute.")
        self.attributes.append(profile_attribute)

    def remove_attribute(self, profile_attribute_name: str) -> None:
        self.attributes[:] = [a for a in self.attributes if a.name != profile_attribute_name]

    def get_attribute(self, profile_attribute_name: str) -> ProfileAttribute | None:
        for attribute in self.attributes:
            if attribute.name == profile_attribute_name:
                return attribute
        return None


class ProfileInput(_AttributeHolder, _JsonObject):
    """A group of enrollment inputs (e.g. the CSR, the subject name, the submitter)."""

    json_attribute_names: ClassVar[dict[str, str]] = {
        "id": "profile_input_id",
        "ClassID": "class_id",
        "Name": "name",
        "Text": "text",
        "Attribute": "attributes",
        "ConfigAttribute": "config_attributes",
    }
    _json_nested = frozenset({"Attribute", "ConfigAttribute"})

    def __init__(
        self,
        profile_input_id: str | None = None,
        class_id: str | None = None,
        name: str | None = None,
        text: str | None = None,
        attributes: list[ProfileAttribute] | None = None,
        config_attributes: list[ProfileAttribute] | None = None,
    ) -> None:
        self.profile_input_id = profile_input_id
        self.class_id = class_id
        self.name = name
        self.text = text
        self.attributes = attributes if attributes is not None else []
        self.config_attributes = config_attributes if config_attributes is not None else []

    def __repr__(self) -> str:
        return f"ProfileInput(id={self.profile_input_id!r}, name={self.name!r})"

    def add_config_attribute(self, profile_attribute: ProfileAttribute) -> None:
        if not isinstance(profile_attribute, ProfileAttribute):
            raise ValueError("Object passed is not a ProfileAttribute.")
        self.config_attributes.append(profile_attribute)

    def remove_config_attribute(self, config_attribute_name: str) -> None:
        self.config_attributes[:] = [
            a for a in self.config_attributes if a.name != config_attribute_name
        ]

    def get_config_attribute(self, config_attribute_name: str) -> ProfileAttribute | None:
        for attribute in self.config_attributes:
            if attribute.name == config_attribute_name:
                return attribute
        return None

    @classmethod
    def from_json(cls, attr_list: dict[str, Any] | None) -> ProfileInput | None:
        if attr_list is None:
            return None
        profile_input = cls()
        profile_input._load(attr_list)
        profile_input.attributes = _attributes(attr_list.get("Attribute"))
        profile_input.config_attributes = _attributes(attr_list.get("ConfigAttribute"))
        return profile_input


class ProfileOutput(_AttributeHolder, _JsonObject):
    """What an enrollment produces (``{"id", "name", "text", "classId", "attributes"}``)."""

    json_attribute_names: ClassVar[dict[str, str]] = {
        "id": "profile_output_id",
        "classId": "class_id",
    }
    _json_nested = frozenset({"attributes"})

    def __init__(
        self,
        profile_output_id: str | None = None,
        name: str | None = None,
        text: str | None = None,
        class_id: str | None = None,
        attributes: list[ProfileAttribute] | None = None,
    ) -> None:
        self.profile_output_id = profile_output_id
        self.name = name
        self.text = text
        self.class_id = class_id
        self.attributes = attributes if attributes is not None else []

    def __repr__(self) -> str:
        return f"ProfileOutput(id={self.profile_output_id!r}, name={self.name!r})"

    @classmethod
    def from_json(cls, attr_list: dict[str, Any] | None) -> ProfileOutput | None:
        if attr_list is None:
            return None
        output = cls()
        output._load(attr_list)
        output.attributes = _attributes(attr_list.get("attributes"))
        return output


class ProfilePolicySet:
    """One ``ProfilePolicySet`` of a review, kept exactly as received.

    The review is posted back to approve/reject it, so nothing may be lost on the way:
    ``policies`` holds the server's policy objects (dicts) untouched.
    """

    def __init__(self, policies: list[Any] | None = None, **extra: Any) -> None:
        self.policies = policies if policies is not None else []
        self._extra = extra

    @classmethod
    def from_json(cls, attr_list: dict[str, Any] | None) -> ProfilePolicySet | None:
        if attr_list is None:
            return None
        extra = {k: copy.deepcopy(v) for k, v in attr_list.items() if k != "policies"}
        return cls(copy.deepcopy(_as_list(attr_list.get("policies"))), **extra)

    def to_json(self) -> dict[str, Any]:
        out = dict(self._extra)
        out["policies"] = _to_json_value(self.policies)
        return out


class CertEnrollmentRequest(_JsonObject):
    """An enrollment request: a profile ID and its inputs (see ``CertClient``)."""

    json_attribute_names: ClassVar[dict[str, str]] = {
        "ProfileID": "profile_id",
        "Renewal": "renewal",
        "SerialNumber": "serial_number",
        "RemoteHost": "remote_host",
        "RemoteAddress": "remote_address",
        "Input": "inputs",
        "Output": "outputs",
    }
    _json_nested = frozenset({"Input", "Output"})

    def __init__(
        self,
        profile_id: str | None = None,
        renewal: bool = False,
        serial_number: Any = None,
        remote_host: str | None = None,
        remote_address: str | None = None,
        inputs: list[ProfileInput] | None = None,
        outputs: list[ProfileOutput] | None = None,
    ) -> None:
        self.profile_id = profile_id
        self.renewal = renewal
        self.serial_number = serial_number
        self.remote_host = remote_host
        self.remote_address = remote_address
        self.inputs = inputs if inputs is not None else []
        self.outputs = outputs if outputs is not None else []

    def __repr__(self) -> str:
        # Never show input values: they may carry passwords (e.g. server-side keygen).
        return f"{type(self).__name__}(profile_id={self.profile_id!r})"

    def add_input(self, profile_input: ProfileInput) -> None:
        self.inputs.append(profile_input)

    def remove_input(self, profile_input_name: str) -> None:
        self.inputs[:] = [i for i in self.inputs if i.name != profile_input_name]

    def get_input(self, profile_input_name: str) -> ProfileInput | None:
        for profile_input in self.inputs:
            if profile_input.name == profile_input_name:
                return profile_input
        return None

    def add_output(self, profile_output: ProfileOutput) -> None:
        self.outputs.append(profile_output)

    def remove_output(self, profile_output_name: str) -> None:
        self.outputs[:] = [o for o in self.outputs if o.name != profile_output_name]

    def get_output(self, profile_output_name: str) -> ProfileOutput | None:
        for output in self.outputs:
            if output.name == profile_output_name:
                return output
        return None

    def set_input_values(self, values: dict[str, Any]) -> None:
        """Fill every input attribute whose name is a key of ``values``."""
        for profile_input in self.inputs:
            for attribute in profile_input.attributes:
                if attribute.name in values:
                    attribute.value = values[attribute.name]

    def _load_nested(self, attr_list: dict[str, Any]) -> None:
        self.inputs = [
            i for i in (ProfileInput.from_json(v) for v in _as_list(attr_list.get("Input"))) if i
        ]
        self.outputs = [
            o for o in (ProfileOutput.from_json(v) for v in _as_list(attr_list.get("Output"))) if o
        ]

    @classmethod
    def from_json(cls, attr_list: dict[str, Any]) -> CertEnrollmentRequest:
        request = cls()
        request._load(attr_list)
        request._load_nested(attr_list)
        return request


class CertReviewResponse(CertEnrollmentRequest):
    """An agent's view of a pending request, with the ``nonce`` that approving it needs.

    Post it back unchanged (or with edited input values) through ``CertClient``'s
    ``approve_request``/``reject_request``/... .
    """

    json_attribute_names: ClassVar[dict[str, str]] = {
        **CertEnrollmentRequest.json_attribute_names,
        "requestId": "request_id",
        "requestType": "request_type",
        "requestStatus": "request_status",
        "requestOwner": "request_owner",
        "requestCreationTime": "request_creation_time",
        "requestModificationTime": "request_modification_time",
        "requestNotes": "request_notes",
        "profileApprovedBy": "profile_approved_by",
        "profileSetId": "profile_set_id",
        "profileIsVisible": "profile_is_visible",
        "profileName": "profile_name",
        "profileDescription": "profile_description",
        "profileRemoteHost": "profile_remote_host",
        "profileRemoteAddr": "profile_remote_address",
        "ProfilePolicySet": "policy_sets",
    }
    _json_nested = frozenset({"Input", "Output", "ProfilePolicySet"})

    def __init__(
        self,
        profile_id: str | None = None,
        renewal: bool = False,
        serial_number: Any = None,
        remote_host: str | None = None,
        remote_address: str | None = None,
        inputs: list[ProfileInput] | None = None,
        outputs: list[ProfileOutput] | None = None,
        nonce: Any = None,
        request_id: Any = None,
        request_type: str | None = None,
        request_status: str | None = None,
        request_owner: str | None = None,
        request_creation_time: Any = None,
        request_modification_time: Any = None,
        request_notes: Any = None,
        profile_approval_by: str | None = None,
        profile_set_id: str | None = None,
        profile_is_visible: Any = None,
        profile_name: str | None = None,
        profile_description: str | None = None,
        profile_remote_host: str | None = None,
        profile_remote_address: str | None = None,
        policy_sets: list[ProfilePolicySet] | None = None,
    ) -> None:
        super().__init__(
            profile_id, renewal, serial_number, remote_host, remote_address, inputs, outputs
        )
        self.nonce = nonce
        self.request_id = request_id
        self.request_type = request_type
        self.request_status = request_status
        self.request_owner = request_owner
        self.request_creation_time = request_creation_time
        self.request_modification_time = request_modification_time
        self.request_notes = request_notes
        self.profile_approved_by = profile_approval_by
        self.profile_set_id = profile_set_id
        self.profile_is_visible = profile_is_visible
        self.profile_name = profile_name
        self.profile_description = profile_description
        self.profile_remote_host = profile_remote_host
        self.profile_remote_address = profile_remote_address
        self.policy_sets = policy_sets if policy_sets is not None else []

    def __repr__(self) -> str:
        return (
            f"CertReviewResponse(request_id={self.request_id!r}, "
            f"profile_id={self.profile_id!r}, request_status={self.request_status!r})"
        )

    @classmethod
    def from_json(cls, attr_list: dict[str, Any]) -> CertReviewResponse:
        review = cls()
        review._load(attr_list)
        review._load_nested(attr_list)
        policy_sets = _as_list(attr_list.get("ProfilePolicySet"))
        review.policy_sets = [
            p for p in (ProfilePolicySet.from_json(v) for v in policy_sets) if p is not None
        ]
        return review


# --- The client ------------------------------------------------------------------------------


def list_requests_params(
    request_status: str | None = None,
    request_type: str | None = None,
    from_request_id: Any = None,
    size: int | None = None,
    max_results: int | None = None,
    max_time: int | None = None,
) -> dict[str, Any]:
    """Query parameters of ``GET /ca/<api>/agent/certrequests`` (None values dropped).

    The server filters on ``requestState``; upstream sent ``requestStatus``, which it ignores.
    """
    params = {
        "requestState": request_status,
        "requestType": request_type,
        "start": None if from_request_id is None else decimal_id(from_request_id, "start"),
        "pageSize": size,
        "maxResults": max_results,
        "maxTime": max_time,
    }
    return {k: v for k, v in params.items() if v is not None}


def list_certs_params(
    max_results: int | None = None,
    max_time: int | None = None,
    start: int | None = None,
    size: int | None = None,
) -> dict[str, Any]:
    """Query parameters of ``POST /ca/<api>/certs/search`` (None values dropped)."""
    params = {"maxResults": max_results, "maxTime": max_time, "start": start, "size": size}
    return {k: v for k, v in params.items() if v is not None}


class CertClient:
    """Certificates and certificate requests of a CA.

    ``parent`` is a ``PKIConnection`` (paths ``/ca/rest/...``), a ``PKIClient`` (paths
    ``/ca/<v2|rest>/...`` as ``get_api_path()`` says) or a ``CAClient``. Agent operations need
    the connection to authenticate as a CA agent. Review-then-act sequences (revocation
    nonces, request review nonces) rely on the connection keeping its session cookie.
    """

    def __init__(self, parent: Any) -> None:
        self.target = ApiTarget(parent, default_subsystem="ca")
        self.connection = self.target.connection
        self.pki_client = self.target.pki_client
        self.enrollment_templates: dict[str, CertEnrollmentRequest] = {}

    # -- certificates ------------------------------------------------------------------------

    @pki.handle_exceptions()
    def get_cert(self, cert_serial_number: Any) -> CertData:
        """The certificate with this serial number (anonymous)."""
        serial = hex_id(cert_serial_number, "Certificate ID")
        return CertData.from_json(response_json(self.target.get(f"certs/{serial}")))

    @pki.handle_exceptions()
    def list_certs(
        self,
        max_results: int | None = None,
        max_time: int | None = None,
        start: int | None = None,
        size: int | None = None,
        **cert_search_params: Any,
    ) -> CertDataInfoCollection:
        """Search certificates; keyword criteria as ``CertSearchRequest`` (none: all)."""
        search = CertSearchRequest(**cert_search_params)
        params = list_certs_params(max_results, max_time, start, size)
        response = self.target.post("certs/search", search, params)
        return CertDataInfoCollection.from_json(response_json(response) or {})

    @pki.handle_exceptions()
    def review_cert(self, cert_serial_number: Any) -> CertData:
        """The agent view of a certificate, whose ``nonce`` authorises one revocation."""
        serial = hex_id(cert_serial_number, "Certificate ID")
        return CertData.from_json(response_json(self.target.get(f"agent/certs/{serial}")))

    def _submit_revoke_request(
        self,
        action: str,
        cert_serial_number: Any,
        revocation_reason: str | int | None = None,
        invalidity_date: Any = None,
        comments: str | None = None,
        nonce: Any = None,
        authority: str | None = None,
    ) -> CertRequestInfo:
        serial = hex_id(cert_serial_number, "Certificate ID")
        # Validate the reason before spending a nonce on it.
        reason = CertRevokeRequest.normalise_reason(revocation_reason)
        if nonce is None:
            nonce = self.review_cert(serial).nonce
        request = CertRevokeRequest(nonce, reason, invalidity_date, comments)
        params = {"issuer-id": authority} if authority else None
        response = self.target.post(f"agent/certs/{serial}/{action}", request, params)
        return CertRequestInfo.from_json(response_json(response) or {})

    @pki.handle_exceptions()
    def revoke_cert(
        self,
        cert_serial_number: Any,
        revocation_reason: str | int | None = None,
        invalidity_date: Any = None,
        comments: str | None = None,
        nonce: Any = None,
        authority: str | None = None,
    ) -> CertRequestInfo:
        """Revoke a certificate. Without ``nonce``, one is fetched first (same session)."""
        return self._submit_revoke_request(
            "revoke", cert_serial_number, revocation_reason, invalidity_date, comments,
            nonce, authority,
        )

    @pki.handle_exceptions()
    def revoke_ca_cert(
        self,
        cert_serial_number: Any,
        revocation_reason: str | int | None = None,
        invalidity_date: Any = None,
        comments: str | None = None,
        nonce: Any = None,
        authority: str | None = None,
    ) -> CertRequestInfo:
        """Revoke a CA certificate (``revoke-ca``)."""
        return self._submit_revoke_request(
            "revoke-ca", cert_serial_number, revocation_reason, invalidity_date, comments,
            nonce, authority,
        )

    @pki.handle_exceptions()
    def hold_cert(
        self, cert_serial_number: Any, comments: str | None = None, authority: str | None = None
    ) -> CertRequestInfo:
        """Put a certificate on hold (revocation with reason ``Certificate_Hold``)."""
        return self._submit_revoke_request(
            "revoke", cert_serial_number, "Certificate_Hold", comments=comments,
            authority=authority,
        )

    @pki.handle_exceptions()
    def unrevoke_cert(
        self, cert_serial_number: Any, authority: str | None = None
    ) -> CertRequestInfo:
        """Take a certificate off hold."""
        serial = hex_id(cert_serial_number, "Certificate ID")
        params = {"issuer-id": authority} if authority else None
        response = self.target.post(f"agent/certs/{serial}/unrevoke", None, params)
        return CertRequestInfo.from_json(response_json(response) or {})

    # -- requests ----------------------------------------------------------------------------

    @pki.handle_exceptions()
    def get_request(self, request_id: Any) -> CertRequestInfo:
        """A certificate request's state (anonymous)."""
        rid = decimal_id(request_id, "Request ID")
        return CertRequestInfo.from_json(response_json(self.target.get(f"certrequests/{rid}")))

    @pki.handle_exceptions()
    def list_requests(
        self,
        request_status: str | None = None,
        request_type: str | None = None,
        from_request_id: Any = None,
        size: int | None = None,
        max_results: int | None = None,
        max_time: int | None = None,
    ) -> CertRequestInfoCollection:
        """Agent list of requests; ``request_status`` filters on the request state."""
        params = list_requests_params(
            request_status, request_type, from_request_id, size, max_results, max_time
        )
        response = self.target.get("agent/certrequests", params)
        return CertRequestInfoCollection.from_json(response_json(response) or {})

    @pki.handle_exceptions()
    def review_request(self, request_id: Any) -> CertReviewResponse:
        """The agent view of a request, carrying the nonce that acting on it requires."""
        rid = decimal_id(request_id, "Request ID")
        return CertReviewResponse.from_json(
            response_json(self.target.get(f"agent/certrequests/{rid}"))
        )

    @pki.handle_exceptions()
    def _perform_action(
        self, request_id: Any, cert_review_response: CertReviewResponse | None, action: str
    ) -> Any:
        rid = decimal_id(request_id, "Request ID")
        if cert_review_response is None:
            cert_review_response = self.review_request(rid)
        return self.target.post(f"agent/certrequests/{rid}/{action}", cert_review_response)

    def approve_request(
        self, request_id: Any, cert_review_response: CertReviewResponse | None = None
    ) -> Any:
        """Approve a request (reviewing it first unless a review is given)."""
        return self._perform_action(request_id, cert_review_response, "approve")

    def cancel_request(
        self, request_id: Any, cert_review_response: CertReviewResponse | None = None
    ) -> Any:
        """Cancel a request."""
        return self._perform_action(request_id, cert_review_response, "cancel")

    def reject_request(
        self, request_id: Any, cert_review_response: CertReviewResponse | None = None
    ) -> Any:
        """Reject a request."""
        return self._perform_action(request_id, cert_review_response, "reject")

    def validate_request(
        self, request_id: Any, cert_review_response: CertReviewResponse | None = None
    ) -> Any:
        """Validate a request's inputs against its profile."""
        return self._perform_action(request_id, cert_review_response, "validate")

    def update_request(
        self, request_id: Any, cert_review_response: CertReviewResponse | None = None
    ) -> Any:
        """Store edited values of a reviewed request."""
        return self._perform_action(request_id, cert_review_response, "update")

    def assign_request(
        self, request_id: Any, cert_review_response: CertReviewResponse | None = None
    ) -> Any:
        """Assign a request to the calling agent."""
        return self._perform_action(request_id, cert_review_response, "assign")

    def unassign_request(
        self, request_id: Any, cert_review_response: CertReviewResponse | None = None
    ) -> Any:
        """Release a request assigned to the calling agent."""
        return self._perform_action(request_id, cert_review_response, "unassign")

    # -- enrollment --------------------------------------------------------------------------

    @pki.handle_exceptions()
    def list_enrollment_templates(
        self, start: int | None = None, size: int | None = None
    ) -> ProfileDataInfoCollection:
        """The enrollment profiles the CA offers."""
        response = self.target.get("certrequests/profiles", {"start": start, "size": size})
        return ProfileDataInfoCollection.from_json(response_json(response) or {})

    @pki.handle_exceptions()
    def get_enrollment_template(self, profile_id: str) -> CertEnrollmentRequest:
        """A fresh copy of a profile's enrollment template (fetched once, then cached)."""
        if not profile_id:
            raise ValueError("Profile ID must be specified.")
        if profile_id not in self.enrollment_templates:
            response = self.target.get(f"certrequests/profiles/{profile_id}")
            self.enrollment_templates[profile_id] = CertEnrollmentRequest.from_json(
                response_json(response)
            )
        return copy.deepcopy(self.enrollment_templates[profile_id])

    @pki.handle_exceptions()
    def create_enrollment_request(
        self, profile_id: str, inputs: dict[str, Any]
    ) -> CertEnrollmentRequest:
        """The profile's template with the named input values filled in."""
        if not inputs:
            raise ValueError("No inputs provided.")
        template = self.get_enrollment_template(profile_id)
        template.set_input_values(inputs)
        return template

    @pki.handle_exceptions()
    def submit_enrollment_request(
        self, enrollment_request: CertEnrollmentRequest, authority: str | None = None
    ) -> CertRequestInfoCollection:
        """Submit an enrollment request; ``authority`` is a lightweight CA's ID."""
        params = {"issuer-id": authority} if authority else None
        response = self.target.post("certrequests", enrollment_request, params)
        return CertRequestInfoCollection.from_json(response_json(response) or {})

    @pki.handle_exceptions()
    def enroll_cert(
        self, profile_id: str, inputs: dict[str, Any], authority: str | None = None
    ) -> list[CertEnrollmentResult]:
        """Enroll end to end: fill the template, submit, approve pending requests, fetch.

        Needs agent credentials when the profile wants approval; assumes one approval is
        enough. Rejected or cancelled requests (and requests that still have no
        certificate) come back with ``cert`` set to None.
        """
        request = self.create_enrollment_request(profile_id, inputs)
        results = []
        for info in self.submit_enrollment_request(request, authority):
            if info.request_status in (CertRequestStatus.REJECTED, CertRequestStatus.CANCELED):
                results.append(CertEnrollmentResult(info, None))
                continue
            if info.request_status == CertRequestStatus.PENDING:
                self.approve_request(info.request_id)
            info = self.get_request(info.request_id)
            cert = self.get_cert(info.cert_id) if info.cert_id else None
            results.append(CertEnrollmentResult(info, cert))
        return results
