"""Command families: the find/show/add/mod/del commands of one resource, described by a table.

Most commands of the Java CLI's ``user``, ``group``, ``profile``, ``authority``, ``feature``
and ``key`` modules do the same three things: read their arguments, make one or two calls on
a resource client, and print the answer (``N entries matched`` listings, a framed message
such as ``Deleted user "jdoe"``, a record). An ``Action`` says what differs: the command's
name and description, its positional arguments, the client call, the message and the record.
``register`` turns a table of them into commands on one client; options of a single command
are added to the parser it returns.

JSON (``--output-format json``) prints the server's answer as it came (a collection as
``{"entries", "total"}``); an answer without a body (a deletion) prints nothing.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Callable

from pki.cli.context import CLIContext, add_command, confirm
from pki.cli.ids import dogtag_id
from pki.cli.output import Record
from pki.resource import DataCollection

__all__ = ["Action", "add_paging", "register"]

#: What an action calls: the resource client and the parsed arguments give the answer.
Call = Callable[[Any, argparse.Namespace], Any]
#: Makes the resource client for a command (``UserClient(ctx.client(), "kra")``...).
ClientFactory = Callable[[CLIContext, argparse.Namespace], Any]


@dataclass(frozen=True)
class Action:
    """One command of a family.

    ``arguments`` are the positional arguments as the help shows them: ``USER_ID``, or
    ``[FILTER]`` for an optional one; each is stored under its lower-cased name
    (``args.user_id``, ``args.filter``). ``header`` is formatted with those names.
    ``record`` prints the answer (a collection is printed as a listing of such records).
    ``paging`` adds ``--start`` and ``--size``; ``confirm`` asks ``Are you sure (Y/N)?``
    first, unless ``--force`` (which it adds), as the Java command does.
    """

    name: str
    description: str
    call: Call
    arguments: tuple[str, ...] = ()
    header: str | None = None
    record: Callable[[Any], Record] | None = None
    paging: bool = False
    confirm: bool = False


    def run(self, ctx: CLIContext, args: argparse.Namespace, client_of: ClientFactory) -> int:
        if self.confirm:
            what = " ".join(str(getattr(args, dest)) for dest, _ in _positionals(self))
            confirm("Are you sure", args.force, f"run {args.command} {what}".strip(),
                    stream=ctx.printer.prompt_stream, choices="Y/N")
        answer = self.call(client_of(ctx, args), args)
        if isinstance(answer, DataCollection):
            assert self.record is not None
            ctx.printer.found(answer, self.record)
        else:
            header = None if self.header is None else self.header.format(**vars(args))
            ctx.printer.result(header, answer, self.record)
        return 0


#: positional arguments that are Dogtag's numeric IDs (checked before anything is sent)
_NUMERIC_IDS = {"KEY_ID": "key ID", "REQUEST_ID": "request ID", "SERIAL": "serial number"}


def _positionals(action: Action) -> list[tuple[str, bool]]:
    """``(dest, optional)`` of each positional argument."""
    out = []
    for argument in action.arguments:
        optional = argument.startswith("[")
        out.append((argument.strip("[]").lower(), optional))
    return out


def add_paging(parser: argparse.ArgumentParser) -> None:
    """``--start`` and ``--size``, the paging options of the Java find commands."""
    parser.add_argument("--start", type=int, help="page start")
    parser.add_argument("--size", type=int, help="page size")


def register(
    subparsers: Any, client_of: ClientFactory, actions: Iterable[Action], prefix: str = ""
) -> dict[str, argparse.ArgumentParser]:
    """Add a command for each action (named ``prefix + action.name``), each making its
    client with ``client_of``; returns the parsers by action name, for their own options."""
    parsers = {}
    for action in actions:

        def run(
            ctx: CLIContext, args: argparse.Namespace, action: Action = action
        ) -> int:
            return action.run(ctx, args, client_of)

        parser = add_command(subparsers, prefix + action.name, action.description, run)
        for (dest, optional), metavar in zip(_positionals(action), action.arguments):
            name = metavar.strip("[]")
            kind = _NUMERIC_IDS.get(name)
            parser.add_argument(
                dest, metavar=name, nargs="?" if optional else None,
                type=dogtag_id(kind) if kind else str,
            )
        if action.paging:
            add_paging(parser)
        if action.confirm:
            parser.add_argument("--force", action="store_true", help="do not ask first")
        parsers[action.name] = parser
    return parsers
