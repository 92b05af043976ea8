"""Lightweight CAs: the host CA and sub-CAs, and the ``/ca/<api>/authorities`` resource.

A sub-CA has its own RSA key and a CA certificate that its parent signs through the
``caCACert`` profile (so that profile's policies, and its being enabled, decide the
certificate). The certificate is recorded as issued, like any other; the key is kept private
to the state directory, in ``DIR/authorities/<id>-key.pem`` (mode 0600, like the host CA's
key). Records live in the store's ``authorities`` table; the host CA is not stored there.

Rules as Dogtag's ``AuthorityRepository``/``CAEngine``/``AuthorityServlet`` have them:
``host-authority`` is an alias for GET (``{id}``, ``/cert``, ``/chain``) and as ``parentID``,
but not for PUT, enable, disable, renew or delete (400 "Bad AuthorityID"). Create: bad or
missing ``parentID`` → 400, unknown parent → 404, DN in use → 409, disabled parent → 409, a
``caCACert`` failure → 400; v1 answers 200, v2 201 with ``Location``. Disabling or deleting
the host CA → 403; deleting an enabled CA or one with sub-CAs → 409; a deleted CA's
certificate is revoked (reason unspecified) and its key removed. ``GET`` lists are bare JSON
arrays filtered by ``dn`` and ``issuerDN``; ``id`` is honoured only together with
``parentID`` and, as coded upstream, ``id`` alone fails with a 500.

Certificate and chain negotiation: v2 serves PEM when ``Accept`` contains
``application/x-pem-file`` (with the extra newline ``println`` adds), DER (certificate:
``application/pkix-cert``, chain: ``application/pkcs7-mime``) when ``Accept`` is missing,
``*/*`` or contains that type, and otherwise 406 ``RequestNotAcceptable``. v1 picks between
its two ``@Produces`` methods the same way, and answers an unmatched ``Accept`` with a bare
406 (JAX-RS's own NotAcceptable, not a PKIException).
"""

from __future__ import annotations

import base64
import datetime
import logging
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from pki.testing.certs import CA, generate_key
from pki.testing.dogtag import formats
from pki.testing.dogtag.bootstrap import key_pem, write_file
from pki.testing.dogtag.ca_certs import CertRepository
from pki.testing.dogtag.errors import (
    DogtagError,
    bad_request,
    conflict,
    forbidden,
    not_acceptable,
    not_found,
)
from pki.testing.dogtag.http import Request, Response, Route, html_response, json_response, route
from pki.testing.dogtag.policies import Rejected, plan_certificate
from pki.testing.dogtag.profiles import CA_SIGNING_PROFILE, ProfileStore

logger = logging.getLogger(__name__)

HOST_AUTHORITY = "host-authority"
AUTHORITY_DIR = "authorities"
PEM_TYPE = "application/x-pem-file"
DER_CERT_TYPE = "application/pkix-cert"
PKCS7_TYPE = "application/pkcs7-mime"


@dataclass
class Authority:
    """One CA: its ID, signing key and certificate, parent and state."""

    aid: str
    ca: CA
    parent_id: str | None
    description: str | None
    enabled: bool

    @property
    def is_host(self) -> bool:
        return self.parent_id is None

    def data(self) -> dict[str, Any]:
        """``AuthorityData`` JSON (nulls omitted)."""
        cert = self.ca.cert
        data = {
            "id": self.aid,
            "parentID": self.parent_id,
            "dn": formats.dn(cert.subject),
            "issuerDN": formats.dn(cert.issuer),
            "serial": cert.serial_number,
            "enabled": self.enabled,
            "description": self.description,
            "ready": True,
            "isHostAuthority": self.is_host,
        }
        return {k: v for k, v in data.items() if v is not None}


def _parse_aid(text: str | None, message: str = "Bad AuthorityID") -> str:
    try:
        return str(uuid.UUID(str(text)))
    except ValueError:
        raise bad_request(f"{message}: {text}") from None


class AuthorityRegistry:
    """The host CA and its lightweight sub-CAs (records in the store, keys in DIR)."""

    def __init__(
        self,
        repo: CertRepository,
        profiles: ProfileStore,
        state_dir: Path,
    ) -> None:
        self.repo = repo
        self.store = repo.store
        self.profiles = profiles
        self.key_dir = state_dir / AUTHORITY_DIR
        self.table: dict[str, Any] = self.store.table("authorities")
        self.host = Authority(
            self.store.data["authority_id"],
            repo.ca,
            None,
            self.store.data.setdefault("host_authority_description", "Host authority"),
            True,
        )
        self._cache: dict[str, CA] = {}
        self._lock = threading.Lock()

    # -- lookups ---------------------------------------------------------------------------

    def _ca(self, aid: str, record: dict[str, Any]) -> CA:
        with self._lock:
            ca = self._cache.get(aid)
        if ca is None:
            parent = self.get(record["parent_id"])
            key = (self.key_dir / f"{aid}-key.pem").read_bytes()
            ca = CA.from_pem(record["cert_pem"].encode(), key, parent.ca if parent else None)
            with self._lock:
                self._cache[aid] = ca
        return ca

    def get(self, aid: str | None) -> Authority | None:
        """The authority with this ID (the host CA included), or None."""
        if aid is None:
            return None
        if aid == self.host.aid:
            return self.host
        record = self.table.get(aid)
        if record is None:
            return None
        return Authority(
            aid,
            self._ca(aid, record),
            record["parent_id"],
            record.get("description"),
            bool(record["enabled"]),
        )

    def all(self) -> list[Authority]:
        """The host CA first, then the sub-CAs in creation order."""
        subs = [self.get(aid) for aid in self.table]
        return [self.host, *(a for a in subs if a is not None)]

    def by_dn(self, name: x509.Name) -> Authority | None:
        for authority in self.all():
            if formats.same_dn(authority.ca.cert.subject, name):
                return authority
        return None

    def issuer_chain(self, cert: x509.Certificate) -> list[x509.Certificate]:
        """The chain of the CA that issued ``cert`` (for ``PKCS7CertChain``)."""
        for authority in self.all():
            if formats.same_dn(authority.ca.cert.subject, cert.issuer):
                return list(authority.ca.chain)
        return [self.repo.ca.cert]

    # -- changes (inside a store transaction) ----------------------------------------------

    def _sign(
        self, parent: Authority, subject: x509.Name, key: Any, issued_by: str
    ) -> x509.Certificate:
        profile = self.profiles.find(CA_SIGNING_PROFILE)
        if profile is None or not profile.enabled:
            raise bad_request(
                f"Unable to generate signing certificate: Profile {CA_SIGNING_PROFILE} not enabled"
            )
        csr = (
            x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
        )
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        try:
            plan = plan_certificate(profile, csr, {}, parent.ca, now)
        except Rejected as e:
            raise bad_request(f"Unable to generate signing certificate: rejected: {e}") from None
        serial = self.store.next_id("serial")
        cert = plan.sign(parent.ca, serial)
        self.repo.add(cert, issued_by)
        return cert

    def create(
        self, parent_text: str | None, dn_text: object, description: str | None, issued_by: str
    ) -> Authority:
        if parent_text == HOST_AUTHORITY:
            parent_aid = self.host.aid
        else:
            parent_aid = _parse_aid(parent_text, "Bad Authority ID")
        parent = self.get(parent_aid)
        if parent is None:
            raise not_found(f'Parent CA "{parent_aid}" does not exist')
        if not parent.enabled:
            raise conflict("Authority is disabled")
        try:
            subject = formats.parse_dn(str(dn_text)) if dn_text else None
        except ValueError as e:
            raise DogtagError(500, "base.PKIException", f"Error creating CA: {e}") from None
        if subject is None:
            raise bad_request("Missing DN")
        if self.by_dn(subject) is not None:
            raise conflict(f"DN '{formats.dn(subject)}' is used by an existing authority")
        key = generate_key("rsa")
        cert = self._sign(parent, subject, key, issued_by)
        aid = str(uuid.uuid4())
        self.key_dir.mkdir(mode=0o700, exist_ok=True)
        write_file(self.key_dir / f"{aid}-key.pem", key_pem(key), 0o600)
        self.table[aid] = {
            "parent_id": parent.aid,
            "description": description,
            "enabled": True,
            "cert_pem": cert.public_bytes(serialization.Encoding.PEM).decode(),
        }
        logger.info("created lightweight CA %s (%s) under %s", aid, formats.dn(subject), parent.aid)
        result = self.get(aid)
        assert result is not None
        return result

    def _modifiable(self, aid_text: str) -> Authority:
        authority = self.get(_parse_aid(aid_text))
        if authority is None:
            raise not_found(f'CA "{aid_text}" not found')
        return authority

    def modify(self, aid_text: str, enabled: object, description: object) -> Authority:
        authority = self._modifiable(aid_text)
        if authority.is_host:
            if enabled is False:
                raise forbidden("Cannot disable the host CA")
            if description is not None:
                self.host.description = str(description) or None
                self.store.data["host_authority_description"] = self.host.description
            return self.host
        record = self.table[authority.aid]
        if isinstance(enabled, bool):
            record["enabled"] = enabled
        if description is not None:
            record["description"] = str(description) or None
        result = self.get(authority.aid)
        assert result is not None
        return result

    def renew(self, aid_text: str, issued_by: str) -> None:
        authority = self._modifiable(aid_text)
        if not authority.enabled:
            raise conflict("Authority is disabled")
        if authority.is_host:
            raise bad_request("Renewing the host CA is not supported by the test server")
        parent = self.get(authority.parent_id)
        assert parent is not None
        cert = self._sign(parent, authority.ca.cert.subject, authority.ca.key, issued_by)
        self.table[authority.aid]["cert_pem"] = cert.public_bytes(
            serialization.Encoding.PEM
        ).decode()
        with self._lock:
            self._cache.pop(authority.aid, None)

    def delete(self, aid_text: str, revoked_by: str) -> None:
        authority = self._modifiable(aid_text)
        if authority.is_host:
            raise forbidden("Cannot delete the host CA")
        if authority.enabled:
            raise conflict("Must disable CA before deletion")
        if any(r["parent_id"] == authority.aid for r in self.table.values()):
            raise conflict("CA with sub-CAs cannot be deleted (delete sub-CAs first)")
        record = self.repo.store.table("certs").get(str(authority.ca.cert.serial_number))
        if record is not None and record.get("revoked_on") is None:
            record["revoked_on"] = formats.now_ms()
            record["revoked_by"] = revoked_by
            record["reason"] = 0
        del self.table[authority.aid]
        (self.key_dir / f"{authority.aid}-key.pem").unlink(missing_ok=True)
        with self._lock:
            self._cache.pop(authority.aid, None)


def _lookup(registry: AuthorityRegistry, aid_text: str) -> Authority:
    """A GET's authority: ``host-authority`` or a UUID (400 otherwise), 404 if unknown."""
    aid = registry.host.aid if aid_text == HOST_AUTHORITY else _parse_aid(aid_text)
    authority = registry.get(aid)
    if authority is None:
        raise not_found(f'CA "{aid_text}" not found')
    return authority


def _pem(label: str, der: bytes) -> bytes:
    """PEM as Dogtag's ``toPem`` writes it: 64-character base64 lines."""
    body = base64.b64encode(der).decode()
    lines = "".join(body[i : i + 64] + "\n" for i in range(0, len(body), 64))
    return f"-----BEGIN {label}-----\n{lines}-----END {label}-----\n".encode()


class AuthorityResources:
    """``/ca/<api>/authorities``."""

    def __init__(self, registry: AuthorityRegistry) -> None:
        self.registry = registry
        self.store = registry.store

    def list_all(self, req: Request) -> Response:
        params = req.params
        if params.get("id") is not None and params.get("parentID") is None:
            # AuthorityRepository.findCAs builds the parent ID from null when id is given
            return html_response(500, "Internal Server Error")
        wanted_id = _parse_aid(params["id"], "Invalid authority ID") if params.get("id") else None
        parent = _parse_aid(params["parentID"], "Invalid authority ID") if wanted_id else None
        try:
            wanted_dn = formats.parse_dn(params["dn"]) if params.get("dn") else None
            issuer_dn = formats.parse_dn(params["issuerDN"]) if params.get("issuerDN") else None
        except ValueError as e:
            raise bad_request(str(e)) from None
        with self.store.lock:
            result = []
            for authority in self.registry.all():
                cert = authority.ca.cert
                if wanted_id and (authority.aid != wanted_id or authority.parent_id != parent):
                    continue
                if wanted_dn is not None and not formats.same_dn(cert.subject, wanted_dn):
                    continue
                if issuer_dn is not None and (
                    authority.is_host or not formats.same_dn(cert.issuer, issuer_dn)
                ):
                    continue
                result.append(authority.data())
        return json_response(result)

    def get(self, req: Request, aid: str) -> dict[str, Any]:
        with self.store.lock:
            return _lookup(self.registry, aid).data()

    def _negotiated(self, req: Request, aid: str, chain: bool) -> Response:
        der_type = PKCS7_TYPE if chain else DER_CERT_TYPE
        accept = req.headers.get("Accept") or "*/*"
        with self.store.lock:
            authority = _lookup(self.registry, aid)
        if chain:
            der = pkcs7.serialize_certificates(authority.ca.chain, serialization.Encoding.DER)
        else:
            der = authority.ca.cert.public_bytes(serialization.Encoding.DER)
        if PEM_TYPE in accept:
            body = _pem("PKCS7" if chain else "CERTIFICATE", der)
            return Response(200, body + (b"\n" if req.api == "v2" else b""), PEM_TYPE)
        if accept.strip() == "*/*" or der_type in accept:
            return Response(200, der, der_type)
        if req.api == "v2":
            raise not_acceptable(f"Certificate format not supported: {accept}")
        return Response(406)

    def cert(self, req: Request, aid: str) -> Response:
        return self._negotiated(req, aid, chain=False)

    def chain(self, req: Request, aid: str) -> Response:
        return self._negotiated(req, aid, chain=True)

    def create(self, req: Request) -> Response:
        body = req.json_object()
        with self.store.transaction():
            authority = self.registry.create(
                body.get("parentID"), body.get("dn"), body.get("description"), req.principal or ""
            )
            data = authority.data()
        if req.api == "v2":
            return json_response(data, 201, [("Location", f"{req.request_url}/{authority.aid}")])
        return json_response(data)

    def modify(self, req: Request, aid: str) -> dict[str, Any]:
        body = req.json_object()
        enabled = body.get("enabled")
        with self.store.transaction():
            return self.registry.modify(aid, enabled, body.get("description")).data()

    def _set_enabled(self, aid: str, enabled: bool) -> dict[str, Any]:
        with self.store.transaction():
            return self.registry.modify(aid, enabled, None).data()

    def enable(self, req: Request, aid: str) -> dict[str, Any]:
        return self._set_enabled(aid, True)

    def disable(self, req: Request, aid: str) -> dict[str, Any]:
        return self._set_enabled(aid, False)

    def renew(self, req: Request, aid: str) -> Response:
        with self.store.transaction():
            self.registry.renew(aid, req.principal or "")
        return Response(204)

    def delete(self, req: Request, aid: str) -> Response:
        with self.store.transaction():
            self.registry.delete(aid, req.principal or "")
        return Response(204)

    def routes(self) -> list[Route]:
        aid = r"(?P<aid>[^/]+)"
        return [
            route("GET", r"authorities", self.list_all),
            route("POST", r"authorities", self.create, "authorities.create"),
            route("GET", rf"authorities/{aid}", self.get),
            route("PUT", rf"authorities/{aid}", self.modify, "authorities.modify"),
            route("DELETE", rf"authorities/{aid}", self.delete, "authorities.delete"),
            route("GET", rf"authorities/{aid}/cert", self.cert),
            route("GET", rf"authorities/{aid}/chain", self.chain),
            route("POST", rf"authorities/{aid}/enable", self.enable, "authorities.modify"),
            route("POST", rf"authorities/{aid}/disable", self.disable, "authorities.modify"),
            route("POST", rf"authorities/{aid}/renew", self.renew, "authorities.modify"),
        ]
