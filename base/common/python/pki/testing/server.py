"""A Dogtag-compatible CA + KRA REST server over real HTTPS, for tests and the demo.

Run it::

    python -m pki.testing.server --port 0 --state-dir DIR [--host 127.0.0.1]
        [--client-ca PEMFILE ...] [--require-client-cert] [--version 11.7.0] [--oaep]
        [--user NAME[:GROUP,...] ...] [--freeipa-acls]

On first use it creates in DIR a CA, a server certificate for localhost/127.0.0.1/::1, a KRA
transport certificate and an agent NSS database (``DIR/nssdb``, nickname ``PKI Administrator``,
password in ``DIR/password.conf``). The agent's certificate belongs to the admin users that
``pkispawn`` creates: ``caadmin`` on the CA (Administrators, Certificate Manager Agents,
Security Domain Administrators, Enterprise CA Administrators) and ``kraadmin`` on the KRA
(Administrators, Data Recovery Manager Agents, Enterprise KRA Administrators); both also
accept HTTP Basic with the password in ``DIR/admin-password``. Later starts reuse all of it
and the stored certificates, requests, keys, users, profiles and authorities.

``--user NAME[:GROUP,...]`` makes (once) a user on the CA and the KRA with a certificate of
its own in ``DIR/users/NAME/nssdb`` (nickname NAME, password in
``DIR/users/NAME/password.conf``), a member of the listed groups of each subsystem that has
them; with no groups it is an authenticated non-agent. ``--freeipa-acls`` adds the ACL
grants FreeIPA's installer adds (see ``pki.testing.dogtag.security``) and, as its installer
does, the ACME responder (``/acme``, disabled, see ``pki.testing.dogtag.acme``) with the CA
group Enterprise ACME Administrators.

When it is ready it prints exactly one JSON line on stdout::

    {"url": ..., "nssdb": ..., "nickname": ..., "password_file": ..., "ca_cert": ...}

(plus ``"users": {NAME: {"nssdb", "nickname", "password_file"}}`` when ``--user`` was
given) and logs to stderr. SIGTERM or SIGINT stop it (exit 0). Tests use
``DogtagTestServer``, which serves the same thing from a background thread and has
``add_user()`` for extra users. The resources themselves live in ``pki.testing.dogtag``.
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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from pki.testing.certs import IssuedCert, generate_key
from pki.testing.dogtag import bootstrap
from pki.testing.dogtag.acme import ACMEResources
from pki.testing.dogtag.admin import AdminResources
from pki.testing.dogtag.authorities import AuthorityRegistry, AuthorityResources
from pki.testing.dogtag.ca_certs import CACertResources, CertRepository
from pki.testing.dogtag.ca_requests import CARequestResources
from pki.testing.dogtag.common import CommonResources
from pki.testing.dogtag.http import Dispatcher, DogtagHTTPServer, Route
from pki.testing.dogtag.kra import KRAResources
from pki.testing.dogtag.profile_admin import ProfileResources
from pki.testing.dogtag.profiles import ProfileStore
from pki.testing.dogtag.security import ACME_ADMIN_ROLES, AccessControl, Authenticator
from pki.testing.dogtag.securitydomain import SecurityDomainResources, host_entry
from pki.testing.dogtag.store import STATE_FILE, Store
from pki.testing.dogtag.system import FeatureResources, StatusResource
from pki.testing.dogtag.usergroups import ADMIN_GROUPS, ADMIN_USER_IDS, UserDB

__all__ = ["DogtagTestServer", "TestUser", "main"]

logger = logging.getLogger("pki.testing.server")

SERVER_NAME = "Dogtag Test Server"
DEFAULT_VERSION = "11.7.0"
SUBSYSTEMS = ("ca", "kra")
HOSTNAME = "localhost"
ACME_ADMINS = ACME_ADMIN_ROLES[1]  # the group FreeIPA's installer makes for ipa-acme-manage
# auths.revocationChecking.enabled in each subsystem's CS.cfg
REVOCATION_CHECKING = {"ca": True, "kra": False}


@dataclass
class TestUser:
    """A user of the test server with a certificate in an NSS database of its own.

    ``identity`` holds the certificate and, in memory only, its key, for tests that need
    PEM files (write them to a temporary directory and remove it). ``groups`` maps each
    subsystem to the groups the user is a member of there.
    """

    __test__ = False  # not a pytest test class

    user_id: str
    nickname: str
    nssdb: Path
    password_file: Path
    identity: IssuedCert = field(repr=False)
    groups: dict[str, tuple[str, ...]]
    password: str | None = field(default=None, repr=False)

    @property
    def cert(self) -> x509.Certificate:
        return self.identity.cert

    @property
    def nss_info(self) -> dict[str, str]:
        """``nssdb``/``nickname``/``password_file``, as the JSON start line gives them."""
        return {
            "nssdb": str(self.nssdb),
            "nickname": self.nickname,
            "password_file": str(self.password_file),
        }


class DogtagTestServer:
    """The test server; ``start()``/``stop()`` or use it as a context manager.

    ``port=0`` picks a free port (see ``.port`` after ``start()``). ``client_cas`` are PEM
    files of extra CAs whose client certificates the TLS layer accepts (a certificate still
    has to belong to a user, see ``register_cert``). ``version`` is what ``/pki/rest/info``
    reports; below 11.6 the ``/v1/`` and ``/v2/`` paths do not exist. ``oaep`` makes the KRA
    expect RSA-OAEP (SHA-256) wrapped session keys. ``freeipa_acls`` adds FreeIPA's ACL
    grants, the ACME responder and its Enterprise ACME Administrators group. ``users`` are
    ``(user_id, groups)`` pairs made as ``add_user`` makes them.
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
        freeipa_acls: bool = False,
        users: Sequence[tuple[str, Sequence[str]]] = (),
    ) -> None:
        self.state_dir = Path(state_dir).resolve()
        self.host = host
        self.requested_port = port
        self.client_cas = [Path(p) for p in client_cas]
        self.require_client_cert = require_client_cert
        self.version = version
        self.oaep = oaep
        self.freeipa_acls = freeipa_acls
        self._httpd: DogtagHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.materials = self._load_state()
        self.users: dict[str, TestUser] = {}
        for user_id, groups in users:
            self.add_user(user_id, groups)

    # -- setup ---------------------------------------------------------------------------

    def _load_state(self) -> bootstrap.Materials:
        if bootstrap.is_initialised(self.state_dir, STATE_FILE):
            materials = bootstrap.load(self.state_dir)
            self.store = Store.open(self.state_dir / STATE_FILE)
            logger.info("reusing state in %s", self.state_dir)
        else:
            materials = bootstrap.create(self.state_dir, first_serial=1)
            self.store = Store.open(self.state_dir / STATE_FILE)
        self.repo = CertRepository(self.store, materials.ca)
        self.userdbs = {sub: UserDB(self.store, sub) for sub in SUBSYSTEMS}
        self.profiles = ProfileStore(self.store)
        self.authorities = AuthorityRegistry(self.repo, self.profiles, self.state_dir)
        self.repo.issuer_chain = self.authorities.issuer_chain
        with self.store.transaction():
            if materials.new_certs:
                self.store.reserve("serial", 4)
                for cert in materials.new_certs:
                    self.repo.add(cert, "system")
            agent_cert = materials.agent_cert or self._stored_agent_cert()
            for sub, db in self.userdbs.items():
                db.seed_groups()
                if agent_cert is not None:
                    db.ensure_user(
                        ADMIN_USER_IDS[sub],
                        ADMIN_USER_IDS[sub],
                        ADMIN_GROUPS[sub],
                        email=f"{ADMIN_USER_IDS[sub]}@example.com",
                        certs=[agent_cert],
                        password=materials.admin_password,
                    )
            if self.freeipa_acls and self.userdbs["ca"].group_key(ACME_ADMINS) is None:
                self.userdbs["ca"].add_group(ACME_ADMINS, "ACME RA accounts")  # FreeIPA's
            self.profiles.seed()
        return materials

    def _stored_agent_cert(self) -> x509.Certificate | None:
        """The agent certificate of a state directory made before ``agent.pem`` existed."""
        for _, _, cert in self.repo.all():
            cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
            if cns and cns[0].value == bootstrap.AGENT_NICKNAME:
                return cert
        return None

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

    def _routes(self, port: int) -> dict[str, list[Route]]:
        authenticator = self._authenticator()
        requests = CARequestResources(self.repo, self.profiles, self.authorities, authenticator)
        certs = CACertResources(self.repo, self.materials.transport_cert, requests.record_completed)
        kra = KRAResources(
            self.store,
            self.repo,
            self.materials.transport_cert,
            self.materials.transport_key,
            oaep=self.oaep,
        )
        common = CommonResources(SERVER_NAME, self.version)
        ca_domain = SecurityDomainResources(self.store, self.userdbs["ca"], serves=True)
        ca_domain.register_self(
            [
                host_entry("CA", HOSTNAME, port, domain_manager=True),
                host_entry("KRA", HOSTNAME, port, domain_manager=False),
            ]
        )
        kra_domain = SecurityDomainResources(self.store, self.userdbs["kra"], serves=False)
        return {
            "pki": common.routes("pki"),
            "ca": [
                *common.routes("ca"),
                *certs.routes(),
                *requests.routes(),
                *ProfileResources(self.profiles).routes(),
                *AuthorityResources(self.authorities).routes(),
                *AdminResources(self.userdbs["ca"]).routes(),
                *ca_domain.routes(),
                *FeatureResources().routes(),
                *StatusResource("ca", self.version).routes(),
            ],
            "kra": [
                *common.routes("kra"),
                *kra.routes(),
                *AdminResources(self.userdbs["kra"]).routes(),
                *kra_domain.routes(),
                *StatusResource("kra", self.version).routes(),
            ],
            "acme": ACMEResources(self.store).routes() if self.freeipa_acls else [],
        }

    def _authenticator(self) -> Authenticator:
        # the ACME realm is the CA's users and groups (FreeIPA's DSRealm over o=ipaca)
        realms = {**self.userdbs, "acme": self.userdbs["ca"]}
        return Authenticator(realms, self.repo.is_revoked, REVOCATION_CHECKING)

    # -- users ---------------------------------------------------------------------------

    def _groups_by_subsystem(
        self, groups: Iterable[str], subsystems: Sequence[str]
    ) -> dict[str, tuple[str, ...]]:
        """Each requested group on every subsystem that has it; unknown groups are errors."""
        wanted = list(groups)
        placed: dict[str, tuple[str, ...]] = {sub: () for sub in subsystems}
        unknown = []
        with self.store.lock:
            for name in wanted:
                found = False
                for sub in subsystems:
                    key = self.userdbs[sub].group_key(name)
                    if key is not None:
                        placed[sub] += (key,)
                        found = True
                if not found:
                    unknown.append(name)
        if unknown:
            raise ValueError(
                f"no such group on {'/'.join(subsystems)}: {', '.join(unknown)} "
                "(see pki.testing.dogtag.usergroups for the default groups)"
            )
        return placed

    def register_cert(
        self,
        user_id: str,
        cert: x509.Certificate,
        groups: Iterable[str] = (),
        *,
        full_name: str | None = None,
        email: str = "",
        password: str | None = None,
        subsystems: Sequence[str] = SUBSYSTEMS,
    ) -> dict[str, tuple[str, ...]]:
        """Make ``user_id`` (if needed) on ``subsystems``, map ``cert`` to it and add it to
        ``groups`` (on each subsystem that has them); returns the groups per subsystem."""
        placed = self._groups_by_subsystem(groups, subsystems)
        with self.store.transaction():
            for sub in subsystems:
                self.userdbs[sub].ensure_user(
                    user_id,
                    full_name or user_id,
                    placed[sub],
                    email=email,
                    certs=[cert],
                    password=password,
                )
        return placed

    def _issue_user_cert(self, common_name: str, user_id: str, email: str) -> IssuedCert:
        key = generate_key("rsa")
        attrs = [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, self._organization()),
            x509.NameAttribute(NameOID.USER_ID, user_id),
        ]
        if email:
            attrs.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
        with self.store.transaction():
            serial = self.store.next_id("serial")
            cert = self.materials.ca.sign(
                x509.Name(attrs), key.public_key(), usages=("client",), serial_number=serial
            )
            self.repo.add(cert, "system")
        return IssuedCert(cert, key, [self.materials.ca.cert])

    def _organization(self) -> str:
        orgs = self.materials.ca.cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        return str(orgs[0].value) if orgs else "Dogtag Test"

    def add_user(
        self,
        user_id: str,
        groups: Iterable[str] = (),
        *,
        full_name: str | None = None,
        email: str = "",
        password: str | None = None,
        subsystems: Sequence[str] = SUBSYSTEMS,
        directory: str | Path | None = None,
    ) -> TestUser:
        """A user with a new certificate in its own NSS database (nickname = ``user_id``).

        The database goes to ``directory`` (default ``DIR/users/<user_id>``, reused when it
        exists) with its random password in ``password.conf`` beside it; the key exists only
        there and in the returned ``TestUser.identity``. ``groups`` are group names of the
        subsystems (no groups: an authenticated user that is nobody's agent); ``password``
        enables HTTP Basic for the user. Calling it again for the same user adds groups.
        """
        if not user_id or "/" in user_id or user_id.startswith("."):
            raise ValueError(f"unusable user ID {user_id!r}: give a plain name")
        base = Path(directory) if directory else self.state_dir / bootstrap.USERS_DIR / user_id
        nssdb, password_conf = base / "nssdb", base / "password.conf"
        existing = self.users.get(user_id)
        if existing is not None and existing.nssdb == nssdb:
            identity = existing.identity
        else:
            identity = self._issue_user_cert(full_name or user_id, user_id, email)
            bootstrap.write_identity_db(
                nssdb, password_conf, user_id, identity, self.materials.ca.cert
            )
        self.register_cert(
            user_id,
            identity.cert,
            groups,
            full_name=full_name,
            email=email,
            password=password,
            subsystems=subsystems,
        )
        with self.store.lock:
            memberships = {sub: tuple(self.userdbs[sub].groups_of(user_id)) for sub in subsystems}
        user = TestUser(user_id, user_id, nssdb, password_conf, identity, memberships, password)
        self.users[user_id] = user
        return user

    def issue_client_cert(
        self,
        common_name: str,
        *,
        user_id: str | None = None,
        groups: Sequence[str] | None = None,
        register: bool = True,
        **kwargs: Any,
    ) -> IssuedCert:
        """A client certificate from the server's CA, in memory (for PEM-based tests).

        It is recorded as issued (with the next serial number), so it can be revoked.
        With ``register`` (the default) it belongs to ``user_id`` (default: the common name),
        a member of ``groups`` (default: the admin's groups on each subsystem, i.e. an agent
        and administrator like ``caadmin``). Without, it maps to nobody (a 401 on login).
        Keyword arguments go to ``CA.issue_cert``.
        """
        kwargs.setdefault("usages", ("client",))
        with self.store.transaction():
            kwargs.setdefault("serial_number", self.store.next_id("serial"))
            issued = self.materials.ca.issue_cert(common_name, **kwargs)
            self.repo.add(issued.cert, "system")
        if register and groups is not None:
            self.register_cert(user_id or common_name, issued.cert, groups)
        elif register:
            for sub in SUBSYSTEMS:  # exactly the admin's groups on each subsystem
                self.register_cert(
                    user_id or common_name, issued.cert, ADMIN_GROUPS[sub], subsystems=(sub,)
                )
        return issued

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> DogtagTestServer:
        """Bind, and serve from a daemon thread."""
        if self._httpd is not None:
            return self
        dispatcher = Dispatcher(
            {},
            self.version,
            self._authenticator(),
            AccessControl(freeipa_acls=self.freeipa_acls),
        )
        self._httpd = DogtagHTTPServer(
            (self.host, self.requested_port), self._ssl_context(), dispatcher
        )
        dispatcher.routes = self._routes(self._httpd.server_port)
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
    def admin_password(self) -> str:
        """The HTTP Basic password of ``caadmin`` and ``kraadmin``."""
        if self.materials.admin_password is None:
            raise RuntimeError(f"no {bootstrap.ADMIN_PASSWORD} in {self.state_dir}")
        return self.materials.admin_password

    @property
    def admin_user_ids(self) -> dict[str, str]:
        """The admin user of each subsystem (the agent certificate's users)."""
        return dict(ADMIN_USER_IDS)

    @property
    def info(self) -> dict[str, Any]:
        """The start contract: the same dict as the JSON line the CLI prints."""
        info: dict[str, Any] = {
            "url": self.url,
            "nssdb": str(self.materials.nssdb_path),
            "nickname": bootstrap.AGENT_NICKNAME,
            "password_file": str(self.materials.password_file),
            "ca_cert": str(self.materials.ca_cert_path),
        }
        if self.users:
            info["users"] = {uid: user.nss_info for uid, user in self.users.items()}
        return info


def _user_spec(text: str) -> tuple[str, list[str]]:
    """``NAME[:GROUP,...]`` → (name, groups)."""
    name, _, groups = text.partition(":")
    if not name.strip():
        raise argparse.ArgumentTypeError(f"--user {text!r}: a user name is needed before ':'")
    return name.strip(), [g.strip() for g in groups.split(",") if g.strip()]


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
        help="also accept TLS client certificates this CA issued (repeatable)",
    )
    parser.add_argument(
        "--require-client-cert", action="store_true", help="refuse TLS clients without a cert"
    )
    parser.add_argument("--version", default=DEFAULT_VERSION, help="version /pki/rest/info reports")
    parser.add_argument("--oaep", action="store_true", help="KRA session keys are RSA-OAEP wrapped")
    parser.add_argument(
        "--user",
        action="append",
        default=[],
        type=_user_spec,
        metavar="NAME[:GROUP,...]",
        help="a user with its own NSS database in DIR/users/NAME, member of these groups "
        "(repeatable; no groups: a non-agent)",
    )
    parser.add_argument(
        "--freeipa-acls",
        action="store_true",
        help="add the ACL grants, ACME responder and group FreeIPA's installer adds",
    )
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
    try:
        server = DogtagTestServer(
            args.state_dir,
            host=args.host,
            port=args.port,
            client_cas=args.client_ca,
            require_client_cert=args.require_client_cert,
            version=args.version,
            oaep=args.oaep,
            freeipa_acls=args.freeipa_acls,
            users=args.user,
        )
    except ValueError as e:
        sys.stderr.write(f"ERROR: {e}\n")
        return 2
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
