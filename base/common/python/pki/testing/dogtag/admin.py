"""User and group administration: ``/<ca|kra>/<api>/admin/users`` and ``admin/groups``.

Both trees need an authenticated caller (``admin/*`` is constrained) in Administrators (ACLs
``users`` and ``groups``), for reads too. Bodies and codes follow ``UserServletBase`` and
``GroupServletBase``: JSON ``UserData`` (``id``, ``UserID``, ``FullName``, ``Email``,
``phone``, ``type``, ``state``, ``attributes``; the password is write-only), ``UserCertData``
(``id`` = ``<version>;<serial>;<issuer>;<subject>``, ``SerialNumber`` as ``0x`` hex),
``GroupData`` (``id``, ``GroupID``, ``Description``), ``{"total", "entries"}`` collections;
creations answer 201 with ``Location``, deletions 204. A membership is added with the bare
group name as the request body (first line), not JSON.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import re
from typing import Any
from urllib.parse import quote, quote_plus

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from pki.testing.dogtag import formats
from pki.testing.dogtag.errors import bad_request, internal, not_found
from pki.testing.dogtag.formats import hex_id
from pki.testing.dogtag.http import Request, Response, Route, json_response, route
from pki.testing.dogtag.usergroups import UserDB, cert_description, check_user_id

MIN_FILTER_LENGTH = 3
MIN_PASSWORD_LENGTH = 8  # PasswordChecker's default rule


def _filter(req: Request) -> str | None:
    value = req.params.get("filter")
    if value is not None and len(value) < MIN_FILTER_LENGTH:
        raise bad_request("Filter is too short.")
    return value


def _check_password(password: object) -> str | None:
    if password in (None, ""):
        return None
    text = str(password)
    if len(text) < MIN_PASSWORD_LENGTH:
        raise internal(f"The password must be at least {MIN_PASSWORD_LENGTH} characters")
    return text


def _user_summary(user: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"id": user["id"], "UserID": user["id"], "attributes": {}}
    if user.get("full_name"):
        data["FullName"] = user["full_name"]
    return data


def user_data(user: dict[str, Any]) -> dict[str, Any]:
    """``UserData`` of one user (no password, empty fields left out)."""
    data = _user_summary(user)
    for key, field in (
        ("Email", "email"),
        ("phone", "phone"),
        ("state", "state"),
        ("type", "type"),
    ):
        if user.get(field):
            data[key] = user[field]
    return data


def _cert_data(cert: x509.Certificate, full: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": cert_description(cert),
        "Version": cert.version.value,
        "SerialNumber": hex_id(cert.serial_number),
        "IssuerDN": formats.dn(cert.issuer),
        "SubjectDN": formats.dn(cert.subject),
    }
    if full:
        data["PrettyPrint"] = formats.pretty_print(cert)
        data["Encoded"] = cert.public_bytes(serialization.Encoding.PEM).decode()
    return data


def _parse_cert(encoded: str) -> x509.Certificate:
    """A certificate from PEM or base64 DER; a PKCS#7 chain gives its leaf."""
    body = re.sub(r"-----(BEGIN|END)[^-]*-----", "", encoded)
    try:
        der = base64.b64decode("".join(body.split()), validate=True)
    except (binascii.Error, ValueError):
        raise bad_request("Unable to import user certificate: invalid base64 data") from None
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        pass
    try:
        certs = pkcs7.load_der_pkcs7_certificates(der)
    except ValueError:
        raise bad_request("Unable to import user certificate: not a certificate") from None
    if not certs:
        raise bad_request("PKCS #7 data contains no certificates")
    issuers = {formats.dn(c.issuer) for c in certs}
    leaves = [c for c in certs if formats.dn(c.subject) not in issuers or len(certs) == 1]
    return leaves[0] if leaves else certs[0]


def _page(req: Request, items: list[Any]) -> dict[str, Any]:
    start, size = req.int_param("start", 0), req.int_param("size", 20)
    return formats.collection(formats.page(items, start, size), len(items))


def location(req: Request, item_id: str) -> str:
    """A created item's URL: v2 appends ``URLEncoder.encode(id)`` (spaces as ``+``) to the
    request URL, v1's URI builder percent-encodes."""
    encoded = quote_plus(item_id, safe="") if req.api == "v2" else quote(item_id, safe="")
    return f"{req.request_url}/{encoded}"


def _created(req: Request, body: Any, item_id: str) -> Response:
    return json_response(body, 201, [("Location", location(req, item_id))])


class AdminResources:
    """The user and group resources of one subsystem."""

    def __init__(self, db: UserDB) -> None:
        self.db = db
        self.store = db.store

    # -- users -----------------------------------------------------------------------------

    def find_users(self, req: Request) -> dict[str, Any]:
        keyword = _filter(req)
        with self.store.lock:
            return _page(req, [_user_summary(u) for u in self.db.find_users(keyword)])

    def add_user(self, req: Request) -> Response:
        body = req.json()
        if not isinstance(body, dict):
            raise bad_request("User data is null.")
        user_id = check_user_id(body.get("UserID"))
        full_name = body.get("FullName")
        if not full_name:
            raise bad_request('Failed to add user. Missing "full name"')
        password = _check_password(body.get("password"))
        with self.store.transaction():
            user = self.db.add_user(
                user_id,
                str(full_name),
                email=str(body.get("Email") or ""),
                password=password,
                phone=str(body.get("phone") or ""),
                user_type=str(body.get("type") or ""),
                state=str(body["state"]) if body.get("state") else None,
            )
            data = user_data(user)
        return _created(req, data, user_id)

    def get_user(self, req: Request, user_id: str) -> dict[str, Any]:
        with self.store.lock:
            return user_data(self.db.get_user(user_id))

    def modify_user(self, req: Request, user_id: str) -> dict[str, Any]:
        body = req.json()
        if not isinstance(body, dict):
            raise bad_request("User data is null.")
        password = _check_password(body.get("password"))
        with self.store.transaction():
            user = self.db.get_user(user_id)
            for key, field in (
                ("FullName", "full_name"),
                ("Email", "email"),
                ("phone", "phone"),
                ("state", "state"),
            ):
                if body.get(key) is not None:
                    user[field] = str(body[key])
            if password:
                self.db.set_password(user["id"], password)
            return user_data(user)

    def remove_user(self, req: Request, user_id: str) -> Response:
        with self.store.transaction():
            self.db.remove_user(user_id)
        return Response(204)

    # -- user certificates -----------------------------------------------------------------

    def _certs(self, user: dict[str, Any]) -> list[x509.Certificate]:
        return [x509.load_pem_x509_certificate(c["pem"].encode()) for c in user["certs"]]

    def find_certs(self, req: Request, user_id: str) -> dict[str, Any]:
        with self.store.lock:
            certs = self._certs(self.db.get_user(user_id))
        return _page(req, [_cert_data(c, full=False) for c in certs])

    def add_cert(self, req: Request, user_id: str) -> Response:
        body = req.json_object()
        encoded = body.get("Encoded")
        if encoded is None:
            return Response(200)
        cert = _parse_cert(str(encoded))
        now = datetime.datetime.now(datetime.timezone.utc)
        not_before, not_after = cert.not_valid_before_utc, cert.not_valid_after_utc
        if now > not_after:
            raise bad_request(f"Certificate expired: NotAfter: {formats.java_date(not_after)}")
        if now < not_before:
            when = formats.java_date(not_before)
            raise bad_request(f"Certificate not yet valid: NotBefore: {when}")
        with self.store.transaction():
            self.db.add_cert(user_id, cert)
        if req.api == "v2":
            data = {**_cert_data(cert, full=False), "Encoded": encoded}
        else:
            data = _cert_data(cert, full=True)
        return _created(req, data, cert_description(cert))

    def get_cert(self, req: Request, user_id: str, cert_id: str) -> dict[str, Any]:
        with self.store.lock:
            certs = self._certs(self.db.get_user(user_id))
        for cert in certs:
            if cert_description(cert) == cert_id:
                return _cert_data(cert, full=True)
        raise not_found(f"No certificates found for {user_id}")

    def remove_cert(self, req: Request, user_id: str, cert_id: str) -> Response:
        with self.store.transaction():
            self.db.remove_cert(user_id, cert_id)
        return Response(204)

    # -- memberships -----------------------------------------------------------------------

    def find_memberships(self, req: Request, user_id: str) -> dict[str, Any]:
        keyword = _filter(req)
        with self.store.lock:
            user = self.db.get_user(user_id)
            groups = [
                g
                for g in self.db.groups_of(user["id"])
                if keyword is None or keyword.casefold() in g.casefold()
            ]
        return _page(req, [{"id": g, "userID": user_id} for g in groups])

    def add_membership(self, req: Request, user_id: str) -> Response:
        lines = req.text().splitlines()
        group_id = lines[0] if lines else ""
        if not group_id.strip():
            raise bad_request("Group ID is null.")
        with self.store.transaction():
            self.db.get_user(user_id)
            self.db.add_member(group_id, user_id)
        return _created(req, {"id": group_id, "userID": user_id}, group_id)

    def remove_membership(self, req: Request, user_id: str, group_id: str) -> Response:
        with self.store.transaction():
            self.db.remove_member(group_id, user_id)
        return Response(204)

    # -- groups ----------------------------------------------------------------------------

    @staticmethod
    def _group_data(group: dict[str, Any]) -> dict[str, Any]:
        data = {"id": group["id"], "GroupID": group["id"]}
        if group.get("description"):
            data["Description"] = group["description"]
        return data

    def find_groups(self, req: Request) -> dict[str, Any]:
        keyword = _filter(req)
        with self.store.lock:
            return _page(req, [self._group_data(g) for g in self.db.find_groups(keyword)])

    def add_group(self, req: Request) -> Response:
        body = req.json()
        if not isinstance(body, dict):
            raise bad_request("Group data is null.")
        group_id = body.get("GroupID")
        if not isinstance(group_id, str) or not group_id.strip():
            raise bad_request("Resource ID (RS_ID) can not be null")
        with self.store.transaction():
            group = self.db.add_group(group_id, body.get("Description"))
            data = self._group_data(group)
        return _created(req, data, group_id)

    def get_group(self, req: Request, group_id: str) -> dict[str, Any]:
        with self.store.lock:
            return self._group_data(self.db.get_group(group_id))

    def modify_group(self, req: Request, group_id: str) -> dict[str, Any]:
        body = req.json()
        if not isinstance(body, dict):
            raise bad_request("Group data is null.")
        with self.store.transaction():
            key = self.db.group_key(group_id)
            if key is None:
                raise not_found(f"Group {group_id}  not found.")
            group = self.db.groups[key]
            if body.get("Description") is not None:
                group["description"] = str(body["Description"])
            return self._group_data(group)

    def remove_group(self, req: Request, group_id: str) -> Response:
        with self.store.transaction():
            self.db.remove_group(group_id)
        return Response(204)

    def find_members(self, req: Request, group_id: str) -> dict[str, Any]:
        keyword = _filter(req)
        with self.store.lock:
            group = self.db.get_group(group_id)
            members = [
                m for m in group["members"] if keyword is None or keyword.casefold() in m.casefold()
            ]
        return _page(req, [{"id": m, "groupID": group["id"]} for m in members])

    def get_member(self, req: Request, group_id: str, member_id: str) -> dict[str, Any]:
        with self.store.lock:
            group = self.db.get_group(group_id)
            for member in group["members"]:
                if member.casefold() == member_id.casefold():
                    return {"id": member, "groupID": group["id"]}
        raise not_found(f"Group member {member_id} not found")

    def add_member(self, req: Request, group_id: str) -> Response:
        body = req.json()
        member = body.get("id") if isinstance(body, dict) else None
        if not member:
            raise bad_request("Member ID is null.")
        with self.store.transaction():
            self.db.add_member(group_id, str(member))
            group = self.db.get_group(group_id)
        return _created(req, {"id": str(member), "groupID": group["id"]}, str(member))

    def remove_member(self, req: Request, group_id: str, member_id: str) -> Response:
        with self.store.transaction():
            self.db.remove_member(group_id, member_id)
        return Response(204)

    def routes(self) -> list[Route]:
        uid = r"(?P<user_id>[^/]+)"
        gid = r"(?P<group_id>[^/]+)"
        users, groups = "admin/users", "admin/groups"
        return [
            route("GET", users, self.find_users, "users"),
            route("POST", users, self.add_user, "users"),
            route("GET", rf"{users}/{uid}", self.get_user, "users"),
            route("PATCH", rf"{users}/{uid}", self.modify_user, "users"),
            route("DELETE", rf"{users}/{uid}", self.remove_user, "users"),
            route("GET", rf"{users}/{uid}/certs", self.find_certs, "users"),
            route("POST", rf"{users}/{uid}/certs", self.add_cert, "users"),
            route("GET", rf"{users}/{uid}/certs/(?P<cert_id>[^/]+)", self.get_cert, "users"),
            route("DELETE", rf"{users}/{uid}/certs/(?P<cert_id>[^/]+)", self.remove_cert, "users"),
            route("GET", rf"{users}/{uid}/memberships", self.find_memberships, "users"),
            route("POST", rf"{users}/{uid}/memberships", self.add_membership, "users"),
            route("DELETE", rf"{users}/{uid}/memberships/{gid}", self.remove_membership, "users"),
            route("GET", groups, self.find_groups, "groups"),
            route("POST", groups, self.add_group, "groups"),
            route("GET", rf"{groups}/{gid}", self.get_group, "groups"),
            route("PATCH", rf"{groups}/{gid}", self.modify_group, "groups"),
            route("DELETE", rf"{groups}/{gid}", self.remove_group, "groups"),
            route("GET", rf"{groups}/{gid}/members", self.find_members, "groups"),
            route("POST", rf"{groups}/{gid}/members", self.add_member, "groups"),
            route(
                "GET", rf"{groups}/{gid}/members/(?P<member_id>[^/]+)", self.get_member, "groups"
            ),
            route(
                "DELETE",
                rf"{groups}/{gid}/members/(?P<member_id>[^/]+)",
                self.remove_member,
                "groups",
            ),
        ]
