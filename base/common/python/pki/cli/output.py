"""Output shared by every command: Java-CLI-style text blocks, or JSON.

Text output follows the Java ``pki`` CLI that Dogtag admins know: a message framed by dashes
(``-----`` / ``2 entries matched`` / ``-----``), then one block per record whose lines read
``  Label: value``, blocks separated by a blank line. ``--output-format json`` prints the
server's own JSON spelling instead, so scripts get every field and stable names.
"""

from __future__ import annotations

import datetime
import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

__all__ = ["Record", "Printer", "format_millis"]

#: One record: ``(label, value)`` pairs in display order; None values are not printed.
Record = Sequence[tuple[str, Any]]


def format_millis(value: Any) -> Any:
    """An epoch-milliseconds date as Java's ``Date.toString()`` prints it (in UTC).

    Dogtag's list entries carry dates as epoch milliseconds; admins are used to reading them
    the way the Java CLI shows them. Anything that is not a number is returned unchanged.
    """
    try:
        millis = int(value)
    except (TypeError, ValueError):
        return value
    when = datetime.datetime.fromtimestamp(millis / 1000, tz=datetime.timezone.utc)
    return when.strftime("%a %b %d %H:%M:%S UTC %Y")


class Printer:
    """Writes command results to ``stream`` in the chosen format (``text`` or ``json``).

    Commands call ``message`` / ``records`` for text and ``json`` for JSON; ``is_json``
    tells them which one applies, so each command builds only the output it needs.
    """

    def __init__(self, output_format: str = "text", stream: TextIO | None = None) -> None:
        self.output_format = output_format
        self._stream = stream

    @property
    def stream(self) -> TextIO:
        # Looked up at write time so that pytest's capsys (which swaps sys.stdout) sees it.
        return self._stream if self._stream is not None else sys.stdout

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
        """One ``  Label: value`` block (values that are None are skipped)."""
        for label, value in record:
            if value is None or value == "":
                continue
            self.line(f"  {label}: {value}")

    def listing(self, records: list[Record], header: str) -> None:
        """A search result: header, the records, and the Java CLI's closing count."""
        footer = f"Number of entries returned {len(records)}" if records else None
        self.records(records, header=header, footer=footer)

    def records(
        self,
        records: Iterable[Record],
        header: str | None = None,
        footer: str | None = None,
    ) -> None:
        """Blocks separated by blank lines, optionally framed by a header and a footer."""
        if header:
            self.message(header)
        for index, record in enumerate(records):
            if index:
                self.line()
            self.record(record)
        if footer:
            self.message(footer)

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
