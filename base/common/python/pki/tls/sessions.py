"""TLS sessions kept for resumption, so that a new connection to a server skips the full
handshake (and the client key's signature) when the server agrees."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

__all__ = ["SessionCache"]

Session = TypeVar("Session")


class SessionCache(Generic[Session]):
    """The most recent session per key (e.g. server name and address), least recently used
    first out once ``max_entries`` are held. Safe to share between threads."""

    def __init__(self, max_entries: int = 64) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, not {max_entries}")
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, Session] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Session | None:
        """The session stored for ``key``, or None."""
        with self._lock:
            session = self._entries.get(key)
            if session is not None:
                self._entries.move_to_end(key)
            return session

    def put(self, key: Hashable, session: Session) -> None:
        """Store ``session`` for ``key``, replacing the earlier one."""
        with self._lock:
            self._entries[key] = session
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __repr__(self) -> str:
        return f"<SessionCache {len(self)}/{self.max_entries}>"
