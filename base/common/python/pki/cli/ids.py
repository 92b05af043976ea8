"""Numeric Dogtag IDs on the command line, checked by argparse before anything is sent.

Serial numbers, request IDs and key IDs are positive numbers, written in decimal or ``0x``
hex (``pki.resource.parse_id``). A command given ``xyz`` or ``-1`` stops at once with a usage
error that names the argument and the accepted forms, instead of reaching the server (or,
worse, the server's info resource first and then a connection error).
"""

from __future__ import annotations

import argparse
from typing import Callable

from pki.resource import parse_id

__all__ = ["dogtag_id"]


def dogtag_id(what: str) -> Callable[[str], str]:
    """An argparse ``type=`` that accepts a ``what`` (``serial number``, ``key ID``...) and
    returns it unchanged (commands format IDs themselves)."""

    def check(text: str) -> str:
        try:
            parse_id(text, what)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"invalid {what} {text!r}: expected a number in decimal (31) or in hex "
                "with 0x (0x1f), not negative"
            ) from None
        return text

    check.__name__ = what  # argparse names the type in some of its messages
    return check
