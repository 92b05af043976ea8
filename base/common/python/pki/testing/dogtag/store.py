"""The server's persistent state (certificates, requests, keys, users and groups, profiles,
authorities, security domain hosts, the ACME database's settings) in one JSON file.

Every mutation happens inside ``with store.transaction():``, which holds the lock and then
writes the file atomically (temp file + rename), so a restart (or a crash mid-write) never
sees half a state. The data is plain JSON-able dicts keyed by ID strings; the
resource modules own the record layouts. Sessions are not stored here: like Tomcat's, they
die with the process.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

STATE_FILE = "state.json"
_TABLES = (
    "certs",
    "ca_requests",
    "kra_requests",
    "keys",
    "ca_users",
    "ca_groups",
    "kra_users",
    "kra_groups",
    "profiles",
    "authorities",
    "security_domain_hosts",
    "acme_database",
)
_COUNTERS = ("serial", "ca_request", "kra_request", "key")


class Store:
    """JSON state with a re-entrant lock; see the module docstring."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data
        self.lock = threading.RLock()

    @classmethod
    def open(cls, path: Path) -> Store:
        """Load ``path``, or start an empty state if it does not exist yet (not saved)."""
        if path.exists():
            data = json.loads(path.read_text())
        else:
            data = {}
        for table in _TABLES:
            data.setdefault(table, {})
        counters = data.setdefault("next", {})
        for counter in _COUNTERS:
            counters.setdefault(counter, 1)
        data.setdefault("authority_id", str(uuid.uuid4()))
        return cls(path, data)

    def table(self, name: str) -> dict[str, Any]:
        """One of the tables named in ``_TABLES`` (callers hold the lock)."""
        return self.data[name]  # type: ignore[no-any-return]

    def next_id(self, counter: str) -> int:
        """Allocate the next sequential ID of ``counter`` (inside a transaction)."""
        with self.lock:
            value = int(self.data["next"][counter])
            self.data["next"][counter] = value + 1
            return value

    def reserve(self, counter: str, count: int) -> int:
        """Allocate ``count`` consecutive IDs; returns the first."""
        with self.lock:
            first = int(self.data["next"][counter])
            self.data["next"][counter] = first + count
            return first

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        """Hold the lock for a read-modify-write and save when the block succeeds."""
        with self.lock:
            yield self
            self.save()

    def save(self) -> None:
        """Write the state atomically."""
        with self.lock:
            text = json.dumps(self.data, indent=1, sort_keys=True)
            tmp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(text)
            os.replace(tmp, self.path)
