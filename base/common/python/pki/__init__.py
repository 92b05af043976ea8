"""Dogtag PKI Python client.

The package root holds what every layer shares: the ``PKIException`` family that mirrors the
Java ``com.netscape.certsrv`` exceptions the server reports, the ``ResourceMessage`` body used
by KRA requests, ``handle_exceptions``, which turns a server's JSON error body into the
matching exception, and upstream's top-level helpers (directories, PEM armour lines,
``convert_x509_name_to_dn``, ``generate_password``, ``PropertyFile``, the package version).

Importing ``pki`` stays cheap on purpose: upstream's imports requests, cryptography and
python-ldap; this one imports none of them, so that a command that only needs ``pki.conf`` or
``pki.nssdb`` does not pay for the HTTP stack. The two names that need them,
``RETRYABLE_EXCEPTIONS`` (requests) and ``ATTR_NAME_BY_OID`` (cryptography), are built on
first access.
"""

from __future__ import annotations

import functools
import os
import string
from typing import TYPE_CHECKING, Any, Callable, TypeVar

if TYPE_CHECKING:
    import re

    from cryptography import x509

__all__ = [
    "CONF_DIR",
    "SHARE_DIR",
    "BASE_DIR",
    "LOG_DIR",
    "PACKAGE_VERSION",
    "CERT_HEADER",
    "CERT_FOOTER",
    "PUNCTUATIONS",
    "GEN_PASS_CHARSET",
    "ATTR_NAME_BY_OID",
    "RETRYABLE_EXCEPTIONS",
    "convert_x509_name_to_dn",
    "escape_dn_value",
    "specification_version",
    "implementation_version",
    "get_info",
    "generate_password",
    "FIPS",
    "PropertyFile",
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
    "UnexpectedResponseError",
    "EXCEPTION_MAPPINGS",
    "handle_exceptions",
]

_F = TypeVar("_F", bound=Callable[..., Any])

CONF_DIR = "/etc/pki"
SHARE_DIR = "/usr/share/pki"
BASE_DIR = "/var/lib"
LOG_DIR = "/var/log/pki"
#: the server package's version file (``Implementation-Version: 11.6.0`` lines)
PACKAGE_VERSION = SHARE_DIR + "/VERSION"

CERT_HEADER = "-----BEGIN CERTIFICATE-----"
CERT_FOOTER = "-----END CERTIFICATE-----"

#: the punctuation ``generate_password`` uses (safe in shells and NSS password files)
PUNCTUATIONS = "!#*+,-./:;^_|~"
GEN_PASS_CHARSET = string.digits + string.ascii_lowercase + string.ascii_uppercase + PUNCTUATIONS


def __getattr__(name: str) -> Any:
    """Build, on first use, the upstream names whose values need requests, cryptography or
    logging (``import pki`` itself loads none of them)."""
    if name == "logger":
        import logging

        value: Any = logging.getLogger(__name__)
    elif name == "RETRYABLE_EXCEPTIONS":
        import requests

        value = (requests.exceptions.ConnectionError, requests.exceptions.Timeout)
    elif name == "ATTR_NAME_BY_OID":
        value = _attr_names_by_oid()
    else:
        raise AttributeError(f"module 'pki' has no attribute {name!r}")
    globals()[name] = value
    return value


# --- names and versions --------------------------------------------------------------------

# Attribute types NSS writes by name (everything else is written as a dotted OID).
_ATTR_NAMES = {
    "2.5.4.3": "CN",
    "2.5.4.6": "C",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.5": "serialNumber",
    "2.5.4.4": "SN",
    "2.5.4.42": "givenName",
    "2.5.4.12": "title",
    "2.5.4.44": "generationQualifier",
    "2.5.4.46": "dnQualifier",
    "2.5.4.65": "pseudonym",
    "0.9.2342.19200300.100.1.25": "DC",
    "1.2.840.113549.1.9.1": "E",
    "1.3.6.1.4.1.311.60.2.1.3": "incorporationCountry",
    "1.3.6.1.4.1.311.60.2.1.1": "incorporationLocality",
    "1.3.6.1.4.1.311.60.2.1.2": "incorporationState",
    "2.5.4.15": "businessCategory",
    "2.5.4.9": "STREET",
    "2.5.4.17": "postalCode",
    "0.9.2342.19200300.100.1.1": "UID",
}


def _attr_names_by_oid() -> dict[x509.ObjectIdentifier, str]:
    from cryptography import x509

    return {x509.ObjectIdentifier(oid): name for oid, name in _ATTR_NAMES.items()}


def escape_dn_value(value: str) -> str:
    """An attribute value escaped for a DN string as RFC 4514 section 2.4 says.

    ``"``, ``+``, ``,``, ``;``, ``<``, ``>`` and ``\\`` get a backslash, and so do a leading
    ``#`` or space and a trailing space; NUL becomes ``\\00``. ``=`` is escaped too (RFC 4514
    allows it), as python-ldap's ``escape_dn_chars`` does for upstream.
    """
    out = []
    last = len(value) - 1
    for index, char in enumerate(value):
        if char == "\0":
            out.append("\\00")
        elif char in '"+,;<>=\\' or (index == 0 and char in "# ") or (
            index == last and char == " "
        ):
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def convert_x509_name_to_dn(name: x509.Name) -> str:
    """A ``cryptography.x509.Name`` as an NSS-style DN string, most specific RDN first.

    As NSS and Dogtag write it: ``CN=Server,O=Example`` for a name whose first RDN is
    ``O=Example``. Attribute types use NSS's short names (``E``, ``UID``, ``ST``...), others
    their dotted OID; values are escaped per RFC 4514. Upstream returns None for an empty
    name; so does this.
    """
    names = globals().get("ATTR_NAME_BY_OID") or __getattr__("ATTR_NAME_BY_OID")
    rdns = []
    for attribute in name:
        attr_name = names.get(attribute.oid, attribute.oid.dotted_string)
        value = attribute.value
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        rdns.append(f"{attr_name}={escape_dn_value(value)}")
    return ",".join(reversed(rdns)) or None  # type: ignore[return-value]


def get_info(name: str) -> str:
    """The value of ``name`` (any case) in the server package's ``PACKAGE_VERSION`` file.

    Raises ``OSError`` when the file is missing (no Dogtag server package is installed) and
    ``PKIException`` when it has no such property.
    """
    import re

    with open(PACKAGE_VERSION, encoding="utf-8") as version_file:
        for line in version_file:
            match = re.match(r"^\s*(\S*)\s*:\s*(.*)\s*$", line.rstrip("\n"))
            if match and match.group(1).lower() == name.lower():
                return match.group(2)
    raise PKIException(f"Property not found: {name} (in {PACKAGE_VERSION})")


def specification_version() -> str:
    """The installed Dogtag's specification version (``Specification-Version``)."""
    return get_info("Specification-Version")


def implementation_version() -> str:
    """The installed Dogtag's implementation version (``Implementation-Version``)."""
    return get_info("Implementation-Version")


def generate_password(charset: str = GEN_PASS_CHARSET, length: int = 12) -> str:
    """A random password that NSS's FIPS-mode PIN rules accept.

    One character of each class present in ``charset`` (digits, lowercase, uppercase,
    ``PUNCTUATIONS``) is included, the rest is drawn from ``charset``, and the order is
    shuffled, so that the result has at least three character classes in counted positions
    (NSS ignores a leading uppercase letter and a trailing digit). Uses ``secrets``.
    """
    import secrets  # deferred, as the other heavier imports: ``import pki`` stays cheap

    rnd = secrets.SystemRandom()
    chars = [
        rnd.choice(group)
        for group in (string.digits, string.ascii_lowercase, string.ascii_uppercase,
                      PUNCTUATIONS)
        if group in charset
    ]
    chars.extend(rnd.choice(charset) for _ in range(length - len(chars)))
    rnd.shuffle(chars)
    return "".join(chars)


class FIPS:
    """Whether the kernel runs in FIPS mode."""

    @staticmethod
    def is_enabled() -> bool:
        """True when ``/proc/sys/crypto/fips_enabled`` says so (False when it is absent)."""
        try:
            with open("/proc/sys/crypto/fips_enabled", encoding="ascii") as flag:
                return flag.read().strip() not in ("", "0")
        except FileNotFoundError:
            return False


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
        """Build a message from its JSON object (of this class, whatever its constructor
        takes); attributes that are not ``{"name", "value"}`` objects are left out."""
        if not isinstance(json_value, dict):
            raise UnexpectedResponseError(
                f"{cls.__name__} cannot be read from {type(json_value).__name__} JSON",
                expected=f"a JSON object for {cls.__name__}",
            )
        message = cls.__new__(cls)
        ResourceMessage.__init__(message, _text_or_none(json_value.get("ClassName")))
        for attr in _attribute_entries(json_value):
            message.add_attribute(attr.get("name"), attr.get("value"))
        return message


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _attribute_entries(json_value: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``{"name", "value"}`` objects under ``Attributes.Attribute`` (one or a list);
    anything else there is ignored: attributes only decorate messages and errors."""
    attributes = json_value.get("Attributes")
    entries = attributes.get("Attribute") if isinstance(attributes, dict) else None
    if isinstance(entries, dict):
        entries = [entries]
    if not isinstance(entries, list):
        return []
    return [entry for entry in entries if isinstance(entry, dict)]


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
        """Build the exception from a Dogtag JSON error body (fields of the wrong type are
        left out: the body describes an error, which must not become another one)."""
        if not isinstance(json_value, dict):
            raise UnexpectedResponseError(
                f"{cls.__name__} cannot be read from {type(json_value).__name__} JSON",
                expected=f"a JSON error object for {cls.__name__}",
            )
        message = json_value.get("Message")
        code = json_value.get("Code")
        ret = cls(
            message=message if isinstance(message, str) else "",
            code=code if isinstance(code, int) and not isinstance(code, bool) else None,
            class_name=_text_or_none(json_value.get("ClassName")),
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


class UnexpectedResponseError(PKIException, ValueError):
    """The server's answer is not what the call expects.

    Raised for a body that is not JSON, larger than the connection reads, cut short, or a
    JSON value of the wrong shape (a list where an object belongs, an object where a
    string does). It is a ``ValueError``, as the failures of upstream's
    ``response.json()`` are; the classes ``pki.responses`` raises for bodies that are not
    JSON are also ``requests.exceptions.JSONDecodeError``.

    ``problem`` says what is wrong and ``expected`` what the call wanted; ``status``,
    ``content_type``, ``url`` and ``preview`` (the body's first bytes, escaped) describe
    what arrived, and are None for a value decoded without its HTTP answer
    (``CertData.from_json([])``). ``code`` is the HTTP status, as for every PKIException.
    """

    def __init__(
        self,
        problem: str,
        *,
        expected: str | None = None,
        status: int | None = None,
        content_type: str | None = None,
        url: str | None = None,
        size: int | None = None,
        preview: str | None = None,
    ) -> None:
        self.problem = problem
        self.expected = expected
        self.status = status
        self.content_type = content_type
        self.url = url
        self.size = size
        self.preview = preview
        super().__init__(self._describe(), code=status)

    def _describe(self) -> str:
        text = self.problem
        if self.expected:
            text += f": expected {self.expected}"
        if self.status is not None:
            kind = self.content_type or "no Content-Type"
            size = "" if self.size is None else f", {self.size} bytes"
            text += f"; the server sent HTTP {self.status} ({kind}{size})"
            if self.url:
                text += f" for {self.url}"
        if self.preview is not None:
            text += f", starting {self.preview}"
        return text

    def __reduce__(self) -> Any:
        fields = {
            "expected": self.expected, "status": self.status,
            "content_type": self.content_type, "url": self.url, "size": self.size,
            "preview": self.preview,
        }
        return (_rebuild, (type(self), self.problem, fields))


def _rebuild(cls: type[UnexpectedResponseError], problem: str, fields: dict[str, Any]) -> Any:
    return cls(problem, **fields)


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


def _exception_for(response: Any) -> PKIException | None:
    """The upstream exception a Dogtag JSON error body names, or None (not JSON, or no
    ``ClassName`` this package knows)."""
    try:
        body = response.json()
    except (ValueError, AttributeError):
        return None
    class_name = body.get("ClassName") if isinstance(body, dict) else None
    if not isinstance(class_name, str):
        return None
    exc_class = EXCEPTION_MAPPINGS.get(class_name)
    if exc_class is None:
        return None
    exc = exc_class.from_json(body)
    if exc.code is None:
        exc.code = getattr(response, "status_code", None)
    return exc


def handle_exceptions() -> Callable[[_F], _F]:
    """Decorator: turn ``requests.HTTPError`` raised by the wrapped call into a PKIException.

    As upstream: a Dogtag JSON error body whose ``ClassName`` is known raises that class
    (``EXCEPTION_MAPPINGS``; ``.message``, ``.code``, ``.ClassName``), with the HTTPError as
    ``exception`` and ``__cause__``; a body that is not JSON (Tomcat's 401 page, a bare v2
    404) re-raises the HTTPError itself. A JSON body naming no known class also re-raises
    the HTTPError (upstream returns None there, losing the error). Works on methods and on
    plain functions.
    """

    def decorator(func: _F) -> _F:
        @functools.wraps(func)
        def handler(*args: Any, **kwargs: Any) -> Any:
            import requests  # deferred: importing pki must not import the HTTP stack

            try:
                return func(*args, **kwargs)
            except requests.exceptions.HTTPError as err:
                exc = _exception_for(err.response)
                if exc is None:
                    raise
                exc.exception = err
                raise exc from err

        return handler  # type: ignore[return-value]

    return decorator


class PropertyFile:
    """A ``name=value`` file edited in place, keeping its lines, order and comments.

    ``delimiter`` separates names from values (``=`` by default); values may be wrapped in
    ``quote`` (one character). Names are matched without regard to case. Nothing is read or
    written until ``read()``/``write()``.
    """

    def __init__(self, filename: str, delimiter: str = "=", quote: str | None = None) -> None:
        if quote and len(quote) > 1:
            raise PKIException(f"Invalid quote character: {quote!r} (give one character)")
        self.filename = filename
        self.delimiter = delimiter
        self.quote = quote
        self.lines: list[str] = []
        import re

        self._pattern = re.compile(
            r"^\s*([^{d}]*)\s*{d}\s*(.*)\s*$".format(d=re.escape(delimiter))
        )

    def read(self) -> None:
        """Load the file's lines (none when the file does not exist)."""
        self.lines = []
        if not os.path.exists(self.filename):
            return
        with open(self.filename, encoding="utf-8") as f:
            self.lines = [line.rstrip("\n") for line in f]

    def write(self) -> None:
        """Write the lines back to the file, replacing it whole (see ``_replace_text``)."""
        _replace_text(self.filename, "".join(line + "\n" for line in self.lines))

    def show(self) -> None:
        """Print the lines to standard output."""
        for line in self.lines:
            print(line)

    def insert_line(self, index: int, line: str) -> None:
        self.lines.insert(index, line)

    def remove_line(self, index: int) -> None:
        self.lines.pop(index)

    def _match(self, line: str, name: str) -> re.Match[str] | None:
        match = self._pattern.match(line)
        if match and match.group(1).strip().lower() == name.lower():
            return match
        return None

    def _unquote(self, value: str) -> str:
        q = self.quote
        if q and len(value) >= 2 and value.startswith(q) and value.endswith(q):
            return value[1:-1]
        return value

    def index(self, name: str) -> int:
        """The line number of property ``name``, or -1."""
        for i, line in enumerate(self.lines):
            if self._match(line, name):
                return i
        return -1

    def get(self, name: str) -> str | None:
        """The value of property ``name`` (unquoted), or None."""
        for line in self.lines:
            match = self._match(line, name)
            if match:
                return self._unquote(match.group(2))
        return None

    def set(self, name: str, value: str, index: int | None = None) -> None:
        """Set property ``name``: in place when it exists, else appended (or at ``index``)."""
        if self.quote:
            value = self.quote + value + self.quote
        for i, line in enumerate(self.lines):
            match = self._match(line, name)
            if match:
                self.lines[i] = match.group(1) + self.delimiter + value
                return
        line = name + self.delimiter + value
        if index is None:
            self.lines.append(line)
        else:
            self.insert_line(index, line)

    def remove(self, name: str) -> str | None:
        """Remove property ``name``; returns its (unquoted) value, or None."""
        for i, line in enumerate(self.lines):
            match = self._match(line, name)
            if match:
                self.lines.pop(i)
                return self._unquote(match.group(2))
        return None



def _replace_text(filename: str, text: str) -> None:
    """Write ``text`` to ``filename`` so that a reader sees either the old file or the new one.

    The text goes to a new file beside the target (the target of a symbolic link, which stays
    a link) that takes the old file's owner and mode, and is renamed over it. Where that
    cannot be done (a directory this user may not add files to, an old file owned by someone
    this user cannot give a file to) the file is rewritten in place, as upstream always does.
    """
    import uuid

    target = os.path.realpath(filename)
    try:
        old: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        old = None
    temporary = os.path.join(
        os.path.dirname(target), f".{os.path.basename(target)}.{uuid.uuid4().hex}.tmp"
    )
    try:
        # a new file gets the mode open() would give it; a copy of an old one stays private
        # until it has the old one's owner and mode
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                     0o666 if old is None else 0o600)
    except PermissionError:
        fd = -1
    if fd >= 0:
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                replaceable = old is None or _take_owner_and_mode(f.fileno(), old)
                if replaceable:
                    f.write(text)
                    f.flush()
                    os.fsync(f.fileno())
            if replaceable:
                os.replace(temporary, target)
                return
            os.unlink(temporary)
        except BaseException:
            os.unlink(temporary)
            raise
    with open(filename, "w", encoding="utf-8") as f:
        f.write(text)


def _take_owner_and_mode(fd: int, old: os.stat_result) -> bool:
    """Give the open file ``fd`` the owner and mode of ``old``; False if not allowed."""
    import stat

    mine = os.fstat(fd)
    if (mine.st_uid, mine.st_gid) != (old.st_uid, old.st_gid):
        try:
            os.fchown(fd, old.st_uid, old.st_gid)
        except PermissionError:
            return False
    os.fchmod(fd, stat.S_IMODE(old.st_mode))
    return True
