"""What the benchmark runs against, all inside one private temporary directory.

A test CA issues a server and a client certificate. The client identity goes into a
password-protected NSS database (contender (a) reads it there) and, for the PEM status quo
(contender (b)), into unencrypted PEM files. nginx serves a small JSON body and a 50 MB file on
two loopback ports, one with TLS session resumption and one without. The directory (keys
included) is removed and nginx stopped when the process exits, including on SIGTERM/SIGINT.
"""

from __future__ import annotations

import atexit
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pki.testing.certs import CA
from pki.testing.nsstools import TestNSSDB

HERE = Path(__file__).resolve().parent
NICKNAME = "PKI Administrator"
#: the files nginx serves for the download scenarios, path -> size in bytes
DOWNLOADS = {"/big.bin": 50 * 2**20, "/big20.bin": 20 * 2**20}
BIG_SIZE = DOWNLOADS["/big.bin"]
UPLOAD_SIZE = 20 * 2**20  # bytes POSTed to /upload


def private_tmpdir() -> Path:
    """A 0700 temporary directory, removed at exit (atexit runs on SIGTERM too, see below)."""
    tmp = Path(tempfile.mkdtemp(prefix="pki-bench-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    # Turn SIGTERM/SIGHUP/SIGINT into SystemExit so that the atexit handlers (nginx, tmpdir)
    # run; SIGINT too because shells start background jobs with SIGINT ignored.
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, lambda signum, frame: sys.exit(128 + signum))
    return tmp


def write_private(path: Path, data: bytes) -> Path:
    """Write a file only the current user can read (keys, passwords)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return path


@dataclass
class Credentials:
    """Paths to the same client identity in every form the contenders need."""

    ca_pem: Path  # trust anchor for the PEM contenders and nginx
    cert_pem: Path  # (b): client certificate
    key_pem: Path  # (b): client key, unencrypted, as the status quo keeps it
    nssdb: str  # (a), (c): "sql:/dir", CA trusted CT,C,C, identity under NICKNAME
    password_conf: Path  # (a): Dogtag password.conf ("internal=...")
    password_file: Path  # (c): bare token password for pk12util -k
    nickname: str = NICKNAME


def make_credentials(tmp: Path, key_type: str = "rsa") -> Credentials:
    """Issue the certificates and lay them out as NSS database and PEM files in ``tmp``."""
    ca = CA("Bench CA")
    server = ca.issue_cert(
        "127.0.0.1",
        key_type=key_type,
        usages=("server",),
        dns_names=("localhost",),
        ip_addresses=("127.0.0.1",),
    )
    client = ca.issue_cert(NICKNAME, key_type=key_type, usages=("client",))

    (tmp / "ca.pem").write_bytes(ca.cert_pem)
    (tmp / "server.pem").write_bytes(server.cert_pem + server.chain_pem)
    write_private(tmp / "server.key", server.key_pem())
    write_private(tmp / "client.pem", client.cert_pem)
    write_private(tmp / "client.key", client.key_pem())

    password = secrets.token_hex(12)
    db = TestNSSDB(tmp / "nssdb", password, "sql")
    try:
        db.add_ca("Bench CA", ca.cert)
        db.add_identity(NICKNAME, client)
    finally:
        db.cleanup()
    return Credentials(
        ca_pem=tmp / "ca.pem",
        cert_pem=tmp / "client.pem",
        key_pem=tmp / "client.key",
        nssdb=db.spec,
        password_conf=db.write_password_conf(tmp / "password.conf"),
        password_file=write_private(tmp / "password.txt", password.encode()),
    )


def make_big_files(tmp: Path) -> None:
    """The files nginx serves for DOWNLOADS (random-looking, so nothing compresses them)."""
    www = tmp / "www"
    www.mkdir()
    block = os.urandom(2**20)
    for name, size in DOWNLOADS.items():
        with open(www / name.lstrip("/"), "wb") as f:
            for _ in range(size // len(block)):
                f.write(block)


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_nginx() -> str:
    """The nginx binary; installed from the distribution when missing and we are root."""
    candidates = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"]
    found = shutil.which("nginx") or next((c for c in candidates if os.access(c, os.X_OK)), None)
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        print("nginx not found: installing it with apt-get", file=sys.stderr)
        subprocess.run(["apt-get", "update", "-q"], env=env, check=False)
        for package in ("nginx-light", "nginx"):
            if subprocess.run(["apt-get", "install", "-y", "-q", package], env=env).returncode == 0:
                return find_nginx()
    sys.exit(
        "nginx not found. Install it (Debian/Ubuntu: sudo apt-get install nginx-light or nginx; "
        "Fedora/RHEL: sudo dnf install nginx), or pass --nginx /path/to/nginx."
    )


class Nginx:
    """nginx in the foreground as the current user, configured from bench/nginx.conf.template."""

    def __init__(self, binary: str, tmp: Path) -> None:
        self.binary = binary
        self.tmp = tmp
        self.port_resume = free_port()
        self.port_full = free_port()
        self.port_plain = free_port()  # loopback HTTP, behind /upload only
        self.proc: subprocess.Popen[bytes] | None = None

    def version(self) -> str:
        out = subprocess.run([self.binary, "-v"], capture_output=True, text=True).stderr
        return out.strip().rpartition("/")[2]

    def _temp_paths(self) -> str:
        # Distribution builds point the temp paths at /var/lib/nginx, which a non-root user
        # cannot create; move them into tmp, for the modules this binary actually has.
        built = subprocess.run([self.binary, "-V"], capture_output=True, text=True).stderr
        lines = [f"    client_body_temp_path {self.tmp}/temp/body;"]
        for module in ("proxy", "fastcgi", "uwsgi", "scgi"):
            if f"--without-http_{module}_module" not in built:
                lines.append(f"    {module}_temp_path {self.tmp}/temp/{module};")
        return "\n".join(lines)

    def write_config(self) -> Path:
        user = pwd.getpwuid(os.geteuid()).pw_name
        fields = {
            "tmp": str(self.tmp),
            "port_resume": str(self.port_resume),
            "port_full": str(self.port_full),
            "port_plain": str(self.port_plain),
            "upload_limit": str(2 * UPLOAD_SIZE),
            # As root, nginx would run its workers as "nobody": keep them as the current user.
            "user_directive": f"user {user};" if os.geteuid() == 0 else "",
            "temp_paths": self._temp_paths(),
        }
        text = (HERE / "nginx.conf.template").read_text()
        for name, value in fields.items():
            text = text.replace("{{" + name + "}}", value)
        unknown = re.findall(r"\{\{\w+\}\}", text)
        if unknown:
            raise RuntimeError(f"nginx.conf.template: unknown fields {unknown}")
        (self.tmp / "temp").mkdir(exist_ok=True)
        conf = self.tmp / "nginx.conf"
        conf.write_text(text)
        return conf

    def start(self) -> None:
        conf = self.write_config()
        stderr = open(self.tmp / "nginx.stderr", "wb")
        self.proc = subprocess.Popen(
            [self.binary, "-p", str(self.tmp), "-c", str(conf)],
            stdin=subprocess.DEVNULL,
            stdout=stderr,
            stderr=stderr,
        )
        atexit.register(self.stop)
        deadline = time.monotonic() + 10
        for port in (self.port_resume, self.port_full, self.port_plain):
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"nginx exited ({self.proc.returncode}):\n{self.log()}")
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError as e:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"nginx not on {port}:\n{self.log()}") from e
                    time.sleep(0.05)

    def log(self) -> str:
        parts = []
        for name in ("nginx.stderr", "error.log"):
            path = self.tmp / name
            if path.exists():
                parts.append(path.read_text(errors="replace"))
        return "".join(parts).strip()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
