"""The "Done when" check: an upstream-style admin script runs unchanged against the test server.

The server is started exactly as documented (``python -m pki.testing.server --port 0
--state-dir DIR``) in its own process; its one JSON line is the start contract the script
reads. The script (``upstream_script.py``) uses only upstream dogtag-pki API names (11.x's
``PKIConnection`` form and master's ``PKIClient`` form) and authenticates from the server's
agent NSS database; it also administers the CA (users, a profile, a sub-CA, the security
domain) with master's admin clients.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

PYTHON_DIR = Path(__file__).resolve().parents[1]
SCRIPT = Path(__file__).resolve().parent / "upstream_script.py"
START_TIMEOUT = 30.0


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PYTHON_DIR), env.get("PYTHONPATH", "")) if p
    )
    for name in ("PKI_SERVER_INFO", "PKI_URL", "PKI_NSSDB", "PKI_NICKNAME", "PKI_PASSWORD_FILE"):
        env.pop(name, None)
    return env


def _read_line(proc: subprocess.Popen[str], timeout: float) -> str:
    """The first stdout line of ``proc``, or fail after ``timeout`` seconds."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if selector.select(timeout=0.2):
                return proc.stdout.readline()
            if proc.poll() is not None:
                break
    raise AssertionError(f"no JSON line from the server (exit status {proc.poll()})")


def _run_script(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_upstream_script_against_the_server_cli(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    server_log = (tmp_path / "server.log").open("w")
    env = _env()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pki.testing.server", "--port", "0", "--state-dir", str(state_dir)],
        stdout=subprocess.PIPE,
        stderr=server_log,
        text=True,
        env=env,
    )
    try:
        line = _read_line(proc, START_TIMEOUT)
        info = json.loads(line)
        assert set(info) == {"url", "nssdb", "nickname", "password_file", "ca_cert"}
        assert info["url"].startswith("https://127.0.0.1:")
        assert info["nickname"] == "PKI Administrator"
        assert Path(info["nssdb"], "cert9.db").is_file()
        assert Path(info["password_file"]).read_text().startswith("internal=")

        # the JSON line as one argument
        first = _run_script([line.strip()], env)
        assert first.returncode == 0, first.stdout + first.stderr
        assert first.stdout.splitlines()[-1] == "OK"
        assert "Revoked certificate 0x" in first.stdout
        # and again with master's PKIClient API, on /v2/
        assert "Server 11.7.0, API v2" in first.stdout
        assert "(PKIClient)" in first.stdout and first.stdout.count("Retrieved key 0x") == 2
        # and administered the CA with master's admin clients
        assert "Users: caadmin" in first.stdout
        assert " with caScript" in first.stdout and "Sub-CA " in first.stdout
        assert "CA host(s)" in first.stdout

        # the same values from the environment; the vault's earlier secret is retired first
        second = _run_script([], {**env, "PKI_SERVER_INFO": line.strip()})
        assert second.returncode == 0, second.stdout + second.stderr
        assert second.stdout.splitlines()[-1] == "OK"
        first_key = [w for w in first.stdout.split() if w.startswith("0x")][-1]
        second_key = [w for w in second.stdout.split() if w.startswith("0x")][-1]
        assert first_key != second_key

        # nothing else ever reaches stdout: the JSON line is the whole start contract
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        assert proc.stdout is not None
        assert proc.stdout.read() == ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
        server_log.close()


def test_upstream_script_fails_loudly_on_a_wrong_nickname(tmp_path: Path) -> None:
    """The script's OK is earned: a nickname the database lacks makes it exit non-zero."""
    env = _env()
    proc = subprocess.Popen(
        [sys.executable, "-m", "pki.testing.server", "--port", "0", "--state-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        info = json.loads(_read_line(proc, START_TIMEOUT))
        info["nickname"] = "No Such Agent"
        result = _run_script([json.dumps(info)], env)
        assert result.returncode != 0
        assert "OK" not in result.stdout.splitlines()
        assert "No Such Agent" in result.stderr
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
