"""Build real NSS databases with NSS's own tools (``certutil``, ``pk12util``).

Tests, the demo server and the benchmarks use this to make databases exactly as an
administrator would, so that the library is tested against what NSS itself writes rather than
against what the library thinks NSS writes. Needs Debian's ``libnss3-tools``
(Fedora: ``nss-tools``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
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

    ``password=None`` makes a database with an empty password. Passwords reach the tools
    through pipes (``-f /dev/fd/N``), never through a file; a PKCS #12 blob for ``pk12util``
    exists only in a private temporary directory for the length of that one call. ``remove()``
    deletes the database (its key database holds private keys) when a test is done with it.
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

    def cleanup(self) -> None:
        """Nothing to remove: no password or PKCS #12 file outlives a tool call any more
        (kept for the callers written when the password sat in a scratch file)."""

    def remove(self) -> None:
        """Delete the database directory and everything in it."""
        shutil.rmtree(self.directory, ignore_errors=True)

    # -- tool plumbing -------------------------------------------------------------------

    def _run(
        self, tool: str, *args: str, stdin: bytes | None = None, fds: Sequence[int] = ()
    ) -> str:
        cmd = [_require(tool), *args]
        proc = subprocess.run(cmd, input=stdin, capture_output=True, check=False, pass_fds=fds)
        if proc.returncode != 0:
            out = (proc.stdout + proc.stderr).decode(errors="replace").strip()
            raise NSSToolError(f"{tool} {' '.join(args[:2])} failed: {out}")
        return proc.stdout.decode(errors="replace")

    def _certutil(self, *args: str, stdin: bytes | None = None) -> str:
        if not self.password:
            return self._run("certutil", args[0], "-d", self.spec, *args[1:], stdin=stdin)
        with _pipes(self.password) as (fd,):
            return self._run(
                "certutil", args[0], "-d", self.spec, "-f", f"/dev/fd/{fd}", *args[1:],
                stdin=stdin, fds=(fd,),
            )

    # -- what tests need -----------------------------------------------------------------

    def add_cert(self, nickname: str, cert: x509.Certificate, trust: str = ",,") -> None:
        """Import a certificate without a key (``certutil -A``) with certutil trust flags."""
        der = cert.public_bytes(serialization.Encoding.DER)
        self._certutil("-A", "-n", nickname, "-t", trust, stdin=der)

    def add_ca(self, nickname: str, cert: x509.Certificate, trust: str = "CT,C,C") -> None:
        """Import a CA certificate trusted for TLS (``CT,C,C`` as Dogtag's installer does)."""
        self.add_cert(nickname, cert, trust)

    def add_identity(self, nickname: str, issued: IssuedCert) -> None:
        """Import a certificate with its private key under ``nickname`` (``pk12util -i``).

        pk12util needs the PKCS #12 blob as a regular file (it cannot read it from a pipe):
        it lives in a private directory that is removed as soon as the tool is done.
        """
        p12_password = secrets.token_hex(16)
        blob = issued.to_pkcs12(p12_password.encode(), nickname)
        scratch = Path(tempfile.mkdtemp(prefix="nsstools-"))
        try:
            p12_path = scratch / "identity.p12"
            fd = os.open(p12_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(blob)
            with _pipes(p12_password, self.password or "") as (p12_fd, db_fd):
                db_pw = ["-k", f"/dev/fd/{db_fd}"] if self.password else ["-K", ""]
                self._run(
                    "pk12util", "-i", str(p12_path), "-d", self.spec, *db_pw,
                    "-w", f"/dev/fd/{p12_fd}", fds=(p12_fd, db_fd),
                )
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

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
        """Write Dogtag's ``password.conf`` (``internal=<password>``) for this database (the
        caller removes it)."""
        path = Path(path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(f"internal={self.password or ''}\n")
        return path


@contextlib.contextmanager
def _pipes(*secrets_: str) -> Iterator[tuple[int, ...]]:
    """The read ends of pipes that each hold one secret line, for ``/dev/fd/N`` arguments
    (a tool reads its password "file" from there; nothing touches the disk)."""
    fds: list[int] = []
    try:
        for secret in secrets_:
            read_end, write_end = os.pipe()
            fds.append(read_end)
            with os.fdopen(write_end, "wb") as f:  # a few bytes: never blocks
                f.write(secret.encode() + b"\n")
        yield tuple(fds)
    finally:
        for fd in fds:
            os.close(fd)
