"""A PKCS #12 file's certificates: upstream's ``pki.pkcs12.PKCS12``, done in-process.

Upstream wrote the password into a temporary file and ran the Java ``pki
pkcs12-cert-find`` / ``pkcs12-cert-export``. Here NSS's own PKCS #12 decoder reads the file
(``pki.nss.pkcs12.pkcs12_certs``, the code ``NSSDatabase.import_pkcs12`` uses): no
temporary directory, no password file, no subprocess. cryptography's ``load_pkcs12`` would
read the same files (checked: pk12util's, and ``openssl pkcs12 -export``'s with AES, 3DES
and ``-legacy`` RC2), but it would be a second PKCS #12 reader beside the one imports use,
and it decrypts the private key, which listing certificates does not need; NSS checks the
file's MAC and leaves the keys encrypted. NSS's internal slot serves: no database is opened,
so ``nssdb`` (which upstream needed to run the Java CLI) is kept but not used.

Errors keep upstream's types: a missing password raises ``Exception('Missing PKCS #12
password')`` from the constructor; what the Java CLI failed on raises a
``subprocess.CalledProcessError`` that is also a specific ``pki.nssdb`` error:
``BadPasswordError`` (wrong password), ``PKCS12FileError`` (unreadable, or not PKCS #12),
``CertificateNotFoundError`` (no certificate of that friendly name).
"""

from __future__ import annotations

import base64
import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509

from pki import _certdata
from pki.nss import NSSError
from pki.nss import pkcs12 as nss_pkcs12
from pki.nss.slots import internal_slot
from pki.nssdb import (
    BadPasswordError,
    CertificateNotFoundError,
    Secret,
    _command_error,
    read_pkcs12_password,
)

__all__ = ["PKCS12", "PKCS12FileError"]

_BAD_PASSWORD = ("SEC_ERROR_BAD_PASSWORD", "SEC_ERROR_PKCS12_INVALID_MAC")
_HEADER = "-----BEGIN CERTIFICATE-----"
_FOOTER = "-----END CERTIFICATE-----"


class PKCS12FileError(NSSError):
    """The PKCS #12 file cannot be read or is not a PKCS #12 file; ``path`` names it."""

    def __init__(self, message: str, path: str | os.PathLike[str]) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class _CertInfo:
    """One certificate of the file, as the Java CLI's ``PKCS12CertInfo`` describes it."""

    der: bytes
    cert: x509.Certificate
    friendly_name: str
    has_key: bool

    @classmethod
    def of(cls, entry: nss_pkcs12.PKCS12Cert) -> _CertInfo:
        cert = x509.load_der_x509_certificate(entry.der)
        name = entry.friendly_name or _generated_name(cert.subject)
        return cls(entry.der, cert, name, entry.has_key)

    @property
    def id(self) -> bytes:
        """The Java CLI's certificate ID: the certificate's SHA-1."""
        return hashlib.sha1(self.der, usedforsecurity=False).digest()

    @property
    def key_id(self) -> bytes | None:
        """The local key ID that pk12util, OpenSSL and this project's export give a
        certificate with a key: its SHA-1 (NSS's decoder does not show the attribute)."""
        return self.id if self.has_key else None

    def lines(self) -> list[str]:
        """The ``pki pkcs12-cert-find`` lines (``PKCS12CertCLI.printCertInfo``). Trust
        flags, a Dogtag attribute NSS's decoder does not show, are left out, as Java does
        for files without them (pk12util's and OpenSSL's)."""
        lines = [
            f"  Certificate ID: 0x{self.id.hex()}",
            f"  Serial Number: 0x{self.cert.serial_number:x}",
            f"  Friendly Name: {self.friendly_name}",
            f"  Subject DN: {_certdata.dn_string(self.cert.subject)}",
            f"  Issuer DN: {_certdata.dn_string(self.cert.issuer)}",
            f"  Has Key: {'true' if self.has_key else 'false'}",
        ]
        if self.key_id is not None:
            lines.append(f"  Key ID: 0x{self.key_id.hex()}")
        return lines


def _generated_name(subject: x509.Name) -> str:
    """The friendly name the Java tools give a certificate without one: the values of its
    subject, most specific first, joined by `` - ``."""
    return " - ".join(str(next(iter(rdn)).value) for rdn in reversed(subject.rdns))


def _java_pem(der: bytes) -> str:
    """PEM as the Java CLI writes it: MIME base-64 (76 columns, CRLF) between header and
    footer lines that end in LF."""
    body = base64.b64encode(der).decode("ascii")
    lines = [body[i : i + 76] for i in range(0, len(body), 76)]
    return f"{_HEADER}\n" + "\r\n".join(lines) + f"\r\n{_FOOTER}\n"


class PKCS12:
    """The PKCS #12 file ``path``, opened with ``password`` or the first line of
    ``password_file`` (read when the file is, as upstream's CLI did). ``password_file`` stays
    None when a password is given (upstream pointed it at its temporary copy)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        password: str | None = None,
        password_file: str | os.PathLike[str] | None = None,
        nssdb: Any = None,
    ) -> None:
        self.path = path
        self.nssdb = nssdb
        self.tmpdir = None  # upstream's scratch directory for the password: never needed
        self.password_file = None if password else password_file
        self._password: Secret | None = Secret(password) if password else None
        if not password and not password_file:
            raise Exception("Missing PKCS #12 password")

    def close(self) -> None:
        """Forget the password given to the constructor (upstream removed its file); safe
        to call more than once. A ``password_file`` is read again on the next call."""
        self._password = None

    def __enter__(self) -> PKCS12:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _cert_infos(self, operation: str) -> list[_CertInfo]:
        """The file's certificates in the file's order (each once), after NSS checked the
        file's MAC with the password; errors as upstream's ``operation`` failing."""
        cmd = [operation, "--pkcs12", str(self.path)]
        if self._password is None and not self.password_file:
            raise _command_error(
                NSSError(f"PKCS #12 file {self.path} was closed: its password is gone"), cmd
            )
        password = read_pkcs12_password(self._password, self.password_file)
        try:
            data = Path(self.path).read_bytes()
        except OSError as exc:
            error = PKCS12FileError(
                f"cannot read PKCS #12 file {self.path}: {exc.strerror or exc}", self.path
            )
            raise _command_error(error, cmd) from None
        try:
            with internal_slot() as slot:
                entries = nss_pkcs12.pkcs12_certs(slot, data, password)
        except NSSError as exc:
            raise _command_error(self._explain(exc), cmd) from None
        seen: dict[bytes, _CertInfo] = {}
        for entry in entries:
            info = _CertInfo.of(entry)
            seen.setdefault(info.id, info)
        return list(seen.values())

    def _explain(self, exc: NSSError) -> NSSError:
        if exc.error_name in _BAD_PASSWORD:
            error: NSSError = BadPasswordError(
                f"wrong password for PKCS #12 file {self.path}: give the password it was "
                "exported with"
            )
        else:
            error = PKCS12FileError(
                f"{self.path} is not a PKCS #12 file NSS can read ({exc.error_text or exc})",
                self.path,
            )
        error.error_name, error.error_text, error.code = exc.error_name, exc.error_text, exc.code
        return error

    def show_certs(self) -> None:
        """Print the certificates to standard output as ``pki pkcs12-cert-find`` does: an
        ``N entries found`` banner, then one block per certificate."""
        infos = self._cert_infos("pkcs12-cert-find")
        message = f"{len(infos)} entries found"
        out = [("-" * len(message)), message, "-" * len(message)]
        for index, info in enumerate(infos):
            if index:
                out.append("")
            out.extend(info.lines())
        sys.stdout.write("\n".join(out) + "\n")
        sys.stdout.flush()

    def get_cert(self, nickname: str, cert_format: str = "PEM") -> str | bytes:
        """The certificate(s) of friendly name ``nickname``, as ``pki pkcs12-cert-export``
        prints them: ``PEM`` (any case) gives the PEM text of each, as a ``str`` like
        upstream; ``DER`` gives ``bytes`` (the last of them, as Java), where upstream
        crashed decoding DER as UTF-8."""
        fmt = cert_format.upper()
        cmd = ["pkcs12-cert-export", "--pkcs12-file", str(self.path), "--cert-format", fmt]
        if fmt not in ("PEM", "DER"):
            raise _command_error(
                NSSError(f"Unsupported format: {cert_format} (use PEM or DER)"), cmd
            )
        infos = self._cert_infos("pkcs12-cert-export")
        matching = [info for info in infos if info.friendly_name == nickname]
        if not matching:
            names = [info.friendly_name for info in infos]
            error = CertificateNotFoundError(
                f"Certificate not found: no certificate named {nickname!r} in PKCS #12 file "
                f"{self.path} (it holds {', '.join(map(repr, names)) or 'none'})",
                names,
            )
            raise _command_error(error, cmd)
        if fmt == "DER":
            return matching[-1].der
        return "".join(_java_pem(info.der) for info in matching)
