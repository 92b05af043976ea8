"""``pki ca-profile-*``, ``ca-cert-request-profile-*`` and ``ca-cert-issue`` against the test
server, authenticated as the agent (an administrator) from the server's NSS database.

Profiles made here are copies of ``caServerCert`` under unique IDs, deleted again.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cli_helpers import CA_ADMIN, Run, failed, framed, ok, write_csr
from client_helpers import unique
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

pytestmark = pytest.mark.usefixtures("isolated_env")


def _raw_copy(pki: Run, agent: list[str], tmp_path: Path, profile_id: str) -> Path:
    """caServerCert's raw configuration under ``profile_id``, saved with --raw --output."""
    raw = tmp_path / f"{profile_id}.cfg"
    saved = ok(pki(*agent, "ca-profile-show", "caServerCert", "--raw", "--output", str(raw)))
    assert saved.out.splitlines() == framed(f"Saved profile caServerCert to {raw}")
    text = raw.read_text()
    assert "profileId=caServerCert\n" in text and "classId=caEnrollImpl\n" in text
    raw.write_text(text.replace("profileId=caServerCert", f"profileId={profile_id}"))
    return raw


def test_raw_profile_lifecycle(pki: Run, agent: list[str], tmp_path: Path) -> None:
    profile_id = unique("caCliRaw").replace("-", "")
    raw = _raw_copy(pki, agent, tmp_path, profile_id)
    added = ok(pki(*agent, "ca-profile-add", raw.as_posix(), "--raw"))
    # as Java: the server's answer (the stored configuration), then the message
    assert f"profileId={profile_id}\n" in added.out
    assert added.out.splitlines()[-3:] == framed(f"Added profile {profile_id}")

    assert ok(pki(*agent, "ca-profile-enable", profile_id)).out.splitlines() == framed(
        f'Enabled profile "{profile_id}"')
    assert failed(pki(*agent, "ca-profile-enable", profile_id)) == (
        "ERROR: Profile already enabled")
    mine = ok(pki(*agent, "ca-profile-find", "--enable", "true", "--enableBy", CA_ADMIN,
                  "--size", "500"))
    assert profile_id in mine.fields("Profile ID")
    assert profile_id not in ok(pki(*agent, "ca-profile-find", "--enable", "false",
                                    "--size", "500")).fields("Profile ID")
    # only a disabled profile may change or go
    line = failed(pki(*agent, "ca-profile-del", profile_id))
    assert "Profile must be disabled" in line
    assert ok(pki(*agent, "ca-profile-disable", profile_id)).out.splitlines() == framed(
        f'Disabled profile "{profile_id}"')

    raw.write_text(raw.read_text().replace("\ndesc=", "\ndesc=Changed by the CLI. "))
    modified = ok(pki(*agent, "ca-profile-mod", str(raw), "--raw"))
    assert "desc=Changed by the CLI. " in modified.out
    assert modified.out.splitlines()[-3:] == framed(f"Modified profile {profile_id}")
    printed = ok(pki(*agent, "ca-profile-show", profile_id, "--raw")).out
    assert printed.startswith(f"profileId={profile_id}\n") or f"\nprofileId={profile_id}\n" in (
        "\n" + printed)
    assert "desc=Changed by the CLI. " in printed

    assert ok(pki(*agent, "ca-profile-del", profile_id)).out.splitlines() == framed(
        f'Deleted profile "{profile_id}"')
    assert failed(pki(*agent, "ca-profile-show", profile_id, "--raw")) == (
        f"ERROR: Profile ID {profile_id} not found")
    # a raw file without profileId is refused before anything is sent
    raw.write_text("classId=caEnrollImpl\n")
    assert "Missing profileId property" in failed(pki(*agent, "ca-profile-add", str(raw),
                                                      "--raw"))


def test_json_profile_show_add_mod(pki: Run, agent: list[str], tmp_path: Path) -> None:
    """Without --raw: ProfileCLI.printProfile's layout, and JSON files both ways."""
    lines = ok(pki(*agent, "ca-profile-show", "caServerCert")).out.splitlines()
    data = json.loads(ok(pki(*agent, "--output-format", "json", "ca-profile-show",
                             "caServerCert")).out)
    first_input = data["inputs"][0]
    first_attribute = first_input["Attribute"][0]
    assert lines[:10] == [
        *framed('Profile "caServerCert"'),
        "  Profile ID: caServerCert",
        f"  Name: {data['name']}",
        f"  Description: {data['description']}",
        "",
        f"  Input Name: {first_input['Name']}",
        f"  Input Class: {first_input['ClassID']}",
        "",
    ]
    assert lines[10:13] == [
        f"    Attribute Name: {first_attribute['name']}",
        f"    Attribute Description: {first_attribute['Descriptor']['Description']}",
        f"    Attribute Syntax: {first_attribute['Descriptor']['Syntax']}",
    ]
    outputs = [line for line in lines if line.startswith("  Output ")]
    assert outputs and outputs == [
        line for o in data["outputs"]
        for line in (f"  Output Name: {o['name']}", f"  Output Class: {o['classId']}")
    ]

    profile_id = unique("caCliJson").replace("-", "")
    saved = tmp_path / "profile.json"
    shown = ok(pki(*agent, "ca-profile-show", "caServerCert", "--output", str(saved)))
    assert shown.out.splitlines() == [*framed('Profile "caServerCert"'),
                                      *framed(f"Saved profile caServerCert to {saved}")]
    profile = json.loads(saved.read_text())
    profile["id"] = profile_id
    saved.write_text(json.dumps(profile))
    added = ok(pki(*agent, "ca-profile-add", str(saved)))
    assert added.out.splitlines()[:4] == [*framed(f"Added profile {profile_id}"),
                                          f"  Profile ID: {profile_id}"]
    profile["description"] = "Modified from JSON"
    saved.write_text(json.dumps(profile))
    modified = json.loads(ok(pki(*agent, "--output-format", "json", "ca-profile-mod",
                                 str(saved))).out)
    assert (modified["id"], modified["description"]) == (profile_id, "Modified from JSON")
    found = json.loads(ok(pki(*agent, "--output-format", "json", "ca-profile-find",
                              "--enable", "false", "--size", "500")).out)
    assert profile_id in [e["profileId"] for e in found["entries"]]
    for command in ("ca-profile-enable", "ca-profile-disable", "ca-profile-del"):
        assert ok(pki(*agent, "--output-format", "json", command, profile_id)).out == ""
    assert "not found" in failed(pki(*agent, "ca-profile-show", profile_id))


def test_profile_administration_needs_an_administrator(
    pki: Run, nonagent: list[str], anon: list[str], tmp_path: Path
) -> None:
    raw = tmp_path / "p.cfg"
    raw.write_text("profileId=caCliDenied\nclassId=caEnrollImpl\n")
    assert failed(pki(*nonagent, "ca-profile-add", str(raw), "--raw")) == (
        "ERROR: Authorization Error")
    assert failed(pki(*nonagent, "ca-profile-disable", "caServerCert")) == (
        "ERROR: Authorization Error")
    line = failed(pki(*anon, "ca-profile-show", "caServerCert"))
    assert "401" in line and "pass -n NICKNAME or -u USER" in line


def test_enrollment_templates(pki: Run, anon: list[str], tmp_path: Path) -> None:
    """``ca-cert-request-profile-find/-show`` (anonymous), as ``printEnrollmentTemplate``."""
    data = json.loads(ok(pki(*anon, "--output-format", "json", "ca-cert-request-profile-find",
                             "--size", "2")).out)
    listed = ok(pki(*anon, "ca-cert-request-profile-find", "--size", "2")).out.splitlines()
    assert listed[:3] == framed(f"{data['total']} entries matched")
    assert listed[3:6] == [
        f"  Profile ID: {data['entries'][0]['profileId']}",
        f"  Name: {data['entries'][0]['profileName']}",
        f"  Description: {data['entries'][0]['profileDescription']}",
    ]
    assert listed[-3:] == framed("Number of entries returned 2")

    shown = ok(pki(*anon, "ca-cert-request-profile-show", "caServerCert")).out.splitlines()
    template = json.loads(ok(pki(*anon, "--output-format", "json",
                                 "ca-cert-request-profile-show", "caServerCert")).out)
    assert shown[:8] == [
        *framed('Enrollment Template for Profile "caServerCert"'),
        "  Profile ID: caServerCert",
        "  Renewal: false",
        "",
        f"  Name: {template['Input'][0]['Name']}",
        f"  Class: {template['Input'][0]['ClassID']}",
    ]
    assert "    Attribute Name: cert_request_type" in shown
    saved = tmp_path / "template.json"
    out = ok(pki(*anon, "ca-cert-request-profile-show", "caServerCert", "--output",
                 str(saved))).out
    assert framed(f"Saved enrollment template for caServerCert to {saved}")[1] in out
    assert json.loads(saved.read_text())["ProfileID"] == "caServerCert"
    assert "caNoSuchProfile" in failed(pki(*anon, "ca-cert-request-profile-show",
                                           "caNoSuchProfile"))


def test_ca_cert_issue(pki: Run, anon: list[str], agent: list[str], tmp_path: Path) -> None:
    """Submit and approve in one command; the certificate in PEM, DER or JSON."""
    cn = unique("cli-issue")
    csr, key = write_csr(tmp_path, cn)
    issued = ok(pki(*agent, "ca-cert-issue", "--profile", "caServerCert", "--csr-file", str(csr)))
    cert = x509.load_pem_x509_certificate(issued.out.encode())
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == cn
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    assert cert.public_key().public_bytes(serialization.Encoding.DER, spki) == (
        key.public_key().public_bytes(serialization.Encoding.DER, spki))
    found = ok(pki(*anon, "ca-cert-find", "--name", cn))
    assert found.fields("Serial Number") == [hex(cert.serial_number)]
    assert found.field("Issued By") == CA_ADMIN

    der = tmp_path / "issued.der"
    ok(pki(*agent, "ca-cert-issue", "--profile", "caServerCert", "--csr-file", str(csr),
           "--output-format", "DER", "--output-file", str(der)))
    assert x509.load_der_x509_certificate(der.read_bytes()).subject == cert.subject
    data = json.loads(ok(pki(*agent, "--output-format", "json", "ca-cert-issue", "--profile",
                             "caServerCert", "--csr-file", str(csr))).out)
    assert data["SubjectDN"] == f"CN={cn}" and data["Status"] == "VALID"

    # from a saved template (ca-cert-request-profile-show --output), as --input-file
    template = tmp_path / "template.json"
    ok(pki(*anon, "ca-cert-request-profile-show", "caServerCert", "--output", str(template)))
    pem = ok(pki(*agent, "ca-cert-issue", "--input-file", str(template), "--csr-file",
                 str(csr), "--request-type", "pkcs10")).out
    assert x509.load_pem_x509_certificate(pem.encode()).subject == cert.subject


def test_ca_cert_issue_failures(
    pki: Run, anon: list[str], agent: list[str], tmp_path: Path
) -> None:
    csr, _ = write_csr(tmp_path, unique("cli-issue-anon"))
    # approving needs an agent: the request stays pending, as with the Java CLI
    line = failed(pki(*anon, "ca-cert-issue", "--profile", "caServerCert", "--csr-file",
                      str(csr)))
    assert re.search(r"401 .*/agent/certrequests/\d+", line) and "-n NICKNAME" in line
    # a request its profile's constraints reject
    key_csr = tmp_path / "nocn.csr"
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "No CN")]))
        .sign(ec.generate_private_key(ec.SECP256R1()), hashes.SHA256())
    )
    key_csr.write_bytes(request.public_bytes(serialization.Encoding.PEM))
    line = failed(pki(*agent, "ca-cert-issue", "--profile", "caServerCert", "--csr-file",
                      str(key_csr)))
    assert line.startswith("ERROR: Request rejected: ") and "O=No CN" in line
    assert "either --profile or --input-file" in failed(
        pki(*agent, "ca-cert-issue", "--csr-file", str(csr)), status=2)
