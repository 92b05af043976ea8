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

    def __init__(self, code: int, class_name: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.class_name = class_name
        self.message = message

    def to_json(self) -> dict[str, Any]:
        """The JSON body of the error, as Dogtag's PKIExceptionMapper writes it."""
        return {
            "Attributes": {"Attribute": []},
            "ClassName": PREFIX + self.class_name,
            "Code": self.code,
            "Message": self.message,
        }


def bad_request(message: str) -> DogtagError:
    return DogtagError(400, "base.BadRequestException", message)


def forbidden(message: str) -> DogtagError:
    return DogtagError(403, "base.ForbiddenException", message)


def not_found(message: str, class_name: str = "base.ResourceNotFoundException") -> DogtagError:
    return DogtagError(404, class_name, message)


def conflict(message: str) -> DogtagError:
    return DogtagError(409, "base.ConflictingOperationException", message)


def unauthorized(message: str) -> DogtagError:
    return DogtagError(401, "base.UnauthorizedException", message)
