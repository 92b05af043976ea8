"""Helpers the client test modules share: clients authenticated from an NSS database, CSRs,
HTTP statuses and a record of the paths a connection requested.

The session test server is shared by many modules, so every helper that names something
(users, profiles, subjects, client key IDs) makes the name unique.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

import pki
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pki.client import PKIClient, PKIConnection


def nss_kwargs(source: Any) -> dict[str, Any]:
    """``nssdb``/``nickname``/``nssdb_password_file`` of a server's agent or of a TestUser."""
    info = source.nss_info if hasattr(source, "nss_info") else source.info
    return {
        "nssdb": info["nssdb"],
        "nickname": info["nickname"],
        "nssdb_password_file": info["password_file"],
    }


def nss_connection(server: Any, who: Any = None) -> PKIConnection:
    """An upstream-style connection authenticated (and trusting) from an NSS database: the
    server's agent, or ``who`` (a ``TestUser``)."""
    return PKIConnection("https", "127.0.0.1", server.port, **nss_kwargs(who or server))


def nss_client(server: Any, who: Any = None, **kwargs: Any) -> PKIClient:
    """A PKIClient (no CA bundle) whose trust and client certificate come from an NSS
    database: the server's agent, or ``who``. ``kwargs`` go to ``PKIClient``."""
    client = PKIClient(server.url, **kwargs)
    client.set_client_auth(**nss_kwargs(who or server))
    return client


def anonymous_client(server: Any, **kwargs: Any) -> PKIClient:
    """A PKIClient with no client certificate, trusting the server's CA file."""
    return PKIClient(server.url, ca_bundle=str(server.ca_cert_path), **kwargs)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def make_csr(cn: str, key: Any = None) -> tuple[str, Any]:
    """A PEM PKCS#10 request for ``CN=cn`` with ``cn`` as DNS SAN; returns (PEM, key)."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(cn)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return csr.public_bytes(serialization.Encoding.PEM).decode(), key


def pkcs10_inputs(csr: str) -> dict[str, str]:
    return {"cert_request_type": "pkcs10", "cert_request": csr}


def spki(key: Any) -> bytes:
    """A public key's DER SubjectPublicKeyInfo (to compare keys)."""
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_pem(cert: Any) -> x509.Certificate:
    """The certificate of a ``CertData`` (its PEM ``encoded``)."""
    assert cert.encoded
    return x509.load_pem_x509_certificate(cert.encoded.encode())


def http_status(exc: BaseException) -> int | None:
    """The HTTP status of a PKIException (``code``) or of requests' HTTPError."""
    if isinstance(exc, pki.PKIException):
        return exc.code
    return getattr(getattr(exc, "response", None), "status_code", None)


def record_paths(connection: PKIConnection) -> list[str]:
    """The path of every response ``connection`` receives, in order (a requests hook)."""
    seen: list[str] = []

    def hook(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        seen.append(urlsplit(response.url).path)

    connection.session.hooks["response"].append(hook)
    return seen
