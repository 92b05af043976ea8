"""The contenders, behind one tiny interface: ``get(path, headers=None)``, ``post(path,
data)`` and ``close()``.

(a) ``pki.client.PKIConnection(nssdb=...)``: identity and trust read from the NSS database.
(b) ``requests.Session()`` with ``cert=(pem, key)`` and ``verify=ca.pem``: the status quo
    (what upstream dogtag-pki does).
(c) cold start only: export the identity with ``pk12util`` and ``openssl pkcs12`` to PEM
    first, then (b) (what FreeIPA and Dogtag's own tooling do today).

Cold start runs each contender as a fresh ``python -c`` process; the scripts are below, their
parameters come on the command line.
"""

from __future__ import annotations

import requests
from fixtures import Credentials

LABELS = {
    "a": "(a) NSSDB",
    "b": "(b) PEM",
    "c": "(c) export",
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


CLIENTS = {"a": NSSClient, "b": PEMClient}


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


def coldstart_command(name: str, creds: Credentials, port: int, scratch: str) -> list[str]:
    """``[script, args...]`` for ``python -c``: open the credentials, one authenticated GET."""
    url = f"https://127.0.0.1:{port}/small.json"
    if name == "a":
        return [COLDSTART_A, str(port), creds.nssdb, creds.nickname, str(creds.password_conf)]
    if name == "b":
        return [COLDSTART_B, url, str(creds.cert_pem), str(creds.key_pem), str(creds.ca_pem)]
    return [
        COLDSTART_C,
        url,
        creds.nssdb,
        creds.nickname,
        str(creds.password_file),
        str(creds.ca_pem),
        scratch,
    ]
