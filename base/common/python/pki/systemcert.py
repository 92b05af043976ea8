"""A subsystem's system certificates: today the KRA transport certificate.

``GET /<subsystem>/<api>/config/cert/transport`` is anonymous. The transport certificate is
what clients wrap session keys with before sending secrets to the KRA.
"""

from __future__ import annotations

import logging
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

import pki
from pki.cert import CertData
from pki.info import ApiTarget, response_json

logger = logging.getLogger(__name__)


class SystemCertClient:
    """System certificates of ``subsystem`` (default: the connection's, else ``'kra'``)."""

    def __init__(self, parent: Any, subsystem: str | None = None) -> None:
        self.target = ApiTarget(parent, subsystem=subsystem, default_subsystem="kra")
        self.connection = self.target.connection
        self.pki_client = self.target.pki_client
        self.subsystem_name = self.target.subsystem

    @pki.handle_exceptions()
    def get_transport_cert(self) -> CertData:
        """The transport certificate as ``CertData``: ``encoded`` (PEM) and ``binary`` (DER)."""
        cert_data = CertData.from_json(response_json(self.target.get("config/cert/transport")))
        if not cert_data.encoded:
            raise pki.PKIException("The server sent no transport certificate")
        # ``Encoded`` is PEM; parse it rather than slicing the armour off by position.
        cert = x509.load_pem_x509_certificate(cert_data.encoded.encode("ascii"))
        cert_data.binary = cert.public_bytes(Encoding.DER)
        return cert_data

    def get_transport_certificate(self) -> x509.Certificate:
        """The transport certificate as a ``cryptography`` certificate."""
        cert_data = self.get_transport_cert()
        assert cert_data.binary is not None
        return x509.load_der_x509_certificate(cert_data.binary)
