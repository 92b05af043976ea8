"""Dogtag's error responses: a Java exception class name, an HTTP code and a message.

Handlers raise ``DogtagError`` (or one of the helpers below); the HTTP layer turns it into
the JSON body real Dogtag sends:
``{"Attributes": ..., "ClassName": ..., "Code": ..., "Message": ...}``.
"""

from __future__ import annotations

from typing import Any

PREFIX = "com.netscape.certsrv."


class DogtagError(Exception):
    """An error Dogtag reports as JSON; ``class_name`` is relative to ``com.netscape.certsrv``."""

    def __init__(
        self,
        code: int,
        class_name: str,
        message: str,
        attributes: dict[str, str] | None = None,
        bare: bool = False,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.class_name = class_name
        self.message = message
        # what some exception classes add to their data (ProfileNotFoundException: profileId)
        self.attributes = dict(attributes or {})
        # a status without a body (JAX-RS WebApplicationException, not a PKIException)
        self.bare = bare

    def to_json(self) -> dict[str, Any]:
        """The JSON body of the error, as Dogtag's PKIExceptionMapper writes it."""
        entries = [{"name": k, "value": v} for k, v in self.attributes.items()]
        return {
            "Attributes": {"Attribute": entries},
            "ClassName": PREFIX + self.class_name,
            "Code": self.code,
            "Message": self.message,
        }


def bad_request(message: str) -> DogtagError:
    return DogtagError(400, "base.BadRequestException", message)


def forbidden(message: str) -> DogtagError:
    return DogtagError(403, "base.ForbiddenException", message)


def not_found(
    message: str,
    class_name: str = "base.ResourceNotFoundException",
    attributes: dict[str, str] | None = None,
) -> DogtagError:
    return DogtagError(404, class_name, message, attributes)


def conflict(message: str) -> DogtagError:
    return DogtagError(409, "base.ConflictingOperationException", message)


def unauthorized(message: str) -> DogtagError:
    return DogtagError(401, "base.UnauthorizedException", message)


def not_acceptable(message: str) -> DogtagError:
    return DogtagError(406, "base.RequestNotAcceptable", message)


def service_unavailable(message: str) -> DogtagError:
    return DogtagError(503, "base.ServiceUnavailableException", message)


def internal(message: str) -> DogtagError:
    """A ``PKIException`` with its default code (500), e.g. a failing password check."""
    return DogtagError(500, "base.PKIException", message)


def bare(code: int) -> DogtagError:
    """A bodiless error status, as a plain ``WebApplicationException`` gives on v1."""
    return DogtagError(code, "", "", bare=True)
