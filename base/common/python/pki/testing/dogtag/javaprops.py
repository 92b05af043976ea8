"""Dogtag's properties text (profile ``.cfg`` files, raw profiles): parse and write.

Parsing follows Dogtag's ``SimpleProperties.load``: ``#``/``!`` comment lines, a trailing
backslash continues a line, the key ends at the first unescaped ``=``, ``:`` or white space,
and, unlike ``java.util.Properties``, escapes are *not* converted. Writing follows
``ConfigStore.store``: ``key=value`` lines sorted by key, nothing escaped.
"""

from __future__ import annotations

_WHITESPACE = " \t\r\n\f"
_SEPARATORS = "=: \t\r\n\f"
_STRICT_SEPARATORS = "=:"


def _continues(line: str) -> bool:
    count = len(line) - len(line.rstrip("\\"))
    return count % 2 == 1


def parse(text: str) -> dict[str, str]:
    """Key → value of a properties text (later duplicates win, as in a Hashtable)."""
    props: dict[str, str] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line or line[0] in "#!":
            continue
        while _continues(line):
            following = lines[i].lstrip(_WHITESPACE) if i < len(lines) else ""
            i += 1
            line = line[:-1] + following
        start = len(line) - len(line.lstrip(_WHITESPACE))
        sep = start
        while sep < len(line):
            char = line[sep]
            if char == "\\":
                sep += 2
                continue
            if char in _SEPARATORS:
                break
            sep += 1
        sep = min(sep, len(line))
        value_start = sep
        while value_start < len(line) and line[value_start] in _WHITESPACE:
            value_start += 1
        if value_start < len(line) and line[value_start] in _STRICT_SEPARATORS:
            value_start += 1
        while value_start < len(line) and line[value_start] in _WHITESPACE:
            value_start += 1
        key = line[start:sep]
        if key:
            props[key] = line[value_start:]
    return props


def render(props: dict[str, str]) -> str:
    """``key=value`` lines sorted by key, each ending in a newline."""
    return "".join(f"{key}={props[key]}\n" for key in sorted(props))
