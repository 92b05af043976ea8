"""The KRA subsystem: ``KRAClient`` and ``KRASystemCertClient``."""

from __future__ import annotations

import logging
from typing import Any

import pki.client
import pki.info
import pki.key
import pki.subsystem
import pki.systemcert

__all__ = ["KRAClient", "KRASystemCertClient"]

logger = logging.getLogger(__name__)


class KRAClient(pki.subsystem.SubsystemClient):
    """The KRA of ``parent``.

    As upstream master: built on a ``PKIConnection`` (the form FreeIPA's vault uses,
    ``KRAClient(pki_client.connection, crypto)``), it fills ``crypto``, ``info`` (an
    ``InfoClient``), ``keys`` (a ``KeyClient``) and ``system_certs`` (a ``SystemCertClient``);
    built on a ``PKIClient`` it leaves them None and the caller builds what it needs
    (``KeyClient(kra_client)``...). 11.2's third argument, ``transport_cert_nick``, and
    ``KeyClient``'s keyword options (``transport_cert=``, ``nssdb=``, ``oaep=``...) are passed
    on to the ``KeyClient``. Nothing here talks to the server until a method is called.
    """

    def __init__(
        self,
        parent: Any,
        crypto: Any = None,
        transport_cert_nick: str | None = None,
        **key_client_options: Any,
    ) -> None:
        super().__init__(parent, "kra")
        self.crypto: Any = None
        self.info: pki.info.InfoClient | None = None
        self.keys: pki.key.KeyClient | None = None
        self.system_certs: pki.systemcert.SystemCertClient | None = None
        if isinstance(parent, pki.client.PKIConnection):
            self.connection = parent
            self.crypto = crypto
            self.info = pki.info.InfoClient(parent)
            self.keys = pki.key.KeyClient(
                parent, crypto, transport_cert_nick, self.info, **key_client_options
            )
            self.system_certs = pki.systemcert.SystemCertClient(parent)
        else:
            self.connection = parent.connection


class KRASystemCertClient(pki.systemcert.SystemCertClient):
    """The KRA's system certificates (``/kra/<api>/config/cert/...``, anonymous).

    Upstream has this client in Java only (``org.dogtagpki.kra.KRASystemCertClient``); this
    is its Python form.
    """

    def __init__(self, parent: Any) -> None:
        super().__init__(parent, "kra")
