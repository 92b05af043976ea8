"""One measurement of each scenario. Each returns ``(value, note)``: the figure and a short
sanity check read back from nginx (connections used, sessions resumed, errors), so that a
reader can see the scenario measured what it claims to.

Every client scenario starts with one untimed GET, so that building the client's context and
the first handshake count only in ``coldstart``.
"""

from __future__ import annotations

import logging
import re
import statistics
import subprocess
import sys
import threading
import time

from contenders import CLOSE
from fixtures import BIG_SIZE, Credentials


def _info(text: str) -> tuple[int, int, bool, str]:
    """Parse /info: connection number, requests on it, session resumed, TLS protocol."""
    conn, requests_on_conn, reused, protocol = text.split()
    return int(conn), int(requests_on_conn), reused == "r", protocol


def keepalive(client, n: int) -> tuple[float, str]:
    """n small GETs over one kept-alive connection: requests per second."""
    client.get("/small.json")
    start = time.perf_counter()
    for _ in range(n):
        client.get("/small.json")
    rate = n / (time.perf_counter() - start)
    _, on_conn, _, protocol = _info(client.get("/info").text)
    return rate, f"{on_conn} requests on the last connection, {protocol}"


def new_connections(client, n: int) -> tuple[float, str]:
    """n small GETs, each on a new TLS connection (``Connection: close``): requests/second.

    Used for ``newconn`` (against the server without session cache or tickets, so every
    handshake is full) and ``resumed`` (against the server that resumes when asked to).
    """
    client.get("/info", headers=CLOSE)
    seen, resumed = set(), 0
    start = time.perf_counter()
    for _ in range(n):
        conn, _, reused, _ = _info(client.get("/info", headers=CLOSE).text)
        seen.add(conn)
        resumed += reused
    rate = n / (time.perf_counter() - start)
    return rate, f"{len(seen)} connections, {resumed} resumed"


def bulk(client, repeat: int = 3) -> tuple[float, str]:
    """GETs of the 50 MB file on a warm kept-alive connection: MB/s (10^6 bytes).

    One untimed download first (the first 50 MB buffer of a process is markedly slower to
    allocate), then the median of ``repeat`` timed ones.
    """
    client.get("/big.bin")
    rates = []
    for _ in range(repeat):
        start = time.perf_counter()
        size = len(client.get("/big.bin").content)
        rates.append(size / 1e6 / (time.perf_counter() - start))
        if size != BIG_SIZE:
            raise RuntimeError(f"/big.bin: got {size} bytes, expected {BIG_SIZE}")
    return statistics.median(rates), f"{repeat} x {size} bytes"


class _PoolFullCounter(logging.Handler):
    """Counts urllib3's "Connection pool is full, discarding connection" warnings."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "pool is full" in record.getMessage():
            self.count += 1


def threads(client, n_threads: int, per_thread: int) -> tuple[float, int, str]:
    """n_threads threads share one client, per_thread GETs each: aggregate req/s and errors."""
    client.get("/small.json")
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(n_threads + 1)

    def worker() -> None:
        barrier.wait()
        for _ in range(per_thread):
            try:
                client.get("/small.json")
            except Exception as e:
                with lock:
                    errors.append(f"{type(e).__name__}: {e}")

    pool_logger = logging.getLogger("urllib3.connectionpool")
    counter = _PoolFullCounter()
    pool_logger.addHandler(counter)
    pool_logger.propagate = False  # keep the table readable; the count goes into the note
    try:
        workers = [threading.Thread(target=worker) for _ in range(n_threads)]
        for w in workers:
            w.start()
        barrier.wait()
        start = time.perf_counter()
        for w in workers:
            w.join()
        elapsed = time.perf_counter() - start
    finally:
        pool_logger.removeHandler(counter)
        pool_logger.propagate = True
    done = n_threads * per_thread - len(errors)
    note = f"{counter.count} pooled connections discarded"
    if errors:
        note += f"; first error: {errors[0][:120]}"
    return done / elapsed, len(errors), note


def coldstart(command: list[str], env: dict[str, str]) -> float:
    """Wall time of a fresh ``python -c`` process, from spawn to exit, in milliseconds."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", *command], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed")
    return elapsed * 1000


def s_time(creds: Credentials, port: int, seconds: int) -> tuple[float, str]:
    """The limit: ``openssl s_time -new`` full handshakes per second (wall clock), same identity.

    s_time only handshakes (no HTTP request) and is C, so it bounds what ``newconn`` can reach
    on this machine with this server.
    """
    cmd = ["openssl", "s_time", "-connect", f"127.0.0.1:{port}", "-new"]
    cmd += ["-cert", str(creds.cert_pem), "-key", str(creds.key_pem)]
    cmd += ["-CAfile", str(creds.ca_pem), "-time", str(seconds)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    found = re.search(r"(\d+) connections in [\d.]+s", proc.stdout)
    if proc.returncode != 0 or not found:
        raise RuntimeError(f"openssl s_time failed: {(proc.stdout + proc.stderr).strip()[-300:]}")
    return int(found.group(1)) / elapsed, " ".join(cmd[1:])
