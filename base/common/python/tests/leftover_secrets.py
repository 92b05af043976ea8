"""What counts as a secret left behind in the test run's temporary directories.

``conftest.py`` runs ``find_leftovers`` when the session ends, once every fixture is torn
down, so nothing in those directories is in use any more. A file is a leftover secret when
it is one of:

* **a private key in PEM**: a ``-----BEGIN ... PRIVATE KEY-----`` block (PKCS #8, RSA, EC,
  encrypted or not) anywhere in a file of up to ``MAX_SCANNED`` bytes;
* **a PKCS #12 file**: named ``*.p12``/``*.pfx``, or DER that opens with a PFX version 3
  header;
* **an NSS key database that holds keys**: a ``key4.db`` whose ``nssPrivate`` table has a
  row (an empty database's password check lives elsewhere), or any ``key3.db`` (the old
  Berkeley DB format, which cannot be inspected without NSS and its password);
* **a password file**: a Dogtag ``password.conf`` (a line ``internal=...`` or
  ``hardware-<token>=...``), a file whose name says password (``*.pw``, ``*pwd*``, ``*pin*``,
  ``*pass*``, ``*password*``, ``*passphrase*``, ``p12pw``...), or a file holding one of the
  test suite's fixed passwords (``KNOWN_PASSWORDS``).

Larger files (nginx's random test data) are data, not keys, and are not read.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Leftover", "find_leftovers", "MAX_SCANNED"]

MAX_SCANNED = 4 * 2**20

_PEM_KEY = re.compile(rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")
_PASSWORD_CONF_LINE = re.compile(rb"^\s*(?:internal|hardware-[^=\s]+)\s*=", re.MULTILINE)
_PASSWORD_NAME = re.compile(
    r"(?:^|[._-])(?:pw|pwd|pin|pass|passwd|password|passphrase)(?:[._-]|$)|password|passwd"
    r"|passphrase|pw$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Leftover:
    path: Path
    kind: str  # "PEM private key", "PKCS #12 file", "NSS key database", "password file"

    def __str__(self) -> str:
        mode = self.path.stat().st_mode & 0o777 if self.path.exists() else 0
        return f"{self.kind}: {self.path} (mode {mode:04o})"


def _is_pfx(head: bytes) -> bool:
    """DER ``SEQUENCE { INTEGER 3, ...`` as a PKCS #12 PFX starts."""
    if len(head) < 8 or head[0] != 0x30:
        return False
    offset = 2 if head[1] < 0x80 else 2 + (head[1] & 0x7F)
    return head[offset : offset + 3] == b"\x02\x01\x03"


def _nss_keys_in(path: Path) -> bool:
    """Whether an sql key database holds a private or secret key (read-only, no journal)."""
    try:
        with sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True) as db:
            return db.execute("SELECT count(*) FROM nssPrivate").fetchone()[0] > 0
    except sqlite3.Error:
        return True  # not readable as one: count it rather than miss a key


def classify(path: Path, known_passwords: Sequence[bytes]) -> str | None:
    """The kind of secret ``path`` is, or None."""
    name = path.name
    if name == "key3.db":
        return "NSS key database"
    if name == "key4.db":
        return "NSS key database" if _nss_keys_in(path) else None
    if name.lower().endswith((".p12", ".pfx")):
        return "PKCS #12 file"
    if path.stat().st_size > MAX_SCANNED:
        return None
    data = path.read_bytes()
    if _PEM_KEY.search(data):
        return "PEM private key"
    if _is_pfx(data[:16]):
        return "PKCS #12 file"
    if (
        _PASSWORD_CONF_LINE.search(data)
        or _PASSWORD_NAME.search(name)
        or any(password in data for password in known_passwords)
    ):
        return "password file"
    return None


def find_leftovers(
    roots: Iterable[Path], known_passwords: Sequence[str], exclude: Iterable[Path] = ()
) -> list[Leftover]:
    """Every secret file under ``roots``, except under the ``exclude`` directories."""
    skipped = [os.path.realpath(p) for p in exclude]
    known = [p.encode() for p in known_passwords]
    found: list[Leftover] = []
    for root in roots:
        for directory, dirs, files in os.walk(root):
            real = os.path.realpath(directory)
            if any(real == s or real.startswith(s + os.sep) for s in skipped):
                dirs.clear()
                continue
            for name in files:
                path = Path(directory, name)
                if path.is_symlink() or not path.is_file():
                    continue
                try:
                    kind = classify(path, known)
                except OSError:
                    continue  # vanished or unreadable meanwhile
                if kind is not None:
                    found.append(Leftover(path, kind))
    return found
