"""The state directory's key material: made on first start, reloaded on every later one.

Layout of DIR (everything a test server needs, nothing more):

``ca.pem`` / ``ca-key.pem``
    the CA that signs every certificate (key mode 0600: this is a test server);
``server.pem`` / ``server-key.pem``
    the TLS certificate for localhost, 127.0.0.1 and ::1 (with the CA appended) and its key;
``transport.pem`` / ``transport-key.pem``
    the KRA transport certificate (RSA 2048) and its key, used to unwrap session keys;
``nssdb/`` and ``password.conf``
    the agent's NSS database (sql) with ``PKI Administrator`` (u,u,u) and the CA (CT,C,C),
    and its random password as Dogtag writes it (``internal=...``, mode 0600);
``agent.pem``
    the agent's certificate (public), which the admin users ``caadmin`` (CA) and
    ``kraadmin`` (KRA) are mapped to, as ``pkispawn`` maps its admin certificate;
``admin-password``
    the admin users' random HTTP Basic password (one line, mode 0600);
``authorities/``
    the keys of lightweight CAs (mode 0600, see ``authorities``);
``users/<id>/``
    an NSS database and ``password.conf`` per extra user (``DogtagTestServer.add_user``).

Private keys of users only ever exist inside NSS databases: they go in through a PKCS#12
blob in a private temporary directory that ``TestNSSDB.cleanup`` removes.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from pki.testing.certs import CA, IssuedCert, generate_key
from pki.testing.nsstools import TestNSSDB

logger = logging.getLogger(__name__)

AGENT_NICKNAME = "PKI Administrator"
CA_NICKNAME = "CA Signing Certificate"

CA_CERT = "ca.pem"
CA_KEY = "ca-key.pem"
SERVER_CERT = "server.pem"
SERVER_KEY = "server-key.pem"
TRANSPORT_CERT = "transport.pem"
TRANSPORT_KEY = "transport-key.pem"
NSSDB = "nssdb"
PASSWORD_CONF = "password.conf"
AGENT_CERT = "agent.pem"
ADMIN_PASSWORD = "admin-password"
USERS_DIR = "users"
# Files holding private keys on purpose (documented above); nothing else in DIR may.
KEY_FILES = (CA_KEY, SERVER_KEY, TRANSPORT_KEY)


@dataclass
class Materials:
    """What the server needs from DIR, loaded into memory."""

    state_dir: Path
    ca: CA
    transport_cert: x509.Certificate
    transport_key: rsa.RSAPrivateKey
    agent_cert: x509.Certificate | None
    admin_password: str | None
    #: certificates made during bootstrap (CA, server, transport, agent), to record as issued
    new_certs: list[x509.Certificate]

    @property
    def ca_cert_path(self) -> Path:
        return self.state_dir / CA_CERT

    @property
    def server_cert_path(self) -> Path:
        return self.state_dir / SERVER_CERT

    @property
    def server_key_path(self) -> Path:
        return self.state_dir / SERVER_KEY

    @property
    def nssdb_path(self) -> Path:
        return self.state_dir / NSSDB

    @property
    def password_file(self) -> Path:
        return self.state_dir / PASSWORD_CONF


def write_file(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write ``data`` atomically (temp file + rename) with ``mode`` from the start."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def key_pem(key: object) -> bytes:
    return key.private_bytes(  # type: ignore[attr-defined, no-any-return]
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def is_initialised(state_dir: Path, marker: str) -> bool:
    """True when DIR holds a complete setup (the state file is written last)."""
    needed = (CA_CERT, CA_KEY, SERVER_CERT, SERVER_KEY, TRANSPORT_CERT, TRANSPORT_KEY)
    return (state_dir / marker).exists() and all((state_dir / n).exists() for n in needed)


def load(state_dir: Path) -> Materials:
    """Load the material of an initialised DIR."""
    ca = CA.from_pem((state_dir / CA_CERT).read_bytes(), (state_dir / CA_KEY).read_bytes())
    transport_cert = x509.load_pem_x509_certificate((state_dir / TRANSPORT_CERT).read_bytes())
    key = serialization.load_pem_private_key(
        (state_dir / TRANSPORT_KEY).read_bytes(), password=None
    )
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the transport key must be RSA")
    agent_path, password_path = state_dir / AGENT_CERT, state_dir / ADMIN_PASSWORD
    agent = x509.load_pem_x509_certificate(agent_path.read_bytes()) if agent_path.exists() else None
    password = password_path.read_text().strip() if password_path.exists() else None
    return Materials(state_dir, ca, transport_cert, key, agent, password, [])


def create(state_dir: Path, first_serial: int = 1) -> Materials:
    """Make a fresh CA, server and transport certificates and the agent NSS database.

    Serial numbers ``first_serial`` .. ``first_serial + 2`` go to the server, transport and
    agent certificates, so the caller can record them as issued by the CA.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(state_dir, 0o700)
    for stale in (NSSDB,):
        shutil.rmtree(state_dir / stale, ignore_errors=True)

    tag = secrets.token_hex(4)
    ca = CA("CA Signing Certificate", organization=f"Dogtag Test {tag}")
    write_file(state_dir / CA_KEY, key_pem(ca.key), 0o600)
    write_file(state_dir / CA_CERT, ca.cert_pem)

    server_key = generate_key("rsa")
    server_cert = ca.sign(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]),
        server_key.public_key(),
        usages=("server",),
        dns_names=("localhost",),
        ip_addresses=("127.0.0.1", "::1"),
        serial_number=first_serial,
    )
    write_file(state_dir / SERVER_KEY, key_pem(server_key), 0o600)
    write_file(state_dir / SERVER_CERT, _pem(server_cert) + ca.cert_pem)

    transport_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    transport_cert = ca.sign(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "DRM Transport Certificate")]),
        transport_key.public_key(),
        usages=(),
        serial_number=first_serial + 1,
    )
    write_file(state_dir / TRANSPORT_KEY, key_pem(transport_key), 0o600)
    write_file(state_dir / TRANSPORT_CERT, _pem(transport_cert))

    agent_key = generate_key("rsa")
    agent_cert = ca.sign(
        x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"Dogtag Test {tag}"),
                x509.NameAttribute(NameOID.EMAIL_ADDRESS, "caadmin@example.com"),
                x509.NameAttribute(NameOID.COMMON_NAME, AGENT_NICKNAME),
            ]
        ),
        agent_key.public_key(),
        usages=("client",),
        serial_number=first_serial + 2,
    )
    write_identity_db(
        state_dir / NSSDB,
        state_dir / PASSWORD_CONF,
        AGENT_NICKNAME,
        IssuedCert(agent_cert, agent_key, [ca.cert]),
        ca.cert,
    )
    write_file(state_dir / AGENT_CERT, _pem(agent_cert))
    admin_password = secrets.token_urlsafe(18)
    write_file(state_dir / ADMIN_PASSWORD, admin_password.encode() + b"\n", 0o600)
    logger.info("created CA, server, transport and agent certificates in %s", state_dir)
    new_certs = [ca.cert, server_cert, transport_cert, agent_cert]
    return Materials(
        state_dir, ca, transport_cert, transport_key, agent_cert, admin_password, new_certs
    )


def write_identity_db(
    directory: Path,
    password_conf: Path,
    nickname: str,
    identity: IssuedCert,
    ca_cert: x509.Certificate,
) -> None:
    """Make an NSS database (random password) holding ``identity`` and trusting the CA.

    The password goes to ``password_conf`` (``internal=...``, mode 0600), the key only into
    the database.
    """
    shutil.rmtree(directory, ignore_errors=True)
    directory.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    db = TestNSSDB(directory, secrets.token_urlsafe(24), "sql")
    db.add_ca(CA_NICKNAME, ca_cert, "CT,C,C")
    db.add_identity(nickname, identity)
    db.write_password_conf(password_conf)
    os.chmod(password_conf, 0o600)
