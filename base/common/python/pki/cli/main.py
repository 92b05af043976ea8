"""``pki``: the front end that runs a command in Python, or hands it to the Java CLI.

    pki [OPTIONS...] COMMAND [ARGS...]

The global options are the Java ``pki`` CLI's (``pki.cli.options``). Then:

* ``pki --version``, ``pki --help`` / ``pki help``: this package's version and help;
* ``pki help COMMAND``: the command's help (a module's command list for a module);
* a command this package implements (``pki --help`` lists them) runs in Python, unless it is
  given an option only the Java CLI's command has and the Java CLI is installed;
* a module (``pki ca``, ``pki ca-cert``) lists its commands, as the Java CLI does;
* any other command, and ``pki`` alone (the Java CLI's shell), goes to the Java CLI with the
  same global options, when it is installed (``pki.cli.java``); otherwise the error says
  which package provides it.

Exit status: 0 on success, 1 when the command fails, 2 for a usage error, the Java CLI's own
status for its commands. A failure prints exactly one ``ERROR: ...`` line on stderr and no
traceback (``-v`` or ``--debug`` add the traceback). Passwords never appear in the output.
A closed standard output (``pki ... | head``) ends the command quietly with status 0.

Upstream's ``/usr/bin/pki`` runs ``python3 -I -m pki.cli.main``; that works with this
module too.
"""

from __future__ import annotations

import argparse
import difflib
import importlib.metadata
import logging
import os
import sys
import textwrap
import traceback
from collections.abc import Sequence

import pki
from pki.cli import (
    admin,
    ca_authority,
    ca_cert,
    ca_cert_request,
    ca_profile,
    client,
    info,
    kra_key,
    securitydomain,
)
from pki.cli.context import CLIContext, CLIError, nssdb_spec
from pki.cli.errors import describe_error, print_error, redact
from pki.cli.java import JAVA_PACKAGE, JavaCLI, JavaCLINotFound, find_java_cli
from pki.cli.javacommands import Node, java_tree
from pki.cli.options import (
    GLOBAL_OPTIONS,
    Parser,
    UsageError,
    build_global_parser,
    check_usage,
    cli_options_from_conf,
    java_global_args,
    merge_command_options,
    secret_arguments,
)
from pki.conf import ConfigError, TLSSettings, load, load_tls_settings
from pki.nssdb import read_password_file

__all__ = ["main", "build_parser", "COMMAND_MODULES"]

logger = logging.getLogger("pki.cli")

#: Command group modules; each has ``register(subparsers)`` (see ``context.add_command``).
COMMAND_MODULES = (
    info, client, ca_cert, ca_cert_request, ca_profile, ca_authority, admin, securitydomain,
    kra_key,
)

EXIT_FAILURE = 1
EXIT_USAGE = 2


def _command_parsers() -> tuple[Parser, dict[str, argparse.ArgumentParser]]:
    parser = Parser(prog="pki", add_help=False)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser, dict(subparsers.choices)


def build_parser() -> argparse.ArgumentParser:
    """The parser of the commands implemented in Python (one subparser each)."""
    return _command_parsers()[0]


# -- output helpers --------------------------------------------------------------------------


def _quiet_stdout() -> None:
    """After a closed pipe: send what is still buffered for stdout nowhere, so that neither
    this program nor the interpreter's exit reports the broken pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (AttributeError, OSError, ValueError):  # not a real file (e.g. captured in tests)
        pass


def _install_logging(args: argparse.Namespace) -> tuple[logging.Handler, int]:
    """Log the library to stderr (INFO with -v, DEBUG with --debug); returns what ``main``
    restores afterwards."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(name)s: %(message)s"))
    top = logging.getLogger("pki")
    previous = top.level
    top.addHandler(handler)
    if getattr(args, "debug", False):
        top.setLevel(logging.DEBUG)
    elif getattr(args, "verbose", False):
        top.setLevel(logging.INFO)
    else:
        top.setLevel(logging.WARNING)
    return handler, previous


def _restore_logging(handler: logging.Handler, previous: int) -> None:
    logging.getLogger("pki").removeHandler(handler)
    logging.getLogger("pki").setLevel(previous)


def version() -> str:
    """This package's version (upstream's ``implementation_version`` when it is present)."""
    implementation_version = getattr(pki, "implementation_version", None)
    if callable(implementation_version):
        try:
            return str(implementation_version())
        except Exception:  # upstream reads /usr/share/pki/VERSION, which may not exist
            logger.debug("no implementation version", exc_info=True)
    try:
        return importlib.metadata.version("dogtag-pki")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


# -- the command tree ------------------------------------------------------------------------


def _nodes() -> dict[str, Node]:
    return {node.name: node for node in java_tree().walk()}


class _Front:
    """One run of ``pki``: the global options, the pki.conf variables, the Python commands."""

    def __init__(self, variables: dict[str, str], secrets: list[tuple[str, str]]) -> None:
        self.variables = variables
        self.secrets = secrets
        self.parser, self.commands = _command_parsers()
        self._java: JavaCLI | str | None = None

    # -- Java ----------------------------------------------------------------------------

    def java(self) -> JavaCLI | str:
        """The installed Java CLI, or why there is none."""
        if self._java is None:
            try:
                self._java = find_java_cli(self.variables)
            except JavaCLINotFound as exc:
                self._java = str(exc)
        return self._java

    def java_status(self) -> str:
        found = self.java()
        if isinstance(found, str):
            return f"not installed here ({found})"
        return f"installed ({found.java}, {found.pki_lib})"

    def run_java(self, args: argparse.Namespace, arguments: list[str]) -> int:
        """Run ``pki [global options] ARGUMENTS`` in the Java CLI."""
        found = self.java()
        if isinstance(found, str):
            raise self._missing_java(arguments[0] if arguments else None, found, args.nickname)
        settings = load_tls_settings()
        db_type, _, directory = nssdb_spec(args.nssdb, settings).partition(":")
        command = [*java_global_args(self._java_defaults(args, settings, directory)), *arguments]
        if arguments and args.output_format:  # Java accepts it after the command only
            command += ["--output-format", args.output_format]
        return found.run(args.properties or [], command, {"NSS_DEFAULT_DB_TYPE": db_type})

    def _java_defaults(
        self, args: argparse.Namespace, settings: TLSSettings, directory: str
    ) -> argparse.Namespace:
        """``args`` with the pki.conf defaults the Python commands would use; ``-d`` as
        the bare ``directory`` (the Java CLI takes no ``sql:``/``dbm:`` prefix)."""
        resolved = argparse.Namespace(**vars(args))
        if args.nssdb or self.variables.get("PKI_CLIENT_DATABASE"):
            resolved.nssdb = directory
        if not (args.password or args.password_file or args.password_conf):
            path = settings.client_password_file
            if path:
                is_conf = self._is_password_conf(path)
                resolved.password_conf = path if is_conf else None
                resolved.password_file = None if is_conf else path
        if not args.nickname and not args.username and settings.client_cert_nickname:
            resolved.nickname = settings.client_cert_nickname
        return resolved

    @staticmethod
    def _is_password_conf(path: str) -> bool:
        """Whether ``path`` is a Dogtag password.conf (Java's -f) rather than a bare
        password (Java's -C); decided by the rule of ``pki.nssdb.read_password_file``."""
        try:
            bare = read_password_file(path, token="no such token")
        except Exception:
            return False
        return bare is None  # a password.conf has no entry for that token

    def _unknown_option(self, command: str, message: str, reason: str) -> str:
        """The error for an option the Python command lacks, the Java CLI being absent: it
        names the command's own help, and the Java CLI that may have the option."""
        unknown = message.split(" (see ", 1)[0]
        return (
            f"{unknown} (see 'pki {command} --help'; the Java pki CLI, whose {command} may "
            f"have more options, is not installed: {reason})"
        )

    def _missing_java(
        self, command: str | None, reason: str, nickname: str | None = None
    ) -> CLIError:
        """The error for a command only the Java CLI could run, when it is not installed."""
        if command is None or command == "-":
            return CLIError(
                f"no command given, and the Java pki CLI (its shell) is not installed "
                f"({reason}): see 'pki --help'",
                exit_code=EXIT_USAGE,
            )
        node = _nodes().get(command)
        if node is not None:
            return CLIError(
                f"'{command}' is a command of the Java pki CLI, which is not installed "
                f"({reason}): install {JAVA_PACKAGE}. 'pki --help' lists the commands that "
                "run in Python"
            )
        known = list(dict.fromkeys([*self.commands, *_nodes()]))
        close = difflib.get_close_matches(command, known, n=3)
        hint = f"; did you mean {' or '.join(close)}?" if close else ""
        if nickname and not close:
            # pki -n PKI Administrator ca-cert-find: -n took "PKI" only
            hint = (f"; -n took '{nickname}': quote a nickname with spaces, "
                    f"-n \"{nickname} {command}\"")
        return CLIError(
            f"'{command}' is not a pki command{hint} (see 'pki --help'; the Java pki CLI, "
            f"which has more commands, is not installed: {reason})",
            exit_code=EXIT_USAGE,
        )

    # -- help ----------------------------------------------------------------------------

    def _available(self, node: Node) -> bool:
        if not isinstance(self.java(), str):
            return True
        names = [node.name, *(n.name for n in node.walk())]
        return any(name in self.commands for name in names)

    def module_listing(self, node: Node) -> list[str]:
        """The Java CLI's command list of a module (those available here)."""
        lines = ["Commands:"]
        deprecated: list[str] = []
        hidden = False
        known = {n.name for n in node.walk()}
        extra = [
            Node(name, parser.description or "")
            for name, parser in self.commands.items()
            if name.startswith(node.name + "-") and name not in known
            and self._parent_module(name) is node
        ]
        for child in [*node.children, *extra]:
            if not self._available(child):
                hidden = True
                continue
            line = f" {child.name}{' ' * max(1, 34 - len(child.name))}{child.description}"
            (deprecated if child.deprecated else lines).append(line)
        if deprecated:
            lines += ["", "Deprecated:", *deprecated]
        if hidden:
            lines += ["", "Other commands need the Java pki CLI, which is not installed "
                      f"(install {JAVA_PACKAGE})."]
        return lines

    @staticmethod
    def _parent_module(name: str) -> Node:
        nodes = _nodes()
        parts = name.split("-")
        for end in range(len(parts) - 1, 0, -1):
            candidate = nodes.get("-".join(parts[:end]))
            if candidate is not None and candidate.is_module:
                return candidate
        return java_tree()

    def main_help(self) -> str:
        out = ["Usage: pki [OPTIONS...] COMMAND [ARGS...]", "", "Options:"]
        for option in GLOBAL_OPTIONS:
            flags = ", ".join(option.flags)
            if option.metavar:
                flags += f" {option.metavar}"
            text = textwrap.wrap(option.help, 62) or [""]
            if len(flags) <= 26:
                out.append(f"  {flags:<26} {text[0]}")
            else:
                out.append(f"  {flags}")
                out.append(f"  {'':<26} {text[0]}")
            out.extend(f"  {'':<26} {more}" for more in text[1:])
        out += ["", *self.module_listing(java_tree()), ""]
        out.append("Commands that run in Python, without Java (options: pki COMMAND --help):")
        for name, parser in self.commands.items():
            out.append(f" {name}{' ' * max(1, 34 - len(name))}{parser.description or ''}")
        out += [
            "",
            textwrap.fill(
                "Every other command runs in the Java pki CLI, with the same global options, "
                f"when it is installed ({JAVA_PACKAGE}); it is {self.java_status()}.",
                90, break_on_hyphens=False, break_long_words=False,
            ),
            textwrap.fill(
                "Global options may also follow the command where the Java CLI accepts them "
                "there: -U, -n, -u, -w, -W, --api, --ignore-banner, --skip-revocation-check, "
                "--ignore-cert-status, --reject-cert-status, --http-output, -v, --debug, and "
                "--output-format. -c and -w put a password in the process list: prefer -C, "
                "-f and -W.",
                90, break_on_hyphens=False, break_long_words=False,
            ),
        ]
        return "\n".join(out) + "\n"

    def help(self, args: argparse.Namespace, topics: list[str]) -> int:
        """``pki help [COMMAND]``."""
        if not topics:
            sys.stdout.write(self.main_help())
            return 0
        topic = topics[0]
        if topic in self.commands:
            sys.stdout.write(self.commands[topic].format_help())
            return 0
        node = _nodes().get(topic)
        if node is not None and node.is_module:
            sys.stdout.write("\n".join(self.module_listing(node)) + "\n")
            return 0
        return self.run_java(args, ["help", *topics])

    # -- running ---------------------------------------------------------------------------

    def run(self, args: argparse.Namespace) -> int:
        remainder: list[str] = list(args.remainder)
        if args.help:
            sys.stdout.write(self.main_help())
            return 0
        if not remainder or remainder[0] == "-":
            return self.run_java(args, remainder)
        command, rest = remainder[0], remainder[1:]
        if command == "help":
            return self.help(args, rest)
        if command in self.commands:
            return self.run_python(args, command, rest)
        node = _nodes().get(command)
        if node is not None and node.is_module:
            sys.stdout.write("\n".join(self.module_listing(node)) + "\n")
            return 0
        return self.run_java(args, remainder)

    def run_python(self, global_args: argparse.Namespace, command: str, rest: list[str]) -> int:
        unknown = _unknown_options(self.commands[command], rest)
        if unknown:
            # checked before parsing: a Java-only option may stand in for one the Python
            # command requires (client-cert-import --ca-server instead of --ca-cert)
            found = self.java()
            if isinstance(found, str):
                flags = [f for f in self.commands[command]._option_string_actions if f[:2] == "--"]
                close = difflib.get_close_matches(unknown[0], flags, n=2)
                hint = f"; did you mean {' or '.join(close)}?" if close else ""
                message = f"unrecognized arguments: {' '.join(unknown)}{hint}"
                raise UsageError(self._unknown_option(command, message, found))
            logger.info("%s: no option %s here; running it in the Java CLI", command,
                        " ".join(unknown))
            return self.run_java(global_args, [command, *rest])
        try:
            command_args = self.parser.parse_args([command, *rest])
        except SystemExit as exc:  # the command's --help
            return exc.code if isinstance(exc.code, int) else 0
        except UsageError as exc:
            # an option of the Java command that the Python one lacks (ca-cert-find --input,
            # kra-key-archive --transport): the Java CLI runs the command, when installed
            if "unrecognized arguments" not in str(exc):
                raise
            found = self.java()
            if isinstance(found, str):
                raise UsageError(self._unknown_option(command, str(exc), found)) from None
            logger.info("%s: %s; running it in the Java CLI", command, exc)
            return self.run_java(global_args, [command, *rest])
        args = merge_command_options(global_args, command_args)
        check_usage(args)
        handler, previous_level = _install_logging(args)
        ctx: CLIContext | None = None
        try:
            ctx = CLIContext(args)
            status = args.func(ctx, args)
            sys.stdout.flush()
            return int(status or 0)
        except BrokenPipeError:
            raise
        except KeyboardInterrupt:
            print_error("interrupted")
            return 130
        except Exception as exc:
            if args.verbose or args.debug:
                sys.stderr.write(redact(traceback.format_exc(), self.secrets))
            print_error(describe_error(exc, ctx), self.secrets)
            return exc.exit_code if isinstance(exc, CLIError) else EXIT_FAILURE
        finally:
            if ctx is not None:
                try:
                    ctx.close()
                except Exception as exc:  # closing must not hide the command's own result
                    logger.debug("error while closing: %s", exc)
            _restore_logging(handler, previous_level)


def _unknown_options(parser: argparse.ArgumentParser, arguments: list[str]) -> list[str]:
    """The ``--long`` options among ``arguments`` (up to ``--``) that ``parser`` neither
    defines nor abbreviates (argparse, like the Java CLI's commons-cli, takes a prefix)."""
    known = [flag for flag in parser._option_string_actions if flag.startswith("--")]
    unknown = []
    for argument in arguments:
        if argument == "--":
            break
        name = argument.split("=", 1)[0]
        if name.startswith("--") and not any(flag.startswith(name) for flag in known):
            unknown.append(name)
    return unknown


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``pki`` command; returns the exit status (never raises)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    secrets = secret_arguments(arguments)
    try:
        variables = load()
        arguments = [*cli_options_from_conf(variables), *arguments]
        secrets = secret_arguments(arguments)
        args = build_global_parser().parse_args(arguments)
        check_usage(args)
        if args.version:
            sys.stdout.write(f"PKI Command-Line Interface {version()}\n")
            return 0
        front = _Front(variables, secrets)
        status = front.run(args)
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except KeyboardInterrupt:
        print_error("interrupted")
        return 130
    except (UsageError, ConfigError, CLIError) as exc:
        print_error(describe_error(exc, None), secrets)
        if isinstance(exc, CLIError):
            return exc.exit_code
        return EXIT_USAGE if isinstance(exc, UsageError) else EXIT_FAILURE
    except Exception as exc:  # never a traceback for what the front end itself hits
        print_error(describe_error(exc, None), secrets)
        return EXIT_FAILURE


if __name__ == "__main__":
    raise SystemExit(main())
