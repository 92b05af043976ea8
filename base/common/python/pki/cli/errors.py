"""One-line error messages for the ``pki`` command, with advice in command-line terms.

The library's errors speak to Python callers ("pass nickname=", "cert_paths="); here the same
failures are told in the options a ``pki`` user has: ``-d``, ``-n``, ``-c``/``-C``/``-f``,
``client-cert-import --ca-cert``. Server errors keep the server's message; IDs the server
writes as ``#6`` are shown as ``0x6``, like everywhere else in this CLI.
"""

from __future__ import annotations

import re
import sys
import urllib.parse
from collections.abc import Sequence

import requests

from pki import PKIException
from pki.cli.context import CLIContext, CLIError
from pki.cli.options import UsageError
from pki.nssdb import BadPasswordError, PasswordRequiredError
from pki.tls.errors import (
    AmbiguousClientCertificateError,
    ClientCertificateRequiredError,
    ServerCertificateDateError,
    UntrustedServerError,
)

__all__ = ["describe_error", "one_line", "hex_ids", "print_error", "redact"]

# Where the library's messages start their Python advice; the facts come before it.
_PYTHON_ADVICE = re.compile(
    r"(?:\.\s*If you trust\b|;\s*choose one with\b|:\s*pass nssdb=|:\s*give nickname=|"
    r"[;,]?\s*(?:or )?pass cert_paths=).*$",
    re.DOTALL,
)
#: the library's words for Python callers, and the CLI user's
_CLI_WORDING = (("create one with NSSDatabase.create() or ", "create one with "),)
#: ``#6`` in Dogtag's messages, but not a standard's number (``PKCS #12``)
_HASH_ID = re.compile(r"(?<!PKCS )#([0-9A-Fa-f]+)\b")


def one_line(text: str) -> str:
    return " ".join(text.split())


def redact(text: str, secrets: Sequence[tuple[str, str]]) -> str:
    """``text`` with each secret of the command line (``(option, value)`` pairs, see
    ``pki.cli.options.secret_arguments``) replaced by asterisks where it stands as the
    option's value: ``-c VALUE``, ``-cVALUE``, ``--passphrase=VALUE``, or ``'-c', 'VALUE'``
    in a list. Only argparse's echo of the command line (``unrecognized arguments: ...``)
    or a command line shown in a traceback can hold one: the library's messages never
    contain a password, so the same word elsewhere (``wrong`` in ``wrong password``) is
    left alone."""
    for option, value in secrets:
        flag, secret = re.escape(option), re.escape(value)
        end = r"(?=$|[\s'\",\])])"
        text = re.sub(rf"(?<!\S)({flag}(?:=|\s+)?){secret}{end}", r"\1********", text)
        text = re.sub(
            rf"({re.escape(repr(option))},\s*){re.escape(repr(value))}", r"\1'********'", text
        )
    return text


def print_error(message: str, secrets: Sequence[tuple[str, str]] = ()) -> None:
    """One ``ERROR: ...`` line on standard error (command-line secrets masked)."""
    sys.stderr.write("ERROR: " + one_line(redact(message, secrets)) + "\n")


def hex_ids(message: str) -> str:
    """``certificate #6 has already been revoked`` -> ``certificate 0x6 ...`` (Dogtag writes
    serial numbers after ``#`` in hex)."""
    return _HASH_ID.sub(lambda m: f"0x{m.group(1).lower()}", message)


def _facts(exc: BaseException) -> str:
    """The library's message without its advice to Python callers."""
    return _PYTHON_ADVICE.sub("", str(exc)).rstrip(" .;,")


def _root_cause(exc: BaseException) -> BaseException:
    """The innermost exception behind requests' and urllib3's wrappers."""
    seen: set[int] = set()
    current: BaseException = exc
    while id(current) not in seen:
        seen.add(id(current))
        inner = getattr(current, "reason", None) or current.__cause__ or current.__context__
        if not isinstance(inner, BaseException):
            args = [a for a in current.args if isinstance(a, BaseException)]
            inner = args[0] if args else None
        if inner is None:
            break
        current = inner
    return current


def _tls_advice(exc: BaseException, ctx: CLIContext | None) -> str | None:
    db = ctx.nssdb_directory if ctx is not None else "~/.dogtag/nssdb"
    if isinstance(exc, ServerCertificateDateError):
        return _facts(exc)  # trusting a CA would not help
    if isinstance(exc, UntrustedServerError):
        return (
            f"{_facts(exc)}. If you trust that CA, import its certificate into the NSS "
            f"database: pki -d {db} client-cert-import --ca-cert ca.pem "
            f"(or certutil -A -d {db} -n \"CA\" -t CT,C,C -a -i ca.pem)"
        )
    if isinstance(exc, ClientCertificateRequiredError):
        return (
            f"{_facts(exc)}: pass -n NICKNAME, the nickname of a client certificate in the "
            f"NSS database {db} (see 'pki -d {db} client-cert-find')"
        )
    if isinstance(exc, AmbiguousClientCertificateError):
        candidates = ", ".join(repr(c) for c in exc.candidates if c)
        return (
            f"{_facts(exc)}: choose one with -n NICKNAME"
            + (f" (candidates: {candidates})" if candidates else "")
        )
    return None


def _password_advice(exc: BaseException, ctx: CLIContext | None) -> str | None:
    """The database password errors in the options' terms."""
    if ctx is None:
        return None
    if isinstance(exc, PasswordRequiredError) and not ctx.has_password:
        return (
            f"NSS database {ctx.nssdb_spec} is protected by a password and none was given: "
            "use -C PASSWORD_FILE or -f PASSWORD_CONF (or -c PASSWORD, which other users "
            "can read in the process list)"
        )
    if isinstance(exc, BadPasswordError) and ctx.password_option is not None:
        given = (
            "the password given with -c" if ctx.password_option == "-c"
            else f"the password read from {ctx.password_option}"
        )
        return (
            f"wrong password for NSS database {ctx.nssdb_spec}: {given} does not unlock it; "
            "give the password the database was created with"
        )
    return None


def describe_error(exc: BaseException, ctx: CLIContext | None) -> str:
    """A one-line, user-facing description of ``exc`` (without the ``ERROR:`` prefix)."""
    password = _password_advice(exc, ctx)
    if password is not None:
        return password
    advice = _tls_advice(exc, ctx)
    if advice is not None:
        return advice
    # before ConnectionError: a connect timeout and a stalled body are both (requests' and
    # pki.responses' classes), and the library's text already names server, limit and setting
    if isinstance(exc, requests.exceptions.Timeout):
        return f"the server did not answer in time: {exc}"
    if isinstance(exc, requests.exceptions.ConnectionError) and not isinstance(
        exc, requests.exceptions.SSLError
    ):
        where = ctx.url if ctx is not None else "the server"
        cause = _root_cause(exc)
        reason = getattr(cause, "strerror", None) or str(cause)
        if isinstance(cause, ConnectionRefusedError):
            reason += (
                ": check that the server is running and that -U (or -h and -p) names its "
                "host and port"
            )
        return f"cannot connect to {where}: {reason}{_url_hint(where, cause)}"
    if isinstance(exc, requests.exceptions.HTTPError) and exc.response is not None:
        response = exc.response
        message = _server_message(response) or (
            f"HTTP {response.status_code} {response.reason or ''} for {response.url}".strip()
        )
        return message + _auth_hint(response.status_code, ctx)
    if isinstance(exc, PKIException):
        message = hex_ids(str(exc.message or exc) or type(exc).__name__)
        for python, cli in _CLI_WORDING:
            message = message.replace(python, cli)
        return message + _auth_hint(exc.code, ctx)
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    if isinstance(exc, (CLIError, UsageError, ValueError, requests.RequestException)):
        return str(exc) or type(exc).__name__
    # a bug, here or in the library: its own words first, then what it was
    return f"{str(exc) or type(exc).__name__} ({type(exc).__name__}; run with -v for the traceback)"


def _url_hint(url: str, cause: BaseException) -> str:
    """What the ``-U`` URL may have got wrong: no port (Dogtag listens on 8443, not on the
    scheme's 443), or ``http://`` to a port that speaks TLS (it closes the connection)."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if port is None:
        default = 443 if parts.scheme == "https" else 80
        return (f" (-U names no port, so {default} was used; Dogtag listens on 8443 for "
                f"HTTPS: -U https://{host}:8443)")
    # a TLS port reading an HTTP request resets the connection (or answers garbage)
    if parts.scheme == "http" and (
        isinstance(cause, ConnectionResetError) or not isinstance(cause, OSError)
    ):
        return (f" (if port {port} serves HTTPS, as Dogtag's 8443 does, use "
                f"-U https://{host}:{port})")
    return ""


def _server_message(response: requests.Response) -> str | None:
    """The ``Message`` of a Dogtag JSON error body (the calls the library leaves unwrapped,
    as upstream: the security domain's), else None."""
    try:
        body = response.json()
    except ValueError:
        return None
    message = body.get("Message") if isinstance(body, dict) else None
    return hex_ids(message) if isinstance(message, str) and message else None


def _auth_hint(status: object, ctx: CLIContext | None) -> str:
    if status not in (401, 403) or ctx is None:
        return ""
    if status == 401 and ctx.username:
        return f" (the server did not accept the password of user {ctx.username!r})"
    if not (ctx.nickname or ctx.username):
        return " (this command needs an authenticated user: pass -n NICKNAME or -u USER)"
    return ""
