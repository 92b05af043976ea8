"""The text output of the ``pki`` commands has the Java CLI's field names, order and formats.

Each test runs a command against the Dogtag test server and compares its output line by line
with what the Java CLI prints for the same data (``CACertCLI.printCertInfo`` /
``printCertData``, ``CACertFindCLI``, ``CACertRequestCLI.printCertRequestInfo`` /
``printCertReviewResponse``, ``KRAKeyCLI.printKeyInfo``, ``KRAKeyFindCLI``, ``MainCLI
.printMessage``). Expected values come from the certificates themselves (read with
cryptography) or the server's JSON, formatted here by the Java rules: dates as
``Date.toString()`` (``isolated_env`` sets TZ=UTC), serials and IDs in ``0x`` hex.
"""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import pytest
from cli_helpers import CA_ADMIN, KRA_ADMIN, Run, enroll, framed, ok, run_pki, write_csr
from client_helpers import unique
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from pki.testing.server import DogtagTestServer

pytestmark = pytest.mark.usefixtures("isolated_env")


JAVA_DATE = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d\d \d\d:\d\d:\d\d [A-Z]+ \d{4}$"
)


def utc_date(when: datetime.datetime) -> str:
    """``Date.toString()`` of ``when`` in a JVM whose time zone is UTC."""
    return when.astimezone(datetime.timezone.utc).strftime("%a %b %d %H:%M:%S UTC %Y")


def issuer_dn(server: DogtagTestServer) -> str:
    """The CA's DN as Dogtag prints it, spelled out from the CA certificate's attributes."""
    ca = x509.load_pem_x509_certificate(Path(server.ca_cert_path).read_bytes())
    cn = ca.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    org = ca.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
    return f"CN={cn},O={org}"


def issued_cert(pki: Run, anon: list[str], serial: str, tmp_path: Path) -> x509.Certificate:
    pem = tmp_path / f"{serial}.pem"
    ok(pki(*anon, "ca-cert-show", serial, "--output", str(pem)))
    return x509.load_pem_x509_certificate(pem.read_bytes())


# -- ca-cert-find ------------------------------------------------------------------------------


def test_ca_cert_find(
    pki: Run, anon: list[str], agent: list[str], server: DogtagTestServer, tmp_path: Path
) -> None:
    cn = unique("java-find")
    before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    serial = enroll(pki, anon, agent, tmp_path, cn, key_type="rsa")
    after = datetime.datetime.now(datetime.timezone.utc)
    cert = issued_cert(pki, anon, serial, tmp_path)
    data = json.loads(ok(pki(*anon, "ca-cert-find", "--name", cn, "--output-format", "json")).out)
    version = data["entries"][0]["Version"]

    lines = ok(pki(*anon, "ca-cert-find", "--name", cn)).out.splitlines()
    issued_on = lines[11].removeprefix("  Issued On: ")
    assert lines == [
        *framed("1 entries found"),
        f"  Serial Number: {serial}",
        f"  Subject DN: CN={cn}",
        f"  Issuer DN: {issuer_dn(server)}",
        "  Status: VALID",
        f"  Type: X.509 version {version + 1}",
        "  Key Algorithm: PKCS #1 RSA with 2048-bit key",
        f"  Not Valid Before: {utc_date(cert.not_valid_before_utc)}",
        f"  Not Valid After: {utc_date(cert.not_valid_after_utc)}",
        f"  Issued On: {issued_on}",
        f"  Issued By: {CA_ADMIN}",
        *framed("Number of entries returned 1"),
    ]
    when = datetime.datetime.strptime(issued_on, "%a %b %d %H:%M:%S UTC %Y")
    assert before <= when.replace(tzinfo=datetime.timezone.utc) <= after


def test_ca_cert_find_says_version_3(
    pki: Run, anon: list[str], agent: list[str], tmp_path: Path
) -> None:
    cn = unique("java-version")
    enroll(pki, anon, agent, tmp_path, cn)
    assert ok(pki(*anon, "ca-cert-find", "--name", cn)).field("Type") == "X.509 version 3"


def test_ca_cert_find_ec_key_and_nothing_found(
    pki: Run, anon: list[str], agent: list[str], tmp_path: Path
) -> None:
    cn = unique("java-ec")
    enroll(pki, anon, agent, tmp_path, cn, key_type="ec")
    # the Java CLI names only RSA, MD5 with RSA and DSA keys; others print as OID.<dotted>
    found = ok(pki(*anon, "ca-cert-find", "--name", cn))
    assert found.field("Key Algorithm") == "OID.1.2.840.10045.2.1 with 256-bit key"
    # nothing found: the header only, as CACertFindCLI returns after it
    nothing = ok(pki(*anon, "ca-cert-find", "--name", unique("nobody")))
    assert nothing.out.splitlines() == framed("0 entries found")


def test_one_date_style_in_every_command(
    pki: Run, anon: list[str], agent: list[str], tmp_path: Path
) -> None:
    """Dates the server formats (CertData) and dates formatted here (CertDataInfo, epoch
    milliseconds) read the same."""
    cn = unique("java-dates")
    serial = enroll(pki, anon, agent, tmp_path, cn)
    shown = ok(pki(*anon, "ca-cert-show", serial))
    found = ok(pki(*anon, "ca-cert-find", "--name", cn))
    for label in ("Not Valid Before", "Not Valid After"):
        assert JAVA_DATE.match(found.field(label)), found.out
        assert found.field(label) == shown.field(label)


def test_dates_in_the_local_time_zone(
    pki: Run, anon: list[str], agent: list[str], tmp_path: Path
) -> None:
    cn = unique("java-tz")
    serial = enroll(pki, anon, agent, tmp_path, cn)
    cert = issued_cert(pki, anon, serial, tmp_path)
    tokyo = run_pki(*anon, "ca-cert-find", "--name", cn, env={"TZ": "Asia/Tokyo"})
    assert tokyo.returncode == 0, tokyo.stderr
    local = cert.not_valid_before_utc + datetime.timedelta(hours=9)  # JST has no DST
    assert f"  Not Valid Before: {local:%a %b %d %H:%M:%S} JST {local:%Y}\n" in tokyo.stdout


# -- ca-cert-show ------------------------------------------------------------------------------


def test_ca_cert_show(
    pki: Run, anon: list[str], agent: list[str], server: DogtagTestServer, tmp_path: Path
) -> None:
    cn = unique("java-show")
    serial = enroll(pki, anon, agent, tmp_path, cn)
    cert = issued_cert(pki, anon, serial, tmp_path)
    fields = [
        f"  Serial Number: {serial}",
        f"  Subject DN: CN={cn}",
        f"  Issuer DN: {issuer_dn(server)}",
    ]
    dates = [
        f"  Not Valid Before: {utc_date(cert.not_valid_before_utc)}",
        f"  Not Valid After: {utc_date(cert.not_valid_after_utc)}",
    ]
    # no header: CACertShowCLI prints the fields only
    assert ok(pki(*anon, "ca-cert-show", serial)).out.splitlines() == [
        *fields, "  Status: VALID", *dates
    ]

    encoded = ok(pki(*anon, "ca-cert-show", serial, "--encoded")).out
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    assert encoded.endswith("\n\n" + pem)

    ok(pki(*agent, "ca-cert-hold", serial, "--force"))
    lines = ok(pki(*anon, "ca-cert-show", serial)).out.splitlines()
    assert lines[:6] == [*fields, "  Status: REVOKED", *dates]
    assert [line.split(":")[0] for line in lines[6:]] == ["  Revoked On", "  Revoked By"]
    assert JAVA_DATE.match(lines[6].removeprefix("  Revoked On: "))
    assert lines[7] == f"  Revoked By: {CA_ADMIN}"


# -- certificate requests -----------------------------------------------------------------------


def test_ca_cert_request_show_and_find(
    pki: Run, anon: list[str], agent: list[str], tmp_path: Path
) -> None:
    csr, _ = write_csr(tmp_path, unique("java-request"))
    submitted = ok(pki(*anon, "ca-cert-request-submit", "--profile", "caServerCert",
                       "--csr-file", str(csr)))
    request_id = submitted.field("Request ID")
    assert submitted.out.splitlines()[:3] == framed("Submitted certificate request")

    lines = ok(pki(*anon, "ca-cert-request-show", request_id)).out.splitlines()
    assert lines[:3] == framed(f'Certificate request "{request_id}"')
    assert [line.split(": ")[0] for line in lines[3:]] == [
        "  Request ID", "  Type", "  Request Status", "  Operation Result",
        "  Creation Time", "  Modification Time",
    ]
    assert lines[3:7] == [
        f"  Request ID: {request_id}", "  Type: enrollment", "  Request Status: pending",
        "  Operation Result: success",
    ]
    assert all(JAVA_DATE.match(line.split(": ", 1)[1]) for line in lines[7:])

    pending = ok(pki(*agent, "ca-cert-request-find", "--status", "pending", "--size", "500"))
    out = pending.out.splitlines()
    total = int(out[1].split()[0])
    assert out[1] == f"{total} entries matched" and out[:3] == framed(out[1])
    assert request_id in pending.fields("Request ID")
    shown = len(pending.fields("Request ID"))
    assert out[-3:] == framed(f"Number of entries returned {shown}")


def test_review_asks_for_the_action(
    pki: Run, anon: list[str], agent: list[str], tmp_path: Path
) -> None:
    csr, _ = write_csr(tmp_path, unique("java-review"))
    request_id = ok(pki(*anon, "ca-cert-request-submit", "--profile", "caServerCert",
                        "--csr-file", str(csr))).field("Request ID")
    # an empty answer does nothing (as the Java CLI)
    nothing = run_pki(*agent, "ca-cert-request-review", request_id, input="\n")
    assert nothing.returncode == 0, nothing.stderr
    assert ok(pki(*anon, "ca-cert-request-show", request_id)).field("Request Status") == "pending"

    done = run_pki(*agent, "ca-cert-request-review", request_id, input="bless\napprove\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("\n".join(framed(f"Retrieved certificate request {request_id}")))
    assert f"  Request ID: {request_id}\n  Profile: " in out
    assert "\n  Type: enrollment\n  Status: pending\n" in out
    assert "    cert_request_type: pkcs10\n" in out
    assert "Invalid action: bless\n" in out
    assert "Action (approve/reject/cancel/update/validate/assign/unassign): " in out
    assert "\n".join(framed(f"Approved certificate request {request_id}")) in out
    assert ok(pki(*anon, "ca-cert-request-show", request_id)).field("Request Status") == (
        "complete"
    )


def test_review_to_a_file_then_act_on_it(
    pki: Run, anon: list[str], agent: list[str], tmp_path: Path
) -> None:
    csr, _ = write_csr(tmp_path, unique("java-review-file"))
    request_id = ok(pki(*anon, "ca-cert-request-submit", "--profile", "caServerCert",
                        "--csr-file", str(csr))).field("Request ID")
    saved = tmp_path / "request.json"
    reviewed = ok(pki(*agent, "ca-cert-request-review", request_id, "--output-file", str(saved)))
    assert f"ca-cert-request-<action> {request_id} --input-file {saved}" in reviewed.out
    assert json.loads(saved.read_text())["requestId"] in (request_id, int(request_id, 16))
    rejected = ok(pki(*agent, "ca-cert-request-reject", request_id, "--input-file", str(saved)))
    assert rejected.out.splitlines()[:3] == framed(f"Rejected certificate request {request_id}")
    assert rejected.field("Request Status") == "rejected"


# -- KRA ---------------------------------------------------------------------------------------


def test_kra_key_find_and_show(pki: Run, agent: list[str]) -> None:
    cid = unique("java-kra")
    ok(pki(*agent, "kra-key-archive", "--clientKeyID", cid, "--passphrase", "x" * 12))
    entry = json.loads(ok(pki(*agent, "--output-format", "json", "kra-key-find",
                              "--clientKeyID", cid)).out)["entries"][0]
    # printKeyInfo: Key ID, then each of these that the server sent, in this order
    optional = [
        ("Client Key ID", "clientKeyID"), ("Status", "status"), ("Algorithm", "algorithm"),
        ("Size", "size"), ("Owner", "ownerName"), ("Realm", "realm"),
    ]
    key_id = hex(int(entry["keyURL"].rsplit("/", 1)[-1], 16))
    record = [f"  Key ID: {key_id}"] + [
        f"  {label}: {entry[name]}" for label, name in optional if entry.get(name) is not None
    ]
    assert f"  Client Key ID: {cid}" in record and f"  Owner: {KRA_ADMIN}" in record

    found = ok(pki(*agent, "kra-key-find", "--clientKeyID", cid)).out.splitlines()
    assert found == [
        *framed("1 key(s) matched"), *record, *framed("Number of entries returned 1")
    ]
    # unlike ca-cert-find, an empty result still ends with the count
    none = ok(pki(*agent, "kra-key-find", "--clientKeyID", unique("nothing"))).out
    assert none.splitlines() == [*framed("0 key(s) matched"),
                                 *framed("Number of entries returned 0")]
    assert ok(pki(*agent, "kra-key-show", key_id)).out.splitlines() == record


# -- users, profiles, authorities -----------------------------------------------------------------


def test_ca_user_find_and_show(pki: Run, agent: list[str]) -> None:
    """``UserFindCLI``/``UserShowCLI`` with ``UserCLI.printUser``: ``User ID`` always, the
    other fields when the server sent them (a list entry carries the ID and full name)."""
    uid = unique("java-user")
    ok(pki(*agent, "ca-user-add", uid, "--full-name", "Java Format", "--email",
           f"{uid}@example.com", "--phone", "555-0100", "--type", "adminType",
           "--state", "1"))
    assert ok(pki(*agent, "ca-user-find", uid)).out.splitlines() == [
        *framed("1 entries matched"),
        f"  User ID: {uid}",
        "  Full name: Java Format",
        *framed("Number of entries returned 1"),
    ]
    assert ok(pki(*agent, "ca-user-show", uid)).out.splitlines() == [
        *framed(f'User "{uid}"'),
        f"  User ID: {uid}",
        "  Full name: Java Format",
        f"  Email: {uid}@example.com",
        "  Phone: 555-0100",
        "  Type: adminType",
        "  State: 1",
    ]
    # nothing matched: the header only, as UserFindCLI returns after it
    assert ok(pki(*agent, "ca-user-find", unique("nobody"))).out.splitlines() == framed(
        "0 entries matched"
    )
    ok(pki(*agent, "ca-user-del", uid))


def test_ca_profile_find(pki: Run, agent: list[str]) -> None:
    """``ProfileFindCLI`` with ``ProfileCLI.printProfileDataInfo``: ID, name, description of
    each entry of the page, the server's total first."""
    data = json.loads(ok(pki(*agent, "--output-format", "json", "ca-profile-find",
                             "--size", "3")).out)
    assert len(data["entries"]) == 3 < data["total"]
    lines = ok(pki(*agent, "ca-profile-find", "--size", "3")).out.splitlines()
    records = [
        [f"  Profile ID: {e['profileId']}", f"  Name: {e['profileName']}",
         f"  Description: {e['profileDescription']}"]
        for e in data["entries"]
    ]
    assert lines == [
        *framed(f"{data['total']} entries matched"),
        *records[0], "", *records[1], "", *records[2],
        *framed("Number of entries returned 3"),
    ]


def test_ca_authority_find_and_show(
    pki: Run, agent: list[str], anon: list[str], server: DogtagTestServer
) -> None:
    """``AuthorityFindCLI`` with ``AuthorityCLI.printAuthorityData``: values in one column,
    ``Host authority`` only for the host CA, the serial in ``0x`` hex."""
    dn = f"CN={unique('Java Sub CA')},O=Example"
    created = json.loads(ok(pki(*agent, "--output-format", "json", "ca-authority-create", dn,
                                "--parent", "host-authority", "--desc", "Java format")).out)
    host = json.loads(ok(pki(*anon, "--output-format", "json", "ca-authority-show",
                             "--host-authority")).out)
    record = [
        f"  Authority DN:   {dn}",
        f"  ID:             {created['id']}",
        f"  Parent ID:      {host['id']}",
        f"  Issuer DN:      {issuer_dn(server)}",
        f"  Serial no:      {hex(created['serial'])}",
        "  Enabled:        true",
        "  Ready to sign:  true",
        "  Description:    Java format",
    ]
    assert ok(pki(*anon, "ca-authority-find", "--dn", dn)).out.splitlines() == [
        *framed("1 entries matched"), *record, *framed("Number of entries returned 1"),
    ]
    # show prints the record alone; the host CA says so first and has no parent
    assert ok(pki(*anon, "ca-authority-show", created["id"])).out.splitlines() == record
    shown = ok(pki(*anon, "ca-authority-show", "--host-authority")).out.splitlines()
    assert shown[:3] == [
        "  Host authority: true",
        f"  Authority DN:   {issuer_dn(server)}",
        f"  ID:             {host['id']}",
    ]
    assert not any(line.startswith("  Parent ID:") for line in shown)
    assert ok(pki(*anon, "ca-authority-find", "--dn", "CN=None Such,O=Example")).out == (
        "\n".join(framed("0 entries matched")) + "\n"
    )
    ok(pki(*agent, "ca-authority-disable", created["id"]))
    ok(pki(*agent, "ca-authority-del", created["id"], "--force"))
