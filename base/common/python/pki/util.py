"""Helpers that Dogtag's own tools import from ``pki.util``.

This module sits at the bottom of the package: it imports nothing from ``pki`` but the root,
and no HTTP or NSS code, so that server tools and scripts can use it on their own.

``Version`` here is upstream's *release* version (``major.minor.patch`` with an optional
suffix such as ``-beta1``, compared on the three numbers). It is what
``PKIClient.get_server_version()`` returns. ``pki.info.Version`` is a different, older class
(a tuple) that upstream also keeps; both exist so that code written for either runs.
"""

from __future__ import annotations

import functools
import getpass
import logging
import re
from collections.abc import Sequence

logger = logging.getLogger(__name__)

__all__ = ["Version", "read_text"]

_VERSION_RE = re.compile(r"^(\d+)\.(\d+)\.(\d+)")


@functools.total_ordering
class Version:
    """A Dogtag release version, e.g. ``Version('11.6.0')`` or ``Version('11.10.1-1.fc41')``.

    The text must start with three numbers; anything after them (a release suffix) is ignored
    in comparisons, as upstream. Instances are deliberately not hashable (upstream's are not).
    """

    major: int
    minor: int
    patch: int

    def __init__(self, obj: str | Version) -> None:
        if isinstance(obj, Version):
            self.major, self.minor, self.patch = obj.major, obj.minor, obj.patch
        elif isinstance(obj, str):
            match = _VERSION_RE.match(obj.strip())
            if match is None:
                raise ValueError(
                    f"Unable to parse version number: {obj!r} (expected MAJOR.MINOR.PATCH)"
                )
            self.major, self.minor, self.patch = (int(g) for g in match.groups())
        else:
            raise TypeError(f"Unsupported version type: {type(obj).__name__}")

    def _key(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.patch)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() == other._key()

    def __lt__(self, other: Version) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "{}.{}.{}".format(*self._key())


def read_text(
    message: str,
    options: Sequence[str] | None = None,
    default: str | None = None,
    delimiter: str = ":",
    case_sensitive: bool = True,
    password: bool = False,
    required: bool = False,
) -> str | None:
    """Ask the user for a line of text on the terminal, as upstream's installers do.

    ``options`` restricts the answer (compared case-insensitively unless ``case_sensitive``);
    an empty answer returns ``default``, or asks again when ``required`` and there is no
    default. ``password=True`` reads without echo and shows a default as ``********``.
    """
    if default is not None:
        if not default:
            message += " []"
        elif password:
            message += " [********]"
        else:
            message += f" [{default}]"
    message += delimiter + " "

    allowed: list[str] | None = None
    if options:
        allowed = list(options) if case_sensitive else [o.lower() for o in options]

    while True:
        value = getpass.getpass(message) if password else input(message)
        if not value:
            if not required or default:
                return default
            continue
        value = value.strip()
        if not value:
            if not required:
                return value
            continue
        if allowed is not None:
            if (value if case_sensitive else value.lower()) in allowed:
                return value
            continue
        return value

