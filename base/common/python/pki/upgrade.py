"""Upgrading a Dogtag system's configuration with scriptlets (upstream master's ``pki.upgrade``).

Each Dogtag release may ship *scriptlets*: files ``<upgrade dir>/<version>/<NN>-<Class>.py``
defining a class ``<Class>`` derived from ``PKIUpgradeScriptlet``. The scriptlets in the
directory of version V take a system whose configuration is at V to the next version found
there (or to the installed packages' version, the *target*). A *tracker* file records how far
the system got: a version line and, while a version is half done, the index of the last
scriptlet that completed. For the system it is ``/etc/pki/pki.version``
(``Configuration-Version: 11.6.0`` and ``Scriptlet-Index: 2``, as upstream's RPM writes it);
pki-server's ``PKIServerUpgrader`` subclasses ``PKIUpgrader`` with each instance's
``tomcat.conf`` (``PKI_VERSION="11.6.0"``, ``PKI_UPGRADE_INDEX="2"``) as its tracker.

Before a scriptlet changes a file it calls ``self.backup(path)``: an existing file or tree is
copied under its backup directory (``<BACKUP_DIR>/<version>/<index>/oldfiles/<path>``), a path
that does not exist yet is listed in ``newfiles``. ``PKIUpgrader.revert()`` puts the copies
back and removes the listed paths, for the last version upgraded from, and moves the tracker
back to it. ``pki-upgrade`` (``pki.cli.upgrade``) is the command.

Where this module differs from upstream (upstream's behaviour was a failure with no useful
message, or silent damage): a tracker with an unreadable version or index, a version
directory whose name is not a version and a scriptlet file that does not define its class
raise a ``ValueError`` naming the file and what to do; a missing upgrade directory raises
``FileNotFoundError`` when upgrading or reverting (upstream moved the tracker to the target
version without running anything); a failing scriptlet is logged by name before its
exception goes on unchanged; reading the tracker no longer creates or rewrites the file when
nothing in it changes. The tracker file is replaced whole on every change (``PropertyFile``).
"""

from __future__ import annotations

import errno
import functools
import logging
import os
import pathlib
import re
from typing import Any

import pki
import pki.util

__all__ = [
    "BACKUP_DIR",
    "DEFAULT_VERSION",
    "PKIUpgradeScriptlet",
    "PKIUpgradeTracker",
    "PKIUpgrader",
    "SYSTEM_TRACKER",
    "UPGRADE_DIR",
]

#: the version a tracker without a version line is at
DEFAULT_VERSION = "10.0.0"

UPGRADE_DIR = pki.SHARE_DIR + "/upgrade"
BACKUP_DIR = pki.LOG_DIR + "/upgrade"
SYSTEM_TRACKER = pki.CONF_DIR + "/pki.version"

logger = logging.getLogger(__name__)

# <index>-<class name>.py, as upstream matches it (a file without a dash is not a scriptlet)
_SCRIPTLET_FILE = re.compile(r"^(.+)-(.+)\.py$")


class PKIUpgradeTracker:
    """The file recording which version a system's (or an instance's) configuration is at.

    ``version_key`` and ``index_key`` name the two properties in a file of ``delimiter``-
    separated lines (values in ``quote`` when given); every other line of the file is kept.
    Each method reads the file again and writes it at once, because scriptlets may edit the
    same file (``tomcat.conf``) in between. A new tracker forgets any half-done index, so
    that a version's scriptlets all run again.
    """

    def __init__(
        self,
        name: str,
        filename: str,
        delimiter: str = "=",
        version_key: str = "PKI_VERSION",
        index_key: str = "PKI_UPGRADE_INDEX",
        quote: str | None = None,
    ) -> None:
        self.name = name
        self.filename = filename
        self.version_key = version_key
        self.index_key = index_key
        self.properties = pki.PropertyFile(filename, delimiter=delimiter, quote=quote)
        self.remove_index()

    def _read(self) -> None:
        try:
            self.properties.read()
        except UnicodeDecodeError as e:
            raise ValueError(
                f"Invalid {self.name} upgrade tracker {self.filename}: not a text file ({e}); "
                f"restore it or recreate it with pki-upgrade --set-tracker <version>"
            ) from None

    def _remove(self, key: str) -> None:
        self._read()
        if self.properties.remove(key) is not None:
            self.properties.write()

    def _set(self, key: str, value: str, after_key: str | None = None) -> None:
        """Set ``key`` in place, else right after ``after_key``, else at the end of the file
        after a blank line."""
        self._read()
        if self.properties.index(key) >= 0:
            self.properties.set(key, value)
        else:
            after = self.properties.index(after_key) if after_key else -1
            if after >= 0:
                self.properties.set(key, value, index=after + 1)
            else:
                lines = self.properties.lines
                if lines and lines[-1] != "":
                    self.properties.insert_line(len(lines), "")
                self.properties.set(key, value, index=len(lines))
        self.properties.write()

    def _invalid(self, key: str, value: str, expected: str) -> ValueError:
        return ValueError(
            f"Invalid {key} in {self.name} upgrade tracker {self.filename}: {value!r} "
            f"(expected {expected}); fix the line or reset it with "
            f"pki-upgrade --set-tracker <version>"
        )

    def remove(self) -> None:
        """Remove the version and the index from the file (it then reads as 10.0.0)."""
        logger.info("Removing %s tracker", self.name)
        self.remove_version()
        self.remove_index()

    def set(self, version: pki.util.Version) -> None:
        """Record that the configuration is at ``version``, with no scriptlet half done."""
        logger.info("Setting %s tracker to version %s", self.name, version)
        self.set_version(version)
        self.remove_index()

    def show(self) -> None:
        """Print the tracker's name, its version and the last completed scriptlet (if any)."""
        print(f"{self.name}:")
        print(f"  Configuration version: {self.get_version()}")
        index = self.get_index()
        if index > 0:
            print(f"  Last completed scriptlet: {index}")

    def get_index(self) -> int:
        """The index of the last scriptlet completed in the current version (0: none)."""
        self._read()
        index = self.properties.get(self.index_key)
        if not index:
            return 0
        try:
            return int(index)
        except ValueError:
            raise self._invalid(self.index_key, index, "a scriptlet number") from None

    def set_index(self, index: int) -> None:
        """Record ``index`` as the last completed scriptlet (written after the version)."""
        self._set(self.index_key, str(index), after_key=self.version_key)

    def remove_index(self) -> None:
        self._remove(self.index_key)

    def get_version(self) -> pki.util.Version:
        """The recorded version, or ``DEFAULT_VERSION`` when the file has none."""
        self._read()
        version = self.properties.get(self.version_key)
        if not version:
            return pki.util.Version(DEFAULT_VERSION)
        try:
            return pki.util.Version(version)
        except ValueError:
            raise self._invalid(self.version_key, version, "MAJOR.MINOR.PATCH") from None

    def set_version(self, version: pki.util.Version) -> None:
        self._set(self.version_key, str(version))

    def remove_version(self) -> None:
        self._remove(self.version_key)


@functools.total_ordering
class PKIUpgradeScriptlet:
    """One upgrade step; subclasses set ``message`` and override ``upgrade_system``.

    ``PKIUpgrader.scriptlets()`` sets ``version`` and ``index`` from the file's place and
    name, ``last`` on the last one of a version, and ``upgrader`` before it runs. Scriptlets
    order by version, then index; like upstream's they are not hashable.
    """

    def __init__(self) -> None:
        self.version: Any = None
        self.index: Any = None
        self.last = False
        self.message: str | None = None
        self.upgrader: Any = None

    def get_backup_dir(self) -> str:
        """Where this scriptlet's backups go (pki-server's scriptlets put them elsewhere)."""
        return f"{BACKUP_DIR}/{self.version}/{self.index}"

    def upgrade_system(self) -> None:
        """Change the system's configuration (nothing by default)."""

    def backup(self, path: str) -> None:
        """Save ``path`` (an absolute path) so that ``revert`` can restore it."""
        self.upgrader.backup(self, path)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PKIUpgradeScriptlet):
            return NotImplemented
        return bool(self.version == other.version and self.index == other.index)

    def __lt__(self, other: PKIUpgradeScriptlet) -> bool:
        if self.version < other.version:
            return True
        return bool(self.version == other.version and self.index < other.index)

    __hash__ = None  # type: ignore[assignment]


class PKIUpgrader:
    """Runs, reverts and reports the scriptlets of ``upgrade_dir`` against a tracker.

    Subclasses (pki-server's ``PKIServerUpgrader``) override ``get_tracker``, ``validate``,
    the file operations ``touch``/``makedirs``/``copydirs``/``copyfile``, ``init_scriptlet``
    and ``run_scriptlet``.
    """

    def __init__(self, upgrade_dir: str = UPGRADE_DIR) -> None:
        self.upgrade_dir = upgrade_dir
        self.tracker: PKIUpgradeTracker | None = None

    # -- versions and scriptlets ----------------------------------------------------------

    def version_dir(self, version: pki.util.Version) -> str:
        return os.path.join(self.upgrade_dir, str(version))

    def all_versions(self) -> list[pki.util.Version]:
        """The versions that have a directory in ``upgrade_dir``, oldest first.

        Raises ``FileNotFoundError`` when ``upgrade_dir`` does not exist and ``ValueError``
        for an entry whose name is not a version.
        """
        try:
            names = os.listdir(self.upgrade_dir)
        except FileNotFoundError:
            raise FileNotFoundError(
                errno.ENOENT,
                f"Upgrade directory not found: {self.upgrade_dir} (it comes with the package "
                f"that ships the upgrade scriptlets; reinstall that package)",
            ) from None
        versions = []
        for name in names:
            try:
                versions.append(pki.util.Version(name))
            except ValueError:
                raise ValueError(
                    f"Invalid upgrade version directory: {os.path.join(self.upgrade_dir, name)}"
                    f" (every entry of {self.upgrade_dir} must be named MAJOR.MINOR.PATCH; "
                    f"remove or rename it)"
                ) from None
        versions.sort()
        return versions

    def versions(self) -> list[pki.util.Version]:
        """The versions to run, from the tracker's to the target, each with ``next`` set to
        the one after it (the last one's ``next`` is the target)."""
        current_version = self.get_current_version()
        target_version = self.get_target_version()
        if current_version > target_version:
            logger.warning(
                "Configuration version %s is newer than the packages' version %s",
                current_version, target_version,
            )

        path = [v for v in self.all_versions() if current_version <= v <= target_version]
        if not path or path[0] != current_version:
            path.insert(0, current_version)
        if path[-1] != target_version:
            path.append(target_version)

        logger.debug("Upgrade path:")
        for version in path:
            logger.debug(" - %s", version)

        for version, following in zip(path, path[1:] + [target_version]):
            version.next = following  # type: ignore[attr-defined]
        return path

    def scriptlets(self, version: pki.util.Version) -> list[PKIUpgradeScriptlet]:
        """Load the scriptlets of ``version`` (none when it has no directory), in order.

        Each ``<NN>-<Class>.py`` file is executed and its class ``<Class>`` instantiated; the
        last one gets ``last = True``. Files without a dash are not scriptlets.
        """
        version_dir = self.version_dir(version)
        if not os.path.exists(version_dir):
            return []

        scriptlets = []
        for filename in os.listdir(version_dir):
            match = _SCRIPTLET_FILE.match(filename)
            if not match:
                continue
            path = os.path.join(version_dir, filename)
            try:
                index = int(match.group(1))
            except ValueError:
                raise ValueError(
                    f"Invalid upgrade scriptlet name: {path} (expected <number>-<class name>.py)"
                ) from None
            classname = match.group(2)

            with open(path, encoding="utf-8") as f:
                code = compile(f.read(), path, "exec")
            namespace: dict[str, Any] = {}
            exec(code, namespace)  # noqa: S102 - scriptlets are the installed package's code
            cls = namespace.get(classname)
            if cls is None:
                raise ValueError(
                    f"Invalid upgrade scriptlet {path}: it defines no class {classname} "
                    f"(the class must be named as the file)"
                )
            scriptlet = cls()
            scriptlet.version = version
            scriptlet.index = index
            scriptlets.append(scriptlet)

        scriptlets.sort()
        if scriptlets:
            scriptlets[-1].last = True
        return scriptlets

    # -- tracker and status ----------------------------------------------------------------

    def get_tracker(self) -> PKIUpgradeTracker:
        """The system tracker, ``SYSTEM_TRACKER`` (made on first use, then kept)."""
        if self.tracker:
            return self.tracker
        self.tracker = PKIUpgradeTracker(
            "system",
            SYSTEM_TRACKER,
            delimiter=": ",
            version_key="Configuration-Version",
            index_key="Scriptlet-Index",
        )
        return self.tracker

    def get_current_version(self) -> pki.util.Version:
        current_version = self.get_tracker().get_version()
        logger.debug("Current version: %s", current_version)
        return current_version

    def get_target_version(self) -> pki.util.Version:
        """The installed packages' version (``pki.specification_version()``)."""
        try:
            target_version = pki.util.Version(pki.specification_version())
        except FileNotFoundError:
            raise FileNotFoundError(
                errno.ENOENT,
                f"Package version file not found: {pki.PACKAGE_VERSION} (it comes with "
                f"Dogtag's dogtag-pki-base package, which upgrades need)",
            ) from None
        logger.debug("Target version: %s", target_version)
        return target_version

    def is_complete(self) -> bool:
        return bool(self.get_current_version() == self.get_target_version())

    def validate(self) -> None:
        """Raise ``Exception('Incomplete upgrade...')`` unless the tracker is at the target."""
        current_version = self.get_current_version()
        target_version = self.get_target_version()
        if current_version != target_version:
            raise Exception(
                f"Incomplete upgrade: configuration is at version {current_version}, "
                f"packages at {target_version}; run pki-upgrade"
            )

    def show_tracker(self) -> None:
        self.get_tracker().show()

    def status(self) -> None:
        self.show_tracker()

    def set_tracker(self, version: pki.util.Version) -> None:
        self.get_tracker().set(version)

    def update_tracker(self, scriptlet: PKIUpgradeScriptlet) -> None:
        """Record ``scriptlet`` as done: its index, or the next version after the last one.

        The tracker file itself is backed up first, so that ``revert`` restores it too.
        """
        tracker = self.get_tracker()
        scriptlet.backup(tracker.filename)
        if scriptlet.last:
            tracker.remove_index()
            tracker.set_version(scriptlet.version.next)
        else:
            tracker.set_index(scriptlet.index)

    def reset_tracker(self) -> None:
        """Set the tracker to the target version (nothing runs)."""
        self.set_tracker(self.get_target_version())

    def remove_tracker(self) -> None:
        self.get_tracker().remove()

    # -- file operations (pki-server's upgrader does them as the instance's user) ---------

    def touch(self, path: str) -> None:
        pathlib.Path(path).touch()

    def makedirs(self, path: str, exist_ok: bool = False) -> None:
        os.makedirs(path, exist_ok=exist_ok)

    def copydirs(self, source: str, dest: str, force: bool = False) -> None:
        pki.util.copydirs(source, dest, force=force)

    def copyfile(self, source: str, dest: str, force: bool = False) -> None:
        pki.util.copyfile(source, dest, force=force)

    # -- backups -----------------------------------------------------------------------------

    def record(self, scriptlet: PKIUpgradeScriptlet, path: str) -> None:
        """List ``path`` in the scriptlet's ``newfiles``: ``revert`` will remove it."""
        filename = scriptlet.get_backup_dir() + "/newfiles"
        self.touch(filename)
        with open(filename, "a", encoding="utf-8") as f:
            f.write(path + "\n")

    def backup(self, scriptlet: PKIUpgradeScriptlet, path: str) -> None:
        """Keep a copy of the file or tree ``path`` (once per scriptlet), or record it as new.

        Copies keep their modes and times, and so do the directories leading to them.
        """
        backup_dir = scriptlet.get_backup_dir()
        self.makedirs(backup_dir, exist_ok=True)

        if not os.path.exists(path):
            logger.info("Recording %s", path)
            self.record(scriptlet, path)
            return

        oldfiles = backup_dir + "/oldfiles"
        self.makedirs(oldfiles, exist_ok=True)
        dest = oldfiles + path

        destparent = os.path.dirname(dest)
        if not os.path.exists(destparent):
            self.copydirs(os.path.dirname(path), destparent, force=True)

        if os.path.isfile(path):
            if not os.path.exists(dest):
                logger.info("Saving %s", path)
                self.copyfile(path, dest)
            return

        for sourcepath, _, filenames in os.walk(path):
            destpath = dest + sourcepath[len(path):]
            if not os.path.exists(destpath):
                logger.info("Saving %s", sourcepath)
                self.copydirs(sourcepath, destpath, force=True)
            for filename in filenames:
                sourcefile = os.path.join(sourcepath, filename)
                targetfile = os.path.join(destpath, filename)
                if not os.path.exists(targetfile):
                    logger.info("Saving %s", sourcefile)
                    self.copyfile(sourcefile, targetfile)

    # -- upgrading ---------------------------------------------------------------------------

    def upgrade(self) -> None:
        """Run every version's scriptlets from the tracker's version to the target."""
        for version in self.versions():
            self.upgrade_version(version)

    def upgrade_version(self, version: pki.util.Version) -> None:
        scriptlets = self.scriptlets(version)
        if not scriptlets:
            self.set_tracker(version.next)  # type: ignore[attr-defined]
            return
        for scriptlet in scriptlets:
            logger.info(
                "Running upgrade script %s-%s: %s", version, scriptlet.index, scriptlet.message
            )
            self.init_scriptlet(scriptlet)
            try:
                self.run_scriptlet(scriptlet)
            except Exception as e:
                logger.error(
                    "Upgrade script %s-%s (%s) failed: %s; its backups are in %s",
                    version, scriptlet.index, type(scriptlet).__name__, e,
                    scriptlet.get_backup_dir(),
                )
                raise
            self.update_tracker(scriptlet)

    def init_scriptlet(self, scriptlet: PKIUpgradeScriptlet) -> None:
        """Attach ``scriptlet`` to this upgrader and give it an empty backup directory."""
        scriptlet.upgrader = self
        backup_dir = scriptlet.get_backup_dir()
        if os.path.exists(backup_dir):
            logger.debug("Command: rm -rf %s", backup_dir)
            pki.util.rmtree(backup_dir)
        logger.debug("Command: mkdir -p %s", backup_dir)
        self.makedirs(backup_dir)

    def run_scriptlet(self, scriptlet: PKIUpgradeScriptlet) -> None:
        logger.info("Upgrading system")
        scriptlet.upgrade_system()

    # -- reverting ---------------------------------------------------------------------------

    def revert(self) -> None:
        """Undo the scriptlets of the newest version older than the tracker's, and move the
        tracker back to that version (only logged when there is none)."""
        current_version = self.get_current_version()
        for version in reversed(self.all_versions()):
            if version < current_version:
                self.revert_version(version)
                return
        logger.info("Unable to revert from version %s.", current_version)

    def revert_version(self, version: pki.util.Version) -> None:
        for scriptlet in reversed(self.scriptlets(version)):
            logger.info("Reverting %s: %s. %s", version, scriptlet.index, scriptlet.message)
            self.revert_scriptlet(scriptlet)
        self.set_tracker(version)

    def revert_scriptlet(self, scriptlet: PKIUpgradeScriptlet) -> None:
        """Restore the scriptlet's saved files and remove the paths it recorded as new."""
        backup_dir = scriptlet.get_backup_dir()
        if not os.path.exists(backup_dir):
            return

        oldfiles = backup_dir + "/oldfiles"
        if os.path.exists(oldfiles):
            for sourcepath, _, filenames in os.walk(oldfiles):
                destpath = sourcepath[len(oldfiles):] or "/"
                if not os.path.isdir(destpath):
                    logger.info("Restoring %s", destpath)
                    self.copydirs(sourcepath, destpath, force=True)
                for filename in filenames:
                    targetfile = os.path.join(destpath, filename)
                    logger.info("Restoring %s", targetfile)
                    self.copyfile(os.path.join(sourcepath, filename), targetfile, force=True)

        newfiles = backup_dir + "/newfiles"
        if os.path.exists(newfiles):
            with open(newfiles, encoding="utf-8") as f:
                paths = [line.rstrip("\n") for line in f]
            for path in reversed(paths):
                if not os.path.exists(path):
                    continue
                logger.info("Deleting %s", path)
                if os.path.isfile(path):
                    os.remove(path)
                else:
                    pki.util.rmtree(path)
