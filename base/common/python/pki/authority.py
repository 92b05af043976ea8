"""Lightweight CAs (sub-CAs of the host CA): ``AuthorityClient`` and ``AuthorityData``.

``/ca/<api>/authorities`` lists and reads authorities anonymously; creating, enabling,
disabling and deleting one needs an administrator (FreeIPA grants it to its CA agents too).
Each authority's signing certificate and chain can be fetched in PEM or in binary form.
"""

from __future__ import annotations

import logging
from typing import Any

import pki
import pki.cert
import pki.client
import pki.encoder
from pki.resource import DataCollection, JSONData, ResourceClient, as_bool, data, json_field

__all__ = [
    "AuthorityData",
    "AuthorityDataCollection",
    "AuthorityClient",
    "issue_cert_using_authority",
]

logger = logging.getLogger(__name__)

# The Accept header per format, and whether the answer is text (PEM) or bytes.
_CERT_FORMATS = {"PEM": ("application/x-pem-file", True), "DER": ("application/pkix-cert", False)}
_CHAIN_FORMATS = {
    "PEM": ("application/x-pem-file", True),
    "PKCS7": ("application/pkcs7-mime", False),
}


@data
class AuthorityData(JSONData):
    """An authority: ``aid`` (its UUID), ``dn``, ``parent_aid``, ``description``, ``enabled``
    and ``is_host_authority``. The server also sends ``issuerDN``, ``serial`` and ``ready``;
    they stay attributes of those names, as upstream (FreeIPA reads ``issuerDN``).

    As upstream, ``enabled`` and ``is_host_authority`` may be given as ``"True"``/``"False"``.
    """

    dn: str | None = json_field("dn", show=True)
    aid: str | None = json_field("id", show=True)
    parent_aid: str | None = json_field("parentID", show=True)
    description: str | None = json_field("description", show=True)
    enabled: Any = json_field("enabled", default="False", show=True, convert=as_bool)
    is_host_authority: Any = json_field(
        "isHostAuthority", default="False", show=True, convert=as_bool
    )
    link: Any = json_field(local=True)


class AuthorityDataCollection(DataCollection[AuthorityData]):
    """The authorities (``ca_list``); the server sends a bare JSON array."""

    item_type = AuthorityData
    items_attr = "ca_list"
    bare_array = True
    ca_list: list[AuthorityData]


class AuthorityClient(ResourceClient):
    """Lightweight CAs of a CA (``/ca/<api>/authorities``).

    ``parent`` is a subsystem client (``CAClient``, ``SubsystemClient(pki_client, 'ca')``),
    a ``PKIClient`` or a ``PKIConnection``.
    """

    default_subsystem = "ca"
    subsystem_client_attr = "ca_client"

    @staticmethod
    def _check_id(aid: Any, what: str = "CA ID") -> str:
        if aid is None:
            raise ValueError(f"{what} must be specified")
        return str(aid)

    @pki.handle_exceptions()
    def get_ca(self, aid: str) -> AuthorityData:
        """The authority ``aid`` (``host-authority`` names the host CA)."""
        aid = self._check_id(aid, "Subordinate aid")
        return self._get_json(f"authorities/{aid}", decode=AuthorityData.from_json)

    def _download(self, aid: str, what: str, output_format: str, formats: dict) -> Any:
        aid = self._check_id(aid)
        if output_format not in formats:
            raise ValueError(
                f"Invalid format passed in: {output_format!r} ({' or '.join(formats)} expected)."
            )
        accept, text = formats[output_format]
        headers = {"Content-type": "application/json", "Accept": accept}
        response = self._request("GET", f"authorities/{aid}/{what}", headers=headers)
        return response.text if text else response.content

    @pki.handle_exceptions()
    def get_cert(self, aid: str, output_format: str = "PEM") -> str | bytes:
        """The authority's signing certificate: PEM text, or ``"DER"`` bytes.

        Upstream returns the DER form as text too, which corrupts it; here it is bytes.
        """
        return self._download(aid, "cert", output_format, _CERT_FORMATS)

    @pki.handle_exceptions()
    def get_chain(self, aid: str, output_format: str = "PKCS7") -> str | bytes:
        """The authority's certificate chain: ``"PKCS7"`` (DER bytes) or ``"PEM"`` text
        (a ``-----BEGIN PKCS7-----`` block)."""
        return self._download(aid, "chain", output_format, _CHAIN_FORMATS)

    @pki.handle_exceptions()
    def list_cas(
        self,
        max_results: int | None = None,
        max_time: int | None = None,
        start: int | None = None,
        size: int | None = None,
        *,
        aid: str | None = None,
        parent_aid: str | None = None,
        dn: str | None = None,
        issuer_dn: str | None = None,
    ) -> AuthorityDataCollection:
        """The authorities (the server ignores the paging parameters, as upstream's does).

        The keyword-only filters are the server's (``id``, ``parentID``, ``dn``, ``issuerDN``),
        which the Java client offers and upstream's Python client does not.
        """
        params = {
            "maxResults": max_results, "maxTime": max_time, "start": start, "size": size,
            "id": aid, "parentID": parent_aid, "dn": dn, "issuerDN": issuer_dn,
        }
        return self._get_json("authorities", params, decode=AuthorityDataCollection.from_json)

    @pki.handle_exceptions()
    def create_ca(
        self, ca_data: AuthorityData, *, description_required: bool = True
    ) -> AuthorityData:
        """Create a sub-CA: ``dn``, ``description`` and ``parent_aid`` are required, and a
        missing one raises ValueError before anything is sent, as upstream.

        Dogtag itself needs no description (the Java CLI sends none when ``--desc`` is not
        given): ``description_required=False`` (an extension) sends the request without one.
        """
        if ca_data is None:
            raise ValueError("ca_data must be defined")
        if ca_data.dn is None:
            raise ValueError("Subject DN must be defined in ca_data")
        if description_required and ca_data.description is None:
            raise ValueError("Description must be defined in ca_data")
        if ca_data.parent_aid is None:
            raise ValueError(
                "parent_aid must be defined.  Top level CAs are not yet supported"
            )
        return self._send_json("POST", "authorities", ca_data, decode=AuthorityData.from_json)

    @pki.handle_exceptions()
    def enable_ca(self, aid: str) -> None:
        """Enable the authority."""
        self._request("POST", f"authorities/{self._check_id(aid)}/enable")

    @pki.handle_exceptions()
    def disable_ca(self, aid: str) -> None:
        """Disable the authority (the host CA cannot be)."""
        self._request("POST", f"authorities/{self._check_id(aid)}/disable")

    @pki.handle_exceptions()
    def delete_ca(self, aid: str) -> None:
        """Delete a disabled authority that has no sub-CAs."""
        self._request("DELETE", f"authorities/{self._check_id(aid)}")


pki.encoder.NOTYPES["AuthorityData"] = AuthorityData


def issue_cert_using_authority(
    cert_client: pki.cert.CertClient,
    authority_id: str,
    inputs: dict[str, Any] | None = None,
    profile_id: str = "caServerCert",
) -> list[pki.cert.CertEnrollmentResult]:
    """Enroll a certificate signed by the authority ``authority_id``; returns the results.

    Upstream's version is a demo that prints a fixed CRMF request's results. Here the inputs
    are the caller's (as for ``CertClient.enroll_cert``); without them a fresh key and a
    PKCS#10 request for ``CN=<authority_id>`` are made (the key is discarded). The results are
    logged, not printed.
    """
    if inputs is None:
        inputs = {"cert_request_type": "pkcs10", "cert_request": _throwaway_csr(authority_id)}
    results = cert_client.enroll_cert(profile_id, inputs, authority_id)
    for result in results:
        logger.info(
            "Request %s (%s) via authority %s: certificate %s",
            result.request.request_id, result.request.request_status, authority_id,
            result.cert.serial_number if result.cert else None,
        )
    return results


def _throwaway_csr(common_name: str) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .sign(key, hashes.SHA256())
    )
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")
