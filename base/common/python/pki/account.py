"""Session login and logout (``/<subsystem>/<api>/account/login|logout``).

Logging in makes the server create a session (the ``JSESSIONID`` cookie) for the credentials
the connection presents; later calls on the same connection reuse it, and the server keeps
per-session state such as revocation and review nonces there. Logging out ends it.
"""

from __future__ import annotations

import logging
from typing import Any

import pki
import pki.client
from pki.resource import ResourceClient

__all__ = ["AccountClient"]

logger = logging.getLogger(__name__)


class AccountClient(ResourceClient):
    """Login/logout for one subsystem.

    ``parent`` is a subsystem client (``CAClient``, ``KRAClient``, ``SubsystemClient``), a
    ``PKIClient`` or a ``PKIConnection``. The subsystem comes from ``subsystem``, else from
    the subsystem client, else from the connection's deprecated ``subsystem``, else ``'ca'``.
    """

    default_subsystem = "ca"

    def __init__(self, parent: Any, subsystem: str | None = None) -> None:
        super().__init__(parent, subsystem)

    @pki.handle_exceptions()
    def login(self) -> Any:
        """Open a session; returns the account JSON (``id``, ``FullName``, ``Roles``...)."""
        account = self._get_json("account/login")
        if isinstance(account, dict):
            logger.info("Logged in to %s as %s", self.subsystem_name, account.get("id"))
        return account

    @pki.handle_exceptions()
    def logout(self) -> None:
        """End the session (the server answers 204)."""
        self._request("GET", "account/logout")
        logger.info("Logged out of %s", self.subsystem_name)
