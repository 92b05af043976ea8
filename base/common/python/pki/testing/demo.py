"""The demo: a Dogtag-compatible server, an agent certificate in an NSS database, real requests.

Run ``python -m pki.testing.demo``. It starts ``python -m pki.testing.server`` on a free
loopback port (the server creates its CA and the agent's password-protected NSS database,
as Dogtag's installer would), then, as the agent, authenticates from that NSS database with
no PEM file anywhere: it shows the database, enrols a certificate from a fresh CSR, approves
it, revokes and restores it, archives a secret in the KRA and retrieves it, and lists the
certificates.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import pki.account
import pki.cert
import pki.key
from pki.client import PKIConnection
from pki.nssdb import NSSDatabase


def start_server(state_dir: Path) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    """Start the test server and read its one-line JSON start message."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "pki.testing.server", "--port", "0", "--state-dir", str(state_dir)],
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.wait()
        raise SystemExit(f"the test server did not start (exit status {proc.returncode})")
    return proc, json.loads(line)


def make_csr(common_name: str) -> str:
    """A PKCS#10 request with a fresh EC key (the key stays in this process)."""
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(common_name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def run(info: dict[str, Any]) -> None:
    print(f"server: {info['url']}   agent database: {info['nssdb']}")
    with NSSDatabase(info["nssdb"], password_file=info["password_file"]) as db:
        print(f"\n{'Certificate Nickname':<32} {'Trust':<10} Key  Subject")
        for cert_info in db.list_certs():
            has_key = "yes" if cert_info.has_private_key else "no"
            print(
                f"{cert_info.nickname:<32} {cert_info.trust_flags:<10} {has_key:<4} "
                f"{cert_info.subject}"
            )

    host_port = info["url"].split("://", 1)[1]
    host, port = host_port.rsplit(":", 1)
    conn = PKIConnection(
        "https",
        host,
        port,
        nssdb=info["nssdb"],
        nickname=info["nickname"],
        nssdb_password_file=info["password_file"],
    )
    account = pki.account.AccountClient(conn, subsystem="ca")
    who = account.login()
    print(f"\nlogged in over TLS as {who.get('id') if isinstance(who, dict) else who}")

    certs = pki.cert.CertClient(conn)
    inputs = {"cert_request_type": "pkcs10", "cert_request": make_csr("demo.example.com")}
    issued = certs.enroll_cert("caServerCert", inputs)[0].cert
    if issued is None:
        raise SystemExit("the CA did not issue the certificate")
    serial = issued.serial_number
    print(f"enrolled, approved and issued certificate {serial}: {issued.subject_dn}")
    certs.hold_cert(serial, comments="demo hold")
    print(f"  on hold: {certs.get_cert(serial).status}")
    certs.unrevoke_cert(serial)
    print(f"  released: {certs.get_cert(serial).status}")
    account.logout()

    kra_account = pki.account.AccountClient(conn, subsystem="kra")
    kra_account.login()
    keys = pki.key.KeyClient(conn)
    client_key_id = f"demo-vault-{os.getpid()}"
    secret = b"a secret kept by the KRA"
    archived = keys.archive_key(client_key_id, pki.key.KeyClient.PASS_PHRASE_TYPE, secret)
    key_id = archived.get_key_id()
    retrieved = keys.retrieve_key(key_id)
    same = "same bytes" if retrieved.data == secret else "DIFFERENT BYTES"
    print(f"archived a secret in the KRA as key {key_id}, retrieved it: {same}")
    kra_account.logout()

    print("\ncertificates on the server:")
    for data in certs.list_certs():
        print(f"  {data.serial_number:<20} {data.status:<8} {data.subject_dn}")
    if retrieved.data != secret:
        raise SystemExit("the KRA returned different bytes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--state-dir", help="reuse this server state directory")
    args = parser.parse_args(argv)
    state_dir = Path(args.state_dir or tempfile.mkdtemp(prefix="dogtag-pki-demo-"))
    proc, info = start_server(state_dir)
    try:
        run(info)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        if not args.state_dir:
            shutil.rmtree(state_dir, ignore_errors=True)
    print("\ndemo finished: every request above was authenticated from the NSS database")
    return 0


if __name__ == "__main__":
    sys.exit(main())
