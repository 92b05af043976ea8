"""The CA's certificate and certificate-request resources: ``CertClient`` and its data classes.

Names, signatures and attributes follow upstream dogtag-pki master so that existing scripts
(FreeIPA's ``ipaserver/plugins/dogtag.py`` among them) keep working. Data classes read the
server's JSON with ``from_json()``: known fields land on snake_case attributes, anything else
is kept under its JSON name (so ``cert.RevocationReason`` works as upstream), and
``to_json()`` writes the object back in the server's spelling. The enrollment inputs and
outputs are ``pki.profile``'s classes, as upstream.

Differences from upstream, on purpose: request lists filter with ``requestState`` (what the
server reads); certificate searches send ``email`` (11.x); request IDs come from
``requestID`` (v2 has no ``requestURL``); ``entries`` may be missing, one object or a list;
IDs may be ints, decimal strings or ``0x`` hex strings; a review is posted back exactly as it
was received, nonce included; revocation reasons may be given in any case or as codes.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import logging
from typing import Any, ClassVar

import pki
import pki.ca
import pki.client
import pki.encoder
import pki.profile
from pki.profile import ProfileDataInfoCollection, ProfileInput, ProfileOutput, ProfilePolicySet
from pki.resource import (
    DataCollection,
    JSONData,
    ResourceClient,
    clean_params,
    data,
    decimal_id,
    hex_id,
    json_field,
    parse_id,
)

__all__ = [
    "CertData",
    "CertDataInfo",
    "CertDataInfoCollection",
    "CertRequestInfo",
    "CertRequestStatus",
    "CertEnrollmentResult",
    "CertRequestInfoCollection",
    "CertSearchRequest",
    "CertRevokeRequest",
    "CertEnrollmentRequest",
    "CertReviewResponse",
    "CertClient",
]

logger = logging.getLogger(__name__)


# --- Certificates ----------------------------------------------------------------------------


@data
class CertData(JSONData):
    """A certificate as ``GET /ca/<api>/certs/{id}`` returns it.

    ``serial_number`` is the server's ``0x`` hex string; ``encoded`` is PEM; ``nonce`` is set
    by the agent view (``review_cert``) and is needed to revoke. ``binary`` (DER bytes) is
    filled in by ``SystemCertClient``. Other fields keep their JSON names, as upstream
    (``RevokedOn``, ``RevokedBy``, ``RevocationReason``, which FreeIPA reads).
    """

    serial_number: str | None = json_field("id", show=True)
    issuer_dn: str | None = json_field("IssuerDN")
    subject_dn: str | None = json_field("SubjectDN", show=True)
    pretty_repr: str | None = json_field("PrettyPrint")
    encoded: str | None = json_field("Encoded")
    binary: bytes | None = json_field(local=True)
    pkcs7_cert_chain: str | None = json_field("PKCS7CertChain")
    not_before: str | None = json_field("NotBefore")
    not_after: str | None = json_field("NotAfter")
    status: str | None = json_field("Status", show=True)
    nonce: Any = json_field("Nonce")
    link: Any = json_field(local=True)


@data
class CertDataInfo(JSONData):
    """One entry of a certificate list or search (dates are epoch milliseconds)."""

    serial_number: str | None = json_field("id", show=True)
    subject_dn: str | None = json_field("SubjectDN", show=True)
    issuer_dn: str | None = json_field("IssuerDN")
    status: str | None = json_field("Status", show=True)
    type: str | None = json_field("Type", show=True)
    version: Any = json_field("Version")
    key_algorithm_oid: str | None = json_field("KeyAlgorithmOID")
    key_length: Any = json_field("KeyLength")
    not_valid_before: Any = json_field("NotValidBefore")
    not_valid_after: Any = json_field("NotValidAfter")
    issued_on: Any = json_field("IssuedOn")
    issued_by: str | None = json_field("IssuedBy")
    link: Any = json_field(local=True)


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


@data
class CertRequestInfo(JSONData):
    """A certificate request's state.

    ``request_id`` is a decimal string (upstream's convention; FreeIPA does
    ``int(request_id)``), taken from ``requestID`` (hex), else ``requestId``, else the tail
    of ``requestURL``. ``cert_id`` is the server's ``0x`` hex serial once issued.
    """

    request_id: str | None = json_field(local=True, show=True)
    request_type: str | None = json_field("requestType", show=True)
    request_url: str | None = json_field("requestURL", show=True)
    request_status: str | None = json_field("requestStatus", show=True)
    operation_result: str | None = json_field("operationResult")
    cert_id: str | None = json_field("certId")
    cert_request_type: str | None = json_field("certRequestType")
    cert_url: str | None = json_field("certURL")
    error_message: str | None = json_field("errorMessage")

    def load_json(self, attr_list: dict[str, Any]) -> None:
        super().load_json(attr_list)
        self.request_id = _request_id_from(attr_list)


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


# --- Enrollment --------------------------------------------------------------------------------


@data
class CertEnrollmentRequest(JSONData):
    """An enrollment request: a profile ID and its inputs (see ``CertClient``).

    ``repr()`` never shows input values: they may carry passwords (server-side keygen).
    """

    profile_id: str | None = json_field("ProfileID", show=True)
    renewal: bool = json_field("Renewal", default=False)
    serial_number: Any = json_field("SerialNumber")
    remote_host: str | None = json_field("RemoteHost")
    remote_address: str | None = json_field("RemoteAddress")
    inputs: list[ProfileInput] = json_field("Input", item=ProfileInput, many=True)
    outputs: list[ProfileOutput] = json_field("Output", item=ProfileOutput, many=True)

    def add_input(self, profile_input: ProfileInput) -> None:
        self.inputs.append(profile_input)

    def remove_input(self, profile_input_name: str) -> None:
        self.inputs[:] = [i for i in self.inputs if i.name != profile_input_name]

    def get_input(self, profile_input_name: str) -> ProfileInput | None:
        return next((i for i in self.inputs if i.name == profile_input_name), None)

    def add_output(self, profile_output: ProfileOutput) -> None:
        self.outputs.append(profile_output)

    def remove_output(self, profile_output_name: str) -> None:
        self.outputs[:] = [o for o in self.outputs if o.name != profile_output_name]

    def get_output(self, profile_output_name: str) -> ProfileOutput | None:
        return next((o for o in self.outputs if o.name == profile_output_name), None)

    def set_input_values(self, values: dict[str, Any]) -> None:
        """Fill every input attribute whose name is a key of ``values``."""
        for profile_input in self.inputs:
            for attribute in profile_input.attributes:
                if attribute.name in values:
                    attribute.value = values[attribute.name]


@dataclasses.dataclass(eq=False, repr=False, init=False)
class CertReviewResponse(CertEnrollmentRequest):
    """An agent's view of a pending request, with the ``nonce`` that acting on it needs.

    Post it back unchanged (or with edited input values) through ``CertClient``'s
    ``approve_request``/``reject_request``/... .
    """

    nonce: Any = json_field("nonce")
    request_id: Any = json_field("requestId", show=True)
    request_type: str | None = json_field("requestType")
    request_status: str | None = json_field("requestStatus", show=True)
    request_owner: str | None = json_field("requestOwner")
    request_creation_time: Any = json_field("requestCreationTime")
    request_modification_time: Any = json_field("requestModificationTime")
    request_notes: Any = json_field("requestNotes")
    profile_approved_by: str | None = json_field("profileApprovedBy")
    profile_set_id: str | None = json_field("profileSetId")
    profile_is_visible: Any = json_field("profileIsVisible")
    profile_name: str | None = json_field("profileName")
    profile_description: str | None = json_field("profileDescription")
    profile_remote_host: str | None = json_field("profileRemoteHost")
    profile_remote_address: str | None = json_field("profileRemoteAddr")
    policy_sets: list[ProfilePolicySet] = json_field(
        "ProfilePolicySet", item=ProfilePolicySet, many=True
    )

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
        # upstream's signature: note ``profile_approval_by`` for ``profile_approved_by``
        super().__init__(
            profile_id, renewal, serial_number, remote_host, remote_address,
            inputs if inputs is not None else [], outputs if outputs is not None else [],
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
    return clean_params(params) or {}


def list_certs_params(
    max_results: int | None = None,
    max_time: int | None = None,
    start: int | None = None,
    size: int | None = None,
) -> dict[str, Any]:
    """Query parameters of ``POST /ca/<api>/certs/search`` (None values dropped)."""
    params = {"maxResults": max_results, "maxTime": max_time, "start": start, "size": size}
    return clean_params(params) or {}


class CertClient(ResourceClient):
    """Certificates and certificate requests of a CA.

    ``parent`` is a ``CAClient`` (or any subsystem client), a ``PKIClient`` or a
    ``PKIConnection``; paths are ``/ca/<v2|rest>/...`` as ``get_api_path()`` says. Agent
    operations need the connection to authenticate as a CA agent. Review-then-act sequences
    (revocation nonces, request review nonces) rely on the connection keeping its session
    cookie.
    """

    default_subsystem = "ca"
    subsystem_client_attr = "ca_client"

    def __init__(self, parent: Any) -> None:
        super().__init__(parent)
        self.enrollment_templates: dict[str, CertEnrollmentRequest] = {}

    # -- certificates ------------------------------------------------------------------------

    @pki.handle_exceptions()
    def get_cert(self, cert_serial_number: Any) -> CertData:
        """The certificate with this serial number (anonymous)."""
        serial = hex_id(cert_serial_number, "Certificate ID")
        return self._get_json(f"certs/{serial}", decode=CertData.from_json)

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
        return self._send_json(
            "POST", "certs/search", search, params, decode=CertDataInfoCollection.from_json
        )

    @pki.handle_exceptions()
    def review_cert(self, cert_serial_number: Any) -> CertData:
        """The agent view of a certificate, whose ``nonce`` authorises one revocation."""
        serial = hex_id(cert_serial_number, "Certificate ID")
        return self._get_json(f"agent/certs/{serial}", decode=CertData.from_json)

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
        return self._send_json(
            "POST", f"agent/certs/{serial}/{action}", request, params,
            decode=CertRequestInfo.from_json,
        )

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
        return self._send_json(
            "POST", f"agent/certs/{serial}/unrevoke", None, params,
            decode=CertRequestInfo.from_json,
        )

    # -- requests ----------------------------------------------------------------------------

    @pki.handle_exceptions()
    def get_request(self, request_id: Any) -> CertRequestInfo:
        """A certificate request's state (anonymous)."""
        rid = decimal_id(request_id, "Request ID")
        return self._get_json(f"certrequests/{rid}", decode=CertRequestInfo.from_json)

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
        return self._get_json(
            "agent/certrequests", params, decode=CertRequestInfoCollection.from_json
        )

    @pki.handle_exceptions()
    def review_request(self, request_id: Any) -> CertReviewResponse:
        """The agent view of a request, carrying the nonce that acting on it requires."""
        rid = decimal_id(request_id, "Request ID")
        return self._get_json(f"agent/certrequests/{rid}", decode=CertReviewResponse.from_json)

    @pki.handle_exceptions()
    def _perform_action(
        self, request_id: Any, cert_review_response: CertReviewResponse | None, action: str
    ) -> Any:
        rid = decimal_id(request_id, "Request ID")
        if cert_review_response is None:
            cert_review_response = self.review_request(rid)
        return self._request("POST", f"agent/certrequests/{rid}/{action}", cert_review_response)

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
        return self._get_json(
            "certrequests/profiles", {"start": start, "size": size},
            decode=ProfileDataInfoCollection.from_json,
        )

    @pki.handle_exceptions()
    def get_enrollment_template(self, profile_id: str) -> CertEnrollmentRequest:
        """A fresh copy of a profile's enrollment template (fetched once, then cached)."""
        if not profile_id:
            raise ValueError("Profile ID must be specified.")
        if profile_id not in self.enrollment_templates:
            self.enrollment_templates[profile_id] = self._get_json(
                f"certrequests/profiles/{profile_id}", decode=CertEnrollmentRequest.from_json
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
        return self._send_json(
            "POST", "certrequests", enrollment_request, params,
            decode=CertRequestInfoCollection.from_json,
        )

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


pki.encoder.NOTYPES.update(
    {
        cls.__name__: cls
        for cls in (
            CertData, CertSearchRequest, CertRevokeRequest, CertEnrollmentRequest,
            CertReviewResponse,
        )
    }
)
