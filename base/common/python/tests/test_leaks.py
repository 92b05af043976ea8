"""Concurrency and resource use: many threads on one connection, several databases at once,
and create/use/close cycles whose descriptors and memory must stay flat.

The figures are printed (run pytest with ``-s`` to see them). The cycles run in a process of
their own, so that no other test's threads, sockets or caches move the numbers; each
reports open descriptors and RSS before (after a warm-up), after 100 and after 1,000
cycles, and RSS every 100 cycles in between. Descriptors must not move at all. For memory,
steady growth is told from the allocator's one-off steps (a table doubling adds half a MiB
once, then nothing) by the median of the nine 100-cycle steps between the 100th and the
1,000th cycle: before the fix, a ``PKIConnection`` with a client certificate grew by a
median of 68 KiB per 100 cycles (its TLS context and key lived in a reference cycle until
the garbage collector ran, and were freed in batches); now it is about 4 KiB.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import textwrap
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from client_helpers import nss_client
from nssdb_fixtures import PASSWORD, AgentDB, checksums
from pki.ca import CAClient
from pki.cert import CertClient
from pki.client import PKIConnection
from pki.nssdb import NSSDatabase
from pki.testing.certs import CA
from pki.testing.nsstools import TestNSSDB
from pki.testing.server import DogtagTestServer
from tls_servers import TLSServer

SRC = str(Path(__file__).resolve().parents[1])

#: most median RSS growth (KiB) per 100 cycles, between the 100th and the 1,000th cycle
MEDIAN_STEP_LIMIT_KIB = 32
#: most RSS growth (KiB) from the 100th to the 1,000th cycle, one-off steps included
RSS_GROWTH_LIMIT_KIB = 1536


def nginx_connection(nginx: TLSServer, **kwargs: object) -> PKIConnection:
    return PKIConnection("https", "127.0.0.1", nginx.port, **kwargs)  # type: ignore[arg-type]


# -- threads ----------------------------------------------------------------------------------


def test_16_threads_300_requests_on_one_connection(
    nginx_server: TLSServer, sql_db: AgentDB
) -> None:
    files_before = checksums(sql_db.db.directory)
    conn = nginx_connection(
        nginx_server, nssdb=sql_db.spec, nickname="PKI Administrator", nssdb_password=PASSWORD
    )
    threads_count, per_thread = 16, 300
    errors: list[BaseException] = []
    answered = [0] * threads_count
    barrier = threading.Barrier(threads_count)

    def work(index: int) -> None:
        barrier.wait()
        for _ in range(per_thread):
            try:
                lines = conn.get("/").text.splitlines()
                assert lines[1] == "SUCCESS" and "CN=PKI Administrator" in lines[2], lines
                answered[index] += 1
            except BaseException as exc:  # counted and shown below
                errors.append(exc)

    started = time.monotonic()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    conn.close()
    print(f"{threads_count} threads x {per_thread} requests on one PKIConnection: "
          f"{sum(answered)} answered, {len(errors)} errors, {elapsed:.1f} s")
    assert errors == []
    assert answered == [per_thread] * threads_count
    assert checksums(sql_db.db.directory) == files_before  # only read: not a byte changed


def test_8_databases_opened_and_used_concurrently(
    tmp_path: Path, test_ca: CA, nginx_server: TLSServer
) -> None:
    count = 8
    agents = []
    try:
        for index in range(count):
            db = TestNSSDB(tmp_path / f"db{index}", f"password {index}!", "sql")
            db.add_ca("CA", test_ca.cert, "CT,C,C")
            issued = test_ca.issue_cert(f"Agent {index}")
            db.add_identity("agent", issued)  # the same nickname in every database
            db.cleanup()
            agents.append((db, issued))
        _use_at_once(agents, nginx_server)
    finally:
        for db, _ in agents:
            shutil.rmtree(db.directory, ignore_errors=True)


def _use_at_once(agents: list[tuple[TestNSSDB, Any]], nginx_server: TLSServer) -> None:
    count = len(agents)
    files_before = [checksums(db.directory) for db, _ in agents]
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def work(index: int) -> None:
        db, issued = agents[index]
        try:
            barrier.wait()
            for _ in range(3):
                with NSSDatabase(db.spec, password=f"password {index}!") as nssdb:
                    cert, _, _ = nssdb.get_client_credentials("agent")
                    assert cert == issued.cert
                    assert [c.nickname for c in nssdb.list_certs()] == ["CA", "agent"]
                conn = nginx_connection(
                    nginx_server, nssdb=db.spec, nickname="agent",
                    nssdb_password=f"password {index}!",
                )
                subject = conn.get("/").text.splitlines()[2]
                assert f"CN=Agent {index}," in subject, subject
                conn.close()
        except BaseException as exc:  # counted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"{count} databases used at once from {count} threads, 3 rounds each: "
          f"{len(errors)} errors, {time.monotonic() - started:.1f} s")
    assert errors == []
    assert [checksums(db.directory) for db, _ in agents] == files_before


# -- the reference cycle that kept connections alive ------------------------------------------


def test_a_dropped_connection_is_freed_at_once(
    nginx_server: TLSServer, sql_db: AgentDB
) -> None:
    conn = nginx_connection(
        nginx_server, nssdb=sql_db.spec, nickname="PKI Administrator", nssdb_password=PASSWORD
    )
    conn.get("/")
    alive = _references(conn, conn)
    conn.close()
    with _collector_off():  # only reference counting may free them
        del conn
        assert [ref() for ref in alive] == [None, None, None]


def test_a_dropped_pki_client_is_freed_at_once(dogtag_server: DogtagTestServer) -> None:
    client = nss_client(dogtag_server)  # FreeIPA makes one of these for each call
    client.connect()
    assert client.info_client.pki_client is client
    assert CertClient(CAClient(client)).get_cert(1).serial_number == "0x1"
    alive = _references(client, client.connection)
    client.close()
    with _collector_off():
        del client
        assert [ref() for ref in alive] == [None, None, None]


def _references(owner: object, conn: PKIConnection) -> list[weakref.ref]:
    """Weak references to ``owner``, its connection and the TLS context (holding the key)."""
    return [weakref.ref(owner), weakref.ref(conn), weakref.ref(conn.get_ssl_context())]


@contextlib.contextmanager
def _collector_off() -> Iterator[None]:
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# -- cycles -----------------------------------------------------------------------------------

_CYCLES = textwrap.dedent(
    """
    import json, os, sys
    what, spec, port = sys.argv[1:4]

    def figures():
        with open("/proc/self/status") as status:
            rss = next(int(l.split()[1]) for l in status if l.startswith("VmRSS:"))
        return {"fds": len(os.listdir("/proc/self/fd")), "rss_kib": rss}

    if what == "NSSDatabase":
        from pki.nssdb import NSSDatabase

        def cycle():
            db = NSSDatabase(spec).open()
            db.list_certs()
            db.get_trust_anchors()
            db.get_client_credentials("agent")
            db.close()
    else:
        from pki.client import PKIConnection

        def cycle():
            conn = PKIConnection("https", "127.0.0.1", port, nssdb=spec, nickname="agent")
            assert conn.get("/").text.splitlines()[1] == "SUCCESS"
            conn.close()

    for _ in range(30):  # warm-up: libraries loaded, caches filled
        cycle()
    out = {"before": figures()}
    for n in range(1, 1001):
        cycle()
        if n % 100 == 0:
            out[str(n)] = figures()
    print(json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def agent_db(tmp_path_factory: pytest.TempPathFactory, test_ca: CA) -> Iterator[TestNSSDB]:
    """A database without a password (NSS then derives keys in one iteration, which keeps
    1,000 cycles quick) holding the CA and the client certificate ``agent``; removed with
    its key at the end of the module."""
    db = TestNSSDB(tmp_path_factory.mktemp("cycles"), None, "sql")
    try:
        db.add_ca("CA", test_ca.cert, "CT,C,C")
        db.add_identity("agent", test_ca.issue_cert("Cycling Agent"))
        db.cleanup()
        yield db
    finally:
        shutil.rmtree(db.directory, ignore_errors=True)


@pytest.mark.parametrize("what", ["NSSDatabase", "PKIConnection"])
def test_1000_cycles_keep_descriptors_and_memory_flat(
    what: str, agent_db: TestNSSDB, nginx_server: TLSServer
) -> None:
    files_before = checksums(agent_db.directory)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _CYCLES, what, agent_db.spec, str(nginx_server.port)],
        env={**os.environ, "PYTHONPATH": SRC}, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    before, after100, after1000 = figures["before"], figures["100"], figures["1000"]
    growth = after1000["rss_kib"] - after100["rss_kib"]
    checkpoints = [figures[str(n)]["rss_kib"] for n in range(100, 1001, 100)]
    steps = [b - a for a, b in zip(checkpoints, checkpoints[1:])]
    print(
        f"{what} create/use/close x 1000 ({time.monotonic() - started:.1f} s): descriptors "
        f"{before['fds']} / {after100['fds']} / {after1000['fds']}, RSS KiB "
        f"{before['rss_kib']} / {after100['rss_kib']} / {after1000['rss_kib']} "
        f"(before / after 100 / after 1000; +{growth} KiB over the last 900, steps of 100 "
        f"cycles {steps}, median {statistics.median(steps)})"
    )
    assert {f["fds"] for f in figures.values()} == {before["fds"]}
    assert statistics.median(steps) < MEDIAN_STEP_LIMIT_KIB
    assert growth < RSS_GROWTH_LIMIT_KIB
    assert checksums(agent_db.directory) == files_before
