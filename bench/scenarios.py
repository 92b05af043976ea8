"""One measurement of each scenario. Each returns a ``Measurement``: the figure, the client's
CPU time per request or per MB, and a short sanity check read back from nginx (connections
used, sessions resumed, bytes received, errors), so that a reader can see the scenario
measured what it claims to.

Every client scenario starts with one untimed GET, so that building the client's context and
the first handshake count only in ``coldstart``.
"""

from __future__ import annotations

import logging
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from contenders import CLOSE
from fixtures import DOWNLOADS, UPLOAD_SIZE, Credentials


@dataclass
class Measurement:
    """One sample: the figure, the client's CPU time per unit of work, and a sanity note.

    ``cpu`` is the client process's CPU time (user + system, all threads, from
    ``time.process_time``) over the timed part, divided by the requests made (the request
    scenarios, in microseconds) or by the megabytes moved (the bulk ones, in milliseconds).
    """

    value: float
    cpu: float
    note: str = ""


class _Timer:
    """Wall and CPU time of a block."""

    def __enter__(self) -> _Timer:
        self.cpu = time.process_time()
        self.wall = time.perf_counter()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def _info(text: str) -> tuple[int, int, bool, str]:
    """Parse /info: connection number, requests on it, session resumed, TLS protocol."""
    conn, requests_on_conn, reused, protocol = text.split()
    return int(conn), int(requests_on_conn), reused == "r", protocol


def keepalive(client, n: int) -> Measurement:
    """n small GETs over one kept-alive connection: requests per second."""
    client.get("/small.json")
    with _Timer() as t:
        for _ in range(n):
            client.get("/small.json")
    _, on_conn, _, protocol = _info(client.get("/info").text)
    return Measurement(
        n / t.wall, t.cpu / n * 1e6, f"{on_conn} requests on the last connection, {protocol}"
    )


def new_connections(client, n: int) -> Measurement:
    """n small GETs, each on a new TLS connection (``Connection: close``): requests/second.

    Used for ``newconn`` (against the server without session cache or tickets, so every
    handshake is full) and ``resumed`` (against the server that resumes when asked to).
    """
    client.get("/info", headers=CLOSE)
    seen, resumed = set(), 0
    with _Timer() as t:
        for _ in range(n):
            conn, _, reused, _ = _info(client.get("/info", headers=CLOSE).text)
            seen.add(conn)
            resumed += reused
    return Measurement(n / t.wall, t.cpu / n * 1e6, f"{len(seen)} connections, {resumed} resumed")


def download(client, path: str, repeat: int = 3) -> Measurement:
    """GETs of ``path`` (one of fixtures.DOWNLOADS) on a warm kept-alive connection: MB/s
    (10^6 bytes), median of ``repeat`` after one untimed download (the first large buffer
    of a process is markedly slower to allocate)."""
    expected = DOWNLOADS[path]
    client.get(path)
    rates, cpus = [], []
    for _ in range(repeat):
        with _Timer() as t:
            size = len(client.get(path).content)
        if size != expected:
            raise RuntimeError(f"{path}: got {size} bytes, expected {expected}")
        rates.append(size / 1e6 / t.wall)
        cpus.append(t.cpu / (size / 1e6) * 1e3)
    return Measurement(
        statistics.median(rates), statistics.median(cpus), f"{repeat} x {size} bytes"
    )


def upload(client, data: bytes, repeat: int = 3) -> Measurement:
    """POSTs of ``data`` to /upload on a warm connection: MB/s. nginx reads the whole body
    before it answers with the length it received, which is checked."""
    client.post("/upload", data)
    rates, cpus = [], []
    for _ in range(repeat):
        with _Timer() as t:
            answer = client.post("/upload", data).text
        if answer.strip() != str(len(data)):
            raise RuntimeError(f"/upload: nginx received {answer!r} bytes, sent {len(data)}")
        rates.append(len(data) / 1e6 / t.wall)
        cpus.append(t.cpu / (len(data) / 1e6) * 1e3)
    return Measurement(
        statistics.median(rates), statistics.median(cpus),
        f"{repeat} x {len(data)} bytes received by nginx",
    )


def upload_body() -> bytes:
    """The body both contenders upload (random, so nothing compresses it)."""
    return os.urandom(UPLOAD_SIZE)


class _PoolFullCounter(logging.Handler):
    """Counts urllib3's "Connection pool is full, discarding connection" warnings."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "pool is full" in record.getMessage():
            self.count += 1


def threads(client, n_threads: int, per_thread: int) -> tuple[Measurement, int]:
    """n_threads threads share one client, per_thread GETs each: aggregate req/s, and the
    number of failed requests."""
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
        with _Timer() as t:
            barrier.wait()
            for w in workers:
                w.join()
    finally:
        pool_logger.removeHandler(counter)
        pool_logger.propagate = True
    done = n_threads * per_thread - len(errors)
    note = f"{counter.count} pooled connections discarded"
    if errors:
        note += f"; first error: {errors[0][:120]}"
    return Measurement(done / t.wall, t.cpu / max(done, 1) * 1e6, note), len(errors)


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
