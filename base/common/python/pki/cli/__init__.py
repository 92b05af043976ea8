"""The ``pki`` command-line client, and upstream's ``pki.cli.CLI`` base class.

``pki.cli.main.main()`` is the entry point of the ``pki`` command (also ``python -m pki.cli``
and ``python -m pki.cli.main``, which upstream's ``/usr/bin/pki`` runs). It parses the Java
CLI's global options (``pki.cli.options``), runs the commands implemented here (one module
per command group: ``info``, ``client``, ``ca_cert``, ``ca_cert_request``, ``ca_profile``,
``ca_authority``, ``admin``, ``securitydomain``, ``kra_key``), lists
modules from the Java CLI's command tree (``pki.cli.javacommands``), and hands every other
command to the Java CLI when it is installed (``pki.cli.java``). Output goes through
``pki.cli.output`` so that text looks like the Java CLI's and JSON is the server's.

Adding a command: in a module with ``register(subparsers)``, call
``pki.cli.context.add_command(subparsers, "ca-user-find", "Find users", run)`` (the Java
CLI's name and description), add its options to the returned parser, and list the module in
``pki.cli.main.COMMAND_MODULES``. ``run(ctx, args)`` gets a ``CLIContext`` (``ctx.client()``
authenticated from the NSS database or with ``-u``, ``ctx.login(subsystem)`` for resources
that take the caller from the session, ``ctx.nssdb()``, ``ctx.printer``) and returns the
exit status; failures raise (``CLIError`` for the CLI's own). Commands that make one client
call and print its answer are rows of a table instead (``pki.cli.family.Action``: name,
description, positional arguments, the call, the framed message, the record), registered
with ``pki.cli.family.register``. Print with ``ctx.printer``: ``found(collection, record_of)``
(Java's ``N entries matched`` listings, or the JSON collection), ``result(message, data,
record_of)`` (a framed message and a record, or the JSON data), or the pieces: ``json``,
``message``, ``record``/``records`` (``[("Label", value), ...]``, None skipped; a ``str`` is
a raw line) and ``listing``; format values with ``pki.cli.output.java_date``/``java_dn``/
``java_string``/``aligned``. A command's own options must not reuse the ``dest`` of a
global option (``--password`` is stored as ``new_password``: ``password`` is ``-c``).
Questions go through ``pki.cli.context.confirm``. The command then appears in ``pki --help``,
in its module's listing (``pki ca-user``) and no longer goes to the Java CLI.

``CLI`` and ``CLIException`` are upstream's classes for building command trees; Dogtag's
``pki-server`` commands derive from them, so they keep upstream's attributes, methods and
behaviour. Importing this package imports only the standard library.
"""

from __future__ import annotations

import argparse
import collections
import logging
from typing import Any

__all__ = ["CLI", "CLIException"]

logger = logging.getLogger(__name__)


class CLIException(Exception):
    """An error raised by a ``CLI`` command (upstream's name)."""


class CLI:
    """A node of a command tree: a module with sub-modules, or a command (upstream's API).

    A command line ``<part 1>-<part 2>-...`` is resolved from the root by ``parse_command``:
    the shortest dash-joined prefix naming a sub-module that either ends the command or has
    sub-modules of its own handles the rest. Subclasses override ``create_parser`` and
    ``execute`` for their own options.
    """

    def __init__(self, name: str, description: str, deprecated: bool = False) -> None:
        self.name = name
        self.description = description
        self.parent: CLI | None = None
        self.deprecated = deprecated
        self.modules: collections.OrderedDict[str, CLI] = collections.OrderedDict()
        self.parser: argparse.ArgumentParser | None = None
        self.extra_commands: dict[str, str] | None = None

    def get_full_name(self) -> str:
        if self.parent:
            return self.parent.get_full_module_name(self.name)
        return self.name

    def get_full_module_name(self, module_name: str) -> str:
        return f"{self.get_full_name()}-{module_name}"

    def add_module(self, module: CLI) -> None:
        self.modules[module.name] = module
        module.parent = self

    def get_module(self, name: str) -> CLI | None:
        return self.modules.get(name)

    def get_top_module(self) -> CLI:
        return self.parent.get_top_module() if self.parent else self

    def print_message(self, message: str) -> None:
        rule = "-" * len(message)
        print(rule)
        print(message)
        print(rule)

    def print_help(self) -> None:
        """``Commands:`` and one line per sub-module, deprecated ones in their own section."""
        print("Commands:")
        commands = dict(self.extra_commands or {})
        for module in self.modules.values():
            if not module.deprecated:
                commands[module.get_full_name()] = module.description
        for command, description in commands.items():
            print(f" {command:32}{description:30}")
        deprecated = [m for m in self.modules.values() if m.deprecated]
        if deprecated:
            print()
            print("Deprecated:")
            for module in deprecated:
                print(f" {module.get_full_name():32}{module.description:30}")

    def find_module(self, command: str) -> CLI | None:
        module: CLI | None = self
        rest: str | None = command
        while module is not None and rest:
            module, rest = module.parse_command(rest)
        return module

    def create_parser(self, subparsers: Any = None) -> None:
        if not self.parser:
            parser = argparse.ArgumentParser(prog=self.name, add_help=False)
            parser.add_argument("-v", "--verbose", action="store_true")
            parser.add_argument("--debug", action="store_true")
            parser.add_argument("--help", action="store_true")
            parser.add_argument("remainder", nargs=argparse.REMAINDER)
            self.parser = parser
        for module in self.modules.values():
            module.create_parser(subparsers=subparsers)

    def parse_command(self, command: str) -> tuple[CLI | None, str | None]:
        """Split ``command`` into the sub-module that handles it and what remains for it."""
        parts = command.split("-")
        for end in range(1, len(parts) + 1):
            name = "-".join(parts[:end])
            rest = "-".join(parts[end:]) or None
            module = self.get_module(name)
            if module is None:
                continue
            logger.debug("Module: %s", name)
            if rest is None or module.modules:
                return module, rest
        return None, None

    def execute(self, argv: list[str], args: argparse.Namespace | None = None) -> None:
        """Run ``argv``: the first word names a sub-module (and maybe its command)."""
        if args is None:
            if self.parser is None:
                self.create_parser()
            assert self.parser is not None
            args = self.parser.parse_args(args=argv)
        if args.help:
            self.print_help()
            return
        if args.debug:
            logging.getLogger().setLevel(logging.DEBUG)
        elif args.verbose:
            logging.getLogger().setLevel(logging.INFO)
        command = args.remainder[0] if args.remainder else None
        logger.debug("CLI Command: %s", command)
        if not command:
            self.print_help()
            return
        module, sub_command = self.parse_command(command)
        if module is None:
            raise CLIException(f'Invalid module "{command}".')
        logger.debug("Module: %s", module.get_full_name())
        if sub_command:
            module.execute([sub_command, *args.remainder[1:]])
        else:
            module.execute(list(args.remainder[1:]))
