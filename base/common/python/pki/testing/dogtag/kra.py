"""KRA resources: keys, key requests (archival, recovery, key generation) and retrieval.

Archival really decrypts the client's data (session key unwrapped with the transport key)
and stores the plaintext, base64, in the state file (a test server). Recovery either goes
through a ``securityDataRecovery`` request an agent approves, or, as FreeIPA's vault does,
straight through ``keys/retrieve`` with a ``keyId``. Retrieval encrypts the stored bytes
with the caller's session key and a fresh IV.
"""

from __future__ import annotations

import base64
import binascii
import os
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from pki.testing.dogtag import formats, kracrypto
from pki.testing.dogtag.ca_certs import CertRepository
from pki.testing.dogtag.errors import DogtagError, bad_request, conflict, not_found
from pki.testing.dogtag.formats import hex_id, parse_id
from pki.testing.dogtag.http import Request, Response, Route, json_response, route
from pki.testing.dogtag.store import Store

KEY_NOT_FOUND = "key.KeyNotFoundException"
REQUEST_NOT_FOUND = "request.RequestNotFoundException"
CLASS_PREFIX = "com.netscape.certsrv.key."

# symmetric algorithm → (allowed sizes in bits or None for any multiple of 8, default, bytes)
_SYM_SIZES: dict[str, tuple[tuple[int, ...] | None, int]] = {
    "AES": ((128, 192, 256), 128),
    "DES": ((56, 64), 56),
    "DES3": ((168, 192), 168),
    "DESEDE": ((168, 192), 168),
    "RC2": (None, 128),
    "RC4": (None, 128),
    "HMACSHA1": (None, 160),
    "HMACSHA256": (None, 256),
    "HMACSHA384": (None, 384),
    "HMACSHA512": (None, 512),
}
_EC_CURVES = {256: ec.SECP256R1(), 384: ec.SECP384R1(), 521: ec.SECP521R1()}


def message_attributes(body: dict[str, Any]) -> dict[str, str]:
    """``name → value`` of a ResourceMessage body (JSON nulls dropped)."""
    attributes = body.get("Attributes") or {}
    entries = attributes.get("Attribute") if isinstance(attributes, dict) else attributes
    if isinstance(entries, dict):
        entries = [entries]
    values: dict[str, str] = {}
    for entry in entries or []:
        if isinstance(entry, dict) and entry.get("name") and entry.get("value") is not None:
            values[str(entry["name"])] = str(entry["value"])
    return values


def _b64(values: dict[str, str], name: str, required: bool = True) -> bytes | None:
    text = values.get(name)
    if not text:
        if required:
            raise bad_request(f"Missing {name}")
        return None
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise bad_request(f"Invalid base64 in {name}") from None


def _int(values: dict[str, str], name: str) -> int | None:
    text = values.get(name)
    if text in (None, "", "null"):
        return None
    try:
        return int(str(text))
    except ValueError:
        raise bad_request(f"Invalid {name}: {text}") from None


class KRAResources:
    """``/kra/<api>/...``: info, transport cert, ``agent/keys`` and ``agent/keyrequests``."""

    def __init__(
        self,
        store: Store,
        repo: CertRepository,
        transport_cert: x509.Certificate,
        transport_key: rsa.RSAPrivateKey,
        oaep: bool = False,
    ) -> None:
        self.store = store
        self.repo = repo
        self.transport_cert = transport_cert
        self.transport_key = transport_key
        self.oaep = oaep

    # -- records and their JSON ----------------------------------------------------------

    def _key(self, key_id: int) -> dict[str, Any]:
        record = self.store.table("keys").get(str(key_id))
        if record is None:
            raise not_found(
                f"Key ID {hex_id(key_id)} not found", KEY_NOT_FOUND, {"KeyId": str(key_id)}
            )
        return record  # type: ignore[no-any-return]

    def _request(self, request_id: int) -> dict[str, Any]:
        record = self.store.table("kra_requests").get(str(request_id))
        if record is None:
            raise not_found(
                f"Request ID {hex_id(request_id)} not found",
                REQUEST_NOT_FOUND,
                {"requestId": str(request_id)},
            )
        return record  # type: ignore[no-any-return]

    def key_info(self, req: Request, key_id: int, rec: dict[str, Any]) -> dict[str, Any]:
        info = {
            "keyId": hex_id(key_id),
            "keyURL": req.url(f"agent/keys/{hex_id(key_id)}", "kra"),
            "clientKeyID": rec.get("client_key_id"),
            "status": rec.get("status"),
            "algorithm": rec.get("algorithm"),
            "size": rec.get("size"),
            "ownerName": rec.get("owner"),
            "publicKey": rec.get("public_key"),
            "realm": rec.get("realm"),
        }
        return {k: v for k, v in info.items() if v is not None}

    def request_info(self, req: Request, request_id: int, rec: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "requestID": hex_id(request_id),
            "requestURL": req.url(f"agent/keyrequests/{hex_id(request_id)}", "kra"),
            "requestType": rec["type"],
            "requestStatus": rec["status"],
            "creationTime": rec["created"],
            "modificationTime": rec["modified"],
        }
        if rec.get("key_id") is not None:
            info["keyURL"] = req.url(f"agent/keys/{hex_id(rec['key_id'])}", "kra")
        if rec.get("realm"):
            info["realm"] = rec["realm"]
        return info

    def _new_request(self, req: Request, rtype: str, status: str, **fields: Any) -> int:
        request_id = self.store.next_id("kra_request")
        now = formats.now_ms()
        self.store.table("kra_requests")[str(request_id)] = {
            "type": rtype,
            "status": status,
            "created": now,
            "modified": now,
            "owner": req.principal,
            **fields,
        }
        return request_id

    def _new_key(self, req: Request, values: dict[str, str], **fields: Any) -> int:
        key_id = self.store.next_id("key")
        self.store.table("keys")[str(key_id)] = {
            "client_key_id": values.get("clientKeyID"),
            "status": "active",
            "owner": req.principal,
            "realm": values.get("realm"),
            "created": formats.now_ms(),
            **fields,
        }
        return key_id

    def _check_no_active(self, client_key_id: str, realm: str | None) -> None:
        for rec in self.store.table("keys").values():
            if (
                rec.get("client_key_id") == client_key_id
                and rec.get("status") == "active"
                and rec.get("realm") == realm
            ):
                raise conflict(f"Client ID {client_key_id} already exists with an active key.")

    def _created(self, req: Request, request_id: int, key_data: Any = None) -> Response:
        rec = self.store.table("kra_requests")[str(request_id)]
        body: dict[str, Any] = {"requestInfo": self.request_info(req, request_id, rec)}
        if key_data is not None:
            body["keyData"] = key_data
        location = req.url(f"agent/keyrequests/{hex_id(request_id)}", "kra")
        return json_response(body, 201, [("Location", location)])

    # -- anonymous -----------------------------------------------------------------------

    def info(self, req: Request) -> dict[str, Any]:
        return {
            "ArchivalMechanism": "encrypt",
            "RecoveryMechanism": "encrypt",
            "EncryptAlgorithm": "AES/CBC/PKCS5Padding",
            "EncryptionAlgorithm": "AES/CBC/PKCS5Padding",
            "WrapAlgorithm": "AES KeyWrap/Padding",
            "RsaPublicKeyWrapAlgorithm": "RSA_OAEP" if self.oaep else "RSA",
        }

    def transport(self, req: Request) -> dict[str, Any]:
        serial = self.transport_cert.serial_number
        record = self.store.table("certs").get(str(serial)) or {}
        return formats.cert_data(
            dict(record), self.transport_cert, self.repo.chain(self.transport_cert)
        )

    # -- keys ----------------------------------------------------------------------------

    def list_keys(self, req: Request) -> dict[str, Any]:
        p = req.params
        with self.store.lock:
            items = sorted(
                ((int(k), dict(v)) for k, v in self.store.table("keys").items()),
                key=lambda item: item[0],
            )
        entries = [
            self.key_info(req, kid, rec)
            for kid, rec in items
            if (not p.get("clientKeyID") or rec.get("client_key_id") == p["clientKeyID"])
            and (not p.get("status") or rec.get("status") == p["status"])
            and rec.get("realm") == (p.get("realm") or None)
            and (not p.get("owner") or rec.get("owner") == p["owner"])
        ]
        return formats.paged_collection(req, entries, "size")

    def get_key(self, req: Request, key_id: str) -> dict[str, Any]:
        kid = parse_id(key_id, "key ID")
        with self.store.lock:
            return self.key_info(req, kid, dict(self._key(kid)))

    def active_key(self, req: Request, client_key_id: str) -> dict[str, Any]:
        wanted = client_key_id
        with self.store.lock:
            for k, rec in sorted(self.store.table("keys").items(), key=lambda i: -int(i[0])):
                if rec.get("client_key_id") == wanted and rec.get("status") == "active":
                    return self.key_info(req, int(k), dict(rec))
        raise not_found(f"No active key found for client key ID {wanted}", KEY_NOT_FOUND)

    def modify_key(self, req: Request, key_id: str) -> Response:
        kid = parse_id(key_id, "key ID")
        status = req.params.get("status")
        if status not in ("active", "inactive"):
            raise bad_request(f"Invalid key status: {status}")
        with self.store.transaction():
            self._key(kid)["status"] = status
        return Response(204)

    # -- key requests --------------------------------------------------------------------

    def list_requests(self, req: Request) -> dict[str, Any]:
        p = req.params
        with self.store.lock:
            items = sorted(
                ((int(k), dict(v)) for k, v in self.store.table("kra_requests").items()),
                key=lambda item: item[0],
            )
        entries = [
            self.request_info(req, rid, rec)
            for rid, rec in items
            if (not p.get("requestState") or rec["status"] == p["requestState"])
            and (not p.get("requestType") or rec["type"] == p["requestType"])
            and (not p.get("clientKeyID") or rec.get("client_key_id") == p["clientKeyID"])
            and rec.get("realm") == (p.get("realm") or None)
        ]
        return formats.paged_collection(req, entries, "pageSize")

    def get_request(self, req: Request, request_id: str) -> dict[str, Any]:
        rid = parse_id(request_id, "request ID")
        with self.store.lock:
            return self.request_info(req, rid, dict(self._request(rid)))

    def submit(self, req: Request) -> Response:
        body = req.json_object()
        class_name = str(body.get("ClassName") or "")
        short = class_name[len(CLASS_PREFIX) :] if class_name.startswith(CLASS_PREFIX) else ""
        values = message_attributes(body)
        handler = {
            "KeyArchivalRequest": self._archive,
            "KeyRecoveryRequest": self._recover,
            "SymKeyGenerationRequest": self._generate_sym,
            "AsymKeyGenerationRequest": self._generate_asym,
        }.get(short)
        if handler is None:
            raise bad_request(f"Unsupported request class: {class_name or '(none)'}")
        return handler(req, values)

    def _archive(self, req: Request, values: dict[str, str]) -> Response:
        client_key_id = values.get("clientKeyID")
        data_type = values.get("dataType")
        if not client_key_id:
            raise bad_request("Missing clientKeyID")
        if data_type not in ("symmetricKey", "passPhrase", "asymmetricKey"):
            raise bad_request(f"Invalid dataType: {data_type}")
        if values.get("pkiArchiveOptions") and not values.get("wrappedPrivateData"):
            raise bad_request("pkiArchiveOptions archival is not supported by the test server")
        wrapped_data = _b64(values, "wrappedPrivateData")
        wrapped_key = _b64(values, "transWrappedSessionKey")
        iv = _b64(values, "symmetricAlgorithmParams")
        oid = values.get("algorithmOID") or kracrypto.AES_128_CBC
        assert wrapped_data is not None and wrapped_key is not None and iv is not None
        session_key = kracrypto.unwrap_session_key(self.transport_key, wrapped_key, self.oaep)
        secret = kracrypto.decrypt(oid, session_key, iv, wrapped_data)
        realm = values.get("realm")
        with self.store.transaction():
            self._check_no_active(client_key_id, realm)
            key_id = self._new_key(
                req,
                values,
                data_type=data_type,
                algorithm=values.get("keyAlgorithm") if data_type != "passPhrase" else None,
                size=_int(values, "keySize"),
                data=base64.b64encode(secret).decode(),
            )
            rid = self._new_request(
                req,
                "securityDataEnrollment",
                "complete",
                key_id=key_id,
                client_key_id=client_key_id,
                realm=realm,
            )
            return self._created(req, rid)

    def _recover(self, req: Request, values: dict[str, str]) -> Response:
        if not values.get("keyId"):
            raise bad_request("Missing keyId")
        kid = parse_id(values["keyId"], "key ID")
        with self.store.transaction():
            key = self._key(kid)
            rid = self._new_request(
                req,
                "securityDataRecovery",
                "pending",
                key_id=kid,
                client_key_id=key.get("client_key_id"),
                realm=key.get("realm"),
                session_key=values.get("transWrappedSessionKey"),
            )
            return self._created(req, rid)

    def _generate_sym(self, req: Request, values: dict[str, str]) -> Response:
        client_key_id = values.get("clientKeyID")
        if not client_key_id:
            raise bad_request("Missing clientKeyID")
        algorithm = (values.get("keyAlgorithm") or "AES").upper()
        spec = _SYM_SIZES.get(algorithm.replace("-", ""))
        if spec is None:
            raise bad_request(f"Unsupported key algorithm: {algorithm}")
        allowed, default = spec
        size = _int(values, "keySize") or default
        if (
            (allowed is not None and size not in allowed)
            or size <= 0
            or (allowed is None and size % 8)
        ):
            raise bad_request(f"Invalid key size {size} for {algorithm}")
        if algorithm == "DES":
            nbytes = 8
        elif algorithm in ("DES3", "DESEDE"):
            nbytes = 24
        else:
            nbytes = size // 8
        secret = os.urandom(nbytes)
        return self._store_generated(
            req,
            values,
            client_key_id,
            "symkeyGenRequest",
            data_type="symmetricKey",
            algorithm=algorithm,
            size=size,
            data=base64.b64encode(secret).decode(),
        )

    def _generate_asym(self, req: Request, values: dict[str, str]) -> Response:
        client_key_id = values.get("clientKeyID")
        if not client_key_id:
            raise bad_request("Missing clientKeyID")
        algorithm = (values.get("keyAlgorithm") or "RSA").upper()
        size = _int(values, "keySize")
        private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
        if algorithm == "RSA":
            size = size or 2048
            if size not in (1024, 2048, 3072, 4096):
                raise bad_request(f"Invalid key size {size} for RSA")
            private = rsa.generate_private_key(public_exponent=65537, key_size=size)
        elif algorithm == "EC":
            size = size or 256
            if size not in _EC_CURVES:
                raise bad_request(f"Invalid key size {size} for EC")
            private = ec.generate_private_key(_EC_CURVES[size])
        else:
            raise bad_request(f"Unsupported key algorithm: {algorithm}")
        der = private.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        public = private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return self._store_generated(
            req,
            values,
            client_key_id,
            "asymkeyGenRequest",
            data_type="asymmetricKey",
            algorithm=algorithm,
            size=size,
            data=base64.b64encode(der).decode(),
            public_key=base64.b64encode(public).decode(),
        )

    def _store_generated(
        self,
        req: Request,
        values: dict[str, str],
        client_key_id: str,
        request_type: str,
        **key_fields: Any,
    ) -> Response:
        """Store a key the server generated and record its (already complete) request."""
        realm = values.get("realm")
        with self.store.transaction():
            self._check_no_active(client_key_id, realm)
            key_id = self._new_key(req, values, **key_fields)
            rid = self._new_request(
                req,
                request_type,
                "complete",
                key_id=key_id,
                client_key_id=client_key_id,
                realm=realm,
            )
            return self._created(req, rid)

    def _act(self, req: Request, request_id: str, op: str) -> Response:
        rid = parse_id(request_id, "request ID")
        with self.store.transaction():
            rec = self._request(rid)
            if rec["status"] != "pending":
                raise bad_request(f"Request {hex_id(rid)} is not in pending state")
            if op == "approve":
                rec["status"] = "approved" if rec["type"] == "securityDataRecovery" else "complete"
                rec["approved_by"] = req.principal
            else:
                rec["status"] = {"reject": "rejected", "cancel": "canceled"}[op]
            rec["modified"] = formats.now_ms()
        return Response(204)

    def approve(self, req: Request, request_id: str) -> Response:
        return self._act(req, request_id, "approve")

    def reject(self, req: Request, request_id: str) -> Response:
        return self._act(req, request_id, "reject")

    def cancel(self, req: Request, request_id: str) -> Response:
        return self._act(req, request_id, "cancel")

    # -- retrieval -----------------------------------------------------------------------

    def retrieve(self, req: Request) -> dict[str, Any]:
        """KeyData: the stored secret encrypted with the caller's session key and a new IV."""
        values = message_attributes(req.json_object())
        with self.store.lock:
            if values.get("requestId"):
                rid = parse_id(values["requestId"], "request ID")
                request = self._request(rid)
                if request["type"] != "securityDataRecovery":
                    raise bad_request(f"Request {hex_id(rid)} is not a recovery request")
                if request["status"] not in ("approved", "complete"):
                    raise DogtagError(
                        401,
                        "base.UnauthorizedException",
                        f"Recovery request {hex_id(rid)} has not been approved",
                    )
                kid = int(request["key_id"])
                if values.get("keyId") and parse_id(values["keyId"], "key ID") != kid:
                    raise bad_request("keyId does not match the recovery request")
                wrapped_text = values.get("transWrappedSessionKey") or request.get("session_key")
            elif values.get("keyId"):
                kid = parse_id(values["keyId"], "key ID")
                self._key(kid)
                rid = -1
                wrapped_text = values.get("transWrappedSessionKey")
            else:
                raise bad_request("Missing keyId or requestId")
            key = dict(self._key(kid))
        if values.get("passphrase") or values.get("sessionWrappedPassphrase"):
            # Dogtag would answer with PBE-encrypted data; returning session-key data instead
            # would look like success to a client that cannot decrypt it.
            raise bad_request("Passphrase-based retrieval is not supported by the test server")
        if not wrapped_text:
            raise bad_request("Missing transWrappedSessionKey")
        wrapped_key = _b64({"k": wrapped_text}, "k")
        assert wrapped_key is not None
        session_key = kracrypto.unwrap_session_key(self.transport_key, wrapped_key, self.oaep)
        if values.get("payloadEncryptionOID"):
            oid_text = values["payloadEncryptionOID"]
        elif values.get("payloadWrappingName"):
            oid_text = kracrypto.oid_for_wrapping_name(values["payloadWrappingName"])
        else:
            oid_text = kracrypto.AES_128_CBC
        ciphertext, iv = kracrypto.encrypt(oid_text, session_key, base64.b64decode(key["data"]))
        with self.store.transaction():
            if rid < 0:
                rid = self._new_request(
                    req,
                    "securityDataRecovery",
                    "complete",
                    key_id=kid,
                    client_key_id=key.get("client_key_id"),
                    realm=key.get("realm"),
                )
            else:
                rec = self._request(rid)
                rec["status"] = "complete"
                rec["modified"] = formats.now_ms()
        data: dict[str, Any] = {
            "wrappedPrivateData": base64.b64encode(ciphertext).decode(),
            "nonceData": base64.b64encode(iv).decode(),
            "algorithm": key.get("algorithm"),
            "size": key.get("size"),
            "requestID": hex_id(rid),
            "encryptAlgorithmOID": oid_text,
            "type": key.get("data_type"),
            "publicKey": key.get("public_key"),
        }
        return {k: v for k, v in data.items() if v is not None}

    def routes(self) -> list[Route]:
        kid = r"(?P<key_id>[^/]+)"
        rid = r"(?P<request_id>[^/]+)"
        return [
            route("GET", r"info", self.info),
            route("GET", r"config/cert/transport", self.transport),
            route("GET", r"agent/keys", self.list_keys, "keys"),
            route("POST", r"agent/keys/retrieve", self.retrieve, "keys"),
            route("GET", r"agent/keys/active/(?P<client_key_id>.+)", self.active_key, "keys"),
            route("GET", rf"agent/keys/{kid}", self.get_key, "keys"),
            route("POST", rf"agent/keys/{kid}", self.modify_key, "keys"),
            route("GET", r"agent/keyrequests", self.list_requests, "keyrequests"),
            route("POST", r"agent/keyrequests", self.submit, "keyrequests"),
            route("GET", rf"agent/keyrequests/{rid}", self.get_request, "keyrequests"),
            route("POST", rf"agent/keyrequests/{rid}/approve", self.approve, "keyrequests"),
            route("POST", rf"agent/keyrequests/{rid}/reject", self.reject, "keyrequests"),
            route("POST", rf"agent/keyrequests/{rid}/cancel", self.cancel, "keyrequests"),
        ]
