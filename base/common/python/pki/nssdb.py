"""NSS databases: upstream Dogtag's ``pki.nssdb`` API, done in-process through NSS.

``NSSDatabase`` has the constructor, methods, return values and exceptions of upstream
master's class (``create``, ``add_cert``, ``import_pkcs12``, ``create_request``,
``verify_cert``, ``get_cert``, ``get_cert_info``...), but instead of running ``certutil``,
``pk12util``, ``openssl`` or the Java ``pki`` tool with passwords in temporary files it calls
NSS directly (``pki.nss``): no subprocess, and no password or key in any file. Failures that
upstream reports as ``subprocess.CalledProcessError`` raise ``NSSCommandError``, which is one
(and an ``NSSError`` too).

The database opens by itself on first use (read-only); every write opens it read-write for
the length of that one operation. It also keeps this project's in-memory API for TLS clients:
``list_certs``, ``get_x509_cert``, ``get_cert_entry``, ``get_trust_anchors``,
``find_client_certs`` and ``get_client_credentials`` (the key exported by NSS encrypted under
a one-time password and decrypted in memory).

Typical use::

    db = NSSDatabase("~/.dogtag/nssdb", password_file="password.conf")
    db.add_ca_cert(cert_file="ca.pem")
    db.import_pkcs12("admin.p12", pkcs12_password_file="p12.pw")
    cert, chain, key = db.get_client_credentials("PKI Administrator")
    db.close()
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import grp
import logging
import os
import pwd
import re
import secrets
import stat
import subprocess
import sys
import tempfile
import threading
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Union

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_der_private_key,
    pkcs7,
)
from cryptography.x509.oid import ExtendedKeyUsageOID

import pki
from pki import _certdata, _csr, _der, _pkcs12file, nss
from pki.nss import NSSError
from pki.nss import certs as nss_certs
from pki.nss import keys as nss_keys
from pki.nss import pkcs12 as nss_pkcs12
from pki.nss import slots as nss_slots

__all__ = [
    # upstream's module
    "PRIVATE_KEY_HEADER",
    "PRIVATE_KEY_FOOTER",
    "CSR_HEADER",
    "CSR_FOOTER",
    "LEGACY_CSR_HEADER",
    "LEGACY_CSR_FOOTER",
    "CERT_HEADER",
    "CERT_FOOTER",
    "PKCS7_HEADER",
    "PKCS7_FOOTER",
    "PEM_HEADERS",
    "PEM_FOOTERS",
    "INTERNAL_TOKEN_NAME",
    "INTERNAL_TOKEN_FULL_NAME",
    "convert_data",
    "convert_csr",
    "convert_cert",
    "convert_pkcs7",
    "get_pem_type",
    "split_pem_data",
    "internal_token",
    "normalize_token",
    "NSSDatabase",
    # this project's additions
    "CertInfo",
    "NSSError",
    "NSSCommandError",
    "DatabaseNotFoundError",
    "BadPasswordError",
    "PasswordRequiredError",
    "CertificateNotFoundError",
    "PrivateKeyNotFoundError",
    "CertificateNotValidError",
    "AmbiguousCertificateError",
    "DatabasePermissionError",
    "DatabaseCorruptError",
    "PasswordFileError",
    "PasswordCallbackError",
    "CertificateUsageError",
    "PasswordCallback",
    "PrivateKey",
    "trust_string",
    "read_password_file",
    "read_pkcs12_password",
    "Secret",
]

PRIVATE_KEY_HEADER = "-----BEGIN PRIVATE KEY-----"
PRIVATE_KEY_FOOTER = "-----END PRIVATE KEY-----"
CSR_HEADER = "-----BEGIN CERTIFICATE REQUEST-----"
CSR_FOOTER = "-----END CERTIFICATE REQUEST-----"
LEGACY_CSR_HEADER = "-----BEGIN NEW CERTIFICATE REQUEST-----"
LEGACY_CSR_FOOTER = "-----END NEW CERTIFICATE REQUEST-----"
CERT_HEADER = "-----BEGIN CERTIFICATE-----"
CERT_FOOTER = "-----END CERTIFICATE-----"
PKCS7_HEADER = "-----BEGIN PKCS7-----"
PKCS7_FOOTER = "-----END PKCS7-----"
PEM_HEADERS = [PRIVATE_KEY_HEADER, CSR_HEADER, LEGACY_CSR_HEADER, CERT_HEADER, PKCS7_HEADER]
PEM_FOOTERS = [PRIVATE_KEY_FOOTER, CSR_FOOTER, LEGACY_CSR_FOOTER, CERT_FOOTER, PKCS7_FOOTER]

INTERNAL_TOKEN_NAME = "internal"
INTERNAL_TOKEN_FULL_NAME = "Internal Key Storage Token"

logger = logging.getLogger(__name__)

PasswordCallback = Callable[[str, bool], Union[str, None]]
PrivateKey = Union[rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey]


# -- upstream's module-level helpers -----------------------------------------------------------


def convert_data(
    data: str,
    input_format: str | None,
    output_format: str | None,
    header: str | None = None,
    footer: str | None = None,
    headers: Sequence[str] | None = None,
    footers: Sequence[str] | None = None,
) -> str:
    """Convert PEM to base-64 (one line, no header) and back, as upstream does."""
    source = input_format.upper() if input_format else input_format
    target = output_format.upper() if output_format else output_format
    if source == target:
        return data
    if source == "BASE64" and target == "PEM":
        joined = data.replace("\r", "").replace("\n", "")
        lines = [joined[i : i + 64] for i in range(0, len(joined), 64)]
        return "{}\n{}\n{}\n".format(header, "\n".join(lines), footer)
    if source == "PEM" and target == "BASE64":
        skip_headers = list(headers) if headers else [header]
        skip_footers = list(footers) if footers else [footer]
        kept = []
        for line in data.splitlines():
            line = line.rstrip("\r\n")
            if line in skip_headers or line in skip_footers:
                continue
            kept.append(line)
        return "".join(kept)
    raise Exception(f"Unable to convert data from {source} to {target}")


def convert_csr(csr_data: str, input_format: str | None, output_format: str | None) -> str:
    return convert_data(
        csr_data, input_format, output_format, CSR_HEADER, CSR_FOOTER,
        headers=[CSR_HEADER, LEGACY_CSR_HEADER], footers=[CSR_FOOTER, LEGACY_CSR_FOOTER],
    )


def convert_cert(cert_data: str, input_format: str | None, output_format: str | None) -> str:
    return convert_data(cert_data, input_format, output_format, CERT_HEADER, CERT_FOOTER)


def convert_pkcs7(pkcs7_data: str, input_format: str | None, output_format: str | None) -> str:
    return convert_data(pkcs7_data, input_format, output_format, PKCS7_HEADER, PKCS7_FOOTER)


def get_pem_type(data: str) -> str | None:
    """``PRIVATE KEY``, ``CERTIFICATE REQUEST``, ``CERTIFICATE``, ``PKCS7`` or None."""
    if data.startswith(PRIVATE_KEY_HEADER):
        return "PRIVATE KEY"
    if data.startswith(CSR_HEADER) or data.startswith(LEGACY_CSR_HEADER):
        return "CERTIFICATE REQUEST"
    if data.startswith(CERT_HEADER):
        return "CERTIFICATE"
    if data.startswith(PKCS7_HEADER):
        return "PKCS7"
    return None


def split_pem_data(data: str) -> list[str]:
    """The PEM blocks of ``data``, each ending with its footer line and a newline.

    Text without PEM footers (base-64 only) comes back as one part.
    """
    parts = []
    part = ""
    for line in data.splitlines():
        part += line + "\n"
        if line in PEM_FOOTERS:
            parts.append(part)
            part = ""
    if part:
        parts.append(part)
    return parts


def internal_token(token: str | None) -> bool:
    """Whether ``token`` names the database's own token (empty, ``internal``, or
    ``Internal Key Storage Token``, in any case)."""
    if not token:
        return True
    return token.lower() in (INTERNAL_TOKEN_NAME, INTERNAL_TOKEN_FULL_NAME.lower())


def normalize_token(token: str | None) -> str | None:
    """None for the internal token, other token names unchanged."""
    return None if internal_token(token) else token


# -- errors --------------------------------------------------------------------------------------


class Secret(str):
    """A password that stays out of ``repr()`` (and so out of tracebacks and debug dumps)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'********'"


class NSSCommandError(NSSError, subprocess.CalledProcessError):
    """An upstream ``NSSDatabase`` operation failed.

    Upstream ran a tool for it and raised ``subprocess.CalledProcessError``; programs catch
    that (and log ``e.stderr``), so this is one, with ``returncode`` 1, ``cmd`` naming the
    operation and ``stderr`` the message. Nothing was run.
    """

    def __init__(
        self,
        message: str,
        cmd: Sequence[str] = (),
        error_name: str | None = None,
        error_text: str | None = None,
        code: int | None = None,
    ) -> None:
        NSSError.__init__(self, message, error_name, error_text, code)
        subprocess.CalledProcessError.__init__(self, 1, list(cmd), output="", stderr=message)

    def __str__(self) -> str:
        return str(self.message)


_command_error_classes: dict[type[Exception], type[NSSCommandError]] = {}


def _command_error_class(kind: type[Exception]) -> type[NSSCommandError]:
    """``NSSCommandError`` that is also a ``kind`` (e.g. ``BadPasswordError``)."""
    if issubclass(kind, NSSCommandError):
        return kind
    if kind is NSSError:
        return NSSCommandError
    if kind not in _command_error_classes:
        name = f"NSSCommandError[{kind.__name__}]"
        _command_error_classes[kind] = type(
            name, (NSSCommandError, kind), {"__module__": __name__, "__qualname__": name}
        )
    return _command_error_classes[kind]


def _command_error(exc: Exception, cmd: Sequence[str]) -> NSSCommandError:
    """``exc`` as the error upstream programs expect: a ``CalledProcessError`` that keeps
    its own class and attributes (``BadPasswordError``, ``CertificateNotFoundError``...)."""
    if isinstance(exc, NSSCommandError):
        return exc
    nss_error = exc if isinstance(exc, NSSError) else None
    message = str(nss_error.message) if nss_error is not None else str(exc)
    error = _command_error_class(type(exc))(
        message,
        cmd,
        nss_error.error_name if nss_error is not None else None,
        nss_error.error_text if nss_error is not None else None,
        nss_error.code if nss_error is not None else None,
    )
    extra = {k: v for k, v in vars(exc).items() if not hasattr(error, k)}
    error.__dict__.update(extra)
    return error


class DatabaseNotFoundError(NSSError):
    """The directory does not exist or holds no NSS database of the requested format."""


class BadPasswordError(NSSError):
    """The password given for the database is wrong; ``source`` says where it came from
    (``the first line of password file /path``, never the password)."""

    source: str = ""


class DatabasePermissionError(NSSError):
    """The database's directory or files exist but this process may not read (or, for a
    write, write) them; ``path`` is the first one refused."""

    def __init__(self, message: str, path: str | os.PathLike[str]) -> None:
        super().__init__(message)
        self.path = os.fspath(path)


class DatabaseCorruptError(NSSError):
    """A database file is there but is not an NSS database (garbage, truncated, empty);
    ``path`` names it."""

    def __init__(self, message: str, path: str | os.PathLike[str]) -> None:
        super().__init__(message)
        self.path = os.fspath(path)


class PasswordRequiredError(NSSError):
    """The database is password protected and no password was given."""


class PasswordFileError(PasswordRequiredError):
    """The password file gives no password for the database: it cannot be read, it is
    empty, or it is a password.conf without an ``internal=`` line; ``path`` names it."""

    def __init__(self, message: str, path: str | os.PathLike[str]) -> None:
        super().__init__(message)
        self.path = os.fspath(path)


class PasswordCallbackError(PasswordRequiredError):
    """The password callback raised an exception (kept as ``__cause__``) or returned
    something other than a string."""


class CertificateNotFoundError(NSSError):
    """No certificate with that nickname; ``nicknames`` lists those that exist."""

    def __init__(self, message: str, nicknames: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.nicknames = list(nicknames)


class PrivateKeyNotFoundError(NSSError):
    """The certificate exists but the database holds no private key for it."""


class CertificateNotValidError(NSSError):
    """The certificate is expired or not yet valid; ``not_before``/``not_after`` say when."""

    def __init__(
        self, message: str, not_before: datetime.datetime, not_after: datetime.datetime
    ) -> None:
        super().__init__(message)
        self.not_before = not_before
        self.not_after = not_after


class CertificateUsageError(NSSError):
    """The certificate may not be used for TLS client authentication (its extended key
    usage does not list clientAuth); ``usages`` lists the usages it allows."""

    def __init__(self, message: str, usages: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.usages = list(usages)


class AmbiguousCertificateError(NSSError):
    """Several client certificates fit and nothing says which one; ``candidates`` lists them."""

    def __init__(self, message: str, candidates: Sequence[CertInfo] = ()) -> None:
        super().__init__(message)
        self.candidates = list(candidates)


# -- trust flags, certificate entries --------------------------------------------------------

# certutil's letters for the CERTDB_* trust bits, in the order certutil prints them.
_TERMINAL_RECORD = 1 << 0
_TRUSTED = 1 << 1
_SEND_WARN = 1 << 2
_VALID_CA = 1 << 3
_TRUSTED_CA = 1 << 4
_USER = 1 << 6
_TRUSTED_CLIENT_CA = 1 << 7
_INVISIBLE_CA = 1 << 8
_GOVT_APPROVED_CA = 1 << 9


def _trust_letters(flags: int) -> str:
    letters = ""
    if flags & _VALID_CA and not flags & (_TRUSTED_CA | _TRUSTED_CLIENT_CA):
        letters += "c"
    if flags & _TERMINAL_RECORD and not flags & _TRUSTED:
        letters += "p"
    for bit, letter in (
        (_TRUSTED_CA, "C"),
        (_TRUSTED_CLIENT_CA, "T"),
        (_TRUSTED, "P"),
        (_USER, "u"),
        (_SEND_WARN, "w"),
        (_INVISIBLE_CA, "I"),
        (_GOVT_APPROVED_CA, "G"),
    ):
        if flags & bit:
            letters += letter
    return letters


def trust_string(ssl: int, email: int, object_signing: int) -> str:
    """NSS trust bits as ``certutil -L`` prints them, e.g. ``CT,C,C`` or ``u,u,u``."""
    return ",".join(_trust_letters(f) for f in (ssl, email, object_signing))


@dataclass(frozen=True)
class CertInfo:
    """One certificate of a database, as ``certutil -L`` would describe it."""

    nickname: str
    token: str
    subject: str
    issuer: str
    serial_number: int
    not_before: datetime.datetime
    not_after: datetime.datetime
    trust_flags: str
    has_private_key: bool
    certificate: x509.Certificate = field(repr=False, compare=False)
    ssl_trust: int = field(default=0, repr=False)

    def is_valid_at(self, when: datetime.datetime) -> bool:
        return self.not_before <= when <= self.not_after

    @property
    def is_tls_anchor(self) -> bool:
        """Trusted as a CA for TLS (certutil SSL trust ``C`` or ``T``)."""
        return bool(self.ssl_trust & (_TRUSTED_CA | _TRUSTED_CLIENT_CA))

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(Encoding.DER)


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _cert_info(raw: nss.RawCert) -> CertInfo:
    cert = x509.load_der_x509_certificate(raw.der)
    return CertInfo(
        nickname=raw.nickname,
        token=INTERNAL_TOKEN_NAME,
        subject=_certdata.dn_string(cert.subject),
        issuer=_certdata.dn_string(cert.issuer),
        serial_number=cert.serial_number,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        trust_flags=trust_string(raw.ssl_trust, raw.email_trust, raw.object_signing_trust),
        has_private_key=raw.has_private_key,
        certificate=cert,
        ssl_trust=raw.ssl_trust,
    )


_EKU_NAMES = {
    ExtendedKeyUsageOID.SERVER_AUTH: "serverAuth",
    ExtendedKeyUsageOID.CLIENT_AUTH: "clientAuth",
    ExtendedKeyUsageOID.CODE_SIGNING: "codeSigning",
    ExtendedKeyUsageOID.EMAIL_PROTECTION: "emailProtection",
    ExtendedKeyUsageOID.TIME_STAMPING: "timeStamping",
    ExtendedKeyUsageOID.OCSP_SIGNING: "OCSPSigning",
}


def _client_auth_refusal(cert: x509.Certificate) -> tuple[str, list[str]] | None:
    """Why ``cert`` cannot authenticate a TLS client, with the usages it has; None if it
    can (no extended key usage, or one listing clientAuth or anyExtendedKeyUsage, and a key
    usage, if any, allowing signatures or key agreement)."""
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        eku = None
    if eku is not None and not (
        ExtendedKeyUsageOID.CLIENT_AUTH in eku or ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in eku
    ):
        names = [_EKU_NAMES.get(oid, oid.dotted_string) for oid in eku]
        return f"its extended key usage allows only {', '.join(names) or 'nothing'}", names
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None
    if usage.digital_signature or usage.key_agreement:
        return None
    return "its key usage allows neither digitalSignature nor keyAgreement", []


def _allows_client_auth(cert: x509.Certificate) -> bool:
    return _client_auth_refusal(cert) is None


def _as_name(value: x509.Name | str) -> x509.Name:
    return value if isinstance(value, x509.Name) else x509.Name.from_rfc4514_string(value)


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


# -- passwords ---------------------------------------------------------------------------------

_INTERNAL_TOKEN_ALIASES = {
    INTERNAL_TOKEN_NAME,
    INTERNAL_TOKEN_FULL_NAME.lower(),
    "nss certificate db",
    "nss generic crypto services",
    "nss fips 140-2 certificate db",
}


#: Names Dogtag writes into password.conf besides ``internal`` and ``hardware-<token>``: a
#: file naming one of them is a password.conf even without an ``internal=`` line.
_PASSWORD_CONF_NAMES = ("internal", "internaldb", "replicationdb")
_CONF_LINE = re.compile(r"\s*([A-Za-z0-9_.-]+)\s*=(.*)", re.DOTALL)


def _password_conf_entries(lines: Sequence[str]) -> dict[str, str] | None:
    """The ``name=value`` entries of a password.conf, or None if ``lines`` are not one.

    A password.conf names ``internal``, ``internaldb``, ``replicationdb`` or
    ``hardware-<token>``, or has several lines that are all ``name=value``; one line such as
    ``abc=def`` alone is a bare password. As in Java properties files (how Dogtag reads
    password.conf), blanks around ``=`` don't count; trailing ones belong to the value.
    """
    entries: dict[str, str] = {}
    content = 0
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        content += 1
        match = _CONF_LINE.fullmatch(line)
        if match is not None:
            entries.setdefault(match.group(1), match.group(2).lstrip())
    names = set(entries)
    known = names & set(_PASSWORD_CONF_NAMES) or any(n.startswith("hardware-") for n in names)
    if known or (content > 1 and len(entries) == content):
        return entries
    return None


def _password_file_lines(path: str | os.PathLike[str]) -> list[str]:
    """The lines of a password file; ``PasswordFileError`` if it is unreadable or empty."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PasswordFileError(
            f"password file {path} is not UTF-8 text ({exc.reason} at byte {exc.start})", path
        ) from None
    except OSError as exc:
        raise PasswordFileError(
            f"cannot read password file {path}: {exc.strerror or exc}", path
        ) from None
    if not text.strip("\r\n"):
        raise PasswordFileError(
            f"password file {path} is empty: write the database password on its first line "
            "(or internal=PASSWORD, as in Dogtag's password.conf)",
            path,
        )
    return text.splitlines()


def read_password_file(
    path: str | os.PathLike[str], token: str = INTERNAL_TOKEN_NAME
) -> str | None:
    """The password for ``token`` from a password file.

    Accepts Dogtag's ``password.conf`` (``internal=...`` for the database's own key store,
    ``hardware-<token>=...`` for other tokens; ``#`` comments and blank lines skipped, other
    names such as ``internaldb`` ignored) or a file whose first line is the bare password
    (see ``_password_conf_entries`` for how the two are told apart). Returns None when a
    password.conf has no entry for ``token``; raises ``PasswordFileError`` when the file
    cannot be read or is empty.
    """
    return _password_file_value(path, token)[0]


def read_pkcs12_password(
    password: str | None, password_file: str | os.PathLike[str] | None
) -> Secret:
    """A PKCS #12 password as Dogtag's tools take it: ``password`` if not empty, else the
    first line of ``password_file`` (as the Java CLI's ``--password-file``: the whole line,
    blanks included, ``""`` for an empty file); ``Exception('Missing PKCS #12 password')``,
    upstream's error, when neither is given."""
    if password:
        return Secret(password)
    if password_file:
        text = Path(password_file).read_text(encoding="utf-8")
        return Secret(text.splitlines()[0] if text else "")
    raise Exception("Missing PKCS #12 password")


def _password_file_value(
    path: str | os.PathLike[str], token: str = INTERNAL_TOKEN_NAME
) -> tuple[Secret | None, bool]:
    """``read_password_file``'s answer, and whether the file is a password.conf."""
    lines = _password_file_lines(path)
    entries = _password_conf_entries(lines)
    if entries is None:
        return Secret(lines[0]), False
    wanted = (
        INTERNAL_TOKEN_NAME if token.lower() in _INTERNAL_TOKEN_ALIASES else f"hardware-{token}"
    )
    found = entries.get(wanted)
    return (None if found is None else Secret(found)), True


def _missing_internal_entry(path: str | os.PathLike[str], what: str, spec: str) -> str:
    """Why a password.conf gives no password for the database's own key store."""
    names = sorted(_password_conf_entries(_password_file_lines(path)) or ())
    return (
        f"{what} {path} has no 'internal=' line, the password of NSS database {spec}'s "
        f"own key store (it names only {', '.join(names)}): add internal=PASSWORD"
    )


# -- database locations ------------------------------------------------------------------------

_DB_FILES = {"sql": ("cert9.db", "key4.db"), "dbm": ("cert8.db", "key3.db")}
#: how the files of each format start: SQLite 3, or Berkeley DB 1.85's hash magic (either
#: byte order)
_DB_MAGIC = {
    "sql": (b"SQLite format 3\x00",),
    "dbm": (b"\x00\x06\x15\x61", b"\x61\x15\x06\x00"),
}
#: ``word:`` at the start of a database spec (``sq:/dir`` for ``sql:/dir``)
_UNKNOWN_PREFIX = re.compile(r"([A-Za-z][A-Za-z0-9]*):(?!//)")
_MODULE_FILES = {"sql": "pkcs11.txt", "dbm": "secmod.db"}


def _split_spec(directory: str | os.PathLike[str]) -> tuple[str, Path]:
    """The database type and directory of ``sql:/dir``, ``dbm:/dir`` or a bare directory.

    A bare directory holding only an old ``dbm`` database is opened as one (as NSS itself
    falls back to it); otherwise ``NSS_DEFAULT_DB_TYPE`` decides, ``sql`` by default.
    """
    text = os.fspath(directory)
    for prefix in ("sql:", "dbm:"):
        if text.startswith(prefix):
            return prefix[:-1], Path(text[len(prefix) :]).expanduser()
    path = Path(text).expanduser()
    db_type = os.environ.get("NSS_DEFAULT_DB_TYPE", "sql").strip().lower() or "sql"
    if db_type not in _DB_FILES:
        raise NSSError(
            f"NSS_DEFAULT_DB_TYPE={db_type!r} is not supported: use 'sql' or 'dbm', "
            f"or prefix the directory with sql: or dbm:"
        )
    if db_type == "sql" and (path / "cert8.db").is_file() and not (path / "cert9.db").exists():
        return "dbm", path
    return db_type, path


def _write_private(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` readable by its owner only (as pk12util creates files)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


_KEY_TYPES = {"rsa": "RSA", "ec": "EC", "ecc": "EC"}
#: the usages whose verification needs a trusted issuer (see verify_cert)
_TRUSTED_USAGES = sum(
    nss_certs.CERT_USAGES[name]
    for name in (
        "SSLClient", "SSLServer", "SSLServerWithStepUp", "SSLCA", "EmailSigner",
        "EmailRecipient", "ObjectSigner", "StatusResponder", "IPsec",
    )
)
#: NSS/JSS curve names -> DER of the curve OID
_CURVES = {
    "nistp256": "1.2.840.10045.3.1.7",
    "secp256r1": "1.2.840.10045.3.1.7",
    "prime256v1": "1.2.840.10045.3.1.7",
    "nistp384": "1.3.132.0.34",
    "secp384r1": "1.3.132.0.34",
    "nistp521": "1.3.132.0.35",
    "secp521r1": "1.3.132.0.35",
}


def _curve_oid_der(curve: str) -> bytes:
    dotted = _CURVES.get(str(curve).lower())
    if dotted is None:
        raise ValueError(f"unsupported curve {curve!r}: use one of {', '.join(_CURVES)}")
    return _der.oid(dotted)


def _op_flags(names: str | None) -> int:
    flags = 0
    for name in (names or "").replace(",", " ").split():
        value = nss_keys.OP_FLAGS.get(name.strip().lower())
        if value is None:
            raise ValueError(
                f"unknown key operation flag {name!r}: use {', '.join(nss_keys.OP_FLAGS)}"
            )
        flags |= value
    return flags


def _key_json(entry: nss_keys.KeyEntry) -> dict[str, Any]:
    return {"keyId": "0x" + entry.key_id.hex(), "type": entry.key_type, "algorithm": entry.key_type}


def _fips_enabled() -> bool:
    try:
        return Path("/proc/sys/crypto/fips_enabled").read_text().strip() not in ("", "0")
    except OSError:
        return False


class NSSDatabase:
    """One NSS database: upstream's ``pki.nssdb.NSSDatabase``, done in-process.

    ``directory`` (default ``~/.dogtag/nssdb``) may be prefixed ``sql:`` or ``dbm:``.
    Passwords for the database's internal token, most specific first: ``internal_password``,
    ``internal_password_file``, ``password``, ``password_file`` (a bare password line or
    Dogtag ``password.conf``), ``passwords['internal']``, ``password_conf`` (password.conf),
    then ``password_callback(token_name, retry) -> str | None`` (called once, with
    ``"internal"`` and False). Passwords are only ever held in memory.

    ``token`` names a hardware token as upstream allows; this implementation only reaches
    the database's internal token and says so when another is asked for. ``user``/``group``
    own the files a write creates when run as root. ``read_only=True`` refuses every write.

    Every lookup is scoped to this database's slot, so two databases holding the same
    nickname each answer with their own certificate. NSS keeps one certificate cache per
    process, though: ``verify_cert`` finds issuers and trust in every database this process
    has open, and a trust change is refused while another open database holds the same
    certificate (NSS could store it in the wrong one); ``close()`` what you no longer read.
    An object dropped without ``close()`` gives its database back at the next opening.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str] | None = None,
        token: str | None = None,
        password: str | None = None,
        password_file: str | os.PathLike[str] | None = None,
        internal_password: str | None = None,
        internal_password_file: str | os.PathLike[str] | None = None,
        passwords: Mapping[str, str] | None = None,
        password_conf: str | os.PathLike[str] | None = None,
        user: str | None = None,
        group: str | None = None,
        *,
        password_callback: PasswordCallback | None = None,
        read_only: bool = False,
    ) -> None:
        if password_callback is not None and (password or password_file):
            raise ValueError(
                "give only one of password, password_file and password_callback"
            )
        if not directory:
            directory = os.path.join(os.path.expanduser("~"), ".dogtag", "nssdb")
        self.directory = os.fspath(directory)
        self.db_type, self.path = _split_spec(self.directory)
        self.token = normalize_token(token)
        self.user = user
        self.group = group
        if user:
            self.uid = pwd.getpwnam(user).pw_uid
            self.gid = grp.getgrnam(group).gr_gid if group else pwd.getpwnam(user).pw_gid
        self.tmpdir: str | None = None  # upstream's scratch directory: never needed here
        # as upstream (``if password:``), an empty password counts as none given
        self._password = Secret(password) if password else None
        self.password_file = os.fspath(password_file) if password_file else None
        self._internal_password = Secret(internal_password) if internal_password else None
        self.internal_password_file = (
            os.fspath(internal_password_file) if internal_password_file else self.password_file
        )
        self.passwords = passwords
        self.password_conf = (
            os.fspath(password_conf)
            if password_conf and os.path.isfile(password_conf)
            else None
        )
        self._password_callback = password_callback
        self.read_only = read_only
        self._slot: nss.Slot | None = None
        self._finalizer: weakref.finalize | None = None
        self._certs: list[CertInfo] | None = None  # what the open database holds
        self._lock = threading.RLock()

    @property
    def spec(self) -> str:
        """``sql:/path`` or ``dbm:/path``: the database as NSS names it."""
        return f"{self.db_type}:{self.path}"

    def __repr__(self) -> str:
        state = "open" if self._slot else "closed"
        return f"<NSSDatabase {self.spec} {state}>"

    # -- lifetime ------------------------------------------------------------------------

    def open(self, login: bool = True) -> NSSDatabase:
        """Open the database (read-only) and log in; does nothing if it is already open.

        Not needed: every method opens the database when it must. ``login=False`` opens
        only the public part (certificates and their trust), which needs no password; the
        key store is then unlocked when a private key is first asked for.
        """
        with self._lock:
            if self._slot is not None:
                return self
            self._check_files()
            try:
                slot = nss.open_user_db(self.spec, read_only=True)
            except NSSError as exc:
                raise self._unopenable(exc, write=False) from None
            try:
                # listed before the login on purpose: see pki.nss.list_certs
                self._certs = [_cert_info(raw) for raw in nss.list_certs(slot)]
                if login:
                    self._login(slot)
            except BaseException:
                self._certs = None
                nss.close_user_db(slot)
                raise
            self._slot = slot
            # an object dropped without close() gives its slot back when next one opens
            self._finalizer = weakref.finalize(self, nss_slots.close_later, slot)
            logger.debug("opened NSS database %s", self.spec)
            return self

    def close(self) -> None:
        """Close the database; NSS shuts down when no database is left open.

        Upstream's ``close()`` removed its temporary directory; there is none here. The
        object can still be used afterwards: it opens again when needed.
        """
        with self._lock:
            slot, self._slot = self._slot, None
            self._certs = None
            if self._finalizer is not None:
                self._finalizer.detach()
                self._finalizer = None
            if slot is not None:
                nss.close_user_db(slot)
                logger.debug("closed NSS database %s", self.spec)

    @property
    def is_open(self) -> bool:
        return self._slot is not None

    @property
    def has_password(self) -> bool:
        """Whether any password, password file or callback was given."""
        return any(
            p is not None
            for p in (
                self._internal_password, self.internal_password_file, self._password,
                self.password_file, self.password_conf, self._password_callback,
            )
        ) or bool(self.passwords and INTERNAL_TOKEN_NAME in self.passwords)

    @property
    def is_locked(self) -> bool:
        """Whether reaching the private keys still needs a login."""
        slot = self._reader()
        return nss.need_login(slot) and not nss.is_logged_in(slot)

    def __enter__(self) -> NSSDatabase:
        """Open the database, logged in when a password was given (see ``open``)."""
        return self.open(login=self.has_password)

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _check_files(self) -> None:
        """Raise the specific error for a database that is not there (before NSS is asked):
        no directory, a file instead, an unknown ``type:`` prefix, a directory that cannot
        be searched, the other format's files, or no database files."""
        try:
            if not self.path.is_dir():
                raise self._no_directory()
            present = {
                name: (self.path / name).is_file()
                for name in (*_DB_FILES["sql"], *_DB_FILES["dbm"])
            }
        except PermissionError:
            raise self._permission_error(self.path, "search") from None
        wanted = _DB_FILES[self.db_type]
        if all(present[name] for name in wanted):
            return
        other = "dbm" if self.db_type == "sql" else "sql"
        if all(present[name] for name in _DB_FILES[other]):
            raise DatabaseNotFoundError(
                f"{self.path} holds a {other} NSS database ({', '.join(_DB_FILES[other])}), "
                f"not {self.db_type}: open it as '{other}:{self.path}' "
                f"or set NSS_DEFAULT_DB_TYPE={other}"
            )
        raise DatabaseNotFoundError(
            f"{self.path} is not an NSS {self.db_type} database (no {' and '.join(wanted)}); "
            f"create one with NSSDatabase.create() or 'pki -d {self.path} client-init'"
        )

    def _no_directory(self) -> DatabaseNotFoundError:
        prefix = _UNKNOWN_PREFIX.match(self.directory)
        if prefix is not None and prefix.group(1).lower() not in _DB_FILES:
            rest = self.directory[prefix.end() :]
            return DatabaseNotFoundError(
                f"NSS database {self.directory!r}: '{prefix.group(1)}:' is not a database "
                f"type this client opens; write sql:{rest} or dbm:{rest} (or the directory "
                "alone)"
            )
        if self.path.exists():
            return DatabaseNotFoundError(
                f"{self.path} is a file, not a directory: an NSS database is the directory "
                "that holds cert9.db and key4.db (or cert8.db and key3.db)"
            )
        return DatabaseNotFoundError(
            f"NSS database directory {self.path} does not exist; create one with "
            f"NSSDatabase.create() or 'pki -d {self.path} client-init'"
        )

    def _permission_error(self, path: Path, action: str) -> DatabasePermissionError:
        try:
            user = pwd.getpwuid(os.geteuid()).pw_name
        except KeyError:
            user = f"uid {os.geteuid()}"
        return DatabasePermissionError(
            f"permission denied: NSS database {self.spec} cannot be opened because user "
            f"{user} may not {action} {path}; check its owner and mode (ls -l {path.parent}) "
            "or run as the database's owner",
            path,
        )

    def _unopenable(self, exc: NSSError, write: bool) -> NSSError:
        """The specific error for a database NSS could not open (``exc``): a file that
        cannot be read (or, for a write, written), or one that is not an NSS database
        file; ``exc`` itself when neither explains it."""
        if not os.access(self.path, os.R_OK | os.X_OK | (os.W_OK if write else 0)):
            return self._permission_error(self.path, "write to" if write else "read")
        magic = _DB_MAGIC[self.db_type]
        for name in _DB_FILES[self.db_type]:
            path = self.path / name
            try:
                with open(path, "rb") as f:
                    head = f.read(16)
            except FileNotFoundError:
                continue  # a write creates it
            except PermissionError:
                return self._permission_error(path, "read")
            except OSError as error:
                return NSSError(f"cannot read {path}: {error.strerror or error}")
            if not head.startswith(magic):
                what = "it is empty" if not head else "its header is not that of one"
                return DatabaseCorruptError(
                    f"{path} is not an NSS {self.db_type} database file ({what}), so NSS "
                    f"cannot open {self.spec}: restore the file from a backup, or make a "
                    f"new database ('pki -d {self.path} client-init --force')",
                    path,
                )
            if write and not os.access(path, os.W_OK):
                return self._permission_error(path, "write to")
        return exc

    def _reader(self) -> nss.Slot:
        """The database's read-only slot, opened (without a login) if it is not yet."""
        with self._lock:
            if self._slot is None:
                self.open(login=False)
            assert self._slot is not None
            return self._slot

    def _login(self, slot: nss.Slot) -> None:
        if not nss.need_login(slot) or nss.is_logged_in(slot):
            return
        password, source = self._password_and_source()
        if password is None:
            raise PasswordRequiredError(
                f"NSS database {self.spec} is protected by a password and none was given: "
                "pass password=..., password_file=... (the password alone, or Dogtag "
                "password.conf with internal=...), or password_callback=...",
            )
        try:
            nss.login(slot, password)
        except NSSError as exc:
            if exc.error_name == "SEC_ERROR_BAD_PASSWORD":
                error = BadPasswordError(
                    f"wrong password for NSS database {self.spec}: {source} does not unlock "
                    "it; give the password the database was created with",
                    error_name=exc.error_name,
                    error_text=exc.error_text,
                    code=exc.code,
                )
                error.source = source
                raise error from None
            raise

    def _password_from_file(self, path: str, what: str) -> tuple[str, str]:
        """The internal token's password from a file, and where in the file it was."""
        password, is_conf = _password_file_value(path)
        if password is None:
            raise PasswordFileError(_missing_internal_entry(path, what, self.spec), path)
        where = "the internal= line" if is_conf else "the first line"
        return password, f"{where} of {what} {path}"

    def _resolve_password(self) -> str | None:
        return self._password_and_source()[0]

    def _password_and_source(self) -> tuple[str | None, str]:
        """The internal token's password, most specific source first (see the class), and
        a description of that source for error messages (never the password itself)."""
        if self._internal_password is not None:
            return self._internal_password, "the internal_password given"
        if self.internal_password_file is not None and (
            self.internal_password_file != self.password_file or self._password is None
        ):
            return self._password_from_file(self.internal_password_file, "password file")
        if self._password is not None:
            return self._password, "the password given"
        if self.passwords and self.passwords.get(INTERNAL_TOKEN_NAME) is not None:
            return Secret(self.passwords[INTERNAL_TOKEN_NAME]), "passwords['internal']"
        if self.password_conf is not None:
            return self._password_from_file(self.password_conf, "password.conf")
        if self._password_callback is not None:
            answer = self._password_from_callback(self._password_callback)
            return answer, "the password_callback's answer"
        return None, "no password"

    def _password_from_callback(self, callback: PasswordCallback) -> str:
        """What ``callback`` answers for the internal token, as a ``Secret``.

        What the callback raises is kept as ``__cause__`` but not repeated in the message
        (it is the program's own text, which could hold anything).
        """
        try:
            answer = callback(INTERNAL_TOKEN_NAME, False)
        except Exception as exc:
            raise PasswordCallbackError(
                f"the password callback for NSS database {self.spec} raised "
                f"{type(exc).__name__} (see the exception's __cause__): fix the callback or "
                "give password= or password_file= instead"
            ) from exc
        if answer is None:
            raise PasswordCallbackError(
                f"the password callback for NSS database {self.spec} returned None (no "
                "password), and the database is protected by one: return the password"
            )
        if not isinstance(answer, str):
            raise PasswordCallbackError(
                f"the password callback for NSS database {self.spec} returned a value of "
                f"type {type(answer).__name__}, not the password as a str"
            )
        return Secret(answer)

    @contextlib.contextmanager
    def _writer(self, operation: str, create: bool = False) -> Iterator[nss.Slot]:
        """The database opened read-write (and logged in) for one write operation.

        The read-only slot is closed first and reopened by the next read, so that the
        listing it caches is fresh. Only one database is open for writing in the process
        at a time (see ``pki.nss.slots``).
        """
        if self.read_only:
            raise NSSCommandError(
                f"cannot {operation}: NSS database {self.spec} was opened with read_only=True",
                ("pki.nssdb", operation),
            )
        if not create:
            self._check_files()
        with self._lock:
            self.close()
            with self._writable() as slot:
                try:
                    if not create:
                        self._login(slot)
                    yield slot
                finally:
                    self._certs = None

    @contextlib.contextmanager
    def _writable(self) -> Iterator[nss.Slot]:
        """``pki.nss.slots.writable_db`` with the specific error when NSS cannot open it."""
        with contextlib.ExitStack() as stack:
            try:
                slot = stack.enter_context(nss_slots.writable_db(self.spec))
            except NSSError as exc:
                raise self._unopenable(exc, write=True) from None
            yield slot

    # -- this project's in-memory API ----------------------------------------------------

    def list_certs(self) -> list[CertInfo]:
        """Every certificate in this database, with nickname, dates, trust and key presence.

        The listing is read once per opening and reused by the other queries until
        ``close()`` or a write.
        """
        with self._lock:
            slot = self._reader()
            if self._certs is None:
                self._certs = [_cert_info(raw) for raw in nss.list_certs(slot)]
            return list(self._certs)

    def _strip_token(self, nickname: str) -> str:
        token, sep, rest = nickname.partition(":")
        if sep and token.strip().lower() in _INTERNAL_TOKEN_ALIASES:
            return rest
        return nickname

    def _find(self, nickname: str) -> list[CertInfo]:
        """The certificates called ``nickname``, the newest valid one first (may be empty)."""
        name = self._strip_token(nickname)
        found = [c for c in self.list_certs() if c.nickname == name]
        # Renewed certificates share a nickname: prefer the one valid now, newest first.
        now = _utcnow()
        return sorted(found, key=lambda c: (c.is_valid_at(now), c.not_after), reverse=True)

    def _certs_named(self, nickname: str) -> list[CertInfo]:
        found = self._find(nickname)
        if not found:
            nicknames = sorted({c.nickname for c in self.list_certs()})
            listed = ", ".join(repr(n) for n in nicknames) or "none: the database is empty"
            raise CertificateNotFoundError(
                f"no certificate named {nickname!r} in NSS database {self.spec}; "
                f"nicknames there: {listed}",
                nicknames,
            )
        return found

    def get_x509_cert(self, nickname: str) -> x509.Certificate:
        """The certificate called ``nickname`` as an ``x509.Certificate`` (the newest valid
        one if several share it); ``CertificateNotFoundError`` if there is none."""
        return self._certs_named(nickname)[0].certificate

    def get_cert_entry(self, nickname: str) -> CertInfo:
        """Like ``get_x509_cert`` but with the database's view of it (trust, key presence)."""
        return self._certs_named(nickname)[0]

    def get_trust_anchors(self) -> list[x509.Certificate]:
        """CA certificates trusted for TLS (SSL trust ``C`` or ``T``)."""
        return [c.certificate for c in self.list_certs() if c.is_tls_anchor]

    def find_client_certs(
        self, issuers: Iterable[x509.Name | str] | None = None
    ) -> list[CertInfo]:
        """Certificates usable now for TLS client authentication.

        Usable means: the database holds the key, the certificate is valid now, and its
        extended key usage is absent or allows clientAuth. ``issuers`` (distinguished names,
        as ``x509.Name`` or RFC 4514 strings) keeps only certificates whose chain reaches one
        of them, as a server's CertificateRequest asks.
        """
        certs = self.list_certs()
        now = _utcnow()
        usable = [
            c
            for c in certs
            if c.has_private_key
            and c.is_valid_at(now)
            and _allows_client_auth(c.certificate)
        ]
        if issuers is None:
            return usable
        wanted = {_as_name(i) for i in issuers}
        by_subject = {c.certificate.subject: c.certificate for c in certs}
        return [c for c in usable if _chain_names(c.certificate, by_subject) & wanted]

    def get_client_credentials(
        self, nickname: str
    ) -> tuple[x509.Certificate, list[x509.Certificate], PrivateKey]:
        """The certificate, its issuer chain from this database, and its private key.

        The chain runs from the certificate's issuer upwards as far as the database has
        issuers (the root included when present). The key is exported encrypted by NSS and
        decrypted in memory.
        """
        with self._lock:
            slot = self._reader()
            candidates = self._certs_named(nickname)
            keyed = [c for c in candidates if c.has_private_key]
            if not keyed:
                raise PrivateKeyNotFoundError(
                    f"NSS database {self.spec} has certificate {nickname!r} "
                    f"({candidates[0].subject}) but no private key for it; import the key "
                    "with 'pki client-cert-import --pkcs12 <file.p12>' or use a nickname "
                    "with 'u' trust"
                )
            info = keyed[0]
            now = _utcnow()
            if not info.is_valid_at(now):
                state = "expired" if now > info.not_after else "not yet valid"
                raise CertificateNotValidError(
                    f"certificate {nickname!r} ({info.subject}) is {state}: valid from "
                    f"{info.not_before:%Y-%m-%d %H:%M:%S} UTC to "
                    f"{info.not_after:%Y-%m-%d %H:%M:%S} UTC; renew it or choose another",
                    info.not_before,
                    info.not_after,
                )
            refusal = _client_auth_refusal(info.certificate)
            if refusal is not None:
                raise CertificateUsageError(
                    f"certificate {nickname!r} ({info.subject}) cannot authenticate a TLS "
                    f"client: {refusal[0]}, not clientAuth; use a certificate issued for "
                    "client authentication",
                    refusal[1],
                )
            self._login(slot)  # a no-op unless opened with login=False
            key = self._export_key(slot, info)
            chain = self._chain_of(info.certificate)
            return info.certificate, chain, key

    def _export_key(self, slot: nss.Slot, info: CertInfo) -> PrivateKey:
        try:
            encrypted, password = nss.export_private_key(slot, info.der)
        except NSSError as exc:
            raise PrivateKeyNotFoundError(
                f"cannot export the private key of {info.nickname!r} from {self.spec}: "
                f"{exc.error_name or exc}"
            ) from None
        # NSS already holds this key as valid; cryptography's RSA validation would recheck the
        # primes (about 25 ms). What matters here, that the key belongs to the certificate, is
        # checked below.
        key = load_der_private_key(encrypted, password, unsafe_skip_rsa_key_validation=True)
        if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
            raise PrivateKeyNotFoundError(
                f"the key of {info.nickname!r} is a {type(key).__name__}: only RSA and EC "
                "keys are supported for TLS client authentication"
            )
        spki = (Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        if key.public_key().public_bytes(*spki) != info.certificate.public_key().public_bytes(
            *spki
        ):
            raise PrivateKeyNotFoundError(
                f"the key NSS returned for {info.nickname!r} does not match its certificate"
            )
        return key

    def _chain_of(self, cert: x509.Certificate) -> list[x509.Certificate]:
        certs = [c.certificate for c in self.list_certs()]
        chain: list[x509.Certificate] = []
        current = cert
        while current.issuer != current.subject and len(chain) < 10:
            issuer = _certdata.find_issuer(current, certs)
            if issuer is None or issuer in chain:
                break
            chain.append(issuer)
            current = issuer
        return chain

    # -- upstream: the database itself ---------------------------------------------------

    @contextlib.contextmanager
    def _operation(self, operation: str, *args: str) -> Iterator[None]:
        """Run one upstream operation: NSS and usage errors become ``NSSCommandError``."""
        try:
            yield
        except (NSSError, ValueError) as exc:
            raise _command_error(exc, ("pki.nssdb", operation, *args)) from exc

    def _check_token(self, token: str | None) -> None:
        effective = self.get_effective_token(token)
        if effective is not None:
            raise NSSCommandError(
                f"token {effective!r}: only the database's internal token is supported "
                "(hardware tokens are not loaded in-process)",
                ("pki.nssdb", "token", effective),
            )

    def _chown(self, paths: Iterable[Path]) -> None:
        if os.geteuid() == 0 and self.user:
            for path in paths:
                if path.exists():
                    os.chown(path, self.uid, self.gid)

    def create(self, enable_trust_policy: bool = False) -> None:
        """Create the database with the internal password (or an empty one without).

        As ``certutil -N``: the directory's database files and module list are created
        by NSS; an existing database is left as it is. ``enable_trust_policy`` adds the
        ``p11-kit-trust`` module as upstream does.
        """
        with self._operation("create", self.directory):
            self.path.mkdir(parents=True, exist_ok=True)
            before = set(self.path.iterdir())
            password = self._resolve_password()
            nss_slots.ensure_module_db(self.spec)
            with self._writer("create the database", create=True) as slot:
                if nss_slots.need_user_init(slot):
                    nss_slots.init_password(slot, password or "")
                elif password is not None:
                    self._login(slot)
            self._chown(set(self.path.iterdir()) - before)
            if enable_trust_policy and not self.module_exists("p11-kit-trust"):
                self.add_module("p11-kit-trust", "/usr/share/pki/lib/p11-kit-trust.so")

    def exists(self) -> bool:
        """Whether the directory holds an sql (``cert9.db``) or dbm (``cert8.db``) database."""
        return (self.path / "cert9.db").exists() or (self.path / "cert8.db").exists()

    def get_effective_token(self, token: str | None = None) -> str | None:
        """``token`` unless it is the internal one, else the database's own token."""
        if internal_token(token):
            return self.token
        return token

    def get_dbtype(self) -> str | None:
        """``sql``, ``dbm`` or None (no database); RuntimeError for an incomplete one."""

        def present(name: str) -> bool:
            return (self.path / name).is_file()

        if present("cert9.db"):
            if not present("key4.db") or not present("pkcs11.txt"):
                raise RuntimeError(
                    f"{self.path} contains an incomplete NSS database in SQL format"
                )
            return "sql"
        if present("cert8.db"):
            if not present("key3.db") or not present("secmod.db"):
                raise RuntimeError(
                    f"{self.path} contains an incomplete NSS database in DBM format"
                )
            return "dbm"
        return None

    def needs_conversion(self) -> bool:
        """Whether ``NSS_DEFAULT_DB_TYPE=sql`` asks for the sql format and this is dbm."""
        return os.environ.get("NSS_DEFAULT_DB_TYPE") == "sql" and self.get_dbtype() == "dbm"

    def convert_db(self) -> None:
        """Convert a dbm database to sql in place (NSS's own migration), as upstream.

        NSS copies the certificates at once and the keys when the key database is unlocked
        with its password; the module list is copied from ``secmod.db``. The new files get
        the old ones' permissions (and owners, as root); the old ones are renamed
        ``*.migrated``. See https://fedoraproject.org/wiki/Changes/NSSDefaultFileFormatSql
        """
        dbtype = self.get_dbtype()
        if dbtype is None:
            raise ValueError(f"NSS database {self.path} does not exist")
        if dbtype == "sql":
            raise ValueError(f"NSS database {self.path} already in SQL format")
        logger.info("Convert NSSDB %s from DBM to SQL format", self.path)
        with self._operation("convert_db", self.directory):
            self.close()
            self.db_type = "sql"
            try:
                nss_slots.ensure_module_db(self.spec)
                with self._writer("convert the database", create=True) as slot:
                    self._login(slot)
                    migrated = nss.list_certs(slot)
            except BaseException:
                self.db_type = "dbm"
                raise
            migration = (
                ("cert8.db", "cert9.db"), ("key3.db", "key4.db"), ("secmod.db", "pkcs11.txt"),
            )
            for old, new in migration:
                old_stat = os.stat(self.path / old)
                os.chmod(self.path / new, stat.S_IMODE(old_stat.st_mode))
                if os.geteuid() == 0:
                    os.chown(self.path / new, old_stat.st_uid, old_stat.st_gid)
            if self.get_dbtype() != "sql":
                raise RuntimeError(f"Migration of NSS database {self.path} was not successful.")
            logger.debug("%d certificates in the converted database", len(migrated))
            for old, _ in migration:
                os.rename(self.path / old, self.path / (old + ".migrated"))
        logger.info("Migration successful")

    def _module_specs(self) -> list[str]:
        with nss._lib.nss_context() as lib:
            params = nss_slots.module_db_params(self.spec).replace(b"flags= ", b"flags=readOnly ")
            specs = lib.NSC_ModuleDBFunc(0, params, None)
            if not specs:
                raise nss._lib.last_error(f"cannot read the module list of {self.spec}")
            try:
                result = []
                index = 0
                while specs[index]:
                    result.append(specs[index].decode("utf-8", errors="replace"))
                    index += 1
                return result
            finally:
                lib.NSC_ModuleDBFunc(3, params, specs)

    def module_exists(self, name: str) -> bool:
        """Whether the database's module list (``pkcs11.txt``) has a module called ``name``."""
        logger.info("Checking module %s", name)
        with self._operation("module_exists", name):
            self._check_files()
            pattern = re.compile(r'(^|\s)name="?' + re.escape(name) + r'("|\s|$)')
            return any(pattern.search(spec) for spec in self._module_specs())

    def add_module(self, name: str, library: str) -> None:
        """Add the PKCS #11 module ``name`` (shared library ``library``) to the module list.

        As ``modutil -add -force``: the entry goes into ``pkcs11.txt`` through softoken's
        module-database function; the library is loaded by NSS when the database is next
        opened by a program that loads its modules.
        """
        logger.info("Adding module %s: %s", name, library)
        with self._operation("add_module", name):
            if self.read_only:
                raise NSSError(f"cannot add a module: {self.spec} was opened with read_only=True")
            self._check_files()
            if '"' in name or '"' in library:
                raise ValueError("module name and library must not contain double quotes")
            entry = f'library="{library}" name="{name}"'.encode()
            with nss._lib.nss_context() as lib:
                params = nss_slots.module_db_params(self.spec)
                if not lib.NSC_ModuleDBFunc(1, params, entry):
                    raise nss._lib.last_error(f"cannot add module {name!r} to {self.spec}")

    # -- upstream: passwords and scratch files -------------------------------------------

    def get_all_passwords(self) -> str:
        """Every token password as ``token=password`` lines (in memory, as upstream)."""
        dbname = "NSS FIPS 140-2 Certificate DB" if _fips_enabled() else "NSS Certificate DB"
        lines = []
        for token, password in (self.passwords or {}).items():
            if token.startswith("hardware-"):
                lines.append(f"{token}={password}")
            elif token == INTERNAL_TOKEN_NAME:
                lines.append(f"{dbname}={password}")
        return "\n".join(lines)

    def create_password_file(
        self, tmpdir: str, password: str, filename: str | None = None
    ) -> str:
        """Refused: upstream wrote the password into a file; this library never does."""
        raise NSSCommandError(
            "pki.nssdb does not write passwords into files: pass the password itself "
            "(password=...) or a password file you manage",
            ("pki.nssdb", "create_password_file"),
        )

    def get_password_file(
        self,
        tmpdir: str,
        token: str | None,
        filename: str | None = None,
        all_tokens: bool = False,
    ) -> str | None:
        """The password file given to the constructor; upstream's temporary password files
        (for passwords held in memory) are never written."""
        if not self.passwords:
            return self.password_file
        return self.create_password_file(tmpdir, "", filename)

    def create_tmpdir(self) -> str:
        """An empty private temporary directory, as upstream makes (owned by ``user``)."""
        tmpdir = tempfile.mkdtemp(dir="/tmp")
        if os.geteuid() == 0 and self.user:
            os.chown(tmpdir, self.uid, self.gid)
        return tmpdir

    def create_noise(self, noise_file: str, size: int = 2048, key_type: str = "rsa") -> None:
        """Write ``size`` random bytes to ``noise_file`` (upstream ran ``openssl rand``).

        NSS seeds its own generator; the file only matters to programs that read it.
        """
        if key_type.lower() in ("ec", "ecc"):
            size = 1024
        _write_private(noise_file, secrets.token_bytes(int(size)))

    def run(
        self,
        cmd: Sequence[str],
        input: Any = None,  # noqa: A002 - upstream's name
        stdout: Any = None,
        stderr: Any = None,
        capture_output: bool = False,
        check: bool = False,
        text: bool | None = None,
        runas: bool = False,
    ) -> subprocess.CompletedProcess[Any]:
        """Run ``cmd`` as upstream's helper does (as ``user`` with ``runas`` when root).

        None of this class's operations use it; it is kept for programs that call it.
        """
        logger.debug("Command: %s", " ".join(cmd))
        command = list(cmd)
        if runas and self.user is not None:
            if pwd.getpwuid(os.getuid()).pw_name != self.user:
                command = ["runuser", "-u", self.user, "--", *command]
        if capture_output:
            stdout = subprocess.PIPE
            stderr = subprocess.PIPE
        return subprocess.run(
            command, input=input, stdout=stdout, stderr=stderr, check=check,
            text=text,
        )

    @staticmethod
    def convert_time_to_millis(date: datetime.datetime) -> float:
        return date.timestamp() * 1000

    # -- upstream: certificates ----------------------------------------------------------

    def _import(
        self, slot: nss.Slot, cert: x509.Certificate, nickname: str | None, trust: str | None
    ) -> str:
        """Store ``cert`` (keeping a nickname it already has); returns its nickname."""
        der = cert.public_bytes(Encoding.DER)
        existing = [raw for raw in nss.list_certs(slot) if raw.der == der]
        if existing:
            name = existing[0].nickname
        elif nickname:
            name = nickname
        else:
            name = nss_certs.make_ca_nickname(der)
        if nickname and existing and existing[0].nickname != nickname:
            logger.info("%s is already stored as %r", nickname, existing[0].nickname)
        nss_certs.import_cert(slot, der, name, trust)
        return name

    def add_cert(
        self,
        nickname: str,
        cert_file: str | None = None,
        cert_data: str | bytes | None = None,
        cert_format: str = "pem",
        token: str | None = None,
        trust_attributes: str | None = None,
        use_jss: bool = True,
        runas: bool = True,
    ) -> None:
        """Import a certificate under ``nickname`` with trust flags (``certutil -A``).

        ``cert_data`` is PEM or base-64 (``cert_format``), ``cert_file`` a PEM or DER file.
        ``use_jss`` and ``runas`` chose upstream's tool and user; they change nothing here.
        """
        logger.debug("NSSDatabase.add_cert(%s)", nickname)
        with self._operation("add_cert", nickname):
            self._check_token(token)
            cert = self._cert_from(cert_file, cert_data, cert_format)
            with self._writer("add a certificate") as slot:
                self._import(slot, cert, nickname, trust_attributes or ",,")

    def _cert_from(
        self, cert_file: str | None, cert_data: str | bytes | None, cert_format: str | None
    ) -> x509.Certificate:
        if cert_data is None and cert_file is None:
            raise ValueError("give cert_data or cert_file")
        if cert_data is None:
            data: str | bytes = Path(cert_file).read_bytes()  # type: ignore[arg-type]
            source = str(cert_file)
        else:
            data = cert_data
            source = "the certificate data"
        if isinstance(data, str) and (cert_format or "").upper() == "BASE64":
            data = convert_cert(data, "base64", "pem")
        return _certdata.load_certs(data, source)[0]

    def add_ca_cert(
        self,
        cert_data: str | bytes | None = None,
        cert_file: str | None = None,
        cert_format: str | None = None,
        trust_attributes: str = "CT,C,C",
    ) -> None:
        """Import a CA certificate with a nickname NSS makes from its subject.

        A certificate the database already holds keeps its nickname; a new one is named
        like ``CA Signing Certificate - EXAMPLE`` (`` #2`` etc. when that is taken).
        """
        with self._operation("add_ca_cert"):
            cert = self._cert_from(cert_file, cert_data, cert_format)
            with self._writer("add a CA certificate") as slot:
                self._import(slot, cert, None, trust_attributes)

    def modify_cert(self, nickname: str, trust_attributes: str) -> None:
        """Replace the trust flags of the certificate ``nickname`` (``certutil -M``)."""
        with self._operation("modify_cert", nickname):
            info = self._certs_named(nickname)[0]
            with self._writer("modify a certificate") as slot:
                nss_certs.set_trust(slot, info.der, trust_attributes)

    def get_trust(self, nickname: str, token: str | None = None) -> str | None:
        """The certificate's trust flags as certutil prints them, or None if there is none."""
        logger.debug("NSSDatabase.get_trust(%s)", nickname)
        with self._operation("get_trust", nickname):
            self._check_token(token)
            found = self._find(nickname)
            return found[0].trust_flags if found else None

    def show_certs(self) -> None:
        """Print the database's certificates and trust as ``certutil -L`` does."""
        with self._operation("show_certs"):
            lines = [
                "",
                f"{'Certificate Nickname':<60} {'Trust Attributes':<5}",
                f"{'':<60} {'SSL,S/MIME,JAR/XPI':<5}",
                "",
            ]
            lines += [f"{c.nickname:<60} {c.trust_flags:<5}" for c in self.list_certs()]
            sys.stdout.write("\n".join(lines) + "\n")

    def show_cert(self, nickname: str, token: str | None = None) -> None:
        """Print the certificate in a readable form; returns None (also when not found)."""
        with self._operation("show_cert", nickname):
            self._check_token(token)
            found = self._find(nickname)
            if found:
                sys.stdout.write(_certdata.pretty(found[0].certificate, found[0].nickname))

    def get_cert(
        self,
        nickname: str,
        token: str | None = None,
        output_format: str = "pem",
        output_text: bool = False,
    ) -> bytes | str | None:
        """The certificate ``nickname``, or None if the database has none of that name.

        ``output_format`` ``pem`` (bytes, or str with ``output_text``), ``base64`` (the DER in
        base-64, str) or ``pretty-print`` (readable text). PEM lines end in CRLF, as the Java
        tool upstream ran writes them. For the certificate as an object use
        ``get_x509_cert``.
        """
        logger.debug("NSSDatabase.get_cert(%s) begins", nickname)
        if output_format not in ("pem", "base64", "pretty-print"):
            raise Exception(f"Unsupported output format: {output_format}")
        with self._operation("get_cert", nickname):
            self._check_token(token)
            found = self._find(nickname)
        if not found:
            return None
        cert = found[0].certificate
        data: bytes | str
        if output_format == "pem":
            data = _certdata.pem(found[0].der, eol="\r\n").encode("ascii")
        elif output_format == "base64":
            data = base64.b64encode(found[0].der).decode("ascii")
        else:
            data = _certdata.pretty(cert).encode("utf-8")
        if output_text and isinstance(data, bytes):
            data = data.decode("ascii" if output_format == "pem" else "utf-8")
        logger.debug("NSSDatabase.get_cert(%s) ends", nickname)
        return data

    def get_cert_info(self, nickname: str, token: str | None = None) -> dict[str, Any] | None:
        """Upstream's dict for the certificate, or None if there is none of that name.

        Keys: ``object`` (the ``x509.Certificate``), ``data`` (base-64 DER), ``serial_number``,
        ``issuer`` and ``subject`` (NSS-style DNs), ``not_before``/``not_after`` (epoch
        milliseconds) and ``trust_flags``.
        """
        logger.debug("NSSDatabase.get_cert_info(%s) begins", nickname)
        with self._operation("get_cert_info", nickname):
            self._check_token(token)
            found = self._find(nickname)
        if not found:
            return None
        entry = found[0]
        cert = entry.certificate
        info = {
            "object": cert,
            "data": base64.b64encode(entry.der).decode("ascii"),
            "serial_number": cert.serial_number,
            # upstream's pki.convert_x509_name_to_dn: None for an empty name
            "issuer": pki.convert_x509_name_to_dn(cert.issuer),
            "subject": pki.convert_x509_name_to_dn(cert.subject),
            "not_before": self.convert_time_to_millis(cert.not_valid_before_utc),
            "not_after": self.convert_time_to_millis(cert.not_valid_after_utc),
            "trust_flags": entry.trust_flags,
        }
        logger.debug("NSSDatabase.get_cert_info(%s) ends", nickname)
        return info

    def verify_cert(
        self,
        nickname: str | None = None,
        token: str | None = None,
        cert_data: str | bytes | None = None,
        cert_file: str | None = None,
        cert_format: str = "PEM",
        cert_usage: str | None = None,
    ) -> None:
        """Verify a certificate with NSS now: chain to a trusted CA, dates, signatures.

        The certificate is ``nickname`` from the database, or ``cert_data``/``cert_file``.
        ``cert_usage`` (``SSLServer``, ``SSLClient``, ``EmailSigner``, ``ObjectSigner``,
        ``StatusResponder``, ``SSLCA``, ``AnyCA``...) must then hold too. An invalid
        certificate raises ``NSSCommandError`` with NSS's reason.
        """
        with self._operation("verify_cert", nickname or "-"):
            self._check_token(token)
            if nickname:
                der = self._certs_named(nickname)[0].der
            else:
                der = self._cert_from(cert_file, cert_data, cert_format).public_bytes(
                    Encoding.DER
                )
            usage = 0
            if cert_usage:
                names = {k.lower(): v for k, v in nss_certs.CERT_USAGES.items()}
                if cert_usage.lower() not in names:
                    raise ValueError(
                        f"unknown certificate usage {cert_usage!r}: use one of "
                        f"{', '.join(nss_certs.CERT_USAGES)}"
                    )
                usage = names[cert_usage.lower()]
            slot = self._reader()
            what = repr(nickname) if nickname else "the certificate"
            try:
                valid = nss_certs.verify_cert(slot, der, usage)
            except NSSError as exc:
                raise self._invalid(what, der, exc) from None
            if usage == 0 and not valid & _TRUSTED_USAGES:
                # NSS's check of all usages also reports usages that need no trusted issuer
                # (UserCertImport, VerifyCA, AnyCA): ask for one that does, to get its reason
                cert = x509.load_der_x509_certificate(der)
                probe = nss_certs.CERT_USAGES["SSLCA" if _is_ca(cert) else "SSLClient"]
                try:
                    nss_certs.verify_cert(slot, der, probe)
                except NSSError as exc:
                    raise self._invalid(what, der, exc) from None
                raise NSSError(f"Invalid certificate {what}: not valid for any usage")

    def _invalid(self, what: str, der: bytes, exc: NSSError) -> NSSError:
        """The verification failure ``exc`` with a reason a person can act on.

        NSS sometimes fails a verification with an unrelated NSPR error (seen with NSS 3.87
        after many databases came and went in one process: ``PR_CALL_ONCE_ERROR``); the
        verdict stays NSS's, the reason is then worked out from the certificate and the
        database, and ``error_name`` is the NSS name of that reason.
        """
        name, text = exc.error_name, exc.error_text
        if not (name or "").startswith("SEC_ERROR_"):
            logger.debug("NSS reported %s for a failed verification", name)
            name, text = self._diagnose(x509.load_der_x509_certificate(der))
        return NSSError(f"Invalid certificate {what}: {text or name}", name, text, exc.code)

    def _diagnose(self, cert: x509.Certificate) -> tuple[str, str]:
        now = _utcnow()
        if now > cert.not_valid_after_utc:
            return "SEC_ERROR_EXPIRED_CERTIFICATE", "Peer's Certificate has expired."
        if now < cert.not_valid_before_utc:
            return "SEC_ERROR_EXPIRED_CERTIFICATE", "Peer's Certificate is not yet valid."
        known = [c.certificate for c in self.list_certs()]
        if cert.issuer != cert.subject and _certdata.find_issuer(cert, known) is None:
            return (
                "SEC_ERROR_UNKNOWN_ISSUER",
                f"Peer's Certificate issuer ({_certdata.dn_string(cert.issuer)}) is not "
                "recognized.",
            )
        return (
            "SEC_ERROR_UNTRUSTED_CERT",
            "NSS did not accept the certificate for this usage and gave no usable reason.",
        )

    def export_cert_bundle(
        self,
        nickname: str,
        token: str | None = None,
        include_chain: bool = True,
        output_file: str | None = None,
        output_format: str | None = None,
    ) -> None:
        """Write the certificate (and with ``include_chain`` its issuers) to ``output_file``
        (standard output without one): ``PEM`` (default) or ``DER`` (no chain)."""
        with self._operation("export_cert_bundle", nickname):
            self._check_token(token)
            fmt = (output_format or "PEM").upper()
            if fmt not in ("PEM", "DER"):
                raise ValueError(f"Unknown type of output format: {fmt}")
            if include_chain and fmt == "DER":
                raise ValueError(
                    "Unable to write chain of DER-encoded certificates; use PEM instead."
                )
            cert = self._certs_named(nickname)[0].certificate
            certs = [cert, *self._chain_of(cert)] if include_chain else [cert]
            if fmt == "DER":
                output = cert.public_bytes(Encoding.DER)
            else:
                output = "".join(
                    _certdata.pem(c.public_bytes(Encoding.DER), eol="\r\n") for c in certs
                ).encode("ascii")
            if output_file:
                Path(output_file).write_bytes(output)
                return
            sys.stdout.flush()
            stream = getattr(sys.stdout, "buffer", None)
            if stream is not None:
                stream.write(output)
                stream.flush()
            else:
                sys.stdout.write(output.decode("latin-1"))

    def remove_cert(
        self, nickname: str, token: str | None = None, remove_key: bool = False
    ) -> None:
        """Delete every certificate called ``nickname`` (and with ``remove_key`` its key).

        A key that another certificate in the database still uses is kept, and said so.
        """
        with self._operation("remove_cert", nickname):
            self._check_token(token)
            found = self._certs_named(nickname)
            doomed = {c.der for c in found}
            spki = (Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
            keep_keys = {
                c.certificate.public_key().public_bytes(*spki)
                for c in self.list_certs()
                if c.der not in doomed and c.has_private_key
            }
            with self._writer("remove a certificate") as slot:
                for info in found:
                    shared = info.certificate.public_key().public_bytes(*spki) in keep_keys
                    if remove_key and shared:
                        logger.warning(
                            "keeping the key of %r: another certificate uses it", nickname
                        )
                    nss_certs.delete_cert(slot, info.der, remove_key and not shared)

    def import_cert_chain(
        self,
        nickname: str,
        cert_chain_data: str | None = None,
        cert_chain_file: str | None = None,
        token: str | None = None,
        trust_attributes: str | None = None,
    ) -> None:
        """Import a PEM bundle (each as a CA), a single PEM certificate (as ``nickname``),
        or a PKCS #7 chain in PEM or bare base-64, as upstream."""
        logger.debug("NSSDatabase.import_cert_chain(%s) begins", nickname)
        if not cert_chain_data:
            cert_chain_data = Path(cert_chain_file).read_text(encoding="utf-8")  # type: ignore[arg-type]
        parts = split_pem_data(cert_chain_data)
        try:
            if len(parts) > 1:
                logger.debug("Importing CA cert bundle")
                for part in parts:
                    self.add_ca_cert(cert_data=part)
                return
            kind = get_pem_type(parts[0]) if parts else None
            if kind == "CERTIFICATE":
                self.add_cert(
                    nickname=nickname, cert_data=cert_chain_data, token=token,
                    trust_attributes=trust_attributes,
                )
            elif kind == "PKCS7":
                self.import_pkcs7(
                    pkcs7_data=cert_chain_data, nickname=nickname, token=token,
                    trust_attributes=trust_attributes,
                )
            else:
                base64_data = cert_chain_data.replace("\r", "").replace("\n", "")
                self.import_pkcs7(
                    pkcs7_data=convert_pkcs7(base64_data, "base64", "pem"),
                    nickname=nickname, token=token, trust_attributes=trust_attributes,
                )
        finally:
            logger.debug("NSSDatabase.import_cert_chain(%s) ends", nickname)

    # -- upstream: PKCS #7 ---------------------------------------------------------------

    @staticmethod
    def _pkcs7_certs(data: str | bytes) -> list[x509.Certificate]:
        raw = data.encode("ascii") if isinstance(data, str) else data
        try:
            if b"-----BEGIN" in raw:
                return pkcs7.load_pem_pkcs7_certificates(raw)
            return pkcs7.load_der_pkcs7_certificates(raw)
        except ValueError as exc:
            raise ValueError(f"not a PKCS #7 certificate chain: {exc}") from None

    def create_pkcs7(
        self,
        cert_chain: Sequence[str] | None = None,
        cert_files: Sequence[str] | None = None,
        cert_format: str | None = None,
        append: bool = False,
    ) -> str:
        """A PEM PKCS #7 chain of the given certificates (PEM texts or files)."""
        with self._operation("create_pkcs7"):
            if not cert_chain and cert_files:
                cert_chain = [Path(f).read_text(encoding="utf-8") for f in cert_files]
            certs: list[x509.Certificate] = []
            for data in cert_chain or ():
                if (cert_format or "").upper() == "BASE64":
                    data = convert_cert(data, "base64", "pem")
                certs.extend(_certdata.load_certs(data, "the certificate data"))
            return pkcs7.serialize_certificates(certs, Encoding.PEM).decode("ascii")

    def get_pkcs7_certs(
        self, pkcs7_data: str | None = None, pkcs7_file: str | None = None
    ) -> list[str]:
        """The certificates of a PKCS #7 chain as PEM texts, root first."""
        with self._operation("get_pkcs7_certs"):
            data: str | bytes = pkcs7_data or Path(pkcs7_file).read_bytes()  # type: ignore[arg-type]
            chain = _certdata.sort_chain(self._pkcs7_certs(data))
            return [_certdata.pem(c.public_bytes(Encoding.DER)) for c in chain]

    def import_pkcs7(
        self,
        pkcs7_data: str | None = None,
        pkcs7_file: str | None = None,
        nickname: str | None = None,
        token: str | None = None,
        trust_attributes: str | None = None,
    ) -> None:
        """Import a PKCS #7 chain as Dogtag does: root and intermediates as CA certificates
        (the root trusted ``CT,C,C``), the leaf under ``nickname`` with ``trust_attributes``."""
        logger.debug("NSSDatabase.import_pkcs7()")
        with self._operation("import_pkcs7", nickname or "-"):
            self._check_token(token)
            data: str | bytes = pkcs7_data or Path(pkcs7_file).read_bytes()  # type: ignore[arg-type]
            chain = _certdata.sort_chain(self._pkcs7_certs(data))
            if not chain:
                raise ValueError("the PKCS #7 data holds no certificate")
            if trust_attributes is not None:
                nss_certs.decode_trust(trust_attributes)  # refuse bad flags before writing
            with self._writer("import a PKCS #7 chain") as slot:
                for index, cert in enumerate(chain):
                    is_leaf = index == len(chain) - 1
                    # as Dogtag: the root (even when it is the only one) and intermediates
                    # get NSS's CA nicknames; the root is trusted CT,C,C
                    name = nickname if is_leaf and index > 0 else None
                    trust = "CT,C,C" if index == 0 else None
                    if is_leaf and trust_attributes is not None:
                        trust = trust_attributes
                    self._import(slot, cert, name, trust)

    def export_pkcs7(
        self, nickname: str | None = None, token: str | None = None, output_format: str = "PEM"
    ) -> str:
        """The certificate ``nickname`` and its issuers as a PKCS #7 chain (``PEM`` text,
        or ``DER`` as base-64 text as upstream returns it)."""
        logger.debug("NSSDatabase.export_pkcs7()")
        with self._operation("export_pkcs7", nickname or "-"):
            self._check_token(token)
            if not nickname:
                raise ValueError("Missing certificate nickname")
            cert = self._certs_named(nickname)[0].certificate
            chain = _certdata.sort_chain([cert, *self._chain_of(cert)])
            fmt = output_format.upper()
            if fmt == "PEM":
                return pkcs7.serialize_certificates(chain, Encoding.PEM).decode("ascii")
            if fmt == "DER":
                der = pkcs7.serialize_certificates(chain, Encoding.DER)
                return base64.b64encode(der).decode("ascii")
            raise ValueError(f"Unsupported format: {output_format}")

    # -- upstream: keys and requests -----------------------------------------------------

    def find_keys(self, nickname: str | None = None, token: str | None = None) -> dict[str, Any]:
        """The private keys (of certificate ``nickname``, or all): upstream's JSON dict
        ``{"entries": [{"keyId": "0x...", "type": "RSA", "algorithm": "RSA"}], "total": n}``."""
        with self._operation("find_keys", nickname or "-"):
            self._check_token(token)
            slot = self._reader()
            self._login(slot)
            if nickname:
                entries = []
                for info in self._find(nickname):
                    key = nss_keys.key_of_cert(slot, info.der)
                    if key is not None:
                        entries.append(key)
            else:
                entries = nss_keys.list_private_keys(slot)
            return {"entries": [_key_json(e) for e in entries], "total": len(entries)}

    def _generate_key(
        self,
        slot: nss.Slot,
        key_type: str | None,
        key_size: Any,
        curve: str | None,
        key_wrap: bool = False,
        ssl_ecdh: bool = False,
        op_flags: str | None = None,
        op_flags_mask: str | None = None,
    ) -> nss_keys.KeyEntry:
        kind = _KEY_TYPES.get((key_type or "rsa").lower())
        if kind is None:
            raise ValueError(f"Unsupported key type: {key_type} (use RSA or EC)")
        on, mask = _op_flags(op_flags), _op_flags(op_flags_mask)
        if kind == "RSA":
            if key_wrap and not op_flags:
                on |= nss_keys.OP_FLAGS["wrap"] | nss_keys.OP_FLAGS["unwrap"]
                mask |= on
            return nss_keys.generate_key_pair(slot, "RSA", int(key_size or 2048), None, on, mask)
        if curve and key_size and str(curve) != str(key_size):
            raise ValueError(
                f"Specified both curve ({curve}) and key size ({key_size}) when generating "
                "an elliptic curve key, but they differ."
            )
        curve_name = str(curve or key_size or "nistp256")
        if not op_flags_mask:
            # as certutil for Dogtag's EC keys (bug 1544843): signing on; derive only for ECDH
            on |= nss_keys.OP_FLAGS["sign"]
            mask |= on | (0 if ssl_ecdh else nss_keys.OP_FLAGS["derive"])
        return nss_keys.generate_key_pair(slot, "EC", 0, _curve_oid_der(curve_name), on, mask)

    def create_key(
        self,
        token: str | None = None,
        key_type: str | None = None,
        key_size: Any = None,
        key_wrap: bool = False,
        curve: str | None = None,
        ssl_ecdh: bool = False,
        op_flags: str | None = None,
        op_flags_mask: str | None = None,
        key_strength: Any = None,
    ) -> dict[str, Any]:
        """Generate a key pair in the database: upstream's JSON dict
        ``{"keyId": "0x...", "type": "RSA", "algorithm": "RSA"}``."""
        with self._operation("create_key", key_type or "RSA"):
            self._check_token(token)
            with self._writer("create a key") as slot:
                entry = self._generate_key(
                    slot, key_type, key_strength or key_size, curve, key_wrap, ssl_ecdh,
                    op_flags, op_flags_mask,
                )
            return _key_json(entry)

    def create_request(
        self,
        subject_dn: str,
        request_file: str,
        token: str | None = None,
        noise_file: str | None = None,
        key_id: str | None = None,
        cka_id: str | None = None,
        key_type: str | None = None,
        key_size: Any = None,
        key_wrap: bool = False,
        curve: str | None = None,
        hash_alg: str | None = None,
        basic_constraints_ext: Mapping[str, Any] | None = None,
        key_usage_ext: Mapping[str, Any] | None = None,
        extended_key_usage_ext: Mapping[str, Any] | None = None,
        subject_key_id: str | None = None,
        generic_exts: Sequence[Mapping[str, Any]] | None = None,
        use_jss: bool = False,
        request_type: str | None = None,
    ) -> None:
        """Write a PKCS #10 request for ``subject_dn`` to ``request_file`` (PEM).

        A new key is generated inside the database unless ``cka_id`` (hex) or ``key_id``
        (``0x`` hex) names an existing one; NSS signs the request with it, so the private
        key never leaves the database. ``subject_key_id`` ``"DEFAULT"`` adds the SKI of the
        key, hex text an explicit one. ``noise_file`` and ``use_jss`` are accepted and not
        needed. (``create_csr`` returns the request instead of writing it.)
        """
        with self._operation("create_request", subject_dn):
            self._check_token(token)
            if request_type and request_type.lower() != "pkcs10":
                raise ValueError(f"Unknown request type: {request_type} (only pkcs10)")
            if cka_id is None and key_id is not None:
                cka_id = key_id[2:] if key_id.lower().startswith("0x") else key_id
            if cka_id is not None and not isinstance(cka_id, str):
                raise TypeError("cka_id must be a text string")
            pem = self.create_csr(
                subject_dn, key_id=None if cka_id is None else "0x" + cka_id,
                key_type=key_type, key_size=key_size, key_wrap=key_wrap, curve=curve,
                hash_alg=hash_alg, basic_constraints_ext=basic_constraints_ext,
                key_usage_ext=key_usage_ext, extended_key_usage_ext=extended_key_usage_ext,
                subject_key_id=subject_key_id, generic_exts=generic_exts,
            )
            Path(request_file).write_bytes(pem)
            if os.geteuid() == 0 and self.user:
                os.chown(request_file, self.uid, self.gid)

    def create_csr(
        self,
        subject_dn: str,
        key_id: str | None = None,
        key_type: str | None = None,
        key_size: Any = None,
        key_wrap: bool = False,
        curve: str | None = None,
        hash_alg: str | None = None,
        basic_constraints_ext: Mapping[str, Any] | None = None,
        key_usage_ext: Mapping[str, Any] | None = None,
        extended_key_usage_ext: Mapping[str, Any] | None = None,
        subject_key_id: str | None = None,
        generic_exts: Sequence[Mapping[str, Any]] | None = None,
    ) -> bytes:
        """``create_request`` returning the PEM request instead of writing a file.

        ``key_id`` (``0x`` hex CKA_ID) reuses a key of the database; otherwise a new one is
        made there (``key_type`` ``rsa``/``ec``, ``key_size`` bits or ``curve``).
        """
        subject = nss_certs.encode_name(subject_dn)
        with self._writer("create a certificate request") as slot:
            if key_id is not None:
                text = key_id[2:] if key_id.lower().startswith("0x") else key_id
                key = bytes.fromhex(text)
            else:
                key = self._generate_key(slot, key_type, key_size, curve, key_wrap).key_id
            spki = nss_keys.public_key_info(slot, key)
            ski = None
            if subject_key_id == "DEFAULT":
                public = serialization.load_der_public_key(spki)
                ski = x509.SubjectKeyIdentifier.from_public_key(public).digest  # type: ignore[arg-type]
            elif subject_key_id is not None:
                ski = _csr.subject_key_id_from_hex(subject_key_id)
            extensions = _csr.extensions_from_options(
                basic_constraints_ext, key_usage_ext, extended_key_usage_ext, ski, generic_exts,
            )
            info = _csr.certification_request_info(subject, spki, extensions)
            der = nss_keys.sign_der(slot, key, info, hash_alg or "SHA256")
        return _certdata.pem(der, CSR_HEADER, CSR_FOOTER).encode("ascii")

    def create_cert(
        self,
        request_file: str,
        cert_file: str,
        serial: Any = None,
        issuer: str | None = None,
        key_usage_ext: Mapping[str, Any] | None = None,
        basic_constraints_ext: Mapping[str, Any] | None = None,
        aki_ext: Mapping[str, Any] | None = None,
        ski_ext: Mapping[str, Any] | None = None,
        aia_ext: Mapping[str, Any] | None = None,
        ext_key_usage_ext: Mapping[str, Any] | None = None,
        validity: Any = None,
        use_jss: bool = False,
    ) -> int:
        """Issue a certificate for the PEM request ``request_file`` into ``cert_file`` (PEM).

        Signed by the certificate ``issuer`` of this database (its key stays in the
        database), or self-signed with the request's own key (which must be in the
        database) when ``issuer`` is None. ``validity`` in months (default 3, as certutil),
        ``serial`` the serial number. Returns 0, as upstream returned certutil's status.
        """
        with self._operation("create_cert", request_file):
            csr = x509.load_pem_x509_csr(Path(request_file).read_bytes())
            with self._writer("issue a certificate") as slot:
                der = self._issue(
                    slot, csr, serial, issuer, key_usage_ext, basic_constraints_ext,
                    aki_ext, ski_ext, aia_ext, ext_key_usage_ext, validity,
                )
            Path(cert_file).write_text(_certdata.pem(der), encoding="ascii")
        return 0

    def _key_for_public(self, slot: nss.Slot, public: Any) -> bytes:
        spki = public.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        for entry in nss_keys.list_private_keys(slot):
            if nss_keys.public_key_info(slot, entry.key_id) == spki:
                return entry.key_id
        raise NSSError(f"the database {self.spec} holds no private key for that public key")

    def _issue(
        self,
        slot: nss.Slot,
        csr: x509.CertificateSigningRequest,
        serial: Any,
        issuer: str | None,
        key_usage_ext: Mapping[str, Any] | None,
        basic_constraints_ext: Mapping[str, Any] | None,
        aki_ext: Mapping[str, Any] | None,
        ski_ext: Mapping[str, Any] | None,
        aia_ext: Mapping[str, Any] | None,
        ext_key_usage_ext: Mapping[str, Any] | None,
        validity: Any,
    ) -> bytes:
        if issuer:
            issuer_cert = self._certs_named(issuer)[0].certificate
            signer = self._key_for_public(slot, issuer_cert.public_key())
            issuer_name, issuer_public = issuer_cert.subject, issuer_cert.public_key()
        else:
            signer = self._key_for_public(slot, csr.public_key())
            issuer_name, issuer_public = csr.subject, csr.public_key()
        now = _utcnow().replace(microsecond=0)
        months = int(validity) if validity else 3
        year, month = divmod(now.month - 1 + months, 12)
        try:
            not_after = now.replace(year=now.year + year, month=month + 1)
        except ValueError:  # e.g. the 31st in a shorter month
            not_after = now.replace(year=now.year + year, month=month + 2, day=1)
        builder = (
            x509.CertificateBuilder()
            .subject_name(csr.subject)
            .issuer_name(issuer_name)
            .public_key(csr.public_key())  # type: ignore[arg-type]
            .serial_number(int(serial) if serial is not None else x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(not_after)
        )
        extensions = {ext.oid: ext for ext in csr.extensions}
        for ext in _csr.extensions_from_options(
            basic_constraints_ext, key_usage_ext, ext_key_usage_ext
        ):
            extensions[ext.oid] = ext
        if ski_ext is not None:
            sk_id = ski_ext.get("sk_id")
            digest = (
                _csr.subject_key_id_from_hex(sk_id) if sk_id and sk_id != "DEFAULT"
                else x509.SubjectKeyIdentifier.from_public_key(csr.public_key()).digest  # type: ignore[arg-type]
            )
            value: x509.ExtensionType = x509.SubjectKeyIdentifier(digest)
            extensions[value.oid] = x509.Extension(value.oid, bool(ski_ext.get("critical")), value)
        if aki_ext is not None:
            # as 'keyid' in JSS's nss-cert-issue: the issuer's own subject key ID if it has one
            issuer_ski = None
            if issuer:
                with contextlib.suppress(x509.ExtensionNotFound):
                    issuer_ski = issuer_cert.extensions.get_extension_for_class(
                        x509.SubjectKeyIdentifier
                    ).value
            value = (
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski)
                if issuer_ski is not None
                else x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public)  # type: ignore[arg-type]
            )
            extensions[value.oid] = x509.Extension(value.oid, bool(aki_ext.get("critical")), value)
        if aia_ext:
            descriptions = []
            for kind, method in (
                ("ca_issuers", x509.AuthorityInformationAccessOID.CA_ISSUERS),
                ("ocsp", x509.AuthorityInformationAccessOID.OCSP),
            ):
                for uri in (aia_ext.get(kind) or {}).get("uri") or ():
                    descriptions.append(
                        x509.AccessDescription(method, x509.UniformResourceIdentifier(uri))
                    )
            value = x509.AuthorityInformationAccess(descriptions)
            extensions[value.oid] = x509.Extension(value.oid, bool(aia_ext.get("critical")), value)
        for ext in extensions.values():
            builder = builder.add_extension(ext.value, ext.critical)
        tbs = _certdata.tbs_for(builder, nss_keys.public_key_info(slot, signer))
        return nss_keys.sign_der(slot, signer, tbs, "SHA256")

    # -- upstream: PKCS #12 --------------------------------------------------------------

    def import_pkcs12(
        self,
        pkcs12_file: str,
        pkcs12_password: str | None = None,
        pkcs12_password_file: str | None = None,
        no_user_certs: bool = False,
        no_ca_certs: bool = False,
        overwrite: bool = False,
    ) -> None:
        """Import the certificates and keys of a PKCS #12 file (``pk12util -i``).

        NSS verifies the file with its password before storing anything, and unwraps the
        keys straight into the database. ``no_user_certs`` drops the certificates that came
        with a key (and those keys), ``no_ca_certs`` the others. On any failure the
        database is left as it was. ``overwrite`` replaces certificates of the file's
        nicknames that the database holds with different contents.
        """
        with self._operation("import_pkcs12", pkcs12_file):
            password = read_pkcs12_password(pkcs12_password, pkcs12_password_file)
            data = Path(pkcs12_file).read_bytes()
            with self._writer("import a PKCS #12 file") as slot:
                replaced = []
                try:
                    if overwrite:
                        replaced = self._remove_replaced(slot, data, password)
                    added = nss_pkcs12.import_pkcs12(slot, data, password)
                except NSSError as exc:
                    for der, nickname, trust in replaced:  # put back what overwrite removed
                        nss_certs.import_cert(slot, der, nickname, trust)
                    if exc.error_name in ("SEC_ERROR_BAD_PASSWORD", "SEC_ERROR_PKCS12_INVALID_MAC"):
                        raise NSSError(
                            f"Unable to import PKCS #12 file {pkcs12_file}: wrong PKCS #12 "
                            "password (nothing was imported)",
                            exc.error_name, exc.error_text, exc.code,
                        ) from None
                    raise
                self._filter_import(slot, added, no_user_certs, no_ca_certs)
                try:
                    self._apply_pkcs12_trust(slot, data, password, pkcs12_file)
                except NSSError:  # leave the database as it was
                    nss_pkcs12.remove_added(slot, added.certs, added.key_ids)
                    for der, nickname, trust in replaced:
                        nss_certs.import_cert(slot, der, nickname, trust)
                    raise

    @staticmethod
    def _apply_pkcs12_trust(slot: nss.Slot, data: bytes, password: str, path: str) -> None:
        """Give the imported certificates the trust flags JSS stored in the file, as its
        pkcs12-import does (NSS's import knows no such attribute)."""
        try:
            wanted = _pkcs12file.pkcs12_trust_flags(data, password)
        except (ValueError, IndexError) as exc:
            logger.debug("no trust flags read from %s: %s", path, exc)
            return
        # set even when NSS already reports those flags: its view is process-wide, and
        # another open database holding the certificate may be what it shows
        for raw in nss.list_certs(slot):
            flags = wanted.get(raw.der)
            if flags is not None:
                nss_certs.set_trust(slot, raw.der, flags)

    def _remove_replaced(
        self, slot: nss.Slot, data: bytes, password: str
    ) -> list[tuple[bytes, str, str]]:
        """Before an import with ``overwrite``: delete this database's certificates that
        share a nickname with the file's but differ from them (NSS reads the file; its keys
        stay encrypted). Returns ``(der, nickname, trust)`` of each, to restore on failure."""
        removed = []
        for entry in nss_pkcs12.pkcs12_certs(slot, data, password):
            if not entry.friendly_name:
                continue
            for raw in nss.list_certs(slot):
                if raw.nickname == entry.friendly_name and raw.der != entry.der:
                    trust = trust_string(
                        raw.ssl_trust, raw.email_trust, raw.object_signing_trust
                    ).replace("u", "")
                    nss_certs.delete_cert(slot, raw.der, remove_key=False)
                    removed.append((raw.der, raw.nickname, trust))
        return removed

    def _filter_import(
        self, slot: nss.Slot, added: Any, no_user_certs: bool, no_ca_certs: bool
    ) -> None:
        if not (no_user_certs or no_ca_certs):
            return
        spki = (Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        keyed = {}
        for key_id in added.key_ids:
            keyed[nss_keys.public_key_info(slot, key_id)] = key_id
        drop_certs, drop_keys = [], []
        for der in added.certs:
            public = x509.load_der_x509_certificate(der).public_key().public_bytes(*spki)
            has_key = public in keyed
            if (has_key and no_user_certs) or (not has_key and no_ca_certs):
                drop_certs.append(der)
            if has_key and no_user_certs:
                drop_keys.append(keyed[public])
        nss_pkcs12.remove_added(slot, drop_certs, drop_keys)

    def export_pkcs12(
        self,
        pkcs12_file: str,
        pkcs12_password: str | None = None,
        pkcs12_password_file: str | None = None,
        nicknames: Sequence[str] | None = None,
        cert_encryption: str | None = None,
        key_encryption: str | None = None,
        append: bool = False,
        include_trust_flags: bool = True,
        include_key: bool = True,
        include_chain: bool = True,
        mac_type: str | None = None,
        mac_digest: str | None = None,
    ) -> None:
        """Export certificates (all user certificates without ``nicknames``) with their keys
        and chains into ``pkcs12_file`` (``pk12util -o``), keys wrapped by NSS.

        Without ``include_key`` the file holds certificates only. ``append`` adds to an
        existing file (it must have the same password). As JSS's ``pkcs12-export``:
        bags are named by nickname, certificates are unencrypted unless
        ``cert_encryption`` names an AES cipher, and with ``include_trust_flags`` each
        key-bearing export carries the certificates' trust flags (JSS's attribute, which
        ``import_pkcs12`` reads back).
        """
        with self._operation("export_pkcs12", pkcs12_file):
            password = read_pkcs12_password(pkcs12_password, pkcs12_password_file)
            if mac_type and mac_type.lower() != "classic":
                raise ValueError(f"Unsupported MAC type: {mac_type} (only classic)")
            selected: list[CertInfo] = []
            if nicknames:
                for nickname in nicknames:
                    selected.extend(self._certs_named(nickname))
            else:
                selected = [c for c in self.list_certs() if c.has_private_key]
            if not selected:
                raise NSSError(f"NSS database {self.spec} has no certificate to export")
            blob = self._pkcs12_blob(
                selected, password, include_key, include_chain, cert_encryption,
                key_encryption, mac_digest, include_trust_flags=include_trust_flags,
            )
            if append and Path(pkcs12_file).exists():
                blob = _pkcs12file.merge_pkcs12(Path(pkcs12_file).read_bytes(), blob, password)
            _write_private(pkcs12_file, blob)

    def _pkcs12_blob(
        self,
        selected: Sequence[CertInfo],
        password: str,
        include_key: bool,
        include_chain: bool,
        cert_encryption: str | None,
        key_encryption: str | None,
        mac_digest: str | None,
        friendly_name: str | None = None,
        include_trust_flags: bool = True,
    ) -> bytes:
        if not include_key or friendly_name:
            certs: list[tuple[x509.Certificate, str | None]] = []
            for info in selected:
                certs.append((info.certificate, friendly_name or info.nickname))
                if include_chain:
                    certs += [(c, self._nickname_of(c)) for c in self._chain_of(info.certificate)]
            key = None
            if include_key:
                slot = self._reader()
                self._login(slot)
                key = self._export_key(slot, selected[0])
            return _pkcs12file.pkcs12_of(certs, key, password)
        slot = self._reader()
        self._login(slot)
        # as JSS's pkcs12-export, which upstream ran: certificates unencrypted by default
        cert_cipher = None
        if (cert_encryption or "").upper() not in ("NONE", ""):
            cert_cipher = str(cert_encryption).upper()
            if cert_cipher not in _pkcs12file.PBES2_CIPHERS:
                raise ValueError(
                    f"unsupported certificate encryption {cert_encryption!r}: use none or "
                    f"one of {', '.join(_pkcs12file.PBES2_CIPHERS)}"
                )
        # NSS writes the bags unencrypted and names them '<token>:<nickname>' (of whichever
        # open database it found the certificate in): the file gets this database's
        # nicknames alone, then its certificates encrypted if asked
        blob = nss_pkcs12.export_pkcs12(
            slot,
            [info.der for info in selected],
            password,
            include_chain=include_chain,
            key_cipher=(key_encryption or nss_pkcs12.DEFAULT_KEY_CIPHER),
            cert_cipher=None,
            mac_digest=(mac_digest or nss_pkcs12.DEFAULT_MAC_DIGEST),
        )
        stored = self.list_certs()
        trust = {info.der: info.trust_flags for info in stored}
        return _pkcs12file.rename_pkcs12_bags(
            blob, password, {info.der: info.nickname for info in stored}.get, cert_cipher,
            trust.get if include_trust_flags else None,
        )

    def _nickname_of(self, cert: x509.Certificate) -> str | None:
        for info in self.list_certs():
            if info.certificate == cert:
                return info.nickname
        return None

    def export_cert(
        self,
        nickname: str,
        pkcs12_file: str,
        pkcs12_password: str | None = None,
        pkcs12_password_file: str | None = None,
        friendly_name: str | None = None,
        cert_encryption: str | None = None,
        key_encryption: str | None = None,
        append: bool = False,
        include_trust_flags: bool = True,
        include_key: bool = True,
        include_chain: bool = True,
    ) -> None:
        """Export one certificate (with its key and chain) into ``pkcs12_file``, named
        ``friendly_name`` if given; ``append`` adds it to an existing file."""
        with self._operation("export_cert", nickname):
            password = read_pkcs12_password(pkcs12_password, pkcs12_password_file)
            selected = self._certs_named(nickname)[:1]
            blob = self._pkcs12_blob(
                selected, password, include_key, include_chain, cert_encryption,
                key_encryption, None, friendly_name, include_trust_flags,
            )
            if append and Path(pkcs12_file).exists():
                blob = _pkcs12file.merge_pkcs12(Path(pkcs12_file).read_bytes(), blob, password)
            _write_private(pkcs12_file, blob)


def _chain_names(
    cert: x509.Certificate, by_subject: dict[x509.Name, x509.Certificate]
) -> set[x509.Name]:
    names = {cert.issuer}
    current = cert
    for _ in range(10):
        issuer = by_subject.get(current.issuer)
        if issuer is None or issuer.issuer == issuer.subject:
            break
        names.add(issuer.issuer)
        current = issuer
    return names
