"""``pki client-init`` and ``pki client-cert-*``: the client database, in text and JSON.

Commands run in-process through ``pki.cli.main.main`` (output captured), or as
``python -m pki.cli`` in a subprocess where the terminal or PATH matters. What they wrote is
checked with NSS's certutil and pk12util. The last test is the new admin's first steps:
create a database, import the CA certificate and the admin's PKCS #12, then ask the test
server for its certificates as that admin, with certutil and pk12util out of PATH.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from nssdb_fixtures import PASSWORD, certutil_certs, certutil_keys, checksums, password_is
from pki.cli.main import main
from pki.nssdb import read_password_file
from pki.testing.certs import CA
from pki.testing.server import DogtagTestServer

pytestmark = pytest.mark.usefixtures("isolated_env")


class Result:
    def __init__(self, status: int, out: str, err: str) -> None:
        self.status, self.out, self.err = status, out, err

    def ok(self) -> Result:
        assert self.status == 0, self.err
        assert self.err == ""
        return self

    def failed(self) -> str:
        assert self.status != 0, self.out
        lines = self.err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("ERROR: "), self.err
        return lines[0]

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def pki(capsys: pytest.CaptureFixture[str]):
    def run(*argv: str) -> Result:
        status = main(list(argv))
        captured = capsys.readouterr()
        return Result(status, captured.out, captured.err)

    return run


def _env(**extra: str) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), **extra)


@pytest.fixture
def db_dir(tmp_path: Path, pki) -> Path:
    """A client database made by ``client-init -c PASSWORD``."""
    path = tmp_path / "client-db"
    pki("-d", str(path), "-c", PASSWORD, "client-init").ok()
    return path


# -- client-init ----------------------------------------------------------------------------


def test_client_init_with_a_password(pki, tmp_path):
    path = tmp_path / "db"
    out = pki("-d", str(path), "-c", PASSWORD, "client-init").ok().out
    assert "Client initialized" in out and f"NSS database: sql:{path}" in out
    assert "without a password" not in out
    assert sorted(os.listdir(path)) == ["cert9.db", "key4.db", "pkcs11.txt"]
    assert password_is(f"sql:{path}", PASSWORD) and not password_is(f"sql:{path}", "")


def test_client_init_json_and_dbm(pki, tmp_path):
    path = tmp_path / "db"
    data = pki("--output-format", "json", "-d", f"dbm:{path}", "client-init").ok().json()
    assert data == {"nssdb": f"dbm:{path}", "passwordProtected": False}
    assert sorted(os.listdir(path)) == ["cert8.db", "key3.db", "secmod.db"]


def test_client_init_without_a_password_says_so(pki, tmp_path):
    path = tmp_path / "db"
    out = pki("-d", str(path), "client-init").ok().out
    assert "Password: none (the database was created without a password)" in out
    assert password_is(f"sql:{path}", "")


def test_client_init_keeps_an_existing_database_without_force(pki, db_dir):
    before = checksums(db_dir)
    line = pki("-d", str(db_dir), "client-init").failed()
    assert "--force" in line
    assert checksums(db_dir) == before
    pki("-d", str(db_dir), "-c", "new password", "client-init", "--force").ok()
    assert password_is(f"sql:{db_dir}", "new password")


def _on_terminal(argv: list[str], answers: list[str], timeout: float = 60) -> tuple[int, str]:
    """Run ``python -m pki.cli argv`` with a pseudo-terminal as its controlling terminal,
    typing each answer when a prompt ending in ': ' appears; returns (status, output)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: its terminal is the pty
        os.execve(sys.executable, [sys.executable, "-m", "pki.cli", *argv], _env())
    output = b""
    pending = list(answers)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(fd, 1024)
                except OSError:
                    break
                if not chunk:
                    break
                output += chunk
                if pending and output.rstrip(b" ").endswith(b":"):
                    os.write(fd, pending.pop(0).encode() + b"\n")
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    return os.waitstatus_to_exitcode(status), output.decode(errors="replace")


def test_client_init_asks_for_the_password_twice_without_echo(tmp_path):
    path = tmp_path / "db"
    status, output = _on_terminal(["-d", str(path), "client-init"], ["typed secret"] * 2)
    assert status == 0, output
    assert "New password for the NSS database" in output and "Re-enter password" in output
    assert "typed secret" not in output  # no echo
    assert password_is(f"sql:{path}", "typed secret")


def test_client_init_refuses_mismatched_passwords(tmp_path):
    path = tmp_path / "db"
    status, output = _on_terminal(["-d", str(path), "client-init"], ["one secret", "another"])
    assert status == 1 and "the passwords do not match" in output
    assert not (path / "cert9.db").exists()


# -- importing -------------------------------------------------------------------------------


def test_import_ca_cert(pki, db_dir, tmp_path):
    ca = CA("Import Root", organization="EXAMPLE")
    pem = tmp_path / "ca.pem"
    pem.write_bytes(ca.cert_pem)
    out = pki("-d", str(db_dir), "-c", PASSWORD, "client-cert-import", "--ca-cert", str(pem))
    assert out.ok().out == 'Imported certificate "Import Root - EXAMPLE"\n'
    assert certutil_certs(f"sql:{db_dir}") == {"Import Root - EXAMPLE": "CT,C,C"}
    other = tmp_path / "other.pem"
    other.write_bytes(CA("Second Root").cert_pem)
    data = pki("--output-format", "json", "-d", str(db_dir), "-c", PASSWORD,
               "client-cert-import", "My CA", "--ca-cert", str(other), "--trust", "C,,").ok().json()
    assert data["total"] == 1 and data["entries"][0]["nickname"] == "My CA"
    assert data["entries"][0]["trustFlags"] == "C,,"
    assert certutil_certs(f"sql:{db_dir}")["My CA"] == "C,,"


def test_import_the_cert_issued_for_a_request(pki, db_dir, tmp_path, test_ca):
    # the Java CLI's workflow: request (key made in the database), CA signs, import (u,u,u)
    csr_path, pem = tmp_path / "me.csr", tmp_path / "me.pem"
    pki("-d", str(db_dir), "-c", PASSWORD, "client-cert-request", "CN=Me",
        "--csr-file", str(csr_path)).ok()
    csr = x509.load_pem_x509_csr(csr_path.read_bytes())
    pem.write_bytes(test_ca.sign(csr.subject, csr.public_key()).public_bytes(Encoding.PEM))
    line = pki("-d", str(db_dir), "-c", PASSWORD, "client-cert-import", "--cert",
               str(pem)).failed()
    assert "Missing certificate nickname" in line
    out = pki("-d", str(db_dir), "-c", PASSWORD, "-n", "Me", "client-cert-import",
              "--cert", str(pem)).ok().out
    assert out == 'Imported certificate "Me"\n'
    assert certutil_certs(f"sql:{db_dir}") == {"Me": "u,u,u"}
    # certutil names a key by its certificate (token-qualified) once that is imported
    assert [k[2] for k in certutil_keys(f"sql:{db_dir}", PASSWORD)] == ["NSS Certificate DB:Me"]


def test_import_pkcs12(pki, db_dir, make_db, p12_file, secret_files):
    agent = make_db(identity=False)
    path = p12_file(agent.ec, "p12 secret", "Agent EC")
    pwfile = secret_files("p12.pw", "p12 secret\n")
    before = checksums(db_dir)
    line = pki("-d", str(db_dir), "-c", PASSWORD, "client-cert-import", "--pkcs12", str(path),
               "--pkcs12-password", "Wr0ng-P12-Secret").failed()
    assert "wrong PKCS #12 password" in line and "Wr0ng-P12-Secret" not in line
    assert checksums(db_dir) == before
    data = pki("--output-format", "json", "-d", str(db_dir), "-c", PASSWORD,
               "client-cert-import", "--pkcs12", str(path),
               "--pkcs12-password-file", str(pwfile)).ok().json()
    entries = {e["nickname"]: e for e in data["entries"]}
    assert set(entries) == {"Agent EC", "Test Root CA - Example Test"}  # the file's chain too
    assert entries["Agent EC"]["hasPrivateKey"] is True
    assert [k[2] for k in certutil_keys(f"sql:{db_dir}", PASSWORD)] == ["Agent EC"]


def test_import_into_a_protected_database_without_its_password(pki, db_dir, tmp_path):
    pem = tmp_path / "ca.pem"
    pem.write_bytes(CA("No Password").cert_pem)
    line = pki("-d", str(db_dir), "client-cert-import", "--ca-cert", str(pem)).failed()
    assert "protected by a password" in line and "-c PASSWORD" in line


# -- show, mod, del ---------------------------------------------------------------------------


@pytest.fixture
def loaded(pki, db_dir, make_db, p12_file):
    """``db_dir`` holding the test CA and an agent identity."""
    agent = make_db(identity=False)
    pem = db_dir.parent / "test-ca.pem"
    pem.write_bytes(agent.ca.cert_pem)
    pki("-d", str(db_dir), "-c", PASSWORD, "client-cert-import", "CA", "--ca-cert",
        str(pem)).ok()
    path = p12_file(agent.rsa, "pw", "Agent")
    pki("-d", str(db_dir), "-c", PASSWORD, "client-cert-import", "--pkcs12", str(path),
        "--pkcs12-password", "pw").ok()
    return agent


# NSS writes PKCS #12 with BER indefinite lengths (as pk12util does); cryptography warns
@pytest.mark.filterwarnings("ignore:PKCS#12 bundle could not be parsed as DER")
def test_show_text_json_and_files(pki, db_dir, loaded, tmp_path):
    out = pki("-d", str(db_dir), "client-cert-show", "Agent").ok().out
    assert re.search(r"^  Nickname: Agent$", out, re.M)
    assert f"  Serial Number: {hex(loaded.rsa.cert.serial_number)}" in out
    assert "  Subject DN: CN=PKI Administrator,O=Example" in out
    data = pki("--output-format", "json", "-d", str(db_dir), "client-cert-show", "Agent").ok()
    assert data.json()["trustFlags"] == "u,u,u"
    pem = tmp_path / "agent.pem"
    pki("-d", str(db_dir), "client-cert-show", "Agent", "--cert", str(pem)).ok()
    assert x509.load_pem_x509_certificate(pem.read_bytes()) == loaded.rsa.cert
    p12 = tmp_path / "agent.p12"
    try:
        pki("-d", str(db_dir), "-c", PASSWORD, "client-cert-show", "Agent", "--pkcs12", str(p12),
            "--pkcs12-password", "export").ok()
        key, cert, chain = pkcs12.load_key_and_certificates(p12.read_bytes(), b"export")
        assert cert == loaded.rsa.cert and chain == [loaded.ca.cert]
        assert key.public_key().public_numbers() == loaded.rsa.key.public_key().public_numbers()
    finally:
        p12.unlink(missing_ok=True)
    assert "'Nobody'" in pki("-d", str(db_dir), "client-cert-show", "Nobody").failed()


def test_mod_and_del(pki, db_dir, loaded):
    out = pki("-d", str(db_dir), "-c", PASSWORD, "client-cert-mod", "CA", "--trust",
              "CT,,").ok().out
    assert 'Modified certificate "CA"' in out and "Trust Flags: CT,," in out
    assert certutil_certs(f"sql:{db_dir}")["CA"] == "CT,,"
    data = pki("--output-format", "json", "-d", str(db_dir), "-c", PASSWORD, "client-cert-mod",
               "CA").ok().json()
    # the Java CLI's default, u,u,u: on a certificate without key NSS keeps no trust at all
    assert data["trustFlags"] == certutil_certs(f"sql:{db_dir}")["CA"] == ",,"
    out = pki("-d", str(db_dir), "-c", PASSWORD, "client-cert-del", "Agent").ok().out
    assert 'Removed certificate "Agent"' in out
    assert "Agent" not in certutil_certs(f"sql:{db_dir}")
    assert len(certutil_keys(f"sql:{db_dir}", PASSWORD)) == 1  # the key stays, as in Java
    assert "invalid trust flags" in pki("-d", str(db_dir), "-c", PASSWORD, "client-cert-mod",
                                        "CA", "--trust", "X").failed()


# -- requests --------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm,extra", [("rsa", ["--length", "3072"]),
                                             ("ec", ["--curve", "nistp384"])])
def test_request_to_a_file(pki, db_dir, tmp_path, algorithm, extra):
    csr_path = tmp_path / "req.csr"
    out = pki("-d", str(db_dir), "-c", PASSWORD, "client-cert-request", "UID=jdoe,O=EXAMPLE",
              "--algorithm", algorithm, *extra, "--csr-file", str(csr_path)).ok().out
    assert "Created certificate request" in out
    csr = x509.load_pem_x509_csr(csr_path.read_bytes())
    assert csr.is_signature_valid and csr.subject.rfc4514_string() == "UID=jdoe,O=EXAMPLE"
    size = getattr(csr.public_key(), "key_size", None)
    assert size == (3072 if algorithm == "rsa" else 384)
    keys = certutil_keys(f"sql:{db_dir}", PASSWORD)
    assert [k[0] for k in keys] == [algorithm]


def test_request_json_with_username(pki, db_dir, tmp_path):
    csr_path = tmp_path / "u.csr"
    data = pki("--output-format", "json", "-d", str(db_dir), "-c", PASSWORD,
               "client-cert-request", "--username", "alice", "--csr-file", str(csr_path)).ok()
    body = data.json()
    assert body["subjectDN"] == "UID=alice" and body["csr"] == csr_path.read_text()
    assert "subject" in pki("-d", str(db_dir), "-c", PASSWORD, "client-cert-request").failed()


def test_request_submitted_to_the_ca(pki, db_dir, dogtag_server: DogtagTestServer):
    pki("-d", str(db_dir), "-c", PASSWORD, "client-cert-import", "--ca-cert",
        dogtag_server.info["ca_cert"]).ok()
    out = pki("-U", dogtag_server.url, "-d", str(db_dir), "-c", PASSWORD,
              "client-cert-request", "UID=cli-request-user").out
    assert "Submitted certificate request" in out
    assert re.search(r"^  Request ID: 0x[0-9a-f]+$", out, re.M), out
    assert len(certutil_keys(f"sql:{db_dir}", PASSWORD)) == 1


# -- the first steps of a Dogtag admin, without NSS's tools ----------------------------------


def test_new_admin_flow_without_certutil_or_pk12util(
    dogtag_server: DogtagTestServer, tmp_path, secret_files
):
    info = dogtag_server.info
    # outside the restricted part: the admin's PKCS #12 from the server's agent database
    p12_password = "admin p12 secret"
    pwfile = secret_files("p12.pw", p12_password + "\n")
    admin_p12 = tmp_path / "admin.p12"
    server_db_password = read_password_file(info["password_file"])
    exported = subprocess.run(
        ["pk12util", "-o", str(admin_p12), "-n", info["nickname"], "-d", f"sql:{info['nssdb']}",
         "-k", "/dev/stdin", "-w", str(pwfile)],
        input=f"{server_db_password}\n", capture_output=True, text=True,
    )
    try:
        assert exported.returncode == 0, exported.stderr + exported.stdout
        empty_path = tmp_path / "no-tools"
        empty_path.mkdir()
        env = _env(PATH=str(empty_path))
        db = tmp_path / "admin-db"

        def pki_cli(*argv: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "pki.cli", "-d", str(db), "-c", "admin db pw", *argv],
                capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL,
            )

        for argv in (
            ["client-init"],
            ["client-cert-import", "--ca-cert", info["ca_cert"]],
            ["client-cert-import", "--pkcs12", str(admin_p12),
             "--pkcs12-password-file", str(pwfile)],
        ):
            done = pki_cli(*argv)
            assert done.returncode == 0, done.stderr
        found = pki_cli("-U", info["url"], "-n", info["nickname"], "ca-cert-find")
        assert found.returncode == 0, found.stderr
        assert re.search(r"entries (found|matched)", found.stdout), found.stdout
        assert "Serial Number: 0x" in found.stdout
    finally:
        admin_p12.unlink(missing_ok=True)
