"""A Dogtag system's upgrade files in a temporary directory, for the ``pki.upgrade`` tests.

``make_system(root)`` lays out what upstream's packages install, under ``root``:
``share/upgrade/<version>/<NN>-<Class>.py`` scriptlets (written here, shaped like upstream's:
a ``pki.upgrade.PKIUpgradeScriptlet`` subclass that sets ``message`` and edits files with
``pki.PropertyFile`` after ``self.backup(path)``), ``share/VERSION`` (the packages' version),
``etc/pki.version`` (the system tracker), ``etc/pki.conf`` and a ``etc/templates`` tree the
scriptlets change, and ``log/`` for the backups. The scriptlets name the files they change
by absolute path, as upstream's do.

From 11.0.0 (the tracker's version) to 11.2.0 (the packages'): 11.0.0 adds a pki.conf
setting and creates a cache directory, 11.1.0 rewrites one template and deletes another;
10.9.0 is older than the tracker and fails if it ever runs; 11.2.0 has no directory.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

PKI_CONF = "# PKI configuration\nRESTEASY_LIB=/usr/share/java/resteasy\n"
TEMPLATES = {"server.xml": "<Server port='8005'/>\n", "web.xml": "<web-app/>\n"}


@dataclass(frozen=True)
class SystemLayout:
    root: Path
    share_dir: Path
    conf_dir: Path
    log_dir: Path

    @property
    def upgrade_dir(self) -> Path:
        return self.share_dir / "upgrade"

    @property
    def version_file(self) -> Path:
        return self.share_dir / "VERSION"

    @property
    def tracker(self) -> Path:
        return self.conf_dir / "pki.version"

    @property
    def backup_dir(self) -> Path:
        return self.log_dir / "upgrade"

    @property
    def pki_conf(self) -> Path:
        return self.conf_dir / "pki.conf"

    @property
    def templates(self) -> Path:
        return self.conf_dir / "templates"

    @property
    def cache_dir(self) -> Path:
        return self.conf_dir / "cache"


def write_scriptlet(version_dir: Path, filename: str, source: str) -> Path:
    version_dir.mkdir(parents=True, exist_ok=True)
    path = version_dir / filename
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def set_package_version(layout: SystemLayout, version: str) -> None:
    layout.version_file.write_text(
        f"Name: pki\nSpecification-Version: {version}\nImplementation-Version: {version}-1\n",
        encoding="utf-8",
    )


def make_system(root: Path, tracker_version: str = "11.0.0") -> SystemLayout:
    layout = SystemLayout(root, root / "share", root / "etc", root / "log")
    for directory in (layout.share_dir, layout.conf_dir, layout.log_dir, layout.templates):
        directory.mkdir(parents=True)
    set_package_version(layout, "11.2.0")
    layout.tracker.write_text(f"Configuration-Version: {tracker_version}\n", encoding="utf-8")
    layout.pki_conf.write_text(PKI_CONF, encoding="utf-8")
    layout.pki_conf.chmod(0o640)
    for name, text in TEMPLATES.items():
        (layout.templates / name).write_text(text, encoding="utf-8")

    upgrade = layout.upgrade_dir
    write_scriptlet(upgrade / "10.9.0", "01-TooOld.py", """\
        import pki.upgrade

        class TooOld(pki.upgrade.PKIUpgradeScriptlet):
            def upgrade_system(self):
                raise AssertionError('10.9.0 is older than the tracker')
        """)
    write_scriptlet(upgrade / "11.0.0", "01-AddJniJarDir.py", f"""\
        import pki
        import pki.upgrade

        class AddJniJarDir(pki.upgrade.PKIUpgradeScriptlet):

            def __init__(self):
                super().__init__()
                self.message = 'Add JNI_JAR_DIR into pki.conf'

            def upgrade_system(self):
                filename = {str(layout.pki_conf)!r}
                self.backup(filename)
                conf = pki.PropertyFile(filename)
                conf.read()
                index = conf.index('RESTEASY_LIB') + 1
                conf.insert_line(index, '')
                conf.set('JNI_JAR_DIR', '/usr/lib/java', index=index + 1)
                conf.write()
        """)
    write_scriptlet(upgrade / "11.0.0", "02-CreateCacheDir.py", f"""\
        import os
        import pki.upgrade

        class CreateCacheDir(pki.upgrade.PKIUpgradeScriptlet):

            def __init__(self):
                super().__init__()
                self.message = 'Create the cache directory'

            def upgrade_system(self):
                path = {str(layout.cache_dir)!r}
                self.backup(path)
                os.mkdir(path)
                with open(os.path.join(path, 'index'), 'w') as f:
                    f.write('empty\\n')
        """)
    write_scriptlet(upgrade / "11.1.0", "01-RewriteTemplates.py", f"""\
        import os
        import pki.upgrade

        class RewriteTemplates(pki.upgrade.PKIUpgradeScriptlet):

            def __init__(self):
                super().__init__()
                self.message = 'Rewrite the server templates'

            def upgrade_system(self):
                path = {str(layout.templates)!r}
                self.backup(path)
                with open(os.path.join(path, 'server.xml'), 'w') as f:
                    f.write("<Server port='-1'/>\\n")
                os.remove(os.path.join(path, 'web.xml'))
        """)
    # not scriptlets: no dash in the name
    (upgrade / "11.1.0" / "README").write_text("notes\n", encoding="utf-8")
    (upgrade / "11.1.0" / "helpers.py").write_text("raise AssertionError\n", encoding="utf-8")
    return layout


def snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``directory``: its bytes and mode, by relative path."""
    return {
        str(path.relative_to(directory)): (path.read_bytes(), path.stat().st_mode)
        for path in sorted(directory.rglob("*")) if path.is_file()
    }
