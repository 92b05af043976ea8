"""What every command gets: the resolved global options, the server client, the NSS database.

``CLIContext`` turns the global options plus the pki.conf defaults into what the library
needs: an NSS database spec (``sql:``/``dbm:`` prefixed), a password or password file, a
client certificate nickname or a Basic-auth user, and a server URL. The ``PKIClient`` and
the ``NSSDatabase`` are created on first use only, so ``pki --help`` or a usage error never
touch NSS or the network.

Without ``-n`` or ``-u`` the client is anonymous, as with the Java CLI, but the server's
certificate is still checked against the CA certificates trusted in the NSS database (the
database provides the trust anchors, opened without its password).

As the Java CLI does, the first server request reads ``/pki/<api>/info``; when the server
shows an access banner (once per session), the user must accept it (y/N on standard input)
unless ``--ignore-banner``.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import logging
import os
import re
import socket
import sys
import warnings
from collections.abc import Callable
from typing import Any, TextIO

import urllib3

from pki.account import AccountClient
from pki.cli.options import cert_statuses, command_options_parent
from pki.cli.output import Printer
from pki.client import PKIClient
from pki.conf import TLSSettings, load_tls_settings
from pki.info import Info, InfoClient
from pki.nssdb import DatabaseNotFoundError, NSSDatabase, Secret

__all__ = [
    "CLIContext",
    "CLIError",
    "Command",
    "add_command",
    "ask",
    "confirm",
    "nssdb_spec",
    "stdin_is_tty",
    "warn",
]

logger = logging.getLogger(__name__)

#: A command: takes the context and its parsed arguments, returns the exit status.
Command = Callable[["CLIContext", argparse.Namespace], int]

DEFAULT_PROTOCOL = "https"
DEFAULT_PORT = 8443
#: --ignore-cert-status values that make the Python commands skip server verification.
_TRUST_STATUSES = ("UNTRUSTED_ISSUER", "UNKNOWN_ISSUER")
#: ``word:`` before a directory, as in ``sq:/dir`` (a typo for ``sql:/dir``)
_TYPE_PREFIX = re.compile(r"([A-Za-z][A-Za-z0-9]*):(?!//)")
_INTERNAL_TOKENS = ("internal", "internal key storage token", "nss certificate db")


class CLIError(Exception):
    """A failure the CLI itself detects; ``exit_code`` is the process exit status."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def add_command(
    subparsers: Any,
    name: str,
    help_text: str,
    func: Command,
    *,
    own_options: tuple[str, ...] = (),
) -> argparse.ArgumentParser:
    """Add the command ``name`` running ``func``, with ``--help`` (``-h`` is the global HOST
    option) and the global options the Java CLI also accepts after the command.

    ``own_options``: flags of those that the command defines itself, as its Java twin does
    (``ca-cert-issue --output-format PEM``).
    """
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        help=help_text,
        description=help_text,
        add_help=False,
        parents=[command_options_parent(own_options)],
    )
    parser.add_argument("--help", action="help", help="show this help message and exit")
    parser.set_defaults(func=func)
    return parser


def warn(message: str) -> None:
    """One ``WARNING:`` line on standard error."""
    sys.stderr.write(f"WARNING: {message}\n")


def stdin_is_tty() -> bool:
    """True when standard input is a terminal someone can answer on."""
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, OSError, ValueError):
        return False


def ask(question: str, details: str = "", stream: TextIO | None = None) -> str | None:
    """Show ``details`` and ``question`` on ``stream`` (stdout by default, as the Java CLI)
    and read one answer line from standard input, terminal or not; None at end of input."""
    out = stream if stream is not None else sys.stdout
    if details:
        out.write(details.rstrip("\n") + "\n")
    out.write(question)
    out.flush()
    try:
        line = sys.stdin.readline() if sys.stdin is not None else ""
    except (OSError, ValueError):  # closed or unreadable standard input: no answer
        line = ""
    if not line or not stdin_is_tty():  # end the line a terminal would have ended
        out.write("\n")
        out.flush()
    return line.strip() if line else None


def confirm(
    question: str,
    force: bool,
    force_hint: str,
    details: str = "",
    *,
    stream: TextIO | None = None,
    choices: str = "y/N",
) -> None:
    """Ask ``question (y/N)?`` unless ``force``; raise CLIError unless the answer is yes.

    The answer is read from standard input whether or not it is a terminal
    (``echo y | pki ca-cert-revoke 0x5``); ``force_hint`` completes "pass --force to ...".
    """
    if force:
        return
    answer = ask(f"{question} ({choices})? ", details, stream)
    if answer is None:
        raise CLIError(
            f"no answer on standard input, so nothing was done: pass --force to {force_hint} "
            "without being asked"
        )
    if answer.lower() not in ("y", "yes"):
        raise CLIError(f"not confirmed: nothing done (pass --force to {force_hint})")


def nssdb_spec(option: str | None, settings: TLSSettings) -> str:
    """``sql:/abs/dir`` or ``dbm:/abs/dir`` from ``-d`` (``option``) or pki.conf."""
    if option is None:
        return f"{settings.db_type}:{settings.client_database}"
    db_type = settings.db_type
    directory = option
    for prefix in ("sql:", "dbm:"):
        if option.startswith(prefix):
            db_type, directory = prefix[:-1], option[len(prefix) :]
            break
    else:
        typo = _TYPE_PREFIX.match(option)
        if typo is not None and not os.path.exists(os.path.expanduser(option)):
            rest = option[typo.end() :]
            raise CLIError(
                f"-d {option}: '{typo.group(1)}:' is not an NSS database type; write "
                f"sql:{rest} or dbm:{rest} (or the directory alone)",
                exit_code=2,
            )
    if not directory:
        raise CLIError(f"-d {option!r}: no directory given", exit_code=2)
    return f"{db_type}:{os.path.abspath(os.path.expanduser(directory))}"


class CLIContext:
    """The global options resolved against pki.conf, and lazily built resources.

    Call ``close()`` when done (``main`` does); it closes the connection and the database.
    """

    def __init__(self, args: argparse.Namespace, settings: TLSSettings | None = None) -> None:
        self.settings = settings if settings is not None else load_tls_settings()
        self.printer = Printer(getattr(args, "output_format", None) or "text")
        self.api: str | None = getattr(args, "api", None)
        nssdb_option = getattr(args, "nssdb", None)
        self.nssdb_explicit = nssdb_option is not None
        self.nssdb_spec = nssdb_spec(nssdb_option, self.settings)
        password = getattr(args, "password", None)
        self.password: Secret | None = None if password is None else Secret(password)
        #: where the database password comes from, as the user gave it: ``-c``, ``-C FILE``,
        #: ``-f FILE`` or ``PKI_CLIENT_PASSWORD_FILE=FILE`` (None: nowhere)
        self.password_option: str | None = None if password is None else "-c"
        file_option = getattr(args, "password_file", None) or getattr(args, "password_conf", None)
        self.password_file: str | None = None
        if file_option is not None:
            self.password_file = os.path.abspath(os.path.expanduser(file_option))
            flag = "-C" if getattr(args, "password_file", None) else "-f"
            self.password_option = f"{flag} {file_option}"
        elif self.password is None and self.settings.client_password_file:
            self.password_file = self.settings.client_password_file
            self.password_option = f"PKI_CLIENT_PASSWORD_FILE={self.password_file}"
        self.username: str | None = getattr(args, "username", None)
        self.nickname: str | None = None
        if not self.username:
            self.nickname = getattr(args, "nickname", None) or self.settings.client_cert_nickname
        user_password = getattr(args, "user_password", None)
        self._user_password = None if user_password is None else Secret(user_password)
        self._user_password_file: str | None = getattr(args, "user_password_file", None)
        self.ignore_banner = bool(getattr(args, "ignore_banner", False))
        self.verify_server = self._verify_server(getattr(args, "ignore_cert_status", None))
        self._check_unsupported(args)
        self.url = self._url(args)
        self.server_info: Info | None = None
        self._client: PKIClient | None = None
        self._nssdb: NSSDatabase | None = None
        self._sessions: set[str] = set()
        self._stack = contextlib.ExitStack()

    # -- option resolution -----------------------------------------------------------------

    @property
    def nssdb_directory(self) -> str:
        """The database directory without its ``sql:``/``dbm:`` prefix."""
        return self.nssdb_spec.partition(":")[2]

    @staticmethod
    def _url(args: argparse.Namespace) -> str:
        if getattr(args, "url", None):
            return str(args.url).rstrip("/")
        protocol = getattr(args, "protocol", None) or DEFAULT_PROTOCOL
        host = getattr(args, "host", None) or socket.getfqdn()
        port = getattr(args, "port", None) or DEFAULT_PORT
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"{protocol}://{host}:{port}"

    @staticmethod
    def _verify_server(ignore: str | None) -> bool:
        """False when ``--ignore-cert-status`` names an issuer status (warned about)."""
        statuses = cert_statuses(ignore)
        trust = [s for s in statuses if s in _TRUST_STATUSES]
        others = [s for s in statuses if s not in _TRUST_STATUSES]
        if others:
            warn(
                f"--ignore-cert-status {','.join(others)}: the Python commands cannot ignore "
                "this alone and still enforce it"
            )
        if trust:
            warn(
                f"--ignore-cert-status {','.join(trust)}: the server's certificate is not "
                "verified at all (neither its issuer, nor its name, nor its dates)"
            )
            return False
        return True

    @staticmethod
    def _check_unsupported(args: argparse.Namespace) -> None:
        token = getattr(args, "token", None)
        if token and token.strip().lower() not in _INTERNAL_TOKENS:
            raise CLIError(
                f"--token {token}: the Python commands use only the NSS database's internal "
                "token; run this command with the Java pki CLI for hardware tokens",
                exit_code=2,
            )
        if getattr(args, "message_format", None) == "xml":
            raise CLIError(
                "--message-format xml: the Python commands speak JSON only", exit_code=2
            )
        if getattr(args, "http_output", None):
            warn("--http-output is ignored by the Python commands (the Java CLI uses it)")
        if getattr(args, "subsystem", None):
            warn(f"-t is deprecated and ignored: use 'pki {args.subsystem}-...' commands")
        if getattr(args, "client_type", None):
            warn("--client-type is no longer supported and is ignored")

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

    def user_password(self) -> Secret:
        """The ``-u`` user's password: ``-w``, the first line of ``-W``, or asked for."""
        if self._user_password is None:
            if self._user_password_file is not None:
                path = os.path.expanduser(self._user_password_file)
                try:
                    with open(path, encoding="utf-8") as f:
                        first = f.readline()
                except OSError as exc:
                    raise CLIError(f"-W {path}: {exc.strerror or exc}") from None
                self._user_password = Secret(first.rstrip("\r\n"))
            elif stdin_is_tty():
                self._user_password = Secret(getpass.getpass("Enter Password: "))
            else:
                answer = ask("Enter Password: ", stream=self.printer.prompt_stream)
                if answer is None:
                    raise CLIError(f"no password for user {self.username}: pass -W FILE")
                self._user_password = Secret(answer)
        return self._user_password

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
        """The server client: authenticated with ``-n`` from the NSS database, or with
        ``-u`` (HTTP Basic), else anonymous; the database, when there is one, provides the
        trust anchors. The first call also checks the server's access banner."""
        if self._client is not None:
            return self._client
        client = PKIClient(self.url, api_version=self.api, verify=self.verify_server)
        self._stack.callback(client.close)
        if not self.verify_server:  # said once by _verify_server, not at every request
            self._stack.enter_context(warnings.catch_warnings())
            warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
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
        if self.username:
            client.connection.authenticate(self.username, self.user_password())
            logger.debug("HTTP Basic authentication as %r", self.username)
        self._client = client
        self._read_server_info(client)
        return client

    def login(self, subsystem: str = "ca") -> PKIClient:
        """The client, logged in to ``subsystem`` when the user authenticates (``-n`` or
        ``-u``), as the Java CLI logs in before every subsystem command.

        Resources outside the constrained URLs (``authorities``, ``securityDomain``)
        authenticate nobody by themselves: the server takes the caller from the session
        that ``account/login`` opens. The session is closed (logout) with the context.
        """
        client = self.client()
        if (self.nickname or self.username) and subsystem not in self._sessions:
            account = AccountClient(client, subsystem)
            account.login()
            self._sessions.add(subsystem)
            self._stack.callback(self._logout, account)
        return client

    @staticmethod
    def _logout(account: AccountClient) -> None:
        try:
            account.logout()
        except Exception as exc:  # the command's own result matters more
            logger.debug("logout failed: %s", exc)

    def _read_server_info(self, client: PKIClient) -> None:
        """Read the server's info once, as the Java CLI does, and show its banner."""
        try:
            self.server_info = InfoClient(client).get_info()
        except Exception as exc:
            response = getattr(exc, "response", None)
            status = getattr(response, "status_code", None) or getattr(exc, "code", None)
            if status != 404:
                raise
            logger.warning("the server has no info resource (HTTP 404): %s", exc)
            return
        banner = getattr(self.server_info, "banner", None)
        if banner and not self.ignore_banner:
            answer = ask(f"{banner}\n\nDo you want to proceed (y/N)? ", stream=sys.stderr)
            if answer is None or answer.lower() not in ("y", "yes"):
                raise CLIError("the server's access banner was not accepted: nothing done")

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
