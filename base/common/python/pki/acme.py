"""The ACME responder's administration: ``ACMEClient`` (``/acme/...``).

``ipa-acme-manage`` turns the responder on and off with ``enable()``/``disable()`` (which
need an ACME administrator: Administrators or Enterprise ACME Administrators) and asks
whether it is on. The ACME web application is not part of the REST API, so its paths carry no
``rest``/``v2`` segment. As upstream, failures raise ``requests.exceptions.HTTPError``.
"""

from __future__ import annotations

import logging
from typing import Any

import pki.client
import pki.subsystem
from pki.resource import JSON_HEADERS, resolve_parent, response_json

__all__ = ["ACMEClient"]

logger = logging.getLogger(__name__)


class ACMEClient(pki.subsystem.SubsystemClient):
    """The ACME responder of ``parent`` (a ``PKIClient``, or a ``PKIConnection``)."""

    def __init__(self, parent: Any) -> None:
        super().__init__(parent, "acme")
        self.connection: pki.client.PKIConnection = resolve_parent(parent)[2]
        self.headers = dict(JSON_HEADERS)

    def _post(self, action: str) -> Any:
        response = self.connection.post(f"/acme/{action}", "", self.headers)
        logger.debug("ACME %s returned %d", action, response.status_code)
        return response

    def login(self) -> Any:
        """Open a session on the responder; returns the account JSON (``id``, ``Roles``)."""
        return response_json(self._post("login"))

    def logout(self) -> None:
        """End the session."""
        self._post("logout")

    def enable(self) -> None:
        """Turn the ACME service on."""
        self._post("enable")

    def disable(self) -> None:
        """Turn the ACME service off (the responder then answers 503)."""
        self._post("disable")

    def status(self) -> bool:
        """Whether the service is on: its directory answers 200, and 503 while disabled
        (what FreeIPA's ``acme_status`` checks). Other failures raise."""
        import requests

        try:
            self.connection.get("/acme/directory", {"Accept": "application/json"})
        except requests.exceptions.HTTPError as exc:
            if getattr(exc.response, "status_code", None) == 503:
                return False
            raise
        return True
