"""A thin ctypes binding to the system NSS libraries: the only package that touches ctypes.

It exposes Python functions over the NSS calls the project needs and turns NSS/NSPR error
codes into ``NSSError`` carrying NSS's error name and text. Pointers never leave this
package: callers get bytes, strings and opaque ``Slot`` handles.

- ``pki.nss.slots``: open a user database as its own slot (read-only, or read-write for the
  length of one write), passwords, the certificate listing, the module database file;
- ``pki.nss.certs``: import, trust, removal and verification of certificates, NSS-style DNs;
- ``pki.nss.keys``: key generation, listing, signing, encrypted key export;
- ``pki.nss.pkcs12``: PKCS #12 import and export with libsmime3.

NSS itself is initialised once per process without any database (``NSS_InitContext`` with
``NSS_INIT_NOCERTDB | NSS_INIT_NOMODDB``), reference-counted by the open databases, and shut
down when the last one closes. The global ``NSS_Init`` is never used, so several databases
(and other NSS users in the process) can coexist.
"""

from __future__ import annotations

from pki.nss._lib import (
    _SONAMES,  # noqa: F401  (tests point it at a missing library)
    LibraryNotFoundError,
    NSSError,
    version,
)
from pki.nss.keys import export_private_key
from pki.nss.slots import (
    RawCert,
    Slot,
    close_user_db,
    is_logged_in,
    list_certs,
    login,
    need_login,
    open_user_db,
    token_name,
)

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

