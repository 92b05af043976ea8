"""Upstream master's API surface: names, signatures, import side effects, the ``pki`` helpers,
``handle_exceptions`` and ``CryptoProvider``.

The name lists below are upstream dogtag-pki master's public client names (modules under
``base/common/python/pki``), written out here so that the contract is checked without the
upstream sources. Nothing here talks to a server; errors are real ``requests`` objects.
"""

from __future__ import annotations

import inspect
import json
import string
import subprocess
import sys
import warnings
from pathlib import Path

import pki
import pki.cert
import pki.client
import pki.crypto
import pki.encoder
import pki.key
import pytest
import requests
from cryptography import x509
from cryptography.x509.oid import NameOID

PYTHON_DIR = Path(__file__).resolve().parents[1]

UPSTREAM_NAMES = {
    "pki": [
        "CONF_DIR", "SHARE_DIR", "BASE_DIR", "LOG_DIR", "PACKAGE_VERSION", "CERT_HEADER",
        "CERT_FOOTER", "PUNCTUATIONS", "GEN_PASS_CHARSET", "ATTR_NAME_BY_OID",
        "RETRYABLE_EXCEPTIONS", "convert_x509_name_to_dn", "specification_version",
        "implementation_version", "get_info", "generate_password", "FIPS", "Attribute",
        "AttributeList", "ResourceMessage", "PKIException", "BadRequestException",
        "ConflictingOperationException", "ForbiddenException", "HTTPGoneException",
        "ResourceNotFoundException", "UnauthorizedException", "CertNotFoundException",
        "GroupNotFoundException", "KeyNotFoundException", "ProfileNotFoundException",
        "RequestNotFoundException", "UserNotFoundException", "EXCEPTION_MAPPINGS",
        "handle_exceptions", "PropertyFile", "logger",
    ],
    "pki.client": ["PKIConnection", "PKIClient", "catch_insecure_warning"],
    "pki.subsystem": ["SubsystemClient"],
    "pki.ca": ["CAClient"],
    "pki.kra": ["KRAClient"],
    "pki.account": ["AccountClient"],
    "pki.info": ["Info", "Version", "InfoClient"],
    "pki.user": ["UserClient"],
    "pki.encoder": [
        "TYPES", "NOTYPES", "encode_cert", "decode_cert", "CustomTypeEncoder",
        "CustomTypeDecoder",
    ],
    "pki.systemcert": ["SystemCertClient"],
    "pki.feature": ["Feature", "FeatureCollection", "FeatureClient"],
    "pki.acme": ["ACMEClient"],
    "pki.authority": [
        "AuthorityData", "AuthorityDataCollection", "AuthorityClient",
        "issue_cert_using_authority",
    ],
    "pki.system": [
        "SYSTEM_TYPE", "SecurityDomainHost", "SecurityDomainSubsystem", "DomainInfo",
        "InstallToken", "SecurityDomainClient", "CertificateSetupRequest",
        "CertificateSetupResponse", "AdminSetupRequest", "AdminSetupResponse", "SystemCertData",
        "SystemConfigClient", "SystemStatusClient",
    ],
    "pki.profile": [
        "ProfileDataInfo", "ProfileDataInfoCollection", "Descriptor", "ProfileAttribute",
        "ProfileInput", "ProfileOutput", "ProfileParameter", "PolicyDefault",
        "PolicyConstraintValue", "PolicyConstraint", "ProfilePolicy", "ProfilePolicySet",
        "PolicySet", "PolicySetList", "Profile", "ProfileClient",
    ],
    "pki.cert": [
        "CertData", "CertDataInfo", "CertDataInfoCollection", "CertRequestInfo",
        "CertRequestStatus", "CertEnrollmentResult", "CertRequestInfoCollection",
        "CertSearchRequest", "CertRevokeRequest", "CertEnrollmentRequest",
        "CertReviewResponse", "CertClient",
    ],
    "pki.key": [
        "RequestId", "KeyData", "Key", "KeyInfo", "KeyInfoCollection", "KeyRequestInfo",
        "KeyRequestInfoCollection", "KeyRequestResponse", "KeyArchivalRequest",
        "KeyRecoveryRequest", "SymKeyGenerationRequest", "AsymKeyGenerationRequest",
        "KeyClient",
    ],
    "pki.crypto": [
        "DES_EDE3_CBC_OID", "AES_128_CBC_OID", "WRAP_AES_CBC_PAD", "WRAP_AES_KEY_WRAP",
        "WRAP_AES_KEY_WRAP_PAD", "WRAP_DES3_CBC_PAD", "CryptoProvider",
        "CryptographyCryptoProvider",
    ],
    "pki.upgrade": [
        "DEFAULT_VERSION", "UPGRADE_DIR", "BACKUP_DIR", "SYSTEM_TRACKER", "logger",
        "PKIUpgradeTracker", "PKIUpgradeScriptlet", "PKIUpgrader",
    ],
    "pki.cli.upgrade": ["main", "print_help", "advancedOptions", "logger"],
}

# Methods and the leading positional parameters upstream master gives them.
UPSTREAM_SIGNATURES = {
    ("pki.client", "PKIConnection", "__init__"): [
        "protocol", "hostname", "port", "subsystem", "accept", "trust_env", "verify",
        "cert_paths",
    ],
    ("pki.client", "PKIConnection", "get"): [
        "path", "headers", "params", "payload", "use_root_uri", "timeout",
    ],
    ("pki.client", "PKIConnection", "post"): ["path", "payload", "headers", "params",
                                              "use_root_uri"],
    ("pki.client", "PKIConnection", "put"): ["path", "payload", "headers", "use_root_uri"],
    ("pki.client", "PKIConnection", "delete"): ["path", "headers", "use_root_uri"],
    ("pki.client", "PKIClient", "__init__"): [
        "url", "trust_env", "verify", "ca_bundle", "api_version",
    ],
    ("pki.client", "PKIClient", "set_client_auth"): ["client_cert", "client_key"],
    ("pki.client", "PKIClient", "authenticate"): ["username", "password"],
    ("pki.kra", "KRAClient", "__init__"): ["parent", "crypto"],
    ("pki.key", "KeyClient", "__init__"): ["parent", "crypto"],
    ("pki.account", "AccountClient", "__init__"): ["parent", "subsystem"],
    ("pki.systemcert", "SystemCertClient", "__init__"): ["parent", "subsystem"],
    ("pki.system", "SecurityDomainClient", "remove_host"): ["hostname", "subsystem", "port"],
    ("pki.system", "SecurityDomainClient", "get_install_token"): ["hostname", "subsystem"],
    ("pki.system", "SystemStatusClient", "__init__"): ["connection", "subsystem"],
    ("pki.system", "SystemStatusClient", "get_status"): ["timeout"],
    ("pki.profile", "ProfileClient", "get_profile"): ["profile_id", "raw"],
    ("pki.profile", "ProfileClient", "create_profile"): ["profile_data", "raw"],
    ("pki.profile", "ProfileClient", "modify_profile"): ["profile_data", "profile_id", "raw"],
    ("pki.profile", "ProfileClient", "list_profiles"): ["start", "size"],
    ("pki.profile", "Profile", "__init__"): [
        "profile_id", "class_id", "name", "description", "enabled", "visible", "enabled_by",
        "authenticator_id", "authorization_acl", "renewal", "xml_output", "inputs", "outputs",
        "policy_set_list", "link",
    ],
    ("pki.profile", "ProfileInput", "__init__"): [
        "profile_input_id", "class_id", "name", "text", "attributes", "config_attributes",
    ],
    ("pki.profile", "ProfileOutput", "__init__"): [
        "profile_output_id", "name", "text", "class_id", "attributes",
    ],
    ("pki.profile", "PolicyDefault", "__init__"): [
        "name", "class_id", "description", "policy_attributes", "policy_params",
    ],
    ("pki.profile", "PolicyConstraint", "__init__"): [
        "name", "description", "class_id", "policy_constraint_values",
    ],
    ("pki.authority", "AuthorityData", "__init__"): [
        "dn", "aid", "parent_aid", "description", "enabled", "is_host_authority", "link",
    ],
    ("pki.authority", "AuthorityClient", "get_cert"): ["aid", "output_format"],
    ("pki.authority", "AuthorityClient", "get_chain"): ["aid", "output_format"],
    ("pki.authority", "AuthorityClient", "list_cas"): [
        "max_results", "max_time", "start", "size",
    ],
    ("pki.feature", "Feature", "__init__"): ["feature_id", "version", "description", "enabled"],
    ("pki.cert", "CertEnrollmentRequest", "__init__"): [
        "profile_id", "renewal", "serial_number", "remote_host", "remote_address", "inputs",
        "outputs",
    ],
    ("pki.cert", "CertReviewResponse", "__init__"): [
        "profile_id", "renewal", "serial_number", "remote_host", "remote_address", "inputs",
        "outputs", "nonce", "request_id", "request_type", "request_status", "request_owner",
        "request_creation_time", "request_modification_time", "request_notes",
        "profile_approval_by", "profile_set_id", "profile_is_visible", "profile_name",
        "profile_description", "profile_remote_host", "profile_remote_address", "policy_sets",
    ],
    ("pki.cert", "CertClient", "list_certs"): ["max_results", "max_time", "start", "size"],
    ("pki.cert", "CertClient", "revoke_cert"): [
        "cert_serial_number", "revocation_reason", "invalidity_date", "comments", "nonce",
        "authority",
    ],
    ("pki.cert", "CertClient", "enroll_cert"): ["profile_id", "inputs", "authority"],
    ("pki.key", "KeyClient", "list_keys"): [
        "client_key_id", "status", "max_results", "max_time", "start", "size", "realm",
    ],
    ("pki.key", "KeyClient", "archive_encrypted_data"): [
        "client_key_id", "data_type", "encrypted_data", "wrapped_session_key",
        "algorithm_oid", "nonce_iv",
    ],
    ("pki.key", "KeyClient", "retrieve_key"): ["key_id", "trans_wrapped_session_key"],
    ("pki.crypto", "CryptographyCryptoProvider", "__init__"): [
        "transport_cert_nick", "transport_cert", "backend",
    ],
    ("pki.upgrade", "PKIUpgradeTracker", "__init__"): [
        "name", "filename", "delimiter", "version_key", "index_key", "quote",
    ],
    ("pki.upgrade", "PKIUpgrader", "__init__"): ["upgrade_dir"],
    ("pki.upgrade", "PKIUpgrader", "makedirs"): ["path", "exist_ok"],
    ("pki.upgrade", "PKIUpgrader", "copydirs"): ["source", "dest", "force"],
    ("pki.upgrade", "PKIUpgrader", "copyfile"): ["source", "dest", "force"],
    ("pki.upgrade", "PKIUpgrader", "backup"): ["scriptlet", "path"],
    ("pki.upgrade", "PKIUpgrader", "record"): ["scriptlet", "path"],
    ("pki.upgrade", "PKIUpgradeScriptlet", "backup"): ["path"],
}


def run_python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(PYTHON_DIR), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


# --- names, signatures, imports -----------------------------------------------------------


@pytest.mark.parametrize("module", sorted(UPSTREAM_NAMES))
def test_every_upstream_name_exists(module: str) -> None:
    mod = __import__(module, fromlist=["_"])
    missing = [name for name in UPSTREAM_NAMES[module] if not hasattr(mod, name)]
    assert not missing


@pytest.mark.parametrize("where", sorted(UPSTREAM_SIGNATURES), ids=".".join)
def test_upstream_positional_parameters(where: tuple[str, str, str]) -> None:
    module, cls, method = where
    func = getattr(getattr(__import__(module, fromlist=["_"]), cls), method)
    params = [
        p.name for p in inspect.signature(func).parameters.values()
        if p.name != "self" and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    expected = UPSTREAM_SIGNATURES[where]
    assert params[: len(expected)] == expected


def test_import_side_effects_as_upstream() -> None:
    """``import pki.cert`` makes pki.account, pki.client, pki.profile (and pki.ca, pki.encoder,
    pki.info) usable, as upstream's import graph does; every client module imports alone."""
    out = run_python(
        "import pki.cert, pki\n"
        "print(all(hasattr(pki, m) for m in ('account', 'client', 'profile', 'ca', 'encoder',"
        " 'info')))\n"
        "print(pki.account.AccountClient, pki.profile.ProfileClient, pki.client.PKIClient)"
    )
    assert out.splitlines()[0] == "True"
    modules = ["account", "acme", "authority", "ca", "cert", "client", "encoder", "feature",
               "group", "info", "key", "kra", "profile", "resource", "subsystem", "system",
               "systemcert", "user"]
    for module in modules:  # each alone, in a fresh interpreter (no import cycle breaks)
        run_python(f"import pki.{module}")


# What FreeIPA master's RA backend imports when it loads (ipaserver/plugins/dogtag.py, and
# vault.py's server-side imports), and the names it then reads from those modules.
FREEIPA_IMPORTS = """\
import requests.exceptions
import pki
import pki.authority
import pki.ca
import pki.cert
import pki.client
import pki.info
import pki.profile
import pki.subsystem
import pki.system
from pki.cert import CertRequestStatus
import pki.crypto as cryptoutil
from pki.kra import KRAClient
import pki.account
import pki.key
from pki.crypto import DES_EDE3_CBC_OID
from pki.crypto import AES_128_CBC_OID
from pki import PKIException
"""
FREEIPA_NAMES = [
    "pki.ProfileNotFoundException", "pki.BadRequestException", "pki.ResourceNotFoundException",
    "pki.RequestNotFoundException", "pki.CertNotFoundException",
    "pki.ConflictingOperationException", "pki.client.PKIClient", "pki.client.PKIConnection",
    "pki.ca.CAClient", "pki.cert.CertClient", "pki.info.InfoClient",
    "pki.profile.ProfileClient", "pki.subsystem.SubsystemClient",
    "pki.authority.AuthorityClient", "pki.authority.AuthorityData",
    "pki.system.SecurityDomainClient", "pki.system.SystemStatusClient",
    "pki.account.AccountClient", "pki.key.KeyClient.KEY_STATUS_ACTIVE",
    "pki.key.KeyClient.KEY_STATUS_INACTIVE", "pki.key.KeyClient.PASS_PHRASE_TYPE",
    "cryptoutil.CryptographyCryptoProvider", "CertRequestStatus.COMPLETE", "KRAClient",
    "pki.util.Version", "pki.specification_version",
]


def test_freeipa_ra_backend_imports_load() -> None:
    """The "Done when" check: the RA backend's import block runs in a fresh interpreter, and
    every name the backend then uses is there (OIDs and the request status as upstream)."""
    out = run_python(
        FREEIPA_IMPORTS
        + "import pki.util\n"
        + "names = " + repr(FREEIPA_NAMES) + "\n"
        + "missing = []\n"
        + "for name in names:\n"
        + "    try:\n"
        + "        eval(name)\n"
        + "    except AttributeError:\n"
        + "        missing.append(name)\n"
        + "print(missing)\n"
        + "print(AES_128_CBC_OID, DES_EDE3_CBC_OID, CertRequestStatus.COMPLETE)\n"
        + "print(issubclass(PKIException, Exception), pki.PKIException is PKIException)\n"
    )
    missing, constants, exceptions = out.splitlines()
    assert missing == "[]"
    assert constants == "{2 16 840 1 101 3 4 1 2} {1 2 840 113549 3 7} complete"  # Dogtag form
    assert exceptions == "True True"


def test_import_pki_stays_cheap() -> None:
    """Upstream's ``import pki`` loads requests, cryptography and python-ldap; ours none of
    them, until a name that needs one is used."""
    out = run_python(
        "import sys, pki\n"
        "heavy = ('requests', 'cryptography', 'ldap', 'OpenSSL', 'ctypes')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "print(pki.RETRYABLE_EXCEPTIONS)\n"
        "print('requests' in sys.modules)"
    )
    loaded, retryable, requests_loaded = out.splitlines()
    assert loaded == "[]"
    assert "requests.exceptions.ConnectionError" in retryable
    assert "requests.exceptions.Timeout" in retryable
    assert requests_loaded == "True"
    assert pki.RETRYABLE_EXCEPTIONS == (
        requests.exceptions.ConnectionError, requests.exceptions.Timeout
    )
    assert pki.ATTR_NAME_BY_OID[NameOID.COMMON_NAME] == "CN"
    assert pki.ATTR_NAME_BY_OID[x509.ObjectIdentifier("0.9.2342.19200300.100.1.1")] == "UID"
    with pytest.raises(AttributeError):
        pki.NO_SUCH_NAME  # noqa: B018


# --- the pki package's helpers ------------------------------------------------------------


def test_convert_x509_name_to_dn_as_nss_writes_it() -> None:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example, Inc."),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, " spaced "),
            x509.NameAttribute(NameOID.EMAIL_ADDRESS, "a+b@example.com"),
            x509.NameAttribute(NameOID.USER_ID, "#42=x"),
            x509.NameAttribute(x509.ObjectIdentifier("1.2.3.4"), 'q"<>;\\'),
            x509.NameAttribute(NameOID.COMMON_NAME, "Server"),
        ]
    )
    # most specific RDN first, NSS's attribute names, RFC 4514 escapes
    assert pki.convert_x509_name_to_dn(name) == (
        "CN=Server,"
        '1.2.3.4=q\\"\\<\\>\\;\\\\,'
        "UID=\\#42\\=x,"
        "E=a\\+b@example.com,"
        "OU=\\ spaced\\ ,"
        "O=Example\\, Inc.,"
        "C=US"
    )
    assert pki.convert_x509_name_to_dn(x509.Name([])) is None
    assert pki.escape_dn_value("a\0b") == "a\\00b"


def test_generate_password_meets_nss_fips_rules() -> None:
    for _ in range(50):
        password = pki.generate_password()
        assert len(password) == 12 and set(password) <= set(pki.GEN_PASS_CHARSET)
        for group in (string.digits, string.ascii_lowercase, string.ascii_uppercase,
                      pki.PUNCTUATIONS):
            assert set(password) & set(group)
    assert len(pki.generate_password(length=30)) == 30
    digits = pki.generate_password(string.digits, 8)
    assert digits.isdigit() and len(digits) == 8
    assert len({pki.generate_password() for _ in range(20)}) == 20


def test_package_version_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    version_file = tmp_path / "VERSION"
    version_file.write_text(
        "Name: pki\nSpecification-Version: 11.6.0\nImplementation-Version: 11.6.0-1.fc40\n"
    )
    monkeypatch.setattr(pki, "PACKAGE_VERSION", str(version_file))
    assert pki.specification_version() == "11.6.0"
    assert pki.implementation_version() == "11.6.0-1.fc40"
    assert pki.get_info("name") == "pki"
    with pytest.raises(pki.PKIException, match="Property not found: Vendor"):
        pki.get_info("Vendor")
    monkeypatch.setattr(pki, "PACKAGE_VERSION", str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError):
        pki.specification_version()


def test_fips_reads_the_kernel_flag() -> None:
    flag = Path("/proc/sys/crypto/fips_enabled")
    expected = flag.exists() and flag.read_text().strip() not in ("", "0")
    assert pki.FIPS.is_enabled() is expected


def test_property_file_edits_in_place(tmp_path: Path) -> None:
    path = tmp_path / "CS.cfg"
    path.write_text("# comment\nca.name = Example\nquoted='a b'\n")
    props = pki.PropertyFile(str(path))
    props.read()
    assert props.get("CA.NAME") == "Example"  # names match without regard to case
    assert props.index("ca.name") == 1 and props.index("nope") == -1
    props.set("ca.name", "Other")
    props.set("new.key", "v")
    props.set("first", "1", index=0)
    assert props.remove("quoted") == "'a b'" and props.remove("quoted") is None
    props.write()
    assert path.read_text() == "first=1\n# comment\nca.name =Other\nnew.key=v\n"

    quoted = pki.PropertyFile(str(tmp_path / "q.conf"), delimiter=":", quote='"')
    quoted.read()  # a missing file is empty
    quoted.set("key", "value")
    assert quoted.lines == ['key:"value"'] and quoted.get("key") == "value"
    with pytest.raises(pki.PKIException):
        pki.PropertyFile("x", quote="''")


def test_property_file_write_that_fails_leaves_the_old_file(tmp_path: Path) -> None:
    """The file is replaced whole: a write that fails half-way leaves the old one as it was,
    and no temporary file beside it."""
    path = tmp_path / "CS.cfg"
    path.write_text("a=1\nb=2\n")
    path.chmod(0o640)
    props = pki.PropertyFile(str(path))
    props.read()
    props.set("a", "3")
    props.set("b", "\udc80")  # cannot be encoded (writing in place would have emptied the file)
    with pytest.raises(UnicodeEncodeError):
        props.write()
    assert path.read_text() == "a=1\nb=2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["CS.cfg"]
    props.set("b", "4")
    props.write()
    assert path.read_text() == "a=3\nb=4\n"
    assert path.stat().st_mode & 0o777 == 0o640


# --- handle_exceptions --------------------------------------------------------------------


def http_error(
    status: int, body: bytes, content_type: str = "application/json"
) -> requests.HTTPError:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers["Content-Type"] = content_type
    response.url = "https://ca.example.com:8443/ca/v2/certs/0x9"
    return requests.HTTPError(f"{status} error", response=response)


def dogtag_body(class_name: str, code: int, message: str) -> bytes:
    return json.dumps(
        {"Attributes": {"Attribute": [{"name": "serial", "value": "9"}]}, "ClassName": class_name,
         "Code": code, "Message": message}
    ).encode()


class Raiser:
    def __init__(self, error: BaseException) -> None:
        self.error = error

    @pki.handle_exceptions()
    def method(self, value: int, *, twice: bool = False) -> int:
        if self.error is not None:
            raise self.error
        return value * (2 if twice else 1)


@pki.handle_exceptions()
def function(error: BaseException) -> None:
    raise error


def test_handle_exceptions_maps_known_classes_exactly() -> None:
    error = http_error(404, dogtag_body("com.netscape.certsrv.cert.CertNotFoundException", 404,
                                        "Certificate ID 0x9 not found"))
    with pytest.raises(pki.PKIException) as info:
        Raiser(error).method(1)
    exc = info.value
    assert type(exc) is pki.CertNotFoundException
    assert (exc.message, exc.code, exc.ClassName) == (
        "Certificate ID 0x9 not found", 404, "com.netscape.certsrv.cert.CertNotFoundException"
    )
    assert exc.get_attribute_value("serial") == "9"
    assert exc.exception is error and exc.__cause__ is error
    # this package's own mappings for what upstream leaves unmapped
    unavailable = http_error(
        503, dogtag_body("com.netscape.certsrv.base.ServiceUnavailableException", 503, "down")
    )
    with pytest.raises(pki.ServiceUnavailableException):
        function(unavailable)
    for name, cls in pki.EXCEPTION_MAPPINGS.items():
        assert cls.__name__ == name.rsplit(".", 1)[1]


@pytest.mark.parametrize(
    "error",
    [
        http_error(401, b"<html><body>Unauthorized</body></html>", "text/html"),
        http_error(404, b""),
        http_error(404, dogtag_body("com.netscape.certsrv.ca.CANotFoundException", 404, "x")),
        http_error(400, b'{"Message": "no class name"}'),
        http_error(500, b'["a", "list"]'),
    ],
    ids=["html", "empty", "unknown-class", "no-class", "not-an-object"],
)
def test_handle_exceptions_reraises_the_http_error_itself(error: requests.HTTPError) -> None:
    with pytest.raises(requests.HTTPError) as on_method:
        Raiser(error).method(1)
    assert on_method.value is error
    with pytest.raises(requests.HTTPError) as on_function:
        function(error)
    assert on_function.value is error


def test_handle_exceptions_passes_everything_else() -> None:
    assert Raiser(None).method(3, twice=True) == 6  # type: ignore[arg-type]
    assert Raiser.method.__name__ == "method"
    with pytest.raises(ValueError):
        function(ValueError("bad"))
    timeout = requests.exceptions.Timeout("slow")
    with pytest.raises(requests.exceptions.Timeout) as info:
        function(timeout)
    assert info.value is timeout


def test_catch_insecure_warning_silences_only_that_warning() -> None:
    import urllib3

    @pki.client.catch_insecure_warning
    def request(category: type[Warning]) -> str:
        warnings.warn("unverified", category, stacklevel=1)
        return "done"

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert request(urllib3.exceptions.InsecureRequestWarning) == "done"
        assert caught == []
        request(UserWarning)
    assert [w.category for w in caught] == [UserWarning]
    assert request.__name__ == "request"


# --- CryptoProvider, encoder --------------------------------------------------------------


def test_crypto_provider_needs_only_initialize() -> None:
    class Minimal(pki.crypto.CryptoProvider):
        def initialize(self) -> None:
            self.ready = True

    provider = Minimal()
    provider.initialize()
    assert provider.ready
    with pytest.raises(NotImplementedError, match="Minimal does not implement symmetric_wrap"):
        provider.symmetric_wrap(b"x", b"k")
    with pytest.raises(TypeError):
        pki.crypto.CryptoProvider()  # type: ignore[abstract]

    # KeyClient copes with such a provider until it needs an operation it lacks
    conn = pki.client.PKIConnection("https", "127.0.0.1", "1")
    conn.api_path = "v2"
    keys = pki.key.KeyClient(conn, provider)
    assert keys.encrypt_alg_oid == pki.crypto.AES_128_CBC_OID


def test_encoder_names() -> None:
    assert pki.encoder.NOTYPES["CertData"] is pki.cert.CertData  # registered at import
    assert pki.encoder.decode_cert(pki.encoder.encode_cert("MIIB")) == b"MIIB"
    cert = pki.cert.CertData.from_json({"id": "0x1", "Status": "VALID", "Extra": 1})
    assert json.loads(json.dumps(cert, cls=pki.encoder.CustomTypeEncoder)) == {
        "id": "0x1", "Status": "VALID", "Extra": 1
    }

    class Plain:  # upstream's way for classes without to_json: __dict__ under JSON names
        json_attribute_names = {"ProfileID": "profile_id"}

        def __init__(self) -> None:
            self.profile_id = "caServerCert"
            self.other = 1

    pki.encoder.NOTYPES["Plain"] = Plain
    try:
        assert json.loads(json.dumps(Plain(), cls=pki.encoder.CustomTypeEncoder)) == {
            "ProfileID": "caServerCert", "other": 1
        }
    finally:
        del pki.encoder.NOTYPES["Plain"]
    assert json.loads('{"a": {"b": 1}}', object_hook=pki.encoder.CustomTypeDecoder) == {
        "a": {"b": 1}
    }


#: every resource client of upstream's API that takes one parent
STAND_IN_CLIENTS = [
    ("pki.cert", "CertClient"), ("pki.key", "KeyClient"),
    ("pki.account", "AccountClient"), ("pki.profile", "ProfileClient"),
    ("pki.user", "UserClient"), ("pki.feature", "FeatureClient"),
    ("pki.system", "SecurityDomainClient"), ("pki.system", "SystemStatusClient"),
    ("pki.systemcert", "SystemCertClient"), ("pki.authority", "AuthorityClient"),
]


@pytest.mark.parametrize("where", STAND_IN_CLIENTS, ids=lambda w: f"{w[0]}.{w[1]}")
def test_clients_accept_a_stand_in_parent(where: tuple[str, str]) -> None:
    """Upstream takes any parent that is not a PKIConnection for a subsystem client (its
    ``parent`` the PKIClient), so programs' unit tests pass ``MagicMock()`` (as upstream's own
    tests/python/test_authority.py does); the requests then go to ``parent.parent.connection``."""
    import importlib
    from unittest import mock

    parent = mock.MagicMock()
    client = getattr(importlib.import_module(where[0]), where[1])(parent)
    assert client.connection is parent.parent.connection


def test_subsystem_clients_take_a_stand_in_pki_client() -> None:
    """``CAClient``/``KRAClient`` take their parent for the PKIClient, as upstream."""
    from unittest import mock

    import pki.ca
    import pki.kra

    parent = mock.MagicMock()
    ca = pki.ca.CAClient(parent)
    assert (ca.parent, ca.name) == (parent, "ca")
    kra = pki.kra.KRAClient(parent)
    assert (kra.parent, kra.name, kra.connection) == (parent, "kra", parent.connection)


def test_stand_in_parent_gets_upstream_value_errors_before_sending() -> None:
    from unittest import mock

    import pki.authority

    parent = mock.MagicMock()
    authorities = pki.authority.AuthorityClient(parent)
    for data, message in (
        (None, "ca_data must be defined"),
        (pki.authority.AuthorityData(description="d", parent_aid="p"), "Subject DN"),
        (pki.authority.AuthorityData(dn="CN=x", parent_aid="p"), "Description must be defined"),
        (pki.authority.AuthorityData(dn="CN=x", description="d"), "parent_aid must be defined"),
    ):
        with pytest.raises(ValueError, match=message):
            authorities.create_ca(data)  # type: ignore[arg-type]
    assert parent.parent.connection.post.call_count == 0


def test_a_parent_that_is_no_client_is_refused() -> None:
    with pytest.raises(TypeError, match="expected a PKIConnection, a PKIClient or a subsystem"):
        pki.cert.CertClient("https://ca.example.com:8443")  # type: ignore[arg-type]
