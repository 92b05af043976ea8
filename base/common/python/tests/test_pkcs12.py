"""pki.pkcs12 (upstream's PKCS12) on files made by the real tools: pk12util from a
certutil database, and ``openssl pkcs12 -export``.

What ``show_certs`` prints is checked field by field against values worked out
independently: the Java CLI's rules (SHA-1 certificate ID, hex serial, NSS-style DNs) from
cryptography's reading of the certificates, and the local key ID as ``openssl pkcs12
-info`` reads it from the file.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any, Callable

import pytest
from audit_hook import run_audited
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from nssdb_fixtures import checksums
from pki.nssdb import BadPasswordError, CertificateNotFoundError, NSSDatabase
from pki.pkcs12 import PKCS12, PKCS12FileError
from pki.testing.certs import IssuedCert
from pki.testing.nsstools import _pipes

P12_PASSWORD = "p12 Pässword " + uuid.uuid4().hex[:8]
NICKNAME = "PKI Administrator"


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _pk12util_export(spec: str, db_password: str | None, nickname: str) -> bytes:
    """``pk12util -o`` of ``nickname`` (with its chain) from a certutil database; the
    passwords go through pipes, the file is read back and removed at once."""
    with _pipes(P12_PASSWORD, db_password or "") as (p12_fd, db_fd):
        out = Path(spec.split(":", 1)[1]) / f"export-{uuid.uuid4().hex}.p12"
        try:
            subprocess.run(
                ["pk12util", "-o", str(out), "-n", nickname, "-d", spec,
                 "-k", f"/dev/fd/{db_fd}", "-w", f"/dev/fd/{p12_fd}"],
                capture_output=True, check=True, pass_fds=(p12_fd, db_fd),
            )
            return out.read_bytes()
        finally:
            out.unlink(missing_ok=True)


def _openssl_export(issued: IssuedCert, nickname: str, *options: str) -> bytes:
    """``openssl pkcs12 -export`` of the certificate, its key and its chain; the key and the
    password reach openssl through pipes, the file comes back on standard output."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    certs = (issued.cert_pem + b"".join(_pem(c) for c in issued.chain)).decode()
    with _pipes(P12_PASSWORD, certs, issued.key_pem().decode()) as (pw_fd, cert_fd, key_fd):
        result = subprocess.run(
            ["openssl", "pkcs12", "-export", "-in", f"/dev/fd/{cert_fd}",
             "-inkey", f"/dev/fd/{key_fd}", "-name", nickname, "-passout", f"fd:{pw_fd}",
             *options],
            capture_output=True, check=False, pass_fds=(pw_fd, cert_fd, key_fd),
        )
    if result.returncode != 0 and options:
        pytest.skip(f"openssl cannot export with {options}: {result.stderr.decode()[:200]}")
    result.check_returncode()
    return result.stdout


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _openssl_local_key_ids(path: Path) -> dict[bytes, bytes]:
    """Certificate DER -> the localKeyID attribute of its bag, as openssl reads the file."""
    with _pipes(P12_PASSWORD) as (pw_fd,):
        text = subprocess.run(
            ["openssl", "pkcs12", "-info", "-nokeys", "-in", str(path),
             "-passin", f"fd:{pw_fd}"],
            capture_output=True, text=True, check=True, pass_fds=(pw_fd,),
        ).stdout
    found = {}
    for block in text.split("Bag Attributes")[1:]:
        pem = re.search(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", block, re.S)
        key_id = re.search(r"localKeyID: ([0-9A-F ]+)", block)
        if pem and key_id:
            der = _der(x509.load_pem_x509_certificate(pem.group(0).encode()))
            found[der] = bytes.fromhex(key_id.group(1))
    return found


def _blocks(output: str) -> tuple[list[str], list[dict[str, str]]]:
    """The banner lines and the ``Label: value`` blocks of ``pkcs12-cert-find`` output."""
    lines = output.split("\n")
    assert lines[-1] == ""
    banner, rest = lines[:3], lines[3:-1]
    blocks: list[dict[str, str]] = [{}]
    for line in rest:
        if line == "":
            blocks.append({})
            continue
        assert line.startswith("  ") and ": " in line, line
        label, value = line[2:].split(": ", 1)
        blocks[-1][label] = value
    return banner, [b for b in blocks if b]


def _shown(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[list[str], list[dict[str, str]], dict[bytes, bytes]]:
    """``show_certs`` of ``path``: its banner and blocks, and openssl's local key IDs."""
    PKCS12(str(path), password=P12_PASSWORD).show_certs()
    banner, blocks = _blocks(capsys.readouterr().out)
    return banner, blocks, _openssl_local_key_ids(path)


def _expected(cert: x509.Certificate, friendly_name: str, key_id: bytes | None) -> dict[str, str]:
    fields = {
        "Certificate ID": "0x" + hashlib.sha1(_der(cert)).hexdigest(),
        "Serial Number": f"0x{cert.serial_number:x}",
        "Friendly Name": friendly_name,
        # RFC 4514 order is NSS's too (most specific first); these names need no E=/UID=
        "Subject DN": cert.subject.rfc4514_string(),
        "Issuer DN": cert.issuer.rfc4514_string(),
        "Has Key": "true" if key_id else "false",
    }
    if key_id:
        fields["Key ID"] = "0x" + key_id.hex()
    return fields


@pytest.fixture
def pk12util_file(make_db: Any, secret_files: Callable[..., Path]) -> tuple[Path, Any]:
    """A pk12util export of the agent (and its CA) from a certutil database."""
    agent = make_db()
    data = _pk12util_export(agent.spec, agent.password, NICKNAME)
    return secret_files("pk12util.p12", data), agent


@pytest.fixture
def openssl_file(test_ca: Any, secret_files: Callable[..., Path]) -> tuple[Path, IssuedCert]:
    issued = test_ca.issue_cert("OpenSSL Agent", key_type="ec")
    return secret_files("openssl.p12", _openssl_export(issued, "openssl agent")), issued


def test_show_certs_of_a_pk12util_file(
    pk12util_file: tuple[Path, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    path, agent = pk12util_file
    banner, blocks, key_ids = _shown(path, capsys)
    assert banner == ["-" * 15, "2 entries found", "-" * 15]
    assert _der(agent.rsa.cert) in key_ids  # the agent's bag has a localKeyID
    expected = [
        _expected(agent.rsa.cert, NICKNAME, key_ids[_der(agent.rsa.cert)]),
        _expected(agent.ca.cert, "CA Signing Certificate", None),
    ]
    by_id = {b["Certificate ID"]: b for b in blocks}
    assert sorted(by_id) == sorted(e["Certificate ID"] for e in expected)
    for fields in expected:
        assert by_id[fields["Certificate ID"]] == fields
        assert list(by_id[fields["Certificate ID"]]) == list(fields)  # Java's order
    assert expected[0]["Subject DN"] == "CN=PKI Administrator,O=Example"


def test_show_certs_of_an_openssl_file(
    openssl_file: tuple[Path, IssuedCert], capsys: pytest.CaptureFixture[str]
) -> None:
    path, issued = openssl_file
    banner, blocks, key_ids = _shown(path, capsys)
    assert banner[1] == "2 entries found"
    assert _der(issued.chain[0]) not in key_ids  # openssl gives the CA no localKeyID
    assert blocks == [
        _expected(issued.cert, "openssl agent", key_ids[_der(issued.cert)]),
        _expected(issued.chain[0], "Test Root CA - Example Test", None),  # Java's made-up name
    ]


def test_a_certificate_without_a_name_gets_javas_generated_name(
    test_ca: Any, p12_file: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """cryptography's export (OpenSSL's library) names only the agent, not its CA."""
    issued = test_ca.issue_cert("Named Agent")
    path = p12_file(issued, P12_PASSWORD, "named agent")
    PKCS12(str(path), password=P12_PASSWORD).show_certs()
    _, blocks = _blocks(capsys.readouterr().out)
    names = {b["Subject DN"]: b["Friendly Name"] for b in blocks}
    assert names == {
        "CN=Named Agent,O=Example": "named agent",
        "CN=Test Root CA,O=Example Test": "Test Root CA - Example Test",
    }


def test_get_cert_pem_and_der(pk12util_file: tuple[Path, Any]) -> None:
    path, agent = pk12util_file
    p12 = PKCS12(str(path), password=P12_PASSWORD)
    pem = p12.get_cert(NICKNAME)
    assert isinstance(pem, str)
    assert x509.load_pem_x509_certificate(pem.encode()) == agent.rsa.cert
    # the Java CLI's layout: LF after the header and footer, 76-column CRLF base-64 lines
    head, *body, foot = pem.split("\n")[:-1]
    assert head == "-----BEGIN CERTIFICATE-----" and foot == "-----END CERTIFICATE-----"
    assert body and all(line.endswith("\r") for line in body)
    assert all(len(line) == 77 for line in body[:-1]) and 1 < len(body[-1]) <= 77
    assert p12.get_cert(NICKNAME, cert_format="pem") == pem
    der = p12.get_cert("CA Signing Certificate", "DER")
    assert isinstance(der, bytes) and der == _der(agent.ca.cert)


def test_nssdb_is_accepted_and_left_alone(pk12util_file: tuple[Path, Any]) -> None:
    """Upstream passes the instance's NSSDatabase (its Java CLI needed one); NSS reads the
    file without it, and the database's files stay byte-identical."""
    path, agent = pk12util_file
    directory = Path(agent.spec.split(":", 1)[1])
    before = checksums(directory)
    db = NSSDatabase(str(directory), password=agent.password)
    try:
        p12 = PKCS12(str(path), password=P12_PASSWORD, nssdb=db)
        assert p12.get_cert(NICKNAME, "DER") == _der(agent.rsa.cert)
    finally:
        db.close()
    assert checksums(directory) == before


def test_get_cert_of_an_openssl_file(openssl_file: tuple[Path, IssuedCert]) -> None:
    path, issued = openssl_file
    assert PKCS12(str(path), password=P12_PASSWORD).get_cert("openssl agent", "DER") == _der(
        issued.cert
    )


@pytest.mark.parametrize(
    "options",
    [("-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES", "-macalg", "sha1"), ("-legacy",)],
    ids=["3des-sha1", "legacy-rc2"],
)
def test_older_openssl_ciphers(
    test_ca: Any, secret_files: Callable[..., Path], options: tuple[str, ...]
) -> None:
    issued = test_ca.issue_cert("Old Cipher Agent")
    path = secret_files("old.p12", _openssl_export(issued, "old agent", *options))
    p12 = PKCS12(str(path), password=P12_PASSWORD)
    assert p12.get_cert("old agent", "DER") == _der(issued.cert)


def test_password_file_first_line(
    openssl_file: tuple[Path, IssuedCert], secret_files: Callable[..., Path]
) -> None:
    path, issued = openssl_file
    password_file = secret_files("p12.pw", P12_PASSWORD + "\nsecond line is ignored\n")
    p12 = PKCS12(str(path), password_file=str(password_file))
    assert p12.get_cert("openssl agent", "DER") == _der(issued.cert)


def test_unknown_nickname(pk12util_file: tuple[Path, Any]) -> None:
    path, _ = pk12util_file
    with pytest.raises(CertificateNotFoundError, match="Certificate not found") as info:
        PKCS12(str(path), password=P12_PASSWORD).get_cert("No Such Cert")
    assert isinstance(info.value, subprocess.CalledProcessError)  # what upstream raised
    assert sorted(info.value.nicknames) == ["CA Signing Certificate", NICKNAME]


def test_wrong_password(openssl_file: tuple[Path, IssuedCert]) -> None:
    path, _ = openssl_file
    wrong = "wrong-" + uuid.uuid4().hex
    with pytest.raises(BadPasswordError, match="wrong password for PKCS #12 file") as info:
        PKCS12(str(path), password=wrong).show_certs()
    assert isinstance(info.value, subprocess.CalledProcessError)
    assert wrong not in str(info.value) and wrong not in repr(info.value)


def test_not_a_pkcs12_file(secret_files: Callable[..., Path], tmp_path: Path) -> None:
    garbage = secret_files("garbage.p12", b"this is not DER at all" * 4)
    with pytest.raises(PKCS12FileError, match="is not a PKCS #12 file") as info:
        PKCS12(str(garbage), password="x").show_certs()
    assert isinstance(info.value, subprocess.CalledProcessError)
    with pytest.raises(PKCS12FileError, match="cannot read PKCS #12 file"):
        PKCS12(str(tmp_path / "missing.p12"), password="x").get_cert("x")


def test_unsupported_format(openssl_file: tuple[Path, IssuedCert]) -> None:
    path, _ = openssl_file
    with pytest.raises(subprocess.CalledProcessError, match="Unsupported format: TXT"):
        PKCS12(str(path), password=P12_PASSWORD).get_cert("openssl agent", "TXT")


def test_missing_password_as_upstream(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="^Missing PKCS #12 password$") as info:
        PKCS12(str(tmp_path / "any.p12"))
    assert type(info.value) is Exception
    with pytest.raises(Exception, match="^Missing PKCS #12 password$"):
        PKCS12(str(tmp_path / "any.p12"), password="", password_file=None)


def test_close_is_idempotent_and_a_context_manager(
    openssl_file: tuple[Path, IssuedCert], secret_files: Callable[..., Path]
) -> None:
    path, issued = openssl_file
    with PKCS12(str(path), password=P12_PASSWORD) as p12:
        assert p12.get_cert("openssl agent", "DER") == _der(issued.cert)
    p12.close()
    p12.close()
    with pytest.raises(subprocess.CalledProcessError, match="was closed"):
        p12.get_cert("openssl agent")
    password_file = secret_files("p12.pw", P12_PASSWORD)
    from_file = PKCS12(str(path), password_file=str(password_file))
    from_file.close()
    assert from_file.get_cert("openssl agent", "DER") == _der(issued.cert)


def test_no_file_and_no_temporary_file_written(
    pk12util_file: tuple[Path, Any]
) -> None:
    path, agent = pk12util_file
    lines = run_audited(
        "from pki.pkcs12 import PKCS12",
        """
        p12 = PKCS12(sys.argv[1], password=sys.argv[2])
        p12.show_certs()
        print("PEM" if "BEGIN CERTIFICATE" in p12.get_cert(sys.argv[3]) else "none")
        p12.close()
        """,
        str(path), P12_PASSWORD, NICKNAME,
    )
    assert lines[1] == "2 entries found" and "PEM" in lines
    assert lines[-1] == "[]"
