"""CA certificate resources: list, search, get, agent get with nonce, revoke, hold, unrevoke.

Also the CA's small read-only resources (info, signing/transport certificates).
``CertRepository`` is the shared view of the ``certs`` table that ``ca_requests`` issues into.
"""

from __future__ import annotations

import fnmatch
import threading
from typing import Any, Callable

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pki.testing.certs import CA
from pki.testing.dogtag import formats
from pki.testing.dogtag.errors import bad_request, not_found
from pki.testing.dogtag.formats import HOLD, REASONS, hex_id, parse_id
from pki.testing.dogtag.http import Request, Route, route
from pki.testing.dogtag.store import Store

CERT_NOT_FOUND = "cert.CertNotFoundException"


class CertRepository:
    """Stored certificates (``certs`` table) with a parsed-certificate cache."""

    def __init__(self, store: Store, ca: CA) -> None:
        self.store = store
        self.ca = ca
        self._cache: dict[int, x509.Certificate] = {}
        self._cache_lock = threading.Lock()
        # the issuing CA's chain of a certificate; lightweight CAs install theirs
        self.issuer_chain: Callable[[x509.Certificate], list[x509.Certificate]] = lambda cert: [
            self.ca.cert
        ]

    def add(self, cert: x509.Certificate, issued_by: str, request_id: int | None = None) -> None:
        """Record an issued certificate (call inside a store transaction)."""
        pem = cert.public_bytes(serialization.Encoding.PEM).decode()
        self.store.table("certs")[str(cert.serial_number)] = {
            "pem": pem,
            "issued_on": formats.now_ms(),
            "issued_by": issued_by,
            "request_id": request_id,
        }

    def cert(self, serial: int, record: dict[str, Any]) -> x509.Certificate:
        with self._cache_lock:
            cert = self._cache.get(serial)
        if cert is None:
            cert = x509.load_pem_x509_certificate(record["pem"].encode())
            with self._cache_lock:
                self._cache[serial] = cert
        return cert

    def get(self, serial: int) -> dict[str, Any]:
        """The record of ``serial``; 404 CertNotFoundException if unknown."""
        record = self.store.table("certs").get(str(serial))
        if record is None:
            raise not_found(
                f"Certificate ID {hex_id(serial)} not found",
                CERT_NOT_FOUND,
                {"certId": str(serial)},
            )
        return record  # type: ignore[no-any-return]

    def all(self) -> list[tuple[int, dict[str, Any], x509.Certificate]]:
        """Every certificate, by ascending serial (a snapshot taken under the lock)."""
        with self.store.lock:
            items = [(int(k), dict(v)) for k, v in self.store.table("certs").items()]
        items.sort(key=lambda item: item[0])
        return [(serial, rec, self.cert(serial, rec)) for serial, rec in items]

    def chain(self, cert: x509.Certificate) -> list[x509.Certificate]:
        """The CA certificates above ``cert`` (its issuer first)."""
        return self.issuer_chain(cert)

    def is_revoked(self, cert: x509.Certificate) -> bool:
        """Is ``cert`` one of ours and revoked (on hold included)? For client-cert logins."""
        with self.store.lock:
            record = self.store.table("certs").get(str(cert.serial_number))
            if record is None or record.get("revoked_on") is None:
                return False
            return self.cert(cert.serial_number, record) == cert


def _flag(value: object) -> bool:
    return value is True or str(value).lower() in ("true", "on", "1", "yes")


def _ms(value: object) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(str(value))
    except ValueError:
        raise bad_request(f"Invalid date (epoch milliseconds expected): {value}") from None


def _in_range(value: int | None, low: object, high: object) -> bool:
    lo, hi = _ms(low), _ms(high)
    if value is None:
        return lo is None and hi is None
    return (lo is None or value >= lo) and (hi is None or value <= hi)


_SUBJECT_FIELDS = (
    ("commonName", NameOID.COMMON_NAME),
    ("email", NameOID.EMAIL_ADDRESS),
    ("eMail", NameOID.EMAIL_ADDRESS),
    ("userID", NameOID.USER_ID),
    ("orgUnit", NameOID.ORGANIZATIONAL_UNIT_NAME),
    ("org", NameOID.ORGANIZATION_NAME),
    ("locality", NameOID.LOCALITY_NAME),
    ("state", NameOID.STATE_OR_PROVINCE_NAME),
    ("country", NameOID.COUNTRY_NAME),
)

_CERT_TYPES = {
    "certTypeSSLClient": ExtendedKeyUsageOID.CLIENT_AUTH,
    "certTypeSSLServer": ExtendedKeyUsageOID.SERVER_AUTH,
    "certTypeSecureEmail": ExtendedKeyUsageOID.EMAIL_PROTECTION,
}


def _text_match(pattern: str, values: list[str], exact: bool) -> bool:
    pattern = pattern.lower()
    for value in values:
        value = value.lower()
        if exact and value == pattern:
            return True
        if not exact and fnmatch.fnmatchcase(value, f"*{pattern}*"):
            return True
    return False


def matches(criteria: dict[str, Any], record: dict[str, Any], cert: x509.Certificate) -> bool:
    """Does a certificate satisfy a CertSearchRequest? Unknown flags are ignored."""
    c = criteria
    serial = cert.serial_number
    if _flag(c.get("serialNumberRangeInUse")):
        if c.get("serialFrom") not in (None, "") and serial < parse_id(c["serialFrom"], "serial"):
            return False
        if c.get("serialTo") not in (None, "") and serial > parse_id(c["serialTo"], "serial"):
            return False
    if _flag(c.get("subjectInUse")):
        exact = _flag(c.get("matchExactly"))
        for name, oid in _SUBJECT_FIELDS:
            wanted = c.get(name)
            if wanted:
                values = [str(a.value) for a in cert.subject.get_attributes_for_oid(oid)]
                if not _text_match(str(wanted), values, exact):
                    return False
    status = formats.cert_status(record, cert)
    if c.get("status") and str(c["status"]).upper() != status:
        return False
    if (
        c.get("issuerDN")
        and str(c["issuerDN"]).replace(", ", ",").lower() != formats.dn(cert.issuer).lower()
    ):
        return False
    if _flag(c.get("revokedByInUse")) and c.get("revokedBy"):
        if str(record.get("revoked_by") or "").lower() != str(c["revokedBy"]).lower():
            return False
    if _flag(c.get("revokedOnInUse")):
        if not _in_range(record.get("revoked_on"), c.get("revokedOnFrom"), c.get("revokedOnTo")):
            return False
    if _flag(c.get("revocationReasonInUse")) and c.get("revocationReason") not in (None, ""):
        wanted_reasons = set()
        for item in str(c["revocationReason"]).split(","):
            item = item.strip()
            wanted_reasons.add(REASONS.get(item.lower(), int(item) if item.isdigit() else -1))
        if record.get("reason") not in wanted_reasons:
            return False
    if _flag(c.get("issuedByInUse")) and c.get("issuedBy"):
        if str(record.get("issued_by") or "").lower() != str(c["issuedBy"]).lower():
            return False
    if _flag(c.get("issuedOnInUse")):
        if not _in_range(record.get("issued_on"), c.get("issuedOnFrom"), c.get("issuedOnTo")):
            return False
    if _flag(c.get("validNotBeforeInUse")):
        value = formats.to_ms(formats.not_before(cert))
        if not _in_range(value, c.get("validNotBeforeFrom"), c.get("validNotBeforeTo")):
            return False
    if _flag(c.get("validNotAfterInUse")):
        value = formats.to_ms(formats.not_after(cert))
        if not _in_range(value, c.get("validNotAfterFrom"), c.get("validNotAfterTo")):
            return False
    if _flag(c.get("validityLengthInUse")) and c.get("validityCount") not in (None, ""):
        unit_ms = {"day": 86400000, "week": 604800000, "month": 2592000000, "year": 31536000000}
        limit = int(c["validityCount"]) * unit_ms.get(str(c.get("validityUnit", "day")), 86400000)
        length = formats.to_ms(formats.not_after(cert)) - formats.to_ms(formats.not_before(cert))
        op = str(c.get("validityOperation") or "<=")
        if (op == "<=" and length > limit) or (op == ">=" and length < limit):
            return False
    if _flag(c.get("certTypeInUse")):
        try:
            ekus = set(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
        except x509.ExtensionNotFound:
            ekus = set()
        for name, oid in _CERT_TYPES.items():
            if str(c.get(name) or "").lower() == "on" and oid not in ekus:
                return False
    return True


class CACertResources:
    """The ``/ca/<api>/certs``, ``agent/certs``, ``config/cert`` and ``info`` resources."""

    def __init__(
        self,
        repo: CertRepository,
        transport_cert: x509.Certificate,
        record_request: Callable[[Request, str, int | None], dict[str, Any]],
    ) -> None:
        self.repo = repo
        self.transport_cert = transport_cert
        # makes a completed revocation/unrevocation request and returns its CertRequestInfo
        self.record_request = record_request

    # -- anonymous -----------------------------------------------------------------------

    def info(self, req: Request) -> dict[str, Any]:
        return {"ArchivalMechanism": "encrypt", "WrappingKeySet": "1"}

    def list_certs(self, req: Request) -> dict[str, Any]:
        status = req.params.get("status")
        max_results = req.int_param("maxResults", 20)
        entries = [
            formats.cert_data_info(rec, cert)
            for _, rec, cert in self.repo.all()
            if not status or formats.cert_status(rec, cert) == status.upper()
        ]
        if max_results > 0:
            entries = entries[:max_results]
        start, size = req.int_param("start", 0), req.int_param("size", 20)
        return formats.collection(formats.page(entries, start, size), len(entries))

    def search(self, req: Request) -> dict[str, Any]:
        criteria = req.json_object(required=False)
        entries = [
            formats.cert_data_info(rec, cert)
            for _, rec, cert in self.repo.all()
            if matches(criteria, rec, cert)
        ]
        start, size = req.int_param("start", 0), req.int_param("size", 20)
        return formats.collection(formats.page(entries, start, size), len(entries))

    def _cert_data(self, serial: int) -> dict[str, Any]:
        with self.repo.store.lock:
            record = dict(self.repo.get(serial))
        cert = self.repo.cert(serial, record)
        return formats.cert_data(record, cert, self.repo.chain(cert))

    def get_cert(self, req: Request, cert_id: str) -> dict[str, Any]:
        return self._cert_data(parse_id(cert_id, "certificate ID"))

    def _system_cert(self, cert: x509.Certificate) -> dict[str, Any]:
        serial = cert.serial_number
        if str(serial) in self.repo.store.table("certs"):
            return self._cert_data(serial)
        return formats.cert_data({}, cert, self.repo.chain(cert))

    def signing_cert(self, req: Request) -> dict[str, Any]:
        return formats.cert_data({}, self.repo.ca.cert, [])

    def transport_cert_data(self, req: Request) -> dict[str, Any]:
        return self._system_cert(self.transport_cert)

    # -- agent ---------------------------------------------------------------------------

    def agent_get_cert(self, req: Request, cert_id: str) -> dict[str, Any]:
        serial = parse_id(cert_id, "certificate ID")
        data = self._cert_data(serial)
        data["Nonce"] = req.ensure_session().add_nonce("cert-revoke", serial)
        return data

    def revoke(self, req: Request, cert_id: str) -> dict[str, Any]:
        serial = parse_id(cert_id, "certificate ID")
        body = req.json_object(required=False)
        self.repo.get(serial)
        label = body.get("Reason", body.get("reason")) or "Unspecified"
        if isinstance(label, int) or str(label).isdigit():
            reason = int(label)
        else:
            reason = REASONS.get(str(label).lower(), 0)
        if reason not in REASONS.values():
            raise bad_request(f"Invalid revocation reason: {label}")
        if reason == REASONS["remove_from_crl"]:
            # AgentCertServlet/AgentCertService.revokeCert: Remove_from_CRL is an unrevocation
            # (taken before the nonce is checked)
            return self.unrevoke(req, cert_id)
        nonce = body.get("Nonce", body.get("nonce"))
        if nonce is None or nonce == "":
            raise bad_request("Missing nonce.")
        if req.session is None:
            raise bad_request("Missing nonce: no nonce was issued in this session.")
        req.session.check_nonce("cert-revoke", serial, nonce)
        with self.repo.store.transaction():
            record = self.repo.get(serial)
            if record.get("revoked_on") is not None:
                raise bad_request(f"certificate #{serial:x} has already been revoked")
            record["revoked_on"] = formats.now_ms()
            record["revoked_by"] = req.principal
            record["reason"] = reason
            if body.get("Comments"):
                record["comments"] = str(body["Comments"])
            return self.record_request(req, "revocation", serial)

    def unrevoke(self, req: Request, cert_id: str) -> dict[str, Any]:
        serial = parse_id(cert_id, "certificate ID")
        with self.repo.store.transaction():
            record = self.repo.get(serial)
            if record.get("revoked_on") is None:
                raise bad_request(f"certificate #{serial:x} is not revoked")
            if record.get("reason") != HOLD:
                raise bad_request(f"certificate #{serial:x} is not on hold")
            for name in ("revoked_on", "revoked_by", "reason", "comments"):
                record.pop(name, None)
            return self.record_request(req, "unrevocation", serial)

    def routes(self) -> list[Route]:
        cid = r"(?P<cert_id>[^/]+)"
        return [
            route("GET", r"info", self.info),
            route("GET", r"certs", self.list_certs),
            route("POST", r"certs/search", self.search),
            route("GET", rf"certs/{cid}", self.get_cert),
            route("GET", rf"agent/certs/{cid}", self.agent_get_cert, "certs"),
            route("POST", rf"agent/certs/{cid}/revoke", self.revoke, "certs"),
            route("POST", rf"agent/certs/{cid}/revoke-ca", self.revoke, "certs"),
            route("POST", rf"agent/certs/{cid}/unrevoke", self.unrevoke, "certs"),
            route("GET", r"config/cert/signing", self.signing_cert),
            route("GET", r"config/cert/transport", self.transport_cert_data),
        ]
