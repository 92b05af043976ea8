"""The session-end check of ``conftest.py``: what counts as a secret left behind, and a run
that leaves one fails."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from leftover_secrets import classify, find_leftovers
from nssdb_fixtures import PASSWORD
from pki.nssdb import NSSDatabase
from pki.testing.certs import CA
from pki.testing.nsstools import TestNSSDB

TESTS = Path(__file__).resolve().parent


def test_what_counts_as_a_secret(tmp_path: Path, test_ca: CA) -> None:
    issued = test_ca.issue_cert("Leftover")
    files = {
        "agent.pem": issued.cert_pem + issued.key_pem(),  # a key inside a bundle
        "blob.bin": issued.to_pkcs12(b"pw", "x"),  # PKCS #12, named like anything
        "id.p12": b"",
        "password.conf": b"internaldb=x\ninternal=y\n",
        "notes.txt": f"the password is {PASSWORD}\n".encode(),
        "db.pw": b"x\n",
        "p12pw": b"x\n",
        "admin-password": b"x\n",
        "ca.pem": test_ca.cert_pem,
        "server.log": b"passing through\n",
        "bypass.txt": b"nothing\n",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    kinds = {name: classify(tmp_path / name, [PASSWORD.encode()]) for name in files}
    assert kinds == {
        "agent.pem": "PEM private key", "blob.bin": "PKCS #12 file", "id.p12": "PKCS #12 file",
        "password.conf": "password file", "notes.txt": "password file",
        "db.pw": "password file", "p12pw": "password file", "admin-password": "password file",
        "ca.pem": None, "server.log": None, "bypass.txt": None,
    }


def test_key_databases_count_when_they_hold_a_key(tmp_path: Path, test_ca: CA) -> None:
    empty = tmp_path / "empty"
    NSSDatabase(str(empty), password="x").create()
    assert classify(empty / "key4.db", []) is None  # the password check is no key
    keyed = TestNSSDB(tmp_path / "keyed", None, "sql")
    keyed.add_identity("agent", test_ca.issue_cert("Agent"))
    assert classify(keyed.directory / "key4.db", []) == "NSS key database"
    old = TestNSSDB(tmp_path / "old", None, "dbm")
    assert classify(old.directory / "key3.db", []) == "NSS key database"
    found = find_leftovers([tmp_path], [], exclude=[tmp_path / "old"])
    assert [(f.path.parent.name, f.kind) for f in found] == [("keyed", "NSS key database")]


LEAKY_TESTS = textwrap.dedent(
    '''
    import tempfile
    from pathlib import Path

    KEY = b"-----BEGIN PRIVATE KEY-----\\nMIIB\\n-----END PRIVATE KEY-----\\n"

    def test_leaks_in_a_session_directory(tmp_path_factory):
        (tmp_path_factory.mktemp("leak") / "agent-key.pem").write_bytes(KEY)

    def test_leaks_a_temporary_file():
        directory = Path(tempfile.mkdtemp(prefix="leak-"))
        (directory / "password.conf").write_text("internal=secret\\n")

    def test_its_own_tmp_path_goes_with_it(tmp_path):
        (tmp_path / "key.pem").write_bytes(KEY)

    def test_a_failing_test_keeps_its_tmp_path(tmp_path):
        (tmp_path / "kept-key.pem").write_bytes(KEY)
        assert False
    '''
)


def test_a_run_that_leaves_secrets_fails(tmp_path: Path) -> None:
    """A pytest run with this directory's conftest (as a plugin) over tests that leave a key
    in a session directory and a password.conf in a ``tempfile`` directory: both are
    reported, the run fails, and they are gone afterwards; the failing test's tmp_path is
    kept, as pytest keeps it."""
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_leaky.py").write_text(LEAKY_TESTS)
    basetemp = tmp_path / "basetemp"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "conftest",
         "-o", "tmp_path_retention_policy=failed", f"--basetemp={basetemp}",
         "--rootdir", str(suite), "-q", str(suite)],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), *sys.path])},
    )
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "1 failed, 3 passed" in out
    assert "the test run left 2 secret file(s)" in out, out
    assert "PEM private key: " in out and "agent-key.pem" in out
    assert "password file: " in out and f"{basetemp}/tmp/leak-" in out
    assert "kept-key.pem (mode" not in out  # not among the reported files
    assert not list(basetemp.rglob("agent-key.pem")) and not list(basetemp.rglob("password.conf"))
    assert list(basetemp.rglob("kept-key.pem"))
