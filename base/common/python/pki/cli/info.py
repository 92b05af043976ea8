"""``pki info``: the server's URL, name and version (``/pki/<api>/info``, anonymous).

Text output as the Java CLI's ``InfoCLI``: ``Server URL``, then ``Server Name`` and
``Server Version`` when the server reports them. The access banner, when the server has one,
was already shown (and had to be accepted) when the connection was made.
"""

from __future__ import annotations

import argparse
from typing import Any

from pki.cli.context import CLIContext, add_command


def register(subparsers: Any) -> None:
    add_command(subparsers, "info", "Display server info", run)


def run(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Ask the server who it is; a useful first check of URL, trust and API version."""
    ctx.client()  # reads the server's info (and shows its banner) once
    info = ctx.server_info
    data = info.to_json() if info is not None else {}
    if ctx.printer.is_json:
        ctx.printer.json({"url": ctx.url, **data})
        return 0
    ctx.printer.record(
        [
            ("Server URL", ctx.url),
            ("Server Name", data.get("Name")),
            ("Server Version", data.get("Version")),
        ]
    )
    return 0
