"""Dogtag PKI Python client.

The package root holds what every layer shares: the ``PKIException`` family that mirrors the
Java ``com.netscape.certsrv`` exceptions the server reports, the ``ResourceMessage`` body used
by KRA requests, and ``handle_exceptions``, which turns a server's JSON error body into the
matching exception.

Importing ``pki`` stays cheap on purpose: it imports neither requests nor NSS, so that a
command that only needs ``pki.conf`` or ``pki.nssdb`` does not pay for the HTTP stack.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Callable, TypeVar

__all__ = [
    "Attribute",
    "AttributeList",
    "ResourceMessage",
    "PKIException",
    "BadRequestException",
    "UnauthorizedException",
    "ForbiddenException",
    "ResourceNotFoundException",
    "CertNotFoundException",
    "RequestNotFoundException",
    "KeyNotFoundException",
    "ProfileNotFoundException",
    "GroupNotFoundException",
    "UserNotFoundException",
    "ConflictingOperationException",
    "HTTPGoneException",
    "RequestNotAcceptable",
    "UnsupportedMediaType",
    "ServiceUnavailableException",
    "ConnectorNotFoundException",
    "EXCEPTION_MAPPINGS",
    "handle_exceptions",
]

_F = TypeVar("_F", bound=Callable[..., Any])


class Attribute:
    """One ``{"name": ..., "value": ...}`` pair of a ResourceMessage."""

    def __init__(self, name: str, value: Any) -> None:
        self.name = name
        self.value = value


class AttributeList:
    """The ``{"Attribute": [...]}`` wrapper that Dogtag's JSON mapper expects."""

    def __init__(self) -> None:
        self.Attribute: list[Attribute] = []


class ResourceMessage:
    """A Dogtag ``ResourceMessage``: a Java class name plus a list of name/value attributes.

    KRA requests (archival, recovery, key generation) are sent in this shape; the server
    instantiates ``ClassName`` by reflection and reads each attribute as text.
    """

    def __init__(self, class_name: str | None) -> None:
        self.Attributes = AttributeList()
        self.ClassName = class_name

    def add_attribute(self, name: Any, value: Any) -> None:
        """Append one attribute."""
        self.Attributes.Attribute.append(Attribute(name, value))

    def get_attribute_value(self, name: str) -> Any:
        """Return the value of the first attribute called ``name``, or None."""
        for attr in self.Attributes.Attribute:
            if attr.name == name:
                return attr.value
        return None

    def to_json(self) -> dict[str, Any]:
        """The JSON object Dogtag expects for this message."""
        return {
            "ClassName": self.ClassName,
            "Attributes": {
                "Attribute": [
                    {"name": a.name, "value": a.value} for a in self.Attributes.Attribute
                ]
            },
        }

    @classmethod
    def from_json(cls, json_value: dict[str, Any]) -> ResourceMessage:
        """Build a message from its JSON object."""
        message = cls(json_value.get("ClassName"))
        for attr in _attribute_entries(json_value):
            message.add_attribute(attr.get("name"), attr.get("value"))
        return message


def _attribute_entries(json_value: dict[str, Any]) -> list[dict[str, Any]]:
    attributes = json_value.get("Attributes") or {}
    entries = attributes.get("Attribute") or []
    if isinstance(entries, dict):
        entries = [entries]
    return list(entries)


class PKIException(Exception, ResourceMessage):
    """Base class of every error this package raises.

    ``message``, ``code`` (the HTTP status, when the error came from the server) and
    ``ClassName`` (the Java exception class the server named) are kept as upstream has them.
    """

    def __init__(
        self,
        message: str,
        exception: BaseException | None = None,
        code: int | None = None,
        class_name: str | None = None,
    ) -> None:
        Exception.__init__(self, message)
        ResourceMessage.__init__(self, class_name)
        self.code = code
        self.message = message
        self.exception = exception

    @classmethod
    def from_json(cls, json_value: dict[str, Any]) -> PKIException:
        """Build the exception from a Dogtag JSON error body."""
        ret = cls(
            message=json_value.get("Message") or "",
            code=json_value.get("Code"),
            class_name=json_value.get("ClassName"),
        )
        for attr in _attribute_entries(json_value):
            ret.add_attribute(attr.get("name"), attr.get("value"))
        return ret


class BadRequestException(PKIException):
    """The server rejected the request as malformed (HTTP 400)."""


class UnauthorizedException(PKIException):
    """Authentication is missing or failed (HTTP 401)."""


class ForbiddenException(PKIException):
    """The authenticated user may not do this (HTTP 403)."""


class ResourceNotFoundException(PKIException):
    """The resource does not exist (HTTP 404)."""


class CertNotFoundException(ResourceNotFoundException):
    """No certificate with that serial number (HTTP 404)."""


class RequestNotFoundException(ResourceNotFoundException):
    """No request with that ID (HTTP 404)."""


class KeyNotFoundException(ResourceNotFoundException):
    """No key with that ID (HTTP 404)."""


class ProfileNotFoundException(ResourceNotFoundException):
    """No profile with that ID (HTTP 404)."""


class GroupNotFoundException(ResourceNotFoundException):
    """No group with that name (HTTP 404)."""


class UserNotFoundException(ResourceNotFoundException):
    """No user with that ID (HTTP 404)."""


class ConnectorNotFoundException(ResourceNotFoundException):
    """No connector with that ID (HTTP 404)."""


class RequestNotAcceptable(PKIException):
    """The server cannot produce the requested media type (HTTP 406)."""


class ConflictingOperationException(PKIException):
    """The operation conflicts with the resource's state (HTTP 409)."""


class HTTPGoneException(PKIException):
    """The resource is gone (HTTP 410)."""


class UnsupportedMediaType(PKIException):
    """The server does not accept the body's media type (HTTP 415)."""


class ServiceUnavailableException(PKIException):
    """The service cannot serve the request now (HTTP 503)."""


_JAVA_PREFIX = "com.netscape.certsrv."

EXCEPTION_MAPPINGS: dict[str, type[PKIException]] = {
    _JAVA_PREFIX + "base." + cls.__name__: cls
    for cls in (
        PKIException,
        BadRequestException,
        UnauthorizedException,
        ForbiddenException,
        ResourceNotFoundException,
        UserNotFoundException,
        RequestNotAcceptable,
        ConflictingOperationException,
        HTTPGoneException,
        UnsupportedMediaType,
        ServiceUnavailableException,
    )
}
EXCEPTION_MAPPINGS.update(
    {
        _JAVA_PREFIX + "cert.CertNotFoundException": CertNotFoundException,
        _JAVA_PREFIX + "request.RequestNotFoundException": RequestNotFoundException,
        _JAVA_PREFIX + "key.KeyNotFoundException": KeyNotFoundException,
        _JAVA_PREFIX + "profile.ProfileNotFoundException": ProfileNotFoundException,
        _JAVA_PREFIX + "group.GroupNotFoundException": GroupNotFoundException,
        _JAVA_PREFIX + "system.ConnectorNotFoundException": ConnectorNotFoundException,
    }
)

# When the body names no known class, the HTTP status still says what went wrong.
_STATUS_EXCEPTIONS: dict[int, type[PKIException]] = {
    400: BadRequestException,
    401: UnauthorizedException,
    403: ForbiddenException,
    404: ResourceNotFoundException,
    406: RequestNotAcceptable,
    409: ConflictingOperationException,
    410: HTTPGoneException,
    415: UnsupportedMediaType,
    503: ServiceUnavailableException,
}


def exception_from_response(response: Any) -> PKIException:
    """The PKIException that best describes an HTTP error response.

    A Dogtag JSON error body picks the class by its ``ClassName``; an unknown or missing
    ``ClassName`` (or a non-JSON body such as Tomcat's 401 HTML page) falls back on the HTTP
    status, so the caller always gets an exception, never ``None`` as upstream returned.
    """
    status = getattr(response, "status_code", None)
    body: Any = None
    try:
        body = response.json()
    except (ValueError, AttributeError):
        body = None
    if isinstance(body, dict) and ("ClassName" in body or "Message" in body):
        class_name = body.get("ClassName")
        exc_class = EXCEPTION_MAPPINGS.get(class_name or "") or _STATUS_EXCEPTIONS.get(
            status or 0, PKIException
        )
        exc = exc_class.from_json(body)
        if exc.code is None:
            exc.code = status
        if not exc.message:
            exc.message = f"HTTP {status} {getattr(response, 'reason', '') or ''}".strip()
            exc.args = (exc.message,)
        return exc
    reason = getattr(response, "reason", "") or ""
    url = getattr(response, "url", "") or ""
    text = (getattr(response, "text", "") or "").strip()
    detail = f"HTTP {status} {reason}".strip() + (f" for {url}" if url else "")
    if text and len(text) <= 200 and not text.lstrip().startswith("<"):
        detail += f": {text}"
    exc_class = _STATUS_EXCEPTIONS.get(status or 0, PKIException)
    return exc_class(detail, code=status)


def handle_exceptions() -> Callable[[_F], _F]:
    """Decorator: turn ``requests.HTTPError`` raised by the wrapped call into a PKIException.

    The raised exception keeps the HTTPError as ``exception`` and as ``__cause__``.
    """

    def decorator(func: _F) -> _F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            import requests  # deferred: importing pki must not import the HTTP stack

            try:
                return func(*args, **kwargs)
            except requests.exceptions.HTTPError as err:
                exc = exception_from_response(err.response)
                exc.exception = err
                raise exc from err

        return wrapper  # type: ignore[return-value]

    return decorator


def encode_json(obj: Any) -> str:
    """Serialise a data object the way Dogtag's JSON mapper expects (attributes as keys)."""
    return json.dumps(obj, default=_json_default, sort_keys=True)


def _json_default(obj: Any) -> Any:
    to_json = getattr(obj, "to_json", None)
    if callable(to_json):
        return to_json()
    if hasattr(obj, "__dict__"):
        return {k: v for k, v in vars(obj).items() if v is not None}
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")
