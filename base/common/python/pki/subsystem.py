"""``SubsystemClient``: a named subsystem (``ca``, ``kra``, ``acme``...) of a server.

Resource clients built on one (``CertClient(CAClient(pki_client))``,
``ProfileClient(SubsystemClient(pki_client, 'ca'))``) send their requests to
``/<name>/<api>/...`` over ``parent``'s connection. ``parent`` is a ``PKIClient`` as upstream;
a ``PKIConnection`` works too (then the API path is the connection's, see
``PKIConnection.get_api_path``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["SubsystemClient"]


class SubsystemClient:
    """A subsystem called ``name`` on ``parent`` (a ``PKIClient`` or ``PKIConnection``)."""

    def __init__(self, parent: Any, name: str) -> None:
        self.parent = parent
        self.name = name

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"
