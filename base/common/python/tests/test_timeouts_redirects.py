"""Timeouts on every connection, and redirects that never leave the server's origin.

Timeouts: pki.conf's ``PKI_CLIENT_CONNECT_TIMEOUT`` (10 s) and ``PKI_CLIENT_READ_TIMEOUT``
(60 s), replaced per connection (``PKIConnection(timeout=)``, ``PKIClient(timeout=)``, the
``timeout`` attribute) and per call (``timeout=`` of ``get``/``post``/...; None means the
connection's). The CLI builds its connections the same way, so it obeys pki.conf and the
environment.

Redirects: followed within the origin (scheme, host, port) and from http to https on the
same host (Tomcat's ``redirectPort``); any other one raises
``pki.client.RedirectRefusedError`` (a ``requests.exceptions.RequestException``) before a
byte leaves for the other server, so neither the session's cookies nor the client
certificate go there. Upstream followed every redirect.
"""

from __future__ import annotations

import inspect
import json
import os
import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pki.conf
import pytest
import requests
from fault_servers import (
    Handler,
    Peer,
    ScriptedServer,
    answer_each,
    run_pki,
    serving,
    stall_before_answer,
)
from pki.cert import CertClient
from pki.client import PKIClient, PKIConnection, RedirectRefusedError
from pki.conf import ConfigError, ConnectionSettings, load_connection_settings

SRC = str(Path(pki.conf.__file__).resolve().parents[1])
SHIPPED_CONF = Path(SRC).parents[2] / "pki.conf"


@pytest.fixture
def no_pki_conf(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No pki.conf file and no PKI_ variable of the machine running the tests."""
    monkeypatch.setattr(pki.conf, "DEFAULT_FILES", ())
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in list(os.environ):
        if name.startswith(("PKI_", "SSL_")):
            monkeypatch.delenv(name)


SECONDS = "not a number of seconds above 0, such as 10 or 2.5"
BYTES = "not a number of bytes, such as 4194304 (4 MiB)"


def settings(values: dict[str, str], **environ: str) -> ConnectionSettings:
    return load_connection_settings(values, files=[], environ={"HOME": "/nowhere", **environ})


# -- the settings -----------------------------------------------------------------------------


def test_connection_settings_defaults() -> None:
    assert settings({}) == ConnectionSettings(10.0, 60.0, 4 * 1024 * 1024)
    assert settings({name: "" for name in pki.conf.KNOWN_NAMES}) == settings({})


def test_connection_settings_come_from_every_layer(tmp_path: Path) -> None:
    conf_file = tmp_path / "pki.conf"
    conf_file.write_text("PKI_CLIENT_CONNECT_TIMEOUT=2.5\nexport PKI_CLIENT_READ_TIMEOUT=7\n")
    loaded = load_connection_settings(
        {"PKI_CLIENT_MAX_RESPONSE_SIZE": "65536"}, files=[str(conf_file)],
        environ={"HOME": "/nowhere", "PKI_CLIENT_READ_TIMEOUT": "90"},
    )
    assert loaded == ConnectionSettings(2.5, 90.0, 65536)


@pytest.mark.parametrize(
    "name, value, problem",
    [
        ("PKI_CLIENT_CONNECT_TIMEOUT", "0", SECONDS),
        ("PKI_CLIENT_CONNECT_TIMEOUT", "-3", SECONDS),
        ("PKI_CLIENT_READ_TIMEOUT", "ten", SECONDS),
        ("PKI_CLIENT_READ_TIMEOUT", "inf", SECONDS),
        ("PKI_CLIENT_READ_TIMEOUT", "nan", SECONDS),
        ("PKI_CLIENT_READ_TIMEOUT", "1e3", SECONDS),
        ("PKI_CLIENT_READ_TIMEOUT", "\uff11\uff10", SECONDS),
        ("PKI_CLIENT_MAX_RESPONSE_SIZE", "8M", BYTES),
        ("PKI_CLIENT_MAX_RESPONSE_SIZE", "4_194_304", BYTES),
        ("PKI_CLIENT_MAX_RESPONSE_SIZE", "-1", BYTES),
        ("PKI_CLIENT_MAX_RESPONSE_SIZE", "1023", "below the smallest accepted size, 1024"),
    ],
)
def test_invalid_connection_settings_name_the_file_and_line(
    tmp_path: Path, name: str, value: str, problem: str
) -> None:
    conf_file = tmp_path / "pki.conf"
    conf_file.write_text(f"# client settings\n{name}='{value}'\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_connection_settings(files=[str(conf_file)], environ={"HOME": "/nowhere"})
    assert str(caught.value) == f"{conf_file}:2: {name}={value!r}: {problem}"
    assert caught.value.name == name


def test_invalid_setting_from_the_environment_says_so() -> None:
    with pytest.raises(ConfigError) as caught:
        settings({}, PKI_CLIENT_CONNECT_TIMEOUT="soon")
    assert str(caught.value) == (
        "PKI_CLIENT_CONNECT_TIMEOUT='soon' (from environment): not a number of seconds above "
        "0, such as 10 or 2.5"
    )


def test_shipped_pki_conf_documents_the_defaults() -> None:
    text = SHIPPED_CONF.read_text(encoding="utf-8")
    values = pki.conf.parse(
        "\n".join(line[1:] for line in text.splitlines() if line.startswith("#PKI_CLIENT_")),
        environ={},
    )
    assert settings(values) == ConnectionSettings()


# -- timeouts of connections, calls and the CLI ---------------------------------------------


def test_every_connection_has_a_timeout(no_pki_conf: None) -> None:
    assert PKIConnection().timeout == (10.0, 60.0)
    assert PKIConnection().max_response_size == 4 * 1024 * 1024
    client = PKIClient("https://ca.example.com:8443")
    assert client.connection.timeout == (10.0, 60.0)
    assert PKIClient("https://ca.example.com", timeout=5).connection.timeout == 5
    conn = PKIConnection(conf={"PKI_CLIENT_CONNECT_TIMEOUT": "3", "PKI_CLIENT_READ_TIMEOUT": "4"})
    assert conn.timeout == (3.0, 4.0)
    conn.timeout = (1, 2)
    assert conn.timeout == (1, 2)
    conn.timeout = None  # back to pki.conf's
    assert conn.timeout == (3.0, 4.0)


def test_timeout_is_keyword_only_where_upstream_has_none() -> None:
    for method in ("post", "put", "patch", "delete"):
        parameter = inspect.signature(getattr(PKIConnection, method)).parameters["timeout"]
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, method
    get_timeout = inspect.signature(PKIConnection.get).parameters["timeout"]
    assert get_timeout.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD  # upstream's


def _read_timeout_of(conn: PKIConnection, **call: object) -> str:
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout) as caught:
        conn.get("/slow", **call)  # type: ignore[arg-type]
    assert time.monotonic() - started < 10
    return str(caught.value)


def test_timeout_precedence(no_pki_conf: None) -> None:
    with serving(stall_before_answer) as server:
        conf = {"PKI_CLIENT_READ_TIMEOUT": "0.3"}
        conn = PKIConnection("http", "127.0.0.1", server.port, conf=conf)
        assert "within 0.3 s" in _read_timeout_of(conn)  # pki.conf
        assert "within 0.3 s" in _read_timeout_of(conn, timeout=None)  # None: the default
        assert "within 0.2 s" in _read_timeout_of(conn, timeout=0.2)  # the call's
        conn = PKIConnection("http", "127.0.0.1", server.port, conf=conf, timeout=(5, 0.4))
        assert "within 0.4 s" in _read_timeout_of(conn)  # the connection's
        assert "within 0.25 s" in _read_timeout_of(conn, timeout=(5, 0.25))


@pytest.fixture
def full_backlog() -> Iterator[int]:
    """A port whose accept queue is full: the next connection attempt never completes."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = int(listener.getsockname()[1])
    filler = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        yield port
    finally:
        filler.close()
        listener.close()


def test_connect_timeout(full_backlog: int, no_pki_conf: None) -> None:
    conn = PKIConnection("http", "127.0.0.1", full_backlog, timeout=(0.4, 30))
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ConnectTimeout) as caught:
        conn.get("/")
    assert time.monotonic() - started < 10
    assert str(caught.value) == (
        f"http://127.0.0.1:{full_backlog} did not accept the connection within 0.4 s (connect "
        "timeout; check the host and port, or raise timeout= or PKI_CLIENT_CONNECT_TIMEOUT)"
    )
    assert isinstance(caught.value, requests.exceptions.ConnectionError)  # as requests has it


def test_cli_obeys_the_read_timeout(tmp_path: Path) -> None:
    with serving(stall_before_answer) as server:
        started = time.monotonic()
        done = run_pki(tmp_path, "-U", server.url, "info", PKI_CLIENT_READ_TIMEOUT="0.5")
        waited = time.monotonic() - started
    print(f"pki info against a silent server: {waited:.1f} s, {done.stderr.strip()}")
    assert done.returncode != 0
    assert done.stderr == (
        f"ERROR: the server did not answer in time: {server.url} did not answer GET "
        "/pki/v2/info within 0.5 s (read timeout; raise timeout= or PKI_CLIENT_READ_TIMEOUT "
        "if the server is slow)\n"
    )
    assert waited < 30


def test_cli_names_a_connect_timeout(tmp_path: Path, full_backlog: int) -> None:
    """A connect timeout is a ConnectionError too; the CLI says it timed out, not 'cannot
    connect', and which setting changes the limit."""
    url = f"http://127.0.0.1:{full_backlog}"
    done = run_pki(tmp_path, "-U", url, "info", PKI_CLIENT_CONNECT_TIMEOUT="0.4")
    assert done.returncode == 1
    assert done.stderr == (
        f"ERROR: the server did not answer in time: {url} did not accept the connection "
        "within 0.4 s (connect timeout; check the host and port, or raise timeout= or "
        "PKI_CLIENT_CONNECT_TIMEOUT)\n"
    )


# -- redirects --------------------------------------------------------------------------------


def redirecting(location: str, cookie: str | None = None, status: int = 302) -> Handler:
    """Requests under /go are redirected to ``location`` (``{port}``: this server's port)
    plus the rest of the path; others are answered with their path, method, body and the
    Cookie header they came with."""

    def handle(peer: Peer) -> None:
        while (request := peer.read_request()) is not None:
            headers = [("Set-Cookie", cookie)] if cookie else []
            if request.path.startswith("/go"):
                target = location.format(port=peer.server.port) + request.path[3:]
                peer.respond(status, b"", None, [("Location", target), *headers])
            else:
                body = json.dumps({
                    "path": request.path, "method": request.method,
                    "cookie": request.headers.get("cookie", ""), "body": request.body.decode(),
                }).encode()
                peer.respond(200, body, headers=headers)

    return handle


def redirect_all(base: str) -> Handler:
    """Every request is redirected to the same path under ``base``."""

    def handle(peer: Peer) -> None:
        while (request := peer.read_request()) is not None:
            peer.respond(302, b"", None, [("Location", base + request.path)])

    return handle


@pytest.fixture
def plain_http() -> Iterator[ScriptedServer]:
    """A plain HTTP server that must never be reached."""
    with serving(answer_each(body=b'{"from": "the plain http server"}')) as server:
        yield server


def test_redirect_from_https_to_http_is_refused(
    plain_http: ScriptedServer, server_tls: ssl.SSLContext, ca_file: str
) -> None:
    target = f"http://127.0.0.1:{plain_http.port}"
    with serving(redirecting(target), tls=server_tls) as server:
        conn = PKIConnection("https", "127.0.0.1", server.port, verify=ca_file)
        with pytest.raises(RedirectRefusedError) as caught:
            conn.get("/go/ca/v2/certs/0x1")
    error = caught.value
    assert isinstance(error, requests.exceptions.RequestException)
    assert (error.url, error.location) == (
        f"{server.url}/go/ca/v2/certs/0x1", f"{target}/ca/v2/certs/0x1"
    )
    assert str(error) == (
        f"refused to follow the redirect from {server.url}/go/ca/v2/certs/0x1 to "
        f"{target}/ca/v2/certs/0x1: it leaves https for an unencrypted connection, and "
        "following it would take this connection's cookies and client certificate there "
        "(connect to that server directly if it is meant)"
    )
    assert error.response is not None and error.response.status_code == 302
    assert plain_http.accepted == 0


def test_resource_client_redirected_to_http_is_refused(
    plain_http: ScriptedServer, server_tls: ssl.SSLContext, ca_file: str
) -> None:
    with serving(redirect_all(f"http://127.0.0.1:{plain_http.port}"), tls=server_tls) as server:
        conn = PKIConnection("https", "127.0.0.1", server.port, verify=ca_file)
        conn.api_path = "v2"
        with pytest.raises(RedirectRefusedError, match="it leaves https"):
            CertClient(conn).get_cert(1)
    assert plain_http.accepted == 0


def test_cookie_without_secure_never_goes_over_http(
    plain_http: ScriptedServer, server_tls: ssl.SSLContext, ca_file: str
) -> None:
    target = f"http://127.0.0.1:{plain_http.port}"
    with serving(redirecting(target, cookie="JSESSIONID=s3cr3t; Path=/"), tls=server_tls) as server:
        conn = PKIConnection("https", "127.0.0.1", server.port, verify=ca_file)
        assert conn.get("/login").json()["cookie"] == ""
        assert conn.session.cookies.get("JSESSIONID") == "s3cr3t"
        assert conn.get("/again").json()["cookie"] == "JSESSIONID=s3cr3t"  # same origin: sent
        with pytest.raises(RedirectRefusedError):
            conn.get("/go/agent")
    assert plain_http.accepted == 0 and not plain_http.requests


@pytest.mark.parametrize("other", ["another port", "another host name"])
def test_redirect_to_another_server_is_refused(
    other: str, server_tls: ssl.SSLContext, ca_file: str
) -> None:
    with serving(answer_each(), tls=server_tls) as elsewhere:
        # another port: a second server; another host name: this same server as localhost
        location = (
            f"https://127.0.0.1:{elsewhere.port}" if other == "another port"
            else "https://localhost:{port}"
        )
        with serving(redirecting(location), tls=server_tls) as first:
            conn = PKIConnection("https", "127.0.0.1", first.port, verify=ca_file)
            with pytest.raises(RedirectRefusedError) as caught:
                conn.get("/go/x")
        assert "it points to another server (scheme, host and port are not the same)" in str(
            caught.value
        )
        assert elsewhere.accepted == 0
        assert [r.path for r in first.requests] == ["/go/x"]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_same_origin_redirects_are_followed(
    status: int, server_tls: ssl.SSLContext, ca_file: str
) -> None:
    handler = redirecting("", cookie="JSESSIONID=abc; Path=/", status=status)
    with serving(handler, tls=server_tls) as server:
        conn = PKIConnection("https", "127.0.0.1", server.port, verify=ca_file)
        answer = conn.get("/go/ca/v2/info").json()
        assert answer["path"] == "/ca/v2/info"  # a relative Location, resolved
        assert answer["cookie"] == "JSESSIONID=abc"  # the cookie set on the redirect came along
        posted = conn.post("/go/ca/v2/certrequests", '{"a": 1}').json()
    if status in (307, 308):  # method and body kept
        assert (posted["method"], posted["body"]) == ("POST", '{"a": 1}')
    else:
        assert posted["path"] == "/ca/v2/certrequests"


def test_absolute_same_origin_redirect_is_followed(
    server_tls: ssl.SSLContext, ca_file: str
) -> None:
    def handle(peer: Peer) -> None:
        port = peer.server.port
        while (request := peer.read_request()) is not None:
            if request.path == "/old":
                peer.respond(301, b"", None, [("Location", f"https://127.0.0.1:{port}/new")])
            else:
                peer.respond(200, b'{"ok": true}')

    with serving(handle, tls=server_tls) as server:
        conn = PKIConnection("https", "127.0.0.1", server.port, verify=ca_file)
        response = conn.get("/old")
    assert response.json() == {"ok": True}
    assert [r.status_code for r in response.history] == [301]


def test_http_to_https_on_the_same_host_is_followed(
    server_tls: ssl.SSLContext, ca_file: str
) -> None:
    # Tomcat's redirectPort: a CONFIDENTIAL resource asked over http goes to https
    with serving(answer_each(body=b'{"over": "tls"}'), tls=server_tls) as secure:
        with serving(redirecting(f"https://127.0.0.1:{secure.port}")) as plain:
            conn = PKIConnection("http", "127.0.0.1", plain.port, verify=ca_file)
            assert conn.get("/go/ca/v2/agent/certs").json() == {"over": "tls"}
        assert [r.path for r in secure.requests] == ["/ca/v2/agent/certs"]


def test_allow_redirects_false_leaves_the_redirect_to_the_caller(
    plain_http: ScriptedServer, server_tls: ssl.SSLContext, ca_file: str
) -> None:
    target = f"http://127.0.0.1:{plain_http.port}"
    with serving(redirecting(target), tls=server_tls) as server:
        conn = PKIConnection("https", "127.0.0.1", server.port, verify=ca_file)
        conn.get_ssl_context()
        response = conn.session.get(f"{server.url}/go/x", allow_redirects=False)
        assert response.status_code == 302
        assert response.next is not None and response.next.url == f"{target}/x"
        with pytest.raises(RedirectRefusedError):
            conn.session.send(response.next)
    assert plain_http.accepted == 0


def test_cli_refuses_a_redirect_to_another_server(
    tmp_path: Path, plain_http: ScriptedServer
) -> None:
    with serving(redirect_all(f"http://127.0.0.1:{plain_http.port}")) as server:
        done = run_pki(tmp_path, "-U", server.url, "info")
    assert done.returncode != 0
    assert done.stderr == (
        f"ERROR: refused to follow the redirect from {server.url}/pki/v2/info to "
        f"http://127.0.0.1:{plain_http.port}/pki/v2/info: it points to another server "
        "(scheme, host and port are not the same), and following it would take this "
        "connection's cookies and client certificate there (connect to that server directly "
        "if it is meant)\n"
    )
    assert plain_http.accepted == 0


def test_a_redirect_with_a_huge_body_is_followed_without_reading_it(
    server_tls: ssl.SSLContext, ca_file: str
) -> None:
    sent: list[int] = []

    def handle(peer: Peer) -> None:
        while (request := peer.read_request()) is not None:
            if request.path != "/old":
                peer.respond(200, b'{"ok": true}')
                continue
            size = 50 * 1024 * 1024
            head = f"HTTP/1.1 302 Found\r\nLocation: /new\r\nContent-Length: {size}\r\n\r\n"
            total = 0
            if peer.send(head.encode()):
                while total < size and peer.send(b"x" * 65536):
                    total += 65536
            sent.append(total)
            return

    with serving(handle, tls=server_tls) as server:
        conn = PKIConnection("https", "127.0.0.1", server.port, verify=ca_file)
        response = conn.get("/old")
        assert response.json() == {"ok": True}
        assert response.history[0].status_code == 302
        assert len(response.history[0].content) <= 64 * 1024
    assert sent and sent[0] < 50 * 1024 * 1024  # the client hung up instead of reading it
