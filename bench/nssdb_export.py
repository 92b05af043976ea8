"""Time to open an NSS database and bring one client key into memory (median of N).

    python bench/nssdb_export.py [--runs 20] [--key-type rsa|ec] [--db-type sql|dbm]

Each run opens the database (a password-protected one made by certutil/pk12util), logs in,
exports the key NSS-encrypted under a one-time password, decrypts it in memory and closes
the database. The first, untimed run loads the libraries.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "base" / "common" / "python"))

from pki import nss  # noqa: E402
from pki.nssdb import NSSDatabase  # noqa: E402
from pki.testing.certs import CA  # noqa: E402
from pki.testing.nsstools import TestNSSDB  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--key-type", choices=("rsa", "ec"), default="rsa")
    parser.add_argument("--db-type", choices=("sql", "dbm"), default="sql")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="nssdb-bench-"))
    try:
        ca = CA()
        db = TestNSSDB(tmp / "db", "bench-password", args.db_type)
        db.add_ca("CA", ca.cert)
        db.add_identity("PKI Administrator", ca.issue_cert("Agent", key_type=args.key_type))
        db.cleanup()
        times = []
        for run in range(args.runs + 1):
            start = time.perf_counter()
            with NSSDatabase(db.spec, password="bench-password") as nssdb:
                nssdb.get_client_credentials("PKI Administrator")
            if run:
                times.append((time.perf_counter() - start) * 1000)
        print(
            f"open + export one {args.key_type.upper()} key ({args.db_type}, NSS {nss.version()}): "
            f"median {statistics.median(times):.1f} ms over {args.runs} runs "
            f"(min {min(times):.1f}, max {max(times):.1f})"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
