"""PKIConnection and PKIClient: python-requests sessions that authenticate from an NSS database.

Upstream's API is kept (positional parameters, ``get``/``post``/``put``/``delete``,
``set_authentication_cert``; ``PKIClient.connect``/``get_info``/``get_api_path``...); what
changes is where TLS comes from. Each connection builds one ``pki.tls.PKISSLContext`` at its
first HTTPS request (from pki.conf, the NSS database and the arguments), caches it, and mounts
it through an adapter so that every request of every resource client on the connection reuses
it, with TLS sessions resumed across connections.

Every request has a timeout (``PKI_CLIENT_CONNECT_TIMEOUT``/``PKI_CLIENT_READ_TIMEOUT`` of
pki.conf, 10 s and 60 s by default, or ``timeout=`` per connection or per call); a redirect
is followed only within the server's origin (or from http to https on the same host), never
to plain http or another server with the session's cookies and client certificate
(``RedirectRefusedError``); resource clients read JSON bodies up to ``max_response_size``
(``PKI_CLIENT_MAX_RESPONSE_SIZE``, 4 MiB) with ``pki.responses``.

TLS failures are raised as the ``pki.tls`` error that explains them (``UntrustedServerError``,
``ClientCertificateRequiredError``...), in a class that is also
``requests.exceptions.SSLError``, so that ``except requests.exceptions.SSLError`` written for
upstream keeps matching.

    conn = PKIConnection("https", "ca.example.com", "8443",
                         nssdb="~/.dogtag/nssdb", nickname="PKI Administrator",
                         nssdb_password_file="~/.dogtag/password.conf")
    conn.get("/ca/rest/certs").json()
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import urllib.parse
import warnings
import weakref
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Callable, TypeVar, Union

import requests
import urllib3
from requests.adapters import HTTPAdapter

import pki.info
import pki.responses
import pki.util
from pki import PKIException
from pki.conf import ConfSource, ConnectionSettings, load_connection_settings
from pki.nssdb import NSSDatabase, PasswordCallback, Secret
from pki.tls import PKISSLContext, TLSError, build_context, resolve_config
from pki.tls.sslsocket import HANDSHAKE_TIMEOUT

__all__ = [
    "PKIConnection",
    "PKIClient",
    "PKIHTTPAdapter",
    "RedirectRefusedError",
    "catch_insecure_warning",
]

logger = logging.getLogger(__name__)

_F = TypeVar("_F", bound=Callable[..., Any])

#: what ``timeout=`` takes: seconds for both, or ``(connect, read)`` as requests does
TimeoutSpec = Union[float, "tuple[float | None, float | None]"]


def catch_insecure_warning(func: _F) -> _F:
    """Run ``func`` with urllib3's ``InsecureRequestWarning`` silenced (upstream's decorator).

    Upstream wraps its request methods in it because its connections could not verify the
    server (pki ticket 1253). These can, so ``PKIConnection`` leaves requests made with
    ``verify=False`` warning; callers who want upstream's silence wrap their own calls.
    (``warnings.catch_warnings`` changes process-wide state: avoid it across threads.)
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


class PKIHTTPAdapter(HTTPAdapter):
    """An HTTPAdapter whose HTTPS pools all use one connection's frozen TLS context.

    requests would otherwise push certifi's bundle (or ``REQUESTS_CA_BUNDLE`` /
    ``CURL_CA_BUNDLE``) and ``cert=`` files into the context on every request; here the
    context alone decides trust and client certificates.
    """

    def __init__(self, context_provider: Any, **kwargs: Any) -> None:
        self._context_provider = context_provider
        super().__init__(**kwargs)

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: Any, cert: Any = None
    ) -> Any:
        host_params, _ = super().build_connection_pool_key_attributes(request, True, None)
        pool_kwargs: dict[str, Any] = {}
        if host_params.get("scheme") == "https":
            context: PKISSLContext = self._context_provider()
            pool_kwargs["ssl_context"] = context
            pool_kwargs["cert_reqs"] = "CERT_REQUIRED" if context.verify_mode else "CERT_NONE"
        return host_params, pool_kwargs

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        if not url.lower().startswith("https"):
            return
        context: PKISSLContext = self._context_provider()
        conn.cert_reqs = "CERT_REQUIRED" if context.verify_mode else "CERT_NONE"
        conn.ca_certs = None
        conn.ca_cert_dir = None
        conn.cert_file = None
        conn.key_file = None


_SSL_ERROR_CLASSES: dict[type[TLSError], type[TLSError]] = {}
_SSL_ERROR_LOCK = threading.Lock()


def _ssl_error_class(tls_class: type[TLSError]) -> type[TLSError]:
    """``tls_class`` that is also a ``requests.exceptions.SSLError`` (made once per class)."""
    with _SSL_ERROR_LOCK:
        combined = _SSL_ERROR_CLASSES.get(tls_class)
        if combined is None:
            combined = type(
                tls_class.__name__,
                (tls_class, requests.exceptions.SSLError),
                {"__module__": tls_class.__module__, "__qualname__": tls_class.__qualname__,
                 "__doc__": tls_class.__doc__, "__reduce__": _reduce_tls_error},
            )
            _SSL_ERROR_CLASSES[tls_class] = combined
        return combined


def _reduce_tls_error(self: TLSError) -> Any:
    # pickles as the plain pki.tls class (the combined one has no importable name)
    plain = next(c for c in type(self).__mro__[1:] if c in _SSL_ERROR_CLASSES)
    return (plain, (self.message,))


def as_requests_ssl_error(tls_error: TLSError, original: BaseException) -> TLSError:
    """A copy of ``tls_error`` that is also a ``requests.exceptions.SSLError``.

    It keeps the message, the attributes (``reasons``, ``verify_code``, ``candidates``...)
    and requests' ``request``/``response`` of ``original``; raise it ``from original``.
    """
    if isinstance(tls_error, requests.exceptions.SSLError):
        return tls_error
    cls = _ssl_error_class(type(tls_error))
    twin = cls.__new__(cls, *tls_error.args)
    twin.__dict__.update(vars(tls_error))
    twin.args = tls_error.args
    twin.request = getattr(original, "request", None)  # type: ignore[attr-defined]
    twin.response = getattr(original, "response", None)  # type: ignore[attr-defined]
    return twin


def _behind(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception inside requests' and urllib3's wrappers of it."""
    seen: set[int] = set()
    stack: list[Any] = [exc]
    while stack:
        item = stack.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        stack.extend(item.args)
        stack.extend([getattr(item, "reason", None), item.__cause__, item.__context__])


def _tls_error_in(exc: BaseException) -> TLSError | None:
    """The TLSError somewhere inside requests' and urllib3's exception wrappers."""
    return next((e for e in _behind(exc) if isinstance(e, TLSError)), None)


# -- redirects ---------------------------------------------------------------------------

_DEFAULT_PORTS = {"http": 80, "https": 443}
#: the most bytes of a redirect's own body that are read (requests reads it whole)
REDIRECT_BODY_LIMIT = 64 * 1024


def _origin(url: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` of ``url``, the port made explicit for http and https."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: no origin matches it
        port = -1
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


def _redirect_refusal(from_url: str, to_url: str) -> str | None:
    """Why a redirect from ``from_url`` to ``to_url`` must not be followed, or None.

    Followed: the same origin (scheme, host and port), and the upgrade from http to https
    on the same host that Tomcat's ``redirectPort`` sends for Dogtag's CONFIDENTIAL
    resources. Anything else would hand the session's cookies (and, over TLS, the client
    certificate) to a server the caller did not name.
    """
    old, new = _origin(from_url), _origin(to_url)
    if old == new:
        return None
    if old[0] == "https" and new[0] != "https":
        return "it leaves https for an unencrypted connection"
    if old[1] != new[1] or (old[0] == new[0] and old[2] != new[2]):
        return "it points to another server (scheme, host and port are not the same)"
    if old[0] == "http" and new[0] == "https":
        return None
    return f"it changes the scheme from {old[0]} to {new[0]}"


class RedirectRefusedError(requests.exceptions.RequestException):
    """The server redirected a request somewhere this connection does not follow.

    ``url`` answered with the redirect; ``location`` is where it pointed. A
    ``requests.exceptions.RequestException``, so ``except`` clauses written for requests'
    errors match. (Upstream, with requests' defaults, followed it: up to 30 redirects to any
    server, with the session's cookies, non-Secure ones in the clear over http, and the
    client certificate offered to any https server.)
    """

    def __init__(self, url: str, location: str, why: str, response: Any = None) -> None:
        self.url = url
        self.location = location
        super().__init__(
            f"refused to follow the redirect from {url} to {location}: {why}, and following "
            "it would take this connection's cookies and client certificate there (connect to "
            "that server directly if it is meant)",
            response=response, request=getattr(response, "request", None),
        )


class _PKISession(requests.Session):
    """requests' Session, refusing to send a redirected request off the origin, and reading
    at most ``REDIRECT_BODY_LIMIT`` bytes of a redirect's body.

    requests builds each redirected request in ``resolve_redirects`` (and, for
    ``allow_redirects=False``, only builds it as ``response.next``); a refused one is
    marked there and refused when it would be sent, so that nothing leaves for the other
    server and ``response.next`` stays available to callers who follow by hand.
    """

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        location = super().get_redirect_target(resp)
        if location is not None and resp._content is False:  # type: ignore[attr-defined]
            # requests reads a redirect's body whole before following it: keep to a little
            try:
                pki.responses.read_body(resp, REDIRECT_BODY_LIMIT)
            except (pki.responses.ResponseTooLargeError, requests.RequestException):
                resp._content = b""  # type: ignore[attr-defined]
        return location

    def rebuild_auth(self, prepared_request: requests.PreparedRequest, response: Any) -> None:
        super().rebuild_auth(prepared_request, response)
        why = _redirect_refusal(response.url, str(prepared_request.url))
        if why is not None:
            prepared_request._pki_refused = (response, why)  # type: ignore[attr-defined]

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        refused = getattr(request, "_pki_refused", None)
        if refused is not None:
            response, why = refused
            raise RedirectRefusedError(response.url, str(request.url), why, response)
        return super().send(request, **kwargs)


class PKIConnection:
    """A connection to a Dogtag server (upstream-compatible, with NSS database support).

    The upstream positional parameters keep their order and meaning. New keyword-only ones:
    ``nssdb`` (a directory, optionally ``sql:``/``dbm:``), ``nickname`` (the client
    certificate; without one, the database's single usable client certificate, or the one
    whose issuer the server asks for), ``nssdb_password`` / ``nssdb_password_file`` /
    ``password_callback`` (as for ``pki.nssdb.NSSDatabase``) and ``conf`` (one more pki.conf
    file, or a mapping of its variables). ``verify`` may also be a CA file or directory,
    which is then trusted like ``cert_paths``. ``client_auth=False`` takes only the trust
    anchors from the database and connects without a client certificate (as the Java CLI
    does without ``-n``).

    ``timeout`` (seconds, or ``(connect, read)``) replaces pki.conf's
    ``PKI_CLIENT_CONNECT_TIMEOUT``/``PKI_CLIENT_READ_TIMEOUT`` (10 s and 60 s by default) for
    every request of the connection, and a call's own ``timeout=`` replaces both for that
    call; ``max_response_size`` (bytes) replaces ``PKI_CLIENT_MAX_RESPONSE_SIZE`` (4 MiB), the
    most a resource client reads of a JSON body. Both are attributes too. A stalled server
    raises requests' ``ConnectTimeout`` or ``ReadTimeout`` (``pki.responses
    .ResponseBodyTimeout`` in the middle of a body), naming the server and the limit.

    Creating a connection touches neither NSS nor the network; pki.conf, the NSS database and
    the TLS context are read at the first request and shared by every request afterwards,
    from any thread.
    """

    def __init__(
        self,
        protocol: str = "http",
        hostname: str = "localhost",
        port: str | int | None = "8080",
        subsystem: str | None = None,
        accept: str | None = "application/json",
        trust_env: bool | None = None,
        verify: bool | str | None = True,
        cert_paths: str | Sequence[str] | None = None,
        *,
        nssdb: str | os.PathLike[str] | NSSDatabase | None = None,
        nickname: str | None = None,
        nssdb_password: str | None = None,
        nssdb_password_file: str | os.PathLike[str] | None = None,
        password_callback: PasswordCallback | None = None,
        conf: ConfSource | None = None,
        client_auth: bool = True,
        timeout: TimeoutSpec | None = None,
        max_response_size: int | None = None,
    ) -> None:
        self.protocol = protocol
        self.hostname = hostname
        self.port = None if port is None else str(port)
        self.subsystem = subsystem
        host = f"[{hostname}]" if ":" in hostname and not hostname.startswith("[") else hostname
        self.rootURI = f"{protocol}://{host}" + (f":{self.port}" if self.port else "")
        if subsystem is not None:
            logger.warning("the subsystem argument of PKIConnection is deprecated")
            self.serverURI = f"{self.rootURI}/{subsystem}"
        else:
            self.serverURI = self.rootURI

        paths = [cert_paths] if isinstance(cert_paths, str) else list(cert_paths or [])
        if isinstance(verify, str):
            paths.append(verify)
        self._verify = verify is not False
        self._cert_paths = [os.path.expanduser(p) for p in paths]
        self._conf = conf
        self._nssdb: str | os.PathLike[str] | NSSDatabase | None = nssdb
        self._nickname = nickname
        self._client_auth = client_auth
        self._password_kwargs = _password_kwargs(
            nssdb_password, nssdb_password_file, password_callback
        )
        self._pem: tuple[str, str | None] | None = None
        self._context: PKISSLContext | None = None
        self._context_lock = threading.Lock()
        #: ``v2`` or ``rest`` for resource clients built on this bare connection; None until
        #: ``get_api_path()`` asked the server (set it to skip that request)
        self.api_path: str | None = None
        self._api_lock = threading.Lock()
        self._settings: ConnectionSettings | None = None
        self._settings_lock = threading.Lock()
        self._timeout = timeout
        self._max_response_size = _checked_size(max_response_size)

        self.session: requests.Session = _PKISession()
        self.session.trust_env = trust_env  # type: ignore[assignment]
        self.session.verify = self._verify
        self._adapter = self._new_adapter()
        self.session.mount("https://", self._adapter)
        if accept:
            self.session.headers.update({"Accept": accept})

    #: TLS connections kept alive per server (requests' default is 10)
    POOL_SIZE = 32

    def __repr__(self) -> str:
        return f"<PKIConnection {self.serverURI}>"

    # -- authentication ------------------------------------------------------------------

    def authenticate(self, username: str | None = None, password: str | None = None) -> None:
        """Use HTTP Basic authentication (when both are given), as upstream."""
        if username is not None and password is not None:
            self.session.auth = (username, password)

    def set_authentication_cert(self, pem_cert_path: str, pem_key_path: str | None = None) -> None:
        """Authenticate with a certificate and key from PEM files (upstream's way)."""
        if not pem_cert_path:
            raise PKIException("No path for the certificate specified.")
        self._pem = (str(pem_cert_path), None if pem_key_path is None else str(pem_key_path))
        self._nssdb = None
        self._invalidate()

    def set_authentication_nssdb(
        self,
        nssdb: str | os.PathLike[str] | NSSDatabase,
        nickname: str | None = None,
        *,
        nssdb_password: str | None = None,
        nssdb_password_file: str | os.PathLike[str] | None = None,
        password_callback: PasswordCallback | None = None,
        client_auth: bool = True,
    ) -> None:
        """Authenticate with a certificate from an NSS database (replaces PEM settings).

        ``client_auth=False`` uses the database for trust only.
        """
        self._nssdb = nssdb
        self._nickname = nickname
        self._client_auth = client_auth
        self._password_kwargs = _password_kwargs(
            nssdb_password, nssdb_password_file, password_callback
        )
        self._pem = None
        self._invalidate()

    def _invalidate(self) -> None:
        with self._context_lock:
            self._context = None
        self._adapter.close()  # drop pools bound to the old context
        self._adapter = self._new_adapter()
        self.session.mount("https://", self._adapter)

    def _new_adapter(self) -> PKIHTTPAdapter:
        # A connection is meant to be shared by threads: keep up to POOL_SIZE TLS
        # connections alive per server instead of requests' 10, so that 16 threads do not
        # keep discarding (and re-handshaking) connections.
        # The adapter reaches the context through a weak reference: a bound method would
        # make connection -> session -> adapter -> connection a cycle, and every dropped
        # connection (its TLS context, OpenSSL objects and client key) would then wait for
        # the cyclic garbage collector instead of going at once.
        connection = weakref.ref(self)

        def context() -> PKISSLContext:
            alive = connection()
            if alive is None:
                raise PKIException("this adapter's PKIConnection no longer exists")
            return alive.get_ssl_context()

        return PKIHTTPAdapter(context, pool_maxsize=self.POOL_SIZE)

    # -- timeouts and sizes --------------------------------------------------------------

    def _connection_settings(self) -> ConnectionSettings:
        """pki.conf's connection settings, read once (at the first request)."""
        settings = self._settings
        if settings is None:
            with self._settings_lock:
                if self._settings is None:
                    self._settings = load_connection_settings(self._conf)
                settings = self._settings
        return settings

    @property
    def timeout(self) -> TimeoutSpec:
        """What requests of this connection wait: ``(connect, read)`` seconds unless set to
        something else (any ``timeout=`` that requests takes)."""
        if self._timeout is not None:
            return self._timeout
        settings = self._connection_settings()
        return (settings.connect_timeout, settings.read_timeout)

    @timeout.setter
    def timeout(self, value: TimeoutSpec | None) -> None:
        """Set the connection's timeout; None goes back to pki.conf's."""
        self._timeout = value

    @property
    def max_response_size(self) -> int:
        """The most bytes a resource client reads of a JSON body."""
        if self._max_response_size is not None:
            return self._max_response_size
        return self._connection_settings().max_response_size

    @max_response_size.setter
    def max_response_size(self, value: int | None) -> None:
        """Set the limit; None goes back to pki.conf's."""
        self._max_response_size = _checked_size(value)

    def read_json(
        self, response: requests.Response, decode: Callable[[Any], Any] | None = None
    ) -> Any:
        """The JSON of a response requested with ``stream=True``, read up to
        ``max_response_size`` (see ``pki.responses.read_json``)."""
        return pki.responses.read_json(
            response, self.max_response_size, decode, timeout=_read_seconds(self.timeout)
        )

    # -- the TLS context -----------------------------------------------------------------

    def get_ssl_context(self) -> PKISSLContext:
        """The connection's TLS context, built on first use and then reused."""
        context = self._context
        if context is not None:
            return context
        with self._context_lock:
            if self._context is None:
                self._context = self._build_context()
            return self._context

    def _build_context(self) -> PKISSLContext:
        # pki.conf is read once here, the NSS database (or PEM files) once, then closed
        config = resolve_config(
            self._conf,
            nssdb=self._nssdb,
            nickname=self._nickname,
            passwords=self._password_kwargs,
            cert_paths=self._cert_paths,
            client_auth=self._client_auth,
            pem=self._pem,
            verify=self._verify,
        )
        context = build_context(config)
        logger.debug("built %r for %s", context, self.rootURI)
        return context

    # -- the API path of resource clients on a bare connection ----------------------------

    def get_api_path(self) -> str:
        """``v2`` when the server serves ``/pki/v2/info`` and is 11.6 or later, else ``rest``.

        Resource clients built on this connection (not on a ``PKIClient``), such as FreeIPA's
        ``KRAClient(pki_client.connection, crypto)``, use it. Upstream sends them to ``v2``
        unconditionally; the server is asked once per connection (the answer is kept in
        ``api_path``), so servers before 11.6 keep working on ``rest``.
        """
        with self._api_lock:
            if self.api_path is None:
                info_client = pki.info.InfoClient(self)
                info = info_client.get_info()
                version = pki.info.Version(info.version or "0")
                self.api_path = (
                    "v2" if info_client.api_path == "v2" and version >= (11, 6) else "rest"
                )
                logger.debug("%s serves API %s (server %s)", self.rootURI, self.api_path, version)
            return self.api_path

    # -- requests ------------------------------------------------------------------------

    def _url(self, path: str, use_root_uri: bool) -> str:
        return (self.rootURI if use_root_uri else self.serverURI) + path

    def _send(
        self,
        method: str,
        url: str,
        *,
        timeout: TimeoutSpec | None = None,
        stream: bool = False,
        **kwargs: Any,
    ) -> requests.Response:
        if url[:6].lower() == "https:":
            # Build (or fetch) the context here, so that configuration and NSS database
            # errors reach the caller as they are, not wrapped by requests.
            self.get_ssl_context()
        if timeout is None:
            timeout = self.timeout
        try:
            response = self.session.request(method, url, timeout=timeout, stream=stream, **kwargs)
        except requests.exceptions.Timeout as exc:
            raise _timeout_error(exc, method, url, timeout) from exc
        except requests.exceptions.ConnectionError as exc:
            # a handshake failure (SSLError) or a TLS 1.3 alert read after it
            tls_error = _tls_error_in(exc)
            if tls_error is not None:
                raise as_requests_ssl_error(tls_error, exc) from exc
            if pki.responses.is_read_timeout(exc):  # requests reads the body in request()
                raise pki.responses.body_timeout(exc, url, _read_seconds(timeout)) from exc
            raise
        if stream and response.status_code >= 400:
            # the error body, for handle_exceptions and callers, read within the limit
            self._load_error_body(response, timeout)
        response.raise_for_status()
        return response

    def _load_error_body(self, response: requests.Response, timeout: TimeoutSpec) -> None:
        try:
            pki.responses.read_body(
                response, self.max_response_size, timeout=_read_seconds(timeout)
            )
        except pki.responses.ResponseTooLargeError:
            response._content = b""  # too large to keep: the status still tells
        finally:
            response.close()

    def get(
        self,
        path: str,
        headers: Mapping[str, str] | None = None,
        params: Any = None,
        payload: Any = None,
        use_root_uri: bool = False,
        timeout: TimeoutSpec | None = None,
        *,
        stream: bool = False,
    ) -> requests.Response:
        """GET ``path`` (relative to the server URI); raises for HTTP errors.

        ``timeout`` None means the connection's (not "wait forever", as in requests).
        ``stream=True`` leaves the body unread (see ``read_json``), except for HTTP errors.
        """
        return self._send(
            "GET", self._url(path, use_root_uri), headers=headers, params=params,
            data=payload, timeout=timeout, stream=stream,
        )

    def post(
        self,
        path: str,
        payload: Any,
        headers: Mapping[str, str] | None = None,
        params: Any = None,
        use_root_uri: bool = False,
        *,
        timeout: TimeoutSpec | None = None,
        stream: bool = False,
    ) -> requests.Response:
        """POST ``payload`` to ``path``; raises for HTTP errors (``timeout``, ``stream``: as
        for ``get``)."""
        return self._send(
            "POST", self._url(path, use_root_uri), data=payload, headers=headers,
            params=params, timeout=timeout, stream=stream,
        )

    def put(
        self,
        path: str,
        payload: Any,
        headers: Mapping[str, str] | None = None,
        use_root_uri: bool = False,
        *,
        timeout: TimeoutSpec | None = None,
        stream: bool = False,
    ) -> requests.Response:
        """PUT ``payload`` to ``path``; raises for HTTP errors (``timeout``, ``stream``: as
        for ``get``)."""
        return self._send(
            "PUT", self._url(path, use_root_uri), data=payload, headers=headers,
            timeout=timeout, stream=stream,
        )

    def patch(
        self,
        path: str,
        payload: Any,
        headers: Mapping[str, str] | None = None,
        use_root_uri: bool = False,
        *,
        timeout: TimeoutSpec | None = None,
        stream: bool = False,
    ) -> requests.Response:
        """PATCH ``payload`` to ``path`` (partial updates of users and groups)."""
        return self._send(
            "PATCH", self._url(path, use_root_uri), data=payload, headers=headers,
            timeout=timeout, stream=stream,
        )

    def delete(
        self,
        path: str,
        headers: Mapping[str, str] | None = None,
        use_root_uri: bool = False,
        *,
        timeout: TimeoutSpec | None = None,
        stream: bool = False,
    ) -> requests.Response:
        """DELETE ``path``; raises for HTTP errors (``timeout``, ``stream``: as for ``get``)."""
        return self._send(
            "DELETE", self._url(path, use_root_uri), headers=headers, timeout=timeout,
            stream=stream,
        )

    def close(self) -> None:
        """Close pooled connections (the TLS context stays cached)."""
        self.session.close()

    def __enter__(self) -> PKIConnection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _password_kwargs(
    password: str | None,
    password_file: str | os.PathLike[str] | None,
    callback: PasswordCallback | None,
) -> dict[str, Any]:
    given = {
        "password": None if password is None else Secret(password),
        "password_file": None if password_file is None else os.path.expanduser(password_file),
        "password_callback": callback,
    }
    kwargs = {k: v for k, v in given.items() if v is not None}
    if len(kwargs) > 1:
        raise ValueError(
            "give only one of nssdb_password, nssdb_password_file and password_callback"
        )
    return kwargs


def _checked_size(value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"max_response_size must be a number of bytes above 0, not {value!r}")
    return value


def _seconds_of(timeout: Any) -> tuple[float | None, float | None]:
    """``(connect, read)`` seconds of a ``timeout=`` (None where it sets no number)."""
    if isinstance(timeout, tuple) and len(timeout) == 2:
        connect, read = timeout
    else:
        connect = read = timeout
    return (
        connect if isinstance(connect, (int, float)) else None,
        read if isinstance(read, (int, float)) else None,
    )


def _read_seconds(timeout: Any) -> float | None:
    return _seconds_of(timeout)[1]


def _within(seconds: float | None) -> str:
    return f"within {seconds:g} s" if seconds is not None else "in time"


def _timeout_error(
    exc: requests.exceptions.Timeout, method: str, url: str, timeout: Any
) -> requests.exceptions.Timeout:
    """requests' timeout error again, of the same class, saying which server did not answer
    what, within how long, and which setting changes that."""
    parts = urllib.parse.urlsplit(url)
    server = f"{parts.scheme}://{parts.netloc}"
    connect, read = _seconds_of(timeout)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        text = (
            f"{server} did not accept the connection {_within(connect)} (connect timeout; "
            "check the host and port, or raise timeout= or PKI_CLIENT_CONNECT_TIMEOUT)"
        )
    elif _handshake_timed_out(exc):
        text = (
            f"{server} accepted the connection but did not complete the TLS handshake "
            f"{_within(connect)} (connect timeout; is it a TLS port? Raise timeout= or "
            "PKI_CLIENT_CONNECT_TIMEOUT if it is only slow)"
        )
    else:
        text = (
            f"{server} did not answer {method} {parts.path or '/'} {_within(read)} (read "
            "timeout; raise timeout= or PKI_CLIENT_READ_TIMEOUT if the server is slow)"
        )
    return type(exc)(text, request=exc.request, response=exc.response)


def _handshake_timed_out(exc: BaseException) -> bool:
    """Whether a PKISSLSocket handshake timed out somewhere behind ``exc``."""
    return any(
        isinstance(e, socket.timeout) and HANDSHAKE_TIMEOUT in str(e) for e in _behind(exc)
    )


_API_PATHS = {"v1": "rest", "v2": "v2"}


class PKIClient:
    """A Dogtag server at ``url`` (upstream's entry point, used by FreeIPA).

    As upstream: ``url`` is kept parsed (``urllib.parse.ParseResult``); ``connect()`` reads
    the server info once and fills ``info``, ``server_version`` (a ``pki.util.Version``) and,
    unless ``api_version`` (``v1`` or ``v2``) was given, ``api_version``/``api_path``
    (``v2`` for 11.6.0 and later, else ``v1``/``rest``); the ``get_*`` methods connect when
    needed. ``api_path`` may also be set by hand (FreeIPA's ``support_v2`` does, then calls
    ``info_client.get_info()``). ``set_client_auth`` takes PEM files, as upstream, or a
    certificate from an NSS database. ``timeout`` and ``max_response_size`` are the
    connection's (see ``PKIConnection``).
    """

    def __init__(
        self,
        url: str,
        trust_env: bool | None = None,
        verify: bool | str | None = True,
        ca_bundle: str | Sequence[str] | None = None,
        api_version: str | None = None,
        *,
        timeout: TimeoutSpec | None = None,
        max_response_size: int | None = None,
    ) -> None:
        self.url = urllib.parse.urlparse(url)
        if self.url.scheme not in ("http", "https") or not self.url.hostname:
            raise PKIException(
                f"Unsupported server URL {url!r}: expected https://HOST[:PORT] (or http://)"
            )
        if api_version is not None and api_version not in _API_PATHS:
            raise PKIException(f"Unknown API version {api_version!r}: use 'v1' or 'v2'")
        port = self.url.port or (443 if self.url.scheme == "https" else 80)
        self.info: pki.info.Info | None = None
        self.server_version: pki.util.Version | None = None
        self.api_version = api_version
        self.api_path: str | None = _API_PATHS.get(api_version or "")
        self.connection = PKIConnection(
            protocol=self.url.scheme,
            hostname=self.url.hostname,
            port=str(port),
            accept="application/json",
            trust_env=trust_env,
            verify=verify,
            cert_paths=ca_bundle,
            timeout=timeout,
            max_response_size=max_response_size,
        )
        self._info_client: pki.info.InfoClient | None = None
        self._connect_lock = threading.RLock()

    def __repr__(self) -> str:
        return f"<PKIClient {urllib.parse.urlunparse(self.url)} api={self.api_path or '?'}>"

    @property
    def info_client(self) -> pki.info.InfoClient:
        """An ``InfoClient`` of this client (upstream's attribute).

        A new one on each access unless one was assigned: a client kept here would refer back
        to this PKIClient, and the cycle would keep every dropped PKIClient, its connection,
        TLS context and client key alive until the garbage collector runs (FreeIPA makes a
        PKIClient for each call).
        """
        return self._info_client or pki.info.InfoClient(self)

    @info_client.setter
    def info_client(self, value: pki.info.InfoClient | None) -> None:
        self._info_client = value

    def authenticate(self, username: str | None = None, password: str | None = None) -> None:
        """Use HTTP Basic authentication (when both are given)."""
        self.connection.authenticate(username, password)

    def set_client_auth(
        self,
        client_cert: str | None = None,
        client_key: str | None = None,
        *,
        nssdb: str | os.PathLike[str] | NSSDatabase | None = None,
        nickname: str | None = None,
        nssdb_password: str | None = None,
        nssdb_password_file: str | os.PathLike[str] | None = None,
        password_callback: PasswordCallback | None = None,
    ) -> None:
        """Authenticate with PEM files (upstream) or with a certificate from an NSS database."""
        if nssdb is not None:
            if client_cert is not None:
                raise ValueError("give either PEM files or nssdb=, not both")
            self.connection.set_authentication_nssdb(
                nssdb,
                nickname,
                nssdb_password=nssdb_password,
                nssdb_password_file=nssdb_password_file,
                password_callback=password_callback,
            )
        elif client_cert is not None:
            self.connection.set_authentication_cert(client_cert, client_key)
        else:
            raise ValueError("give client_cert (a PEM file) or nssdb=")

    def connect(self) -> None:
        """Read the server info; choose the API unless ``api_version`` says."""
        with self._connect_lock:
            logger.info("Connecting to %s", urllib.parse.urlunparse(self.url))
            info = self.info_client.get_info()
            if not info.version:
                raise PKIException("The server did not report its version")
            self.server_version = pki.util.Version(info.version)
            self.info = info
            if not self.api_version:
                if self.server_version >= pki.util.Version("11.6.0"):
                    self.api_version, self.api_path = "v2", "v2"
                else:
                    self.api_version, self.api_path = "v1", "rest"
            logger.debug("server %s, API %s (%s)", self.server_version, self.api_version,
                         self.api_path)

    def _ensure(self, attribute: str) -> Any:
        """``attribute``, after connecting when it is not known yet (once, across threads)."""
        value = getattr(self, attribute)
        if not value:
            with self._connect_lock:
                if not getattr(self, attribute):
                    self.connect()
                value = getattr(self, attribute)
        return value

    def get_info(self) -> pki.info.Info:
        """The server's ``Info`` (connecting first if needed)."""
        return self._ensure("info")

    def get_server_version(self) -> pki.util.Version:
        """The server's release version (``pki.util.Version``)."""
        return self._ensure("server_version")

    def get_api_version(self) -> str:
        """``v1`` or ``v2``."""
        return str(self._ensure("api_version"))

    def get_api_path(self) -> str:
        """``rest`` or ``v2``: the path segment resource clients use."""
        return str(self._ensure("api_path"))

    def close(self) -> None:
        """Close the connection's pooled connections."""
        self.connection.close()
