"""Resources every web app has: server info and account login/logout."""

from __future__ import annotations

from typing import Any

from cryptography.x509.oid import NameOID

from pki.testing.dogtag.http import Request, Response, Route, route

ROLES = {
    "ca": ["Certificate Manager Agents", "Administrators"],
    "kra": ["Data Recovery Manager Agents", "Administrators"],
    "pki": ["Administrators"],
}


class CommonResources:
    """``/pki/<api>/info`` and ``/<app>/<api>/account/login|logout``."""

    def __init__(self, name: str, version: str) -> None:
        self.name = name
        self.version = version

    def info(self, req: Request) -> dict[str, Any]:
        return {"Name": self.name, "Version": self.version}

    def login(self, req: Request) -> dict[str, Any]:
        """Creates the session (cookie) and describes the authenticated account."""
        req.ensure_session()
        account: dict[str, Any] = {
            "id": req.principal,
            "FullName": req.principal,
            "Roles": ROLES.get(req.app, []),
        }
        if req.peer_cert is not None:
            emails = req.peer_cert.subject.get_attributes_for_oid(NameOID.EMAIL_ADDRESS)
            if emails:
                account["Email"] = str(emails[0].value)
        return account

    def logout(self, req: Request) -> Response:
        """Invalidates the caller's session (204)."""
        if req.session is not None:
            req.sessions.invalidate(req.session.id)
            req.session = None
            req.new_session = False
        return Response(204)

    def routes(self, app: str) -> list[Route]:
        account = [
            route("GET", r"account/login", self.login),
            route("GET", r"account/logout", self.logout),
        ]
        if app == "pki":
            return [route("GET", r"info", self.info), *account]
        return account
