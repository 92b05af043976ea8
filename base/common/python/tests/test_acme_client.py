"""``pki.acme.ACMEClient`` over real HTTPS against a small ACME responder stand-in.

``pki.testing.server`` has no ACME application, so this module runs one modelled on Dogtag's
(``base/acme``: ``ACMELoginServlet``, ``ACMEEnableServlet``, ``ACMEEnableFilter``, the ACME
``web.xml``): ``POST /acme/login`` needs an authenticated user and answers the ``Account``
JSON; ``/acme/enable`` and ``/acme/disable`` need role Administrators or Enterprise ACME
Administrators (401 without credentials, 403 without the role); while disabled, the ACME
resources (``/acme/directory``) answer 503 "ACME service is disabled". The client
authenticates from an NSS database, as ``ipa-acme-manage`` would with this package.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pki.acme
import pytest
import requests
from https_echo import load_server_key
from nssdb_fixtures import PASSWORD
from pki.client import PKIClient
from pki.testing.certs import CA

ADMINS = {"PKI Administrator"}  # members of Administrators


class _ACMEHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _ACMEServer

    def _user(self) -> str | None:
        sock = self.connection
        assert isinstance(sock, ssl.SSLSocket)
        cert = sock.getpeercert()
        if not cert:
            return None
        return next(v for rdn in cert["subject"] for k, v in rdn if k == "commonName")

    def _send(self, status: int, body: Any = None, content_type: str = "application/json") -> None:
        data = b"" if body is None else (
            body.encode() if isinstance(body, str) else json.dumps(body).encode()
        )
        self.send_response(status)
        if data:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        self.server.calls.append(("GET", self.path))
        if self.path != "/acme/directory":
            return self._send(404, "Not Found", "text/html")
        if not self.server.enabled:
            return self._send(503, "ACME service is disabled", "text/plain")
        base = f"https://{self.headers['Host']}/acme"
        self._send(200, {"newNonce": f"{base}/new-nonce", "newAccount": f"{base}/new-account",
                         "newOrder": f"{base}/new-order", "revokeCert": f"{base}/revoke-cert"})

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.calls.append(("POST", self.path))
        action = self.path.removeprefix("/acme/")
        if action == "logout":
            return self._send(204)
        user = self._user()
        if action not in ("login", "enable", "disable"):
            return self._send(404, "Not Found", "text/html")
        if user is None:
            return self._send(401, "<html>Unauthorized</html>", "text/html")
        if action == "login":
            roles = ["Administrators"] if user in ADMINS else []
            return self._send(200, {"id": user, "Roles": roles})
        if user not in ADMINS:
            return self._send(403, "<html>Forbidden</html>", "text/html")
        self.server.enabled = action == "enable"
        self._send(200)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


class _ACMEServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _ACMEHandler)
        self.context = context
        self.enabled = True
        self.calls: list[tuple[str, str]] = []

    def get_request(self):  # type: ignore[no-untyped-def]
        sock, addr = super().get_request()
        sock.settimeout(10)
        return self.context.wrap_socket(sock, server_side=True), addr


@pytest.fixture
def acme_server(tmp_path: Path, test_ca: CA) -> Iterator[tuple[_ACMEServer, str]]:
    issued = test_ca.issue_cert("acme", usages=("server",), ip_addresses=("127.0.0.1",))
    cert_path = tmp_path / "acme.pem"
    cert_path.write_bytes(issued.cert_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    load_server_key(context, cert_path, tmp_path / "acme.key", issued)
    context.load_verify_locations(cadata=test_ca.cert_pem.decode())
    context.verify_mode = ssl.CERT_OPTIONAL
    server = _ACMEServer(context)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server, f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_acme_enable_disable_status_as_ipa_acme_manage(acme_server, sql_db) -> None:
    server, url = acme_server
    pki_client = PKIClient(url)
    pki_client.set_client_auth(nssdb=sql_db.spec, nickname="PKI Administrator",
                               nssdb_password=PASSWORD)
    acme = pki.acme.ACMEClient(pki_client)
    assert (acme.name, acme.parent, acme.connection) == ("acme", pki_client,
                                                         pki_client.connection)
    account = acme.login()
    assert account == {"id": "PKI Administrator", "Roles": ["Administrators"]}
    assert acme.status() is True
    acme.disable()
    assert acme.status() is False
    acme.enable()
    assert acme.status() is True
    acme.logout()
    assert server.calls == [
        ("POST", "/acme/login"), ("GET", "/acme/directory"), ("POST", "/acme/disable"),
        ("GET", "/acme/directory"), ("POST", "/acme/enable"), ("GET", "/acme/directory"),
        ("POST", "/acme/logout"),
    ]
    # built on a bare connection too
    assert pki.acme.ACMEClient(pki_client.connection).status() is True


def test_acme_errors_are_http_errors(acme_server, make_agent_db) -> None:
    server, url = acme_server
    anonymous = pki.acme.ACMEClient(PKIClient(url))
    # the CA trusted from an NSS database, but no client certificate
    anonymous.connection.set_authentication_nssdb(
        make_agent_db(common_name="Nobody").spec, nssdb_password=PASSWORD, client_auth=False
    )
    with pytest.raises(requests.HTTPError) as unauthenticated:
        anonymous.enable()
    assert unauthenticated.value.response.status_code == 401

    # a user without the ACME administrator role
    user_db = make_agent_db(common_name="Plain User")
    user = PKIClient(url)
    user.set_client_auth(nssdb=user_db.spec, nickname="PKI Administrator",
                         nssdb_password=PASSWORD)
    acme = pki.acme.ACMEClient(user)
    assert acme.login()["Roles"] == []
    with pytest.raises(requests.HTTPError) as forbidden:
        acme.disable()
    assert forbidden.value.response.status_code == 403
    assert acme.status() is True and server.enabled
