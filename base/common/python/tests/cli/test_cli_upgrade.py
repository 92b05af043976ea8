"""``pki-upgrade`` (``python -m pki.cli.upgrade``, as upstream's /usr/sbin/pki-upgrade runs
it) in a subprocess, against a system laid out in a temporary directory.

Upstream's paths are constants under ``/usr/share/pki``, ``/etc/pki`` and ``/var/log/pki``;
``run_upgrade`` points ``pki.SHARE_DIR``, ``CONF_DIR``, ``LOG_DIR`` and ``PACKAGE_VERSION`` at
the temporary tree before the module is first imported, then runs it as ``__main__`` exactly
as ``-m`` does. Options that touch no file run as plain ``python -m pki.cli.upgrade``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cli_helpers import SRC
from upgrade_layout import PKI_CONF, SystemLayout, make_system, snapshot, write_scriptlet

HELP = """\
Usage: pki-upgrade [OPTIONS]

  --status                       Show upgrade status only. Do not perform upgrade.
  --revert                       Revert the last version.
  --validate                     Validate upgrade status.

  -X                             Show advanced options.
  -v, --verbose                  Run in verbose mode.
      --debug                    Run in debug mode.
  -h, --help                     Show this help message.
"""

ADVANCED = """
WARNING: These options may render the system unusable.

  --remove-tracker               Remove tracker.
  --reset-tracker                Reset tracker to match package version.
  --set-tracker <version>        Set tracker to a specific version.
"""

# pki's directories moved into the temporary tree, then the module run as -m runs it
PRELUDE = """\
import runpy, sys
import pki
pki.SHARE_DIR, pki.CONF_DIR, pki.LOG_DIR, pki.PACKAGE_VERSION = sys.argv[1:5]
sys.argv = ['pki-upgrade'] + sys.argv[5:]
runpy.run_module('pki.cli.upgrade', run_name='__main__', alter_sys=True)
"""


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *argv], stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=120, env={**os.environ, "PYTHONPATH": SRC},
    )


def pki_upgrade(*argv: str) -> subprocess.CompletedProcess[str]:
    return _run(["-m", "pki.cli.upgrade", *argv])


def run_upgrade(layout: SystemLayout, *argv: str) -> subprocess.CompletedProcess[str]:
    return _run(["-c", PRELUDE, str(layout.share_dir), str(layout.conf_dir),
                 str(layout.log_dir), str(layout.version_file), *argv])


def test_help_and_advanced_options() -> None:
    for option in ("-h", "--help"):
        result = pki_upgrade(option)
        assert (result.returncode, result.stdout, result.stderr) == (0, HELP, "")
    result = pki_upgrade("-X")
    assert (result.returncode, result.stdout, result.stderr) == (0, HELP + ADVANCED, "")


def test_unknown_option_is_argparses_usage_error() -> None:
    result = pki_upgrade("--scriptlet-version", "11.0.0")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("usage: pki-upgrade [--status] [--revert] [--validate]")
    assert result.stderr.endswith(
        "pki-upgrade: error: unrecognized arguments: --scriptlet-version 11.0.0\n")


def test_bad_set_tracker_version_touches_nothing() -> None:
    result = pki_upgrade("--set-tracker", "latest")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == ("ERROR: Invalid --set-tracker version: 'latest' "
                             "(give MAJOR.MINOR.PATCH, e.g. 11.6.0)\n")


def test_importing_the_pki_command_does_not_load_pki_upgrade() -> None:
    result = _run(["-c", "import sys, pki.cli, pki.cli.main; "
                         "print(sorted(m for m in sys.modules if 'upgrade' in m))"])
    assert (result.returncode, result.stdout) == (0, "[]\n")


def test_upgrade_status_validate_revert(tmp_path: Path) -> None:
    layout = make_system(tmp_path)
    templates = snapshot(layout.templates)

    result = run_upgrade(layout, "--validate")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == ("ERROR: Incomplete upgrade: configuration is at version 11.0.0, "
                             "packages at 11.2.0; run pki-upgrade\n")

    result = run_upgrade(layout, "-v")
    assert (result.returncode, result.stdout) == (0, "")
    lines = result.stderr.splitlines()
    assert lines[0] == "INFO: Upgrading PKI system"
    assert "INFO: Running upgrade script 11.0.0-1: Add JNI_JAR_DIR into pki.conf" in lines
    assert "INFO: Running upgrade script 11.1.0-1: Rewrite the server templates" in lines
    assert f"INFO: Saving {layout.pki_conf}" in lines
    assert f"INFO: Recording {layout.cache_dir}" in lines
    assert layout.tracker.read_text() == "Configuration-Version: 11.2.0\n"

    result = run_upgrade(layout, "--status")
    assert (result.returncode, result.stdout, result.stderr) == (
        0, "system:\n  Configuration version: 11.2.0\n", "")
    result = run_upgrade(layout, "--validate")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")

    result = run_upgrade(layout, "--revert")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert snapshot(layout.templates) == templates
    assert layout.tracker.read_text() == "Configuration-Version: 11.1.0\n"

    result = run_upgrade(layout)  # quiet by default
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert layout.tracker.read_text() == "Configuration-Version: 11.2.0\n"


def test_the_first_action_given_wins(tmp_path: Path) -> None:
    layout = make_system(tmp_path)
    result = run_upgrade(layout, "--revert", "--status", "--set-tracker", "11.1.0")
    assert (result.returncode, result.stdout) == (0, "system:\n  Configuration version: 11.0.0\n")
    assert layout.tracker.read_text() == "Configuration-Version: 11.0.0\n"


def test_tracker_options(tmp_path: Path) -> None:
    layout = make_system(tmp_path)
    assert run_upgrade(layout, "--set-tracker", "11.1.0").returncode == 0
    assert layout.tracker.read_text() == "Configuration-Version: 11.1.0\n"
    assert run_upgrade(layout, "--reset-tracker").returncode == 0
    assert layout.tracker.read_text() == "Configuration-Version: 11.2.0\n"
    assert run_upgrade(layout, "--remove-tracker").returncode == 0
    assert layout.tracker.read_text() == ""
    assert layout.pki_conf.read_text() == PKI_CONF


def test_failing_scriptlet_names_itself(tmp_path: Path) -> None:
    layout = make_system(tmp_path)
    write_scriptlet(layout.upgrade_dir / "11.0.0", "02-CreateCacheDir.py", """\
        import pki.upgrade

        class CreateCacheDir(pki.upgrade.PKIUpgradeScriptlet):
            def upgrade_system(self):
                raise RuntimeError('disk full')
        """)
    result = run_upgrade(layout)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        f"ERROR: Upgrade script 11.0.0-2 (CreateCacheDir) failed: disk full; its backups are "
        f"in {layout.backup_dir}/11.0.0/2\nERROR: disk full\n")
    assert layout.tracker.read_text() == "Configuration-Version: 11.0.0\nScriptlet-Index: 1\n"

    # as upstream: every run's new tracker forgets the half-done index (the next upgrade runs
    # the whole version again), so --status, a run of its own, shows the version only
    result = run_upgrade(layout, "--status")
    assert result.stdout == "system:\n  Configuration version: 11.0.0\n"
    assert layout.tracker.read_text() == "Configuration-Version: 11.0.0\n"

    result = run_upgrade(layout, "--debug")
    assert result.returncode == 1
    assert "Traceback (most recent call last):" in result.stderr
    assert "RuntimeError: disk full" in result.stderr
    assert "DEBUG: Target version: 11.2.0" in result.stderr


def test_missing_upgrade_dir_and_garbled_tracker(tmp_path: Path) -> None:
    layout = make_system(tmp_path)
    layout.tracker.write_text("Configuration-Version: latest\n")
    result = run_upgrade(layout, "--status")
    assert (result.returncode, result.stdout) == (1, "system:\n")
    assert result.stderr == (
        f"ERROR: Invalid Configuration-Version in system upgrade tracker {layout.tracker}: "
        f"'latest' (expected MAJOR.MINOR.PATCH); fix the line or reset it with "
        f"pki-upgrade --set-tracker <version>\n")

    assert run_upgrade(layout, "--set-tracker", "11.0.0").returncode == 0
    for path in sorted(layout.upgrade_dir.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    layout.upgrade_dir.rmdir()
    result = run_upgrade(layout)
    assert result.returncode == 1
    assert result.stderr == (
        f"ERROR: [Errno 2] Upgrade directory not found: {layout.upgrade_dir} (it comes with "
        f"the package that ships the upgrade scriptlets; reinstall that package)\n")
    assert layout.tracker.read_text() == "Configuration-Version: 11.0.0\n"
