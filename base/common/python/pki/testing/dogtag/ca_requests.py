"""CA certificate requests: enrolment templates, submission, agent review and approval.

A submission names a profile that must exist and be enabled (else 400 "Bad request data");
``issuer-id`` or ``issuer-dn`` picks the lightweight CA that signs (unknown → 404, disabled →
409, both → 400). The profile's policies (``policies``) run at submission: a failed
constraint rejects the request there. Profiles with an agent authenticator
(``auth.instance_id=AgentCertAuth`` or ``raCertAuth``) authenticate the submitter's TLS client
certificate themselves (member of the authenticator's agent group, not revoked) and issue at
once; a missing or unqualified certificate is 401 "Authentication failed". Other profiles
leave the request pending for an agent's approval, which signs the certificate the
profile planned, dated from the submission. Request records live in the store's
``ca_requests`` table.
"""

from __future__ import annotations

import base64
import datetime
import re
import uuid
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from pki.testing.dogtag import formats
from pki.testing.dogtag.authorities import Authority, AuthorityRegistry
from pki.testing.dogtag.ca_certs import CertRepository
from pki.testing.dogtag.errors import DogtagError, bad_request, conflict, not_found, unauthorized
from pki.testing.dogtag.formats import hex_id, parse_id
from pki.testing.dogtag.http import Request, Response, Route, route
from pki.testing.dogtag.policies import Plan, Rejected, plan_certificate
from pki.testing.dogtag.profiles import AGENT_AUTHENTICATORS, Profile, ProfileStore
from pki.testing.dogtag.security import Authenticator

REQUEST_NOT_FOUND = "request.RequestNotFoundException"


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


def _bad_data(message: str) -> DogtagError:
    return bad_request(f"Bad request data: {message}")


class CARequestResources:
    """``certrequests``, ``certrequests/profiles`` and ``agent/certrequests``."""

    def __init__(
        self,
        repo: CertRepository,
        profiles: ProfileStore,
        authorities: AuthorityRegistry,
        authenticator: Authenticator,
    ) -> None:
        self.repo = repo
        self.store = repo.store
        self.profiles = profiles
        self.authorities = authorities
        self.authenticator = authenticator

    # -- records -------------------------------------------------------------------------

    def _get(self, request_id: int) -> dict[str, Any]:
        record = self.store.table("ca_requests").get(str(request_id))
        if record is None:
            raise not_found(
                f"Request ID {hex_id(request_id)} not found",
                REQUEST_NOT_FOUND,
                {"requestId": str(request_id)},
            )
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
            "operationResult": "error" if record.get("failed") else "success",
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

    # -- enrolment templates (anonymous) -----------------------------------------------

    def list_profiles(self, req: Request) -> dict[str, Any]:
        """The visible profiles; v1 entries carry the ``profiles/<id>`` URL."""
        with self.store.lock:
            profiles = [self.profiles.get(pid) for pid in self.profiles.ids()]
        entries = []
        for profile in profiles:
            if not profile.visible:
                continue
            url = req.url(f"profiles/{profile.profile_id}") if req.v1 else None
            entry = profile.info(url or "")
            if not url:
                entry.pop("profileURL")
            entries.append(entry)
        start, size = req.int_param("start", 0), req.int_param("size", 20)
        return formats.collection(formats.page(entries, start, size), len(entries))

    def get_profile(self, req: Request, profile_id: str) -> dict[str, Any]:
        """The template of any profile, hidden ones included (400 if it does not exist)."""
        with self.store.lock:
            profile = self.profiles.find(profile_id)
        if profile is None:
            raise bad_request(
                f"Unable to get enrollment template for {profile_id}: Profile not found"
            )
        return profile.template()

    # -- submission ----------------------------------------------------------------------

    def _issuer(self, req: Request) -> Authority:
        issuer_id, issuer_dn = req.params.get("issuer-id"), req.params.get("issuer-dn")
        if issuer_id is not None and issuer_dn is not None:
            raise bad_request("Cannot provide both issuer ID and issuer DN")
        authority: Authority | None = self.authorities.host
        label = self.authorities.host.aid
        if issuer_id is not None:
            try:
                label = str(uuid.UUID(issuer_id))
            except ValueError:
                raise bad_request(f"Invalid authority ID: {issuer_id}") from None
            authority = self.authorities.get(label)
            if authority is None:
                raise not_found(f"CA not found: {issuer_id}")
        if issuer_dn is not None:
            try:
                name = formats.parse_dn(issuer_dn)
            except ValueError:
                raise bad_request(f"Invalid DN: {issuer_dn}") from None
            authority = self.authorities.by_dn(name)
            if authority is None:
                raise not_found(f"CA not found: {issuer_dn}")
            label = authority.aid
        assert authority is not None
        if not authority.enabled:
            raise conflict(f"CA not enabled: {label}")
        return authority

    def _agent(self, req: Request, profile: Profile) -> str | None:
        """The submitting agent's user ID for an agent-authenticated profile (401 if none)."""
        authenticator = profile.authenticator
        if authenticator is None:
            return None
        group = AGENT_AUTHENTICATORS.get(authenticator)
        if group is None:
            raise unauthorized(f"Authentication failed: unknown authenticator {authenticator}")
        account = (
            self.authenticator.from_certificate("ca", req.peer_cert)
            if req.peer_cert is not None
            else None
        )
        if account is None:
            raise unauthorized("Authentication failed: Invalid Credential.")
        if group not in account.roles:
            raise unauthorized("Authentication failed: Authorization Error")
        return account.user_id

    def submit(self, req: Request) -> dict[str, Any]:
        body = req.json_object()
        issuer = self._issuer(req)
        profile_id = body.get("ProfileID") or body.get("profileId")
        if not profile_id:
            raise _bad_data("Missing profile ID")
        with self.store.lock:
            profile = self.profiles.find(str(profile_id))
        if profile is None:
            raise _bad_data(f"Profile {profile_id} Not Found")
        if not profile.enabled:
            raise _bad_data(f"Profile {profile_id} not enabled")
        if _truthy(body.get("Renewal")):
            raise bad_request("Renewal is not supported by the test server")
        agent = self._agent(req, profile)
        inputs = body.get("Input") or []
        values = input_values(inputs)
        request_type = values.get("cert_request_type", "pkcs10").lower()
        if request_type != "pkcs10":
            raise bad_request(f"Unsupported certificate request type: {request_type}")
        if not values.get("cert_request"):
            raise bad_request("Missing certificate request")
        csr = parse_csr(values["cert_request"])
        submitted = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        try:
            plan: Plan | None = plan_certificate(profile, csr, values, issuer.ca, submitted)
            error = None
        except Rejected as e:
            plan, error = None, str(e)
        with self.store.transaction():
            request_id, record = self._new(
                "enrollment",
                "pending" if error is None else "rejected",
                profile=profile.profile_id,
                cert_request_type="pkcs10",
                csr=csr.public_bytes(serialization.Encoding.PEM).decode(),
                inputs=inputs,
                values=values,
                remote_addr=req.client_address,
                owner=agent or "",
                issuer_id=issuer.aid,
                submitted=submitted.isoformat(),
            )
            if error is not None:
                record["error"] = error
            elif agent is not None and plan is not None:
                record["cert_id"] = self._sign(plan, issuer, agent, request_id)
                record["status"] = "complete"
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
        with self.store.lock:
            profile = self.profiles.find(record.get("profile") or "")
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

    def _sign(self, plan: Plan, issuer: Authority, issued_by: str, rid: int) -> int:
        serial = self.store.next_id("serial")
        cert = plan.sign(issuer.ca, serial)
        self.repo.add(cert, issued_by, rid)
        return serial

    def _issue(self, req: Request, rid: int, record: dict[str, Any]) -> int:
        """Sign the certificate the request's profile plans; returns the new serial."""
        issuer_id = record.get("issuer_id") or self.authorities.host.aid
        issuer = self.authorities.get(issuer_id)
        if issuer is None:
            raise DogtagError(410, "base.HTTPGoneException", f"CA {issuer_id} has been deleted")
        if not issuer.enabled:
            raise conflict(f"CA not enabled: {issuer_id}")
        profile = self.profiles.find(record["profile"])
        if profile is None:
            raise bad_request(f"Profile {record['profile']} not found")
        csr = x509.load_pem_x509_csr(record["csr"].encode())
        submitted = (
            datetime.datetime.fromisoformat(record["submitted"])
            if record.get("submitted")
            else datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        )
        try:
            plan = plan_certificate(profile, csr, record.get("values") or {}, issuer.ca, submitted)
        except Rejected as e:
            raise bad_request(f"Request rejected: {e}") from None
        return self._sign(plan, issuer, req.principal or "agent", rid)

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
            route("GET", r"agent/certrequests", self.list_requests, "certrequests"),
            route("GET", rf"agent/certrequests/{rid}", self.review, "certrequests"),
            route("POST", rf"agent/certrequests/{rid}/approve", self.approve, "certrequests"),
            route("POST", rf"agent/certrequests/{rid}/reject", self.reject, "certrequests"),
            route("POST", rf"agent/certrequests/{rid}/cancel", self.cancel, "certrequests"),
        ]


def _truthy(value: object) -> bool:
    return value is True or str(value).lower() == "true"
