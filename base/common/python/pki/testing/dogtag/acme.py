"""The ACME responder's administration: ``/acme/login|logout|enable|disable`` and ``directory``.

Modelled on Dogtag's ``base/acme`` servlets (``ACMELoginServlet``, ``ACMELogoutServlet``,
``ACMEEnableServlet``, ``ACMEDisableServlet``, ``ACMEDirectoryServlet``, ``ACMEEnableFilter``);
who may call them is ``web.xml``'s business (see ``security``):

* ``POST login`` (an authenticated caller) answers its ``Account`` JSON and keeps the session;
  ``GET login`` is open and answers the session's account, or 204 without one;
* ``POST logout`` ends the session (204, also without one);
* ``POST enable`` / ``POST disable`` (Administrators, Enterprise ACME Administrators) set the
  ``enabled`` flag in the ACME database and answer 200 with no body; other methods are 405;
* while disabled, every resource behind ``ACMEEnableFilter`` (``directory``, ``new-nonce``,
  ``new-account``, ``new-order``, ``authz``, ``chall``, ``order``, ``cert``, ``revoke-cert``,
  ``acct``) answers 503 ``ACME service is disabled`` (text); enabled, ``directory`` answers the
  directory JSON. The ACME protocol itself (nonces, JWS, orders) is not modelled: its resources
  are 404 while enabled.

The flag lives in the store (the ACME database), so it survives restarts; unset, it is the
engine configuration's ``enabled=false`` that FreeIPA's installer writes.
"""

from __future__ import annotations

import re
from typing import Any

from pki.testing.dogtag.common import account_json, end_session
from pki.testing.dogtag.http import Request, Response, Route, json_response, legacy_route
from pki.testing.dogtag.store import Store

# the servlets ACMEEnableFilter guards, by URL tree
FILTERED_TREES = (
    "directory", "new-nonce", "new-account", "new-order", "authz", "chall", "order", "cert",
    "revoke-cert", "acct",
)
ENGINE_ENABLED = False  # pki-acme-engine.conf as FreeIPA writes it


class ACMEResources:
    """The ``/acme`` web app's administrative servlets and its directory."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.database: dict[str, Any] = store.table("acme_database")

    @property
    def enabled(self) -> bool:
        with self.store.lock:
            value = self.database.get("enabled")
        return ENGINE_ENABLED if value is None else bool(value)

    def _set_enabled(self, enabled: bool) -> Response:
        with self.store.transaction():
            self.database["enabled"] = enabled
        return Response(200, b"", "application/json")

    def post_login(self, req: Request) -> dict[str, Any]:
        req.ensure_session()
        assert req.account is not None  # POST login is constrained: the dispatcher checked
        return account_json(req.account)

    def get_login(self, req: Request) -> Any:
        if req.session is None or req.account is None:
            return Response(204)
        return account_json(req.account)

    def enable(self, req: Request) -> Response:
        return self._set_enabled(True)

    def disable(self, req: Request) -> Response:
        return self._set_enabled(False)

    def directory(self, req: Request) -> Response:
        if not self.enabled:
            return self.unavailable(req)
        base = f"{req.base_url}/acme"
        return json_response({
            "newNonce": f"{base}/new-nonce",
            "newAccount": f"{base}/new-account",
            "newOrder": f"{base}/new-order",
            "revokeCert": f"{base}/revoke-cert",
        })

    def unavailable(self, req: Request) -> Response:
        """``ACMEEnableFilter`` while disabled (a 404 once enabled: not modelled)."""
        if self.enabled:
            return Response(404)
        return Response(503, b"ACME service is disabled")  # the filter sets no type

    def routes(self) -> list[Route]:
        routes = [
            legacy_route("POST", "login", self.post_login),
            legacy_route("GET", "login", self.get_login),
            legacy_route("POST", "logout", end_session),
            legacy_route("POST", "enable", self.enable),
            legacy_route("POST", "disable", self.disable),
            legacy_route("GET", "directory", self.directory),
        ]
        for tree in FILTERED_TREES[1:]:  # the rest of the filtered resources: 503 or 404
            pattern = re.compile(re.escape(tree) + r"(?:/.*)?")
            for method in ("GET", "HEAD", "POST"):
                routes.append(Route(method, pattern, self.unavailable, legacy=True))
        return routes
