"""NSS databases as a Python API: certificates, trust anchors and client credentials.

``NSSDatabase`` opens one named database (``sql:`` cert9/key4 or ``dbm:`` cert8/key3) with its
password and answers from that database only, even when several are open in the process.
Private keys are exported by NSS encrypted under a one-time password and decrypted in
memory by cryptography; nothing is written anywhere.

Typical use::

    with NSSDatabase("~/.dogtag/nssdb", password_file="password.conf") as db:
        cert, chain, key = db.get_client_credentials("PKI Administrator")
"""

from __future__ import annotations

import datetime
import logging
import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Union

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_der_private_key,
)
from cryptography.x509.oid import ExtendedKeyUsageOID

from pki import nss
from pki.nss import NSSError

__all__ = [
    "NSSDatabase",
    "CertInfo",
    "NSSError",
    "DatabaseNotFoundError",
    "BadPasswordError",
    "PasswordRequiredError",
    "CertificateNotFoundError",
    "PrivateKeyNotFoundError",
    "CertificateNotValidError",
    "AmbiguousCertificateError",
    "PasswordCallback",
    "PrivateKey",
    "trust_string",
    "read_password_file",
    "Secret",
]

logger = logging.getLogger(__name__)

PasswordCallback = Callable[[str, bool], Union[str, None]]
PrivateKey = Union[rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey]

#: The token name Dogtag uses for the database's own key store (``internal=`` in password.conf).
INTERNAL_TOKEN = "internal"
_INTERNAL_TOKEN_ALIASES = {
    INTERNAL_TOKEN,
    "internal key storage token",
    "nss certificate db",
    "nss generic crypto services",
    "nss fips 140-2 certificate db",
}

_DB_FILES = {"sql": ("cert9.db", "key4.db"), "dbm": ("cert8.db", "key3.db")}


class Secret(str):
    """A password that stays out of ``repr()`` (and so out of tracebacks and debug dumps)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'********'"


class DatabaseNotFoundError(NSSError):
    """The directory does not exist or holds no NSS database of the requested format."""


class BadPasswordError(NSSError):
    """The password given for the database is wrong."""


class PasswordRequiredError(NSSError):
    """The database is password protected and no password was given."""


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


class AmbiguousCertificateError(NSSError):
    """Several client certificates fit and nothing says which one; ``candidates`` lists them."""

    def __init__(self, message: str, candidates: Sequence[CertInfo] = ()) -> None:
        super().__init__(message)
        self.candidates = list(candidates)


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


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _cert_info(raw: nss.RawCert) -> CertInfo:
    cert = x509.load_der_x509_certificate(raw.der)
    return CertInfo(
        nickname=raw.nickname,
        token=INTERNAL_TOKEN,
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        serial_number=cert.serial_number,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        trust_flags=trust_string(raw.ssl_trust, raw.email_trust, raw.object_signing_trust),
        has_private_key=raw.has_private_key,
        certificate=cert,
        ssl_trust=raw.ssl_trust,
    )


def _allows_client_auth(cert: x509.Certificate) -> bool:
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        eku = None
    if eku is not None and ExtendedKeyUsageOID.CLIENT_AUTH not in eku:
        if ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE not in eku:
            return False
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return usage.digital_signature or usage.key_agreement


def _as_name(value: x509.Name | str) -> x509.Name:
    return value if isinstance(value, x509.Name) else x509.Name.from_rfc4514_string(value)


def read_password_file(path: str | os.PathLike[str], token: str = INTERNAL_TOKEN) -> str | None:
    """The password for ``token`` from a password file.

    Accepts Dogtag's ``password.conf`` (``internal=...`` for the database's own key store,
    ``hardware-<token>=...`` for other tokens; ``#`` comments and blank lines skipped, other
    names such as ``internaldb`` ignored) or a file whose first line is the bare password.
    Returns None when a password.conf has no entry for ``token``.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise NSSError(f"cannot read password file {path}: {exc.strerror or exc}") from exc
    lines = text.splitlines()
    entries: dict[str, str] = {}
    is_conf = False
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        name = name.strip()
        if sep and (name == INTERNAL_TOKEN or name.startswith("hardware-")):
            is_conf = True
        if sep:
            # as in Java properties files (how Dogtag reads password.conf), blanks around '='
            # don't count; trailing ones belong to the value
            entries.setdefault(name, value.lstrip())
    if not is_conf:
        return Secret(lines[0] if lines else "")
    wanted = (
        INTERNAL_TOKEN if token.lower() in _INTERNAL_TOKEN_ALIASES else f"hardware-{token}"
    )
    found = entries.get(wanted)
    return None if found is None else Secret(found)


def _split_spec(directory: str | os.PathLike[str]) -> tuple[str, Path]:
    text = os.fspath(directory)
    for prefix in ("sql:", "dbm:"):
        if text.startswith(prefix):
            return prefix[:-1], Path(text[len(prefix) :]).expanduser()
    db_type = os.environ.get("NSS_DEFAULT_DB_TYPE", "sql").strip().lower() or "sql"
    if db_type not in _DB_FILES:
        raise NSSError(
            f"NSS_DEFAULT_DB_TYPE={db_type!r} is not supported: use 'sql' or 'dbm', "
            f"or prefix the directory with sql: or dbm:"
        )
    return db_type, Path(text).expanduser()


class NSSDatabase:
    """One NSS database, opened as its own NSS slot.

    Give at most one of ``password`` (a string), ``password_file`` (a bare password line or
    Dogtag ``password.conf``) or ``password_callback(token_name, retry) -> str | None``
    (called once, with ``token_name`` ``"internal"`` and ``retry`` False). A wrong password
    raises ``BadPasswordError`` at once. ``read_only`` (the default) never modifies the files.

    Every lookup is scoped to this database's slot, so two databases holding the same
    nickname each answer with their own certificate.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str] | None = None,
        password: str | None = None,
        password_file: str | os.PathLike[str] | None = None,
        password_callback: PasswordCallback | None = None,
        read_only: bool = True,
    ) -> None:
        given = [p for p in (password, password_file, password_callback) if p is not None]
        if len(given) > 1:
            raise ValueError(
                "give only one of password, password_file and password_callback"
            )
        if directory is None:
            directory = "~/.dogtag/nssdb"
        self.db_type, self.path = _split_spec(directory)
        self.read_only = read_only
        self._password = None if password is None else Secret(password)
        self._password_file = password_file
        self._password_callback = password_callback
        self._slot: nss.Slot | None = None
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
        """Open the database and log in; does nothing if it is already open.

        ``login=False`` opens only the public part (certificates and their trust), which
        needs no password; the key store is then unlocked when a private key is first asked
        for, with the password given to the constructor.
        """
        with self._lock:
            if self._slot is not None:
                return self
            self._check_files()
            slot = nss.open_user_db(self.spec, self.read_only)
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
            logger.debug("opened NSS database %s", self.spec)
            return self

    def close(self) -> None:
        """Close the database; NSS shuts down when no database is left open."""
        with self._lock:
            slot, self._slot = self._slot, None
            self._certs = None
            if slot is not None:
                nss.close_user_db(slot)
                logger.debug("closed NSS database %s", self.spec)

    @property
    def is_open(self) -> bool:
        return self._slot is not None

    @property
    def has_password(self) -> bool:
        """Whether a password, password file or callback was given."""
        return any(
            p is not None
            for p in (self._password, self._password_file, self._password_callback)
        )

    @property
    def is_locked(self) -> bool:
        """Whether reaching the private keys still needs a login (the database is open)."""
        slot = self._require_open()
        return nss.need_login(slot) and not nss.is_logged_in(slot)

    def __enter__(self) -> NSSDatabase:
        return self.open()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _check_files(self) -> None:
        if not self.path.is_dir():
            raise DatabaseNotFoundError(
                f"NSS database directory {self.path} does not exist; create one with "
                f"'certutil -N -d {self.spec}' or 'pki -d {self.path} client-init'"
            )
        wanted = _DB_FILES[self.db_type]
        if all((self.path / name).is_file() for name in wanted):
            return
        other = "dbm" if self.db_type == "sql" else "sql"
        if all((self.path / name).is_file() for name in _DB_FILES[other]):
            raise DatabaseNotFoundError(
                f"{self.path} holds a {other} NSS database ({', '.join(_DB_FILES[other])}), "
                f"not {self.db_type}: open it as '{other}:{self.path}' "
                f"or set NSS_DEFAULT_DB_TYPE={other}"
            )
        raise DatabaseNotFoundError(
            f"{self.path} is not an NSS {self.db_type} database (no {' and '.join(wanted)}); "
            f"create one with 'certutil -N -d {self.spec}'"
        )

    def _login(self, slot: nss.Slot) -> None:
        if not nss.need_login(slot) or nss.is_logged_in(slot):
            return
        password = self._resolve_password()
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
                raise BadPasswordError(
                    f"wrong password for NSS database {self.spec}",
                    error_name=exc.error_name,
                    error_text=exc.error_text,
                    code=exc.code,
                ) from None
            raise

    def _resolve_password(self) -> str | None:
        if self._password is not None:
            return self._password
        if self._password_file is not None:
            password = read_password_file(self._password_file)
            if password is None:
                raise PasswordRequiredError(
                    f"password file {self._password_file} has no 'internal=' entry "
                    f"for NSS database {self.spec}"
                )
            return password
        if self._password_callback is not None:
            return self._password_callback(INTERNAL_TOKEN, False)
        return None

    def _require_open(self) -> nss.Slot:
        if self._slot is None:
            raise NSSError(f"NSS database {self.spec} is not open: call open() or use 'with'")
        return self._slot

    # -- queries -------------------------------------------------------------------------

    def list_certs(self) -> list[CertInfo]:
        """Every certificate in this database, with nickname, dates, trust and key presence.

        The listing is read once per ``open()`` and reused by the other queries until
        ``close()``.
        """
        with self._lock:
            slot = self._require_open()
            if self._certs is None:
                self._certs = [_cert_info(raw) for raw in nss.list_certs(slot)]
            return list(self._certs)

    def _certs_named(self, nickname: str) -> list[CertInfo]:
        certs = self.list_certs()
        name = nickname
        token, sep, rest = nickname.partition(":")
        if sep and token.strip().lower() in _INTERNAL_TOKEN_ALIASES:
            name = rest
        found = [c for c in certs if c.nickname == name]
        if not found:
            nicknames = sorted({c.nickname for c in certs})
            listed = ", ".join(repr(n) for n in nicknames) or "none: the database is empty"
            raise CertificateNotFoundError(
                f"no certificate named {nickname!r} in NSS database {self.spec}; "
                f"nicknames there: {listed}",
                nicknames,
            )
        # Renewed certificates share a nickname: prefer the one valid now, newest first.
        now = _utcnow()
        return sorted(found, key=lambda c: (c.is_valid_at(now), c.not_after), reverse=True)

    def get_cert(self, nickname: str) -> x509.Certificate:
        """The certificate called ``nickname`` (the newest valid one if several share it)."""
        return self._certs_named(nickname)[0].certificate

    def get_cert_info(self, nickname: str) -> CertInfo:
        """Like ``get_cert`` but with the database's view of it (trust, key presence)."""
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
            slot = self._require_open()
            candidates = self._certs_named(nickname)
            keyed = [c for c in candidates if c.has_private_key]
            if not keyed:
                raise PrivateKeyNotFoundError(
                    f"NSS database {self.spec} has certificate {nickname!r} "
                    f"({candidates[0].subject}) but no private key for it; import the key "
                    "with 'pk12util -i <file.p12>' or use a nickname with 'u' trust"
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
            self._login(slot)  # a no-op unless opened with login=False
            key = self._export_key(slot, info)
            chain = self._chain_of(info.certificate)
            return info.certificate, chain, key

    def _export_key(self, slot: nss.Slot, info: CertInfo) -> PrivateKey:
        der = info.certificate.public_bytes(Encoding.DER)
        try:
            encrypted, password = nss.export_private_key(slot, der)
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
            issuer = _find_issuer(current, certs)
            if issuer is None or issuer in chain:
                break
            chain.append(issuer)
            current = issuer
        return chain


def _find_issuer(
    cert: x509.Certificate, candidates: Sequence[x509.Certificate]
) -> x509.Certificate | None:
    for candidate in candidates:
        if candidate.subject != cert.issuer or candidate == cert:
            continue
        try:
            cert.verify_directly_issued_by(candidate)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return candidate
    return None


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

