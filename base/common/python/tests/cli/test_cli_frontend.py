"""The ``pki`` front end as a Java CLI user meets it.

``pki help``, module listings, ``--version``, global options after the command, ``| head``,
Basic authentication (``-u/-w/-W``) and the access banner, the Java fallback (a fake ``java``
that records its command line, found the way upstream finds the real one), and the errors
when the Java CLI is not installed. Basic authentication and the banner are tested against a
small real HTTPS server (``FakeDogtag``, stdlib http.server + ssl on 127.0.0.1) that records
each request's ``Authorization`` header, since the test server does not take passwords yet.
"""

from __future__ import annotations

import base64
import importlib.metadata
import json
import os
import ssl
import stat
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import AGENT, SRC, Run, failed, ok, run_pki
from client_helpers import unique
from https_echo import load_server_key
from pki.cli import CLI, CLIException
from pki.testing.certs import CA
from pki.testing.server import DogtagTestServer

pytestmark = pytest.mark.usefixtures("isolated_env")


# -- help, listings, version -------------------------------------------------------------------


def test_help(pki: Run) -> None:
    main_help = ok(pki("--help")).out
    assert ok(pki("help")).out == main_help
    assert main_help.startswith("Usage: pki [OPTIONS...] COMMAND [ARGS...]\n")
    for option in ("-d NSSDB", "-C PASSWORD_FILE", "-u USERNAME", "-W PASSWORD_FILE",
                   "--ignore-banner", "--ignore-cert-status LIST", "--output-format FORMAT"):
        assert f"\n  {option}" in main_help, option
    python_part = main_help.split("Commands that run in Python")[1]
    for command in ("info", "ca-cert-find", "ca-cert-request-approve", "kra-key-retrieve"):
        assert f"\n {command} " in python_part
    words = " ".join(main_help.split())
    assert "Every other command runs in the Java pki CLI" in words
    assert "it is not installed here" in words
    # help for one command is its --help
    assert ok(pki("help", "ca-cert-find")).out == ok(pki("ca-cert-find", "--help")).out
    assert "--maxSerialNumber" in ok(pki("help", "ca-cert-find")).out


def test_module_listings(pki: Run) -> None:
    ca = ok(pki("ca")).out.splitlines()
    # the Java CLI's layout: one space, the name padded to 34 columns, the description
    assert ca[:3] == [
        "Commands:",
        " ca-authority" + " " * 22 + "CA management commands",
        " ca-cert" + " " * 27 + "Certificate management commands",
    ]
    assert ca[-1].startswith("Other commands need the Java pki CLI, which is not installed")
    assert ok(pki("help", "ca")).out.splitlines() == ca

    listed = ok(pki("ca-cert")).out
    names = [line.split()[0] for line in listed.splitlines()[1:] if line.startswith(" ")]
    assert names == [
        "ca-cert-find", "ca-cert-issue", "ca-cert-show", "ca-cert-export", "ca-cert-revoke",
        "ca-cert-hold", "ca-cert-release-hold", "ca-cert-request",
    ]
    request = ok(pki("ca-cert-request")).out
    assert " ca-cert-request-approve " in request and " ca-cert-request-profile-find" in request
    assert " kra-key-archive " in ok(pki("kra-key")).out
    # Java-only commands are left out of a listing without the Java CLI
    key = ok(pki("kra-key")).out
    assert " kra-key-recover " in key and "kra-key-template-find" not in key
    profile = ok(pki("ca-profile")).out
    assert " ca-profile-enable " in profile and " ca-profile-edit " not in profile


def test_command_options_keep_clear_of_the_global_ones() -> None:
    """A command's own option never lands where a global option is kept (``--password`` of
    ca-user-add is not ``-c``; ``--port`` of securitydomain-host-add is not ``-p``): the
    command's values are merged over the global ones."""
    from pki.cli.main import build_parser
    from pki.cli.options import GLOBAL_OPTIONS

    after = {o.dest for o in GLOBAL_OPTIONS if o.after_command}
    before_only = {o.dest for o in GLOBAL_OPTIONS} - after - {"help"}  # each has --help
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert len(commands) > 90
    clashes = {
        (name, action.dest)
        for name, parser in commands.items()
        for action in parser._actions
        if action.dest in before_only
    }
    assert clashes == set()
    # the options accepted after every command keep their flags in every command
    for name, parser in commands.items():
        flags = {flag for action in parser._actions for flag in action.option_strings}
        assert {"-n", "-U", "--help"} <= flags, name
        if name != "ca-cert-issue":  # its --output-format is PEM/DER, as Java's
            assert "--output-format" in flags, name


def test_version(pki: Run) -> None:
    expected = importlib.metadata.version("dogtag-pki")
    assert ok(pki("--version")).out == f"PKI Command-Line Interface {expected}\n"
    # upstream's /usr/bin/pki runs "python3 -I -m pki.cli.main"
    proc = subprocess.run(
        [sys.executable, "-m", "pki.cli.main", "--version"], capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": SRC}, timeout=60,
    )
    assert (proc.returncode, proc.stdout) == (0, f"PKI Command-Line Interface {expected}\n")


def test_options_after_the_command(pki: Run, server: DogtagTestServer) -> None:
    info = server.info
    database = ["-d", info["nssdb"], "-f", info["password_file"]]
    # -U and --output-format after the command, as Java users write them
    data = json.loads(ok(pki(*database, "info", "-U", info["url"], "--output-format",
                             "json")).out)
    assert data["url"] == info["url"]
    # after the command wins
    shown = ok(pki(*database, "--output-format", "json", "-U", "https://127.0.0.1:9", "info",
                   "-U", info["url"], "--output-format", "text")).out
    assert shown.startswith(f"  Server URL: {info['url']}\n")
    # -n after the command, and -v (which logs to stderr)
    found = pki(*database, "-U", info["url"], "ca-cert-request-find", "-n", AGENT, "-v")
    assert found.status == 0, found.err
    assert "entries matched" in found.out
    # -d is a global option only, as in Java
    line = failed(pki("info", "-d", info["nssdb"]), status=2)
    assert "-d" in line


def test_pki_cli_options_from_the_environment(pki: Run, server: DogtagTestServer,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    info = server.info
    monkeypatch.setenv("PKI_CLI_OPTIONS", f"--output-format json -d {info['nssdb']}")
    data = json.loads(ok(pki("-U", info["url"], "info")).out)
    assert data["url"] == info["url"]


def test_closed_pipe_ends_quietly(agent: list[str], pki: Run, tmp_path: Path) -> None:
    """``pki ... | head``: a real pipe into a real head, which exits after three lines while
    pki still has far more than a pipe buffer to write."""
    secret = tmp_path / "big.bin"
    secret.write_bytes(os.urandom(300_000))
    cid = unique("cli-head")
    key_id = ok(pki(*agent, "kra-key-archive", "--clientKeyID", cid, "--input-data",
                    str(secret))).field("Key ID")
    producer = subprocess.Popen(
        [sys.executable, "-m", "pki.cli", *agent, "kra-key-retrieve", "--keyID", key_id],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": SRC},
    )
    head = subprocess.Popen(["head", "-n", "3"], stdin=producer.stdout, stdout=subprocess.PIPE)
    assert producer.stdout is not None and producer.stderr is not None
    producer.stdout.close()  # head owns the read end now
    out, _ = head.communicate(timeout=120)
    err = producer.stderr.read()
    assert producer.wait(timeout=120) == 0
    assert err == b""
    assert out.decode().splitlines()[1] == "Retrieve Key Information"


# -- untrusted server --------------------------------------------------------------------------


def test_untrusted_server_advice_is_for_the_cli(
    pki: Run, server: DogtagTestServer, empty_password_db: Any
) -> None:
    # a database that trusts another CA than the server's
    line = failed(pki("-U", server.url, "-d", empty_password_db.spec, "info"))
    assert "not trusted" in line
    directory = empty_password_db.spec.partition(":")[2]
    assert f"pki -d {directory} client-cert-import --ca-cert" in line
    assert "cert_paths" not in line and "nickname=" not in line


# -- Basic authentication and the access banner -------------------------------------------------


@dataclass
class FakeDogtag:
    """A small HTTPS server that answers like Dogtag for info, search and agent lists."""

    url: str
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)
    banner: str | None = None
    users: dict[str, str] = field(default_factory=dict)

    def authorizations(self, path_part: str) -> list[str | None]:
        return [auth for _, path, auth in self.requests if path_part in path]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: FakeDogtag

    def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = (json.dumps(body) if not isinstance(body, str) else body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json" if status < 400 else "text/html")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        path = urllib.parse.urlsplit(self.path).path
        auth = self.headers.get("Authorization")
        self.fake.requests.append((method, path, auth))
        if path in ("/pki/v2/info", "/pki/rest/info"):
            info = {"Name": "Fake Dogtag", "Version": "11.10.0"}
            if self.fake.banner and "JSESSIONID=" not in (self.headers.get("Cookie") or ""):
                info["Banner"] = self.fake.banner  # once per session, as Dogtag
            self._answer(200, info, {"Set-Cookie": "JSESSIONID=fake; Path=/"})
        elif path == "/ca/v2/certs/search":
            self._answer(200, {"total": 0, "entries": []})
        elif path == "/ca/v2/agent/certrequests":
            accepted = {
                "Basic " + base64.b64encode(f"{u}:{p}".encode()).decode()
                for u, p in self.fake.users.items()
            }
            if auth in accepted:
                self._answer(200, {"total": 0, "entries": []})
            else:
                self._answer(401, "<html>Unauthorized</html>",
                             {"WWW-Authenticate": 'Basic realm="Fake Dogtag"'})
        else:
            self._answer(404, "<html>Not Found</html>")

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def fake_dogtag(tmp_path: Path, test_ca: CA) -> Iterator[FakeDogtag]:
    issued = test_ca.issue_cert("fake dogtag", usages=("server",), ip_addresses=("127.0.0.1",))
    cert = tmp_path / "server.pem"
    cert.write_bytes(issued.cert_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    load_server_key(context, cert, tmp_path / "server.key", issued)
    handler = type("Handler", (_Handler,), {})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    fake = FakeDogtag(f"https://127.0.0.1:{httpd.server_address[1]}")
    handler.fake = fake
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield fake
    httpd.shutdown()
    httpd.server_close()


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_basic_authentication(
    pki: Run, fake_dogtag: FakeDogtag, empty_password_db: Any, tmp_path: Path
) -> None:
    password = "S3cret pass-" + unique("pw")
    fake_dogtag.users["caadmin"] = password
    base = ["-U", fake_dogtag.url, "-d", empty_password_db.spec]

    result = ok(pki(*base, "-u", "caadmin", "-w", password, "ca-cert-request-find"))
    assert "0 entries matched" in result.out
    assert fake_dogtag.authorizations("/agent/certrequests") == [_basic("caadmin", password)]

    # -W: the first line of a file; also after the command
    pwfile = tmp_path / "caadmin.txt"
    pwfile.write_text(password + "\nignored\n")
    ok(pki(*base, "ca-cert-request-find", "-u", "caadmin", "-W", str(pwfile)))
    assert fake_dogtag.authorizations("/agent/certrequests")[-1] == _basic("caadmin", password)

    # no -w or -W: asked for, and read from standard input even when it is a pipe
    asked = run_pki(*base, "-u", "caadmin", "ca-cert-request-find", input=password + "\n")
    assert asked.returncode == 0, asked.stderr
    assert asked.stdout.startswith("Enter Password: ")
    assert fake_dogtag.authorizations("/agent/certrequests")[-1] == _basic("caadmin", password)

    # a wrong password: one line that names the user, never a password
    wrong = "wrong-" + password
    line = failed(pki(*base, "-u", "caadmin", "-w", wrong, "ca-cert-request-find"))
    assert "401" in line and "'caadmin'" in line and wrong not in line
    debug = pki(*base, "-u", "caadmin", "-w", wrong, "--debug", "ca-cert-request-find")
    assert debug.status == 1 and "Traceback" in debug.err
    assert wrong not in debug.out + debug.err and password not in debug.out + debug.err


def test_basic_authentication_usage(pki: Run, fake_dogtag: FakeDogtag) -> None:
    line = failed(pki("-U", fake_dogtag.url, "-n", AGENT, "-u", "caadmin", "-w", "pw", "info"),
                  status=2)
    assert "-n and -u" in line and "pw" not in line.split("ERROR: ")[1].replace("-w", "")
    line = failed(pki("-U", fake_dogtag.url, "-u", "x", "-w", "a", "-W", "/dev/null", "info"),
                  status=2)
    assert "-w and -W" in line
    assert "password of the user" in failed(pki("-w", "secret-pw", "info"), status=2)


def test_access_banner(
    pki: Run, fake_dogtag: FakeDogtag, empty_password_db: Any
) -> None:
    fake_dogtag.banner = "Authorized use only. Activity is monitored."
    base = ["-U", fake_dogtag.url, "-d", empty_password_db.spec]
    accepted = run_pki(*base, "ca-cert-find", input="y\n")
    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stderr == (
        "Authorized use only. Activity is monitored.\n\nDo you want to proceed (y/N)? \n"
    )
    assert "0 entries found" in accepted.stdout

    fake_dogtag.requests.clear()
    declined = run_pki(*base, "ca-cert-find", input="n\n")
    assert declined.returncode == 1
    assert declined.stderr.splitlines()[-1].startswith("ERROR: the server's access banner")
    assert declined.stdout == ""
    assert [path for _, path, _ in fake_dogtag.requests] == ["/pki/v2/info"]  # nothing else

    for ignore in (["--ignore-banner", "ca-cert-find"], ["ca-cert-find", "--ignore-banner"]):
        quiet = run_pki(*base, *ignore)
        assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr


def test_ignore_cert_status(pki: Run, fake_dogtag: FakeDogtag, tmp_path: Path) -> None:
    # no database trusts the fake server's CA: refused, unless the issuer is ignored
    base = ["-U", fake_dogtag.url, "-d", str(tmp_path / "none")]
    failed(pki("-U", fake_dogtag.url, "ca-cert-find"))
    ignored = pki("-U", fake_dogtag.url, "--ignore-cert-status", "UNTRUSTED_ISSUER",
                  "ca-cert-find")
    assert ignored.status == 0
    assert ignored.err.startswith("WARNING: --ignore-cert-status UNTRUSTED_ISSUER: the server's")
    still = pki("-U", fake_dogtag.url, "--ignore-cert-status", "EXPIRED_CERTIFICATE",
                "ca-cert-find")
    assert still.status == 1 and "still enforce" in still.err
    assert "valid ones are" in failed(pki(*base, "--ignore-cert-status", "BOGUS", "info"),
                                      status=2)


# -- the Java fallback -------------------------------------------------------------------------


@dataclass
class FakeJava:
    home: Path
    lib: Path
    log: Path

    def calls(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def argv(self) -> list[str]:
        return list(self.calls()[-1]["argv"])


@pytest.fixture
def fake_java(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeJava:
    """A ``java`` in JAVA_HOME/bin that records its argv and environment, and a PKI_LIB with
    pki-tools.jar, laid out as upstream's packages install them."""
    home, lib, log = tmp_path / "jvm", tmp_path / "pki-lib", tmp_path / "java-calls.jsonl"
    (home / "bin").mkdir(parents=True)
    lib.mkdir()
    (lib / "pki-tools.jar").write_bytes(b"")
    java = home / "bin" / "java"
    java.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        "with open(os.environ['FAKE_JAVA_LOG'], 'a') as f:\n"
        "    f.write(json.dumps({'argv': sys.argv[1:], 'db_type':"
        " os.environ.get('NSS_DEFAULT_DB_TYPE')}) + '\\n')\n"
        "print('fake Java CLI output')\n"
        "sys.exit(int(os.environ.get('FAKE_JAVA_EXIT', '0')))\n"
    )
    java.chmod(stat.S_IRWXU)
    monkeypatch.setenv("JAVA_HOME", str(home))
    monkeypatch.setenv("PKI_LIB", str(lib))
    monkeypatch.setenv("FAKE_JAVA_LOG", str(log))
    return FakeJava(home, lib, log)


def _java_prefix(fake: FakeJava) -> list[str]:
    return ["-cp", f"{fake.lib}/*", "--enable-native-access=ALL-UNNAMED",
            "com.netscape.cmstools.cli.MainCLI"]


def test_java_fallback(
    pki: Run, fake_java: FakeJava, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_JAVA_EXIT", "7")
    pwfile = tmp_path / "pw.txt"
    pwfile.write_text("db-secret\n")
    result = pki("-d", f"sql:{tmp_path}/db", "-C", str(pwfile), "-n", AGENT,
                 "-U", "https://ca.example.com:8443", "ca-selftest-find", "--size", "5")
    assert result.status == 7  # the Java CLI's own status
    assert fake_java.argv() == [
        *_java_prefix(fake_java), "-d", f"{tmp_path}/db", "-C", str(pwfile), "-n", AGENT,
        "-U", "https://ca.example.com:8443", "ca-selftest-find", "--size", "5",
    ]
    assert fake_java.calls()[-1]["db_type"] == "sql"
    assert "db-secret" not in json.dumps(fake_java.calls())

    # a password reaches Java's command line only if it was on ours already
    monkeypatch.setenv("FAKE_JAVA_EXIT", "0")
    ok(pki("-c", "on-the-line", "-u", "caadmin", "-W", str(pwfile), "-v", "ca-selftest-show", "x"))
    assert fake_java.argv()[len(_java_prefix(fake_java)):] == [
        "-c", "on-the-line", "-u", "caadmin", "-W", str(pwfile), "-v", "ca-selftest-show", "x",
    ]
    # the database type goes by the environment, as pki.conf's NSS_DEFAULT_DB_TYPE
    ok(pki("-d", f"dbm:{tmp_path}/old", "ca-selftest-find"))
    assert fake_java.argv()[4:7] == ["-d", f"{tmp_path}/old", "ca-selftest-find"]
    assert fake_java.calls()[-1]["db_type"] == "dbm"
    # the shell mode, help of a Java-only command, --output-format moved after the command
    ok(pki())
    assert fake_java.argv() == _java_prefix(fake_java)
    ok(pki("help", "ca-selftest-find"))
    assert fake_java.argv()[-2:] == ["help", "ca-selftest-find"]
    ok(pki("--output-format", "json", "--debug", "ca-selftest-find"))
    assert fake_java.argv()[-5:] == [
        "com.netscape.cmstools.cli.MainCLI", "--debug", "ca-selftest-find", "--output-format",
        "json",
    ]


def test_options_only_java_has(pki: Run, fake_java: FakeJava, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A Python command given an option only its Java twin has runs in the Java CLI."""
    ok(pki("-n", AGENT, "ca-cert-find", "--input", "search.xml", "--size", "3"))
    assert fake_java.argv() == [*_java_prefix(fake_java), "-n", AGENT, "ca-cert-find",
                                "--input", "search.xml", "--size", "3"]
    # without the Java CLI it is a usage error naming the option
    monkeypatch.setenv("PKI_LIB", str(tmp_path))
    line = failed(pki("ca-cert-find", "--input", "search.xml"), status=2)
    assert "unrecognized arguments: --input (see" in line
    # ...pointing at the command's own options, and at the Java CLI that may have it
    assert "(see 'pki ca-cert-find --help'; the Java pki CLI, whose ca-cert-find" in line
    assert "is not installed" in line


def test_java_only_option_in_place_of_a_required_one(
    pki: Run, fake_java: FakeJava, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``client-cert-import RootCA --ca-server`` lacks every option the Python command
    requires (--cert, --ca-cert, ...): it still goes to the Java CLI, which has it."""
    ok(pki("-U", "https://ca.example.com:8443", "client-cert-import", "RootCA", "--ca-server"))
    assert fake_java.argv()[-3:] == ["client-cert-import", "RootCA", "--ca-server"]
    # a prefix of a Python option is that option, as with commons-cli: no Java
    monkeypatch.setenv("PKI_LIB", str(tmp_path))
    line = failed(pki("client-cert-import", "--ca-cert"), status=2)
    assert "argument --ca-cert: expected one argument" in line
    line = failed(pki("client-cert-import", "RootCA", "--ca-server"), status=2)
    assert line.startswith("ERROR: unrecognized arguments: --ca-server; did you mean "
                           "--ca-cert? (see 'pki client-cert-import --help'; the Java pki CLI")
    # a misspelt option: the close ones are named
    line = failed(pki("ca-cert-find", "--maxresults", "3"), status=2)
    assert line.startswith("ERROR: unrecognized arguments: --maxresults; did you mean "
                           "--maxResults? (see 'pki ca-cert-find --help'")


def test_nickname_with_spaces_unquoted(pki: Run, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """``-n PKI Administrator ca-cert-find``: -n takes "PKI", and the error says to quote."""
    monkeypatch.setenv("PKI_LIB", str(tmp_path))
    line = failed(pki("-n", "PKI", "Administrator", "ca-cert-find"), status=2)
    assert "'Administrator' is not a pki command" in line
    assert "-n took 'PKI': quote a nickname with spaces, -n \"PKI Administrator\"" in line


def test_java_fallback_uses_pki_conf(
    pki: Run, fake_java: FakeJava, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """JAVA_HOME, PKI_LIB, JVM options and the client defaults come from pki.conf, read
    without running it; the defaults the Python commands use go to Java as options."""
    monkeypatch.delenv("JAVA_HOME")
    monkeypatch.delenv("PKI_LIB")
    conf_dir = Path(os.environ["HOME"]) / ".dogtag"
    conf_dir.mkdir(parents=True, exist_ok=True)
    password_conf = tmp_path / "password.conf"
    password_conf.write_text("internal=db-secret\n")
    (conf_dir / "pki.conf").write_text(
        f"JAVA_HOME={fake_java.home}\nexport JAVA_HOME\n"
        f"PKI_LIB={fake_java.lib}\n"
        'JAVA_FIPS_ENABLED="-Dcom.redhat.fips=false -Dredhat.crypto-policies=false"\n'
        "PKI_LOGGING_CONFIG=/etc/pki-test/logging.properties\n"
        'PKI_CLI_OPTIONS="--ignore-banner"\n'
        "NSS_DEFAULT_DB_TYPE=dbm\n"
        f"PKI_CLIENT_DATABASE={tmp_path}/defaultdb\n"
        f"PKI_CLIENT_PASSWORD_FILE={password_conf}\n"
        "PKI_CLIENT_CERT_NICKNAME=caadmin\n"
    )
    ok(pki("-D", "pki.extra=1", "kra-key-template-find"))
    assert fake_java.argv() == [
        "-cp", f"{fake_java.lib}/*", "-Dcom.redhat.fips=false", "-Dredhat.crypto-policies=false",
        "--enable-native-access=ALL-UNNAMED", "-Dpki.extra=1",
        "-Djava.util.logging.config.file=/etc/pki-test/logging.properties",
        "com.netscape.cmstools.cli.MainCLI",
        "-d", f"{tmp_path}/defaultdb", "-f", str(password_conf), "-n", "caadmin",
        "--ignore-banner", "kra-key-template-find",
    ]
    assert fake_java.calls()[-1]["db_type"] == "dbm"


def test_java_listings_when_installed(pki: Run, fake_java: FakeJava) -> None:
    ca = ok(pki("ca")).out.splitlines()
    assert [line.split()[0] for line in ca[1:]] == [
        "ca-authority", "ca-audit", "ca-cert", "ca-crl", "ca-config", "ca-feature", "ca-group",
        "ca-kraconnector", "ca-profile", "ca-publisher", "ca-job", "ca-range", "ca-sd",
        "ca-selftest", "ca-user",
    ]
    client = ok(pki("client")).out
    assert client.split("Deprecated:\n")[1] == (
        " client-cert-del".ljust(35) + "Remove certificate from NSS database\n"
    )
    words = " ".join(ok(pki("--help")).out.split())
    assert f"it is installed ({fake_java.home}/bin/java, {fake_java.lib})" in words


def test_without_the_java_cli(pki: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    line = failed(pki("ca-selftest-find"))
    assert "'ca-selftest-find' is a command of the Java pki CLI, which is not installed" in line
    assert "pki-tools" in line and "pki-tools.jar" in line
    line = failed(pki("ca-cert-fnd"), status=2)
    assert "not a pki command; did you mean ca-cert-find" in line
    assert "no command given" in failed(pki(), status=2)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-jvm"))
    assert f"no Java at {tmp_path}/no-jvm/bin/java" in failed(pki("ca-selftest-find"))


# -- upstream's pki.cli.CLI (pki-server's commands derive from it) ------------------------------


def test_upstream_cli_classes(capsys: pytest.CaptureFixture[str]) -> None:
    ran: list[tuple[str, list[str]]] = []

    class Leaf(CLI):
        def execute(self, argv: list[str], args: Any = None) -> None:
            ran.append((self.get_full_name(), argv))

    class Top(CLI):
        def get_full_module_name(self, module_name: str) -> str:
            return module_name

    top, subsystem, cert = Top("pki-server", "Server"), CLI("ca", "CA"), CLI("cert", "Certs")
    top.add_module(subsystem)
    subsystem.add_module(cert)
    cert.add_module(Leaf("find", "Find certificates"))
    cert.add_module(Leaf("request-show", "Show a request"))
    subsystem.add_module(CLI("old", "Old things", deprecated=True))
    top.create_parser()

    top.execute(["ca-cert-find", "--all"])
    top.execute(["ca-cert-request-show", "1"])
    assert ran == [("ca-cert-find", ["--all"]), ("ca-cert-request-show", ["1"])]
    assert top.find_module("ca-cert-find").name == "find"  # type: ignore[union-attr]
    assert top.find_module("ca-nothing") is None
    with pytest.raises(CLIException, match='Invalid module "nothing"'):
        top.execute(["nothing"])
    capsys.readouterr()
    subsystem.print_help()
    assert capsys.readouterr().out == (
        "Commands:\n"
        f" {'ca-cert':32}{'Certs':30}\n"
        "\n"
        "Deprecated:\n"
        f" {'ca-old':32}{'Old things':30}\n"
    )


def test_an_unexpected_exception_is_told_in_its_own_words() -> None:
    """A library exception outside the known families (a bug, or an answer the library did
    not expect: a JSON list where an object belongs) prints its message first, then its
    class and where the traceback is."""
    from pki.cli.errors import describe_error

    try:
        [1, 2].items()  # type: ignore[attr-defined]  # what a list where a dict belongs gives
    except AttributeError as exc:
        line = describe_error(exc, None)
    assert line == (
        "'list' object has no attribute 'items' (AttributeError; run with -v for the "
        "traceback)"
    )
    assert describe_error(KeyError(), None) == "KeyError (KeyError; run with -v for the traceback)"
