"""Shared pytest configuration: fixture modules, ``isolated_env``, and a check that the run
leaves no secret.

Temporary files: when the session starts, ``tempfile`` (and ``TMPDIR``, for every process the
tests start) is pointed at ``tmp`` inside pytest's base temporary directory, so that
everything the run creates with ``tempfile`` lives there, beside the ``tmp_path`` and
``tmp_path_factory`` directories; the system's temporary directory is only listed before and
after, to report what appeared there (other processes on the machine may write there too,
so that is a warning). ``tmp_path_retention_policy = "failed"`` (pyproject.toml) removes a
passing test's ``tmp_path`` when it ends.

The check: when the session ends, after every fixture has been torn down, the base temporary
directory must hold no private key, PKCS #12 file, NSS key database with a key, or password
file (``leftover_secrets`` says precisely what counts). The ``tmp_path`` of a test that
failed is not checked: pytest keeps it on purpose, to debug the failure. Anything found
fails the run (exit status 1) and is listed, then deleted, so that the report itself leaves
nothing behind.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest
from leftover_secrets import find_leftovers

pytest_plugins = [
    "fault_servers",
    "nssdb_fixtures",
    "https_echo",
    "server_fixtures",
    "tls_servers",
]

_state: dict[str, object] = {"failed_tmp_paths": []}


@pytest.fixture
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keeps the environment of the person running the tests out of one test (use it with
    ``pytest.mark.usefixtures``): HOME is an empty directory (returned), so no
    ~/.dogtag/pki.conf is read; no PKI_*, SSL_*, NSS_* or JAVA_* variable is set; PKI_LIB is
    an empty directory, so the ``pki`` front end finds no Java CLI; dates print in UTC (the
    CLI uses the local time zone, as the Java CLI does)."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for name in list(os.environ):
        if name.startswith(("PKI_", "SSL_", "NSS_", "JAVA_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PKI_LIB", str(tmp_path_factory.mktemp("no-java-cli")))
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    return home


def pytest_sessionstart(session: pytest.Session) -> None:
    system_tmp = Path(tempfile.gettempdir())
    _state["system_tmp"] = system_tmp
    _state["system_before"] = set(os.listdir(system_tmp))
    basetemp = session.config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
    run_tmp = basetemp / "tmp"
    run_tmp.mkdir(mode=0o700, exist_ok=True)
    _state["basetemp"] = basetemp
    _state["saved_tmp"] = (tempfile.tempdir, os.environ.get("TMPDIR"))
    tempfile.tempdir = str(run_tmp)
    os.environ["TMPDIR"] = str(run_tmp)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    tmp_path = getattr(item, "funcargs", {}).get("tmp_path")
    if report.failed and tmp_path is not None:
        failed = _state["failed_tmp_paths"]
        assert isinstance(failed, list)
        failed.append(Path(tmp_path))


def _known_passwords(session: pytest.Session) -> list[str]:
    """The fixtures' fixed passwords: a file holding one is a password file. (Taken from the
    registered plugin modules: importing them here would import them before pytest does.)"""
    plugins = session.config.pluginmanager
    return [
        getattr(plugins.get_plugin(module), name)
        for module, name in (("nssdb_fixtures", "PASSWORD"), ("tls_servers", "SELFSERV_PASSWORD"))
        if plugins.get_plugin(module) is not None
    ]


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Before pytest removes (or keeps) its base temporary directory: fail the run if a
    secret is left there."""
    saved_tempdir, saved_env = _state.pop("saved_tmp", (None, None))  # type: ignore[misc]
    tempfile.tempdir = saved_tempdir
    if saved_env is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = saved_env
    basetemp = _state.get("basetemp")
    if not isinstance(basetemp, Path):
        return
    # A run stopped early (-x, ^C) has not torn its fixtures down yet (pytest's runner does
    # it in its own sessionfinish, which comes later): do it now, as the runner would.
    setup_state = getattr(session, "_setupstate", None)
    if setup_state is not None:
        setup_state.teardown_exact(None)
    failed = _state["failed_tmp_paths"]
    assert isinstance(failed, list)
    known = _known_passwords(session)
    leftovers = find_leftovers([basetemp], known, exclude=failed)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    system_tmp = _state["system_tmp"]
    assert isinstance(system_tmp, Path)
    before = _state["system_before"]
    assert isinstance(before, set)
    appeared = [system_tmp / name for name in set(os.listdir(system_tmp)) - before]
    elsewhere = find_leftovers([p for p in appeared if p.is_dir()], known)
    if reporter is not None and elsewhere:
        reporter.write_line(
            f"WARNING: {len(elsewhere)} secret file(s) appeared in {system_tmp} during the run "
            "(this run's own temporary files are under its base temporary directory, so "
            "another process may have made them):", yellow=True,
        )
        for leftover in elsewhere:
            reporter.write_line(f"  {leftover}", yellow=True)
    if not leftovers:
        return
    if reporter is not None:
        reporter.write_line(
            f"FAILED: the test run left {len(leftovers)} secret file(s) in {basetemp}: the "
            "fixtures that made them must remove them (see tests/leftover_secrets.py)",
            red=True, bold=True,
        )
        for leftover in leftovers:
            reporter.write_line(f"  {leftover}", red=True)
    for leftover in leftovers:
        leftover.path.unlink(missing_ok=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
