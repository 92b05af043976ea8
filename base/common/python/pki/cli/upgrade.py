"""``pki-upgrade``: upgrade the system's PKI configuration (upstream master's ``pki.cli.upgrade``).

Upstream's ``/usr/sbin/pki-upgrade`` sources pki.conf and runs ``python3 -I -m
pki.cli.upgrade "$@"``. With no option it runs the scriptlets of ``pki.upgrade.UPGRADE_DIR``
from the version in ``/etc/pki/pki.version`` to the installed packages' version; ``--status``,
``--revert``, ``--validate`` and the tracker options (shown by ``-X``) do one thing each, the
first given in that order. ``main(argv)`` is upstream's function: it returns None and lets
errors raise. Run as a module, an error is printed as ``ERROR: <message>`` (with the
traceback under ``--debug``) and the exit status is 1, where upstream printed a traceback;
a wrong option exits with argparse's usage message and status 2, as upstream.

This module is not part of the ``pki`` command (``pki.cli.main``) and ``import pki.cli``
does not load it.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

import pki
import pki.upgrade
import pki.util

logger = logging.getLogger(__name__)


def print_help() -> None:
    print("Usage: pki-upgrade [OPTIONS]")
    print()
    print("  --status                       Show upgrade status only. Do not perform upgrade.")
    print("  --revert                       Revert the last version.")
    print("  --validate                     Validate upgrade status.")
    print()
    print("  -X                             Show advanced options.")
    print("  -v, --verbose                  Run in verbose mode.")
    print("      --debug                    Run in debug mode.")
    print("  -h, --help                     Show this help message.")


def advancedOptions() -> None:  # noqa: N802 - upstream's name
    print()
    print("WARNING: These options may render the system unusable.")
    print()
    print("  --remove-tracker               Remove tracker.")
    print("  --reset-tracker                Reset tracker to match package version.")
    print("  --set-tracker <version>        Set tracker to a specific version.")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pki-upgrade", add_help=False)
    for flag in ("--status", "--revert", "--validate", "-X", "--remove-tracker",
                 "--reset-tracker"):
        parser.add_argument(flag, action="store_true")
    parser.add_argument("--set-tracker")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--debug", action="store_true")
    parser.add_argument("-h", "--help", action="store_true")
    return parser


def main(argv: Sequence[str]) -> None:
    """Run ``pki-upgrade`` with the arguments ``argv`` (without the program name)."""
    args = _parser().parse_args(args=list(argv))

    if args.help:
        print_help()
        return
    if args.X:
        print_help()
        advancedOptions()
        return

    if args.debug:
        logging.getLogger().setLevel(logging.DEBUG)
    elif args.verbose:
        logging.getLogger().setLevel(logging.INFO)

    tracker_version = None
    if args.set_tracker:
        try:
            tracker_version = pki.util.Version(args.set_tracker)
        except ValueError:
            raise ValueError(
                f"Invalid --set-tracker version: {args.set_tracker!r} (give MAJOR.MINOR.PATCH,"
                f" e.g. 11.6.0)"
            ) from None

    upgrader = pki.upgrade.PKIUpgrader()

    if args.status:
        upgrader.status()
    elif args.revert:
        upgrader.revert()
    elif args.validate:
        upgrader.validate()
    elif args.remove_tracker:
        upgrader.remove_tracker()
    elif args.reset_tracker:
        upgrader.reset_tracker()
    elif tracker_version is not None:
        upgrader.set_tracker(tracker_version)
    else:
        logger.info("Upgrading PKI system")
        upgrader.upgrade()


def _run(argv: Sequence[str]) -> int:
    """``main`` as a command: its errors become one ``ERROR:`` line and status 1."""
    try:
        main(argv)
    except Exception as e:
        if logging.getLogger().isEnabledFor(logging.DEBUG):
            logger.exception("pki-upgrade failed")
        logger.error("%s", str(e) or type(e).__name__)
        return 1
    return 0


if __name__ == "__main__":
    logging.basicConfig(format="%(levelname)s: %(message)s")
    sys.exit(_run(sys.argv[1:]))
