"""Helpers of the ``pki`` command-line tests (their fixtures are in this folder's conftest):
``run_pki`` (a ``python -m pki.cli`` subprocess), ``Result``/``Run`` (one in-process run),
``ok``/``failed`` (assert its outcome), ``framed``, ``write_csr`` and ``enroll``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

AGENT = "PKI Administrator"
#: the user the agent's certificate maps to on the CA and on the KRA (as pkispawn makes them)
CA_ADMIN, KRA_ADMIN = "caadmin", "kraadmin"


SRC = str(Path(__file__).resolve().parents[2])


def run_pki(
    *argv: str, input: str | None = None, env: dict[str, str] | None = None, **kwargs: object
) -> subprocess.CompletedProcess[str]:
    """``python -m pki.cli ARGV`` in a subprocess (standard input: ``input``, else none)."""
    return subprocess.run(
        [sys.executable, "-m", "pki.cli", *argv],
        input=input, stdin=None if input is not None else subprocess.DEVNULL,
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": SRC, **(env or {})}, **kwargs,  # type: ignore[arg-type]
    )


def framed(text: str) -> list[str]:
    """``MainCLI.printMessage``: the text between two rules of its length."""
    return ["-" * len(text), text, "-" * len(text)]


class Result:
    """Exit status and captured output of one in-process ``pki`` run."""

    def __init__(self, status: int, out: str, err: str) -> None:
        self.status, self.out, self.err = status, out, err

    def field(self, label: str) -> str:
        """The value of the first ``  Label: value`` line."""
        match = re.search(rf"^  {re.escape(label)}: (.*)$", self.out, re.MULTILINE)
        assert match, f"no {label!r} in output:\n{self.out}"
        return match.group(1)

    def fields(self, label: str) -> list[str]:
        return re.findall(rf"^  {re.escape(label)}: (.*)$", self.out, re.MULTILINE)


#: ``pki(*argv)``: run the CLI in-process, return its ``Result``
Run = Callable[..., Result]


def ok(result: Result) -> Result:
    assert result.status == 0, result.err
    assert result.err == ""
    return result


def failed(result: Result, status: int = 1) -> str:
    """The single ERROR line of a failed run (asserted to be exactly one line)."""
    assert result.status == status, result.out
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ERROR: "), result.err
    assert "Traceback" not in result.err
    return lines[0]


def write_csr(
    directory: Path, cn: str, key_type: str = "ec"
) -> tuple[Path, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey]:
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    if key_type == "rsa":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        .sign(key, hashes.SHA256())
    )
    path = directory / f"{cn}.csr"
    path.write_bytes(csr.public_bytes(serialization.Encoding.PEM))
    return path, key


def enroll(
    pki: Run, anon: list[str], agent: list[str], directory: Path, cn: str, key_type: str = "ec"
) -> str:
    """Submit (anonymously) and approve (as agent) a caServerCert request; the serial."""
    csr, _ = write_csr(directory, cn, key_type)
    submitted = ok(pki(*anon, "ca-cert-request-submit", "--profile", "caServerCert",
                       "--csr-file", str(csr)))
    request_id = submitted.field("Request ID")
    approved = ok(pki(*agent, "ca-cert-request-approve", request_id, "--force"))
    return approved.field("Certificate ID")
