"""Output shared by every command: the Java ``pki`` CLI's text layout, or JSON.

Text output follows the Java CLI that Dogtag admins and their scripts know:

* a message framed by dashes (``-------`` / ``2 entries found`` / ``-------``);
* one block per record, lines ``  Label: value``, blocks separated by a blank line;
* search results open with ``N entries matched`` (or ``found``) and end with the frame
  ``Number of entries returned N``;
* dates as Java's ``Date.toString()`` prints them (``Tue Nov 28 10:00:00 UTC 2026``, in the
  local time zone, as the JVM does), DNs most specific first with ``E=`` and ``UID=``
  (``CN=Agent,E=agent@example.com,O=Example``), as Dogtag's ``X500Name`` prints them.

``--output-format json`` prints the server's own JSON spelling instead, so scripts get every
field under a stable name. Prompts go to standard output in text mode (where the Java CLI
prints them) and to standard error in JSON mode, so that standard output stays JSON.
"""

from __future__ import annotations

import base64
import datetime
import json
import sys
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any, Callable, TextIO, Union

from cryptography import x509

from pki._certdata import dn_string

__all__ = [
    "Record",
    "Printer",
    "aligned",
    "record_lines",
    "java_date",
    "java_dn",
    "java_string",
    "key_algorithm",
    "base64_block",
]

#: One record: ``(label, value)`` pairs in display order (None values are not printed), and
#: raw lines (a ``str``, printed as it is) where the Java CLI nests or spaces its output.
Record = Sequence[Union[tuple[str, Any], str]]

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: Key algorithm OIDs the Java CLI names; any other prints as ``OID.<dotted>``.
_KEY_ALGORITHMS = {
    "1.2.840.113549.1.1.1": "PKCS #1 RSA",
    "1.2.840.113549.1.1.4": "PKCS #1 MD5 With RSA",
    "1.2.840.10040.4.1": "DSA",
}

def java_date(value: Any) -> Any:
    """A date as Java's ``Date.toString()`` prints it, in the local time zone.

    ``value`` is epoch milliseconds (Dogtag's JSON dates, as a number or a digit string) or
    a ``datetime`` (naive ones count as UTC). None stays None; other text (a date the server
    already formatted) is returned unchanged. English day and month names, as Java's.
    """
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        when = value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
    else:
        try:
            millis = int(value)
        except (TypeError, ValueError):
            return value
        when = datetime.datetime.fromtimestamp(millis / 1000, tz=datetime.timezone.utc)
    local = when.astimezone()
    return (
        f"{_DAYS[local.weekday()]} {_MONTHS[local.month - 1]} {local.day:02d} "
        f"{local:%H:%M:%S} {local.tzname()} {local.year}"
    )


def java_dn(name: x509.Name) -> str:
    """A DN as Dogtag prints it: most specific first, ``E=``/``UID=``, no blanks."""
    return dn_string(name)


def java_string(value: Any) -> str:
    """``value`` as Java's string concatenation shows it (``null`` for a missing value,
    ``true``/``false`` for a boolean)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def aligned(record: Record, width: int) -> Record:
    """``record`` with its values starting in one column, ``width`` characters after the
    indent, as the Java CLI prints authorities and features (``  ID:             ...``)."""
    out: list[tuple[str, Any] | str] = []
    for item in record:
        if isinstance(item, str) or item[1] is None:
            out.append(item)
        else:
            label, value = item
            out.append((label, " " * max(0, width - len(label) - 2) + str(value)))
    return out


def key_algorithm(oid: str | None, length: Any) -> str:
    """``PKCS #1 RSA with 2048-bit key``: a key's algorithm and size as the Java CLI says it."""
    name = "" if oid is None else _KEY_ALGORITHMS.get(oid, f"OID.{oid}")
    return name if length is None else f"{name} with {length}-bit key"


def record_lines(record: Record) -> list[str]:
    """A record's ``  Label: value`` lines; values that are None or empty are left out, raw
    lines are kept as they are."""
    lines = []
    for item in record:
        if isinstance(item, str):
            lines.append(item)
        elif item[1] is not None and item[1] != "":
            lines.append(f"  {item[0]}: {item[1]}")
    return lines


def base64_block(data: bytes) -> str:
    """Base64 in lines of 64 characters (Java's ``Utils.base64encode(data, true)``)."""
    return "\n".join(textwrap.wrap(base64.b64encode(data).decode("ascii"), 64))


class Printer:
    """Writes command results to ``stream`` in the chosen format (``text`` or ``json``).

    Commands call ``message`` / ``record`` / ``listing`` for text and ``json`` for JSON;
    ``is_json`` tells them which one applies, so each command builds only the output it needs.
    """

    def __init__(self, output_format: str = "text", stream: TextIO | None = None) -> None:
        self.output_format = "json" if output_format == "json" else "text"
        self._stream = stream

    @property
    def stream(self) -> TextIO:
        # Looked up at write time so that pytest's capsys (which swaps sys.stdout) sees it.
        return self._stream if self._stream is not None else sys.stdout

    @property
    def prompt_stream(self) -> TextIO:
        """Where questions to the user go: stdout in text mode (as Java), stderr with JSON."""
        return sys.stderr if self.is_json else self.stream

    @property
    def is_json(self) -> bool:
        return self.output_format == "json"

    def line(self, text: str = "") -> None:
        """One raw line of output."""
        self.stream.write(text + "\n")

    def message(self, text: str) -> None:
        """A message framed by dashes, as the Java CLI prints headers and results."""
        rule = "-" * len(text)
        self.line(rule)
        self.line(text)
        self.line(rule)

    def record(self, record: Record) -> None:
        """One ``  Label: value`` block (see ``record_lines``)."""
        for line in record_lines(record):
            self.line(line)

    def records(self, records: Iterable[Record]) -> None:
        """Blocks separated by blank lines."""
        for index, record in enumerate(records):
            if index:
                self.line()
            self.record(record)

    def listing(
        self, records: Sequence[Record], header: str | None, *, stop_if_none: bool = False
    ) -> None:
        """A search result: the framed header, the records, ``Number of entries returned N``.

        ``stop_if_none`` ends after the header when there are no records, as the Java CLI's
        ``ca-cert-find`` and ``ca-cert-request-find`` do (``kra-key-find`` does not).
        Without a header (the server sent no total) the records come first.
        """
        if header is not None:
            self.message(header)
        if stop_if_none and not records:
            return
        self.records(records)
        self.message(f"Number of entries returned {len(records)}")

    def found(self, collection: Any, record_of: Callable[[Any], Record]) -> None:
        """A collection as the Java CLI's find commands print it: ``N entries matched``
        (N is the server's total; nothing more when it is 0), the records, and
        ``Number of entries returned N``. With JSON, the collection as the server sent it.

        A collection without a total has no header, as in the Java CLI, except those the
        server sends as a bare array (authorities, features), which the Java CLI counts.
        """
        if self.is_json:
            self.json(collection)
            return
        items = list(collection)
        total = getattr(collection, "total", None)
        if total is None and getattr(collection, "bare_array", False):
            total = len(items)
        header = None if total is None else f"{total} entries matched"
        self.listing([record_of(i) for i in items], header, stop_if_none=total == 0)

    def result(
        self,
        header: str | None,
        data: Any = None,
        record_of: Callable[[Any], Record] | None = None,
    ) -> None:
        """What a command did: the framed ``header`` and the record of ``data`` (the
        server's answer, when it sent one); with JSON, ``data`` only (nothing without)."""
        if self.is_json:
            if data is not None:
                self.json(data)
            return
        if header is not None:
            self.message(header)
        if data is not None and record_of is not None:
            self.record(record_of(data))

    def json(self, data: Any) -> None:
        """Data as indented JSON (objects with ``to_json()`` are converted first)."""
        json.dump(_jsonable(data), self.stream, indent=2, sort_keys=True, default=str)
        self.line()


def _jsonable(data: Any) -> Any:
    to_json = getattr(data, "to_json", None)
    if callable(to_json):
        return _jsonable(to_json())
    if isinstance(data, dict):
        return {str(k): _jsonable(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_jsonable(v) for v in data]
    return data
