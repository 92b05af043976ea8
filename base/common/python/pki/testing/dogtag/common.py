"""Resources every web app has: ``/pki/<api>/info`` and ``/<ca|kra>/<api>/account``.

``account/login`` describes the authenticated principal as Dogtag's ``Account``: ``id`` (the
user ID), ``FullName`` and ``Email`` when the user has them, and ``Roles``, the sorted names of
its groups; like every ``RESTMessage`` it carries an empty ``Attributes`` list. Logout
invalidates the session (204, also without one).
"""

from __future__ import annotations

from typing import Any

from pki.testing.dogtag.http import Request, Response, Route, route
from pki.testing.dogtag.usergroups import Principal


def account_json(principal: Principal) -> dict[str, Any]:
    """Dogtag's ``Account`` of ``principal`` (also what the ACME responder's login gives)."""
    account: dict[str, Any] = {"id": principal.user_id}
    if principal.full_name:
        account["FullName"] = principal.full_name
    if principal.email:
        account["Email"] = principal.email
    account["Roles"] = sorted(principal.roles)
    account["Attributes"] = {"Attribute": []}
    return account


def end_session(req: Request) -> Response:
    """Logout: invalidates the caller's session (204, also without one)."""
    if req.session is not None:
        req.sessions.invalidate(req.session.id)
        req.session = None
        req.new_session = False
    return Response(204)


class CommonResources:
    """``/pki/<api>/info`` and ``/<app>/<api>/account/login|logout``."""

    def __init__(self, name: str, version: str) -> None:
        self.name = name
        self.version = version

    def info(self, req: Request) -> dict[str, Any]:
        return {"Name": self.name, "Version": self.version}

    def login(self, req: Request) -> dict[str, Any]:
        """Describes the authenticated account (its session already exists)."""
        req.ensure_session()
        assert req.account is not None  # account/* is constrained: the dispatcher checked
        return account_json(req.account)

    def logout(self, req: Request) -> Response:
        return end_session(req)

    def routes(self, app: str) -> list[Route]:
        if app == "pki":
            return [route("GET", r"info", self.info)]
        return [
            route("GET", r"account/login", self.login, "account.login"),
            route("GET", r"account/logout", self.logout, "account.logout"),
        ]
