"""A subsystem's system certificates (``/<subsystem>/<api>/config/cert/...``).

``GET .../config/cert/transport`` is anonymous; its certificate is what clients wrap session
keys with before they send secrets to the KRA.
"""

from __future__ import annotations

import logging
from typing import Any

import pki
import pki.encoder
from pki.resource import ResourceClient

__all__ = ["SystemCertClient"]

logger = logging.getLogger(__name__)


class SystemCertClient(ResourceClient):
    """System certificates of ``subsystem`` (default: the parent's, else ``'kra'``).

    ``parent`` is a ``PKIConnection``, a ``PKIClient`` or a subsystem client (``KRAClient``).
    """

    default_subsystem = "kra"

    def __init__(self, parent: Any, subsystem: str | None = None) -> None:
        super().__init__(parent, subsystem)

    def _system_cert(self, name: str) -> pki.cert.CertData:
        cert_data = self._get_json(f"config/cert/{name}", decode=pki.cert.CertData.from_json)
        if not cert_data.encoded:
            raise pki.PKIException(f"The server sent no {name} certificate")
        cert_data.binary = pki.encoder.decode_cert(_pem_body(cert_data.encoded))
        return cert_data

    @pki.handle_exceptions()
    def get_transport_cert(self) -> pki.cert.CertData:
        """The transport certificate: ``encoded`` (PEM) and ``binary`` (DER)."""
        return self._system_cert("transport")


def _pem_body(pem: str) -> str:
    """The base64 between a PEM block's armour lines."""
    begin = pem.find(pki.CERT_HEADER)
    end = pem.find(pki.CERT_FOOTER)
    if begin < 0 or end < begin:
        raise pki.PKIException("The server's certificate is not PEM")
    return "".join(pem[begin + len(pki.CERT_HEADER) : end].split())


# Last, because pki.cert imports pki.ca, whose CASystemCertClient subclasses SystemCertClient:
# ``import pki.systemcert`` makes pki.cert available, as upstream's does.
import pki.cert  # noqa: E402
