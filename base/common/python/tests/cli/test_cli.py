"""The ``pki`` command-line client against the Dogtag test server.

Commands run in-process through ``pki.cli.main.main([...])`` (output captured with capsys),
or as ``python -m pki.cli`` subprocesses where a real pipe, a real terminal-less standard
input or the exit status a script sees matter. Agent commands authenticate from the server's
NSS database (``-d``, ``-f password.conf``, ``-n 'PKI Administrator'``), and the server's CA
is trusted from that same database (no CA bundle is ever passed).

The session server is shared with other modules: every test uses its own subject names and
client key IDs, and never assumes it sees the only records. Fixtures: this folder's conftest;
helpers: ``cli_helpers``.
"""

from __future__ import annotations

import base64
import io
import json
import os
import stat
import sys
import uuid
from pathlib import Path

import pytest
from cli_helpers import AGENT, CA_ADMIN, Run, enroll, failed, framed, ok, run_pki, write_csr
from client_helpers import unique
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pki.testing.server import DogtagTestServer

pytestmark = pytest.mark.usefixtures("isolated_env")


# -- info and the local NSS database ----------------------------------------------------------


def test_info_text_and_json(pki: Run, anon: list[str], server: DogtagTestServer) -> None:
    text = ok(pki(*anon, "info"))
    assert text.field("Server URL") == server.url
    assert text.field("Server Version") == server.version
    data = json.loads(ok(pki(*anon, "--output-format", "json", "info")).out)
    assert data["Version"] == server.version
    assert data["url"] == server.url


def test_one_dn_style_across_commands(pki: Run, anon: list[str]) -> None:
    """The agent's certificate (with an e-mail address in its subject) reads the same in the
    local database's listing and in the CA's: NSS's ``E=``, not an OID."""
    local = ok(pki(*anon, "client-cert-find"))
    at = local.fields("Nickname").index(AGENT)
    serial, subject = local.fields("Serial Number")[at], local.fields("Subject DN")[at]
    assert "E=caadmin@example.com" in subject and "1.2.840" not in subject
    assert ok(pki(*anon, "ca-cert-show", serial)).field("Subject DN") == subject


def test_client_cert_find(pki: Run, anon: list[str]) -> None:
    # as the Java CLI's ClientCertFindCLI: every certificate of the database, under
    # "N certificate(s) found", with the nickname to pass to -n
    every = ok(pki(*anon, "client-cert-find"))
    assert every.out.splitlines()[:3] == framed("2 certificate(s) found")
    assert every.fields("Nickname") == ["CA Signing Certificate", AGENT]
    assert every.fields("Trust Flags") == ["CT,C,C", "u,u,u"]
    assert all(s.startswith("0x") for s in every.fields("Serial Number"))
    assert every.out.splitlines()[-2] == "Number of entries returned 2"
    assert ok(pki(*anon, "client-cert-find", "--all")).out == every.out

    cas = ok(pki(*anon, "client-cert-find", "--ca"))
    assert cas.fields("Nickname") == ["CA Signing Certificate"]
    assert cas.field("Trust Flags") == "CT,C,C"

    data = json.loads(ok(pki(*anon, "--output-format", "json", "client-cert-find", "--all")).out)
    by_nick = {e["nickname"]: e for e in data["entries"]}
    assert set(by_nick) == {AGENT, "CA Signing Certificate"}
    assert by_nick[AGENT]["hasPrivateKey"] is True
    assert by_nick["CA Signing Certificate"]["hasPrivateKey"] is False


# -- certificates -----------------------------------------------------------------------------


def test_request_approve_show_find_revoke(
    pki: Run, anon: list[str], agent: list[str], tmp_path: Path
) -> None:
    cn = unique("cli-enroll")
    csr, key = write_csr(tmp_path, cn)
    submitted = ok(pki(*anon, "ca-cert-request-submit", "--profile", "caServerCert",
                       "--csr-file", str(csr)))
    request_id = submitted.field("Request ID")
    assert request_id.startswith("0x")
    assert submitted.field("Request Status") == "pending"

    shown = ok(pki(*anon, "ca-cert-request-show", request_id))
    assert shown.field("Request Status") == "pending"
    pending = ok(pki(*agent, "ca-cert-request-find", "--status", "pending"))
    assert request_id in pending.fields("Request ID")

    approved = ok(pki(*agent, "ca-cert-request-review", request_id, "--action", "approve"))
    assert f"Approved certificate request {request_id}\n" in approved.out
    assert approved.field("Request Status") == "complete"
    serial = approved.field("Certificate ID")

    pem = tmp_path / "cert.pem"
    cert = ok(pki(*anon, "ca-cert-show", serial, "--output", str(pem)))
    assert cert.field("Serial Number") == serial
    assert cert.field("Subject DN") == f"CN={cn}"
    assert cert.field("Status") == "VALID"
    issued = x509.load_pem_x509_certificate(pem.read_bytes())
    assert issued.serial_number == int(serial, 16)
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    assert issued.public_key().public_bytes(der, public) == key.public_key().public_bytes(
        der, public
    )

    found = ok(pki(*anon, "ca-cert-find", "--name", cn))
    assert found.fields("Serial Number") == [serial]
    assert "\n1 entries found\n" in found.out

    revoked = ok(pki(*agent, "ca-cert-revoke", serial, "--reason", "key_compromise", "--force"))
    assert f'Revoked certificate "{serial}"' in revoked.out
    assert revoked.field("Status") == "REVOKED"
    assert revoked.field("Revoked By") == CA_ADMIN
    data = json.loads(ok(pki(*anon, "--output-format", "json", "ca-cert-find", "--name", cn,
                             "--status", "revoked")).out)
    assert [e["id"] for e in data["entries"]] == [serial]
    shown = json.loads(ok(pki(*anon, "ca-cert-show", serial, "--output-format", "json")).out)
    assert shown["RevocationReason"] == 1  # Key_Compromise

    # revoking again: the server's "#<hex>" is shown as 0x<hex>, like every other ID
    line = failed(pki(*agent, "ca-cert-revoke", serial, "--force"))
    assert f"Unable to revoke certificate {serial}:" in line
    assert f"certificate {serial} has already been revoked" in line and "#" not in line


def test_hold_and_release(pki: Run, anon: list[str], agent: list[str], tmp_path: Path) -> None:
    serial = enroll(pki, anon, agent, tmp_path, unique("cli-hold"))
    held = ok(pki(*agent, "ca-cert-hold", serial, "--comments", "lost laptop", "--force"))
    assert f'Placed certificate "{serial}" on-hold' in held.out
    assert held.field("Status") == "REVOKED"
    shown = json.loads(ok(pki(*anon, "--output-format", "json", "ca-cert-show", serial)).out)
    assert shown["RevocationReason"] == 6  # Certificate_Hold
    released = ok(pki(*agent, "ca-cert-release-hold", serial, "--force"))
    assert f'Placed certificate "{serial}" off-hold' in released.out
    assert released.field("Status") == "VALID"


def test_revoke_asks_first(
    pki: Run, anon: list[str], agent: list[str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    serial = enroll(pki, anon, agent, tmp_path, unique("cli-ask"))
    monkeypatch.setattr(sys, "stdin", io.StringIO("n\n"))
    declined = pki(*agent, "ca-cert-revoke", serial)
    assert declined.status == 1
    # as the Java CLI: what is about to happen, then the question, on standard output
    assert declined.out.startswith(f"Revoking certificate:\n  Serial Number: {serial}\n")
    assert "Are you sure (Y/N)? " in declined.out
    assert f"ERROR: Unable to revoke certificate {serial}: not confirmed" in declined.err
    assert ok(pki(*anon, "ca-cert-show", serial)).field("Status") == "VALID"

    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))
    accepted = pki(*agent, "ca-cert-revoke", serial)
    assert accepted.status == 0, accepted.err
    # the certificate before (in the question) and after (the result)
    assert accepted.fields("Status") == ["VALID", "REVOKED"]
    assert f'Revoked certificate "{serial}"' in accepted.out


def test_echo_y_into_revoke(
    pki: Run, anon: list[str], agent: list[str], tmp_path: Path
) -> None:
    """The answer comes from standard input also when it is a pipe (``echo y | pki ...``)."""
    serial = enroll(pki, anon, agent, tmp_path, unique("cli-pipe"))
    declined = run_pki(*agent, "ca-cert-hold", serial, input="n\n")
    assert declined.returncode == 1
    assert "Placing certificate on-hold:" in declined.stdout
    assert declined.stderr.count("ERROR: ") == 1 and "not confirmed" in declined.stderr
    assert ok(pki(*anon, "ca-cert-show", serial)).field("Status") == "VALID"

    accepted = run_pki(*agent, "ca-cert-hold", serial, input="y\n")
    assert accepted.returncode == 0, accepted.stderr
    assert f'Placed certificate "{serial}" on-hold' in accepted.stdout
    assert ok(pki(*anon, "ca-cert-show", serial)).field("Status") == "REVOKED"


def test_no_answer_needs_force(
    anon: list[str], agent: list[str], pki: Run, tmp_path: Path
) -> None:
    serial = enroll(pki, anon, agent, tmp_path, unique("cli-notty"))
    proc = run_pki(*agent, "ca-cert-revoke", serial)  # standard input: /dev/null
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("ERROR: ") and "no answer" in lines[0] and "--force" in lines[0]
    assert ok(pki(*anon, "ca-cert-show", serial)).field("Status") == "VALID"

    forced = run_pki(*agent, "ca-cert-revoke", serial, "--force")
    assert forced.returncode == 0, forced.stderr
    assert "Are you sure" not in forced.stdout
    assert ok(pki(*anon, "ca-cert-show", serial)).field("Status") == "REVOKED"


def test_several_serials_go_on_after_a_failure(
    pki: Run, anon: list[str], agent: list[str], tmp_path: Path
) -> None:
    first = enroll(pki, anon, agent, tmp_path, unique("cli-many"))
    second = enroll(pki, anon, agent, tmp_path, unique("cli-many"))
    result = pki(*agent, "ca-cert-hold", first, "0x7ffffff3", second, "--force")
    assert result.status == 1
    assert result.err.count("ERROR: ") == 1
    assert "Unable to hold certificate 0x7ffffff3" in result.err
    assert f'Placed certificate "{first}" on-hold' in result.out
    assert f'Placed certificate "{second}" on-hold' in result.out


# -- KRA --------------------------------------------------------------------------------------


def test_kra_archive_then_retrieve(pki: Run, agent: list[str], tmp_path: Path) -> None:
    secret = os.urandom(48) + b"\x00\n\xff"
    source = tmp_path / "secret.bin"
    source.write_bytes(secret)
    cid = unique("cli-kra")
    archived = ok(pki(*agent, "kra-key-archive", "--clientKeyID", cid, "--input-data", str(source)))
    key_id = archived.field("Key ID")
    assert key_id.startswith("0x")

    found = ok(pki(*agent, "kra-key-find", "--clientKeyID", cid))
    assert found.fields("Key ID") == [key_id]
    assert found.field("Status") == "active"
    assert ok(pki(*agent, "kra-key-show", key_id)).field("Client Key ID") == cid

    target = tmp_path / "out.bin"
    retrieved = ok(pki(*agent, "kra-key-retrieve", "--keyID", key_id, "--output-data", str(target)))
    assert target.read_bytes() == secret
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "Actual archived data" not in retrieved.out  # the secret went to the file only

    printed = ok(pki(*agent, "kra-key-retrieve", "--keyID", key_id))
    assert base64.b64decode(printed.field("Actual archived data")) == secret


def test_kra_passphrase_json(pki: Run, agent: list[str]) -> None:
    cid = unique("cli-pass")
    passphrase = "Secret.123-" + uuid.uuid4().hex
    archived = json.loads(ok(pki(*agent, "--output-format", "json", "kra-key-archive",
                                 "--clientKeyID", cid, "--passphrase", passphrase)).out)
    key_id = archived["requestInfo"]["keyURL"].rsplit("/", 1)[-1]
    retrieved = json.loads(ok(pki(*agent, "--output-format", "json", "kra-key-retrieve",
                                  "--keyID", key_id)).out)
    assert base64.b64decode(retrieved["data"]).decode() == passphrase


# -- errors -----------------------------------------------------------------------------------


def test_wrong_password_is_one_line_without_the_password(
    pki: Run, server: DogtagTestServer, tmp_path: Path
) -> None:
    info = server.info
    wrong = "not-the-password-" + uuid.uuid4().hex
    pwfile = tmp_path / "wrong.txt"
    pwfile.write_text(wrong + "\n")
    base = ["-U", info["url"], "-d", info["nssdb"], "-n", AGENT]
    for options in (["-C", str(pwfile)], ["-c", wrong]):
        line = failed(pki(*base, *options, "ca-cert-request-find"))
        assert "wrong password" in line
        assert wrong not in line


def test_missing_nickname_lists_nicknames(pki: Run, anon: list[str]) -> None:
    line = failed(pki(*anon, "-n", "No Such Agent", "ca-cert-request-find"))
    assert "No Such Agent" in line
    assert repr(AGENT) in line and "'CA Signing Certificate'" in line


def test_usage_errors(pki: Run, anon: list[str]) -> None:
    line = failed(pki("-c", "pw-on-cmdline", "-C", "/dev/null", "info"), status=2)
    assert "-C" in line and "not allowed" in line and "pw-on-cmdline" not in line
    line = failed(pki("-U", "https://x:8443", "-h", "y", "info"), status=2)
    assert "-U cannot be combined" in line
    failed(pki(*anon, "ca-cert-request-review", "0x1", "--action", "bless"), status=2)
    failed(pki(*anon, "no-such-command"), status=2)


def test_agent_command_without_nickname_says_so(pki: Run, anon: list[str]) -> None:
    line = failed(pki(*anon, "ca-cert-request-find"))
    assert "401" in line and "-n NICKNAME" in line


def test_client_init(pki: Run, tmp_path: Path) -> None:
    db = tmp_path / "newdb"
    pwfile = tmp_path / "pw.txt"
    pwfile.write_text("init-secret\n")
    created = ok(pki("-d", str(db), "-C", str(pwfile), "client-init"))
    assert (db / "cert9.db").is_file() and (db / "key4.db").is_file()
    assert f"NSS database: sql:{db}" in created.out
    empty = ok(pki("-d", str(db), "-c", "init-secret", "client-cert-find"))
    assert empty.out.splitlines() == framed("No certificates found")
    assert "wrong password" in failed(pki("-d", str(db), "-c", "other", "client-cert-find"))
    assert "--force" in failed(pki("-d", str(db), "client-init"))
    ok(pki("-d", f"sql:{db}", "client-init", "--force"))  # now without a password
    assert "No certificates found" in ok(pki("-d", str(db), "client-cert-find")).out


def test_locked_database_without_password(pki: Run, server: DogtagTestServer) -> None:
    info = server.info
    # listing needs no password (as with certutil -L)...
    listed = ok(pki("-U", info["url"], "-d", info["nssdb"], "client-cert-find")).out
    assert "Nickname: PKI Administrator" in listed and "Trust Flags: u,u,u" in listed
    # ...using the key does, and the error says how to give it
    line = failed(pki("-U", info["url"], "-d", info["nssdb"], "-n", info["nickname"],
                      "ca-cert-find"))
    assert "protected by a password" in line and "-f PASSWORD_CONF" in line


def test_server_errors_are_one_line(pki: Run, anon: list[str], tmp_path: Path) -> None:
    line = failed(pki(*anon, "ca-cert-show", "0x7ffffff1"))
    assert "0x7ffffff1" in line.lower() or "not found" in line.lower()
    line = failed(pki(*anon, "ca-cert-show", "not-a-serial"), status=2)  # a usage error
    assert "not-a-serial" in line
    line = failed(pki("-U", "https://127.0.0.1:9", "-d", str(tmp_path / "missing"), "info"))
    assert "does not exist" in line


def test_secret_file_is_private_even_if_it_existed(tmp_path: Path) -> None:
    from pki.cli.kra_key import _write_secret

    target = tmp_path / "secret.bin"
    target.write_bytes(b"old")
    target.chmod(0o644)
    _write_secret(str(target), b"new secret")
    assert target.read_bytes() == b"new secret"
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret.bin"]  # no leftover temp file
