"""A Dogtag-compatible CA + KRA REST server over real HTTPS, for tests and the demo.

Run it::

    python -m pki.testing.server --port 0 --state-dir DIR [--host 127.0.0.1]
        [--client-ca PEMFILE ...] [--require-client-cert] [--version 11.7.0] [--oaep]

On first use it creates in DIR a CA, a server certificate for localhost/127.0.0.1/::1, a KRA
transport certificate and an agent NSS database (``DIR/nssdb``, nickname ``PKI Administrator``,
password in ``DIR/password.conf``); later starts reuse them and the stored certificates,
requests and keys. When it is ready it prints exactly one JSON line on stdout::

    {"url": ..., "nssdb": ..., "nickname": ..., "password_file": ..., "ca_cert": ...}

and logs to stderr. SIGTERM or SIGINT stop it (exit 0). Tests use ``DogtagTestServer``,
which serves the same thing from a background thread. The resources themselves live in
``pki.testing.dogtag``.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import ssl
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from pki.testing.certs import IssuedCert
from pki.testing.dogtag import bootstrap
from pki.testing.dogtag.ca_certs import CACertResources, CertRepository
from pki.testing.dogtag.ca_requests import CARequestResources
from pki.testing.dogtag.common import CommonResources
from pki.testing.dogtag.http import Dispatcher, DogtagHTTPServer, Route
from pki.testing.dogtag.kra import KRAResources
from pki.testing.dogtag.store import STATE_FILE, Store

__all__ = ["DogtagTestServer", "main"]

logger = logging.getLogger("pki.testing.server")

SERVER_NAME = "Dogtag Test Server"
DEFAULT_VERSION = "11.7.0"


class DogtagTestServer:
    """The test server; ``start()``/``stop()`` or use it as a context manager.

    ``port=0`` picks a free port (see ``.port`` after ``start()``). ``client_cas`` are PEM
    files of extra CAs whose client certificates make agents. ``version`` is what
    ``/pki/rest/info`` reports; below 11.6 the ``/v1/`` and ``/v2/`` paths do not exist.
    ``oaep`` makes the KRA expect RSA-OAEP (SHA-256) wrapped session keys.
    """

    def __init__(
        self,
        state_dir: str | Path,
        host: str = "127.0.0.1",
        port: int = 0,
        client_cas: Sequence[str | Path] = (),
        require_client_cert: bool = False,
        version: str = DEFAULT_VERSION,
        oaep: bool = False,
    ) -> None:
        self.state_dir = Path(state_dir).resolve()
        self.host = host
        self.requested_port = port
        self.client_cas = [Path(p) for p in client_cas]
        self.require_client_cert = require_client_cert
        self.version = version
        self.oaep = oaep
        self._httpd: DogtagHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.materials = self._load_state()

    # -- setup ---------------------------------------------------------------------------

    def _load_state(self) -> bootstrap.Materials:
        if bootstrap.is_initialised(self.state_dir, STATE_FILE):
            materials = bootstrap.load(self.state_dir)
            self.store = Store.open(self.state_dir / STATE_FILE)
            logger.info("reusing state in %s", self.state_dir)
            return materials
        materials = bootstrap.create(self.state_dir, first_serial=1)
        self.store = Store.open(self.state_dir / STATE_FILE)
        repo = CertRepository(self.store, materials.ca)
        with self.store.transaction():
            self.store.reserve("serial", 4)
            for cert in materials.new_certs:
                repo.add(cert, "system")
        return materials

    def _ssl_context(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(
            str(self.materials.server_cert_path), str(self.materials.server_key_path)
        )
        ctx.load_verify_locations(cafile=str(self.materials.ca_cert_path))
        for pem in self.client_cas:
            ctx.load_verify_locations(cafile=str(pem))
        ctx.verify_mode = ssl.CERT_REQUIRED if self.require_client_cert else ssl.CERT_OPTIONAL
        return ctx

    def _routes(self) -> dict[str, list[Route]]:
        repo = CertRepository(self.store, self.materials.ca)
        requests = CARequestResources(repo)
        certs = CACertResources(repo, self.materials.transport_cert, requests.record_completed)
        kra = KRAResources(
            self.store,
            repo,
            self.materials.transport_cert,
            self.materials.transport_key,
            oaep=self.oaep,
        )
        common = CommonResources(SERVER_NAME, self.version)
        return {
            "pki": common.routes("pki"),
            "ca": [*common.routes("ca"), *certs.routes(), *requests.routes()],
            "kra": [*common.routes("kra"), *kra.routes()],
        }

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> DogtagTestServer:
        """Bind, and serve from a daemon thread."""
        if self._httpd is not None:
            return self
        dispatcher = Dispatcher(self._routes(), self.version)
        self._httpd = DogtagHTTPServer(
            (self.host, self.requested_port), self._ssl_context(), dispatcher
        )
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="dogtag-test-server",
            daemon=True,
        )
        self._thread.start()
        logger.info("serving on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        logger.info("stopped")

    def __enter__(self) -> DogtagTestServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what clients need ---------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the server is not running")
        return self._httpd.server_port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{self.port}"

    @property
    def ca_cert_path(self) -> Path:
        return self.materials.ca_cert_path

    @property
    def info(self) -> dict[str, str]:
        """The start contract: the same dict as the JSON line the CLI prints."""
        return {
            "url": self.url,
            "nssdb": str(self.materials.nssdb_path),
            "nickname": bootstrap.AGENT_NICKNAME,
            "password_file": str(self.materials.password_file),
            "ca_cert": str(self.materials.ca_cert_path),
        }

    def issue_client_cert(self, common_name: str, **kwargs: Any) -> IssuedCert:
        """A client certificate from the server's CA (an agent, for PEM-based tests).

        It is not recorded in the server's certificate list; keyword arguments go to
        ``CA.issue_cert``.
        """
        kwargs.setdefault("usages", ("client",))
        return self.materials.ca.issue_cert(common_name, **kwargs)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m pki.testing.server",
        description="A Dogtag-compatible CA/KRA REST test server over HTTPS.",
    )
    parser.add_argument("--port", type=int, required=True, help="TCP port (0: pick a free one)")
    parser.add_argument("--state-dir", required=True, help="directory for keys, NSS DB, state")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--client-ca",
        action="append",
        default=[],
        metavar="PEMFILE",
        help="also accept agents whose client certificates this CA issued (repeatable)",
    )
    parser.add_argument(
        "--require-client-cert", action="store_true", help="refuse TLS clients without a cert"
    )
    parser.add_argument("--version", default=DEFAULT_VERSION, help="version /pki/rest/info reports")
    parser.add_argument("--oaep", action="store_true", help="KRA session keys are RSA-OAEP wrapped")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """The command-line entry: start, print the JSON line, serve until SIGTERM/SIGINT."""
    args = _parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    # The handler only flips a flag: taking a lock (Event.set, logging) inside a signal
    # handler can deadlock when the main thread already holds that same lock.
    received: list[int] = []

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    server = DogtagTestServer(
        args.state_dir,
        host=args.host,
        port=args.port,
        client_cas=args.client_ca,
        require_client_cert=args.require_client_cert,
        version=args.version,
        oaep=args.oaep,
    )
    server.start()
    try:
        sys.stdout.write(json.dumps(server.info) + "\n")
        sys.stdout.flush()
        while not received:
            time.sleep(0.1)
        logger.info("signal %d: stopping", received[0])
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
