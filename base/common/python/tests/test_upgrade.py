"""``pki.upgrade``: trackers, scriptlets, upgrade, status and revert on real files.

The system's directories are a temporary tree (``upgrade_layout``); the module's constants
for the tracker, the backups and the packages' version file point into it. The pki-server
tests put a ``pki/server/upgrade.py`` written here (the way upstream's pki-server subclasses
``PKIUpgrader``) into the ``pki`` package's path, as upstream's RPMs install it beside the
library, and run it as ``pki-server upgrade`` does.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pki
import pki.upgrade
import pki.util
import pytest
from upgrade_layout import (
    PKI_CONF,
    SystemLayout,
    make_system,
    set_package_version,
    snapshot,
    write_scriptlet,
)

V = pki.util.Version


@pytest.fixture
def system(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SystemLayout:
    layout = make_system(tmp_path / "system")
    monkeypatch.setattr(pki.upgrade, "SYSTEM_TRACKER", str(layout.tracker))
    monkeypatch.setattr(pki.upgrade, "BACKUP_DIR", str(layout.backup_dir))
    monkeypatch.setattr(pki, "PACKAGE_VERSION", str(layout.version_file))
    return layout


def upgrader(layout: SystemLayout) -> pki.upgrade.PKIUpgrader:
    return pki.upgrade.PKIUpgrader(upgrade_dir=str(layout.upgrade_dir))


def status(layout: SystemLayout, capsys: pytest.CaptureFixture[str]) -> str:
    upgrader(layout).status()
    return capsys.readouterr().out


# -- module contract ------------------------------------------------------------------------


def test_module_constants_are_upstreams() -> None:
    assert pki.upgrade.DEFAULT_VERSION == "10.0.0"
    assert pki.upgrade.UPGRADE_DIR == "/usr/share/pki/upgrade"
    assert pki.upgrade.BACKUP_DIR == "/var/log/pki/upgrade"
    assert pki.upgrade.SYSTEM_TRACKER == "/etc/pki/pki.version"
    assert pki.upgrade.PKIUpgrader().upgrade_dir == "/usr/share/pki/upgrade"


def test_importing_pki_upgrade_touches_no_file(tmp_path: Path) -> None:
    """Importing the module, and making an upgrader, read and write nothing."""
    import subprocess

    code = textwrap.dedent("""\
        import sys
        opened = []
        sys.addaudithook(lambda event, args: event == 'open' and opened.append(args[0]))
        import pki.upgrade
        pki.upgrade.PKIUpgrader()
        print([p for p in opened if not str(p).endswith(('.py', '.pyc')) and 'pki' in str(p)])
        """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": _src()}).stdout
    assert out.strip() == "[]"


def _src() -> str:
    return str(Path(pki.__file__).resolve().parents[1])


# -- trackers -------------------------------------------------------------------------------


def test_system_tracker_keeps_upstreams_format(system: SystemLayout) -> None:
    tracker = upgrader(system).get_tracker()
    assert (tracker.name, tracker.filename) == ("system", str(system.tracker))
    assert tracker.get_version() == V("11.0.0")
    assert tracker.get_index() == 0

    tracker.set_index(2)
    assert system.tracker.read_text() == "Configuration-Version: 11.0.0\nScriptlet-Index: 2\n"
    assert tracker.get_index() == 2

    tracker.set_version(V("11.1.0"))
    tracker.set_index(3)
    assert system.tracker.read_text() == "Configuration-Version: 11.1.0\nScriptlet-Index: 3\n"

    tracker.set(V("11.2.0"))  # a version with no scriptlet half done
    assert system.tracker.read_text() == "Configuration-Version: 11.2.0\n"

    tracker.remove()
    assert system.tracker.read_text() == ""
    assert tracker.get_version() == V(pki.upgrade.DEFAULT_VERSION)


def test_instance_tracker_edits_tomcat_conf_in_place(tmp_path: Path) -> None:
    """pki-server's tracker: quoted values in tomcat.conf, every other line kept."""
    conf = tmp_path / "tomcat.conf"
    conf.write_text('# Tomcat\nJAVA_HOME="/usr/lib/jvm/jre"\nPKI_VERSION="11.5.0"\n'
                    'TOMCAT_USER="pkiuser"\n')
    tracker = pki.upgrade.PKIUpgradeTracker(
        "pki-tomcat instance", str(conf), version_key="PKI_VERSION",
        index_key="PKI_UPGRADE_INDEX", quote='"')
    assert tracker.get_version() == V("11.5.0")

    tracker.set_index(1)  # goes right after the version
    assert conf.read_text() == ('# Tomcat\nJAVA_HOME="/usr/lib/jvm/jre"\nPKI_VERSION="11.5.0"\n'
                                'PKI_UPGRADE_INDEX="1"\nTOMCAT_USER="pkiuser"\n')
    assert tracker.get_index() == 1

    tracker.set(V("11.6.0"))
    assert conf.read_text() == ('# Tomcat\nJAVA_HOME="/usr/lib/jvm/jre"\nPKI_VERSION="11.6.0"\n'
                                'TOMCAT_USER="pkiuser"\n')


def test_tracker_without_version_gets_it_after_a_blank_line(tmp_path: Path) -> None:
    conf = tmp_path / "tomcat.conf"
    conf.write_text('JAVA_HOME="/usr/lib/jvm/jre"\n')
    tracker = pki.upgrade.PKIUpgradeTracker("i", str(conf), quote='"')
    assert tracker.get_version() == V("10.0.0")
    tracker.set_index(4)
    tracker.set_version(V("11.0.0"))
    assert conf.read_text() == (
        'JAVA_HOME="/usr/lib/jvm/jre"\n\nPKI_UPGRADE_INDEX="4"\n\nPKI_VERSION="11.0.0"\n')


def test_new_tracker_forgets_a_half_done_index(system: SystemLayout) -> None:
    system.tracker.write_text("Configuration-Version: 11.0.0\nScriptlet-Index: 1\n")
    tracker = upgrader(system).get_tracker()
    assert tracker.get_index() == 0
    assert system.tracker.read_text() == "Configuration-Version: 11.0.0\n"


def test_reading_a_tracker_creates_no_file(system: SystemLayout,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    system.tracker.unlink()
    assert status(system, capsys) == "system:\n  Configuration version: 10.0.0\n"
    assert not system.tracker.exists()


def test_tracker_update_replaces_the_file_and_keeps_its_mode(system: SystemLayout) -> None:
    system.tracker.chmod(0o604)
    before = system.tracker.stat()
    upgrader(system).get_tracker().set_index(1)
    after = system.tracker.stat()
    assert after.st_ino != before.st_ino  # a new file renamed over the old one
    assert (after.st_mode, after.st_uid, after.st_gid) == (
        before.st_mode, before.st_uid, before.st_gid)
    assert sorted(os.listdir(system.conf_dir)) == ["pki.conf", "pki.version", "templates"]


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_tracker_replaced_as_root_keeps_its_owner(system: SystemLayout) -> None:
    os.chown(system.tracker, 54321, 54322)
    upgrader(system).get_tracker().set_index(1)
    info = system.tracker.stat()
    assert (info.st_uid, info.st_gid) == (54321, 54322)
    assert system.tracker.read_text() == "Configuration-Version: 11.0.0\nScriptlet-Index: 1\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may add files to any directory")
def test_tracker_in_a_closed_directory_is_rewritten_in_place(system: SystemLayout) -> None:
    inode = system.tracker.stat().st_ino
    system.conf_dir.chmod(0o555)
    try:
        upgrader(system).get_tracker().set_index(1)
    finally:
        system.conf_dir.chmod(0o755)
    assert system.tracker.stat().st_ino == inode
    assert system.tracker.read_text() == "Configuration-Version: 11.0.0\nScriptlet-Index: 1\n"


def test_tracker_through_a_link_stays_a_link(system: SystemLayout) -> None:
    real = system.conf_dir / "pki.version.real"
    system.tracker.rename(real)
    system.tracker.symlink_to(real.name)
    upgrader(system).set_tracker(V("11.1.0"))
    assert system.tracker.is_symlink()
    assert real.read_text() == "Configuration-Version: 11.1.0\n"


def test_status_shows_the_last_completed_scriptlet(system: SystemLayout,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    tracker = upgrader(system).get_tracker()
    tracker.set_index(1)
    tracker.show()
    assert capsys.readouterr().out == (
        "system:\n  Configuration version: 11.0.0\n  Last completed scriptlet: 1\n")


# -- versions and scriptlets ----------------------------------------------------------------


def test_versions_run_from_the_tracker_to_the_packages(system: SystemLayout) -> None:
    u = upgrader(system)
    assert [str(v) for v in u.all_versions()] == ["10.9.0", "11.0.0", "11.1.0"]
    versions = u.versions()
    assert [str(v) for v in versions] == ["11.0.0", "11.1.0", "11.2.0"]
    assert [str(v.next) for v in versions] == ["11.1.0", "11.2.0", "11.2.0"]
    assert u.get_current_version() == V("11.0.0")
    assert u.get_target_version() == V("11.2.0")
    assert not u.is_complete()


def test_scriptlets_load_in_index_order(system: SystemLayout) -> None:
    write_scriptlet(system.upgrade_dir / "11.0.0", "10-Tenth.py", """\
        import pki.upgrade

        class Tenth(pki.upgrade.PKIUpgradeScriptlet):
            pass
        """)
    scriptlets = upgrader(system).scriptlets(V("11.0.0"))
    assert [(type(s).__name__, s.index, s.last) for s in scriptlets] == [
        ("AddJniJarDir", 1, False), ("CreateCacheDir", 2, False), ("Tenth", 10, True)]
    assert all(isinstance(s, pki.upgrade.PKIUpgradeScriptlet) for s in scriptlets)
    assert scriptlets[0].message == "Add JNI_JAR_DIR into pki.conf"
    assert scriptlets[0].version == V("11.0.0")
    assert scriptlets[0].get_backup_dir() == f"{system.backup_dir}/11.0.0/1"
    assert scriptlets[0] < scriptlets[1]
    assert scriptlets[0] == upgrader(system).scriptlets(V("11.0.0"))[0]
    with pytest.raises(TypeError):
        hash(scriptlets[0])
    assert upgrader(system).scriptlets(V("11.2.0")) == []


# -- upgrade, status, revert ----------------------------------------------------------------


def test_upgrade_then_status_then_revert(system: SystemLayout,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    pki_conf, templates = system.pki_conf.read_bytes(), snapshot(system.templates)
    conf_mode = system.pki_conf.stat().st_mode

    upgrader(system).upgrade()

    assert system.pki_conf.read_text() == PKI_CONF + "\nJNI_JAR_DIR=/usr/lib/java\n"
    assert (system.cache_dir / "index").read_text() == "empty\n"
    assert (system.templates / "server.xml").read_text() == "<Server port='-1'/>\n"
    assert not (system.templates / "web.xml").exists()
    assert system.tracker.read_text() == "Configuration-Version: 11.2.0\n"
    assert status(system, capsys) == "system:\n  Configuration version: 11.2.0\n"
    upgrader(system).validate()
    assert upgrader(system).is_complete()

    backups = system.backup_dir
    assert (backups / "11.0.0/1/oldfiles" / str(system.pki_conf).lstrip("/")).read_bytes() \
        == pki_conf
    assert (backups / "11.0.0/2/newfiles").read_text() == f"{system.cache_dir}\n"
    assert snapshot(backups / "11.1.0/1/oldfiles" / str(system.templates).lstrip("/")) \
        == templates

    upgrader(system).revert()  # the last version: 11.1.0's scriptlets
    assert snapshot(system.templates) == templates
    assert system.tracker.read_text() == "Configuration-Version: 11.1.0\n"
    assert system.pki_conf.read_text() != PKI_CONF

    upgrader(system).revert()  # then 11.0.0's
    assert system.pki_conf.read_bytes() == pki_conf
    assert system.pki_conf.stat().st_mode == conf_mode
    assert not system.cache_dir.exists()
    assert system.tracker.read_text() == "Configuration-Version: 11.0.0\n"
    assert status(system, capsys) == "system:\n  Configuration version: 11.0.0\n"

    with pytest.raises(Exception, match=r"^Incomplete upgrade: configuration is at version "
                       r"11\.0\.0, packages at 11\.2\.0; run pki-upgrade$"):
        upgrader(system).validate()

    upgrader(system).upgrade()  # and again
    assert system.tracker.read_text() == "Configuration-Version: 11.2.0\n"
    assert (system.cache_dir / "index").exists()


def test_revert_with_nothing_older_only_logs(system: SystemLayout,
                                             caplog: pytest.LogCaptureFixture) -> None:
    system.tracker.write_text("Configuration-Version: 10.9.0\n")
    caplog.set_level(logging.INFO, logger="pki.upgrade")
    upgrader(system).revert()
    assert "Unable to revert from version 10.9.0." in caplog.messages
    assert system.tracker.read_text() == "Configuration-Version: 10.9.0\n"


def test_version_without_scriptlets_moves_the_tracker(system: SystemLayout) -> None:
    set_package_version(system, "11.3.0")
    system.tracker.write_text("Configuration-Version: 11.2.0\n")
    upgrader(system).upgrade()
    assert system.tracker.read_text() == "Configuration-Version: 11.3.0\n"
    assert not system.backup_dir.exists()


def test_tracker_commands(system: SystemLayout) -> None:
    u = upgrader(system)
    u.set_tracker(V("11.1.0"))
    assert system.tracker.read_text() == "Configuration-Version: 11.1.0\n"
    u.reset_tracker()
    assert system.tracker.read_text() == "Configuration-Version: 11.2.0\n"
    u.remove_tracker()
    assert system.tracker.read_text() == ""


def test_failing_scriptlet_stops_with_its_name_and_leaves_the_index(
        system: SystemLayout, caplog: pytest.LogCaptureFixture) -> None:
    broken = write_scriptlet(system.upgrade_dir / "11.0.0", "02-CreateCacheDir.py", """\
        import pki.upgrade

        class CreateCacheDir(pki.upgrade.PKIUpgradeScriptlet):
            def upgrade_system(self):
                raise RuntimeError('disk full')
        """)
    with pytest.raises(RuntimeError, match="^disk full$"):
        upgrader(system).upgrade()
    assert (f"Upgrade script 11.0.0-2 (CreateCacheDir) failed: disk full; its backups are in "
            f"{system.backup_dir}/11.0.0/2") in caplog.messages
    assert system.tracker.read_text() == "Configuration-Version: 11.0.0\nScriptlet-Index: 1\n"
    assert "JNI_JAR_DIR" in system.pki_conf.read_text()

    broken.unlink()  # fixed: a new run starts the version again
    upgrader(system).upgrade()
    assert system.tracker.read_text() == "Configuration-Version: 11.2.0\n"
    assert system.pki_conf.read_text().count("JNI_JAR_DIR") == 1


# -- bad inputs -----------------------------------------------------------------------------


@pytest.mark.parametrize("content, message", [
    ("Configuration-Version: eleven\n",
     "Invalid Configuration-Version in system upgrade tracker {tracker}: 'eleven' "
     "(expected MAJOR.MINOR.PATCH); fix the line or reset it with "
     "pki-upgrade --set-tracker <version>"),
    ("Configuration-Version: 11.0\n",
     "Invalid Configuration-Version in system upgrade tracker {tracker}: '11.0' "
     "(expected MAJOR.MINOR.PATCH); fix the line or reset it with "
     "pki-upgrade --set-tracker <version>"),
])
def test_garbled_tracker_version(system: SystemLayout, content: str, message: str) -> None:
    system.tracker.write_text(content)
    with pytest.raises(ValueError) as e:
        upgrader(system).upgrade()
    assert str(e.value) == message.format(tracker=system.tracker)
    assert system.tracker.read_text() == content


def test_garbled_tracker_index(system: SystemLayout) -> None:
    system.tracker.write_text("Configuration-Version: 11.0.0\n")
    tracker = upgrader(system).get_tracker()
    system.tracker.write_text("Configuration-Version: 11.0.0\nScriptlet-Index: two\n")
    with pytest.raises(ValueError, match=r"^Invalid Scriptlet-Index in system upgrade tracker "
                       r".*pki\.version: 'two' \(expected a scriptlet number\)"):
        tracker.get_index()


def test_tracker_that_is_not_text(system: SystemLayout) -> None:
    system.tracker.write_bytes(b"\x80\x81\xfe binary")
    with pytest.raises(ValueError, match=r"^Invalid system upgrade tracker .*pki\.version: "
                       r"not a text file \(.*\); restore it or recreate it with "
                       r"pki-upgrade --set-tracker <version>$"):
        upgrader(system).status()
    assert system.tracker.read_bytes() == b"\x80\x81\xfe binary"


def test_missing_upgrade_dir(system: SystemLayout, tmp_path: Path) -> None:
    u = pki.upgrade.PKIUpgrader(upgrade_dir=str(tmp_path / "nowhere"))
    for action in (u.upgrade, u.revert):
        with pytest.raises(FileNotFoundError, match=r"Upgrade directory not found: .*nowhere "
                           r"\(it comes with the package that ships the upgrade scriptlets"):
            action()
    assert system.tracker.read_text() == "Configuration-Version: 11.0.0\n"


def test_version_directory_that_is_not_a_version(system: SystemLayout) -> None:
    (system.upgrade_dir / "latest").mkdir()
    with pytest.raises(ValueError) as e:
        upgrader(system).upgrade()
    assert str(e.value) == (
        f"Invalid upgrade version directory: {system.upgrade_dir}/latest (every entry of "
        f"{system.upgrade_dir} must be named MAJOR.MINOR.PATCH; remove or rename it)")
    assert system.pki_conf.read_text() == PKI_CONF


def test_scriptlet_without_its_class(system: SystemLayout) -> None:
    write_scriptlet(system.upgrade_dir / "11.0.0", "03-Missing.py", "X = 1\n")
    with pytest.raises(ValueError, match=r"^Invalid upgrade scriptlet .*/11\.0\.0/03-Missing\.py"
                       r": it defines no class Missing \(the class must be named as the file\)$"):
        upgrader(system).upgrade()
    assert system.pki_conf.read_text() == PKI_CONF


def test_scriptlet_name_without_a_number(system: SystemLayout) -> None:
    write_scriptlet(system.upgrade_dir / "11.0.0", "first-Thing.py", "X = 1\n")
    with pytest.raises(ValueError, match=r"^Invalid upgrade scriptlet name: .*/first-Thing\.py "
                       r"\(expected <number>-<class name>\.py\)$"):
        upgrader(system).scriptlets(V("11.0.0"))


def test_missing_package_version_file(system: SystemLayout) -> None:
    system.version_file.unlink()
    with pytest.raises(FileNotFoundError, match=r"Package version file not found: .*VERSION"):
        upgrader(system).upgrade()


# -- pki-server's subclass ------------------------------------------------------------------

# pki-server's pki/server/upgrade.py, written the way upstream's subclasses pki.upgrade:
# scriptlets back up into the instance's logs, the tracker is tomcat.conf, the file
# operations go through the instance (which sets owners), scriptlets run per subsystem and
# then for the instance
SERVER_UPGRADE = '''\
import logging

import pki
import pki.upgrade

UPGRADE_DIR = pki.SHARE_DIR + '/server/upgrade'
INSTANCE_TRACKER = '%s/tomcat.conf'
logger = logging.getLogger(__name__)


class PKIServerUpgradeScriptlet(pki.upgrade.PKIUpgradeScriptlet):

    def __init__(self):
        super().__init__()
        self.instance = None

    def get_backup_dir(self):
        return '%s/backup/%s/%s' % (self.instance.logs_dir, self.version, self.index)

    def upgrade_subsystem(self, instance, subsystem):
        pass

    def upgrade_instance(self, instance):
        pass


class PKIServerUpgrader(pki.upgrade.PKIUpgrader):

    def __init__(self, instance, upgrade_dir=UPGRADE_DIR):
        super().__init__(upgrade_dir)
        self.instance = instance
        self.tracker = None

    def get_tracker(self):
        if self.tracker:
            return self.tracker
        self.tracker = pki.upgrade.PKIUpgradeTracker(
            '%s instance' % self.instance, INSTANCE_TRACKER % self.instance.conf_dir,
            version_key='PKI_VERSION', index_key='PKI_UPGRADE_INDEX', quote='"')
        return self.tracker

    def validate(self):
        if not self.is_complete():
            raise Exception('Incomplete upgrade: %s' % self.instance)

    def touch(self, path):
        self.instance.touch(path)

    def makedirs(self, path, exist_ok=False):
        self.instance.makedirs(path, exist_ok=exist_ok)

    def copydirs(self, source, dest, force=False):
        self.instance.copydirs(source, dest, force=force)

    def copyfile(self, source, dest, force=False):
        self.instance.copyfile(source, dest, exist_ok=True, force=force)

    def init_scriptlet(self, scriptlet):
        scriptlet.instance = self.instance
        super().init_scriptlet(scriptlet)

    def run_scriptlet(self, scriptlet):
        for subsystem in self.instance.get_subsystems():
            subsystem.load()
            scriptlet.upgrade_subsystem(self.instance, subsystem)
        scriptlet.upgrade_instance(self.instance)
'''


class Subsystem:
    def __init__(self, name: str, conf_dir: Path) -> None:
        self.name = name
        self.cs_cfg = conf_dir / name / "CS.cfg"
        self.config: dict[str, str] = {}

    def load(self) -> None:
        self.config = {}
        pki.util.load_properties(str(self.cs_cfg), self.config)

    def __str__(self) -> str:
        return self.name


class Instance:
    """The part of pki-server's ``PKIInstance`` an upgrader uses; it records the file
    operations routed through it (the real one also sets the instance user's owner)."""

    def __init__(self, base: Path) -> None:
        self.name = "pki-tomcat"
        self.conf_dir = str(base / "conf")
        self.logs_dir = str(base / "logs")
        self.operations: list[str] = []
        self.subsystems = [Subsystem("ca", base / "conf")]

    def __str__(self) -> str:
        return self.name

    def get_subsystems(self) -> list[Subsystem]:
        return self.subsystems

    def touch(self, path: str) -> None:
        self.operations.append("touch")
        Path(path).touch()

    def makedirs(self, path: str, exist_ok: bool | None = None, force: bool = False) -> None:
        self.operations.append("makedirs")
        pki.util.makedirs(path, exist_ok=bool(exist_ok), force=force)

    def copydirs(self, source: str, dest: str, force: bool = False) -> None:
        self.operations.append("copydirs")
        pki.util.copydirs(source, dest, force=force)

    def copyfile(self, source: str, dest: str, params: Any = None, exist_ok: bool = False,
                 force: bool = False) -> None:
        self.operations.append("copyfile")
        if exist_ok and os.path.exists(dest) and not force:
            return
        pki.util.copyfile(source, dest, params=params, force=force)


@pytest.fixture
def pki_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """``pki.server.upgrade`` from a ``pki/server`` folder added to the package's path."""
    package = tmp_path / "site" / "pki" / "server"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "upgrade.py").write_text(SERVER_UPGRADE)
    monkeypatch.setattr(pki, "__path__", [*pki.__path__, str(package.parent)])
    try:
        yield importlib.import_module("pki.server.upgrade")
    finally:
        sys.modules.pop("pki.server.upgrade", None)
        sys.modules.pop("pki.server", None)
        if "server" in vars(pki):
            delattr(pki, "server")


@pytest.fixture
def instance(tmp_path: Path) -> Instance:
    instance = Instance(tmp_path / "pki-tomcat")
    conf = Path(instance.conf_dir)
    (conf / "ca").mkdir(parents=True)
    (conf / "ca" / "CS.cfg").write_text("ca.crl.MasterCRL.enable=true\nlog.level=1\n")
    (conf / "server.xml").write_text("<Server port='8005'/>\n")
    (conf / "tomcat.conf").write_text('JAVA_HOME="/usr/lib/jvm/jre"\nPKI_VERSION="11.5.0"\n')
    Path(instance.logs_dir).mkdir()
    return instance


def server_scriptlets(upgrade_dir: Path) -> None:
    write_scriptlet(upgrade_dir / "11.5.0", "01-RemoveUnusedParams.py", """\
        import pki
        import pki.server.upgrade


        class RemoveUnusedParams(pki.server.upgrade.PKIServerUpgradeScriptlet):

            def __init__(self):
                super().__init__()
                self.message = 'Remove unused params in CS.cfg'

            def upgrade_subsystem(self, instance, subsystem):
                self.backup(str(subsystem.cs_cfg))
                conf = pki.PropertyFile(str(subsystem.cs_cfg))
                conf.read()
                conf.remove('log.level')
                conf.write()
        """)
    write_scriptlet(upgrade_dir / "11.5.0", "02-DisableShutdownPort.py", """\
        import os
        import pki.server.upgrade


        class DisableShutdownPort(pki.server.upgrade.PKIServerUpgradeScriptlet):

            def __init__(self):
                super().__init__()
                self.message = 'Disable the shutdown port'

            def upgrade_instance(self, instance):
                path = os.path.join(instance.conf_dir, 'server.xml')
                self.backup(path)
                with open(path, 'w') as f:
                    f.write("<Server port='-1'/>\\n")
        """)


def test_pki_server_upgrade_runs_per_subsystem_and_instance(
        pki_server: ModuleType, instance: Instance, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    upgrade_dir = tmp_path / "server-upgrade"
    server_scriptlets(upgrade_dir)
    version_file = tmp_path / "VERSION"
    version_file.write_text("Specification-Version: 11.6.0\n")
    monkeypatch.setattr(pki, "PACKAGE_VERSION", str(version_file))
    conf = Path(instance.conf_dir)
    before = snapshot(conf)

    # as pki-server upgrade <instance> does
    u = pki_server.PKIServerUpgrader(instance=instance, upgrade_dir=str(upgrade_dir))
    assert isinstance(u, pki.upgrade.PKIUpgrader)
    with pytest.raises(Exception, match="^Incomplete upgrade: pki-tomcat$"):
        u.validate()
    u.upgrade()

    assert (conf / "ca" / "CS.cfg").read_text() == "ca.crl.MasterCRL.enable=true\n"
    assert (conf / "server.xml").read_text() == "<Server port='-1'/>\n"
    assert (conf / "tomcat.conf").read_text() == (
        'JAVA_HOME="/usr/lib/jvm/jre"\nPKI_VERSION="11.6.0"\n')
    backup = Path(instance.logs_dir) / "backup" / "11.5.0"
    assert (backup / "1" / "oldfiles" / str(conf / "ca" / "CS.cfg").lstrip("/")).read_bytes() \
        == before["ca/CS.cfg"][0]
    assert {"makedirs", "copydirs", "copyfile"} <= set(instance.operations)

    pki_server.PKIServerUpgrader(instance=instance, upgrade_dir=str(upgrade_dir)).status()
    assert capsys.readouterr().out == (
        "pki-tomcat instance:\n  Configuration version: 11.6.0\n")
    pki_server.PKIServerUpgrader(instance=instance, upgrade_dir=str(upgrade_dir)).validate()


def test_pki_server_scriptlet_failure_leaves_the_index_in_tomcat_conf(
        pki_server: ModuleType, instance: Instance, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    upgrade_dir = tmp_path / "server-upgrade"
    server_scriptlets(upgrade_dir)
    write_scriptlet(upgrade_dir / "11.5.0", "03-Broken.py", """\
        import pki.server.upgrade

        class Broken(pki.server.upgrade.PKIServerUpgradeScriptlet):
            def upgrade_instance(self, instance):
                raise OSError('read-only file system')
        """)
    version_file = tmp_path / "VERSION"
    version_file.write_text("Specification-Version: 11.6.0\n")
    monkeypatch.setattr(pki, "PACKAGE_VERSION", str(version_file))

    u = pki_server.PKIServerUpgrader(instance=instance, upgrade_dir=str(upgrade_dir))
    with pytest.raises(OSError, match="read-only file system"):
        u.upgrade()
    assert (Path(instance.conf_dir) / "tomcat.conf").read_text() == (
        'JAVA_HOME="/usr/lib/jvm/jre"\nPKI_VERSION="11.5.0"\nPKI_UPGRADE_INDEX="2"\n')
