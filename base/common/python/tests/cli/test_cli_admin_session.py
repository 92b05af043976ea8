"""An admin's session with Java-CLI habits: a fresh client database filled from the CA
(``client-cert-import --serial``, ``--pkcs7``), and the mistakes a new admin makes with
``-U`` (no port, ``http://`` to the HTTPS port), each answered with what to type instead.
"""

from __future__ import annotations

import io
import json
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cli_helpers import Run, enroll, failed, framed, ok, write_csr
from client_helpers import unique
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from pki.testing.server import DogtagTestServer


@pytest.fixture
def fresh_db(pki: Run, server: DogtagTestServer, tmp_path: Path) -> list[str]:
    """Global options of a new password-less database that trusts the server's CA."""
    db = tmp_path / "admin-db"
    ok(pki("-d", str(db), "client-init"))
    ok(pki("-d", str(db), "client-cert-import", "--ca-cert", server.info["ca_cert"]))
    return ["-U", server.url, "-d", str(db)]


def test_import_by_serial_from_the_ca(
    pki: Run, anon: list[str], agent: list[str], fresh_db: list[str], tmp_path: Path
) -> None:
    """``client-cert-import NICK --serial N`` fetches the certificate anonymously (as Java:
    ``-n`` names the certificate to import, not a key to log in with), with ``--trust``."""
    cn = unique("by-serial")
    serial = enroll(pki, anon, agent, tmp_path, cn)
    imported = ok(pki(*fresh_db, "-n", cn, "client-cert-import", "--serial", serial,
                      "--trust", "P,,"))
    assert imported.out == f'Imported certificate "{cn}"\n'
    shown = ok(pki(*fresh_db, "client-cert-show", cn))
    assert shown.field("Serial Number") == serial
    assert shown.field("Subject DN") == f"CN={cn}"
    assert shown.field("Trust Flags") == "P,,"

    line = failed(pki(*fresh_db, "client-cert-import", "--serial", serial))
    assert line == "ERROR: Missing certificate nickname: give NICKNAME or -n"
    assert "Certificate ID 0x7fffff not found" in failed(
        pki(*fresh_db, "client-cert-import", "other", "--serial", "0x7fffff"))


def test_import_pkcs7_chain(
    pki: Run, anon: list[str], agent: list[str], server: DogtagTestServer, tmp_path: Path
) -> None:
    """The deprecated ``--pkcs7``: the CA as a trusted CA, the leaf under NICKNAME, and
    Java's deprecation warning."""
    cn = unique("p7")
    serial = enroll(pki, anon, agent, tmp_path, cn)
    leaf_pem = tmp_path / "leaf.pem"
    ok(pki(*anon, "ca-cert-show", serial, "--output", str(leaf_pem)))
    chain = [
        x509.load_pem_x509_certificate(Path(server.info["ca_cert"]).read_bytes()),
        x509.load_pem_x509_certificate(leaf_pem.read_bytes()),
    ]
    bundle = tmp_path / "chain.p7b"
    bundle.write_bytes(pkcs7.serialize_certificates(chain, serialization.Encoding.PEM))
    db = tmp_path / "p7-db"
    ok(pki("-d", str(db), "client-init"))

    result = pki("-d", str(db), "client-cert-import", cn, "--pkcs7", str(bundle))
    assert result.status == 0, result.err
    assert result.err.startswith("WARNING: The --pkcs7 option has been deprecated")
    assert result.out == f"Imported certificates from PKCS #7 file {bundle}\n"
    listed = ok(pki("-d", str(db), "client-cert-find"))
    assert listed.out.splitlines()[:3] == framed("2 certificate(s) found")
    assert cn in listed.fields("Nickname")
    cas = ok(pki("-d", str(db), "client-cert-find", "--ca"))
    assert cas.fields("Trust Flags") == ["CT,C,C"]


class _EditsThenAnswers(io.StringIO):
    """Standard input whose answer comes after ``edit`` has run, as an admin edits the saved
    request while the command waits for the action."""

    def __init__(self, answer: str, edit: Callable[[], None]) -> None:
        super().__init__(answer)
        self.edit = edit

    def readline(self, size: int | None = -1) -> str:
        self.edit()
        return super().readline()


def _pending_request(pki: Run, anon: list[str], directory: Path, cn: str) -> str:
    csr, _ = write_csr(directory, cn)
    return ok(pki(*anon, "ca-cert-request-submit", "--profile", "caServerCert",
                  "--csr-file", str(csr))).field("Request ID")


def test_review_with_the_deprecated_file_option(
    pki: Run, anon: list[str], agent: list[str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``ca-cert-request-review ID --file FILE`` (Java's older process): saves the request,
    asks for the action, then acts on the request as FILE holds it after the answer."""
    saved = tmp_path / "review.json"
    request_id = _pending_request(pki, anon, tmp_path, unique("review-file"))
    monkeypatch.setattr(sys, "stdin", _EditsThenAnswers("approve\n", lambda: None))
    approved = ok(pki(*agent, "ca-cert-request-review", request_id, "--file", str(saved)))
    assert json.loads(saved.read_text())["requestId"] in (request_id, str(int(request_id, 16)))
    assert (f"Please review the certificate request in {saved}.\n"
            "Update the file if necessary, then select an action below.\n\n"
            "Action (approve/reject/cancel/update/validate/assign/unassign): ") in approved.out
    assert approved.field("Request Status") == "complete"

    # the file is read back after the answer: an edit made meanwhile is what is sent
    other = _pending_request(pki, anon, tmp_path, unique("review-file-2"))

    def retarget() -> None:
        data = json.loads(saved.read_text())
        data["requestId"] = request_id  # not the request under review
        saved.write_text(json.dumps(data))

    monkeypatch.setattr(sys, "stdin", _EditsThenAnswers("approve\n", retarget))
    line = failed(pki(*agent, "ca-cert-request-review", other, "--file", str(saved)))
    assert line == f"ERROR: Incorrect certificate request in {saved}"
    pending = ok(pki(*agent, "ca-cert-request-show", other))
    assert pending.field("Request Status") == "pending"
    assert "not allowed with argument --file" in failed(
        pki(*agent, "ca-cert-request-review", other, "--file", "a", "--output-file", "b"), 2)


def test_url_without_port_names_8443(pki: Run, fresh_db: list[str]) -> None:
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 443)) == 0:
            pytest.skip("something listens on 127.0.0.1:443")
    line = failed(pki("-U", "https://127.0.0.1", *fresh_db[2:], "info"))
    assert "cannot connect to https://127.0.0.1: Connection refused" in line
    assert "(-U names no port, so 443 was used; Dogtag listens on 8443 for HTTPS: " \
        "-U https://127.0.0.1:8443)" in line


def test_http_url_to_the_https_port(pki: Run, server: DogtagTestServer,
                                    fresh_db: list[str]) -> None:
    port = urlsplit(server.url).port
    line = failed(pki("-U", f"http://127.0.0.1:{port}", *fresh_db[2:], "info"))
    assert line.startswith(f"ERROR: cannot connect to http://127.0.0.1:{port}: ")
    assert line.endswith(
        f"(if port {port} serves HTTPS, as Dogtag's 8443 does, use -U https://127.0.0.1:{port})")


def test_ca_cert_export(pki: Run, anon: list[str], agent: list[str], tmp_path: Path) -> None:
    """``ca-cert-export SERIAL`` (what the Java CLI's ``ca-cert-show --output`` warns to use):
    PEM on standard output, ``--output-format DER`` (any case) and ``--output-file``."""
    cn = unique("export")
    serial = enroll(pki, anon, agent, tmp_path, cn)
    shown = tmp_path / "shown.pem"
    ok(pki(*anon, "ca-cert-show", serial, "--output", str(shown)))
    exported = ok(pki(*anon, "ca-cert-export", serial))
    assert exported.out == shown.read_text()
    cert = x509.load_pem_x509_certificate(exported.out.encode())
    assert cert.serial_number == int(serial, 16)

    der = tmp_path / "cert.der"
    written = ok(pki(*anon, "ca-cert-export", serial, "--output-format", "der",
                     "--output-file", str(der)))
    assert written.out == ""
    assert der.read_bytes() == cert.public_bytes(serialization.Encoding.DER)

    data = json.loads(ok(pki(*anon, "--output-format", "json", "ca-cert-export", serial)).out)
    assert data["Encoded"] == exported.out
    assert "Certificate ID 0x7fffff not found" in failed(pki(*anon, "ca-cert-export", "0x7fffff"))
    assert "invalid choice: 'xml'" in failed(
        pki(*anon, "ca-cert-export", serial, "--output-format", "xml"), 2)


def test_submit_a_saved_request_file(
    pki: Run, anon: list[str], agent: list[str], tmp_path: Path
) -> None:
    """Java's ``ca-cert-request-profile-show ID --output FILE``, edit, then
    ``ca-cert-request-submit FILE``: the saved request (JSON here) stands for --profile."""
    saved = tmp_path / "caServerCert.json"
    ok(pki(*anon, "ca-cert-request-profile-show", "caServerCert", "--output", str(saved)))
    cn = unique("saved-request")
    csr, _ = write_csr(tmp_path, cn)
    submitted = ok(pki(*anon, "ca-cert-request-submit", str(saved), "--csr-file", str(csr)))
    request_id = submitted.field("Request ID")
    assert submitted.field("Request Status") == "pending"
    review = ok(pki(*agent, "ca-cert-request-review", request_id, "--output-file",
                    str(tmp_path / "review.json")))
    assert "  Profile: Manual Server Certificate Enrollment" in review.out
    serial = ok(pki(*agent, "ca-cert-request-approve", request_id, "--force")).field(
        "Certificate ID")
    assert ok(pki(*anon, "ca-cert-show", serial)).field("Subject DN") == f"CN={cn}"

    both = failed(pki(*anon, "ca-cert-request-submit", str(saved), "--profile",
                      "caServerCert", "--csr-file", str(csr)), 2)
    assert both == ("ERROR: give either --profile or a request FILE (a request saved by "
                    "ca-cert-request-profile-show ID --output FILE)")
    xml = tmp_path / "request.xml"
    xml.write_text("<CertEnrollmentRequest/>\n")
    line = failed(pki(*anon, "ca-cert-request-submit", str(xml), "--csr-file", str(csr)))
    assert line.startswith(f"ERROR: {xml}: not an enrollment request (it is XML")


def test_client_cert_request_to_a_lightweight_ca(
    pki: Run, agent: list[str], fresh_db: list[str]
) -> None:
    """``client-cert-request --issuer-id ID`` (as Java's): the key is made in the database
    and the request goes to that authority, whose certificate signs the result."""
    name = unique("lwca")
    created = ok(pki(*agent, "ca-authority-create", f"CN={name},O=Example", "--parent",
                     "host-authority", "--desc", name))
    authority_id = created.field("ID").strip()
    try:
        submitted = ok(pki(*fresh_db, "client-cert-request", f"UID={unique('lw-user')}",
                           "--issuer-id", authority_id))
        request_id = submitted.field("Request ID")
        serial = ok(pki(*agent, "ca-cert-request-approve", request_id, "--force")).field(
            "Certificate ID")
        assert ok(pki(*agent, "ca-cert-show", serial)).field("Issuer DN") == \
            f"CN={name},O=Example"
        unknown = failed(pki(*fresh_db, "client-cert-request", "UID=nobody", "--issuer-id",
                             "00000000-0000-0000-0000-000000000000"))
        assert "CA not found" in unknown
    finally:
        ok(pki(*agent, "ca-authority-disable", authority_id))
        ok(pki(*agent, "ca-authority-del", authority_id, "--force"))
