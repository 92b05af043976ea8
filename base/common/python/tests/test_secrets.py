"""Secrets never leave memory: files, logs, exception texts and ``repr()``, over a CLI session.

One ``pki`` session of a new agent runs in a fresh interpreter (``SESSION_DRIVER``) against
the session's Dogtag test server: ``client-init``, ``client-cert-import`` of the CA
certificate and of the agent's PKCS #12, an authenticated ``ca-cert-find``, a
``kra-key-archive --passphrase`` and its ``kra-key-retrieve --output-data``, a
``client-cert-request --csr-file``, and two failures (a wrong database password file, a
wrong PKCS #12 password). Every command runs with ``--debug`` and every logger is captured
at DEBUG. The session runs twice:

* under a Python audit hook (``tests/audit_hook.py``'s events): every ``open`` for writing,
  temporary file, ``mkdir``, ``rename`` and ``remove`` the Python code makes;
* under ``strace -f``: every ``open``/``openat``/``creat`` with a writing flag, ``rename``
  and ``unlink`` of the process and anything it starts, NSS's own C code included.

Both must show writes to the files the user asked for only: the database directory (``-d``),
the ``--output-data`` file (through a private temporary file beside it, renamed over it) and
the ``--csr-file``. No output, log record or error line holds the database password, the
PKCS #12 password, the archived passphrase or the agent's key (its PKCS #8 DER in base64 or
hex, or its PEM body). The objects that hold secrets show none in ``repr()``.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest
from audit_hook import HOOK
from cryptography.hazmat.primitives import serialization
from pki.client import PKIClient, PKIConnection
from pki.nssdb import BadPasswordError, NSSDatabase, PasswordCallbackError, Secret
from pki.testing.certs import IssuedCert
from pki.testing.server import DogtagTestServer
from pki.tls.credentials import credentials_from_nssdb

SRC = str(Path(__file__).resolve().parents[1])

#: Runs the session given as JSON in argv[1]; prints one JSON line: each command's status,
#: output and error text, and every log record (DEBUG and up, every logger).
SESSION_DRIVER = textwrap.dedent(
    """
    import contextlib, io, json, logging, sys
    from pki.cli.main import main

    plan = json.loads(sys.argv[1])
    records = io.StringIO()
    handler = logging.StreamHandler(records)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.DEBUG)
    results = []
    key_id = None
    for argv in plan["commands"]:
        argv = [key_id if a == "{KEY_ID}" else a for a in argv]
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(argv)
        results.append({"argv": argv, "status": status, "out": out.getvalue(),
                        "err": err.getvalue()})
        if "kra-key-archive" in argv and status == 0:
            key_id = json.loads(out.getvalue())["requestInfo"]["keyURL"].rsplit("/", 1)[-1]
    """
)
REPORT = 'print(json.dumps({"results": results, "logs": records.getvalue()}))\n'


class Session:
    """The paths and secrets of one CLI session of a new agent."""

    def __init__(self, server: DogtagTestServer, agent: IssuedCert, tmp_path: Path,
                 secret_files: Any) -> None:
        self.db_password = "db-" + uuid.uuid4().hex
        self.p12_password = "p12-" + uuid.uuid4().hex
        self.passphrase = "passphrase-" + uuid.uuid4().hex
        self.wrong_password = "wrong-" + uuid.uuid4().hex
        self.agent = agent
        self.db = tmp_path / "agent-db"
        self.home = tmp_path / "home"
        self.home.mkdir()
        self.output = tmp_path / "out" / "retrieved.bin"
        self.output.parent.mkdir()
        self.csr = tmp_path / "request.csr"
        self.files = {
            "db.pw": secret_files("db.pw", self.db_password + "\n"),
            "wrong.pw": secret_files("wrong.pw", self.wrong_password + "\n"),
            "p12.pw": secret_files("p12.pw", self.p12_password + "\n"),
            "wrong-p12.pw": secret_files("wrong-p12.pw", self.wrong_password + "\n"),
            "agent.p12": secret_files(
                "agent.p12", agent.to_pkcs12(self.p12_password.encode(), "Secrets Agent")
            ),
        }
        database = ["-d", str(self.db), "-C", str(self.files["db.pw"])]
        remote = ["-U", server.url, *database, "-n", "Secrets Agent"]
        self.client_key_id = "secrets-" + uuid.uuid4().hex[:12]
        self.commands = [
            ["--debug", *database, "client-init"],
            ["--debug", *database, "client-cert-import", "--ca-cert", str(server.ca_cert_path)],
            ["--debug", *database, "client-cert-import", "--pkcs12", str(self.files["agent.p12"]),
             "--pkcs12-password-file", str(self.files["p12.pw"])],
            ["--debug", "-d", str(self.db), "-c", self.db_password, "client-cert-find"],
            ["--debug", *remote, "ca-cert-find", "--size", "3"],
            ["--debug", *remote, "--output-format", "json", "kra-key-archive",
             "--clientKeyID", self.client_key_id, "--passphrase", self.passphrase],
            ["--debug", *remote, "kra-key-retrieve", "--keyID", "{KEY_ID}",
             "--output-data", str(self.output)],
            ["--debug", *database, "client-cert-request", "UID=secrets-agent",
             "--csr-file", str(self.csr)],
            # failures: their error lines and tracebacks hold no secret either
            ["--debug", "-U", server.url, "-d", str(self.db), "-C", str(self.files["wrong.pw"]),
             "-n", "Secrets Agent", "ca-cert-find"],
            ["--debug", *database, "client-cert-import", "--pkcs12",
             str(self.files["agent.p12"]), "--pkcs12-password-file",
             str(self.files["wrong-p12.pw"]), "Another Nickname"],
        ]

    @property
    def environment(self) -> dict[str, str]:
        env = {name: value for name, value in os.environ.items()
               if not name.startswith(("PKI_", "SSL_", "NSS_DEFAULT_DB_TYPE", "JAVA_"))}
        env.update(PYTHONPATH=SRC, HOME=str(self.home), PYTHONDONTWRITEBYTECODE="1",
                   PKI_LIB=str(self.home / "no-java-cli"), TZ="UTC")
        return env

    def script(self, audited: bool) -> str:
        if not audited:
            return SESSION_DRIVER + REPORT
        # everything imported first (imports compile bytecode), then the hook
        imports = "import pki.cli.main, pki.nssdb, pki.client, pki.key, pki.cert\n"
        # the shared hook records a rename's source; the target counts as a write too
        targets = textwrap.dedent(
            """
            def _rename_target(event, args):
                if event in ("os.rename", "os.replace") and len(args) > 1:
                    writes.append(("rename target", args[1]))
            sys.addaudithook(_rename_target)
            """
        )
        return imports + HOOK + "sys.addaudithook(_hook)\n" + targets + SESSION_DRIVER + (
            'print(json.dumps({"results": results, "logs": records.getvalue(), "writes": '
            '[list(w) if isinstance(w, tuple) else ["open", w] for w in writes]}, '
            "default=str))\n"
        )

    def run(self, prefix: list[str] = (), audited: bool = False) -> dict[str, Any]:
        plan = json.dumps({"commands": self.commands})
        done = subprocess.run(
            [*prefix, sys.executable, "-c", self.script(audited), plan],
            capture_output=True, text=True, env=self.environment, stdin=subprocess.DEVNULL,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.splitlines()[-1])

    def reset(self) -> None:
        """Remove what a run made, so that the next one starts the same way."""
        shutil.rmtree(self.db, ignore_errors=True)
        for path in (self.output, self.csr):
            path.unlink(missing_ok=True)

    def secrets(self) -> dict[str, str]:
        """Every secret of the session, and the forms of the agent's key a leak could take."""
        der = self.agent.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        pem_lines = self.agent.key_pem().decode().splitlines()[1:-1]
        return {
            "database password": self.db_password,
            "PKCS #12 password": self.p12_password,
            "archived passphrase": self.passphrase,
            "wrong password": self.wrong_password,
            "key (base64 DER)": base64.b64encode(der).decode()[40:100],
            "key (hex DER)": der.hex()[80:200],
            "key (PEM line)": pem_lines[2],
        }

    def check(self, report: dict[str, Any]) -> None:
        """The commands did what they should, and no text shows a secret."""
        statuses = [r["status"] for r in report["results"]]
        assert statuses == [0] * 8 + [1, 1], report["results"]
        assert self.output.read_text() == self.passphrase
        assert self.csr.read_text().startswith("-----BEGIN CERTIFICATE REQUEST-----")
        wrong_password, wrong_p12 = (r["err"] for r in report["results"][8:])
        assert "wrong password for NSS database" in wrong_password
        assert "PKCS #12" in wrong_p12 or "PKCS#12" in wrong_p12
        texts = {"logs": report["logs"]}
        for index, result in enumerate(report["results"]):
            texts[f"output of command {index}"] = result["out"]
            texts[f"errors of command {index}"] = result["err"]
        assert "DEBUG" in report["logs"]  # the capture works
        leaks = [
            f"{what} in {where}"
            for where, text in texts.items()
            for what, secret in self.secrets().items()
            if secret in text
        ]
        assert leaks == []

    def allowed(self, path: str) -> bool:
        """Whether the user asked for a write at ``path``."""
        resolved = os.path.realpath(path)
        db = os.path.realpath(self.db)
        out_dir = os.path.realpath(self.output.parent)
        return (
            resolved == db
            or resolved.startswith(db + os.sep)
            or resolved in (os.path.realpath(self.output), os.path.realpath(self.csr))
            or (os.path.dirname(resolved) == out_dir
                and os.path.basename(resolved).startswith(".pki-secret-"))
        )


@pytest.fixture
def session(
    dogtag_server: DogtagTestServer, tmp_path: Path, secret_files: Any
) -> Session:
    user_id = "secrets-" + uuid.uuid4().hex[:8]
    agent = dogtag_server.issue_client_cert("Secrets Agent", user_id=user_id)
    return Session(dogtag_server, agent, tmp_path, secret_files)


def _written_paths(writes: list[list[Any]]) -> list[str]:
    """The paths of the audit hook's records (``[event, path]``); an integer is a file
    descriptor reopened (``open(fd, "wb")``), made by a call recorded already."""
    return [str(path) for _, path in writes if not isinstance(path, int)]


def test_cli_session_writes_only_what_was_asked_and_shows_no_secret(session: Session) -> None:
    report = session.run(audited=True)
    session.check(report)
    paths = _written_paths(report["writes"])
    assert paths, "the audit hook saw no write at all (client-init makes the directory)"
    assert [p for p in paths if not session.allowed(p)] == []
    assert os.path.realpath(session.output) in {os.path.realpath(p) for p in paths}


_STRACE_CALL = re.compile(r'^(?:\[pid\s+\d+\]\s+|\d+\s+)?(\w+)\((.*)\)\s+=\s+(-?\d+)')
_WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND")


def strace_writes(trace: str) -> list[tuple[str, str]]:
    """``(call, path)`` of every successful call in an ``strace -f`` log that writes:
    an open with a writing flag, ``creat``, ``rename`` (both names), ``unlink``."""
    found = []
    for line in trace.splitlines():
        match = _STRACE_CALL.match(line.strip())
        if match is None or int(match.group(3)) < 0:
            continue
        call, args = match.group(1), match.group(2)
        paths = re.findall(r'"((?:[^"\\]|\\.)*)"', args)
        if call in ("open", "openat"):
            if paths and any(flag in args for flag in _WRITE_FLAGS):
                found.append((call, paths[0]))
        elif call in ("creat", "unlink", "unlinkat", "rename", "renameat", "renameat2"):
            found.extend((call, path) for path in paths)
    return found


def test_cli_session_under_strace(session: Session, tmp_path: Path) -> None:
    """The same session seen from the kernel: NSS's and OpenSSL's C code included."""
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is not installed (scripts/setup.sh installs it)")
    trace_file = tmp_path / "session.strace"
    report = session.run([
        strace, "-f", "-qq", "-o", str(trace_file),
        "-e", "trace=open,openat,creat,rename,renameat,renameat2,unlink,unlinkat",
    ])
    session.check(report)
    writes = strace_writes(trace_file.read_text())
    trace_file.unlink()
    # what the C code wrote shows up here and not under the audit hook
    assert any(path.endswith("key4.db") or "key4.db" in path for _, path in writes), writes
    outside = [(call, path) for call, path in writes
               if not session.allowed(path) and path not in ("/dev/null", "/dev/tty")]
    assert outside == []


# -- repr() and exception texts --------------------------------------------------------------


def test_objects_holding_secrets_show_none(
    dogtag_server: DogtagTestServer, tmp_path: Path, secret_files: Any
) -> None:
    agent = dogtag_server.issue_client_cert("Repr Agent", user_id="repr-" + uuid.uuid4().hex[:8])
    password = "repr-" + uuid.uuid4().hex
    db_dir = tmp_path / "db"
    db = NSSDatabase(str(db_dir), password=password)
    db.create()
    db.add_ca_cert(cert_file=str(dogtag_server.ca_cert_path))
    p12_password = uuid.uuid4().hex
    p12 = secret_files("agent.p12", agent.to_pkcs12(p12_password.encode(), "Repr Agent"))
    db.import_pkcs12(str(p12), pkcs12_password=p12_password)
    identity = credentials_from_nssdb(db, "Repr Agent").identities[0]
    connection = PKIConnection("https", "127.0.0.1", dogtag_server.port, nssdb=str(db_dir),
                               nickname="Repr Agent", nssdb_password=password)
    client = PKIClient(dogtag_server.url)
    client.set_client_auth(nssdb=str(db_dir), nickname="Repr Agent", nssdb_password=password)
    try:
        context = connection.get_ssl_context()
        assert connection.get("/ca/rest/certs").status_code == 200  # the identity works
        der = agent.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        secrets = [password, p12_password, base64.b64encode(der).decode()[40:100],
                   der.hex()[80:200]]
        objects = [db, connection, client, context, identity, Secret(password),
                   connection.session]
        shown = {type(o).__name__: repr(o) for o in objects}
        assert shown["Secret"] == "'********'"
        assert [(name, s) for name, text in shown.items() for s in secrets if s in text] == []
    finally:
        connection.close()
        client.close()
        db.close()


def test_exception_texts_hold_no_password(sql_db: Any) -> None:
    wrong = "wrong-" + uuid.uuid4().hex
    with pytest.raises(BadPasswordError) as bad:
        NSSDatabase(sql_db.spec, password=wrong).open()

    def callback(token: str, retry: bool) -> str:
        raise RuntimeError(f"the keyring said no to {wrong}")

    with pytest.raises(PasswordCallbackError) as failed:
        NSSDatabase(sql_db.spec, password_callback=callback).open()
    for exc in (bad.value, failed.value):
        assert wrong not in str(exc) and wrong not in repr(exc)
        assert wrong not in " ".join(map(str, exc.args))


def test_help_steers_away_from_a_password_on_the_command_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from pki.cli.main import main

    assert main(["--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    option = text[text.index("-c PASSWORD") : text.index("-C PASSWORD_FILE")]
    assert "process list (/proc/PID/cmdline)" in option and "prefer -C or -f" in option


def test_command_line_secrets_are_masked_as_values_only(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """argparse echoes unknown arguments: a secret option's value is masked there, in each
    form argparse takes, and the same word elsewhere in the line is left alone."""
    from pki.cli.main import main
    from pki.cli.options import mask_secret_arguments

    monkeypatch.setenv("HOME", str(tmp_path))
    status = main(["ca-cert-find", "--passphrase", "wrong", "--pkcs12-password=wrong", "wrong"])
    line = capsys.readouterr().err.strip()
    assert status == 2
    # an option the command lacks is named without its value (as commons-cli's
    # "Unrecognized option"), so no value is echoed at all
    assert line.startswith(
        "ERROR: unrecognized arguments: --passphrase --pkcs12-password "
        "(see 'pki ca-cert-find --help'; the Java pki CLI"
    )
    assert "wrong" not in line
    # argparse's own echo (a stray positional word) masks a secret option's value
    status = main(["kra-key-archive", "--clientKeyID", "k", "--passphrase", "wrong", "extra"])
    line = capsys.readouterr().err.strip()
    assert status == 2 and "wrong" not in line and "unrecognized arguments: extra" in line
    assert mask_secret_arguments(["-d", "db", "-c", "pw", "-wpw2", "--password=x", "pw"]) == [
        "-d", "db", "-c", "********", "-w********", "--password=********", "pw",
    ]
