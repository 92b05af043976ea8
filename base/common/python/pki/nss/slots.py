"""User databases as NSS slots: opening, closing, passwords and the certificate listing.

Each database is opened with ``SECMOD_OpenUserDB`` as a slot of its own, so that several
databases (each with its own password) can be open in one process and every lookup can be
scoped to one of them. Databases are opened read-only unless a write needs them: writes go
through ``writable_db``, which allows one writable database at a time in the process (see
there why).
"""

from __future__ import annotations

import contextlib
import ctypes
import threading
from collections.abc import Iterator
from ctypes import POINTER
from dataclasses import dataclass
from typing import NamedTuple

from pki.nss._lib import (
    SEC_SUCCESS,
    CERTCertListNode,
    CERTCertTrust,
    NSSError,
    SECItem,
    acquire_nss,
    in_slot,
    last_error,
    nss,
    nss_context,
    release_nss,
    secret_string,
    slots_lock,
)

_CERTDB_USER = 1 << 6  # certdb.h: NSS found the certificate's key ("u" in certutil -L)

# pkcs11n.h: the module database functions softoken implements
_MODULE_DB_FIND = 0
_MODULE_DB_RELEASE = 3


@dataclass(frozen=True)
class Slot:
    """An open user database: its NSS slot, owned by whoever opened it."""

    pointer: int
    directory: str
    read_only: bool = True


def _quote(value: str) -> str:
    if "'" in value:
        raise NSSError(f"NSS database path {value!r} contains a single quote; NSS cannot open it")
    return value


_open: dict[int, Slot] = {}  # every slot opened here and not closed yet
_abandoned: list[Slot] = []  # slots whose owner was garbage-collected, closed on the next open


def close_later(slot: Slot) -> None:
    """Close ``slot`` at the next opening: for finalizers, which may run while this very
    thread holds the slot lock (a garbage collection inside NSS work), so must not take it."""
    _abandoned.append(slot)


def _close_abandoned() -> None:
    while True:
        try:
            slot = _abandoned.pop()
        except IndexError:  # another thread took the last one
            return
        try:
            close_user_db(slot)
        except NSSError:
            pass  # nothing more can be done for a database nobody holds


def open_slots() -> list[Slot]:
    """The databases this process has open (through this module)."""
    with slots_lock.shared():
        return list(_open.values())


def open_user_db(spec: str, read_only: bool) -> Slot:
    """Open the database ``spec`` (``sql:/dir`` or ``dbm:/dir``) as a slot of its own.

    Read-only, NSS must find the files itself: a missing or unreadable database makes this
    fail with ``SEC_ERROR_BAD_DATABASE`` or similar, reported as ``NSSError``. Read-write, NSS
    creates missing files (and, for ``sql:`` beside an old ``dbm`` database, converts it).
    """
    flags = " flags=readOnly" if read_only else ""
    module_spec = f"configDir='{_quote(spec)}'{flags}".encode()
    _close_abandoned()
    with slots_lock.exclusive():
        acquire_nss()
        try:
            slot = nss().SECMOD_OpenUserDB(module_spec)
            if not slot:
                raise last_error(f"cannot open NSS database {spec}")
        except BaseException:
            release_nss()
            raise
        opened = Slot(pointer=slot, directory=spec, read_only=read_only)
        _open[slot] = opened
    return opened


def close_user_db(slot: Slot) -> None:
    """Close a database opened with ``open_user_db`` and release NSS when it was the last."""
    lib = nss()
    with slots_lock.exclusive():
        _open.pop(slot.pointer, None)
        try:
            status = lib.SECMOD_CloseUserDB(slot.pointer)
            error = (
                None if status == SEC_SUCCESS else last_error(f"cannot close {slot.directory}")
            )
            lib.PK11_FreeSlot(slot.pointer)
        finally:
            release_nss()
    if error is not None:
        raise error


class _WriterLock:
    """At most one database open for writing in the process at a time.

    NSS keeps one certificate cache for the whole process: a certificate held by several open
    databases is one object with an instance in each. ``CERT_ChangeCertTrust`` stores trust in
    the first *writable* token holding (or able to hold) the certificate, and
    ``SEC_DeletePermCertificate`` deletes it from every writable token. With a single
    writable database those calls can only touch that database, while the read-only ones are
    protected by softoken itself. The lock is not re-entrant: a thread that tried to write a
    second database while writing the first would get the ambiguity back, so it is refused.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._owner: int | None = None
        self._spec = ""

    @contextlib.contextmanager
    def hold(self, spec: str) -> Iterator[None]:
        if self._owner == threading.get_ident():
            raise NSSError(
                f"cannot write {spec} while this thread is writing {self._spec}: "
                "finish one write before starting another"
            )
        with self._lock:
            self._owner, self._spec = threading.get_ident(), spec
            try:
                yield
            finally:
                self._owner, self._spec = None, ""


_writer = _WriterLock()


@contextlib.contextmanager
def internal_slot() -> Iterator[Slot]:
    """NSS's internal crypto slot, for the length of the block: for work that needs a slot
    but no database and stores nothing (reading a PKCS #12 file). NSS stays initialised
    (without any database) while the block runs."""
    with slots_lock.exclusive():
        acquire_nss()
    try:
        pointer = nss().PK11_GetInternalSlot()
        if not pointer:
            raise last_error("cannot get NSS's internal slot")
        try:
            yield Slot(pointer=pointer, directory="NSS internal slot", read_only=True)
        finally:
            nss().PK11_FreeSlot(pointer)
    finally:
        with slots_lock.exclusive():
            release_nss()


@contextlib.contextmanager
def writable_db(spec: str) -> Iterator[Slot]:
    """The database ``spec`` opened read-write for the duration of the block.

    One such block runs at a time in the process (see ``_WriterLock``); the slot is closed
    when the block ends, so nothing stays open for writing between operations.
    """
    with _writer.hold(spec):
        slot = open_user_db(spec, read_only=False)
        try:
            yield slot
        finally:
            close_user_db(slot)


def module_db_params(spec: str) -> bytes:
    """The softoken parameters NSS_Initialize uses for the database ``spec`` (read-write)."""
    return (
        f"configdir='{_quote(spec)}' certPrefix='' keyPrefix='' secmod='secmod.db' flags= "
        "updatedir='' updateCertPrefix='' updateKeyPrefix='' updateid='' "
        "updateTokenDescription='' "
    ).encode()


def ensure_module_db(spec: str) -> None:
    """Have softoken write the database's module list (``pkcs11.txt`` or ``secmod.db``).

    This is what ``NSS_Initialize`` does for a new database: softoken's module-database
    function creates the file with the internal module entry, or, for ``sql:`` beside an old
    ``secmod.db``, copies that one's entries. An existing file is left as it is.
    """
    with nss_context() as lib:
        params = module_db_params(spec)
        specs = lib.NSC_ModuleDBFunc(_MODULE_DB_FIND, params, None)
        if not specs:
            raise last_error(f"cannot create the module database of {spec}")
        lib.NSC_ModuleDBFunc(_MODULE_DB_RELEASE, params, specs)


@in_slot
def token_name(slot: Slot) -> str:
    """The token name NSS gave this database's slot (``NSS Application Token 00000004``)."""
    name = nss().PK11_GetTokenName(slot.pointer)
    return name.decode() if name else ""


@in_slot
def need_login(slot: Slot) -> bool:
    """Whether the database is password protected (an empty password needs no login)."""
    return bool(nss().PK11_NeedLogin(slot.pointer))


@in_slot
def need_user_init(slot: Slot) -> bool:
    """Whether the database has no password set yet (a new database)."""
    return bool(nss().PK11_NeedUserInit(slot.pointer))


@in_slot
def is_logged_in(slot: Slot) -> bool:
    return bool(nss().PK11_IsLoggedIn(slot.pointer, None))


@in_slot
def login(slot: Slot, password: str) -> None:
    """Log in to the database's key store with ``password``.

    A wrong password raises ``NSSError`` with ``error_name == 'SEC_ERROR_BAD_PASSWORD'``.
    The password is copied into a C buffer that is wiped right after the call.
    """
    with secret_string(password) as buffer:
        status = nss().PK11_CheckUserPassword(slot.pointer, buffer)
    if status != SEC_SUCCESS:
        raise last_error(f"cannot log in to {slot.directory}")


@in_slot
def init_password(slot: Slot, password: str) -> None:
    """Set the first password of a new database (an empty one means no password)."""
    with secret_string(password) as buffer:
        status = nss().PK11_InitPin(slot.pointer, None, buffer)
    if status != SEC_SUCCESS:
        raise last_error(f"cannot set the password of {slot.directory}")


class RawCert(NamedTuple):
    """A certificate as NSS holds it in one slot."""

    der: bytes
    nickname: str
    ssl_trust: int
    email_trust: int
    object_signing_trust: int
    has_private_key: bool


def der_of(cert: int) -> bytes:
    """The DER encoding of a ``CERTCertificate*``."""
    item = SECItem()
    if nss().CERT_GetCertificateDer(cert, ctypes.byref(item)) != SEC_SUCCESS:
        raise last_error("cannot read a certificate's DER encoding")
    return ctypes.string_at(item.data, item.len)


def trust_of(cert: int) -> CERTCertTrust:
    """The trust NSS holds for a ``CERTCertificate*`` (all zero when it has none)."""
    trust = CERTCertTrust()
    if nss().CERT_GetCertTrust(cert, ctypes.byref(trust)) != SEC_SUCCESS:
        trust = CERTCertTrust()
    return trust


@in_slot
def list_certs(slot: Slot) -> list[RawCert]:
    """Every certificate stored in this slot only, with its nickname, trust and key presence.

    Nicknames come back as stored, without the ``<token>:`` prefix NSS adds for
    non-internal tokens. Key presence is NSS's own user-certificate mark (certutil's ``u``),
    which NSS knows without a login; searching the keys instead costs a key-database scan.
    Call it before logging in: once logged in, NSS lists private objects too, which costs
    about 10 ms on an sql database.
    """
    lib = nss()
    cert_list = lib.PK11_ListCertsInSlot(slot.pointer)
    if not cert_list:
        raise last_error(f"cannot list certificates in {slot.directory}")
    prefix = token_name(slot) + ":"
    result: list[RawCert] = []
    try:
        head = ctypes.addressof(cert_list.contents.list)
        node_ptr = cert_list.contents.list.next
        while ctypes.addressof(node_ptr.contents) != head:
            node = ctypes.cast(node_ptr, POINTER(CERTCertListNode)).contents
            nickname = ctypes.string_at(node.appData).decode() if node.appData else ""
            if nickname.startswith(prefix):
                nickname = nickname[len(prefix) :]
            trust = trust_of(node.cert)
            all_flags = trust.sslFlags | trust.emailFlags | trust.objectSigningFlags
            result.append(
                RawCert(
                    der=der_of(node.cert),
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


__all__ = [
    "RawCert",
    "Slot",
    "close_later",
    "close_user_db",
    "ensure_module_db",
    "init_password",
    "is_logged_in",
    "list_certs",
    "login",
    "need_login",
    "need_user_init",
    "open_slots",
    "open_user_db",
    "token_name",
    "writable_db",
]
