"""Where the two missed targets go: cold-start phases and thread scaling.

    python bench/diagnose.py [--key-type rsa|ec] [--runs 10]

1. Cold start, phase by phase, in fresh processes (medians): importing requests, importing
   pyOpenSSL and cryptography.x509, importing pki.client, building the connection's TLS
   context (NSS work included), the first GET, and interpreter teardown (the same script
   ended with ``os._exit`` instead of a normal exit).
2. Aggregate GET rate of one PKIConnection shared by 1, 2, 4 and 16 threads against the
   same nginx, to show how far CPython's GIL lets threads scale on this machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "base" / "common" / "python"))

import contenders  # noqa: E402
import fixtures  # noqa: E402
import scenarios  # noqa: E402

PHASES = """
import sys, time
t0 = time.perf_counter()
import requests
t1 = time.perf_counter()
import OpenSSL.SSL, cryptography.x509
t2 = time.perf_counter()
from pki.client import PKIConnection
t3 = time.perf_counter()
conn = PKIConnection('https', '127.0.0.1', sys.argv[1], nssdb=sys.argv[2],
                     nickname=sys.argv[3], nssdb_password_file=sys.argv[4])
conn.get_ssl_context()
t4 = time.perf_counter()
conn.get('/small.json')
t5 = time.perf_counter()
marks = [t0, t1, t2, t3, t4, t5]
print(" ".join(f"{(b - a) * 1000:.1f}" for a, b in zip(marks, marks[1:])))
"""
NAMES = ["import requests", "import pyOpenSSL+x509", "import pki.client", "TLS context", "GET"]


def wall(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, env=env, check=True, capture_output=True)
    return (time.perf_counter() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--key-type", choices=("rsa", "ec"), default="rsa")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    tmp = fixtures.private_tmpdir()
    creds = fixtures.make_credentials(tmp, args.key_type)
    nginx = fixtures.Nginx(fixtures.find_nginx(), tmp)
    nginx.start()
    try:
        package = str(HERE.parent / "base" / "common" / "python")
        env = {"PYTHONPATH": package, "PATH": "/usr/bin:/bin"}
        argv = [str(nginx.port_resume), creds.nssdb, creds.nickname, str(creds.password_conf)]
        rows = []
        for _ in range(args.runs):
            out = subprocess.run(
                [sys.executable, "-c", PHASES, *argv], env=env, check=True,
                capture_output=True, text=True,
            ).stdout
            rows.append([float(x) for x in out.split()])
        normal = [wall([sys.executable, "-c", PHASES, *argv], env) for _ in range(args.runs)]
        exit_now = PHASES + "import os; sys.stdout.flush(); os._exit(0)\n"
        quick = [wall([sys.executable, "-c", exit_now, *argv], env) for _ in range(args.runs)]
        empty = [wall([sys.executable, "-c", "pass"], env) for _ in range(args.runs)]
        print(f"cold start phases ({args.key_type}, medians of {args.runs}):")
        for name, values in zip(NAMES, zip(*rows)):
            print(f"  {name:<24} {statistics.median(values):7.1f} ms")
        print(f"  {'interpreter start':<24} {statistics.median(empty):7.1f} ms")
        teardown = statistics.median(normal) - statistics.median(quick)
        print(f"  {'interpreter teardown':<24} {teardown:7.1f} ms")
        print(f"  {'whole process':<24} {statistics.median(normal):7.1f} ms")

        print("\nthreads sharing one PKIConnection (aggregate GET/s):")
        for n in (1, 2, 4, 16):
            client = contenders.NSSClient(creds, nginx.port_resume)
            if n == 1:
                rate, _ = scenarios.keepalive(client, 800)
            else:
                rate, errors, _ = scenarios.threads(client, n, 1600 // n)
            client.close()
            print(f"  {n:2d} thread(s): {rate:7.0f} req/s")
    finally:
        nginx.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
