"""The TLS socket alone: PKISSLSocket against the standard library's ssl.SSLSocket.

    python bench/socket_io.py [--rounds 7]

Same nginx and identity as run.py. Each round downloads the 50 MiB file through
``makefile("rb").read(10240)`` (what http.client does for requests' ``.content``) and
uploads 20 MiB with ``sendall`` on a fresh connection, once with the context of a
``PKIConnection(nssdb=...)`` and once with an ``ssl.SSLContext`` loaded from the PEM files,
interleaved. It prints the median MB/s and the client's CPU time per MB: without requests
and urllib3 on top, this is the part of the bulk scenarios that the TLS layer decides.
"""

from __future__ import annotations

import argparse
import os
import socket
import ssl
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "base" / "common" / "python"))
sys.path.insert(0, str(HERE))

import fixtures  # noqa: E402

CHUNK = 10240  # requests' CONTENT_CHUNK_SIZE


def _connect(port: int) -> socket.socket:
    """A TCP connection as urllib3 makes it (TCP_NODELAY on)."""
    raw = socket.create_connection(("127.0.0.1", port))
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return raw


def _download(context, port: int) -> tuple[float, float]:
    size = fixtures.DOWNLOADS["/big.bin"]
    sock = context.wrap_socket(_connect(port), server_hostname="127.0.0.1")
    try:
        sock.sendall(b"GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        with sock.makefile("rb") as f:
            while f.readline() not in (b"\r\n", b""):
                pass
            got = 0
            cpu, wall = time.process_time(), time.perf_counter()
            while got < size:
                chunk = f.read(CHUNK)
                if not chunk:
                    raise RuntimeError(f"/big.bin ended after {got} bytes")
                got += len(chunk)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        sock.close()
    return size / 1e6 / wall, cpu / (size / 1e6) * 1e3


def _upload(context, port: int, body: bytes) -> tuple[float, float]:
    sock = context.wrap_socket(_connect(port), server_hostname="127.0.0.1")
    head = (
        f"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    try:
        cpu, wall = time.process_time(), time.perf_counter()
        sock.sendall(head)
        sock.sendall(body)
        with sock.makefile("rb") as f:
            answer = f.read()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        sock.close()
    if not answer.endswith(str(len(body)).encode()):
        raise RuntimeError(f"/upload: unexpected answer {answer[-80:]!r}")
    return len(body) / 1e6 / wall, cpu / (len(body) / 1e6) * 1e3


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    tmp = fixtures.private_tmpdir()
    creds = fixtures.make_credentials(tmp)
    fixtures.make_big_files(tmp)
    nginx = fixtures.Nginx(fixtures.find_nginx(), tmp)
    nginx.start()
    try:
        from pki.client import PKIConnection

        conn = PKIConnection(
            "https", "127.0.0.1", str(nginx.port_resume), nssdb=creds.nssdb,
            nickname=creds.nickname, nssdb_password_file=str(creds.password_conf),
        )
        stdlib = ssl.create_default_context(cafile=str(creds.ca_pem))
        stdlib.load_cert_chain(str(creds.cert_pem), str(creds.key_pem))
        contexts = {"(a) PKISSLSocket": conn.get_ssl_context(), "(b) ssl.SSLSocket": stdlib}
        body = os.urandom(fixtures.UPLOAD_SIZE)
        for name, run in (
            ("download 50 MiB", lambda c: _download(c, nginx.port_resume)),
            ("upload 20 MiB", lambda c: _upload(c, nginx.port_resume, body)),
        ):
            results: dict[str, list[tuple[float, float]]] = {k: [] for k in contexts}
            for i in range(args.rounds + 1):  # the first round is untimed
                order = list(contexts) if i % 2 else list(contexts)[::-1]
                for label in order:
                    sample = run(contexts[label])
                    if i:
                        results[label].append(sample)
            for label, samples in results.items():
                rate = statistics.median(s[0] for s in samples)
                cpu = statistics.median(s[1] for s in samples)
                print(f"{name:<16} {label:<18} {rate:7.0f} MB/s  CPU {cpu:.3f} ms/MB")
    finally:
        nginx.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
