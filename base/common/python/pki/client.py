"""PKIConnection and PKIClient: python-requests sessions that authenticate from an NSS database.

Upstream's API is kept (positional parameters, ``get``/``post``/``put``/``delete``,
``set_authentication_cert``); what changes is where TLS comes from. Each connection builds one
``pki.tls.PKISSLContext`` at its first HTTPS request (from pki.conf, the NSS database and the
arguments), caches it, and mounts it through an adapter so that every request of every
resource client on the connection reuses it, with TLS sessions resumed across connections.

    conn = PKIConnection("https", "ca.example.com", "8443",
                         nssdb="~/.dogtag/nssdb", nickname="PKI Administrator",
                         nssdb_password_file="~/.dogtag/password.conf")
    conn.get("/ca/rest/certs").json()
"""

from __future__ import annotations

import logging
import os
import threading
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from pki import PKIException
from pki.conf import ConfSource
from pki.nssdb import NSSDatabase, PasswordCallback, Secret
from pki.tls import PKISSLContext, TLSError, build_context, resolve_config

__all__ = ["PKIConnection", "PKIClient", "PKIHTTPAdapter"]

logger = logging.getLogger(__name__)


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


def _tls_error_in(exc: BaseException) -> TLSError | None:
    """The TLSError somewhere inside requests' and urllib3's exception wrappers."""
    seen: set[int] = set()
    stack: list[Any] = [exc]
    while stack:
        item = stack.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, TLSError):
            return item
        stack.extend(item.args)
        stack.extend([getattr(item, "reason", None), item.__cause__, item.__context__])
    return None


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

    Creating a connection touches neither NSS nor the network; the TLS context is built at the
    first HTTPS request and shared by every request afterwards, from any thread.
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

        self.session = requests.Session()
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
        return PKIHTTPAdapter(self.get_ssl_context, pool_maxsize=self.POOL_SIZE)

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

    # -- requests ------------------------------------------------------------------------

    def _url(self, path: str, use_root_uri: bool) -> str:
        return (self.rootURI if use_root_uri else self.serverURI) + path

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        if url[:6].lower() == "https:":
            # Build (or fetch) the context here, so that configuration and NSS database
            # errors reach the caller as they are, not wrapped by requests.
            self.get_ssl_context()
        try:
            response = self.session.request(method, url, **kwargs)
        except requests.exceptions.SSLError as exc:
            tls_error = _tls_error_in(exc)
            if tls_error is not None:
                raise tls_error from exc
            raise
        response.raise_for_status()
        return response

    def get(
        self,
        path: str,
        headers: Mapping[str, str] | None = None,
        params: Any = None,
        payload: Any = None,
        use_root_uri: bool = False,
        timeout: float | tuple[float, float] | None = None,
    ) -> requests.Response:
        """GET ``path`` (relative to the server URI); raises for HTTP errors."""
        return self._send(
            "GET", self._url(path, use_root_uri), headers=headers, params=params,
            data=payload, timeout=timeout,
        )

    def post(
        self,
        path: str,
        payload: Any,
        headers: Mapping[str, str] | None = None,
        params: Any = None,
        use_root_uri: bool = False,
        timeout: float | tuple[float, float] | None = None,
    ) -> requests.Response:
        """POST ``payload`` to ``path``; raises for HTTP errors."""
        return self._send(
            "POST", self._url(path, use_root_uri), data=payload, headers=headers,
            params=params, timeout=timeout,
        )

    def put(
        self,
        path: str,
        payload: Any,
        headers: Mapping[str, str] | None = None,
        use_root_uri: bool = False,
        timeout: float | tuple[float, float] | None = None,
    ) -> requests.Response:
        """PUT ``payload`` to ``path``; raises for HTTP errors."""
        return self._send(
            "PUT", self._url(path, use_root_uri), data=payload, headers=headers, timeout=timeout
        )

    def delete(
        self,
        path: str,
        headers: Mapping[str, str] | None = None,
        use_root_uri: bool = False,
        timeout: float | tuple[float, float] | None = None,
    ) -> requests.Response:
        """DELETE ``path``; raises for HTTP errors."""
        return self._send(
            "DELETE", self._url(path, use_root_uri), headers=headers, timeout=timeout
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


_API_PATHS = {"v1": "rest", "rest": "rest", "v2": "v2"}


class PKIClient:
    """A Dogtag server at ``url`` (the newer upstream entry point, used by FreeIPA).

    ``get_api_path()`` answers ``v2`` for servers 11.6 and later and ``rest`` otherwise,
    asking the server once (``/pki/v2/info``, then ``/pki/rest/info``) unless
    ``api_version`` (``v1`` or ``v2``) says.
    """

    def __init__(
        self,
        url: str,
        trust_env: bool | None = None,
        verify: bool | str | None = True,
        ca_bundle: str | Sequence[str] | None = None,
        api_version: str | None = None,
    ) -> None:
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise PKIException(f"invalid server URL {url!r}: expected https://host[:port]")
        self.url = url.rstrip("/")
        self.api_version = api_version
        self.api_path: str | None = None
        if api_version is not None:
            if api_version not in _API_PATHS:
                raise PKIException(f"unknown API version {api_version!r}: use 'v1' or 'v2'")
            self.api_path = _API_PATHS[api_version]
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        self.connection = PKIConnection(
            parsed.scheme,
            parsed.hostname,
            str(port),
            trust_env=trust_env,
            verify=verify,
            cert_paths=ca_bundle,
        )
        self._api_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<PKIClient {self.url} api={self.api_path or 'unknown'}>"

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

    def connect(self) -> None:
        """Ask the server which API it serves (once)."""
        with self._api_lock:
            if self.api_path is None:
                self.api_path = self._detect_api_path()

    def _detect_api_path(self) -> str:
        for api in ("v2", "rest"):
            try:
                info = self.connection.get(f"/pki/{api}/info").json()
            except requests.exceptions.HTTPError as exc:
                if exc.response is not None and exc.response.status_code in (404, 405):
                    continue
                raise
            version = _version_tuple(str(info.get("Version", "")))
            return "v2" if api == "v2" and version >= (11, 6) else "rest"
        return "rest"

    def get_api_path(self) -> str:
        if self.api_path is None:
            self.connect()
        assert self.api_path is not None
        return self.api_path

    def close(self) -> None:
        self.connection.close()


def _version_tuple(text: str) -> tuple[int, ...]:
    numbers = []
    for part in text.split(".")[:3]:
        digits = "".join(ch for ch in part if ch.isdigit())
        numbers.append(int(digits) if digits else 0)
    return tuple(numbers)
