"""``KRAClient``: a KRA subsystem on a connection, with its key and system-cert clients."""

from __future__ import annotations

from typing import Any

import pki.info
import pki.key
import pki.systemcert


class KRAClient:
    """The KRA subsystem.

    Accepts upstream 11.2's ``KRAClient(connection, crypto, transport_cert_nick=None)`` and
    11.10's ``KRAClient(pki_client, crypto=None)``. Has ``parent`` and ``name`` (``'kra'``)
    like upstream's ``SubsystemClient``; ``keys`` is a ``KeyClient``, ``system_certs`` a
    ``SystemCertClient`` for the KRA, ``info`` an ``InfoClient``. Nothing here talks to the
    server until a method is called.
    """

    def __init__(
        self,
        parent: Any,
        crypto: Any = None,
        transport_cert_nick: str | None = None,
        **key_client_options: Any,
    ) -> None:
        self.parent = parent
        self.name = "kra"
        self.connection = getattr(parent, "connection", parent)
        self.crypto = crypto
        self.info = pki.info.InfoClient(parent)
        self.keys = pki.key.KeyClient(
            self, crypto, transport_cert_nick, info_client=self.info, **key_client_options
        )
        self.system_certs = pki.systemcert.SystemCertClient(self, "kra")
