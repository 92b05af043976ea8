"""Loading the system NSS libraries, their prototypes, errors and the process-wide state.

Everything the other ``pki.nss`` modules share lives here: the ctypes structures NSS's public
headers define, one table of every function prototype used, the NSS/NSPR error translation,
the process-wide NSS context (initialised once without any database, reference-counted by the
open databases), and the locks that keep NSS's module list consistent.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import threading
from collections.abc import Iterator
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_char_p,
    c_int,
    c_int64,
    c_uint,
    c_ulong,
    c_void_p,
)
from typing import Any, Callable, TypeVar

from pki import PKIException

# NSS_InitContext flags (nss.h)
NSS_INIT_READONLY = 0x1
NSS_INIT_NOCERTDB = 0x2
NSS_INIT_NOMODDB = 0x4
NSS_INIT_FORCEOPEN = 0x8
NSS_INIT_NOROOTINIT = 0x10

SEC_SUCCESS = 0
PR_TRUE = 1
PR_FALSE = 0
CK_INVALID_HANDLE = 0

INSTALL_HINT = (
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


# -- structures from NSS's public headers ----------------------------------------------------


class SECItem(Structure):
    _fields_ = [("type", c_int), ("data", POINTER(ctypes.c_ubyte)), ("len", c_uint)]


class CERTCertTrust(Structure):
    _fields_ = [("sslFlags", c_uint), ("emailFlags", c_uint), ("objectSigningFlags", c_uint)]


class PRCList(Structure):
    pass


PRCList._fields_ = [("next", POINTER(PRCList)), ("prev", POINTER(PRCList))]


class CERTCertListNode(Structure):
    _fields_ = [("links", PRCList), ("cert", c_void_p), ("appData", c_void_p)]


class CERTCertList(Structure):
    _fields_ = [("list", PRCList), ("arena", c_void_p)]


class SECKEYPrivateKeyListNode(Structure):
    _fields_ = [("links", PRCList), ("key", c_void_p)]


class SECKEYPrivateKeyList(Structure):
    _fields_ = [("list", PRCList), ("arena", c_void_p)]


class SEC_PKCS12DecoderItem(Structure):
    _fields_ = [
        ("der", POINTER(SECItem)),
        ("type", c_int),
        ("hasKey", c_int),
        ("friendlyName", POINTER(SECItem)),
        ("shroudAlg", c_void_p),
    ]


class PK11RSAGenParams(Structure):
    _fields_ = [("keySizeInBits", c_int), ("pe", c_ulong)]


# callbacks (p12.h, secport.h)
# (a callback cannot return a ctypes pointer type: it returns the SECItem's address)
NicknameCollisionCallback = CFUNCTYPE(c_void_p, POINTER(SECItem), POINTER(c_int), c_void_p)
NicknameRenameCallback = CFUNCTYPE(c_int, c_void_p, POINTER(SECItem), POINTER(c_void_p), c_void_p)
EncoderOutputCallback = CFUNCTYPE(None, c_void_p, c_void_p, c_ulong)
UCS2ASCIIConversionFunction = CFUNCTYPE(
    c_int, c_int, c_void_p, c_uint, c_void_p, c_uint, POINTER(c_uint), c_int
)

_P = c_void_p  # an opaque NSS pointer
_ITEM = POINTER(SECItem)

# name: (library, restype, argtypes)
_PROTOTYPES: dict[str, tuple[str, Any, list[Any]]] = {
    # errors, version, initialisation
    "PR_GetError": ("nspr", c_int, []),
    "PR_SetError": ("nspr", None, [c_int, c_int]),
    "PR_ErrorToName": ("nspr", c_char_p, [c_int]),
    "PR_ErrorToString": ("nspr", c_char_p, [c_int, c_uint]),
    "NSS_GetVersion": ("nss", c_char_p, []),
    "NSS_InitContext": ("nss", _P, [c_char_p, c_char_p, c_char_p, c_char_p, _P, c_uint]),
    "NSS_ShutdownContext": ("nss", c_int, [_P]),
    # memory
    "PORT_Free_Util": ("nssutil", None, [_P]),
    "PORT_NewArena_Util": ("nssutil", _P, [c_ulong]),
    "PORT_FreeArena_Util": ("nssutil", None, [_P, c_int]),
    "SECITEM_AllocItem_Util": ("nssutil", _ITEM, [_P, _P, c_uint]),
    "SECITEM_FreeItem": ("nss", None, [_ITEM, c_int]),
    "SEC_ASN1EncodeItem_Util": ("nssutil", _ITEM, [_P, _P, _P, _P]),
    "PORT_UCS2_UTF8Conversion_Util": (
        "nssutil", c_int, [c_int, _P, c_uint, _P, c_uint, POINTER(c_uint)],
    ),
    "PORT_SetUCS2_ASCIIConversionFunction_Util": (
        "nssutil", None, [UCS2ASCIIConversionFunction],
    ),
    # user databases (slots) and their passwords
    "SECMOD_OpenUserDB": ("nss", _P, [c_char_p]),
    "SECMOD_CloseUserDB": ("nss", c_int, [_P]),
    "NSC_ModuleDBFunc": ("softokn", POINTER(c_char_p), [c_ulong, c_char_p, _P]),
    "PK11_FreeSlot": ("nss", None, [_P]),
    "PK11_GetInternalSlot": ("nss", _P, []),
    "PK11_GetTokenName": ("nss", c_char_p, [_P]),
    "PK11_NeedLogin": ("nss", c_int, [_P]),
    "PK11_NeedUserInit": ("nss", c_int, [_P]),
    "PK11_IsLoggedIn": ("nss", c_int, [_P, _P]),
    "PK11_IsReadOnly": ("nss", c_int, [_P]),
    "PK11_CheckUserPassword": ("nss", c_int, [_P, c_char_p]),
    "PK11_InitPin": ("nss", c_int, [_P, c_char_p, c_char_p]),
    # certificates
    "CERT_GetDefaultCertDB": ("nss", _P, []),
    "PK11_ListCertsInSlot": ("nss", POINTER(CERTCertList), [_P]),
    "CERT_DestroyCertList": ("nss", None, [POINTER(CERTCertList)]),
    "CERT_DestroyCertificate": ("nss", None, [_P]),
    "CERT_GetCertificateDer": ("nss", c_int, [_P, _ITEM]),
    "CERT_GetCertTrust": ("nss", c_int, [_P, POINTER(CERTCertTrust)]),
    "CERT_DecodeTrustString": ("nss", c_int, [POINTER(CERTCertTrust), c_char_p]),
    "CERT_ChangeCertTrust": ("nss", c_int, [_P, _P, POINTER(CERTCertTrust)]),
    "CERT_NewTempCertificate": ("nss", _P, [_P, _ITEM, c_char_p, c_int, c_int]),
    "CERT_MakeCANickname": ("nss", _P, [_P]),
    "PK11_ImportCert": ("nss", c_int, [_P, _P, c_ulong, c_char_p, c_int]),
    "PK11_FindCertFromDERCertItem": ("nss", _P, [_P, _ITEM, _P]),
    "SEC_DeletePermCertificate": ("nss", c_int, [_P]),
    "CERT_VerifyCertificateNow": ("nss", c_int, [_P, _P, c_int, c_int64, _P, POINTER(c_int64)]),
    "CERT_AsciiToName": ("nss", _P, [c_char_p]),
    "CERT_DestroyName": ("nss", None, [_P]),
    # keys
    "PK11_FindPrivateKeyFromCert": ("nss", _P, [_P, _P, _P]),
    "PK11_FindKeyByKeyID": ("nss", _P, [_P, _ITEM, _P]),
    "PK11_ListPrivKeysInSlot": ("nss", POINTER(SECKEYPrivateKeyList), [_P, c_char_p, _P]),
    "SECKEY_DestroyPrivateKeyList": ("nss", None, [POINTER(SECKEYPrivateKeyList)]),
    "PK11_GetLowLevelKeyIDForPrivateKey": ("nss", _ITEM, [_P]),
    "PK11_GetPrivateKeyNickname": ("nss", _P, [_P]),
    "SECKEY_GetPrivateKeyType": ("nss", c_int, [_P]),
    "PK11_GenerateKeyPairWithOpFlags": (
        "nss", _P, [_P, c_ulong, _P, POINTER(_P), c_uint, c_ulong, c_ulong, _P],
    ),
    "PK11_DeleteTokenPrivateKey": ("nss", c_int, [_P, c_int]),
    "SECKEY_ConvertToPublicKey": ("nss", _P, [_P]),
    "SECKEY_EncodeDERSubjectPublicKeyInfo": ("nss", _ITEM, [_P]),
    "SECKEY_DestroyPrivateKey": ("nss", None, [_P]),
    "SECKEY_DestroyPublicKey": ("nss", None, [_P]),
    "SEC_GetSignatureAlgorithmOidTag": ("nss", c_int, [c_int, c_int]),
    "SEC_DerSignData": ("nss", c_int, [_P, _ITEM, _P, c_int, _P, c_int]),
    "PK11_ExportEncryptedPrivKeyInfoV2": (
        "nss", _P, [_P, c_int, c_int, c_int, _ITEM, _P, c_int, _P],
    ),
    "SECKEY_DestroyEncryptedPrivateKeyInfo": ("nss", None, [_P, c_int]),
    # PKCS #12 (libsmime3)
    "SEC_PKCS12DecoderStart": ("smime", _P, [_ITEM, _P, _P, _P, _P, _P, _P, _P]),
    "SEC_PKCS12DecoderUpdate": ("smime", c_int, [_P, _P, c_ulong]),
    "SEC_PKCS12DecoderVerify": ("smime", c_int, [_P]),
    "SEC_PKCS12DecoderValidateBags": ("smime", c_int, [_P, NicknameCollisionCallback]),
    "SEC_PKCS12DecoderSetTargetTokenCAs": ("smime", c_int, [_P, c_int]),
    "SEC_PKCS12DecoderRenameCertNicknames": ("smime", c_int, [_P, NicknameRenameCallback, _P]),
    "SEC_PKCS12DecoderImportBags": ("smime", c_int, [_P]),
    "SEC_PKCS12DecoderIterateInit": ("smime", c_int, [_P]),
    "SEC_PKCS12DecoderIterateNext": (
        "smime", c_int, [_P, POINTER(POINTER(SEC_PKCS12DecoderItem))],
    ),
    "SEC_PKCS12DecoderFinish": ("smime", None, [_P]),
    "SEC_PKCS12CreateExportContext": ("smime", _P, [_P, _P, _P, _P]),
    "SEC_PKCS12AddPasswordIntegrity": ("smime", c_int, [_P, _ITEM, c_int]),
    "SEC_PKCS12CreateUnencryptedSafe": ("smime", _P, [_P]),
    "SEC_PKCS12CreatePasswordPrivSafe": ("smime", _P, [_P, _ITEM, c_int]),
    "SEC_PKCS12AddCertOrChainAndKey": (
        "smime", c_int, [_P, _P, _P, _P, _P, _P, _P, c_int, _ITEM, c_int, c_int],
    ),
    "SEC_PKCS12Encode": ("smime", c_int, [_P, EncoderOutputCallback, _P]),
    "SEC_PKCS12DestroyExportContext": ("smime", None, [_P]),
}

#: name: (library, symbol) of the data symbols (ASN.1 templates) used
_DATA_SYMBOLS = {
    "epki_template": ("nss", "SECKEY_EncryptedPrivateKeyInfoTemplate"),
    "name_template": ("nss", "CERT_NameTemplate"),
}

_SONAMES = {
    "nss": "libnss3.so",
    "nssutil": "libnssutil3.so",
    "nspr": "libnspr4.so",
    "smime": "libsmime3.so",
    "softokn": "libsoftokn3.so",
}


class Library:
    """The loaded NSS libraries with every prototype declared."""

    def __init__(self) -> None:
        libs: dict[str, ctypes.CDLL] = {}
        for key, soname in _SONAMES.items():
            try:
                libs[key] = ctypes.CDLL(soname)
            except OSError as exc:
                raise LibraryNotFoundError(f"cannot load {soname} ({exc}): {INSTALL_HINT}") from exc
        for name, (lib, restype, argtypes) in _PROTOTYPES.items():
            try:
                func = getattr(libs[lib], name)
            except AttributeError as exc:
                raise LibraryNotFoundError(
                    f"{_SONAMES[lib]} lacks {name}: NSS 3.87 or newer is needed; {INSTALL_HINT}"
                ) from exc
            func.restype = restype
            func.argtypes = argtypes
            setattr(self, name, func)
        for attr, (lib, symbol) in _DATA_SYMBOLS.items():
            setattr(self, attr, ctypes.addressof(ctypes.c_char.in_dll(libs[lib], symbol)))

    def __getattr__(self, name: str) -> Any:  # for type checkers: prototypes are set above
        raise AttributeError(name)


_lib_lock = threading.Lock()
_library: Library | None = None


def nss() -> Library:
    """The NSS libraries, loaded on first use."""
    global _library
    if _library is None:
        with _lib_lock:
            if _library is None:
                _library = Library()
    return _library


def clear_error() -> None:
    """Forget this thread's last NSS error, so that a failure reports its own."""
    nss().PR_SetError(0, 0)


def last_error(what: str, exc_class: type[NSSError] = NSSError) -> NSSError:
    """An exception for the NSS error just set on this thread."""
    lib = nss()
    code = lib.PR_GetError()
    raw_name = lib.PR_ErrorToName(code) if code else None
    raw_text = lib.PR_ErrorToString(code, 0) if code else None
    name = raw_name.decode() if raw_name else (f"NSS error {code}" if code else None)
    text = raw_text.decode(errors="replace") if raw_text else None
    detail = f": {name}: {text}" if name and text else (f": {name}" if name else "")
    return exc_class(f"{what}{detail}", error_name=name, error_text=text, code=code)


def version() -> str:
    """The version of the loaded NSS library, e.g. ``3.87.1``."""
    return str(nss().NSS_GetVersion().decode())


# -- locks --------------------------------------------------------------------------------------


class SharedExclusiveLock:
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


slots_lock = SharedExclusiveLock()
_F = TypeVar("_F", bound=Callable[..., Any])


def in_slot(func: _F) -> _F:
    """Run ``func`` while no database is being opened or closed (see SharedExclusiveLock)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with slots_lock.shared():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


# One process-wide NSS context without databases, kept while any database is open.
_init_lock = threading.RLock()
_init_context: int | None = None
_init_users = 0


def acquire_nss() -> None:
    """Initialise NSS (without any database) unless it already is; pair with release_nss."""
    global _init_context, _init_users
    with _init_lock:
        if _init_users == 0:
            flags = (
                NSS_INIT_NOCERTDB
                | NSS_INIT_NOMODDB
                | NSS_INIT_READONLY
                | NSS_INIT_FORCEOPEN
                | NSS_INIT_NOROOTINIT
            )
            ctx = nss().NSS_InitContext(b"", b"", b"", b"", None, flags)
            if not ctx:
                raise last_error("cannot initialise NSS")
            _init_context = ctx
        _init_users += 1


def release_nss() -> None:
    global _init_context, _init_users
    with _init_lock:
        _init_users -= 1
        if _init_users == 0 and _init_context is not None:
            ctx, _init_context = _init_context, None
            if nss().NSS_ShutdownContext(ctx) != SEC_SUCCESS:
                raise last_error("cannot shut NSS down (objects still in use)")


@contextlib.contextmanager
def nss_context() -> Iterator[Library]:
    """NSS initialised for the duration of the block (for calls that need no database)."""
    acquire_nss()
    try:
        yield nss()
    finally:
        release_nss()


# -- data in and out of NSS --------------------------------------------------------------------


class InputItem:
    """A ``SECItem`` pointing at a private copy of ``data``, wiped by ``wipe()``.

    Used for everything handed to NSS, so that passwords can be cleared from the C buffer as
    soon as the call returns.
    """

    def __init__(self, data: bytes) -> None:
        self.buffer = ctypes.create_string_buffer(data, max(len(data), 1))
        self.item = SECItem(0, ctypes.cast(self.buffer, POINTER(ctypes.c_ubyte)), len(data))

    @property
    def ref(self) -> Any:
        return ctypes.byref(self.item)

    def wipe(self) -> None:
        ctypes.memset(self.buffer, 0, len(self.buffer))


@contextlib.contextmanager
def secret_item(data: bytes) -> Iterator[InputItem]:
    """An InputItem for a secret, wiped when the block ends."""
    item = InputItem(data)
    try:
        yield item
    finally:
        item.wipe()


@contextlib.contextmanager
def secret_string(text: str) -> Iterator[ctypes.Array[ctypes.c_char]]:
    """A NUL-terminated UTF-8 C string for a password, wiped when the block ends."""
    raw = text.encode("utf-8")
    buffer = ctypes.create_string_buffer(raw, len(raw) + 1)
    try:
        yield buffer
    finally:
        ctypes.memset(buffer, 0, len(buffer))


def item_bytes(item: Any) -> bytes:
    """The bytes a ``SECItem`` (structure or pointer) points at."""
    value = item.contents if hasattr(item, "contents") else item
    if not value.len:
        return b""
    return ctypes.string_at(value.data, value.len)


def take_item(pointer: Any) -> bytes:
    """The bytes of an NSS-allocated ``SECItem*``, which is freed."""
    try:
        return item_bytes(pointer)
    finally:
        nss().SECITEM_FreeItem(pointer, PR_TRUE)


def take_string(pointer: int | None) -> str | None:
    """An NSS-allocated C string (freed with PORT_Free) as text."""
    if not pointer:
        return None
    try:
        return ctypes.string_at(pointer).decode("utf-8", errors="replace")
    finally:
        nss().PORT_Free_Util(pointer)
