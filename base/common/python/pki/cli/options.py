"""The global options of ``pki``: one table for parsing them and for handing them to Java.

The options are the Java ``pki`` CLI's (``MainCLI``), so ``-h`` is the server's HOST and help
is ``--help``. They come before the command; those that the Java CLI also accepts after the
command (``-U``, ``-n``, ``-u``, ``-w``, ``-W``, ``--api``, ``--ignore-banner``,
``--skip-revocation-check``, ``--ignore-cert-status``, ``--reject-cert-status``,
``--http-output``, ``-v``, ``--debug``) may appear there too, and so may ``--output-format``;
given after the command they win. A few options only matter to the Java CLI (``-D``,
``--http-output``, ``--message-format xml``, ``-e``); the Python commands accept them and
say in ``--help`` what they do here.

Defaults come from pki.conf, read by ``pki.conf`` (never executed): ``PKI_CLI_OPTIONS`` is
split like a shell command line and put before the user's own options (as upstream meant
it), and ``PKI_CLIENT_DATABASE``, ``PKI_CLIENT_CERT_NICKNAME``, ``PKI_CLIENT_PASSWORD_FILE``
fill in ``-d``, ``-n`` and the database password file.
"""

from __future__ import annotations

import argparse
import os
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import urlsplit

__all__ = [
    "GLOBAL_OPTIONS",
    "CERT_STATUSES",
    "UsageError",
    "Parser",
    "build_global_parser",
    "command_options_parent",
    "merge_command_options",
    "check_usage",
    "check_url",
    "cli_options_from_conf",
    "secret_arguments",
    "mask_secret_arguments",
    "java_global_args",
]

#: Options of this package's commands (and D's) whose value is a secret, kept out of messages.
SECRET_OPTIONS = ("-c", "-w", "--passphrase", "--pkcs12-password", "--password")

#: The server certificate validity statuses the Java CLI's --ignore/--reject-cert-status take
#: (JSS ``SSLCertificateApprovalCallback.ValidityStatus``).
CERT_STATUSES = (
    "EXPIRED_CERTIFICATE", "REVOKED_CERTIFICATE", "INADEQUATE_KEY_USAGE",
    "INADEQUATE_CERT_TYPE", "UNTRUSTED_CERT", "CERT_STATUS_SERVER_ERROR", "UNKNOWN_ISSUER",
    "UNTRUSTED_ISSUER", "CERT_NOT_IN_NAME_SPACE", "CA_CERT_INVALID",
    "PATH_LEN_CONSTRAINT_INVALID", "BAD_KEY", "BAD_SIGNATURE", "EXPIRED_ISSUER_CERTIFICATE",
    "INVALID_TIME", "UNKNOWN_SIGNER", "SEC_ERROR_CRL_EXPIRED", "SEC_ERROR_CRL_BAD_SIGNATURE",
    "SEC_ERROR_CRL_INVALID", "CERT_BAD_ACCESS_LOCATION", "OCSP_UNKNOWN_RESPONSE_TYPE",
    "OCSP_BAD_HTTP_RESPONSE", "OCSP_MALFORMED_REQUEST", "OCSP_SERVER_ERROR",
    "OCSP_TRY_SERVER_LATER", "OCSP_REQUEST_NEEDS_SIG", "OCSP_UNAUTHORIZED_REQUEST",
    "OCSP_UNKNOWN_RESPONSE_STATUS", "OCSP_UNKNOWN_CERT", "OCSP_NOT_ENABLED",
    "OCSP_NO_DEFAULT_RESPONDER", "OCSP_MALFORMED_RESPONSE", "OCSP_UNAUTHORIZED_RESPONSE",
    "OCSP_FUTURE_RESPONSE", "OCSP_OLD_RESPONSE", "BAD_CERT_DOMAIN",
)

OUTPUT_FORMATS = ("text", "json", "none")  # "none": kra-key-archive's Java name for text


class UsageError(Exception):
    """A command line that cannot be run as given (exit status 2)."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises instead of printing usage and exiting.

    ``pki.cli.main`` turns the exception into the single ``ERROR:`` line of the contract.
    """

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


@dataclass(frozen=True)
class GlobalOption:
    """One global option: how it parses, what it means, and how the Java CLI gets it."""

    flags: tuple[str, ...]
    dest: str
    help: str
    metavar: str | None = None  # None: a flag without value
    after_command: bool = False  # also accepted after the command, as by the Java CLI
    java: str | None = ""  # flag given to the Java CLI ("" = flags[0], None = not passed)
    choices: tuple[str, ...] | None = None
    group: str | None = None  # mutually exclusive group
    repeat: bool = False

    @property
    def java_flag(self) -> str | None:
        return self.flags[0] if self.java == "" else self.java


GLOBAL_OPTIONS: tuple[GlobalOption, ...] = (
    GlobalOption(("--client-type",), "client_type", "deprecated, ignored", "TYPE", java=None),
    GlobalOption(
        ("-D",), "properties", "Java system property (only for commands of the Java CLI)",
        "NAME=VALUE", java=None, repeat=True,
    ),
    GlobalOption(
        ("-d",), "nssdb",
        "NSS database directory, optionally sql: or dbm: prefixed "
        "(default: PKI_CLIENT_DATABASE, else ~/.dogtag/nssdb)", "NSSDB",
    ),
    GlobalOption(
        ("-c",), "password",
        "NSS database password; other users can read it in the process list "
        "(/proc/PID/cmdline) and it stays in shell history: prefer -C or -f",
        "PASSWORD", group="nss",
    ),
    GlobalOption(
        ("-C",), "password_file", "file whose first line is the NSS database password",
        "PASSWORD_FILE", group="nss",
    ),
    GlobalOption(
        ("-f",), "password_conf",
        "Dogtag password.conf holding the database password as internal=...",
        "PASSWORD_CONF", group="nss",
    ),
    GlobalOption(
        ("--token",), "token",
        "security token (the Python commands use the database's internal token only)", "NAME",
    ),
    GlobalOption(
        ("-n",), "nickname",
        "nickname of the client certificate to authenticate with "
        "(default: PKI_CLIENT_CERT_NICKNAME; none: anonymous)", "NICKNAME", after_command=True,
    ),
    GlobalOption(
        ("-u",), "username", "user name for HTTP Basic authentication (instead of -n)",
        "USERNAME", after_command=True,
    ),
    GlobalOption(
        ("-w",), "user_password",
        "password for -u (visible in the process list: prefer -W; without -w or -W it is asked)",
        "PASSWORD", after_command=True,
    ),
    GlobalOption(
        ("-W",), "user_password_file", "file whose first line is the password for -u",
        "PASSWORD_FILE", after_command=True,
    ),
    GlobalOption(
        ("-U",), "url", "server URL, e.g. https://ca.example.com:8443", "URL",
        after_command=True,
    ),
    GlobalOption(
        ("-P",), "protocol", "protocol (default: https)", "PROTOCOL",
        choices=("http", "https"),
    ),
    GlobalOption(("-h",), "host", "host name (default: this host's FQDN)", "HOST"),
    GlobalOption(("-p",), "port", "port (default: 8443)", "PORT"),
    GlobalOption(("-t",), "subsystem", "deprecated: use 'pki SUBSYSTEM-...' commands", "TYPE"),
    GlobalOption(
        ("--api",), "api", "server API version (default: ask the server)", "VERSION",
        after_command=True, choices=("v1", "v2"),
    ),
    GlobalOption(
        ("--http-output", "--output"), "http_output",
        "folder for the HTTP messages of Java CLI commands (ignored by the Python commands)",
        "FOLDER", after_command=True, java="--http-output",
    ),
    GlobalOption(
        ("--message-format",), "message_format",
        "message format: json (the Python commands speak JSON only), xml (Java CLI, v1 API)",
        "FORMAT", choices=("json", "xml"),
    ),
    GlobalOption(
        ("--reject-cert-status",), "reject_cert_status",
        "server certificate statuses to reject (the Python commands reject every failure "
        "anyway)", "LIST", after_command=True,
    ),
    GlobalOption(
        ("--ignore-cert-status",), "ignore_cert_status",
        "server certificate statuses to ignore: with UNTRUSTED_ISSUER or UNKNOWN_ISSUER the "
        "Python commands do not verify the server's certificate at all (and warn); other "
        "statuses are still enforced by them", "LIST", after_command=True,
    ),
    GlobalOption(
        ("--ignore-banner",), "ignore_banner", "do not show the server's access banner",
        after_command=True,
    ),
    GlobalOption(
        ("--skip-revocation-check",), "skip_revocation_check",
        "do not check the server certificate's revocation (the Python commands never do)",
        after_command=True,
    ),
    GlobalOption(
        ("-e", "--exit-on-error"), "exit_on_error",
        "stop at the first error (the Java CLI's batch and shell modes)", java="--exit-on-error",
    ),
    GlobalOption(
        ("--output-format",), "output_format",
        "output format of the Python commands: text (default, as the Java CLI) or json",
        "FORMAT", after_command=True, java=None, choices=OUTPUT_FORMATS,
    ),
    GlobalOption(
        ("-v", "--verbose"), "verbose", "verbose: progress messages and tracebacks",
        after_command=True, java="-v",
    ),
    GlobalOption(("--debug",), "debug", "debug messages and tracebacks", after_command=True),
    GlobalOption(("--help",), "help", "show this help and exit", java=None),
    GlobalOption(("--version",), "version", "show the version and exit", java=None),
)


def _add(container: Any, option: GlobalOption, suppress: bool) -> None:
    """Add ``option``; after the command (``suppress``) without the deprecated ``--output``
    spelling of ``--http-output``, which is a command option there (``ca-cert-show
    --output FILE``), as in the Java CLI."""
    kwargs: dict[str, Any] = {"dest": option.dest, "help": option.help}
    if option.metavar is None:
        kwargs["action"] = "store_true"
    else:
        kwargs["metavar"] = option.metavar
        if option.repeat:
            kwargs["action"] = "append"
        if option.choices:
            kwargs["choices"] = option.choices
    if suppress:
        kwargs["default"] = argparse.SUPPRESS
    flags = [f for f in option.flags if not (suppress and f == "--output")]
    container.add_argument(*flags, **kwargs)


def build_global_parser() -> Parser:
    """The parser of ``pki [OPTIONS] [COMMAND [ARGS...]]``: it stops at the command."""
    parser = Parser(prog="pki", add_help=False, allow_abbrev=False)
    groups: dict[str, Any] = {}
    for option in GLOBAL_OPTIONS:
        container: Any = parser
        if option.group:
            container = groups.setdefault(option.group, parser.add_mutually_exclusive_group())
        _add(container, option, suppress=False)
    parser.add_argument("remainder", nargs=argparse.REMAINDER)
    return parser


_PARENTS: dict[tuple[str, ...], argparse.ArgumentParser] = {}


def command_options_parent(without: tuple[str, ...] = ()) -> argparse.ArgumentParser:
    """The global options every command also accepts after its name (absent ones unset),
    except those in ``without`` (flags a command defines as its own options)."""
    parent = _PARENTS.get(without)
    if parent is None:
        parent = argparse.ArgumentParser(add_help=False)
        group = parent.add_argument_group("global options also accepted after the command")
        for option in GLOBAL_OPTIONS:
            if option.after_command and not set(option.flags) & set(without):
                _add(group, option, suppress=True)
        _PARENTS[without] = parent
    return parent


def merge_command_options(
    global_args: argparse.Namespace, command_args: argparse.Namespace
) -> argparse.Namespace:
    """The command's parsed arguments on top of the global ones (after the command wins)."""
    merged = argparse.Namespace(**vars(global_args))
    for name, value in vars(command_args).items():
        setattr(merged, name, value)
    return merged


def check_usage(args: argparse.Namespace) -> None:
    """The combinations the Java CLI refuses (raises ``UsageError``)."""
    if args.url and (args.protocol or args.host or args.port):
        raise UsageError("-U cannot be combined with -P, -h or -p")
    if args.port is not None and _port(args.port) is None:
        raise UsageError(f"-p {args.port}: not a TCP port (a number from 1 to 65535)")
    if args.url:
        check_url(args.url)
    if args.nickname and args.username:
        raise UsageError("the -n and -u options are mutually exclusive")
    if args.user_password is not None and args.user_password_file is not None:
        raise UsageError("the -w and -W options are mutually exclusive")
    if (args.user_password is not None or args.user_password_file) and not args.username:
        raise UsageError("-w and -W give the password of the user named by -u")
    for option in ("ignore_cert_status", "reject_cert_status"):
        for status in cert_statuses(getattr(args, option)):
            if status not in CERT_STATUSES:
                flag = "--" + option.replace("_", "-")
                raise UsageError(
                    f"{flag}: invalid certificate status {status!r}; valid ones are "
                    + ", ".join(CERT_STATUSES)
                )
    for prop in args.properties or ():
        if "=" not in prop:
            raise UsageError(f"-D {prop}: expected NAME=VALUE")


def _port(text: str) -> int | None:
    """``text`` as a TCP port (1-65535), or None."""
    try:
        port = int(text, 10)
    except ValueError:
        return None
    return port if 0 < port < 65536 else None


def check_url(url: str) -> None:
    """Refuse a ``-U`` that is not ``http(s)://HOST[:PORT][/...]`` (raises ``UsageError``)."""
    expected = "expected https://HOST[:PORT] (or http://HOST[:PORT])"
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        what = f"'{parts.scheme}:' is not http or https" if parts.scheme else "no protocol"
        raise UsageError(f"-U {url}: {what}; {expected}")
    if not (parts.hostname or "").strip():
        raise UsageError(f"-U {url}: no host name; {expected}")
    address = parts.netloc.rpartition("@")[2]
    port = address.rpartition("]")[2] if address.startswith("[") else address
    port = port.partition(":")[2]
    if port and _port(port) is None:
        raise UsageError(f"-U {url}: {port!r} is not a TCP port (1 to 65535); {expected}")


def cert_statuses(value: str | None) -> list[str]:
    """A comma-separated status list as a list (empty when None)."""
    return [s.strip() for s in (value or "").split(",") if s.strip()]


def cli_options_from_conf(variables: Mapping[str, str]) -> list[str]:
    """``PKI_CLI_OPTIONS`` from pki.conf or the environment, split like a shell would."""
    value = variables.get("PKI_CLI_OPTIONS") or os.environ.get("PKI_CLI_OPTIONS") or ""
    try:
        return shlex.split(value)
    except ValueError as exc:
        raise UsageError(f"PKI_CLI_OPTIONS={value!r} cannot be split: {exc}") from None


def secret_arguments(arguments: Sequence[str]) -> list[tuple[str, str]]:
    """``(option, value)`` of each secret on the command line (``-c``, ``-w``,
    ``--passphrase``...), in the forms argparse takes: ``-c VALUE``, ``-cVALUE``,
    ``--passphrase VALUE``, ``--passphrase=VALUE``."""
    found: list[tuple[str, str]] = []
    for index, arg in enumerate(arguments):
        if arg in SECRET_OPTIONS:
            if index + 1 < len(arguments):
                found.append((arg, arguments[index + 1]))
            continue
        for option in SECRET_OPTIONS:
            if option.startswith("--") and arg.startswith(option + "="):
                found.append((option, arg.split("=", 1)[1]))
            elif not option.startswith("--") and arg.startswith(option) and len(arg) > 2:
                found.append((option, arg[2:]))
    return [(option, value) for option, value in found if value]


def mask_secret_arguments(arguments: Sequence[str]) -> list[str]:
    """``arguments`` with the value of every secret option replaced by asterisks (for
    showing a command line, e.g. the Java CLI's in debug messages)."""
    masked: list[str] = []
    hide_next = False
    for arg in arguments:
        if hide_next:
            masked.append("********")
            hide_next = False
            continue
        hide_next = arg in SECRET_OPTIONS
        for _option, value in secret_arguments([arg]):
            arg = arg[: len(arg) - len(value)] + "********"
        masked.append(arg)
    return masked


def java_global_args(args: argparse.Namespace) -> list[str]:
    """``args`` as global options of the Java CLI, in the order upstream's front end uses.

    The caller resolves pki.conf defaults into ``args`` first, so that the Java CLI uses the
    same database as the same user. Only values in ``args`` are passed: a password appears
    only if it was on this command line already (``-c``, ``-w``); files go by name.
    """
    values = vars(args)
    out: list[str] = []
    for option in GLOBAL_OPTIONS:
        flag = option.java_flag
        value = values.get(option.dest)
        if flag is None or value in (None, False) or option.dest in ("verbose", "debug"):
            continue
        out.extend([flag] if value is True else [flag, str(value)])
    if values.get("debug"):
        out.append("--debug")
    elif values.get("verbose"):
        out.append("-v")
    return out
