"""The contenders, behind one tiny interface: ``get(path, headers=None)``, ``post(path,
data)`` and ``close()``.

(a) ``pki.client.PKIConnection(nssdb=...)``: identity and trust read from the NSS database.
(b) ``requests.Session()`` with ``cert=(pem, key)`` and ``verify=ca.pem``: the status quo
    (what upstream dogtag-pki does).
(c) cold start only: export the identity with ``pk12util`` and ``openssl pkcs12`` to PEM
    first, then (b) (what FreeIPA and Dogtag's own tooling do today).
(d) ``http.client.HTTPSConnection`` with ``pki.tls.create_ssl_context(nssdb=...)``: the
    standard library with the database's identity and trust (issue 13).
(e) ``http.client.HTTPSConnection`` with an ``ssl.SSLContext`` loaded from the PEM files,
    as FreeIPA's ``create_https_connection`` makes it: (d)'s status quo.

Cold start runs each contender as a fresh ``python -c`` process; the scripts are below, their
parameters come on the command line.
"""

from __future__ import annotations

import http.client
import ssl

import requests
from fixtures import Credentials

LABELS = {
    "a": "(a) NSSDB",
    "b": "(b) PEM",
    "c": "(c) export",
    "d": "(d) stdlib NSSDB",
    "e": "(e) stdlib PEM",
}

# Sent by both contenders to get a new TCP + TLS connection for every request.
CLOSE = {"Connection": "close"}


class NSSClient:
    """(a): one PKIConnection; its context is built once and reused for every connection."""

    def __init__(self, creds: Credentials, port: int) -> None:
        from pki.client import PKIConnection

        self.conn = PKIConnection(
            "https",
            "127.0.0.1",
            str(port),
            nssdb=creds.nssdb,
            nickname=creds.nickname,
            nssdb_password_file=str(creds.password_conf),
        )

    def get(self, path: str, headers: dict[str, str] | None = None) -> requests.Response:
        # subsystem=None: serverURI is https://127.0.0.1:port and get() prepends it.
        return self.conn.get(path, headers=headers)

    def post(self, path: str, data: bytes) -> requests.Response:
        return self.conn.post(path, payload=data)

    def close(self) -> None:
        close = getattr(self.conn, "close", None) or self.conn.session.close
        close()


class PEMClient:
    """(b): a plain requests.Session with PEM files, as upstream dogtag-pki uses it."""

    def __init__(self, creds: Credentials, port: int) -> None:
        self.base = f"https://127.0.0.1:{port}"
        self.cert = (str(creds.cert_pem), str(creds.key_pem))
        self.verify = str(creds.ca_pem)
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json"  # as PKIConnection sends

    def get(self, path: str, headers: dict[str, str] | None = None) -> requests.Response:
        # cert and verify per request: a Session-level verify loses to REQUESTS_CA_BUNDLE.
        response = self.session.get(
            self.base + path, headers=headers, cert=self.cert, verify=self.verify
        )
        response.raise_for_status()  # PKIConnection.get raises for HTTP errors too
        return response

    def post(self, path: str, data: bytes) -> requests.Response:
        response = self.session.post(
            self.base + path, data=data, cert=self.cert, verify=self.verify
        )
        response.raise_for_status()
        return response

    def close(self) -> None:
        self.session.close()


class Body:
    """What the scenarios read of a response: ``content`` and ``text``."""

    def __init__(self, content: bytes) -> None:
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode()


class StdlibClient:
    """(d) and (e): one ``http.client.HTTPSConnection`` with the given context. It keeps its
    connection alive, and opens a new one for the request after a ``Connection: close``."""

    def __init__(self, context: ssl.SSLContext, port: int) -> None:
        self.conn = http.client.HTTPSConnection("127.0.0.1", port, context=context)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Body:
        self.conn.request("GET", path, headers=headers or {})
        response = self.conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: HTTP {response.status}")
        return Body(body)

    def post(self, path: str, data: bytes) -> Body:
        raise NotImplementedError("the standard library scenarios only download")

    def close(self) -> None:
        self.conn.close()


def stdlib_nss_client(creds: Credentials, port: int) -> StdlibClient:
    """(d): the context from the NSS database (a new one per client, as (a) builds one)."""
    from pki.tls import create_ssl_context

    context = create_ssl_context(
        nssdb=creds.nssdb, nickname=creds.nickname, nssdb_password_file=str(creds.password_conf)
    )
    return StdlibClient(context, port)


def pem_ssl_context(creds: Credentials) -> ssl.SSLContext:
    """(e)'s context: what FreeIPA's create_https_connection builds from its PEM files."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.post_handshake_auth = True
    context.load_verify_locations(str(creds.ca_pem))
    context.load_cert_chain(str(creds.cert_pem), str(creds.key_pem))
    return context


def stdlib_pem_client(creds: Credentials, port: int) -> StdlibClient:
    return StdlibClient(pem_ssl_context(creds), port)


CLIENTS = {"a": NSSClient, "b": PEMClient, "d": stdlib_nss_client, "e": stdlib_pem_client}


def nss_unavailable(creds: Credentials, port: int) -> str | None:
    """Why contender (a) cannot run here, or None when one authenticated GET works."""
    try:
        import pki.client  # noqa: F401
    except Exception as e:  # ImportError, or a half-written module
        return f"pki.client not available ({type(e).__name__}: {e})"
    try:
        client = NSSClient(creds, port)
        try:
            client.get("/small.json")
        finally:
            client.close()
    except Exception as e:
        return f"PKIConnection(nssdb=...) failed ({type(e).__name__}: {e})"
    return None


COLDSTART_A = """\
import sys
from pki.client import PKIConnection
port, nssdb, nickname, password_conf = sys.argv[1:5]
conn = PKIConnection('https', '127.0.0.1', port, nssdb=nssdb, nickname=nickname,
                     nssdb_password_file=password_conf)
conn.get('/small.json')
"""

COLDSTART_B = """\
import sys
import requests
url, cert, key, ca = sys.argv[1:5]
requests.Session().get(url, cert=(cert, key), verify=ca).raise_for_status()
"""

COLDSTART_C = """\
import secrets, shutil, subprocess, sys, tempfile
import requests
url, nssdb, nickname, password_file, ca, scratch = sys.argv[1:7]
tmp = tempfile.mkdtemp(dir=scratch)
try:
    p12, pem, p12pw = tmp + '/id.p12', tmp + '/id.pem', secrets.token_hex(16)
    subprocess.run(['pk12util', '-o', p12, '-n', nickname, '-d', nssdb, '-k', password_file,
                    '-W', p12pw], check=True, capture_output=True)
    subprocess.run(['openssl', 'pkcs12', '-in', p12, '-clcerts', '-nodes',
                    '-passin', 'pass:' + p12pw, '-out', pem], check=True, capture_output=True)
    requests.Session().get(url, cert=pem, verify=ca).raise_for_status()
finally:
    shutil.rmtree(tmp)
"""


COLDSTART_D = """\
import sys, http.client
from pki.tls import create_ssl_context
port, nssdb, nickname, password_conf = sys.argv[1:5]
context = create_ssl_context(nssdb=nssdb, nickname=nickname, nssdb_password_file=password_conf)
conn = http.client.HTTPSConnection('127.0.0.1', int(port), context=context)
conn.request('GET', '/small.json')
assert conn.getresponse().status == 200
"""

COLDSTART_E = """\
import sys, http.client, ssl
port, cert, key, ca = sys.argv[1:5]
context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
context.post_handshake_auth = True
context.load_verify_locations(ca)
context.load_cert_chain(cert, key)
conn = http.client.HTTPSConnection('127.0.0.1', int(port), context=context)
conn.request('GET', '/small.json')
assert conn.getresponse().status == 200
"""


def coldstart_command(name: str, creds: Credentials, port: int, scratch: str) -> list[str]:
    """``[script, args...]`` for ``python -c``: open the credentials, one authenticated GET."""
    url = f"https://127.0.0.1:{port}/small.json"
    if name in ("a", "d"):
        script = COLDSTART_A if name == "a" else COLDSTART_D
        return [script, str(port), creds.nssdb, creds.nickname, str(creds.password_conf)]
    if name == "b":
        return [COLDSTART_B, url, str(creds.cert_pem), str(creds.key_pem), str(creds.ca_pem)]
    if name == "e":
        pem = [str(creds.cert_pem), str(creds.key_pem), str(creds.ca_pem)]
        return [COLDSTART_E, str(port), *pem]
    return [
        COLDSTART_C,
        url,
        creds.nssdb,
        creds.nickname,
        str(creds.password_file),
        str(creds.ca_pem),
        scratch,
    ]
