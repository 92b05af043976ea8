"""The demo: an agent certificate in a password-protected NSS database, read in place.

Run ``python -m pki.testing.demo``. It builds a throw-away NSS database with NSS's own
tools (a CA trusted ``CT,C,C`` and an agent certificate with its key, as Dogtag's installer
leaves them), then opens it with ``pki.nssdb`` and shows what a client gets from it:
the certificates with their trust, the trust anchors, and the agent's key in memory.
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

from pki.nssdb import NSSDatabase
from pki.testing.certs import CA
from pki.testing.nsstools import TestNSSDB


def build_database(directory: Path) -> tuple[str, Path]:
    """Make an agent database like Dogtag's in ``directory``; return its spec and password.conf."""
    password = secrets.token_urlsafe(16)
    ca = CA("Demo CA Signing Certificate", organization="Example Demo")
    db = TestNSSDB(directory / "nssdb", password, "sql")
    db.add_ca("CA Signing Certificate", ca.cert, "CT,C,C")
    db.add_identity("PKI Administrator", ca.issue_cert("PKI Administrator"))
    db.add_identity("PKI Administrator EC", ca.issue_cert("PKI Administrator EC", key_type="ec"))
    db.cleanup()
    return db.spec, db.write_password_conf(directory / "password.conf")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the demo directory")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="dogtag-pki-demo-"))
    try:
        spec, password_conf = build_database(workdir)
        print(f"NSS database {spec} (password in {password_conf})")
        with NSSDatabase(spec, password_file=password_conf) as db:
            print(f"\n{'Certificate Nickname':<40} {'Trust':<10} Key  Subject")
            for info in db.list_certs():
                has_key = "yes" if info.has_private_key else "no"
                print(f"{info.nickname:<40} {info.trust_flags:<10} {has_key:<4} {info.subject}")
            anchors = db.get_trust_anchors()
            print(f"\nTLS trust anchors: {[a.subject.rfc4514_string() for a in anchors]}")
            for name in ("PKI Administrator", "PKI Administrator EC"):
                cert, chain, key = db.get_client_credentials(name)
                print(
                    f"{name}: {type(key).__name__} in memory, "
                    f"chain of {len(chain)}, valid until {cert.not_valid_after_utc:%Y-%m-%d}"
                )
        return 0
    finally:
        if args.keep:
            print(f"\nkept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
