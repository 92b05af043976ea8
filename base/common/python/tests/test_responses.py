"""Answers that are not what a resource client expects: each raises an error saying what came.

The server is a scripted one on 127.0.0.1 (``fault_servers``) that answers ``/pki/v2/info``
as an 11.6 server and everything else as the test says. Upstream parsed bodies with
``response.json()``: ``requests.exceptions.JSONDecodeError`` for a body that is not JSON, an
``AttributeError``/``KeyError``/``TypeError`` (or nothing: ``list_certs()`` gave an empty
list) for a wrong shape. Here:

========================================  ===============================================
What arrived                              Library exception (``pki.responses`` unless said)
========================================  ===============================================
200 text/html where JSON is expected      ``ResponseNotJSONError`` (``requests``'
                                          ``JSONDecodeError``, ``ValueError``,
                                          ``PKIException``)
200 with no body where JSON is expected   ``ResponseNotJSONError`` ("no body")
JSON cut short (Content-Length agrees)    ``ResponseNotJSONError`` ("the JSON ends early")
body shorter than its Content-Length      ``TruncatedResponseError`` (``requests``'
                                          ``ChunkedEncodingError``)
body over ``max_response_size`` (also     ``ResponseTooLargeError`` (a ResponseNotJSONError)
compressed: counted after decoding)
a JSON array where an object belongs, an  ``pki.UnexpectedResponseError`` (``PKIException``,
object where a list belongs, entries      ``ValueError``), never an ``AttributeError`` or an
that are not objects                      empty page
HTML 401 (Tomcat's page)                  ``requests.exceptions.HTTPError``, as upstream
JSON error naming an unknown ClassName    ``requests.exceptions.HTTPError``, as upstream
JSON error naming a known ClassName       that ``PKIException`` class (the error body is
                                          read within the limit too)
========================================  ===============================================

Every message names the status, the content type, the size, the URL and the first bytes,
escaped; ``test_cli_lines`` shows what the ``pki`` command prints for each.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pki
import pki.acme
import pki.conf
import pytest
import requests
from fault_servers import Peer, ScriptedServer, run_pki
from pki.authority import AuthorityClient
from pki.cert import CertClient, CertData
from pki.client import PKIConnection
from pki.responses import (
    ResponseNotJSONError,
    ResponseTooLargeError,
    TruncatedResponseError,
    decode_json,
    preview,
)
from pki.system import SecurityDomainClient

SRC = str(Path(pki.conf.__file__).resolve().parents[1])
INFO = b'{"Version": "11.6.0", "Attributes": {"Attribute": []}}'
HTML = b"<html><body><h1>Welcome\x1b[0m</h1></body></html>"

Answer = Callable[[Peer], None]


def dogtag_like(answer: Answer) -> Callable[[Peer], None]:
    """A handler answering ``/pki/v2/info`` as Dogtag 11.6 and everything else with
    ``answer``."""

    def handle(peer: Peer) -> None:
        while (request := peer.read_request()) is not None:
            if request.path.startswith("/pki/v2/info"):
                peer.respond(200, INFO)
            else:
                answer(peer)

    return handle


def body(
    data: bytes, status: int = 200, content_type: str | None = "application/json", **kw: object
) -> Answer:
    def answer(peer: Peer) -> None:
        peer.respond(status, data, content_type, **kw)  # type: ignore[arg-type]

    return answer


@pytest.fixture
def server() -> Iterator[Callable[[Answer], ScriptedServer]]:
    started: list[ScriptedServer] = []

    def start(answer: Answer) -> ScriptedServer:
        started.append(ScriptedServer(dogtag_like(answer)))
        return started[-1]

    yield start
    for each in started:
        each.stop()


def connect(server: ScriptedServer, **kwargs: object) -> PKIConnection:
    conn = PKIConnection("http", "127.0.0.1", server.port, **kwargs)  # type: ignore[arg-type]
    conn.api_path = "v2"
    return conn


# -- not JSON -------------------------------------------------------------------------------


def test_html_where_json_is_expected(server) -> None:
    srv = server(body(HTML, content_type="text/html"))
    with pytest.raises(ResponseNotJSONError) as caught:
        CertClient(connect(srv)).get_cert(1)
    error = caught.value
    for upstream_class in (requests.exceptions.JSONDecodeError, json.JSONDecodeError, ValueError):
        assert isinstance(error, upstream_class)
    assert isinstance(error, pki.PKIException)
    assert str(error) == (
        "not JSON (Expecting value: line 1 column 1 (char 0)): expected JSON for CertData; "
        "the server "
        f"sent HTTP 200 (text/html, {len(HTML)} bytes) for {srv.url}/ca/v2/certs/0x1, "
        r"starting b'<html><body><h1>Welcome\x1b[0m</h1></body></html>'"
    )
    assert (error.status, error.content_type, error.code) == (200, "text/html", 200)
    assert error.response is not None and error.response.status_code == 200
    assert error.pos == 0 and error.doc.startswith("<html>")


def test_no_body_where_json_is_expected(server) -> None:
    srv = server(body(b""))
    with pytest.raises(ResponseNotJSONError) as caught:
        CertClient(connect(srv)).get_cert(1)
    assert str(caught.value) == (
        "no body: expected JSON for CertData; the server sent HTTP 200 (application/json, 0 "
        f"bytes) for {srv.url}/ca/v2/certs/0x1"
    )


def test_json_cut_short(server) -> None:
    srv = server(body(b'{"id": "0x1", "Encoded": "MII'))
    with pytest.raises(ResponseNotJSONError) as caught:
        CertClient(connect(srv)).get_cert(1)
    assert str(caught.value).startswith(
        "the JSON ends early (Unterminated string starting at: line 1 column 26 (char 25))"
    )


def test_body_shorter_than_its_content_length(server) -> None:
    def cut(peer: Peer) -> None:
        peer.respond(200, b'{"id": "0x1", "Encoded": "MIIB', length=1000)
        peer.sock.close()

    srv = server(cut)
    with pytest.raises(TruncatedResponseError) as caught:
        CertClient(connect(srv)).get_cert(1)
    assert isinstance(caught.value, requests.exceptions.ChunkedEncodingError)  # as upstream
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == (
        "the connection ended before the whole body arrived (Connection broken: "
        "IncompleteRead(30 bytes read, 970 more expected)): expected JSON for CertData; the "
        f"server sent HTTP 200 (application/json) for {srv.url}/ca/v2/certs/0x1"
    )


@pytest.mark.parametrize(
    "data, problem",
    [
        (b"\x80abc", "not JSON: not UTF-8 text (invalid start byte at byte 0)"),
        (b"[" * 100_000 + b"]" * 100_000, "JSON nested too deeply to decode"),
        # Python's own text follows (it differs between versions)
        (b"1" * 5000, "JSON this client cannot decode (Exceeds the limit (4300"),
        (b'{"a": 1} trailing', "not JSON (Extra data: line 1 column 10 (char 9))"),
    ],
    ids=["not-utf8", "nested", "huge-number", "trailing"],
)
def test_bodies_json_cannot_take(data: bytes, problem: str) -> None:
    with pytest.raises(ResponseNotJSONError) as caught:
        decode_json(data)
    assert caught.value.problem.startswith(problem)


def test_preview_is_escaped_and_bounded() -> None:
    assert preview(b"ab\r\n\x1b[31m\xe9") == "b'ab\\r\\n\\x1b[31m\\xe9'"
    assert preview(b"x" * 500) == "b'" + "x" * 96 + "'..."


def test_already_read_responses_decode_the_same_way(server) -> None:
    # ACMEClient posts through the connection and decodes the whole answer afterwards
    srv = server(body(HTML, content_type="text/html"))
    with pytest.raises(ResponseNotJSONError, match="^not JSON .* for http://127.0.0.1"):
        pki.acme.ACMEClient(connect(srv)).login()


# -- too large --------------------------------------------------------------------------------


def test_limit_per_connection_and_from_pki_conf(server) -> None:
    data = json.dumps({"id": "0x1", "Encoded": "A" * 2000}).encode()
    srv = server(body(data))
    for conn in (connect(srv, max_response_size=1024),
                 connect(srv, conf={"PKI_CLIENT_MAX_RESPONSE_SIZE": "1024"})):
        with pytest.raises(ResponseTooLargeError) as caught:
            CertClient(conn).get_cert(1)
        assert str(caught.value) == (
            "the body is larger than the 1024 bytes this connection reads (announced as "
            f"{len(data)} bytes; raise max_response_size= or PKI_CLIENT_MAX_RESPONSE_SIZE if "
            "such answers are expected): expected JSON for CertData; the server sent HTTP 200 "
            f"(application/json, {len(data)} bytes) for {srv.url}/ca/v2/certs/0x1, starting "
            + preview(data[:97])
        )
        assert caught.value.limit == 1024
        conn.max_response_size = 4096
        assert CertClient(conn).get_cert(1).encoded == "A" * 2000


def test_compressed_body_counts_after_decoding(server) -> None:
    bomb = gzip.compress(b" " * (8 * 1024 * 1024))  # 8 MiB of blanks in about 8 KiB
    srv = server(body(bomb, headers=[("Content-Encoding", "gzip")]))
    with pytest.raises(ResponseTooLargeError, match=r"\(more arrived; raise"):
        CertClient(connect(srv)).get_cert(1)


def test_large_error_body_is_dropped_not_read_whole(server) -> None:
    srv = server(body(b"<html>" + b"x" * (6 * 1024 * 1024), 500, "text/html"))
    with pytest.raises(requests.exceptions.HTTPError) as caught:
        CertClient(connect(srv)).get_cert(1)
    assert caught.value.response is not None
    assert caught.value.response.status_code == 500
    assert caught.value.response.content == b""


# -- HTTP errors, as upstream -----------------------------------------------------------------


def test_html_401_is_requests_http_error(server) -> None:
    page = b"<html><head><title>HTTP Status 401 - Unauthorized</title></head></html>"
    srv = server(body(page, 401, "text/html;charset=utf-8"))
    with pytest.raises(requests.exceptions.HTTPError) as caught:
        CertClient(connect(srv)).review_cert(1)
    assert caught.value.response.status_code == 401
    assert caught.value.response.content == page  # the body stays readable


def test_unknown_class_name_is_requests_http_error(server) -> None:
    error = b'{"ClassName": "com.example.WeirdException", "Code": 500, "Message": "weird"}'
    srv = server(body(error, 500))
    with pytest.raises(requests.exceptions.HTTPError) as caught:
        CertClient(connect(srv)).get_cert(1)
    assert caught.value.response.json()["Message"] == "weird"


def test_known_class_name_is_its_exception(server) -> None:
    error = (b'{"ClassName": "com.netscape.certsrv.cert.CertNotFoundException", "Code": 404, '
             b'"Message": "Certificate ID 0x1 not found"}')
    srv = server(body(error, 404))
    with pytest.raises(pki.CertNotFoundException, match="Certificate ID 0x1 not found"):
        CertClient(connect(srv)).get_cert(1)


# -- wrong shapes -----------------------------------------------------------------------------


def test_list_where_an_object_belongs(server) -> None:
    srv = server(body(b'[{"id": "0x1"}]'))
    with pytest.raises(pki.UnexpectedResponseError) as caught:
        CertClient(connect(srv)).get_cert(1)
    assert type(caught.value) is pki.UnexpectedResponseError
    assert isinstance(caught.value, ValueError)
    assert str(caught.value) == (
        "CertData cannot be read from a JSON array [{'id': '0x1'}]: expected a JSON object "
        f"for CertData; the server sent HTTP 200 (application/json, 15 bytes) for "
        f"{srv.url}/ca/v2/certs/0x1, starting b'[{{\"id\": \"0x1\"}}]'"
    )


@pytest.mark.parametrize(
    "data, problem",
    [
        (b"[]", "CertDataInfoCollection cannot be read from a JSON array []"),
        (b'[{"id": "0x1"}]', "CertDataInfoCollection cannot be read from a JSON array"),
        (b'"certs"', "CertDataInfoCollection cannot be read from a JSON string 'certs'"),
        (b'{"entries": "0x1"}', "CertDataInfoCollection cannot be read from a JSON string"),
        (b'{"entries": [1, 2]}', "CertDataInfo cannot be read from a JSON number 1"),
    ],
    ids=["empty-array", "array", "string", "entries-string", "entries-numbers"],
)
def test_list_certs_never_returns_an_empty_page_for_a_wrong_shape(
    server, data: bytes, problem: str
) -> None:
    srv = server(body(data))
    with pytest.raises(pki.UnexpectedResponseError) as caught:
        CertClient(connect(srv)).list_certs()
    assert caught.value.problem.startswith(problem), caught.value.problem
    assert caught.value.status == 200 and caught.value.url == f"{srv.url}/ca/v2/certs/search"


def test_nested_objects_of_the_wrong_shape(server) -> None:
    srv = server(body(b'{"ProfileID": "caServerCert", "Input": [5]}'))
    with pytest.raises(pki.UnexpectedResponseError) as caught:
        CertClient(connect(srv)).get_enrollment_template("caServerCert")
    assert caught.value.problem == (
        "CertEnrollmentRequest.Input: ProfileInput cannot be read from a JSON number 5"
    )
    assert caught.value.expected == "a JSON object for ProfileInput"


def test_collections_that_are_arrays_refuse_other_shapes(server) -> None:
    srv = server(body(b'"authorities"'))
    with pytest.raises(pki.UnexpectedResponseError, match="AuthorityDataCollection cannot"):
        AuthorityClient(connect(srv)).list_cas()
    srv = server(body(b'{"Hostname": "ca.example.com"}'))
    with pytest.raises(pki.UnexpectedResponseError, match="expected a JSON array of hosts"):
        SecurityDomainClient(connect(srv)).get_hosts()


def test_object_shapes_still_accepted(server) -> None:
    # Dogtag leaves empty lists out, and 10.x sent one entry as an object
    srv = server(body(b'{"total": 0}'))
    assert list(CertClient(connect(srv)).list_certs()) == []
    srv = server(body(b'{"total": 1, "entries": {"id": "0x5"}}'))
    assert [c.serial_number for c in CertClient(connect(srv)).list_certs()] == ["0x5"]


def test_from_json_alone_says_what_it_got() -> None:
    with pytest.raises(pki.UnexpectedResponseError) as caught:
        CertData.from_json([1, 2, 3])  # type: ignore[call-overload]
    assert str(caught.value) == (
        "CertData cannot be read from a JSON array [1, 2, 3]: expected a JSON object for "
        "CertData"
    )
    assert caught.value.status is None


# -- what the pki command prints --------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, command, line",
    [
        (body(HTML, content_type="text/html"), ("ca-cert-show", "1"),
         "ERROR: not JSON (Expecting value: line 1 column 1 (char 0)): expected JSON for "
         "CertData; the server sent HTTP 200 (text/html, 46 bytes) for {url}/ca/v2/certs/0x1, "
         "starting "
         r"b'<html><body><h1>Welcome\x1b[0m</h1></body></html>'"),
        (body(b'[{"id": "0x1"}]'), ("ca-cert-show", "1"),
         "ERROR: CertData cannot be read from a JSON array [{'id': '0x1'}]: expected a JSON "
         "object for CertData; the server sent HTTP 200 (application/json, 15 bytes) for "
         "{url}/ca/v2/certs/0x1, starting b'[{\"id\": \"0x1\"}]'"),
        (body(b"[]"), ("ca-cert-find",),
         "ERROR: CertDataInfoCollection cannot be read from a JSON array []: expected a JSON "
         "object for CertDataInfoCollection; the server sent HTTP 200 (application/json, 2 "
         "bytes) for {url}/ca/v2/certs/search, starting b'[]'"),
        (body(b"<html>401</html>", 401, "text/html"), ("ca-cert-show", "1"),
         "ERROR: HTTP 401 Whatever for {url}/ca/v2/certs/0x1 (this command needs an "
         "authenticated user: pass -n NICKNAME or -u USER)"),
        (body(b'{"ClassName": "com.example.Weird", "Message": "weird"}', 500),
         ("ca-cert-show", "1"), "ERROR: weird"),
    ],
    ids=["html", "wrong-shape", "wrong-shape-collection", "html-401", "unknown-classname"],
)
def test_cli_lines(server, tmp_path: Path, answer: Answer, command: tuple[str, ...],
                   line: str) -> None:
    srv = server(answer)
    done = run_pki(tmp_path, "-U", srv.url, *command)
    assert done.returncode != 0
    assert done.stderr == line.replace("{url}", srv.url) + "\n"
