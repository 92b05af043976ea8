"""The security domain: ``/<sub>/<api>/securityDomain`` (domain info, hosts, install tokens).

Only the CA serves it (``securitydomain.select=new``); on the KRA every call is a 404
("Security domain not available": JSON on v2, a bare 404 on v1, where a plain
``WebApplicationException`` is thrown). ``domainInfo`` and ``hosts`` are anonymous;
``installToken`` is a constrained URL and needs membership of ``Enterprise <SUBSYSTEM>
Administrators`` (else 401 ``UnauthorizedException``); adding (``PUT hosts``) and removing
(``DELETE hosts/<id>``) hosts need the ``securityDomain.modify`` ACL. A host ID is
``<TYPE> <hostname> <secure port>``; removal matches the type ignoring case (LDAP DNs do),
also deletes the subsystem user ``<type>-<host>-<port>`` and answers 204 whether or not the
host was there.

The server registers itself as the CA and KRA host of the domain at every start (ports
change), marked ``DomainManager`` for the CA; added hosts live in the store's
``security_domain_hosts`` table.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from pki.testing.dogtag.errors import bad_request, bare, not_found, unauthorized
from pki.testing.dogtag.http import Request, Response, Route, json_response, route
from pki.testing.dogtag.store import Store
from pki.testing.dogtag.usergroups import UserDB

DOMAIN_NAME = "Dogtag Test Security Domain"
_HOST_ID = re.compile(r"^(\S+) (\S+) (\d+)$")
_FIELDS = (
    "Hostname",
    "Port",
    "SecurePort",
    "SecureEEClientAuthPort",
    "SecureAgentPort",
    "SecureAdminPort",
    "Clone",
    "SubsystemName",
    "DomainManager",
)


def host_entry(subsystem: str, hostname: str, port: int, domain_manager: bool) -> dict[str, str]:
    """The ``SecurityDomainHost`` a subsystem registers for itself."""
    host_id = f"{subsystem} {hostname} {port}"
    return {
        "id": host_id,
        "Hostname": hostname,
        "SecurePort": str(port),
        "SecureEEClientAuthPort": str(port),
        "SecureAgentPort": str(port),
        "SecureAdminPort": str(port),
        "Clone": "FALSE",
        "SubsystemName": host_id,
        "DomainManager": "TRUE" if domain_manager else "FALSE",
    }


class SecurityDomainResources:
    """The security domain of the CA (``serves=True``) or its absence (KRA)."""

    def __init__(self, store: Store, userdb: UserDB, serves: bool) -> None:
        self.store = store
        self.userdb = userdb
        self.serves = serves
        self.table: dict[str, Any] = store.table("security_domain_hosts")
        self.own_hosts: dict[str, dict[str, str]] = {}

    def register_self(self, hosts: list[dict[str, str]]) -> None:
        """The running server's own CA/KRA entries (kept in memory: the port is per run)."""
        self.own_hosts = {h["id"]: h for h in hosts}

    # -- helpers ---------------------------------------------------------------------------

    def _check_served(self, req: Request) -> None:
        if self.serves:
            return
        if req.api == "v2":
            raise not_found("Security domain not available")
        raise bare(404)

    def _hosts(self) -> list[dict[str, str]]:
        return [*self.own_hosts.values(), *(dict(h) for h in self.table.values())]

    # -- resources -------------------------------------------------------------------------

    def install_token(self, req: Request) -> dict[str, Any]:
        subsystem = req.params.get("subsystem")
        if req.api == "v2" and (subsystem is None or not subsystem.strip()):
            raise bad_request("Missing subsystem parameter")
        self._check_served(req)
        group = f"Enterprise {str(subsystem).upper()} Administrators"
        user_id = req.principal or ""  # installToken is constrained: never anonymous
        with self.store.lock:
            key = self.userdb.group_key(group)
            member = key is not None and self.userdb.is_member(self.userdb.groups[key], user_id)
        if not member:
            raise unauthorized(f"User {user_id} is not a member of {group} group.")
        return {"token": str(secrets.randbits(63))}

    def domain_info(self, req: Request) -> dict[str, Any]:
        self._check_served(req)
        subsystems: dict[str, Any] = {}
        with self.store.lock:
            hosts = self._hosts()
        for host in hosts:
            kind = host["id"].split(" ", 1)[0].upper()
            entry = subsystems.setdefault(kind, {"id": kind, "hosts": {}})
            entry["hosts"][host["id"]] = host
        return {"id": DOMAIN_NAME, "subsystems": subsystems}

    def list_hosts(self, req: Request) -> Response:
        self._check_served(req)
        with self.store.lock:
            return json_response(self._hosts())

    def get_host(self, req: Request, host_id: str) -> dict[str, str]:
        self._check_served(req)
        with self.store.lock:
            for host in self._hosts():
                if host["id"] == host_id:
                    return host
        raise not_found(f"Security domain host not found: {host_id}")

    def add_host(self, req: Request) -> Response:
        body = req.json_object()
        self._check_served(req)
        host_id = str(body.get("id") or "")
        match = _HOST_ID.match(host_id)
        if match is None:
            raise bad_request(f"Invalid security domain host: {host_id}")
        kind, hostname, port = match.groups()
        for field, label in (
            ("SecureEEClientAuthPort", "secure (EE)"),
            ("SecureAdminPort", "secure (admin)"),
            ("SecureAgentPort", "secure (agent)"),
        ):
            if str(body.get(field)) != port:
                raise bad_request(f"Invalid {label} port: {body.get(field)}")
        host = {"id": host_id, "Hostname": hostname, "SecurePort": port}
        for field in _FIELDS:
            if body.get(field) not in (None, "") and field not in host:
                host[field] = str(body[field])
        host["Clone"] = str(body.get("Clone") or "FALSE").upper()
        if body.get("DomainManager"):
            host["DomainManager"] = str(body["DomainManager"]).upper()
        host["SubsystemName"] = host_id
        with self.store.transaction():
            self.table[f"{kind.upper()} {hostname} {port}"] = host
        return Response(204)

    def remove_host(self, req: Request, host_id: str) -> Response:
        self._check_served(req)
        match = _HOST_ID.match(host_id)
        if match is None:
            raise bad_request(f"Invalid security domain host: {host_id}")
        kind, hostname, port = match.groups()
        wanted = f"{kind.upper()} {hostname.casefold()} {port}"
        with self.store.transaction():
            for key in list(self.table):
                k, h, p = key.split(" ")
                if f"{k.upper()} {h.casefold()} {p}" == wanted:
                    del self.table[key]
            for key in list(self.own_hosts):
                k, h, p = key.split(" ")
                if f"{k.upper()} {h.casefold()} {p}" == wanted:
                    del self.own_hosts[key]
            user = self.userdb.user_key(f"{kind}-{hostname}-{port}")
            if user is not None:
                self.userdb.remove_user(user)
        return Response(204)

    def routes(self) -> list[Route]:
        sd = "securityDomain"
        return [
            route("GET", rf"{sd}/installToken", self.install_token, "securityDomain.read"),
            route("GET", rf"{sd}/domainInfo", self.domain_info),
            route("GET", rf"{sd}/hosts", self.list_hosts),
            route("GET", rf"{sd}/hosts/(?P<host_id>[^/]+)", self.get_host),
            route("PUT", rf"{sd}/hosts", self.add_host, "securityDomain.modify"),
            route(
                "DELETE",
                rf"{sd}/hosts/(?P<host_id>[^/]+)",
                self.remove_host,
                "securityDomain.modify",
            ),
        ]
