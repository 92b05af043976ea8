"""Session login and logout (``/<subsystem>/<api>/account/login|logout``).

Logging in makes the server create a session (the ``JSESSIONID`` cookie) for the credentials
the connection presents; later calls on the same connection reuse it, and the server keeps
per-session state such as revocation and review nonces there. Logging out ends it.
"""

from __future__ import annotations

import logging
from typing import Any

import pki
from pki.info import ApiTarget, response_json

logger = logging.getLogger(__name__)


class AccountClient:
    """Login/logout for one subsystem.

    ``parent`` is a ``PKIConnection``, a ``PKIClient`` or a subsystem client (``CAClient``,
    ``KRAClient``). The subsystem comes from ``subsystem``, else from the subsystem client,
    else from the connection's deprecated ``subsystem``, else ``'ca'``.
    """

    def __init__(self, parent: Any, subsystem: str | None = None) -> None:
        self.target = ApiTarget(parent, subsystem=subsystem, default_subsystem="ca")
        self.connection = self.target.connection
        self.pki_client = self.target.pki_client
        self.subsystem_name = self.target.subsystem

    @pki.handle_exceptions()
    def login(self) -> Any:
        """Open a session; returns the account JSON (``id``, ``FullName``, ``Roles``...)."""
        response = self.target.get("account/login")
        account = response_json(response)
        if isinstance(account, dict):
            logger.info("Logged in to %s as %s", self.subsystem_name, account.get("id"))
        return account

    @pki.handle_exceptions()
    def logout(self) -> None:
        """End the session (the server answers 204)."""
        self.target.get("account/logout")
        logger.info("Logged out of %s", self.subsystem_name)
