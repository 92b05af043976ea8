"""CA certificate requests: profiles, enrollment, agent review and approve/reject/cancel.

Approval issues a real X.509 certificate signed by the CA from the submitted PKCS#10 CSR
(subject and public key from the CSR, SANs from its extension request, sequential serial).
Request records live in the store's ``ca_requests`` table.
"""

from __future__ import annotations

import base64
import datetime
import re
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from pki.testing.dogtag import formats
from pki.testing.dogtag.ca_certs import CertRepository
from pki.testing.dogtag.errors import bad_request, not_found
from pki.testing.dogtag.formats import hex_id, parse_id
from pki.testing.dogtag.http import Request, Response, Route, route
from pki.testing.dogtag.profiles import PROFILES, Profile, template

REQUEST_NOT_FOUND = "request.RequestNotFoundException"
PROFILE_NOT_FOUND = "profile.ProfileNotFoundException"

_SUBJECT_INPUTS = (
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


def parse_csr(text: str) -> x509.CertificateSigningRequest:
    """A PKCS#10 CSR from PEM (any BEGIN label) or bare base64, signature checked."""
    body = re.sub(r"-----(BEGIN|END)[^-]*-----", "", text)
    try:
        der = base64.b64decode("".join(body.split()), validate=True)
        csr = x509.load_der_x509_csr(der)
    except ValueError as e:
        raise bad_request(f"Invalid certificate request: {e}") from None
    if not csr.is_signature_valid:
        raise bad_request("Invalid certificate request: bad signature")
    return csr


def input_values(inputs: object) -> dict[str, str]:
    """``name → Value`` over every Input's attributes of a CertEnrollmentRequest."""
    values: dict[str, str] = {}
    if isinstance(inputs, dict):
        inputs = [inputs]
    for item in inputs if isinstance(inputs, list) else []:
        if not isinstance(item, dict):
            continue
        attrs = item.get("Attribute") or item.get("attributes") or []
        if isinstance(attrs, dict):
            attrs = [attrs]
        for attr in attrs:
            if isinstance(attr, dict) and attr.get("name"):
                value = attr.get("Value", attr.get("value"))
                if value not in (None, ""):
                    values[str(attr["name"])] = str(value)
    return values


class CARequestResources:
    """``certrequests``, ``certrequests/profiles`` and ``agent/certrequests``."""

    def __init__(self, repo: CertRepository) -> None:
        self.repo = repo
        self.store = repo.store

    # -- records -------------------------------------------------------------------------

    def _get(self, request_id: int) -> dict[str, Any]:
        record = self.store.table("ca_requests").get(str(request_id))
        if record is None:
            raise not_found(f"Request ID {hex_id(request_id)} not found", REQUEST_NOT_FOUND)
        return record  # type: ignore[no-any-return]

    def _new(self, request_type: str, status: str, **fields: Any) -> tuple[int, dict[str, Any]]:
        request_id = self.store.next_id("ca_request")
        now = formats.now_ms()
        record = {
            "type": request_type,
            "status": status,
            "created": now,
            "modified": now,
            **fields,
        }
        self.store.table("ca_requests")[str(request_id)] = record
        return request_id, record

    def info(self, req: Request, request_id: int, record: dict[str, Any]) -> dict[str, Any]:
        """CertRequestInfo; v1 adds ``requestURL``/``certURL`` ending in the decimal ID."""
        info: dict[str, Any] = {
            "requestID": hex_id(request_id),
            "requestType": record["type"],
            "requestStatus": record["status"],
            "creationTime": record["created"],
            "modificationTime": record["modified"],
            "operationResult": "error" if record.get("error") else "success",
        }
        if record.get("cert_request_type"):
            info["certRequestType"] = record["cert_request_type"]
        if req.v1:
            info["requestURL"] = req.url(f"certrequests/{request_id}", "ca")
        cert_id = record.get("cert_id")
        if cert_id is not None:
            info["certId"] = hex_id(cert_id)
            if req.v1:
                info["certURL"] = req.url(f"certs/{cert_id}", "ca")
        if record.get("error"):
            info["errorMessage"] = record["error"]
        return info

    def record_completed(
        self, req: Request, request_type: str, serial: int | None
    ) -> dict[str, Any]:
        """A completed revocation/unrevocation request (called in a store transaction)."""
        request_id, record = self._new(
            request_type, "complete", owner=req.principal, subject_cert=serial
        )
        return self.info(req, request_id, record)

    # -- profiles ------------------------------------------------------------------------

    def _profile(self, profile_id: str) -> Profile:
        profile = PROFILES.get(profile_id)
        if profile is None:
            raise not_found(f"Profile {profile_id} not found", PROFILE_NOT_FOUND)
        return profile

    def list_profiles(self, req: Request) -> dict[str, Any]:
        entries = []
        for profile in PROFILES.values():
            entry = {
                "profileId": profile.profile_id,
                "profileName": profile.name,
                "profileDescription": profile.description,
            }
            if req.v1:
                entry["profileURL"] = req.url(f"certrequests/profiles/{profile.profile_id}")
            entries.append(entry)
        start, size = req.int_param("start", 0), req.int_param("size", 20)
        return formats.collection(formats.page(entries, start, size), len(entries))

    def get_profile(self, req: Request, profile_id: str) -> dict[str, Any]:
        return template(self._profile(profile_id))

    # -- submission (anonymous) ----------------------------------------------------------

    def submit(self, req: Request) -> dict[str, Any]:
        body = req.json_object()
        issuer_id, issuer_dn = req.params.get("issuer-id"), req.params.get("issuer-dn")
        if issuer_id and issuer_dn:
            raise bad_request("Cannot provide both issuer-id and issuer-dn")
        if issuer_id and issuer_id != self.store.data["authority_id"]:
            raise not_found(f"CA not found: {issuer_id}", "ca.CANotFoundException")
        if (
            issuer_dn
            and issuer_dn.replace(", ", ",").lower()
            != formats.dn(self.repo.ca.cert.subject).lower()
        ):
            raise not_found(f"CA not found: {issuer_dn}", "ca.CANotFoundException")
        profile_id = body.get("ProfileID") or body.get("profileId")
        if not profile_id:
            raise bad_request("Missing profile ID")
        if profile_id not in PROFILES:
            raise bad_request(f"Profile {profile_id} not found")
        if _truthy(body.get("Renewal")):
            raise bad_request("Renewal is not supported by the test server")
        inputs = body.get("Input") or []
        values = input_values(inputs)
        request_type = values.get("cert_request_type", "pkcs10").lower()
        if request_type != "pkcs10":
            raise bad_request(f"Unsupported certificate request type: {request_type}")
        if not values.get("cert_request"):
            raise bad_request("Missing certificate request")
        csr = parse_csr(values["cert_request"])
        if not list(csr.subject) and not _subject_from_inputs(values):
            raise bad_request("Missing subject name")
        with self.store.transaction():
            request_id, record = self._new(
                "enrollment",
                "pending",
                profile=profile_id,
                cert_request_type="pkcs10",
                csr=csr.public_bytes(serialization.Encoding.PEM).decode(),
                inputs=inputs,
                values=values,
                remote_addr=req.client_address,
                owner="",
            )
            return formats.collection([self.info(req, request_id, record)])

    def get_request(self, req: Request, request_id: str) -> dict[str, Any]:
        rid = parse_id(request_id, "request ID")
        with self.store.lock:
            return self.info(req, rid, dict(self._get(rid)))

    # -- agent ---------------------------------------------------------------------------

    def list_requests(self, req: Request) -> dict[str, Any]:
        state = req.params.get("requestState")
        rtype = req.params.get("requestType")
        with self.store.lock:
            items = sorted(
                ((int(k), dict(v)) for k, v in self.store.table("ca_requests").items()),
                key=lambda item: item[0],
            )
        entries = [
            self.info(req, rid, rec)
            for rid, rec in items
            if (not state or rec["status"] == state) and (not rtype or rec["type"] == rtype)
        ]
        return formats.paged_collection(req, entries, "pageSize")

    def review(self, req: Request, request_id: str) -> dict[str, Any]:
        """CertReviewResponse with a fresh ``nonce`` (a string) kept in the session."""
        rid = parse_id(request_id, "request ID")
        with self.store.lock:
            record = dict(self._get(rid))
        nonce = req.ensure_session().add_nonce("cert-request", rid)
        profile = PROFILES.get(record.get("profile") or "")
        return {
            "ProfileID": record.get("profile"),
            "Renewal": False,
            "Input": record.get("inputs") or [],
            "Output": [],
            "nonce": str(nonce),
            "requestId": hex_id(rid),
            "requestType": record["type"],
            "requestStatus": record["status"],
            "requestOwner": record.get("owner") or "",
            "requestCreationTime": formats.java_date_ms(record["created"]),
            "requestModificationTime": formats.java_date_ms(record["modified"]),
            "requestNotes": record.get("notes") or "",
            "profileApprovedBy": "admin",
            "profileSetId": "serverCertSet",
            "profileIsVisible": True,
            "profileName": profile.name if profile else "",
            "profileDescription": profile.description if profile else "",
            "profileRemoteHost": record.get("remote_addr") or "",
            "profileRemoteAddr": record.get("remote_addr") or "",
            "ProfilePolicySet": [],
        }

    def _act(self, req: Request, request_id: str, op: str) -> Response:
        rid = parse_id(request_id, "request ID")
        body = req.json_object(required=False)
        with self.store.lock:
            self._get(rid)
        nonce = body.get("nonce", body.get("Nonce"))
        if nonce is None or nonce == "":
            raise bad_request("Missing nonce.")
        if req.session is None:
            raise bad_request("Missing nonce: no nonce was issued in this session.")
        req.session.check_nonce("cert-request", rid, nonce)
        with self.store.transaction():
            record = self._get(rid)
            if record["status"] != "pending":
                raise bad_request(f"Request {hex_id(rid)} is not in pending state")
            if op == "approve":
                record["cert_id"] = self._issue(req, rid, record)
                record["status"] = "complete"
            else:
                record["status"] = {"reject": "rejected", "cancel": "canceled"}[op]
            if body.get("requestNotes"):
                record["notes"] = str(body["requestNotes"])
            record["modified"] = formats.now_ms()
        return Response(204)

    def _issue(self, req: Request, rid: int, record: dict[str, Any]) -> int:
        """Sign a certificate for the request's CSR; returns the new serial."""
        profile = PROFILES[record["profile"]]
        csr = x509.load_pem_x509_csr(record["csr"].encode())
        values = record.get("values") or {}
        subject = csr.subject if list(csr.subject) else _subject_from_inputs(values)
        dns_names: list[str] = []
        ips: list[str] = []
        emails: list[str] = []
        try:
            san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            dns_names = list(san.get_values_for_type(x509.DNSName))
            ips = [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]
            emails = list(san.get_values_for_type(x509.RFC822Name))
        except x509.ExtensionNotFound:
            pass
        cns = subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if profile.cn_to_san and cns and not dns_names and not ips:
            cn = str(cns[0].value)
            if re.fullmatch(r"[A-Za-z0-9*]([A-Za-z0-9.*-]*[A-Za-z0-9])?", cn):
                dns_names = [cn]
        serial = self.store.next_id("serial")
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        cert = self.repo.ca.sign(
            subject,
            csr.public_key(),
            usages=profile.usages,
            dns_names=dns_names,
            ip_addresses=ips,
            emails=emails,
            not_before=now - datetime.timedelta(minutes=5),
            not_after=now + datetime.timedelta(days=profile.days),
            serial_number=serial,
        )
        self.repo.add(cert, req.principal or "agent", rid)
        return serial

    def approve(self, req: Request, request_id: str) -> Response:
        return self._act(req, request_id, "approve")

    def reject(self, req: Request, request_id: str) -> Response:
        return self._act(req, request_id, "reject")

    def cancel(self, req: Request, request_id: str) -> Response:
        return self._act(req, request_id, "cancel")

    def routes(self) -> list[Route]:
        rid = r"(?P<request_id>[^/]+)"
        return [
            route("GET", r"certrequests/profiles", self.list_profiles),
            route("GET", r"certrequests/profiles/(?P<profile_id>[^/]+)", self.get_profile),
            route("POST", r"certrequests", self.submit),
            route("GET", rf"certrequests/{rid}", self.get_request),
            route("GET", r"agent/certrequests", self.list_requests),
            route("GET", rf"agent/certrequests/{rid}", self.review),
            route("POST", rf"agent/certrequests/{rid}/approve", self.approve),
            route("POST", rf"agent/certrequests/{rid}/reject", self.reject),
            route("POST", rf"agent/certrequests/{rid}/cancel", self.cancel),
        ]


def _truthy(value: object) -> bool:
    return value is True or str(value).lower() == "true"


def _subject_from_inputs(values: dict[str, str]) -> x509.Name:
    attrs = [
        x509.NameAttribute(oid, values[name]) for name, oid in _SUBJECT_INPUTS if values.get(name)
    ]
    return x509.Name(attrs)
