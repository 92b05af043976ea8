"""HTTP plumbing: TLS server, sessions, authentication, ACL checks and routing.

Only the standard library serves HTTP (``ThreadingHTTPServer`` + ``ssl``). The TLS handshake
runs in each connection's worker thread, not in the accept loop, so one slow client cannot
stall the others. A response goes out in one write (status line, headers and body together)
with ``TCP_NODELAY`` set, so no Nagle/delayed-ACK stall paces kept-alive requests.

Behaviour copied from Dogtag/Tomcat on purpose (the rules themselves are in ``security``):

* sessions are ``JSESSIONID`` cookies scoped to the web app (``Path=/ca``); a session keeps
  the principal that authenticated in it, nonces, and is created by authentication
  (``alwaysUseSession``) and by every v2 servlet call (``request.getSession()``);
* constrained URLs answer 401 with ``WWW-Authenticate: Basic`` and an HTML body when the
  caller cannot be authenticated; ACL failures are JSON 403s;
* unknown paths: JSON ``ResourceNotFoundException`` under ``/rest/`` and ``/v1/``, a bare 404
  (and bare 405 for a wrong method) under ``/v2/``;
* legacy servlets outside the REST APIs (``/ca/admin/ca/getStatus``, the whole ``/acme``
  responder) are plain routes of their web app.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import socket
import socketserver
import ssl
import threading
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography import x509

from pki.testing.dogtag import security
from pki.testing.dogtag.errors import DogtagError, bad_request, not_found
from pki.testing.dogtag.usergroups import Principal

logger = logging.getLogger(__name__)

APPS = ("pki", "ca", "kra", "acme")
APIS = ("rest", "v1", "v2")
MAX_BODY = 16 * 1024 * 1024


class Session:
    """Server-side session state: the cached principal and the nonces Dogtag keeps."""

    def __init__(self, app: str) -> None:
        self.id = secrets.token_hex(16).upper()
        self.app = app
        self.principal: Principal | None = None
        self.nonces: dict[str, dict[int, int]] = {}
        self.lock = threading.Lock()

    def add_nonce(self, kind: str, key: int) -> int:
        """Store a fresh random nonce for ``key`` (a serial or request ID) and return it."""
        nonce = secrets.randbits(62) + 1
        with self.lock:
            self.nonces.setdefault(kind, {})[key] = nonce
        return nonce

    def check_nonce(self, kind: str, key: int, supplied: object) -> None:
        """Dogtag's rules: missing → 400, none stored → 400, wrong → 403; single use."""
        if supplied is None or supplied == "":
            raise bad_request("Missing nonce.")
        try:
            value = int(str(supplied).strip())
        except ValueError:
            raise bad_request(f"Invalid nonce: {supplied}") from None
        with self.lock:
            stored = self.nonces.get(kind, {}).get(key)
            if stored is None:
                raise bad_request(f"Missing nonce for {key:#x} in session.")
            if stored != value:
                raise DogtagError(403, "base.ForbiddenException", "Invalid nonce.")
            del self.nonces[kind][key]


class SessionStore:
    """All live sessions, in memory (a restart logs everyone out, like Tomcat)."""

    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self, app: str) -> Session:
        session = Session(app)
        with self._lock:
            self._sessions[session.id] = session
        return session

    def get(self, session_id: str | None, app: str) -> Session | None:
        if not session_id:
            return None
        with self._lock:
            session = self._sessions.get(session_id)
        return session if session is not None and session.app == app else None

    def invalidate(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)


@dataclass
class Response:
    """What a handler answers; ``body`` is sent with a Content-Length, always."""

    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)


def json_response(
    obj: Any, status: int = 200, headers: list[tuple[str, str]] | None = None
) -> Response:
    body = json.dumps(obj).encode()
    return Response(status, body, "application/json", list(headers or []))


def html_response(
    status: int, title: str, headers: list[tuple[str, str]] | None = None
) -> Response:
    """A Tomcat-style HTML error page (401s and non-PKI failures are HTML in Dogtag)."""
    text = (
        f'<!doctype html><html lang="en"><head><title>HTTP Status {status} – {title}</title>'
        f"</head><body><h1>HTTP Status {status} – {title}</h1></body></html>"
    )
    return Response(status, text.encode(), "text/html;charset=utf-8", list(headers or []))


@dataclass
class Request:
    """One parsed request, as the resource handlers see it."""

    method: str
    app: str
    api: str
    path: str
    params: dict[str, str]
    headers: Message
    body: bytes
    base_url: str
    peer_cert: x509.Certificate | None
    sessions: SessionStore
    session: Session | None = None
    new_session: bool = False
    client_address: str = ""
    account: Principal | None = None  # the authenticated caller, if any

    @property
    def principal(self) -> str | None:
        """The caller's user ID (Dogtag's principal name), or None when anonymous."""
        return self.account.user_id if self.account is not None else None

    @property
    def request_url(self) -> str:
        """What ``HttpServletRequest.getRequestURL()`` gives (no query string)."""
        tail = f"/{self.path}" if self.path else ""
        return f"{self.base_url}/{self.app}/{self.api}{tail}"

    @property
    def v1(self) -> bool:
        """True for the RESTEasy API (``/rest/`` or ``/v1/``), which adds URL fields."""
        return self.api != "v2"

    def url(self, tail: str, app: str | None = None) -> str:
        """An absolute URL under this request's app and API (for ``requestURL`` etc.)."""
        return f"{self.base_url}/{app or self.app}/{self.api}/{tail}"

    def ensure_session(self) -> Session:
        """The caller's session, creating one (and a Set-Cookie) if it has none."""
        if self.session is None:
            self.session = self.sessions.create(self.app)
            self.new_session = True
        return self.session

    def text(self) -> str:
        """The body as UTF-8 text (raw profiles, group names); bad bytes are a 400."""
        try:
            return self.body.decode("utf-8")
        except UnicodeDecodeError:
            raise bad_request("Request body is not UTF-8 text") from None

    def json(self) -> Any:
        """The body as JSON; malformed JSON is a 400 BadRequestException."""
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as e:
            raise bad_request(f"Invalid JSON body: {e}") from None

    def json_object(self, required: bool = True) -> dict[str, Any]:
        value = self.json()
        if value is None and not required:
            return {}
        if not isinstance(value, dict):
            raise bad_request("Request body must be a JSON object")
        return value

    def int_param(self, name: str, default: int) -> int:
        value = self.params.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError:
            raise bad_request(f"Invalid value for {name}: {value}") from None


HandlerFunc = Callable[..., Any]


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: HandlerFunc
    acl: str | None = None  # the v1 resource method's @ACLMapping (v2 uses its ACL filters)
    legacy: bool = False  # a servlet outside the REST APIs: the pattern is the path after /<app>/


def route(method: str, pattern: str, handler: HandlerFunc, acl: str | None = None) -> Route:
    """A route; ``pattern`` is a regex over the path after ``/<app>/<api>/`` (named groups)."""
    return Route(method, re.compile(pattern), handler, acl)


def legacy_route(method: str, path: str, handler: HandlerFunc) -> Route:
    """A servlet outside ``rest``/``v1``/``v2``, e.g. ``admin/ca/getStatus`` on ``/ca``."""
    return Route(method, re.compile(re.escape(path)), handler, None, legacy=True)


def _version_tuple(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split(".")[:3]:
        digits = re.match(r"\d+", piece)
        parts.append(int(digits.group()) if digits else 0)
    return tuple(parts)


class Dispatcher:
    """Routes a request to its resource handler and applies Dogtag's auth and error rules."""

    def __init__(
        self,
        routes: dict[str, list[Route]],
        version: str,
        authenticator: security.Authenticator,
        access: security.AccessControl,
    ) -> None:
        self.routes = routes
        self.version = version
        self.has_v2 = _version_tuple(version) >= (11, 6)
        self.sessions = SessionStore()
        self.authenticator = authenticator
        self.access = access

    def dispatch(self, req: Request) -> Response:
        if req.api not in ("", "rest") and not self.has_v2:
            return Response(404)  # before 11.6 only /rest/ exists
        if req.session is not None and req.session.principal is not None:
            req.account = req.session.principal  # Tomcat's cached principal
        if req.account is None and security.needs_authentication(
            req.app, req.api, req.method, req.path
        ):
            req.account = self.authenticator.authenticate(
                req.app, req.peer_cert, req.headers.get("Authorization")
            )
            if req.account is None:
                realm = security.REALMS.get(req.app, "PKI")
                return html_response(
                    401, "Unauthorized", [("WWW-Authenticate", f'Basic realm="{realm}"')]
                )
            req.ensure_session().principal = req.account  # alwaysUseSession
        roles = security.required_roles(req.app, req.path)
        try:
            if roles and not (req.account is not None and req.account.has_role(*roles)):
                response = html_response(403, "Forbidden")  # Tomcat's, before the servlet
            else:
                response = self._route(req)
        except DogtagError as e:
            response = Response(e.code) if e.bare else json_response(e.to_json(), e.code)
        except Exception:
            logger.exception("internal error on %s %s", req.method, req.path)
            response = html_response(500, "Internal Server Error")
        if req.new_session and req.session is not None:
            cookie = f"JSESSIONID={req.session.id}; Path=/{req.app}; Secure; HttpOnly"
            response.headers.append(("Set-Cookie", cookie))
        return response

    def _route(self, req: Request) -> Response:
        if req.api == "v2":
            # the servlet's ACL filter runs before the servlet looks at the path
            self.access.check(req.app, security.v2_acl(req.app, req.method, req.path), req.account)
        path_matched = False
        for r in self.routes.get(req.app, []):
            if r.legacy != (req.api == ""):
                continue
            m = r.pattern.fullmatch(req.path)
            if m is None:
                continue
            path_matched = True
            if r.method != req.method:
                continue
            if req.api == "v2":
                req.ensure_session()  # every v2 servlet method calls request.getSession()
            elif req.api:
                self.access.check(req.app, r.acl, req.account)  # v1 ACLInterceptor
            # path parameters arrive decoded, as Tomcat's getPathInfo() gives them
            args = {k: unquote(v) for k, v in m.groupdict().items()}
            result = r.handler(req, **args)
            if isinstance(result, Response):
                return result
            if result is None:
                return Response(204)
            return json_response(result)
        if req.api in ("v2", ""):
            return Response(405 if path_matched else 404)
        if path_matched:
            return json_response(
                DogtagError(405, "base.PKIException", "Method Not Allowed").to_json(), 405
            )
        raise not_found(f"Resource not found: /{req.app}/{req.api}/{req.path}")


class _Handler(BaseHTTPRequestHandler):
    """Parses HTTP, hands over to the Dispatcher, writes the response with Content-Length."""

    protocol_version = "HTTP/1.1"
    server_version = "DogtagTestServer"
    sys_version = ""
    wbufsize = 64 * 1024  # see _send

    def version_string(self) -> str:
        return self.server_version

    timeout = 60
    server: DogtagHTTPServer

    def setup(self) -> None:
        super().setup()
        self.peer_cert: x509.Certificate | None = None
        der = None
        if isinstance(self.connection, ssl.SSLSocket):
            der = self.connection.getpeercert(binary_form=True)
        if der:
            self.peer_cert = x509.load_der_x509_certificate(der)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        logger.debug("%s %s", self.address_string(), format % args)

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            total = 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    break
                total += size
                if total > MAX_BODY:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self) -> None:
        try:
            body = self._read_body()
        except ValueError:
            body = None
        if body is None:
            self.close_connection = True
            self._send(html_response(400, "Bad Request"))
            return
        split = urlsplit(self.path)
        parts = split.path.split("/", 3)
        if len(parts) < 3 or parts[1] not in APPS:
            self._send(html_response(404, "Not Found"))
            return
        if parts[2] in APIS:
            api, path = parts[2], (parts[3] if len(parts) > 3 else "")
        else:  # a legacy servlet: the whole path after /<app>/
            api, path = "", split.path.split("/", 2)[2]
        params = {k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        cookies = self.headers.get_all("Cookie") or []
        session_id = None
        for header in cookies:
            for item in header.split(";"):
                name, _, value = item.strip().partition("=")
                if name == "JSESSIONID" and value:
                    session_id = value
        dispatcher = self.server.dispatcher
        host = self.headers.get("Host") or self.server.authority
        req = Request(
            method=self.command,
            app=parts[1],
            api=api,
            path=path.rstrip("/"),
            params=params,
            headers=self.headers,
            body=body,
            base_url=f"https://{host}",
            peer_cert=self.peer_cert,
            sessions=dispatcher.sessions,
            session=dispatcher.sessions.get(session_id, parts[1]),
            client_address=self.client_address[0],
        )
        self._send(dispatcher.dispatch(req))

    def _send(self, response: Response) -> None:
        # wfile is buffered (wbufsize): headers and body leave in one write when
        # handle_one_request flushes, never as two small TCP segments
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.body and self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle


class DogtagHTTPServer(ThreadingHTTPServer):
    """A threading HTTPS server whose TLS handshakes happen in the worker threads."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        ssl_context: ssl.SSLContext,
        dispatcher: Dispatcher,
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.ssl_context = ssl_context
        self.dispatcher = dispatcher
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind would resolve the host name (slow, and not needed here).
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    @property
    def authority(self) -> str:
        host = self.server_name
        return f"[{host}]:{self.server_port}" if ":" in host else f"{host}:{self.server_port}"

    def finish_request(self, request: Any, client_address: Any) -> None:
        request.settimeout(_Handler.timeout)
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            tls = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            logger.debug("TLS handshake with %s failed: %s", client_address, e)
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)  # type: ignore[arg-type]
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("connection from %s ended with an error", client_address, exc_info=True)
