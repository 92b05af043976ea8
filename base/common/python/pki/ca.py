"""The CA subsystem: ``CAClient`` and ``CASystemCertClient``."""

from __future__ import annotations

import logging
from typing import Any

import pki
import pki.subsystem
from pki.systemcert import SystemCertClient

__all__ = ["CAClient", "CASystemCertClient"]

logger = logging.getLogger(__name__)


class CAClient(pki.subsystem.SubsystemClient):
    """The CA of ``parent`` (a ``PKIClient``, or a ``PKIConnection``): ``CertClient(ca)``,
    ``ProfileClient(ca)``, ``AuthorityClient(ca)``... send their requests to ``/ca/...``."""

    def __init__(self, parent: Any) -> None:
        super().__init__(parent, "ca")


class CASystemCertClient(SystemCertClient):
    """The CA's system certificates (``/ca/<api>/config/cert/...``, anonymous).

    Upstream has this client in Java only (``org.dogtagpki.ca.CASystemCertClient``); this is
    its Python form: the signing certificate (with its chain) and the CA's copy of the KRA
    transport certificate.
    """

    def __init__(self, parent: Any) -> None:
        super().__init__(parent, "ca")

    @pki.handle_exceptions()
    def get_signing_cert(self) -> pki.cert.CertData:
        """The CA signing certificate: ``encoded`` (PEM), ``binary`` (DER) and
        ``pkcs7_cert_chain`` (base64 PKCS#7 of its chain)."""
        return self._system_cert("signing")
