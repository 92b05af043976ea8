"""``pki ca-user-*``, ``ca-group-*`` and their ``kra-`` twins against the Dogtag test server.

The administrator is the agent's certificate (``caadmin`` on the CA, ``kraadmin`` on the
KRA) from the server's NSS database, or ``caadmin`` with HTTP Basic (``-u``/``-W``); the
non-administrator is ``nonagent``, from its own NSS database. Every user and group made here
has a unique name (the session server is shared) and is deleted again.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from audit_hook import run_audited
from cli_helpers import Run, enroll, failed, framed, ok
from client_helpers import unique
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pki.testing.server import DogtagTestServer

pytestmark = pytest.mark.usefixtures("isolated_env")


def test_user_lifecycle(pki: Run, anon: list[str], agent: list[str], tmp_path: Path) -> None:
    """Add, modify, certificates, memberships and removal of a CA user, in text."""
    uid = unique("cli-user")
    added = ok(pki(*agent, "ca-user-add", uid, "--full-name", "Cli User",
                   "--email", f"{uid}@example.com", "--password", "Secret.123-cli"))
    assert added.out.splitlines()[:3] == framed(f'Added user "{uid}"')
    assert added.field("User ID") == uid and added.field("Email") == f"{uid}@example.com"
    modified = ok(pki(*agent, "ca-user-mod", uid, "--fullName", "Cli User Renamed",
                      "--phone", "555-0199"))
    assert modified.out.splitlines()[:3] == framed(f'Modified user "{uid}"')
    assert (modified.field("Full name"), modified.field("Phone")) == ("Cli User Renamed",
                                                                       "555-0199")
    assert ok(pki(*agent, "ca-user-find", uid)).fields("User ID") == [uid]

    # a certificate: by serial number from the CA (as Java's --serial), shown, then removed
    serial = enroll(pki, anon, agent, tmp_path, unique("cli-user-cert"), key_type="rsa")
    cert_added = ok(pki(*agent, "ca-user-cert-add", uid, "--serial", serial))
    cert_id = cert_added.field("Cert ID")
    assert cert_added.out.splitlines()[:3] == framed(f'Added certificate "{cert_id}"')
    assert [line.split(":")[0] for line in cert_added.out.splitlines()[3:]] == [
        "  Cert ID", "  Version", "  Serial Number", "  Issuer", "  Subject",
    ]
    assert cert_added.field("Serial Number") == serial
    found = ok(pki(*agent, "ca-user-cert-find", uid))
    assert found.out.splitlines()[:3] == framed("1 entries matched")
    assert found.fields("Cert ID") == [cert_id]
    pem = tmp_path / "user-cert.pem"
    shown = ok(pki(*agent, "ca-user-cert-show", uid, cert_id, "--encoded", "--output", str(pem)))
    assert shown.out.splitlines()[:3] == framed(f'Certificate "{cert_id}"')
    cert = x509.load_pem_x509_certificate(pem.read_bytes())
    assert hex(cert.serial_number) == serial
    assert "-----BEGIN CERTIFICATE-----" in shown.out
    removed = ok(pki(*agent, "ca-user-cert-del", uid, cert_id))
    assert removed.out.splitlines() == framed(f'Deleted certificate "{cert_id}"')
    assert ok(pki(*agent, "ca-user-cert-find", uid)).out.splitlines() == framed(
        "0 entries matched"
    )
    # ... and from a PEM file
    assert ok(pki(*agent, "ca-user-cert-add", uid, "--input", str(pem))).field(
        "Cert ID") == cert_id

    # memberships
    joined = ok(pki(*agent, "ca-user-membership-add", uid, "Auditors"))
    assert joined.out.splitlines() == [*framed('Added membership in "Auditors"'),
                                       "  Group: Auditors"]
    assert ok(pki(*agent, "ca-user-membership-find", uid)).fields("Group") == ["Auditors"]
    assert uid in ok(pki(*agent, "ca-group-member-find", "Auditors")).fields("User")
    left = ok(pki(*agent, "ca-user-membership-del", uid, "Auditors"))
    assert left.out.splitlines() == framed('Deleted membership in group "Auditors"')

    deleted = ok(pki(*agent, "ca-user-del", uid))
    assert deleted.out.splitlines() == framed(f'Deleted user "{uid}"')
    assert failed(pki(*agent, "ca-user-show", uid)) == f"ERROR: User {uid} not found"


def test_user_add_with_certificate_file_and_json(
    pki: Run, anon: list[str], agent: list[str], tmp_path: Path
) -> None:
    uid = unique("cli-json-user")
    serial = enroll(pki, anon, agent, tmp_path, unique("cli-json-cert"))
    pem = tmp_path / "cert.pem"
    ok(pki(*anon, "ca-cert-show", serial, "--output", str(pem)))
    der = tmp_path / "cert.der"
    cert = x509.load_pem_x509_certificate(pem.read_bytes())
    der.write_bytes(cert.public_bytes(serialization.Encoding.DER))
    json_pki = [*agent, "--output-format", "json"]
    added = json.loads(ok(pki(*json_pki, "ca-user-add", uid, "--full-name", "Json User",
                              "--cert-file", str(der), "--format", "DER")).out)
    assert (added["UserID"], added["FullName"]) == (uid, "Json User")
    certs = json.loads(ok(pki(*json_pki, "ca-user-cert-find", uid)).out)
    assert certs["total"] == 1 and certs["entries"][0]["SerialNumber"] == serial
    cert_id = certs["entries"][0]["id"]
    shown = json.loads(ok(pki(*json_pki, "ca-user-cert-show", uid, cert_id)).out)
    assert shown["Encoded"].startswith("-----BEGIN CERTIFICATE-----")
    assert json.loads(ok(pki(*json_pki, "ca-user-show", uid)).out)["id"] == uid
    assert json.loads(ok(pki(*json_pki, "ca-user-mod", uid, "--email", "j@example.com")).out)[
        "Email"] == "j@example.com"
    assert [e["id"] for e in json.loads(ok(pki(*json_pki, "ca-user-find", uid)).out)[
        "entries"]] == [uid]
    membership = json.loads(ok(pki(*json_pki, "ca-user-membership-add", uid, "Auditors")).out)
    assert membership == {"id": "Auditors", "userID": uid}
    assert json.loads(ok(pki(*json_pki, "ca-user-membership-find", uid)).out)["entries"] == [
        membership]
    # commands whose server answer has no body print nothing in JSON
    for command in (["ca-user-membership-del", uid, "Auditors"],
                    ["ca-user-cert-del", uid, cert_id], ["ca-user-del", uid]):
        assert ok(pki(*json_pki, *command)).out == ""
    failed(pki(*agent, "ca-user-show", uid))


def test_kra_users_and_groups(pki: Run, agent: list[str]) -> None:
    """The KRA keeps its own users and groups; groups and members in text and JSON."""
    uid, gid = unique("cli-kra-user"), unique("cli-kra-group")
    ok(pki(*agent, "kra-user-add", uid, "--full-name", "Kra User"))
    assert failed(pki(*agent, "ca-user-show", uid)) == f"ERROR: User {uid} not found"
    added = ok(pki(*agent, "kra-group-add", gid, "--description", "Cli group"))
    assert added.out.splitlines() == [*framed(f'Added group "{gid}"'), f"  Group ID: {gid}",
                                      "  Description: Cli group"]
    assert ok(pki(*agent, "kra-group-show", gid)).out.splitlines()[:3] == framed(
        f'Group "{gid}"')
    modified = ok(pki(*agent, "kra-group-mod", gid, "--description", "Changed"))
    assert modified.out.splitlines()[:3] == framed(f'Modified group "{gid}"')
    assert modified.field("Description") == "Changed"
    assert ok(pki(*agent, "kra-group-find", gid)).fields("Group ID") == [gid]
    member = ok(pki(*agent, "kra-group-member-add", gid, uid))
    assert member.out.splitlines() == [*framed(f'Added group member "{uid}"'), f"  User: {uid}"]
    assert ok(pki(*agent, "kra-group-member-show", gid, uid)).out.splitlines() == [
        *framed(f'Group member "{uid}"'), f"  User: {uid}"]
    assert ok(pki(*agent, "kra-user-membership-find", uid)).fields("Group") == [gid]

    json_pki = [*agent, "--output-format", "json"]
    assert json.loads(ok(pki(*json_pki, "kra-group-show", gid)).out)["Description"] == "Changed"
    members = json.loads(ok(pki(*json_pki, "kra-group-member-find", gid)).out)
    assert members == {"entries": [{"groupID": gid, "id": uid}], "total": 1}
    groups = json.loads(ok(pki(*json_pki, "kra-group-find", gid)).out)
    assert [g["GroupID"] for g in groups["entries"]] == [gid]
    assert json.loads(ok(pki(*json_pki, "kra-group-member-show", gid, uid)).out)["id"] == uid
    assert json.loads(ok(pki(*json_pki, "kra-group-mod", gid, "--description", "J")).out)[
        "Description"] == "J"

    removed = ok(pki(*agent, "kra-group-member-del", gid, uid))
    assert removed.out.splitlines() == framed(f'Deleted group member "{uid}"')
    assert ok(pki(*agent, "kra-group-member-find", gid)).out.splitlines() == framed(
        "0 entries matched")
    assert ok(pki(*agent, "kra-group-del", gid)).out.splitlines() == framed(
        f'Deleted group "{gid}"')
    assert failed(pki(*agent, "kra-group-show", gid)) == f"ERROR: Group {gid} not found"
    ok(pki(*agent, "kra-user-del", uid))

    gid = unique("cli-ca-group")
    assert json.loads(ok(pki(*json_pki, "ca-group-add", gid)).out)["GroupID"] == gid
    assert ok(pki(*json_pki, "ca-group-del", gid)).out == ""


def test_basic_authentication(pki: Run, server: DogtagTestServer, tmp_path: Path) -> None:
    """``-u caadmin -W FILE``: the administrator by HTTP Basic, no client certificate."""
    password_file = tmp_path / "caadmin.pw"
    password_file.write_text(server.admin_password + "\n")
    basic = ["-U", server.url, "-d", server.info["nssdb"], "-u", "caadmin",
             "-W", str(password_file)]
    assert ok(pki(*basic, "ca-user-show", "caadmin")).field("User ID") == "caadmin"
    assert "caadmin" in ok(pki(*basic, "ca-group-member-find", "Administrators")).fields("User")
    password_file.write_text("not-the-password\n")
    line = failed(pki(*basic, "ca-user-show", "caadmin"))
    assert "401" in line and "did not accept the password of user 'caadmin'" in line


def test_admin_commands_need_an_administrator(
    pki: Run, anon: list[str], agent: list[str], nonagent: list[str]
) -> None:
    # Dogtag's 403 for a user outside Administrators, as one line
    for command in (["ca-user-find"], ["kra-group-show", "Administrators"],
                    ["ca-user-add", unique("x"), "--full-name", "X"]):
        assert failed(pki(*nonagent, *command)) == "ERROR: Authorization Error"
    # anonymous: the web.xml constraint (401), with the advice to authenticate
    line = failed(pki(*anon, "ca-group-find"))
    assert "401" in line and "pass -n NICKNAME or -u USER" in line
    # unknown names: the server's 404 messages
    assert failed(pki(*agent, "ca-group-member-find", "No Such Group")) == (
        "ERROR: Group No Such Group not found")
    assert failed(pki(*agent, "kra-user-cert-find", "nosuchuser")) == (
        "ERROR: User nosuchuser not found")
    # the Java CLI's required arguments and options
    assert "USER_ID" in failed(pki(*agent, "ca-user-show"), status=2)
    assert "--full-name" in failed(pki(*agent, "ca-user-add", unique("x")), status=2)


@pytest.mark.parametrize("option", ["--password", "--password="])
def test_user_password_stays_out_of_errors(pki: Run, agent: list[str], option: str) -> None:
    secret = "Sh0rt-" + unique("pw")[-6:]
    args = [option, secret] if not option.endswith("=") else [option + secret]
    result = pki(*agent, "-v", "ca-user-add", "caadmin", "--full-name", "X", *args)
    assert result.status == 1
    assert "Entry already exists" in result.err and secret not in result.err


def test_an_authenticated_command_writes_no_file(agent: list[str]) -> None:
    """The agent's key comes from the NSS database into memory only: a whole command (TLS
    client authentication, the info request, the admin call) opens no file for writing and
    makes no temporary file."""
    out = run_audited(
        "from pki.cli.main import main",
        """
        status = main(sys.argv[1:])
        print("status", status)
        """,
        *agent, "ca-user-show", "caadmin", env={"TZ": "UTC"},
    )
    assert "  User ID: caadmin" in out and "status 0" in out
    assert out[-1] == "[]"
