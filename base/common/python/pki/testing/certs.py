"""A small test PKI: a CA that issues real certificates for tests, the demo and benchmarks.

Modelled on trustme: ``CA()`` makes a self-signed CA, ``ca.issue_cert(...)`` makes a leaf
certificate with its key. Everything stays in memory; writing PEM or PKCS#12 files is left to
the caller (tests, the test server), because the library itself never writes keys.
"""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Union

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PrivateKey = Union[rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey]

_EKU = {
    "client": ExtendedKeyUsageOID.CLIENT_AUTH,
    "server": ExtendedKeyUsageOID.SERVER_AUTH,
    "email": ExtendedKeyUsageOID.EMAIL_PROTECTION,
}


def generate_key(key_type: str = "rsa") -> PrivateKey:
    """A fresh private key: ``rsa`` (2048 bits), ``rsa3072``, or ``ec`` (P-256)."""
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if key_type == "rsa3072":
        return rsa.generate_private_key(public_exponent=65537, key_size=3072)
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(f"unknown key type {key_type!r}: use 'rsa', 'rsa3072' or 'ec'")


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def _name(common_name: str, organization: str | None) -> x509.Name:
    attrs = []
    if organization:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


@dataclass
class IssuedCert:
    """A certificate with its private key and the chain of CA certificates above it."""

    cert: x509.Certificate
    key: PrivateKey
    chain: list[x509.Certificate] = field(default_factory=list)

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def chain_pem(self) -> bytes:
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in self.chain)

    def key_pem(self) -> bytes:
        """The key as unencrypted PKCS#8 PEM (what the PEM status quo keeps on disk)."""
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def to_pkcs12(self, password: bytes, friendly_name: str) -> bytes:
        """The certificate, key and chain as a PKCS#12 blob (for ``pk12util``)."""
        return pkcs12.serialize_key_and_certificates(
            friendly_name.encode(),
            self.key,
            self.cert,
            self.chain or None,
            serialization.BestAvailableEncryption(password),
        )

    def __repr__(self) -> str:
        return f"<IssuedCert subject={self.cert.subject.rfc4514_string()!r}>"


class CA:
    """A self-signed certificate authority for tests.

    ``parent`` makes an intermediate CA signed by another ``CA``.
    """

    cert: x509.Certificate
    key: PrivateKey
    parent: CA | None
    chain: list[x509.Certificate]

    def __init__(
        self,
        common_name: str = "Test CA",
        *,
        organization: str | None = "Example",
        key_type: str = "rsa",
        parent: CA | None = None,
        not_before: datetime.datetime | None = None,
        not_after: datetime.datetime | None = None,
    ) -> None:
        self.key = generate_key(key_type)
        self.parent = parent
        subject = _name(common_name, organization)
        issuer_name = parent.cert.subject if parent else subject
        signing_key = parent.key if parent else self.key
        start = not_before or _now() - datetime.timedelta(days=1)
        end = not_after or _now() + datetime.timedelta(days=3650)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer_name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False
            )
        )
        self.cert = builder.sign(signing_key, hashes.SHA256())
        self.chain = [self.cert] + (parent.chain if parent else [])

    @classmethod
    def from_pem(cls, cert_pem: bytes, key_pem: bytes, parent: CA | None = None) -> CA:
        """Rebuild a CA from its stored certificate and key (the test server's state dir)."""
        key = serialization.load_pem_private_key(key_pem, password=None)
        if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
            raise ValueError("the CA key must be RSA or EC")
        return cls.from_key(x509.load_pem_x509_certificate(cert_pem), key, parent)

    @classmethod
    def from_key(cls, cert: x509.Certificate, key: PrivateKey, parent: CA | None = None) -> CA:
        """A CA from a certificate and its key; ``parent`` is the CA that signed it."""
        ca = cls.__new__(cls)
        ca.cert = cert
        ca.key = key
        ca.parent = parent
        ca.chain = [cert] + (parent.chain if parent else [])
        return ca

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def issue_cert(
        self,
        common_name: str,
        *,
        key_type: str = "rsa",
        organization: str | None = "Example",
        usages: Sequence[str] = ("client",),
        dns_names: Sequence[str] = (),
        ip_addresses: Sequence[str] = (),
        emails: Sequence[str] = (),
        not_before: datetime.datetime | None = None,
        not_after: datetime.datetime | None = None,
        key: PrivateKey | None = None,
        serial_number: int | None = None,
    ) -> IssuedCert:
        """Issue a leaf certificate.

        ``usages`` selects the extended key usages (``client``, ``server``, ``email``); an
        empty sequence leaves the extension out, which TLS treats as "any usage".
        """
        key = key or generate_key(key_type)
        cert = self.sign(
            _name(common_name, organization),
            key.public_key(),
            usages=usages,
            dns_names=dns_names,
            ip_addresses=ip_addresses,
            emails=emails,
            not_before=not_before,
            not_after=not_after,
            serial_number=serial_number,
        )
        return IssuedCert(cert=cert, key=key, chain=list(self.chain))

    def sign(
        self,
        subject: x509.Name,
        public_key: object,
        *,
        usages: Sequence[str] = ("client",),
        dns_names: Sequence[str] = (),
        ip_addresses: Sequence[str] = (),
        emails: Sequence[str] = (),
        not_before: datetime.datetime | None = None,
        not_after: datetime.datetime | None = None,
        serial_number: int | None = None,
    ) -> x509.Certificate:
        """Sign a certificate for ``subject`` and ``public_key`` (e.g. from a CSR)."""
        start = not_before or _now() - datetime.timedelta(hours=1)
        end = not_after or _now() + datetime.timedelta(days=365)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.cert.subject)
            .public_key(public_key)  # type: ignore[arg-type]
            .serial_number(serial_number or x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(
                    self.key.public_key()  # type: ignore[arg-type]
                ),
                critical=False,
            )
        )
        if usages:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([_EKU[u] for u in usages]), critical=False
            )
        names: list[x509.GeneralName] = [x509.DNSName(n) for n in dns_names]
        names += [x509.IPAddress(ipaddress.ip_address(a)) for a in ip_addresses]
        names += [x509.RFC822Name(e) for e in emails]
        if names:
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        return builder.sign(self.key, hashes.SHA256())

    def __repr__(self) -> str:
        return f"<CA subject={self.cert.subject.rfc4514_string()!r}>"
