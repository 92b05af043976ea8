"""Build real NSS databases with NSS's own tools (``certutil``, ``pk12util``).

Tests, the demo server and the benchmarks use this to make databases exactly as an
administrator would, so that the library is tested against what NSS itself writes rather than
against what the library thinks NSS writes. Needs Debian's ``libnss3-tools``
(Fedora: ``nss-tools``).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from pki.testing.certs import IssuedCert

__all__ = ["NSSToolError", "TestNSSDB"]


class NSSToolError(RuntimeError):
    """An NSS command-line tool failed; the message carries its output."""


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise NSSToolError(
            f"{tool} not found: install NSS's tools (Debian: libnss3-tools, Fedora: nss-tools)"
        )
    return path


class TestNSSDB:
    """An NSS database in ``directory`` created with ``certutil -N``.

    ``password=None`` makes a database with an empty password. The password is kept in a
    ``password.txt`` beside the database only when ``keep_password_file`` is true (the test
    server's ``password.conf`` needs one); otherwise it lives in a private temporary file just
    for the duration of each tool call.
    """

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        directory: str | os.PathLike[str],
        password: str | None = None,
        db_type: str = "sql",
    ) -> None:
        self.directory = Path(directory)
        self.password = password
        self.db_type = db_type
        self.directory.mkdir(parents=True, exist_ok=True)
        self._certutil("-N", *([] if password else ["--empty-password"]))

    @property
    def spec(self) -> str:
        """The ``type:directory`` string NSS tools and ``NSSDatabase`` accept."""
        return f"{self.db_type}:{self.directory}"

    def __repr__(self) -> str:
        return f"<TestNSSDB {self.spec}>"

    # -- tool plumbing -------------------------------------------------------------------

    def _password_file(self) -> str:
        path = self._scratch / "db.pw"
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(self.password or "")
        return str(path)

    @property
    def _scratch(self) -> Path:
        scratch: Path | None = getattr(self, "_scratch_dir", None)
        if scratch is None:
            scratch = Path(tempfile.mkdtemp(prefix="nsstools-"))
            self._scratch_dir: Path | None = scratch
        return scratch

    def cleanup(self) -> None:
        """Remove the private scratch files (passwords, PKCS#12 blobs) made for tool calls."""
        scratch = getattr(self, "_scratch_dir", None)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
            self._scratch_dir = None

    def _run(self, tool: str, *args: str, stdin: bytes | None = None) -> str:
        cmd = [_require(tool), *args]
        proc = subprocess.run(cmd, input=stdin, capture_output=True, check=False)
        if proc.returncode != 0:
            out = (proc.stdout + proc.stderr).decode(errors="replace").strip()
            raise NSSToolError(f"{tool} {' '.join(args[:2])} failed: {out}")
        return proc.stdout.decode(errors="replace")

    def _certutil(self, *args: str, stdin: bytes | None = None) -> str:
        pw = ["-f", self._password_file()] if self.password else []
        return self._run("certutil", args[0], "-d", self.spec, *pw, *args[1:], stdin=stdin)

    # -- what tests need -----------------------------------------------------------------

    def add_cert(self, nickname: str, cert: x509.Certificate, trust: str = ",,") -> None:
        """Import a certificate without a key (``certutil -A``) with certutil trust flags."""
        der = cert.public_bytes(serialization.Encoding.DER)
        self._certutil("-A", "-n", nickname, "-t", trust, stdin=der)

    def add_ca(self, nickname: str, cert: x509.Certificate, trust: str = "CT,C,C") -> None:
        """Import a CA certificate trusted for TLS (``CT,C,C`` as Dogtag's installer does)."""
        self.add_cert(nickname, cert, trust)

    def add_identity(self, nickname: str, issued: IssuedCert) -> None:
        """Import a certificate with its private key under ``nickname`` (``pk12util -i``)."""
        p12_password = secrets.token_hex(16)
        p12_path = self._scratch / f"{secrets.token_hex(8)}.p12"
        pw_path = self._scratch / f"{secrets.token_hex(8)}.p12pw"
        blob = issued.to_pkcs12(p12_password.encode(), nickname)
        for path, data in ((p12_path, blob), (pw_path, p12_password.encode())):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
        try:
            db_pw = ["-k", self._password_file()] if self.password else ["-K", ""]
            self._run("pk12util", "-i", str(p12_path), "-d", self.spec, *db_pw, "-w", str(pw_path))
        finally:
            p12_path.unlink(missing_ok=True)
            pw_path.unlink(missing_ok=True)

    def set_trust(self, nickname: str, trust: str) -> None:
        """Change a certificate's trust flags (``certutil -M``)."""
        self._certutil("-M", "-n", nickname, "-t", trust)

    def list_output(self) -> str:
        """``certutil -L`` as text, for comparing with what the library reports."""
        return self._certutil("-L")

    def trust_flags(self) -> dict[str, str]:
        """Nickname → trust string, parsed from ``certutil -L``."""
        flags: dict[str, str] = {}
        for line in self.list_output().splitlines()[4:]:
            if not line.strip():
                continue
            name, _, trust = line.rstrip().rpartition(" ")
            flags[name.strip()] = trust
        return flags

    def files(self) -> Sequence[Path]:
        """The database's files (for checksums in read-only tests)."""
        return sorted(p for p in self.directory.iterdir() if p.is_file())

    def write_password_conf(self, path: str | os.PathLike[str]) -> Path:
        """Write Dogtag's ``password.conf`` (``internal=<password>``) for this database."""
        path = Path(path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(f"internal={self.password or ''}\n")
        return path
