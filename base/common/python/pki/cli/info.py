"""``pki info``: the server's name and version (``/pki/<api>/info``, anonymous)."""

from __future__ import annotations

import argparse
from typing import Any

from pki.cli.context import CLIContext, add_command
from pki.info import InfoClient


def register(subparsers: Any) -> None:
    add_command(subparsers, "info", "Show the server's name and version", run)


def run(ctx: CLIContext, args: argparse.Namespace) -> int:
    """Ask the server who it is; useful first check of URL, trust and API version."""
    info = InfoClient(ctx.client()).get_info()
    if ctx.printer.is_json:
        ctx.printer.json({"url": ctx.url, **info.to_json()})
        return 0
    ctx.printer.record(
        [
            ("Server URL", ctx.url),
            ("Server Name", getattr(info, "Name", None)),
            ("Server Version", info.version),
            ("Banner", info.banner),
        ]
    )
    return 0
