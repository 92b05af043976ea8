"""A server's answer read within a size limit, and its JSON with errors that say what arrived.

The resource clients parse Dogtag's answers as JSON. Read whole, a body could fill the
client's memory (anything between client and server can send one), and the failures of
``response.json()`` say nothing of what came. Here a body is read in pieces up to a limit
(``PKIConnection.max_response_size``) and every failure names the status, the content type,
the size, the URL and the first bytes, escaped, in one of these classes:

- ``ResponseNotJSONError``: not JSON (also not UTF-8, nested too deeply, or a number too
  long to convert); it is a ``requests.exceptions.JSONDecodeError``, what upstream's
  ``response.json()`` raises for the same body;
- ``ResponseTooLargeError``: over the limit, refused before it is read whole; a
  ``ResponseNotJSONError`` too, so the same ``except`` clauses match;
- ``TruncatedResponseError``: the connection ended before the body did; a
  ``requests.exceptions.ChunkedEncodingError``, what upstream's requests raised;
- ``ResponseBodyTimeout``: the server stopped sending in the middle of the body for longer
  than the read timeout; a ``requests.exceptions.ReadTimeout`` and, as upstream raised for
  a stalled body, a ``requests.exceptions.ConnectionError``;
- ``pki.UnexpectedResponseError`` itself: JSON of the wrong shape, from the data classes'
  ``from_json``; the base of the first three (a ``PKIException`` and a ``ValueError``).

This module sits at ``pki.client``'s level: it is the one below it that imports requests.
"""

from __future__ import annotations

import json
from typing import Any, Callable

import requests
import urllib3

from pki import UnexpectedResponseError

__all__ = [
    "PREVIEW_BYTES",
    "ResponseBodyTimeout",
    "ResponseNotJSONError",
    "ResponseTooLargeError",
    "TruncatedResponseError",
    "UnexpectedResponseError",
    "preview",
    "read_body",
    "read_json",
    "decode_json",
    "body_timeout",
    "is_read_timeout",
]

#: how many bytes of a body an error message shows
PREVIEW_BYTES = 96
_CHUNK = 64 * 1024


class ResponseNotJSONError(UnexpectedResponseError, requests.exceptions.JSONDecodeError):
    """The body is not the JSON the call expects (see the module docstring).

    As a ``json.JSONDecodeError`` it has ``msg``, ``doc`` (the start of the body, decoded
    for display), ``pos``, ``lineno`` and ``colno``; as a requests exception, ``response``
    and ``request``.
    """

    def __init__(
        self,
        problem: str,
        *,
        pos: int = 0,
        doc: str = "",
        response: Any = None,
        **fields: Any,
    ) -> None:
        UnexpectedResponseError.__init__(self, problem, **fields)
        self.msg = problem
        self.doc = doc
        self.pos = pos
        self.lineno = doc.count("\n", 0, pos) + 1
        self.colno = pos - doc.rfind("\n", 0, pos)
        self.response = response
        self.request = getattr(response, "request", None)
        self.args = (self.message,)


class ResponseTooLargeError(ResponseNotJSONError):
    """The body is larger than the connection's ``max_response_size``; ``limit`` is that."""

    def __init__(self, problem: str, *, limit: int = 0, **fields: Any) -> None:
        self.limit = limit
        super().__init__(problem, **fields)


class TruncatedResponseError(UnexpectedResponseError, requests.exceptions.ChunkedEncodingError):
    """The connection ended (or broke) before the whole body arrived."""

    def __init__(self, problem: str, *, response: Any = None, **fields: Any) -> None:
        UnexpectedResponseError.__init__(self, problem, **fields)
        self.response = response
        self.request = getattr(response, "request", None)
        self.args = (self.message,)


class ResponseBodyTimeout(requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError):
    """The server sent the start of an answer, then nothing for longer than the read
    timeout."""


def preview(data: bytes, limit: int = PREVIEW_BYTES) -> str:
    """The first ``limit`` bytes as an escaped ``b'...'`` literal (``...`` after it when the
    data goes on): control characters and non-ASCII bytes show as escapes."""
    shown = repr(bytes(data[:limit]))
    return shown + "..." if len(data) > limit else shown


def _fields(response: Any, body: bytes | None, size: int | None = None) -> dict[str, Any]:
    """What arrived, for an error: status, content type, URL, size and first bytes."""
    headers = getattr(response, "headers", None) or {}
    return {
        "status": getattr(response, "status_code", None),
        "content_type": headers.get("Content-Type"),
        "url": getattr(response, "url", None),
        "size": size if size is not None else (None if body is None else len(body)),
        "preview": preview(body) if body else None,
    }


def _declared_length(response: Any) -> int | None:
    value = (getattr(response, "headers", None) or {}).get("Content-Length", "")
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() else None


def read_body(
    response: requests.Response,
    limit: int,
    *,
    timeout: float | None = None,
    expected: str | None = None,
) -> bytes:
    """The whole body of a response made with ``stream=True``, at most ``limit`` bytes
    (after content decoding, so a compressed bomb is refused as well).

    The body is then also ``response.content``. A body over the limit is not read further
    and the connection is dropped. ``timeout`` (the read timeout) and ``expected`` (what the
    caller wanted) are for the messages.
    """
    declared = _declared_length(response)
    body = bytearray()
    try:
        if declared is not None and declared > limit:
            first = next(response.iter_content(PREVIEW_BYTES + 1), b"")
            raise _too_large(response, first, limit, f"announced as {declared} bytes", expected)
        for chunk in response.iter_content(_CHUNK):
            if len(body) + len(chunk) > limit:
                start = bytes(body[: PREVIEW_BYTES + 1]) if body else chunk
                raise _too_large(response, start, limit, "more arrived", expected)
            body += chunk
    except requests.exceptions.ChunkedEncodingError as exc:
        response.close()
        reason = _first_text(exc)
        raise TruncatedResponseError(
            f"the connection ended before the whole body arrived ({reason})",
            response=response, expected=expected,
            **_fields(response, bytes(body) if body else None),
        ) from exc
    except requests.exceptions.ConnectionError as exc:
        response.close()
        if is_read_timeout(exc):
            raise body_timeout(exc, response.url, timeout, response) from exc
        raise
    except ResponseTooLargeError:
        response.close()
        raise
    content = bytes(body)
    del body
    response._content = content  # requests' own cache: .content, .text and .json() see it
    return content


def _first_text(exc: BaseException) -> str:
    """The innermost plain message of requests' and urllib3's wrappers (``Connection
    broken: IncompleteRead(...)``)."""
    while exc.args and isinstance(exc.args[0], BaseException):
        exc = exc.args[0]
    return str(exc.args[0]) if exc.args else type(exc).__name__


def _too_large(
    response: Any, start: bytes, limit: int, how: str, expected: str | None
) -> ResponseTooLargeError:
    size = _declared_length(response)
    return ResponseTooLargeError(
        f"the body is larger than the {limit} bytes this connection reads ({how}; raise "
        "max_response_size= or PKI_CLIENT_MAX_RESPONSE_SIZE if such answers are expected)",
        limit=limit, response=response, expected=expected,
        **{**_fields(response, start, size), "size": size},
    )


def is_read_timeout(exc: BaseException) -> bool:
    """Whether requests' ConnectionError wraps urllib3's read timeout (a stalled body)."""
    return any(isinstance(arg, urllib3.exceptions.ReadTimeoutError) for arg in exc.args)


def body_timeout(
    exc: BaseException, url: str | None, seconds: float | None, response: Any = None
) -> ResponseBodyTimeout:
    """The error for a body that stopped arriving (requests reports a ConnectionError)."""
    after = f" for {seconds:g} s" if seconds is not None else ""
    return ResponseBodyTimeout(
        f"{url}: the server sent the start of its answer, then nothing{after} "
        "(read timeout; raise timeout= or PKI_CLIENT_READ_TIMEOUT if the server is slow)",
        request=getattr(exc, "request", None), response=response,
    )


def decode_json(body: bytes, response: Any = None, expected: str | None = None) -> Any:
    """The JSON value of ``body`` (UTF-8, -16 or -32, as RFC 8259 allows), or
    ``ResponseNotJSONError`` saying where and why it is not JSON."""
    fields = {"expected": expected or "JSON", **_fields(response, body)}
    doc = body[:PREVIEW_BYTES].decode("utf-8", "replace")
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        ended = exc.pos >= len(exc.doc.rstrip()) or exc.msg.startswith("Unterminated string")
        problem = f"the JSON ends early ({exc})" if ended else f"not JSON ({exc})"
        raise ResponseNotJSONError(
            problem, pos=exc.pos, doc=doc, response=response, **fields
        ) from None
    except UnicodeDecodeError as exc:
        problem = f"not JSON: not UTF-8 text ({exc.reason} at byte {exc.start})"
    except RecursionError:
        problem = "JSON nested too deeply to decode"
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        problem = f"JSON this client cannot decode ({exc})"
    raise ResponseNotJSONError(problem, doc=doc, response=response, **fields) from None


def _expected(decode: Callable[[Any], Any]) -> str:
    owner = getattr(decode, "__self__", None)
    name = getattr(owner, "__name__", None) or getattr(decode, "__qualname__", "the call")
    return f"JSON for {name}"


def read_json(
    response: requests.Response,
    limit: int,
    decode: Callable[[Any], Any] | None = None,
    *,
    timeout: float | None = None,
) -> Any:
    """Read a ``stream=True`` response's body (at most ``limit`` bytes) and decode its JSON.

    Without ``decode``, the JSON value is returned, None for no body (204 or empty). With
    ``decode`` (a data class's ``from_json``), its result: a body is then required, and a
    value of the wrong shape (``pki.UnexpectedResponseError`` from ``decode``) is raised
    again with what arrived.
    """
    expected = None if decode is None else _expected(decode)
    try:
        body = read_body(response, limit, timeout=timeout, expected=expected)
    finally:
        response.close()
    if response.status_code == 204 or not body:
        if decode is None:
            return None
        raise ResponseNotJSONError(
            "no body", response=response, expected=expected, **_fields(response, body)
        )
    value = decode_json(body, response, expected)
    if decode is None:
        return value
    try:
        return decode(value)
    except ResponseNotJSONError:
        raise
    except UnexpectedResponseError as exc:
        raise UnexpectedResponseError(
            exc.problem, expected=exc.expected or expected, **_fields(response, body)
        ) from exc
