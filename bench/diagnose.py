"""Where the time goes: cold start phase by phase, and thread scaling.

    python bench/diagnose.py [--key-type rsa|ec] [--runs 10] [--no-threads]

1. Cold start in fresh processes, side by side with the PEM status quo, phase by phase
   (median and minimum of ``--runs``, interleaved):
   (a) importing requests, importing pyOpenSSL and cryptography.x509 (which pyOpenSSL
   imports itself), importing the rest of pki.client, reading pki.conf, opening the NSS
   database and logging in, exporting and decrypting the client key (NSS's own key
   decryption), building the pyOpenSSL context, the first GET;
   (b) importing requests and the first GET (which loads the PEM files).
   Then both whole processes, with and without interpreter teardown (the same script
   ended with ``os._exit``), and the bare interpreter.
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

# The steps of PKIConnection's first HTTPS request, one by one, with the library's public
# functions (pki.tls.resolve_config does the middle four in one call).
PHASES_A = """
import sys, time
port, nssdb, nickname, password_conf = sys.argv[1:5]
t0 = time.perf_counter()
import requests
t1 = time.perf_counter()
import OpenSSL.SSL, cryptography.x509
t2 = time.perf_counter()
from pki.client import PKIConnection
from pki.conf import load_tls_settings
from pki.tls import TLSConfig, build_context, credentials_from_nssdb, select_database
t3 = time.perf_counter()
settings = load_tls_settings()
db = select_database(nssdb, settings, {"password_file": password_conf})
t4 = time.perf_counter()
db.open()
t5 = time.perf_counter()
creds = credentials_from_nssdb(db, nickname)
db.close()
t6 = time.perf_counter()
context = build_context(TLSConfig(
    settings, trust_anchors=creds.anchors, identities=creds.identities,
    trust_source=creds.source))
t7 = time.perf_counter()

class Prebuilt(PKIConnection):
    def _build_context(self):
        return context

Prebuilt('https', '127.0.0.1', port).get('/small.json')
t8 = time.perf_counter()
marks = [t0, t1, t2, t3, t4, t5, t6, t7, t8]
print(" ".join(f"{(b - a) * 1000:.2f}" for a, b in zip(marks, marks[1:])))
"""
NAMES_A = [
    "import requests",
    "import pyOpenSSL+x509",
    "import the rest of pki",
    "read pki.conf",
    "NSS open + login",
    "key export + decrypt",
    "build the TLS context",
    "first GET",
]
PHASES_B = """
import sys, time
url, cert, key, ca = sys.argv[1:5]
t0 = time.perf_counter()
import requests
t1 = time.perf_counter()
requests.Session().get(url, cert=(cert, key), verify=ca).raise_for_status()
t2 = time.perf_counter()
print(f"{(t1 - t0) * 1000:.2f} {(t2 - t1) * 1000:.2f}")
"""
NAMES_B = ["import requests", "first GET (loads the PEM files)"]
EXIT_NOW = "\nimport os; sys.stdout.flush(); os._exit(0)\n"


def wall(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, env=env, check=True, capture_output=True)
    return (time.perf_counter() - start) * 1000


def phases(script: str, argv: list[str], env: dict[str, str]) -> list[float]:
    out = subprocess.run(
        [sys.executable, "-c", script, *argv], env=env, check=True, capture_output=True,
        text=True,
    ).stdout
    return [float(x) for x in out.split()]


def show(label: str, values: list[float]) -> None:
    print(f"  {label:<34} {statistics.median(values):7.1f} {min(values):7.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--key-type", choices=("rsa", "ec"), default="rsa")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--no-threads", action="store_true", help="cold start only")
    args = parser.parse_args()
    tmp = fixtures.private_tmpdir()
    creds = fixtures.make_credentials(tmp, args.key_type)
    nginx = fixtures.Nginx(fixtures.find_nginx(), tmp)
    nginx.start()
    try:
        package = str(HERE.parent / "base" / "common" / "python")
        env = {"PYTHONPATH": package, "PATH": "/usr/bin:/bin", "HOME": str(tmp)}
        argv_a = [str(nginx.port_resume), creds.nssdb, creds.nickname, str(creds.password_conf)]
        url = f"https://127.0.0.1:{nginx.port_resume}/small.json"
        argv_b = [url, str(creds.cert_pem), str(creds.key_pem), str(creds.ca_pem)]
        whole_a = contenders.coldstart_command("a", creds, nginx.port_resume, str(tmp))
        whole_b = contenders.coldstart_command("b", creds, nginx.port_resume, str(tmp))
        rows_a, rows_b = [], []
        runs: dict[str, list[float]] = {k: [] for k in ("a", "a_exit", "b", "b_exit", "pass")}
        for i in range(args.runs + 1):  # the first round is untimed (page cache, .pyc)
            timed = i > 0
            a = phases(PHASES_A, argv_a, env)
            b = phases(PHASES_B, argv_b, env)
            samples = {
                "a": wall([sys.executable, "-c", *whole_a], env),
                "a_exit": wall([sys.executable, "-c", whole_a[0] + EXIT_NOW, *whole_a[1:]], env),
                "b": wall([sys.executable, "-c", *whole_b], env),
                "b_exit": wall([sys.executable, "-c", whole_b[0] + EXIT_NOW, *whole_b[1:]], env),
                "pass": wall([sys.executable, "-c", "pass"], env),
            }
            if timed:
                rows_a.append(a)
                rows_b.append(b)
                for key, value in samples.items():
                    runs[key].append(value)

        print(
            f"cold start phases, {args.key_type} keys, ms (median, min of {args.runs} "
            "interleaved runs):"
        )
        print(f"  {'(a) PKIConnection(nssdb=...)':<34} {'median':>7} {'min':>7}")
        for name, values in zip(NAMES_A, zip(*rows_a)):
            show(name, list(values))
        print(f"  {'(b) requests with PEM files':<34}")
        for name, values in zip(NAMES_B, zip(*rows_b)):
            show(name, list(values))
        print("  whole processes (spawn to exit)")
        show("interpreter start (python -c pass)", runs["pass"])
        for key, label in (("a", "(a)"), ("b", "(b)")):
            show(f"{label} whole process", runs[key])
            show(f"{label} without teardown (os._exit)", runs[f"{key}_exit"])
            teardown = [x - y for x, y in zip(runs[key], runs[f"{key}_exit"])]
            show(f"{label} interpreter teardown", teardown)
        ratio = statistics.median(runs["b"]) / statistics.median(runs["a"])
        print(f"  coldstart_vs_pem (b)/(a), medians: {ratio:.2f}")

        if not args.no_threads:
            print("\nthreads sharing one PKIConnection (aggregate GET/s):")
            for n in (1, 2, 4, 16):
                client = contenders.NSSClient(creds, nginx.port_resume)
                if n == 1:
                    rate = scenarios.keepalive(client, 800).value
                else:
                    rate = scenarios.threads(client, n, 1600 // n)[0].value
                client.close()
                print(f"  {n:2d} thread(s): {rate:7.0f} req/s")
    finally:
        nginx.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
