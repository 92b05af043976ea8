"""A thin ctypes binding to the system NSS libraries: the only module that touches ctypes.

It exposes a handful of Python functions over the NSS calls the project needs (open a user
database as its own slot, log in, list certificates with their trust, export a private key
encrypted under a one-time password) and turns NSS/NSPR error codes into ``NSSError``
carrying NSS's error name and text. Pointers never leave this module: callers get bytes,
strings and opaque ``Slot`` handles.

NSS itself is initialised once per process without any database (``NSS_InitContext`` with
``NSS_INIT_NOCERTDB | NSS_INIT_NOMODDB``), reference-counted by the open databases, and shut
down when the last one closes. The global ``NSS_Init`` is never used, so several databases
(and other NSS users in the process) can coexist.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import secrets
import threading
from collections.abc import Iterator
from ctypes import POINTER, Structure, c_char_p, c_int, c_uint, c_void_p
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple, TypeVar

from pki import PKIException

__all__ = [
    "NSSError",
    "LibraryNotFoundError",
    "Slot",
    "RawCert",
    "version",
    "open_user_db",
    "close_user_db",
    "token_name",
    "need_login",
    "is_logged_in",
    "login",
    "list_certs",
    "export_private_key",
]

# NSS_InitContext flags (nss.h)
_NSS_INIT_READONLY = 0x1
_NSS_INIT_NOCERTDB = 0x2
_NSS_INIT_NOMODDB = 0x4
_NSS_INIT_FORCEOPEN = 0x8
_NSS_INIT_NOROOTINIT = 0x10

# SECOidTag values (secoidt.h); part of NSS's stable ABI.
_SEC_OID_AES_256_CBC = 188
_SEC_OID_PKCS5_PBES2 = 292
_SEC_OID_HMAC_SHA256 = 296

_CERTDB_USER = 1 << 6  # certdb.h: NSS found the certificate's key ("u" in certutil -L)

_SEC_SUCCESS = 0
_PR_TRUE = 1

_INSTALL_HINT = (
    "install the system NSS library: Debian/Ubuntu 'apt-get install libnss3', "
    "Fedora/RHEL 'dnf install nss'"
)


class NSSError(PKIException):
    """An NSS call failed.

    ``error_name`` is NSS's symbolic name (``SEC_ERROR_BAD_PASSWORD``), ``error_text`` NSS's own
    description, ``code`` the numeric NSPR error code. The message says what was being done.
    """

    def __init__(
        self,
        message: str,
        error_name: str | None = None,
        error_text: str | None = None,
        code: int | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.error_name = error_name
        self.error_text = error_text


class LibraryNotFoundError(NSSError):
    """The NSS shared libraries could not be loaded."""


class _SECItem(Structure):
    _fields_ = [("type", c_int), ("data", POINTER(ctypes.c_ubyte)), ("len", c_uint)]


class _CERTCertTrust(Structure):
    _fields_ = [("sslFlags", c_uint), ("emailFlags", c_uint), ("objectSigningFlags", c_uint)]


class _PRCList(Structure):
    pass


_PRCList._fields_ = [("next", POINTER(_PRCList)), ("prev", POINTER(_PRCList))]


class _CERTCertListNode(Structure):
    _fields_ = [("links", _PRCList), ("cert", c_void_p), ("appData", c_void_p)]


class _CERTCertList(Structure):
    _fields_ = [("list", _PRCList), ("arena", c_void_p)]


# name: (library, restype, argtypes)
_PROTOTYPES: dict[str, tuple[str, Any, list[Any]]] = {
    "PR_GetError": ("nspr", c_int, []),
    "PR_ErrorToName": ("nspr", c_char_p, [c_int]),
    "PR_ErrorToString": ("nspr", c_char_p, [c_int, c_uint]),
    "NSS_GetVersion": ("nss", c_char_p, []),
    "NSS_InitContext": (
        "nss",
        c_void_p,
        [c_char_p, c_char_p, c_char_p, c_char_p, c_void_p, c_uint],
    ),
    "NSS_ShutdownContext": ("nss", c_int, [c_void_p]),
    "SECMOD_OpenUserDB": ("nss", c_void_p, [c_char_p]),
    "SECMOD_CloseUserDB": ("nss", c_int, [c_void_p]),
    "PK11_FreeSlot": ("nss", None, [c_void_p]),
    "PK11_GetTokenName": ("nss", c_char_p, [c_void_p]),
    "PK11_NeedLogin": ("nss", c_int, [c_void_p]),
    "PK11_IsLoggedIn": ("nss", c_int, [c_void_p, c_void_p]),
    "PK11_CheckUserPassword": ("nss", c_int, [c_void_p, c_char_p]),
    "PK11_ListCertsInSlot": ("nss", POINTER(_CERTCertList), [c_void_p]),
    "CERT_DestroyCertList": ("nss", None, [POINTER(_CERTCertList)]),
    "CERT_DestroyCertificate": ("nss", None, [c_void_p]),
    "CERT_GetCertificateDer": ("nss", c_int, [c_void_p, POINTER(_SECItem)]),
    "CERT_GetCertTrust": ("nss", c_int, [c_void_p, POINTER(_CERTCertTrust)]),
    "PK11_FindCertFromDERCertItem": ("nss", c_void_p, [c_void_p, POINTER(_SECItem), c_void_p]),
    "PK11_FindPrivateKeyFromCert": ("nss", c_void_p, [c_void_p, c_void_p, c_void_p]),
    "SECKEY_DestroyPrivateKey": ("nss", None, [c_void_p]),
    "PK11_ExportEncryptedPrivKeyInfoV2": (
        "nss",
        c_void_p,
        [c_void_p, c_int, c_int, c_int, POINTER(_SECItem), c_void_p, c_int, c_void_p],
    ),
    "SECKEY_DestroyEncryptedPrivateKeyInfo": ("nss", None, [c_void_p, c_int]),
    "SEC_ASN1EncodeItem_Util": (
        "nssutil",
        POINTER(_SECItem),
        [c_void_p, POINTER(_SECItem), c_void_p, c_void_p],
    ),
    "SECITEM_FreeItem": ("nss", None, [POINTER(_SECItem), c_int]),
}

_SONAMES = {"nss": "libnss3.so", "nssutil": "libnssutil3.so", "nspr": "libnspr4.so"}


class _Library:
    """The loaded NSS libraries with every prototype declared."""

    def __init__(self) -> None:
        libs: dict[str, ctypes.CDLL] = {}
        for key, soname in _SONAMES.items():
            try:
                libs[key] = ctypes.CDLL(soname)
            except OSError as exc:
                raise LibraryNotFoundError(
                    f"cannot load {soname} ({exc}): {_INSTALL_HINT}"
                ) from exc
        for name, (lib, restype, argtypes) in _PROTOTYPES.items():
            try:
                func = getattr(libs[lib], name)
            except AttributeError as exc:
                raise LibraryNotFoundError(
                    f"{_SONAMES[lib]} lacks {name}: NSS 3.87 or newer is needed; {_INSTALL_HINT}"
                ) from exc
            func.restype = restype
            func.argtypes = argtypes
            setattr(self, name, func)
        self.epki_template = ctypes.addressof(
            ctypes.c_char.in_dll(libs["nss"], "SECKEY_EncryptedPrivateKeyInfoTemplate")
        )

    def __getattr__(self, name: str) -> Any:  # for type checkers: prototypes are set above
        raise AttributeError(name)


_lib_lock = threading.Lock()
_library: _Library | None = None

class _SharedExclusiveLock:
    """Many holders in shared mode, or one in exclusive mode.

    NSS deadlocks when a user database is opened or closed (``SECMOD_OpenUserDB`` /
    ``SECMOD_CloseUserDB`` change the module list) while another thread works in a slot
    (seen with NSS 3.87: listing, login and key export against a concurrent open). Opening
    and closing are therefore exclusive; everything else runs concurrently.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._shared = 0
        self._exclusive = False

    @contextlib.contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            while self._exclusive:
                self._cond.wait()
            self._shared += 1
        try:
            yield
        finally:
            with self._cond:
                self._shared -= 1
                self._cond.notify_all()

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            while self._exclusive or self._shared:
                self._cond.wait()
            self._exclusive = True
        try:
            yield
        finally:
            with self._cond:
                self._exclusive = False
                self._cond.notify_all()


_slots_lock = _SharedExclusiveLock()
_F = TypeVar("_F", bound=Callable[..., Any])


def _in_slot(func: _F) -> _F:
    """Run ``func`` while no database is being opened or closed (see _SharedExclusiveLock)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _slots_lock.shared():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


# One process-wide NSS context without databases, kept while any database is open.
_init_lock = threading.RLock()
_init_context: int | None = None
_init_users = 0


def _nss() -> _Library:
    global _library
    if _library is None:
        with _lib_lock:
            if _library is None:
                _library = _Library()
    return _library


def _last_error(what: str, exc_class: type[NSSError] = NSSError) -> NSSError:
    """An exception for the NSS error just set on this thread."""
    lib = _nss()
    code = lib.PR_GetError()
    raw_name = lib.PR_ErrorToName(code) if code else None
    raw_text = lib.PR_ErrorToString(code, 0) if code else None
    name = raw_name.decode() if raw_name else (f"NSS error {code}" if code else None)
    text = raw_text.decode(errors="replace") if raw_text else None
    detail = f": {name}: {text}" if name and text else (f": {name}" if name else "")
    return exc_class(f"{what}{detail}", error_name=name, error_text=text, code=code)


def version() -> str:
    """The version of the loaded NSS library, e.g. ``3.87.1``."""
    return _nss().NSS_GetVersion().decode()


def _acquire_nss() -> None:
    global _init_context, _init_users
    with _init_lock:
        if _init_users == 0:
            flags = (
                _NSS_INIT_NOCERTDB
                | _NSS_INIT_NOMODDB
                | _NSS_INIT_READONLY
                | _NSS_INIT_FORCEOPEN
                | _NSS_INIT_NOROOTINIT
            )
            ctx = _nss().NSS_InitContext(b"", b"", b"", b"", None, flags)
            if not ctx:
                raise _last_error("cannot initialise NSS")
            _init_context = ctx
        _init_users += 1


def _release_nss() -> None:
    global _init_context, _init_users
    with _init_lock:
        _init_users -= 1
        if _init_users == 0 and _init_context is not None:
            ctx, _init_context = _init_context, None
            if _nss().NSS_ShutdownContext(ctx) != _SEC_SUCCESS:
                raise _last_error("cannot shut NSS down (objects still in use)")


@dataclass(frozen=True)
class Slot:
    """An open user database: its NSS slot, owned by whoever opened it."""

    pointer: int
    directory: str


def _quote(value: str) -> str:
    if "'" in value:
        raise NSSError(f"NSS database path {value!r} contains a single quote; NSS cannot open it")
    return value


def open_user_db(spec: str, read_only: bool) -> Slot:
    """Open the database ``spec`` (``sql:/dir`` or ``dbm:/dir``) as a slot of its own.

    NSS must find the files itself: a missing or unreadable database makes this fail with
    ``SEC_ERROR_BAD_DATABASE`` or similar, reported as ``NSSError``.
    """
    flags = " flags=readOnly" if read_only else ""
    module_spec = f"configDir='{_quote(spec)}'{flags}".encode()
    with _slots_lock.exclusive():
        _acquire_nss()
        try:
            slot = _nss().SECMOD_OpenUserDB(module_spec)
            if not slot:
                raise _last_error(f"cannot open NSS database {spec}")
        except BaseException:
            _release_nss()
            raise
    return Slot(pointer=slot, directory=spec)


def close_user_db(slot: Slot) -> None:
    """Close a database opened with ``open_user_db`` and release NSS when it was the last."""
    lib = _nss()
    with _slots_lock.exclusive():
        try:
            status = lib.SECMOD_CloseUserDB(slot.pointer)
            error = (
                None if status == _SEC_SUCCESS else _last_error(f"cannot close {slot.directory}")
            )
            lib.PK11_FreeSlot(slot.pointer)
        finally:
            _release_nss()
    if error is not None:
        raise error


@_in_slot
def token_name(slot: Slot) -> str:
    """The token name NSS gave this database's slot (``NSS Application Token 00000004``)."""
    name = _nss().PK11_GetTokenName(slot.pointer)
    return name.decode() if name else ""


@_in_slot
def need_login(slot: Slot) -> bool:
    """Whether the database is password protected (an empty password needs no login)."""
    return bool(_nss().PK11_NeedLogin(slot.pointer))


@_in_slot
def is_logged_in(slot: Slot) -> bool:
    return bool(_nss().PK11_IsLoggedIn(slot.pointer, None))


@_in_slot
def login(slot: Slot, password: str) -> None:
    """Log in to the database's key store with ``password``.

    A wrong password raises ``NSSError`` with ``error_name == 'SEC_ERROR_BAD_PASSWORD'``.
    The password is copied into a C buffer that is wiped right after the call.
    """
    raw = password.encode("utf-8")
    buffer = ctypes.create_string_buffer(raw, len(raw) + 1)
    try:
        status = _nss().PK11_CheckUserPassword(slot.pointer, buffer)
        if status != _SEC_SUCCESS:
            raise _last_error(f"cannot log in to {slot.directory}")
    finally:
        ctypes.memset(buffer, 0, len(buffer))


class RawCert(NamedTuple):
    """A certificate as NSS holds it in one slot."""

    der: bytes
    nickname: str
    ssl_trust: int
    email_trust: int
    object_signing_trust: int
    has_private_key: bool


def _der_of(cert: int) -> bytes:
    item = _SECItem()
    if _nss().CERT_GetCertificateDer(cert, ctypes.byref(item)) != _SEC_SUCCESS:
        raise _last_error("cannot read a certificate's DER encoding")
    return ctypes.string_at(item.data, item.len)


@_in_slot
def list_certs(slot: Slot) -> list[RawCert]:
    """Every certificate stored in this slot only, with its nickname, trust and key presence.

    Nicknames come back as stored, without the ``<token>:`` prefix NSS adds for
    non-internal tokens. Key presence is NSS's own user-certificate mark (certutil's ``u``),
    which NSS knows without a login; searching the keys instead costs a key-database scan.
    Call it before logging in: once logged in, NSS lists private objects too, which costs
    about 10 ms on an sql database.
    """
    lib = _nss()
    cert_list = lib.PK11_ListCertsInSlot(slot.pointer)
    if not cert_list:
        raise _last_error(f"cannot list certificates in {slot.directory}")
    prefix = token_name(slot) + ":"
    result: list[RawCert] = []
    try:
        head = ctypes.addressof(cert_list.contents.list)
        node_ptr = cert_list.contents.list.next
        while ctypes.addressof(node_ptr.contents) != head:
            node = ctypes.cast(node_ptr, POINTER(_CERTCertListNode)).contents
            nickname = ctypes.string_at(node.appData).decode() if node.appData else ""
            if nickname.startswith(prefix):
                nickname = nickname[len(prefix) :]
            trust = _CERTCertTrust()
            if lib.CERT_GetCertTrust(node.cert, ctypes.byref(trust)) != _SEC_SUCCESS:
                trust = _CERTCertTrust()
            all_flags = trust.sslFlags | trust.emailFlags | trust.objectSigningFlags
            result.append(
                RawCert(
                    der=_der_of(node.cert),
                    nickname=nickname,
                    ssl_trust=trust.sslFlags,
                    email_trust=trust.emailFlags,
                    object_signing_trust=trust.objectSigningFlags,
                    has_private_key=bool(all_flags & _CERTDB_USER),
                )
            )
            node_ptr = node.links.next
    finally:
        lib.CERT_DestroyCertList(cert_list)
    return result


@_in_slot
def export_private_key(slot: Slot, cert_der: bytes) -> tuple[bytes, bytes]:
    """Export the private key of the certificate ``cert_der`` found in this slot.

    Returns ``(encrypted_pkcs8_der, one_time_password)``: the key wrapped by NSS with
    PBES2 (AES-256-CBC, HMAC-SHA256) under a random password that exists only in memory.
    The caller decrypts it in memory; nothing is ever written to disk.
    """
    lib = _nss()
    der_buffer = ctypes.create_string_buffer(cert_der, len(cert_der))
    item = _SECItem(0, ctypes.cast(der_buffer, POINTER(ctypes.c_ubyte)), len(cert_der))
    cert = lib.PK11_FindCertFromDERCertItem(slot.pointer, ctypes.byref(item), None)
    if not cert:
        raise _last_error(f"certificate not found in {slot.directory}")
    key = epki = encoded = None
    password = secrets.token_hex(32).encode()
    pw_buffer = ctypes.create_string_buffer(password, len(password))
    try:
        key = lib.PK11_FindPrivateKeyFromCert(slot.pointer, cert, None)
        if not key:
            raise _last_error(f"no private key for this certificate in {slot.directory}")
        pw_item = _SECItem(0, ctypes.cast(pw_buffer, POINTER(ctypes.c_ubyte)), len(password))
        epki = lib.PK11_ExportEncryptedPrivKeyInfoV2(
            slot.pointer,
            _SEC_OID_PKCS5_PBES2,
            _SEC_OID_AES_256_CBC,
            _SEC_OID_HMAC_SHA256,
            ctypes.byref(pw_item),
            key,
            1,  # the password is random and single-use: one PBKDF2 iteration is enough
            None,
        )
        if not epki:
            raise _last_error(f"cannot export the private key from {slot.directory}")
        encoded = lib.SEC_ASN1EncodeItem_Util(None, None, epki, lib.epki_template)
        if not encoded:
            raise _last_error("cannot encode the exported private key")
        return ctypes.string_at(encoded.contents.data, encoded.contents.len), password
    finally:
        ctypes.memset(pw_buffer, 0, len(pw_buffer))
        if encoded:
            lib.SECITEM_FreeItem(encoded, _PR_TRUE)
        if epki:
            lib.SECKEY_DestroyEncryptedPrivateKeyInfo(epki, _PR_TRUE)
        if key:
            lib.SECKEY_DestroyPrivateKey(key)
        lib.CERT_DestroyCertificate(cert)
