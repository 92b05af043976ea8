"""What every command gets: the resolved global options, the server client, the NSS database.

``CLIContext`` turns the global options plus the pki.conf defaults into what the library
needs: an NSS database spec (``sql:``/``dbm:`` prefixed), a password or password file, a
client certificate nickname and a server URL. The ``PKIClient`` and the ``NSSDatabase`` are
created on first use only, so ``pki --help`` or a usage error never touch NSS or the network.

Without a nickname the client is anonymous, as with the Java CLI, but the server's
certificate is still checked against the CA certificates trusted in the NSS database (the
database provides the trust anchors, opened without its password).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import socket
import sys
from collections.abc import Callable
from typing import Any

from pki.cli.output import Printer
from pki.client import PKIClient
from pki.conf import TLSSettings, load_tls_settings
from pki.nssdb import (
    DatabaseNotFoundError,
    NSSDatabase,
    Secret,
)

__all__ = ["CLIContext", "CLIError", "Command", "add_command", "confirm", "stdin_is_tty"]

logger = logging.getLogger(__name__)

#: A command: takes the context and its parsed arguments, returns the exit status.
Command = Callable[["CLIContext", argparse.Namespace], int]

DEFAULT_PROTOCOL = "https"
DEFAULT_PORT = 8443


class CLIError(Exception):
    """A failure the CLI itself detects; ``exit_code`` is the process exit status."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def add_command(
    subparsers: Any, name: str, help_text: str, func: Command
) -> argparse.ArgumentParser:
    """Add a command parser with ``--help`` (``-h`` is the global HOST option) and ``func``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name, help=help_text, description=help_text, add_help=False
    )
    parser.add_argument("--help", action="help", help="show this help message and exit")
    parser.set_defaults(func=func)
    return parser


def stdin_is_tty() -> bool:
    """True when standard input is a terminal someone can answer on."""
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, OSError, ValueError):
        return False


def confirm(question: str, force: bool, force_hint: str, details: str = "") -> None:
    """Ask ``question`` y/N on the terminal unless ``force``; raise CLIError unless "y".

    Without a terminal there is nobody to ask: fail and say to pass ``--force``
    (``force_hint`` completes "pass --force to ..."), rather than act unconfirmed.
    Prompt and details go to stderr so that stdout keeps only the command's output.
    """
    if force:
        return
    if not stdin_is_tty():
        raise CLIError(
            f"standard input is not a terminal, so there is no one to confirm: "
            f"pass --force to {force_hint}"
        )
    if details:
        sys.stderr.write(details.rstrip("\n") + "\n")
    sys.stderr.write(f"{question} (y/N)? ")
    sys.stderr.flush()
    line = sys.stdin.readline()
    if not line:  # end of input (Ctrl-D): end the prompt line before any error
        sys.stderr.write("\n")
    answer = line.strip().lower()
    if answer not in ("y", "yes"):
        raise CLIError(f"not confirmed: nothing done (pass --force to {force_hint})")


class CLIContext:
    """The global options resolved against pki.conf, and lazily built resources.

    Call ``close()`` when done (``main`` does); it closes the connection and the database.
    """

    def __init__(self, args: argparse.Namespace, settings: TLSSettings | None = None) -> None:
        self.settings = settings if settings is not None else load_tls_settings()
        self.printer = Printer(args.output_format)
        self.api: str | None = args.api
        self.nssdb_explicit = args.nssdb is not None
        self.nssdb_spec = self._nssdb_spec(args.nssdb)
        self.password: Secret | None = None if args.password is None else Secret(args.password)
        file_option = args.password_file or args.password_conf
        self.password_file: str | None = None
        if file_option is not None:
            self.password_file = os.path.abspath(os.path.expanduser(file_option))
        elif self.password is None and self.settings.client_password_file:
            self.password_file = self.settings.client_password_file
        self.nickname: str | None = args.nickname or self.settings.client_cert_nickname
        self.url = self._url(args)
        self._client: PKIClient | None = None
        self._nssdb: NSSDatabase | None = None
        self._stack = contextlib.ExitStack()

    # -- option resolution -----------------------------------------------------------------

    def _nssdb_spec(self, option: str | None) -> str:
        """``sql:/abs/dir`` or ``dbm:/abs/dir`` from ``-d`` or pki.conf."""
        if option is None:
            return f"{self.settings.db_type}:{self.settings.client_database}"
        db_type = self.settings.db_type
        directory = option
        for prefix in ("sql:", "dbm:"):
            if option.startswith(prefix):
                db_type, directory = prefix[:-1], option[len(prefix) :]
                break
        if not directory:
            raise CLIError(f"-d {option!r}: no directory given", exit_code=2)
        return f"{db_type}:{os.path.abspath(os.path.expanduser(directory))}"

    @staticmethod
    def _url(args: argparse.Namespace) -> str:
        if args.url:
            return str(args.url).rstrip("/")
        protocol = args.protocol or DEFAULT_PROTOCOL
        host = args.host or socket.getfqdn()
        port = args.port or DEFAULT_PORT
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"{protocol}://{host}:{port}"

    def password_kwargs(self) -> dict[str, Any]:
        """``password=`` or ``password_file=`` for ``NSSDatabase`` (or nothing)."""
        if self.password is not None:
            return {"password": self.password}
        if self.password_file is not None:
            return {"password_file": self.password_file}
        return {}

    @property
    def has_password(self) -> bool:
        return self.password is not None or self.password_file is not None

    # -- resources -------------------------------------------------------------------------

    def nssdb(self) -> NSSDatabase:
        """The NSS database, opened (and logged in when it has a password)."""
        if self._nssdb is None:
            db = NSSDatabase(self.nssdb_spec, **self.password_kwargs())
            db.open(login=self.has_password)  # listing needs no password
            self._stack.callback(db.close)
            self._nssdb = db
        return self._nssdb

    def client(self) -> PKIClient:
        """The server client: authenticated with ``-n`` from the NSS database, else anonymous
        (the database, when there is one, still provides the trust anchors)."""
        if self._client is not None:
            return self._client
        client = PKIClient(self.url, api_version=self.api)
        if self.nickname or self._database_exists():
            client.connection.set_authentication_nssdb(
                self.nssdb_spec,
                self.nickname,
                nssdb_password=self.password,
                nssdb_password_file=self.password_file,
                client_auth=bool(self.nickname),
            )
            logger.debug("%s from %s", f"authenticating as {self.nickname!r}"
                         if self.nickname else "trust anchors", self.nssdb_spec)
        else:
            logger.debug("no NSS database at %s: using the system trust only", self.nssdb_spec)
        self._stack.callback(client.close)
        self._client = client
        return client

    def _database_exists(self) -> bool:
        """Whether there is a database to take trust from (``-d`` must name one)."""
        try:
            with NSSDatabase(self.nssdb_spec).open(login=False):
                return True
        except DatabaseNotFoundError:
            if self.nssdb_explicit:
                raise
            return False

    def close(self) -> None:
        """Release the connection, the database and temporary files."""
        self._stack.close()
        self._client = None
        self._nssdb = None
