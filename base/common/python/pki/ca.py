"""``CAClient``: a CA subsystem on a connection, with its certificate client."""

from __future__ import annotations

from typing import Any

import pki.cert


class CAClient:
    """The CA subsystem.

    ``parent`` is a ``PKIClient`` or a ``PKIConnection``. Like upstream's ``SubsystemClient``
    it has ``parent`` and ``name`` (``'ca'``), so ``CertClient(ca_client)`` and
    ``AccountClient(ca_client)`` work; ``certs`` is a ready ``CertClient``.
    """

    def __init__(self, parent: Any) -> None:
        self.parent = parent
        self.name = "ca"
        self.connection = getattr(parent, "connection", parent)
        self.certs = pki.cert.CertClient(self)
