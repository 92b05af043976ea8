"""Helpers that Dogtag's own tools import from ``pki.util`` (upstream master's names).

File operations as Dogtag's installers use them (copy trees with owners and modes, customise
template files, remove things), Java-style ``.properties`` files, ``read_text`` for prompts,
``read_environment_files`` for ``pki.conf``, and ``Version``.

This module sits at the bottom of the package: it imports nothing from ``pki`` but the root
(and ``pki.conf``, when ``read_environment_files`` runs), and no HTTP or NSS code, so that
server tools and scripts can use it on their own.

``read_environment_files`` *parses* the pki.conf files with ``pki.conf`` where upstream
sources them with bash: nothing in them is executed.

``Version`` here is upstream's *release* version (``major.minor.patch`` with an optional
suffix such as ``-beta1``, compared on the three numbers). It is what
``PKIClient.get_server_version()`` returns. ``pki.info.Version`` is a different, older class
(a tuple) that upstream also keeps; both exist so that code written for either runs.
"""

from __future__ import annotations

import functools
import getpass
import logging
import operator
import os
import re
import shutil
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from shutil import Error
from typing import Any

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_PKI_ENV_LIST",
    "Error",
    "Version",
    "chmod",
    "chown",
    "copy",
    "copydirs",
    "copyfile",
    "copytree",
    "customize_file",
    "load_properties",
    "makedirs",
    "read_environment_files",
    "read_text",
    "remove",
    "replace_params",
    "rmtree",
    "set_property",
    "store_properties",
    "symlink",
    "unlink",
]

#: The pki.conf files ``read_environment_files`` reads by default, in order.
DEFAULT_PKI_ENV_LIST = [
    "/usr/share/pki/etc/pki.conf",
    "/etc/pki/pki.conf",
]

#: upstream keeps the name for Windows; there is no such error here
WindowsError: type[OSError] | None = None

_VERSION_RE = re.compile(r"^(\d+)\.(\d+)\.(\d+)")


def _is_root() -> bool:
    return os.geteuid() == 0


# -- templates and parameters ----------------------------------------------------------------


def replace_params(line: str, params: Mapping[str, Any] | None = None) -> str:
    """Replace each ``[name]`` in ``line`` by ``str(params[name])``.

    Unknown names stay as they are (with a warning); a ``[`` without a closing ``]`` ends
    the substitution, as upstream.
    """
    if not params:
        return line
    begin = line.find("[")
    while begin >= 0:
        end = line.find("]", begin + 1)
        if end < 0:
            return line
        name = line[begin + 1 : end]
        if name in params:
            value = str(params[name])
            line = line[:begin] + value + line[end + 1 :]
            end = begin + len(value)
        else:
            logger.warning("Ignoring %s parameter", line[begin : end + 1])
        begin = line.find("[", end)
    return line


def customize_file(input_file: str, output_file: str, params: Mapping[str, str]) -> None:
    """Copy a text file, replacing every occurrence of each key of ``params`` by its value."""
    with open(input_file, encoding="utf-8") as infile, open(
        output_file, "w", encoding="utf-8"
    ) as outfile:
        for line in infile:
            for source, target in params.items():
                line = line.replace(source, target)
            outfile.write(line)


# -- files and directories ---------------------------------------------------------------------


def makedirs(
    path: str,
    mode: int = 0o777,
    exist_ok: bool = False,
    uid: int = -1,
    gid: int = -1,
    force: bool = False,
) -> None:
    """Create ``path`` and missing parents, each owned by ``uid``/``gid`` when run as root.

    With ``force`` an existing directory is left alone (with a warning).
    """
    parent = os.path.dirname(path)
    if parent and not os.path.exists(parent):
        makedirs(parent, mode=mode, exist_ok=exist_ok, uid=uid, gid=gid, force=force)
    if force and os.path.exists(path):
        logger.warning("Directory already exists: %s", path)
        return
    logger.debug("Command: mkdir %s", path)
    os.makedirs(path, mode=mode, exist_ok=exist_ok)
    if _is_root():
        os.chown(path, uid, gid)


def symlink(
    source: str, dest: str, uid: int = -1, gid: int = -1, exist_ok: bool = False
) -> None:
    """Create the link ``dest`` -> ``source`` (kept if it exists and ``exist_ok``)."""
    logger.debug("Command: ln -s %s %s", source, dest)
    if not exist_ok or not os.path.exists(dest):
        os.symlink(source, dest)
    if _is_root():
        os.lchown(dest, uid, gid)


def copy(
    source: str,
    dest: str,
    uid: int = -1,
    gid: int = -1,
    dir_mode: int | None = None,
    file_mode: int | None = None,
    force: bool = False,
) -> None:
    """Copy a file, or a directory tree, creating ``dest``'s parents like the source's."""
    source = source.rstrip("/") if len(source) > 1 else source
    dest = dest.rstrip("/") if len(dest) > 1 else dest
    destparent = os.path.dirname(dest)
    if destparent and not os.path.exists(destparent):
        copydirs(os.path.dirname(source), destparent, uid=uid, gid=gid, mode=dir_mode,
                 force=force)
    if os.path.isfile(source):
        copyfile(source, dest, uid=uid, gid=gid, mode=file_mode, force=force)
        return
    for sourcepath, _, filenames in os.walk(source):
        destpath = dest + sourcepath[len(source) :] or "/"
        copydirs(sourcepath, destpath, uid=uid, gid=gid, mode=dir_mode, force=force)
        for filename in filenames:
            copyfile(
                os.path.join(sourcepath, filename), os.path.join(destpath, filename),
                uid=uid, gid=gid, mode=file_mode, force=force,
            )


def copyfile(
    source: str,
    dest: str,
    params: Mapping[str, Any] | None = None,
    uid: int | None = None,
    gid: int | None = None,
    mode: int | None = None,
    force: bool = False,
) -> None:
    """Copy a file or link keeping its attributes; ``params`` customises ``[name]`` fields.

    An existing ``dest`` is kept (with a warning) unless ``force``. Owner and mode default
    to the source's; owners are only set when run as root.
    """
    logger.debug("Command: cp %s %s", source, dest)
    if os.path.exists(dest) and not force:
        logger.warning("File already exists: %s", dest)
        return
    if os.path.islink(source):
        os.symlink(os.readlink(source), dest)
        info = os.lstat(source)
        if _is_root():
            os.lchown(
                dest, info.st_uid if uid is None else uid, info.st_gid if gid is None else gid
            )
        return
    info = os.stat(source)
    if not params:
        shutil.copyfile(source, dest)
        os.utime(dest, (info.st_atime, info.st_mtime))
    else:
        with open(source, encoding="utf-8") as infile, open(dest, "w", encoding="utf-8") as out:
            for line in infile:
                out.write(replace_params(line, params))
    if _is_root():
        os.chown(dest, info.st_uid if uid is None else uid, info.st_gid if gid is None else gid)
    os.chmod(dest, info.st_mode if mode is None else mode)


def copydirs(
    source: str, dest: str, uid: int = -1, gid: int = -1, mode: int | None = None,
    force: bool = False,
) -> None:
    """Create ``dest`` (and missing parents) with the attributes of ``source`` (and its
    parents), without copying their contents."""
    destparent = os.path.dirname(dest)
    if destparent and not os.path.exists(destparent):
        copydirs(os.path.dirname(source), destparent, uid=uid, gid=gid, mode=mode, force=force)
    logger.debug("Command: mkdir %s", dest)
    if force and os.path.exists(dest):
        logger.warning("Directory already exists: %s", dest)
        return
    os.mkdir(dest)
    info = os.stat(source)
    os.utime(dest, (info.st_atime, info.st_mtime))
    if _is_root():
        os.chown(dest, info.st_uid if uid == -1 else uid, info.st_gid if gid == -1 else gid)
    os.chmod(dest, info.st_mode if mode is None else mode)


def copytree(
    src: str,
    dst: str,
    symlinks: bool = False,
    ignore: Callable[[str, list[str]], Iterable[str]] | None = None,
) -> None:
    """``shutil.copytree`` into a destination that may already exist (upstream's patch).

    Errors are collected and raised together as ``shutil.Error``, as shutil does.
    """
    shutil.copytree(src, dst, symlinks=symlinks, ignore=ignore, dirs_exist_ok=True)


def chown(path: str, uid: int, gid: int) -> None:
    """Change the owner of a file, link or directory tree.

    A link itself is changed, and a link to a directory is followed into it, as upstream
    does (Dogtag instance directories link to their configuration under ``/etc/pki``).
    """
    if os.path.islink(path):
        os.lchown(path, uid, gid)
    else:
        os.chown(path, uid, gid)
    if os.path.isdir(path):
        for item in os.listdir(path):
            chown(os.path.join(path, item), uid, gid)


def chmod(path: str, mode: int) -> None:
    """Change the mode of a file or directory tree."""
    os.chmod(path, mode)
    if os.path.isdir(path):
        for item in os.listdir(path):
            chmod(os.path.join(path, item), mode)


def remove(path: str, force: bool = False) -> None:
    """Remove a file; with ``force`` a missing one is only a warning."""
    logger.debug("Command: rm -rf %s", path)
    if force and not os.path.exists(path):
        logger.warning("File not found: %s", path)
        return
    os.remove(path)


def rmtree(path: str, force: bool = False) -> None:
    """Remove a directory tree; with ``force`` a missing one is only a warning."""
    logger.debug("Command: rm -rf %s", path)
    if force and not os.path.exists(path):
        logger.warning("Directory not found: %s", path)
        return
    shutil.rmtree(path)


def unlink(link: str, force: bool = False) -> None:
    """Remove a link; with ``force`` a missing one is only a warning."""
    logger.debug("Command: rm -rf %s", link)
    if force and not os.path.islink(link):
        logger.warning("Link not found: %s", link)
        return
    os.unlink(link)


# -- properties files ----------------------------------------------------------------------


def load_properties(filename: str, properties: MutableMapping[str, str]) -> None:
    """Add the ``name=value`` lines of a Java-style properties file to ``properties``.

    Blank lines and ``#`` comments are skipped, blanks around ``=`` and after the value
    dropped, and a value ending in ``\\`` continues on the next line. A line without ``=``
    raises an Exception naming the file and line.
    """
    with open(filename, encoding="utf-8") as f:
        lines = f.read().splitlines()
    name = ""
    continued = False
    for index, line in enumerate(lines):
        if continued:
            value = properties[name] + line
        else:
            line = line.lstrip()
            if not line or line.startswith("#"):
                continue
            parts = line.split("=", 1)
            if len(parts) < 2:
                raise Exception(f"Missing delimiter in {filename} line {index + 1}")
            name = parts[0].rstrip()
            value = parts[1].lstrip()
        if value.endswith("\\"):
            value = value[:-1]
            continued = True
        else:
            value = value.rstrip()
            continued = False
        properties[name] = value


def store_properties(filename: str, properties: Mapping[str, Any]) -> None:
    """Write ``properties`` sorted by name as ``name=value`` lines (None as an empty value).

    Values must be strings, ints or None; anything else raises TypeError.
    """
    lines = []
    for name, value in sorted(properties.items(), key=operator.itemgetter(0)):
        if value is None:
            lines.append(f"{name}=\n")
        elif isinstance(value, str):
            lines.append(f"{name}={value}\n")
        elif isinstance(value, int):
            lines.append(f"{name}={value:d}\n")
        else:
            raise TypeError((name, value, type(value)))
    with open(filename, "w", encoding="utf-8") as f:
        f.writelines(lines)


def set_property(properties: MutableMapping[str, Any], name: str, value: Any) -> None:
    """Update ``properties[name]``: None changes nothing, an empty value removes it."""
    if value is None:
        return
    if value:
        properties[name] = value
    else:
        properties.pop(name, None)


# -- environment ---------------------------------------------------------------------------


def read_environment_files(env_file_list: Sequence[str] | None = None) -> None:
    """Set ``os.environ`` from the pki.conf files (default ``DEFAULT_PKI_ENV_LIST``).

    Upstream sources the files in bash and copies bash's environment back; here each file
    is *parsed* by ``pki.conf`` (shell assignments only, never executed), ``$NAME``
    expanding from the files read so far and the environment, and every variable the files
    assign is set. A missing file or anything but an assignment raises
    ``pki.conf.ConfigError`` naming the file and line (upstream's bash failed too).
    """
    from pki import conf  # deferred: only this function needs the parser

    files = DEFAULT_PKI_ENV_LIST if env_file_list is None else env_file_list
    environment = dict(os.environ)
    assigned: dict[str, str] = {}
    for path in files:
        values = conf.read_file(path, environ=environment)
        environment.update(values)
        assigned.update(values)
    for name, value in assigned.items():
        os.environ[name] = value


# -- prompts and versions --------------------------------------------------------------------


@functools.total_ordering
class Version:
    """A Dogtag release version, e.g. ``Version('11.6.0')`` or ``Version('11.10.1-1.fc41')``.

    The text must start with three numbers; anything after them (a release suffix) is ignored
    in comparisons, as upstream. Instances are deliberately not hashable (upstream's are not).
    """

    major: int
    minor: int
    patch: int

    def __init__(self, obj: str | Version) -> None:
        if isinstance(obj, Version):
            self.major, self.minor, self.patch = obj.major, obj.minor, obj.patch
        elif isinstance(obj, str):
            match = _VERSION_RE.match(obj.strip())
            if match is None:
                raise ValueError(
                    f"Unable to parse version number: {obj!r} (expected MAJOR.MINOR.PATCH)"
                )
            self.major, self.minor, self.patch = (int(g) for g in match.groups())
        else:
            raise TypeError(f"Unsupported version type: {type(obj).__name__}")

    def _key(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.patch)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() == other._key()

    def __lt__(self, other: Version) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "{}.{}.{}".format(*self._key())


def read_text(
    message: str,
    options: Sequence[str] | None = None,
    default: str | None = None,
    delimiter: str = ":",
    case_sensitive: bool = True,
    password: bool = False,
    required: bool = False,
) -> str | None:
    """Ask the user for a line of text on the terminal, as upstream's installers do.

    ``options`` restricts the answer (compared case-insensitively unless ``case_sensitive``);
    an empty answer returns ``default``, or asks again when ``required`` and there is no
    default. ``password=True`` reads without echo and shows a default as ``********``.
    """
    if default is not None:
        if not default:
            message += " []"
        elif password:
            message += " [********]"
        else:
            message += f" [{default}]"
    message += delimiter + " "

    allowed: list[str] | None = None
    if options:
        allowed = list(options) if case_sensitive else [o.lower() for o in options]

    while True:
        value = getpass.getpass(message) if password else input(message)
        if not value:
            if not required or default:
                return default
            continue
        value = value.strip()
        if not value:
            if not required:
                return value
            continue
        if allowed is not None:
            if (value if case_sensitive else value.lower()) in allowed:
                return value
            continue
        return value

