"""Reading ``pki.conf``: a safe shell-subset parser, layered files, and typed TLS settings.

Dogtag's ``pki.conf`` files are shell fragments that the ``pki`` wrapper script sources. Running
a shell to read them (as upstream's ``bash -c 'source ... && env'`` does) executes whatever the
file contains, so this module *parses* the small subset of shell that such files use instead and
refuses everything else (command substitution, commands, unsupported expansions) with a
:class:`ConfigError` naming the file and line. Nothing is ever executed.

Supported syntax, one assignment per word, words separated by blanks::

    NAME=value            # unquoted, with $NAME / ${NAME} expansion and backslash escapes
    export NAME=value     # same, the export keyword is accepted
    export NAME           # marks only; the value is not changed
    A='literal' B="x$A"   # single quotes are literal; double quotes expand $NAME / ${NAME}
    C="x"'y'z             # adjacent pieces are concatenated

``$NAME`` is looked up in the lines read so far, then in earlier layers, then in the
environment; an unknown name expands to the empty string, as in the shell. ``~`` is *not*
expanded by the parser; :func:`load_tls_settings` expands it in the path-valued settings.

Layers, later wins: :data:`DEFAULT_FILES` (missing ones skipped), then the process environment
(for :data:`KNOWN_NAMES` and names the files mention), then the explicit ``conf`` argument.

This module imports only the standard library and is cheap to import.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Union

from pki import PKIException

__all__ = [
    "DEFAULT_FILES",
    "KNOWN_NAMES",
    "ConfigError",
    "TLSSettings",
    "ConnectionSettings",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_READ_TIMEOUT",
    "DEFAULT_MAX_RESPONSE_SIZE",
    "parse",
    "read_file",
    "load",
    "load_tls_settings",
    "load_connection_settings",
]

#: The files read by :func:`load`, in order (later wins). ``~`` means the user's home.
DEFAULT_FILES: tuple[str, ...] = (
    "/usr/share/pki/etc/pki.conf",
    "/etc/pki/pki.conf",
    "~/.dogtag/pki.conf",
)

#: Variables taken from the process environment even when no file mentions them.
KNOWN_NAMES: tuple[str, ...] = (
    "SSL_STREAM_VERSION_MIN",
    "SSL_STREAM_VERSION_MAX",
    "SSL_CIPHERS",
    "SSL_DEFAULT_CIPHERS",
    "NSS_DEFAULT_DB_TYPE",
    "PKI_CLIENT_DATABASE",
    "PKI_CLIENT_CERT_NICKNAME",
    "PKI_CLIENT_PASSWORD_FILE",
    "PKI_CLIENT_SYSTEM_TRUST",
    "PKI_CLIENT_CONNECT_TIMEOUT",
    "PKI_CLIENT_READ_TIMEOUT",
    "PKI_CLIENT_MAX_RESPONSE_SIZE",
)

DEFAULT_CLIENT_DATABASE = "~/.dogtag/nssdb"

ConfSource = Union[str, "os.PathLike[str]", Mapping[str, str]]

_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BLANKS = " \t\r"
_SHELL_OPERATORS = ";&|<>()"
_NO_COMMANDS = "{} is not allowed (pki.conf is parsed, never run): write the value itself"
_ENVIRONMENT = "environment"
_ARGUMENT = "argument"


class ConfigError(PKIException):
    """A pki.conf file or setting that cannot be accepted.

    The message starts with ``path:line:`` when the problem is in a file, so that users can
    go straight to it; ``path``, ``lineno`` and ``name`` (the variable, when known) are kept
    as attributes for callers that want them separately.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        lineno: int | None = None,
        name: str | None = None,
    ) -> None:
        if path is not None:
            message = f"{path}:{lineno}: {message}" if lineno else f"{path}: {message}"
        super().__init__(message)
        self.path = path
        self.lineno = lineno
        self.name = name


class _Entry(NamedTuple):
    """A value and where it came from (a file and line, the environment, or an argument)."""

    value: str
    source: str
    lineno: int | None = None

    def where(self) -> str:
        return f"{self.source}:{self.lineno}" if self.lineno is not None else self.source


class _Parser:
    """Tokenizer/evaluator for the shell subset described in the module docstring.

    It works line by line (multi-line quotes and backslash-newline continuations are refused)
    and applies each assignment at once, so ``A=1 B=$A`` on one line gives ``B=1`` as in sh.
    """

    def __init__(self, path: str, outer: Mapping[str, str]) -> None:
        self.path = path
        self.outer = outer
        self.entries: dict[str, _Entry] = {}
        self.exported: set[str] = set()
        self.text = ""
        self.pos = 0
        self.lineno = 0

    def parse(self, text: str) -> _Parser:
        for lineno, line in enumerate(text.split("\n"), start=1):
            self.text, self.pos, self.lineno = line, 0, lineno
            self._line()
        return self

    def _error(self, what: str) -> ConfigError:
        return ConfigError(what, path=self.path, lineno=self.lineno)

    def _lookup(self, name: str) -> str:
        entry = self.entries.get(name)
        return entry.value if entry is not None else self.outer.get(name, "")

    def _skip_blanks(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in _BLANKS:
            self.pos += 1

    def _at_end(self) -> bool:
        """True at the end of the line or at a ``#`` that starts a word (a comment)."""
        return self.pos >= len(self.text) or self.text[self.pos] == "#"

    def _line(self) -> None:
        self._skip_blanks()
        if self._at_end():
            return
        text = self.text
        export = text.startswith("export", self.pos) and (
            self.pos + 6 == len(text) or text[self.pos + 6] in _BLANKS
        )
        if export:
            self.pos += 6
            self._skip_blanks()
            if self._at_end():
                raise self._error("'export' needs a NAME or NAME=value")
        while not self._at_end():
            self._assignment(export)
            self._skip_blanks()

    def _assignment(self, export: bool) -> None:
        text, start = self.text, self.pos
        m = _NAME_RE.match(text, start)
        end = m.end() if m else start
        if m and end < len(text) and text[end] == "=":
            self.pos = end + 1
            name, lineno = m.group(), self.lineno
            self.entries[name] = _Entry(self._word(), self.path, lineno)
            if export:
                self.exported.add(name)
        elif m and export and (end == len(text) or text[end] in _BLANKS):
            self.exported.add(m.group())
            self.pos = end
        else:
            word = re.split(f"[{_BLANKS}]", text[start:], maxsplit=1)[0]  # the parser's blanks
            if "=" in word and not word.startswith("="):
                raise self._error(f"invalid variable name {word.split('=', 1)[0]!r}")
            raise self._error(
                f"not an assignment: {word!r} (pki.conf is parsed, never run; only"
                " NAME=value, export NAME=value and export NAME lines are allowed)"
            )

    def _word(self) -> str:
        """Read one value word: quoted and unquoted pieces up to an unquoted blank."""
        text, out = self.text, []
        while self.pos < len(text):
            c = text[self.pos]
            if c in _BLANKS:
                break
            if c == "'":
                close = text.find("'", self.pos + 1)
                if close < 0:
                    raise self._error("unterminated single quote: close it on the same line")
                out.append(text[self.pos + 1 : close])
                self.pos = close + 1
            elif c == '"':
                self.pos += 1
                self._double_quoted(out)
            elif c == "\\":
                if self.pos + 1 >= len(text):
                    raise self._error("a backslash at the end of a line is not supported")
                out.append(text[self.pos + 1])
                self.pos += 2
            elif c == "$":
                self._dollar(out, quoted=False)
            elif c == "`":
                raise self._error(_NO_COMMANDS.format("command substitution with backquotes"))
            elif c in _SHELL_OPERATORS:
                raise self._error(f"unsupported shell syntax {c!r} (quote the value)")
            else:
                out.append(c)
                self.pos += 1
        return "".join(out)

    def _double_quoted(self, out: list[str]) -> None:
        text = self.text
        while self.pos < len(text):
            c = text[self.pos]
            if c == '"':
                self.pos += 1
                return
            if c == "\\" and self.pos + 1 < len(text) and text[self.pos + 1] in '"\\$`':
                out.append(text[self.pos + 1])
                self.pos += 2
            elif c == "$":
                self._dollar(out, quoted=True)
            elif c == "`":
                raise self._error(_NO_COMMANDS.format("command substitution with backquotes"))
            else:
                out.append(c)
                self.pos += 1
        raise self._error("unterminated double quote: close it on the same line")

    def _dollar(self, out: list[str], *, quoted: bool) -> None:
        text, i = self.text, self.pos
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if nxt == "(":
            raise self._error(_NO_COMMANDS.format("command substitution $(...)"))
        if nxt == "{":
            close = text.find("}", i + 2)
            if close < 0:
                raise self._error("unterminated ${")
            if not _NAME_RE.fullmatch(text, i + 2, close):
                raise self._error(
                    f"unsupported expansion {text[i : close + 1]!r}; only ${{NAME}} is supported"
                )
            out.append(self._lookup(text[i + 2 : close]))
            self.pos = close + 1
            return
        m = _NAME_RE.match(text, i + 1)
        if m:
            out.append(self._lookup(m.group()))
            self.pos = m.end()
            return
        if nxt and (nxt.isdigit() or nxt in "@*#?$!-"):
            raise self._error(f"special parameter ${nxt} is not supported")
        if nxt and nxt in "'\"" and not quoted:
            raise self._error(f"{'$' + nxt}...{nxt} quoting is not supported")
        out.append("$")  # a lone $ is literal in sh, e.g. "a$" or "$/"
        self.pos = i + 1


def _parse(text: str, path: str, outer: Mapping[str, str]) -> _Parser:
    return _Parser(path, outer).parse(text)


def parse(
    text: str, *, path: str = "<string>", environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Parse pki.conf text and return the variables it assigns, in order of first assignment.

    ``path`` is only used in error messages. ``$NAME`` that the text has not assigned yet is
    looked up in ``environ`` (default: ``os.environ``), and is empty if it is not there either.
    Raises :class:`ConfigError` for anything outside the supported shell subset.
    """
    outer = os.environ if environ is None else environ
    return {name: e.value for name, e in _parse(text, path, outer).entries.items()}


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except UnicodeDecodeError as e:
        raise ConfigError(
            f"not valid UTF-8 ({e.reason} at byte {e.start}): save the file as UTF-8",
            path=path,
        ) from e


def _os_error(path: str, e: OSError) -> ConfigError:
    err = ConfigError(f"cannot read: {e.strerror or e}", path=path)
    err.__cause__ = e
    return err


def read_file(
    path: str | os.PathLike[str], *, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Parse one pki.conf file (see :func:`parse`); a missing or unreadable file is an error."""
    path = os.fspath(path)
    try:
        text = _read_text(path)
    except OSError as e:
        raise _os_error(path, e) from e
    return parse(text, path=path, environ=environ)


def _home(environ: Mapping[str, str]) -> str:
    return environ.get("HOME") or os.path.expanduser("~")


def _expand_home(path: str, environ: Mapping[str, str]) -> str:
    """Expand a leading ``~`` (with ``HOME`` from ``environ``, so tests can point it away)."""
    if path == "~" or path.startswith("~/"):
        return _home(environ) + path[1:]
    return os.path.expanduser(path)


def _load_entries(
    conf: ConfSource | None,
    files: Sequence[str] | None,
    environ: Mapping[str, str],
) -> dict[str, _Entry]:
    """Merge all layers, keeping for each variable its value and where that came from."""
    merged: dict[str, _Entry] = {}
    mentioned: set[str] = set(KNOWN_NAMES)

    def read_layer(path: str, missing_ok: bool) -> None:
        try:
            text = _read_text(path)
        except (FileNotFoundError, NotADirectoryError) as e:
            if missing_ok:
                return
            raise _os_error(path, e) from e
        except OSError as e:
            raise _os_error(path, e) from e
        outer = {**environ, **{name: e.value for name, e in merged.items()}}
        parser = _parse(text, path, outer)
        merged.update(parser.entries)
        mentioned.update(parser.entries, parser.exported)

    for path in DEFAULT_FILES if files is None else files:
        read_layer(_expand_home(os.fspath(path), environ), missing_ok=True)

    for name in sorted(mentioned):
        if name in environ:
            merged[name] = _Entry(environ[name], _ENVIRONMENT)

    if isinstance(conf, Mapping):
        for name, value in conf.items():
            if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
                raise ConfigError(f"invalid variable name {name!r} in the conf argument")
            if not isinstance(value, str):
                raise ConfigError(
                    f"{name} in the conf argument must be a string, not {type(value).__name__}",
                    name=name,
                )
            merged[name] = _Entry(value, _ARGUMENT)
    elif conf is not None:
        read_layer(_expand_home(os.fspath(conf), environ), missing_ok=False)
    return merged


def load(
    conf: ConfSource | None = None,
    *,
    files: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Return the merged pki.conf variables of all layers (later wins).

    Layers: ``files`` (default :data:`DEFAULT_FILES`; missing ones are skipped, unreadable
    ones raise), then ``environ`` (default ``os.environ``) for :data:`KNOWN_NAMES` and every
    name the files assign or export, then ``conf``: a Mapping of NAME to value, or the path of
    one more file (which must exist). Values are raw strings; see :func:`load_tls_settings`.
    """
    env = os.environ if environ is None else environ
    return {name: e.value for name, e in _load_entries(conf, files, env).items()}


@dataclass(frozen=True)
class TLSSettings:
    """The validated client TLS/NSS settings.

    Frozen, hashable and comparable. Nothing here can switch off server certificate
    verification: only the program can (``PKIConnection(verify=False)``).
    """

    min_version: str  # "TLS_1_2" or "TLS_1_3"
    max_version: str | None  # None: the newest the TLS library supports
    ciphers: tuple[str, ...]  # enabled via SSL_CIPHERS: upper-case IANA names or hex IDs as given
    disabled_ciphers: tuple[str, ...]  # given with a '-' prefix in SSL_CIPHERS
    default_ciphers: bool  # SSL_DEFAULT_CIPHERS: start from the library's default list
    db_type: str  # "sql" or "dbm"
    client_database: str  # absolute NSSDB directory, without an sql:/dbm: prefix
    client_cert_nickname: str | None
    client_password_file: str | None  # absolute path
    use_system_trust: bool = True  # also trust the OS store, not only the NSSDB's anchors
    # PKI_CLIENT_DATABASE was set: programs that name no database use client_database
    # (unset, client_database is only the default the pki command falls back to)
    client_database_configured: bool = False


_TLS_VERSIONS = ("TLS_1_2", "TLS_1_3")  # in increasing order
_VERSION_RE = re.compile(r"(SSL|TLS)V?_?(\d)(?:[._](\d))?", re.IGNORECASE)
_CIPHER_NAME_RE = re.compile(r"(?:TLS|SSL)_[A-Z0-9_]+", re.IGNORECASE)
_CIPHER_HEX_RE = re.compile(r"0[xX][0-9A-Fa-f]{1,4}")
_TRUE = ("true", "yes", "1")
_FALSE = ("false", "no", "0")
_DB_PREFIX_RE = re.compile(r"(sql|dbm):(.*)", re.DOTALL)


def _invalid(name: str, entry: _Entry, problem: str) -> ConfigError:
    """An error naming the variable, its value and where that value came from."""
    if entry.lineno is not None:  # from a file: "path:line: NAME='value': problem"
        message = f"{name}={entry.value!r}: {problem}"
        return ConfigError(message, path=entry.source, lineno=entry.lineno, name=name)
    return ConfigError(f"{name}={entry.value!r} (from {entry.source}): {problem}", name=name)


def _setting(entries: Mapping[str, _Entry], name: str) -> _Entry | None:
    """The entry for ``name``; an empty value counts as unset (upstream shipped ``=""``)."""
    entry = entries.get(name)
    return entry if entry is not None and entry.value.strip() else None


def _tls_version(entries: Mapping[str, _Entry], name: str) -> str | None:
    entry = _setting(entries, name)
    if entry is None:
        return None
    accepted = "accepted values: " + ", ".join(_TLS_VERSIONS)
    m = _VERSION_RE.fullmatch(entry.value.strip())
    version = f"{m[1].upper()}_{m[2]}_{m[3] or '0'}" if m else ""
    if version.startswith("SSL_") or version in ("TLS_1_0", "TLS_1_1"):
        raise _invalid(name, entry, f"{version} is insecure and refused; {accepted}")
    if version not in _TLS_VERSIONS:
        raise _invalid(name, entry, f"unknown TLS version; {accepted}")
    return version


def _boolean(entries: Mapping[str, _Entry], name: str, default: bool) -> bool:
    entry = _setting(entries, name)
    if entry is None:
        return default
    value = entry.value.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise _invalid(name, entry, "not a boolean; use true/false, yes/no or 1/0")


def _ciphers(entries: Mapping[str, _Entry]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    entry = _setting(entries, "SSL_CIPHERS")
    if entry is None:
        return (), ()
    enabled: dict[str, None] = {}  # dicts keep order and drop repeats
    disabled: dict[str, None] = {}
    for token in re.split(r"[\s,]+", entry.value.strip()):
        if not token:
            continue
        cipher = token[1:] if token[0] in "+-" else token
        if _CIPHER_NAME_RE.fullmatch(cipher):
            cipher = cipher.upper()
        elif not _CIPHER_HEX_RE.fullmatch(cipher):
            raise _invalid(
                "SSL_CIPHERS",
                entry,
                f"{token!r} is neither an IANA cipher suite name such as"
                " TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 nor a hex ID such as 0xC02F",
            )
        (disabled if token[0] == "-" else enabled)[cipher] = None
    both = [c for c in enabled if c in disabled]
    if both:
        raise _invalid(
            "SSL_CIPHERS", entry, f"{both[0]} is both enabled and disabled: keep only one"
        )
    return tuple(enabled), tuple(disabled)


def _path(entries: Mapping[str, _Entry], name: str, environ: Mapping[str, str]) -> str | None:
    entry = _setting(entries, name)
    if entry is None:
        return None
    return os.path.abspath(_expand_home(entry.value.strip(), environ))


def load_tls_settings(
    conf: ConfSource | None = None,
    *,
    files: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> TLSSettings:
    """Load the layers like :func:`load` and validate them into a :class:`TLSSettings`.

    Empty values count as unset. TLS versions below 1.2 are refused, not silently raised, so
    that an old config that asked for them is noticed. ``PKI_CLIENT_DATABASE`` may carry an
    NSS ``sql:``/``dbm:`` prefix; it is removed and then decides ``db_type`` (as in NSS, the
    prefix wins over ``NSS_DEFAULT_DB_TYPE``). Paths have ``~`` expanded and are made absolute.
    Raises :class:`ConfigError` naming the variable, its value and where it came from.
    """
    env = os.environ if environ is None else environ
    entries = _load_entries(conf, files, env)

    min_version = _tls_version(entries, "SSL_STREAM_VERSION_MIN") or _TLS_VERSIONS[0]
    max_version = _tls_version(entries, "SSL_STREAM_VERSION_MAX")
    order = _TLS_VERSIONS.index
    if max_version is not None and order(min_version) > order(max_version):
        lo = entries["SSL_STREAM_VERSION_MIN"]
        hi = entries["SSL_STREAM_VERSION_MAX"]
        raise ConfigError(
            f"SSL_STREAM_VERSION_MIN={min_version} (from {lo.where()}) is above"
            f" SSL_STREAM_VERSION_MAX={max_version} (from {hi.where()}): lower the one or"
            " raise the other",
            name="SSL_STREAM_VERSION_MIN",
        )

    ciphers, disabled = _ciphers(entries)
    default_ciphers = _boolean(entries, "SSL_DEFAULT_CIPHERS", True)
    if not default_ciphers and not ciphers:
        where = entries["SSL_DEFAULT_CIPHERS"].where()
        raise ConfigError(
            f"SSL_DEFAULT_CIPHERS is false (from {where}) and SSL_CIPHERS enables no cipher:"
            " no cipher suite would be left; list the ones to use in SSL_CIPHERS, or set"
            " SSL_DEFAULT_CIPHERS=true",
            name="SSL_DEFAULT_CIPHERS",
        )

    db_type = "sql"
    db_entry = _setting(entries, "NSS_DEFAULT_DB_TYPE")
    if db_entry is not None:
        db_type = db_entry.value.strip().lower()
        if db_type not in ("sql", "dbm"):
            raise _invalid("NSS_DEFAULT_DB_TYPE", db_entry, "accepted values: sql, dbm")

    database = DEFAULT_CLIENT_DATABASE
    database_entry = _setting(entries, "PKI_CLIENT_DATABASE")
    if database_entry is not None:
        database = database_entry.value.strip()
        m = _DB_PREFIX_RE.fullmatch(database)
        if m:
            db_type, database = m[1], m[2]
            if not database:
                raise _invalid(
                    "PKI_CLIENT_DATABASE", database_entry,
                    f"no directory after {m[1]}:; write {m[1]}:/path/to/nssdb",
                )
    nickname = _setting(entries, "PKI_CLIENT_CERT_NICKNAME")

    return TLSSettings(
        min_version=min_version,
        max_version=max_version,
        ciphers=ciphers,
        disabled_ciphers=disabled,
        default_ciphers=default_ciphers,
        db_type=db_type,
        client_database=os.path.abspath(_expand_home(database, env)),
        client_cert_nickname=nickname.value if nickname is not None else None,
        client_password_file=_path(entries, "PKI_CLIENT_PASSWORD_FILE", env),
        use_system_trust=_boolean(entries, "PKI_CLIENT_SYSTEM_TRUST", True),
        client_database_configured=database_entry is not None,
    )


#: Seconds to wait for the TCP connection and the TLS handshake (see ConnectionSettings).
DEFAULT_CONNECT_TIMEOUT = 10.0
#: Seconds the server may stay silent while the client waits for (more of) an answer.
DEFAULT_READ_TIMEOUT = 60.0
#: Bytes of a body the resource clients read before they give up parsing it as JSON.
DEFAULT_MAX_RESPONSE_SIZE = 4 * 1024 * 1024
_MIN_RESPONSE_SIZE = 1024
_SECONDS_RE = re.compile(r"[0-9]{1,9}(?:\.[0-9]{0,9})?|\.[0-9]{1,9}")
_BYTES_RE = re.compile(r"[0-9]{1,18}")


@dataclass(frozen=True)
class ConnectionSettings:
    """How long a connection waits and how much JSON it reads (``PKI_CLIENT_*`` names).

    ``connect_timeout`` bounds the TCP connection and the TLS handshake; ``read_timeout``
    bounds each wait for data from the server (headers or the next piece of a body), not
    the whole transfer. ``max_response_size`` is the largest body, in bytes, that the
    resource clients read and parse as JSON.

    The defaults: 10 s is far more than a reachable server needs to accept a connection
    and finish a handshake, even over a slow WAN; 60 s of silence covers Dogtag's slowest
    ordinary answers (LDAP searches bounded by ``maxTime``, KRA key generation and
    recovery) while still ending a hung call within a minute; 4 MiB holds thousands of
    certificate entries in one page of a search (an entry is well under 1 KiB; Dogtag's
    default page is 20), far above what Dogtag sends for one object, and small enough that
    a hostile answer costs little memory.
    """

    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE


def _seconds(entries: Mapping[str, _Entry], name: str, default: float) -> float:
    entry = _setting(entries, name)
    if entry is None:
        return default
    text = entry.value.strip()
    value = float(text) if _SECONDS_RE.fullmatch(text) else 0.0
    if not value > 0:
        raise _invalid(name, entry, "not a number of seconds above 0, such as 10 or 2.5")
    return value


def _byte_count(entries: Mapping[str, _Entry], name: str, default: int) -> int:
    entry = _setting(entries, name)
    if entry is None:
        return default
    text = entry.value.strip()
    if not _BYTES_RE.fullmatch(text):  # no sign, suffix, underscore or decimal point
        raise _invalid(name, entry, "not a number of bytes, such as 4194304 (4 MiB)")
    value = int(text)
    if value < _MIN_RESPONSE_SIZE:
        raise _invalid(name, entry, f"below the smallest accepted size, {_MIN_RESPONSE_SIZE}")
    return value


def load_connection_settings(
    conf: ConfSource | None = None,
    *,
    files: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> ConnectionSettings:
    """Load the layers like :func:`load` and validate the connection settings.

    ``PKI_CLIENT_CONNECT_TIMEOUT`` and ``PKI_CLIENT_READ_TIMEOUT`` are seconds (decimals
    allowed, above 0), ``PKI_CLIENT_MAX_RESPONSE_SIZE`` is bytes (at least 1024); empty
    values count as unset. Raises :class:`ConfigError` naming the variable, its value and
    where it came from.
    """
    env = os.environ if environ is None else environ
    entries = _load_entries(conf, files, env)
    return ConnectionSettings(
        connect_timeout=_seconds(entries, "PKI_CLIENT_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT),
        read_timeout=_seconds(entries, "PKI_CLIENT_READ_TIMEOUT", DEFAULT_READ_TIMEOUT),
        max_response_size=_byte_count(
            entries, "PKI_CLIENT_MAX_RESPONSE_SIZE", DEFAULT_MAX_RESPONSE_SIZE
        ),
    )
