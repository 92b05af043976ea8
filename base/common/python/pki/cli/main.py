"""``pki``: the argparse front end, global options, and the one-line error contract.

    pki [-d NSSDB] [-c PASSWORD | -C PASSWORD_FILE | -f PASSWORD_CONF] [-n NICKNAME]
        [-U URL | -P PROTOCOL -h HOST -p PORT] [--api v1|v2]
        [--output-format text|json] [-v] COMMAND ...

The options are those of the Java ``pki`` CLI, so ``-h`` is the server's HOST and help is
``--help``. Global options come before the command. Defaults come from pki.conf
(``PKI_CLIENT_DATABASE``, ``PKI_CLIENT_CERT_NICKNAME``, ``PKI_CLIENT_PASSWORD_FILE``).

Exit status: 0 on success, 1 when the command fails, 2 for a usage error. A failure prints
exactly one ``ERROR: ...`` line on stderr and no traceback (``-v`` adds the traceback and
debug logging). Passwords never appear in the output.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

import requests

from pki import PKIException
from pki.cli import ca_cert, ca_cert_request, client, info, kra_key
from pki.cli.context import CLIContext, CLIError
from pki.nssdb import PasswordRequiredError

__all__ = ["main", "build_parser"]

logger = logging.getLogger("pki.cli")

#: Command group modules; each has ``register(subparsers)``.
COMMAND_MODULES = (info, client, ca_cert, ca_cert_request, kra_key)

EXIT_FAILURE = 1
EXIT_USAGE = 2

#: Options whose value is a secret.
SECRET_OPTIONS = ("-c", "--passphrase")


class UsageError(Exception):
    """A command line that argparse rejected (exit status 2)."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises instead of printing usage and exiting.

    ``main`` turns the exception into the single ``ERROR:`` line the contract asks for.
    """

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    """The ``pki`` parser with the global options and every command."""
    parser = _Parser(
        prog="pki",
        description="Dogtag PKI command-line client (NSS database authentication).",
        add_help=False,
    )
    parser.add_argument("--help", action="help", help="show this help message and exit")
    parser.add_argument(
        "-d", dest="nssdb", metavar="NSSDB",
        help="NSS database directory, optionally sql: or dbm: prefixed "
        "(default: PKI_CLIENT_DATABASE, else ~/.dogtag/nssdb)",
    )
    passwords = parser.add_mutually_exclusive_group()
    passwords.add_argument("-c", dest="password", metavar="PASSWORD", help="NSS database password")
    passwords.add_argument(
        "-C", dest="password_file", metavar="PASSWORD_FILE",
        help="file whose first line is the NSS database password",
    )
    passwords.add_argument(
        "-f", dest="password_conf", metavar="PASSWORD_CONF",
        help="Dogtag password.conf holding the database password as internal=...",
    )
    parser.add_argument(
        "-n", dest="nickname", metavar="NICKNAME",
        help="nickname of the client certificate to authenticate with "
        "(default: PKI_CLIENT_CERT_NICKNAME; none: anonymous)",
    )
    parser.add_argument("-U", dest="url", metavar="URL", help="server URL, e.g. https://host:8443")
    parser.add_argument(
        "-P", dest="protocol", metavar="PROTOCOL", choices=("http", "https"),
        help="protocol (default: https)",
    )
    parser.add_argument("-h", dest="host", metavar="HOST", help="hostname (default: local FQDN)")
    parser.add_argument("-p", dest="port", metavar="PORT", type=int, help="port (default: 8443)")
    parser.add_argument(
        "--api", choices=("v1", "v2"),
        help="server API version (default: ask the server)",
    )
    parser.add_argument(
        "--output-format", choices=("text", "json"), default="text",
        help="output format (default: text)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging, tracebacks")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    subparsers.required = True
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def _check_usage(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.url and (args.protocol or args.host or args.port):
        parser.error("-U cannot be combined with -P, -h or -p")
    if args.port is not None and not 0 < args.port < 65536:
        parser.error(f"-p {args.port}: not a TCP port")


def _one_line(text: str) -> str:
    return " ".join(text.split())


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


def _agent_hint(status: int | None, ctx: CLIContext | None) -> str:
    if status == 401 and ctx is not None and not ctx.nickname:
        return " (this command needs an agent: pass -n NICKNAME)"
    return ""


def describe_error(exc: BaseException, ctx: CLIContext | None) -> str:
    """A one-line, user-facing description of ``exc`` (without the ``ERROR:`` prefix)."""
    if isinstance(exc, PasswordRequiredError) and ctx is not None and not ctx.has_password:
        return (
            f"NSS database {ctx.nssdb_spec} is protected by a password and none was given: "
            "use -c PASSWORD, -C PASSWORD_FILE or -f PASSWORD_CONF"
        )
    if isinstance(exc, requests.exceptions.ConnectionError) and not isinstance(
        exc, requests.exceptions.SSLError
    ):
        where = ctx.url if ctx is not None else "the server"
        cause = _root_cause(exc)
        reason = getattr(cause, "strerror", None) or str(cause)
        return f"cannot connect to {where}: {reason}"
    if isinstance(exc, requests.exceptions.Timeout):
        return f"the server did not answer in time: {exc}"
    if isinstance(exc, requests.exceptions.HTTPError) and exc.response is not None:
        # e.g. Tomcat's 401 page: not JSON, so handle_exceptions passes the HTTPError on
        response = exc.response
        message = f"HTTP {response.status_code} {response.reason or ''} for {response.url}"
        return message.strip() + _agent_hint(response.status_code, ctx)
    if isinstance(exc, PKIException):
        message = str(exc.message or exc) or type(exc).__name__
        return message + _agent_hint(exc.code, ctx)
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    if isinstance(exc, (CLIError, UsageError, ValueError, requests.RequestException)):
        return str(exc) or type(exc).__name__
    return f"unexpected {type(exc).__name__}: {exc} (run with -v for the traceback)"


def _redact(text: str, secrets: Sequence[str | None]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "********")
    return text


def _report(message: str, secrets: Sequence[str | None] = ()) -> None:
    sys.stderr.write("ERROR: " + _one_line(_redact(message, secrets)) + "\n")


def _install_logging(verbose: bool) -> tuple[logging.Handler, int]:
    """Log the library to stderr (DEBUG with -v); returns what ``main`` restores after."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(name)s: %(message)s"))
    top = logging.getLogger("pki")
    previous = top.level
    top.addHandler(handler)
    top.setLevel(logging.DEBUG if verbose else logging.WARNING)
    return handler, previous


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``pki`` command; returns the exit status (never raises, but for KeyboardInterrupt
    which becomes status 130)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    # Known before parsing so that even a usage error cannot echo the password.
    secrets = _password_values(arguments)
    try:
        args = parser.parse_args(arguments)
        _check_usage(parser, args)
    except UsageError as exc:
        _report(str(exc), secrets)
        return EXIT_USAGE
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0

    handler, previous_level = _install_logging(args.verbose)
    ctx: CLIContext | None = None
    try:
        ctx = CLIContext(args)
        status = args.func(ctx, args)
        sys.stdout.flush()
        return int(status or 0)
    except KeyboardInterrupt:
        _report("interrupted")
        return 130
    except Exception as exc:
        if args.verbose:
            sys.stderr.write(_redact(traceback.format_exc(), secrets))
        _report(describe_error(exc, ctx), secrets)
        return exc.exit_code if isinstance(exc, CLIError) else EXIT_FAILURE
    finally:
        if ctx is not None:
            try:
                ctx.close()
            except Exception as exc:  # closing must not hide the command's own result
                logger.debug("error while closing: %s", exc)
        logging.getLogger("pki").removeHandler(handler)
        logging.getLogger("pki").setLevel(previous_level)


def _password_values(arguments: Sequence[str]) -> list[str]:
    """Secrets given on the command line (``-c``, ``--passphrase``), kept out of messages."""
    found: list[str] = []
    for index, arg in enumerate(arguments):
        if arg in SECRET_OPTIONS and index + 1 < len(arguments):
            found.append(arguments[index + 1])
        elif arg.startswith("-c") and not arg.startswith("--") and len(arg) > 2:
            found.append(arg[2:])
        elif arg.startswith("--passphrase="):
            found.append(arg.split("=", 1)[1])
    return found
