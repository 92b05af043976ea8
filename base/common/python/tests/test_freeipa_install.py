"""FreeIPA master's installer and admin-tool uses of ``pki``, call for call, on the test server.

``test_freeipa_ra`` covers the RA backend (``ipaserver/plugins/dogtag.py``, ``vault.py``); this
module covers the rest of FreeIPA's server code that drives this package:

* ``ipaserver/install/certs.py``: ``CertDB.pki_issue_ra_certificate`` (the CA admin's
  credentials from ``ca_admin.p12``, ``https://localhost:8443``, ``verify=False``, profile
  ``caSubsystemCert``: the request waits for approval and ``enroll_cert`` approves it) and
  ``CertDB.pki_issue_certificate`` (the RA agent's PEM files, a FreeIPA profile that
  authenticates the agent, as for the HTTP, LDAP and KDC certificates): a ``PKIClient``, then
  ``CertClient(CAClient(pki_client)).enroll_cert(profile, inputs)[0]``, checks of
  ``request_status``/``operation_result``, ``get_cert(result.cert.serial_number).encoded``
  written to the certificate file;
* ``ipaserver/install/dogtaginstance.py``: ``get_security_domain`` (an anonymous
  ``PKIClient(url=..., ca_bundle=...)``, ``SecurityDomainClient(SubsystemClient(pki_client,
  'ca')).get_domain_info()``) and ``is_installing_replica`` (``info.subsystems[type].hosts``,
  ``KeyError`` when the type is absent); its ``pki.util.Version`` gates around
  ``pkispawn``/``pkidestroy``;
* ``ipaserver/install/ipa_acme_manage.py``: the ``acme_state`` backend (``APIClient`` on port
  8443, then ``pki.acme.ACMEClient(pki_client).enable()``/``disable()``), the status that
  ``ipapython.dogtag.acme_status`` reads from ``GET /acme/directory`` with ``http.client``
  (200 enabled, 503 disabled), and the pruning command's version gate;
* ``ipaserver/install/ca.py``: the random-serial-number and HSM version gates.

The emulations are written for these tests (FreeIPA's code is not copied). Every flow that
authenticates runs twice, like ``test_freeipa_ra``: with PEM files, as FreeIPA does, and with
the same certificate in an NSS database. The version gates read ``pki.specification_version()``
from a ``VERSION`` file that says what the test server reports (on a Dogtag host the package
and the server are one).
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pki
import pki.acme
import pki.ca
import pki.cert
import pki.client
import pki.info
import pki.subsystem
import pki.system
import pki.util
import pytest
import requests
import urllib3
from client_helpers import make_csr, unique
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pki.testing.dogtag.usergroups import ADMIN_GROUPS
from pki.testing.server import DogtagTestServer, TestUser
from server_fixtures import RA_AGENT_GROUPS, write_pem
from test_freeipa_ra import APIClient as RAAPIClient
from test_freeipa_ra import IPAEnv, _auth_setter, certprofile_import, support_v2
from test_testing_server_profiles import IPA_STYLE_PROFILE

logger = logging.getLogger(__name__)

RA_AGENT_PROFILE = "caSubsystemCert"  # ipalib.constants
PYTHON_PATH = str(Path(pki.__file__).resolve().parent.parent)

# --- certs.py: CertDB.pki_issue_ra_certificate / pki_issue_certificate ------------------------


def _enroll(
    env: IPAEnv, profile: str, csr: str
) -> tuple[pki.cert.CertEnrollmentResult, pki.cert.CertClient]:
    """What both methods share: a ``verify=False`` PKIClient with the credentials, a
    ``CertClient`` on it and the enrolment's first result (the checks differ)."""
    pki_client = pki.client.PKIClient(url=env.url, verify=False)
    pki_client.connection.session.hooks["response"].append(env._record)
    env.set_client_auth(pki_client)
    cert_client = pki.cert.CertClient(pki.ca.CAClient(pki_client))
    inputs = {"cert_request_type": "pkcs10", "cert_request": csr}
    with pytest.warns(urllib3.exceptions.InsecureRequestWarning):  # verify=False, as upstream
        result = cert_client.enroll_cert(profile, inputs)[0]
    return result, cert_client


def _write_cert(cert_client: pki.cert.CertClient, serial_number: Any, certfile: Path) -> None:
    """``get_cert(result.cert.serial_number).encoded`` into the certificate file."""
    with pytest.warns(urllib3.exceptions.InsecureRequestWarning):
        c = cert_client.get_cert(serial_number)
    certfile.write_text(c.encoded)


def pki_issue_ra_certificate(env: IPAEnv, csr: str, certfile: Path) -> None:
    """cainstance's RA agent certificate, requested with the CA admin's credentials."""
    result, cert_client = _enroll(env, RA_AGENT_PROFILE, csr)
    request_data = result.request
    if request_data.request_status != pki.cert.CertRequestStatus.COMPLETE:
        raise RuntimeError("The certificate submission is not complete")
    if request_data.operation_result != "success":
        raise RuntimeError("The certificate submission was not successful")
    _write_cert(cert_client, result.cert.serial_number, certfile)


def pki_issue_certificate(env: IPAEnv, profile: str, csr: str, certfile: Path) -> None:
    """The HTTP/LDAP/KDC certificates, requested with the RA agent's credentials."""
    result, cert_client = _enroll(env, profile, csr)
    if result.request.operation_result != "success":
        raise RuntimeError("The certificate submission was not successful")
    _write_cert(cert_client, result.cert.serial_number, certfile)


# --- dogtaginstance.py ------------------------------------------------------------------------


def get_security_domain(env: IPAEnv) -> pki.system.DomainInfo:
    """Anonymous, with the IPA CA file; the API path is found by the client."""
    pki_client = env.new_pki_client()
    sub_client = pki.subsystem.SubsystemClient(pki_client, "ca")
    domain_client = pki.system.SecurityDomainClient(sub_client)
    return domain_client.get_domain_info()


def is_installing_replica(env: IPAEnv, sys_type: str) -> bool:
    info = get_security_domain(env)
    try:
        sys_list = info.subsystems[sys_type]
        return len(sys_list.hosts) > 0
    except KeyError:
        return False


def installed_pki_version() -> pki.util.Version:
    return pki.util.Version(pki.specification_version())


def pkispawn_extra_args() -> list[str]:
    """spawn_instance: ``--log-file`` from 11.0.0 on."""
    return ["--log-file", "<log>"] if installed_pki_version() >= pki.util.Version("11.0.0") else []


def acme_uninstall_command() -> list[str] | None:
    """uninstall() for the ACME subsystem: nothing before 11.0, ``pki-server acme-remove``
    from 11.0 up to 11.6, ``pkidestroy ... --remove-conf --remove-logs`` from 11.6 on."""
    pki_version = installed_pki_version()
    if pki_version < pki.util.Version("11.0.0"):
        return None
    if pki.util.Version("11.0.0") <= pki_version < pki.util.Version("11.6.0"):
        return ["pki-server", "acme-remove"]
    args = ["pkidestroy", "-i", "pki-tomcat", "--force", "-s", "ACME"]
    if pki_version >= pki.util.Version("11.0.0"):
        args += ["--log-file", "<log>"]
    if pki_version >= pki.util.Version("11.6.0"):
        args += ["--remove-conf", "--remove-logs"]
    return args


# --- ca.py and ipa_acme_manage.py's gates -----------------------------------------------------


def random_serial_numbers_version(enabled: bool) -> tuple[Any, Any]:
    if not enabled:
        return None, None
    pki_version = installed_pki_version()
    return pki_version >= pki.util.Version("11.2.0"), pki_version


def random_serial_numbers_validator(enabled: bool) -> None:
    val, pki_version = random_serial_numbers_version(enabled)
    if val is False:
        raise ValueError(
            "Random Serial Numbers are not supported in PKI version %s" % pki_version  # noqa: UP031
        )


def hsm_version() -> tuple[bool, pki.util.Version]:
    pki_version = installed_pki_version()
    return pki_version >= pki.util.Version("11.5.0"), pki_version


def pruning_check() -> None:
    pki_version = installed_pki_version()
    if pki_version < pki.util.Version("11.3.0"):
        raise RuntimeError(
            "Certificate pruning is not supported in PKI version %s" % pki_version  # noqa: UP031
        )


# --- ipa_acme_manage.py -----------------------------------------------------------------------


class ACMEState(RAAPIClient):
    """``acme_state``: the RA backend's login (on 8443), then an ``ACMEClient``."""

    def __enter__(self) -> ACMEState:
        super().__enter__()
        self.client = pki.acme.ACMEClient(self.pki_client)
        return self

    def enable(self) -> None:
        self.client.enable()

    def disable(self) -> None:
        self.client.disable()


def https_get(env: IPAEnv, path: str) -> tuple[int, bytes]:
    """ipapython.dogtag.https_request as acme_status calls it: ``http.client`` with the CA
    file, no client certificate, ``method='GET'``; its ``timeout`` keyword lands in the
    urlencoded body, as it does there."""
    netloc = urlsplit(env.url)
    context = ssl.create_default_context(cafile=env.ca_bundle)
    conn = http.client.HTTPSConnection(str(netloc.hostname), netloc.port, context=context)
    try:
        conn.request("GET", path, body=urlencode({"timeout": 30}), headers={})
        res = conn.getresponse()
        status, body = res.status, res.read()
    finally:
        conn.close()
    env.paths.append(path)
    return status, body


def acme_status(env: IPAEnv) -> bool:
    """ipapython.dogtag.acme_status: 200 is enabled, 503 disabled, anything else is logged
    and reported as disabled."""
    status, _body = https_get(env, "/acme/directory")
    if status == 200:
        return True
    if status == 503:
        return False
    logger.error("ACME status request returned %d", status)
    return False


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["pem", "nssdb"])
def auth_mode(request: pytest.FixtureRequest) -> str:
    """How FreeIPA's tools authenticate: PEM files, or the NSS database."""
    return str(request.param)


def _env(server: DogtagTestServer, mode: str, user: TestUser, pem_dir: Path) -> IPAEnv:
    pem = write_pem(pem_dir, f"install-{user.user_id}-{mode}", user.identity)
    return IPAEnv(server.url, str(server.ca_cert_path), _auth_setter(mode, user, pem), user.cert)


@pytest.fixture(scope="module")
def ipa(
    auth_mode: str, freeipa_server: DogtagTestServer, ra_agent_user: TestUser, pem_dir: Path
) -> IPAEnv:
    """FreeIPA with the RA agent's credentials (RA_AGENT_PEM/RA_AGENT_KEY, or the NSS db)."""
    return _env(freeipa_server, auth_mode, ra_agent_user, pem_dir)


@pytest.fixture(scope="module")
def ca_admin(
    auth_mode: str, freeipa_server: DogtagTestServer, pem_dir: Path
) -> IPAEnv:
    """FreeIPA with the CA admin's credentials (``ca_admin.p12``: ``admin``, in the groups
    pkispawn gives the CA admin)."""
    user = freeipa_server.add_user("admin", ADMIN_GROUPS["ca"], subsystems=("ca",))
    return _env(freeipa_server, auth_mode, user, pem_dir)


@pytest.fixture(scope="module")
def outsider(auth_mode: str, freeipa_server: DogtagTestServer, pem_dir: Path) -> IPAEnv:
    """The same tools with the credentials of a user in no group."""
    user = freeipa_server.add_user("install-outsider", subsystems=("ca",))
    return _env(freeipa_server, auth_mode, user, pem_dir)


@pytest.fixture(scope="module")
def service_profile(ipa: IPAEnv) -> str:
    """A FreeIPA service profile (raCertAuth), imported as the installer imports it."""
    profile_id = unique("caIPAserviceCert").replace("-", "")
    certprofile_import(ipa, profile_id, IPA_STYLE_PROFILE.format(profile_id=profile_id))
    return profile_id


@pytest.fixture
def version_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``set(version)``: makes ``pki.specification_version()`` answer ``version``."""
    path = tmp_path / "VERSION"
    monkeypatch.setattr(pki, "PACKAGE_VERSION", str(path))

    def set_version(version: str) -> None:
        path.write_text(f"Name: pki\nSpecification-Version: {version}\n")

    yield set_version


def _rsa_csr(cn: str) -> tuple[str, Any]:
    """A CSR as FreeIPA's ``openssl genpkey``/``openssl req`` make it: RSA 2048."""
    return make_csr(cn, rsa.generate_private_key(public_exponent=65537, key_size=2048))


def _sent(env: IPAEnv, start: int) -> list[str]:
    return env.paths[start:]


# --- imports ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "imports, uses",
    [
        # dogtaginstance.py, with certs.py's imports (its ``service`` import loads certs.py):
        # upstream's pki.system alone brings neither pki.client nor pki.subsystem
        ("import pki, pki.system, pki.util; import pki.ca, pki.cert, pki.client",
         "pki.client.PKIClient, pki.subsystem.SubsystemClient, pki.system.SecurityDomainClient,"
         " pki.util.Version('11.6.0'), pki.specification_version"),
        ("import pki.acme, pki.util, pki.subsystem",  # ipa_acme_manage.py
         "pki.acme.ACMEClient, pki.specification_version, pki.util.Version('11.3.0')"),
        ("import pki.ca, pki.cert, pki.client",  # certs.py
         "pki.client.PKIClient, pki.ca.CAClient, pki.cert.CertClient,"
         " pki.cert.CertRequestStatus.COMPLETE"),
        ("import pki.util", "pki.util.Version('11.2.0'), pki.specification_version"),  # ca.py
    ],
    ids=["dogtaginstance", "ipa_acme_manage", "certs", "ca"],
)
def test_each_installer_module_finds_what_it_uses_after_its_own_imports(
    imports: str, uses: str
) -> None:
    """A fresh interpreter with only the ``pki`` imports that module's process has made
    reaches every name the module uses."""
    code = f"{imports}\nprint(repr(({uses},))[:20])"
    env = dict(os.environ, PYTHONPATH=PYTHON_PATH)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr


# --- certs.py ---------------------------------------------------------------------------------


def test_pki_issue_ra_certificate(
    ca_admin: IPAEnv, freeipa_server: DogtagTestServer, tmp_path: Path
) -> None:
    """The CA admin requests the RA agent certificate: the caSubsystemCert request waits
    for an agent, ``enroll_cert`` approves it, the certificate file holds what was issued."""
    start = len(ca_admin.paths)
    csr, key = _rsa_csr("IPA RA")
    certfile = tmp_path / "ra.crt"
    pki_issue_ra_certificate(ca_admin, csr, certfile)
    cert = x509.load_pem_x509_certificate(certfile.read_bytes())
    cert.verify_directly_issued_by(freeipa_server.materials.ca.cert)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "IPA RA"
    assert cert.public_key().public_numbers() == key.public_key().public_numbers()
    sent = _sent(ca_admin, start)
    # connect() found v2 by itself (no support_v2 here); the approval went through the agent
    # resource, the certificate was fetched twice (enroll_cert, then FreeIPA)
    assert sent[0] == "/pki/v2/info"
    assert any(p.startswith("/ca/v2/agent/certrequests/") and p.endswith("/approve")
               for p in sent)
    assert sum(p == f"/ca/v2/certs/{cert.serial_number:#x}" for p in sent) == 2
    assert all(p.startswith(("/ca/v2/", "/pki/v2/")) for p in sent)


def test_pki_issue_certificate(
    ipa: IPAEnv, service_profile: str, freeipa_server: DogtagTestServer, tmp_path: Path
) -> None:
    """The RA agent requests a service certificate with a profile that authenticates it:
    complete at once, no approval."""
    start = len(ipa.paths)
    host = unique("ipa") + ".ipa.example.test"
    csr, key = _rsa_csr(host)
    certfile = tmp_path / "httpd.crt"
    pki_issue_certificate(ipa, service_profile, csr, certfile)
    cert = x509.load_pem_x509_certificate(certfile.read_bytes())
    cert.verify_directly_issued_by(freeipa_server.materials.ca.cert)
    assert cert.public_key().public_numbers() == key.public_key().public_numbers()
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == [host]
    sent = _sent(ipa, start)
    assert not any("/approve" in p for p in sent)
    assert "/ca/v2/certrequests" in sent


def test_installer_enrolment_refuses_a_non_agent(
    outsider: IPAEnv, service_profile: str, tmp_path: Path
) -> None:
    """FreeIPA does not catch these: the installer stops with upstream's exceptions."""
    csr, _ = _rsa_csr("Not the RA")
    with pytest.raises(pki.ForbiddenException) as approve:  # approving needs an agent
        pki_issue_ra_certificate(outsider, csr, tmp_path / "ra.crt")
    assert type(approve.value) is pki.ForbiddenException and approve.value.code == 403
    with pytest.raises(pki.UnauthorizedException):  # raCertAuth: not a Registration agent
        pki_issue_certificate(outsider, service_profile, csr, tmp_path / "svc.crt")
    assert not (tmp_path / "ra.crt").exists() and not (tmp_path / "svc.crt").exists()


# --- dogtaginstance.py ------------------------------------------------------------------------


def test_security_domain_and_is_installing_replica(ipa: IPAEnv) -> None:
    """The first CA and KRA are in the domain; an OCSP appears when pkispawn's join adds it
    and goes with server-del's ``remove_host``."""
    start = len(ipa.paths)
    info = get_security_domain(ipa)
    assert isinstance(info, pki.system.DomainInfo) and info.id
    ca_hosts = info.subsystems["CA"].hosts
    assert all(isinstance(h, pki.system.SecurityDomainHost) for h in ca_hosts.values())
    assert {h.DomainManager for h in ca_hosts.values()} >= {"TRUE"}
    assert is_installing_replica(ipa, "CA") and is_installing_replica(ipa, "KRA")
    assert not is_installing_replica(ipa, "OCSP")

    hostname = unique("ocsp") + ".ipa.example.test"
    host = {
        "id": f"OCSP {hostname} 443", "Hostname": hostname, "Port": "8080", "SecurePort": "443",
        "SecureEEClientAuthPort": "443", "SecureAgentPort": "443", "SecureAdminPort": "443",
        "Clone": "FALSE", "DomainManager": "FALSE", "SubsystemName": f"OCSP {hostname} 443",
    }
    with RAAPIClient(ipa) as api:  # the join pkispawn makes (a Security Domain Administrator)
        api.pki_client.connection.put(
            "/ca/v2/securityDomain/hosts", json.dumps(host), {"Content-Type": "application/json"}
        )
        assert is_installing_replica(ipa, "OCSP")
        domain = pki.system.SecurityDomainClient(
            pki.subsystem.SubsystemClient(api.pki_client, "ca")
        )
        domain.remove_host(hostname, "ocsp", "443")
    assert not is_installing_replica(ipa, "OCSP")
    domain_reads = [p for p in _sent(ipa, start) if p.endswith("/domainInfo")]
    assert domain_reads and set(domain_reads) == {"/ca/v2/securityDomain/domainInfo"}


# --- the version gates ------------------------------------------------------------------------


def test_version_gates_with_the_servers_version(ipa: IPAEnv, version_file: Any) -> None:
    """The test server's version (as ``ra.get_pki_version`` reads it) installed locally:
    every gate of an 11.6+ Dogtag is open."""
    server_version = str(pki.info.InfoClient(ipa.new_pki_client()).get_version())
    version_file(server_version)
    assert pki.util.Version(server_version) >= pki.util.Version("11.6.0")
    assert pkispawn_extra_args() == ["--log-file", "<log>"]
    assert acme_uninstall_command() == [
        "pkidestroy", "-i", "pki-tomcat", "--force", "-s", "ACME", "--log-file", "<log>",
        "--remove-conf", "--remove-logs",
    ]
    supported, version = random_serial_numbers_version(True)
    assert supported is True and str(version) == server_version
    assert random_serial_numbers_version(False) == (None, None)
    random_serial_numbers_validator(True)
    assert hsm_version()[0] is True
    pruning_check()


@pytest.mark.parametrize(
    "version, spawn_log, acme_uninstall, rsn, hsm, pruning",
    [
        ("10.10.5", False, None, False, False, False),
        ("11.0.0", True, ["pki-server", "acme-remove"], False, False, False),
        ("11.2.0", True, ["pki-server", "acme-remove"], True, False, False),
        ("11.3.1", True, ["pki-server", "acme-remove"], True, False, True),
        ("11.5.9", True, ["pki-server", "acme-remove"], True, True, True),
        ("11.6.0", True, "pkidestroy", True, True, True),
        ("12.0.0", True, "pkidestroy", True, True, True),
    ],
)
def test_version_gates(
    version_file: Any, version: str, spawn_log: bool, acme_uninstall: Any, rsn: bool,
    hsm: bool, pruning: bool,
) -> None:
    """FreeIPA's comparisons (``>=``, ``<``, chained ``<= ... <``, ``%s`` in messages) on each
    side of every boundary."""
    version_file(version)
    assert bool(pkispawn_extra_args()) is spawn_log
    command = acme_uninstall_command()
    assert (command[0] if command and acme_uninstall == "pkidestroy" else command) == (
        acme_uninstall
    )
    assert random_serial_numbers_version(True)[0] is rsn
    if not rsn:
        with pytest.raises(ValueError, match=f"not supported in PKI version {version}$"):
            random_serial_numbers_validator(True)
    assert hsm_version()[0] is hsm
    if pruning:
        pruning_check()
    else:
        with pytest.raises(RuntimeError, match=f"not supported in PKI version {version}$"):
            pruning_check()


# --- ipa_acme_manage.py -----------------------------------------------------------------------


def test_ipa_acme_manage_enable_status_disable(ipa: IPAEnv) -> None:
    """``ipa-acme-manage disable|status|enable|status|disable|status``."""
    start = len(ipa.paths)
    with ACMEState(ipa) as ca_api:
        assert ca_api.account["id"] == "ipara"
        assert ca_api.disable() is None
    assert https_get(ipa, "/acme/directory") == (503, b"ACME service is disabled")
    assert acme_status(ipa) is False
    with ACMEState(ipa) as ca_api:
        ca_api.enable()
    assert acme_status(ipa) is True
    status, body = https_get(ipa, "/acme/directory")
    assert status == 200 and json.loads(body)["newOrder"] == f"{ipa.url}/acme/new-order"
    with ACMEState(ipa) as ca_api:
        ca_api.disable()
    assert acme_status(ipa) is False
    sent = _sent(ipa, start)
    assert sent.count("/acme/enable") == 1 and sent.count("/acme/disable") == 2
    assert all(p.startswith(("/acme/", "/ca/v2/", "/pki/v2/")) for p in sent)


def test_ipa_acme_manage_needs_an_acme_administrator(outsider: IPAEnv, ipa: IPAEnv) -> None:
    """A user outside Administrators and Enterprise ACME Administrators gets Tomcat's 403;
    without credentials, 401. As upstream, ``ACMEClient`` raises requests' ``HTTPError``."""
    with ACMEState(ipa) as ca_api:
        ca_api.disable()
    with ACMEState(outsider) as ca_api:
        with pytest.raises(requests.exceptions.HTTPError) as err:
            ca_api.enable()
        assert err.value.response.status_code == 403
    anonymous = support_v2(outsider.new_pki_client())
    with pytest.raises(requests.exceptions.HTTPError) as err:
        pki.acme.ACMEClient(anonymous).enable()
    assert err.value.response.status_code == 401
    assert acme_status(ipa) is False


def test_acme_status_without_the_responder(
    dogtag_server: DogtagTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A Dogtag without FreeIPA's setup has no ACME web app: the status call gets a 404,
    which acme_status logs and reports as disabled."""
    env = IPAEnv(dogtag_server.url, str(dogtag_server.ca_cert_path), lambda c: None, None)  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, logger=__name__):
        assert acme_status(env) is False
    assert "ACME status request returned 404" in caplog.text


# --- the same tools against a Dogtag before 11.6 (no /v2/) ------------------------------------


def test_installer_and_acme_manage_against_dogtag_11_5(
    auth_mode: str, tmp_path: Path, pem_dir: Path, version_file: Any
) -> None:
    """support_v2's probe fails and falls back to ``rest``, ``connect()`` picks ``rest`` by
    itself, the ACME responder has no API segment anyway; the 11.5 gates pick
    ``pki-server acme-remove``."""
    with DogtagTestServer(tmp_path / "dogtag", version="11.5.0", freeipa_acls=True) as server:
        ra = server.add_user("ipara", RA_AGENT_GROUPS, subsystems=("ca",))
        admin = server.add_user("admin", ADMIN_GROUPS["ca"], subsystems=("ca",))
        ipa_env = _env(server, f"{auth_mode}-11.5", ra, pem_dir)
        admin_env = _env(server, f"{auth_mode}-11.5", admin, pem_dir)

        assert is_installing_replica(ipa_env, "CA") and not is_installing_replica(ipa_env, "TPS")
        csr, _ = _rsa_csr("IPA RA")
        pki_issue_ra_certificate(admin_env, csr, tmp_path / "ra.crt")
        x509.load_pem_x509_certificate((tmp_path / "ra.crt").read_bytes())
        with ACMEState(ipa_env) as ca_api:
            assert ca_api.pki_client.api_path == "rest"
            ca_api.enable()
        assert acme_status(ipa_env) is True
        with ACMEState(ipa_env) as ca_api:
            ca_api.disable()
        assert acme_status(ipa_env) is False

        version_file(str(pki.info.InfoClient(ipa_env.new_pki_client()).get_version()))
        assert acme_uninstall_command() == ["pki-server", "acme-remove"]
        assert hsm_version()[0] is True and random_serial_numbers_version(True)[0] is True

    sent = ipa_env.paths + admin_env.paths
    assert "/pki/v2/info" in sent  # support_v2's probe, answered 404
    assert "/ca/rest/securityDomain/domainInfo" in sent and "/ca/rest/account/login" in sent
    assert [p for p in sent if p.startswith("/ca/v2/")] == []
