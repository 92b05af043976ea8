"""``pki.nssdb`` driven the way Dogtag's server tools drive it.

Each test replays one call sequence of ``pki.server`` (pkispawn's ``PKIDeployer``,
``PKIInstance``, ``PKISubsystem``, the ``pki-server`` CLI), with the arguments, keywords and
return-value handling found there, against real sql and dbm databases; results are compared
with what NSS's own tools (certutil, pk12util) report for the same database, and with what
upstream's implementation returns (read from its source: ``get_cert`` returns None for a
missing nickname, failures are ``subprocess.CalledProcessError`` with ``stderr``...).

The password files are written here as pkispawn's admin would (``password.conf`` with
``internal=``, a client password file with the bare password) and removed by the fixtures.
"""

from __future__ import annotations

import base64
import datetime
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7, pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from nssdb_fixtures import PASSWORD, certutil, certutil_certs, certutil_keys
from pki.nssdb import NSSDatabase, convert_cert, convert_csr, convert_pkcs7
from pki.testing.certs import CA

# what pkispawn passes for a CA signing request (PKIDeployer.generate_ca_signing_csr)
CA_BASIC_CONSTRAINTS = {"ca": True, "path_length": None, "critical": True}
CA_KEY_USAGE = {
    "digitalSignature": True, "nonRepudiation": True, "certSigning": True,
    "crlSigning": True, "critical": True,
}
# ... for KRA storage/transport requests
KRA_KEY_USAGE = {
    "digitalSignature": True, "nonRepudiation": True, "keyEncipherment": True,
    "dataEncipherment": True, "critical": True,
}
KRA_EXTENDED_KEY_USAGE = {"clientAuth": True}


@pytest.fixture(params=["sql", "dbm"])
def server_db(request, tmp_path, secret_files):
    """An instance's empty ``alias`` directory with the ``password.conf`` pkispawn writes,
    and the NSSDatabase ``PKIInstance.open_nssdb()`` builds over it."""
    alias = tmp_path / "alias"
    alias.mkdir()
    conf = secret_files("password.conf", f"internal={PASSWORD}\ninternaldb=Secret.DS\n")
    passwords = {"internal": PASSWORD, "internaldb": "Secret.DS"}
    spec = f"{request.param}:{alias}"
    db = NSSDatabase(
        directory=spec,
        token="internal",
        password=passwords["internal"],
        internal_password=passwords["internal"],
        passwords=passwords,
        password_conf=str(conf),
    )
    yield db, spec
    db.close()


def _pkcs12_names(path: Path, password_file: Path) -> list[str]:
    """The friendly names ``pk12util -l`` lists (keys and certificates)."""
    listed = subprocess.run(["pk12util", "-l", str(path), "-w", str(password_file)],
                            capture_output=True, text=True, check=False)
    assert listed.returncode == 0, listed.stderr
    return [line.split(":", 1)[1].strip() for line in listed.stdout.splitlines()
            if line.strip().startswith("Friendly Name:")]


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(Encoding.PEM).decode()


def test_create_server_nssdb(server_db):
    db, spec = server_db
    assert not db.exists()
    db.create()
    assert db.exists()
    # certutil opens it with the password from password.conf, and only with it
    assert certutil(spec, "-K", password=PASSWORD).returncode in (0, 255)
    assert "incorrect" in certutil(spec, "-K", password="wrong").stderr.lower()
    db.create()  # pkispawn only creates it when exists() is False; a second create is harmless
    assert db.get_dbtype() == spec.split(":")[0]


def test_ca_signing_cert_chain_import(server_db, test_ca):
    """import_ca_signing_cert / import_cert_chain / import_ds_ca_cert."""
    db, spec = server_db
    db.create()
    sub = CA("Sub CA", organization="Example Test", parent=test_ca)
    # pki_cert_chain_nickname: not there yet -> get_cert answers None
    assert db.get_cert("caSigningCert cert-pki-ca") is None
    assert db.get_cert("caSigningCert cert-pki-ca", token="internal") is None

    # a PKCS #7 chain, as pki_cert_chain_path usually holds
    p7 = pkcs7.serialize_certificates([sub.cert, test_ca.cert], Encoding.PEM).decode()
    db.import_cert_chain(
        nickname="caSigningCert cert-pki-ca", cert_chain_data=p7, trust_attributes="CT,C,C"
    )
    flags = certutil_certs(spec)
    assert flags["caSigningCert cert-pki-ca"] == "CT,C,C"
    root_nick = next(n for n in flags if n != "caSigningCert cert-pki-ca")
    assert flags[root_nick] == "CT,C,C"
    got = db.get_cert("caSigningCert cert-pki-ca")
    assert x509.load_pem_x509_certificate(got) == sub.cert
    assert db.get_trust("caSigningCert cert-pki-ca") == "CT,C,C"

    # the same chain as base-64 without header (FreeIPA's cainstance strips it): no change
    bare = convert_pkcs7(p7, "pem", "base64")
    db.import_cert_chain("caSigningCert cert-pki-ca", cert_chain_data=bare,
                         trust_attributes="CT,C,C")
    assert certutil_certs(spec) == flags

    # the DS CA certificate from a PEM file, with the trust pkispawn gives it
    ds_ca = CA("DS CA", organization="Directory")
    ds_file = Path(spec.split(":", 1)[1]).parent / "ds_ca.pem"
    ds_file.write_text(_pem(ds_ca.cert))
    db.import_cert_chain("DS CA certificate", token="internal", cert_chain_file=str(ds_file),
                         trust_attributes="CT,CT,CT")
    # NSS keeps no T for S/MIME and object signing: certutil -A -t CT,CT,CT stores CT,C,C too
    assert certutil_certs(spec)["DS CA certificate"] == "CT,C,C"
    assert db.get_cert("DS CA certificate", token="internal")


def test_system_cert_requests_and_import(server_db, test_ca, tmp_path):
    """generate_csr -> external CA -> import_system_cert / setup_system_cert (base-64 cert
    with trust flags) -> get_cert_info as PKIDeployer logs it -> clone trust fix-up."""
    db, spec = server_db
    db.create()
    db.add_cert("CA Signing Certificate", cert_data=_pem(test_ca.cert), trust_attributes="CT,C,C")

    csr_file = tmp_path / "request.csr"
    db.create_request(
        subject_dn="CN=CA Signing Certificate,O=EXAMPLE", request_file=str(csr_file),
        token=None, key_id=None, key_type="rsa", key_size=2048, key_wrap=False, curve=None,
        hash_alg="SHA256", basic_constraints_ext=CA_BASIC_CONSTRAINTS,
        key_usage_ext=CA_KEY_USAGE, extended_key_usage_ext=None, subject_key_id="DEFAULT",
        generic_exts=None, use_jss=True, request_type=None,
    )
    pem_csr = csr_file.read_text(encoding="utf-8")
    assert pem_csr.startswith("-----BEGIN CERTIFICATE REQUEST-----")
    b64 = convert_csr(pem_csr, "pem", "base64")
    csr = x509.load_der_x509_csr(base64.b64decode(b64))
    assert csr.is_signature_valid
    assert csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        "CA Signing Certificate"
    )
    bc = csr.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca and bc.value.path_length is None
    ku = csr.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.key_cert_sign and ku.value.crl_sign
    assert ku.value.digital_signature and ku.value.content_commitment
    ski = csr.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(csr.public_key())
    keys_before = certutil_keys(spec, PASSWORD)
    assert len(keys_before) == 1 and keys_before[0][0] == "rsa"

    # an EC request as for an EC subsystem cert, and KRA-style extensions
    ec_file = tmp_path / "ec.csr"
    db.create_request(
        subject_dn="CN=Subsystem Certificate,O=EXAMPLE", request_file=str(ec_file),
        key_type="ec", key_size=None, curve="nistp256", hash_alg="SHA256",
        key_usage_ext=KRA_KEY_USAGE, extended_key_usage_ext=KRA_EXTENDED_KEY_USAGE,
        use_jss=True,
    )
    ec_csr = x509.load_pem_x509_csr(ec_file.read_bytes())
    assert ec_csr.public_key().curve.name == "secp256r1"  # type: ignore[union-attr]
    eku = ec_csr.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]

    # the external CA signs; pkispawn imports the base-64 cert with its trust flags
    signed = test_ca.sign(csr.subject, csr.public_key(), usages=())
    cert_b64 = convert_cert(_pem(signed), "pem", "base64")
    db.add_cert(nickname="caSigningCert cert-pki-ca", cert_data=cert_b64,
                cert_format="base64", token="internal", trust_attributes="CT,C,C")
    flags = certutil_certs(spec)
    assert flags["caSigningCert cert-pki-ca"] == "CTu,Cu,Cu"  # the key was found
    keys = certutil_keys(spec, PASSWORD)  # certutil -K names keys "<token>:<nickname>"
    assert ("rsa", keys_before[0][1], "NSS Certificate DB:caSigningCert cert-pki-ca") in keys

    info = db.get_cert_info("caSigningCert cert-pki-ca", token="internal")
    assert info is not None
    assert hex(info["serial_number"]) == hex(signed.serial_number)
    assert info["subject"] == "CN=CA Signing Certificate,O=EXAMPLE"
    assert info["issuer"] == "CN=Test Root CA,O=Example Test"
    assert info["trust_flags"] == "CTu,Cu,Cu"
    assert isinstance(info["not_before"], float) and isinstance(info["not_after"], float)
    assert info["not_after"] == signed.not_valid_after_utc.timestamp() * 1000
    assert convert_cert(info["data"], "base64", "pem").replace("\n", "") == (
        _pem(signed).replace("\n", "")
    )
    assert db.find_keys(nickname="caSigningCert cert-pki-ca", token=None)["entries"][0][
        "keyId"
    ] == "0x" + keys_before[0][1]

    # a clone resets the trust flags with modify_cert
    db.modify_cert(nickname="caSigningCert cert-pki-ca", trust_attributes="CTu,Cu,Cu")
    assert certutil_certs(spec)["caSigningCert cert-pki-ca"] == "CTu,Cu,Cu"
    db.modify_cert(nickname="caSigningCert cert-pki-ca", trust_attributes="CT,C,C")
    assert certutil_certs(spec)["caSigningCert cert-pki-ca"] == "CTu,Cu,Cu"  # u: has a key

    # validate_system_cert: NSS's verdict, or CalledProcessError with stderr to log
    subsystem = test_ca.sign(ec_csr.subject, ec_csr.public_key(), usages=("client",))
    db.add_cert(nickname="subsystemCert cert-pki-ca", cert_data=_pem(subsystem))
    db.verify_cert("subsystemCert cert-pki-ca", token=None, cert_usage="SSLClient")
    with pytest.raises(subprocess.CalledProcessError) as caught:
        db.verify_cert("subsystemCert cert-pki-ca", token=None, cert_usage="SSLServer")
    assert isinstance(caught.value.stderr, str) and caught.value.stderr
    assert certutil(spec, "-V", "-n", "subsystemCert cert-pki-ca", "-u", "V").returncode != 0


def test_temp_sslserver_cert(server_db, tmp_path):
    """create_temp_sslserver_cert and remove_temp_sslserver_cert, for both key types."""
    db, spec = server_db
    db.create()
    nickname = "Server-Cert cert-pki-ca"
    for key_type, key_size, curve in (("rsa", 2048, None), ("ec", None, "nistp256")):
        assert db.get_cert(nickname=nickname) is None
        csr_file, cert_file = tmp_path / "sslserver.csr", tmp_path / "sslserver.crt"
        db.create_request(
            subject_dn="cn=pki.example.com,o=2026-01-01 00:00:00", request_file=str(csr_file),
            token="internal", key_type=key_type, key_size=key_size, curve=curve,
            hash_alg="SHA256", use_jss=True,
        )
        db.create_cert(request_file=str(csr_file), cert_file=str(cert_file), serial="12345",
                       validity=3, use_jss=True)
        db.add_cert(nickname=nickname, cert_file=str(cert_file), token="internal",
                    trust_attributes=None)
        pem_cert = db.get_cert(nickname=nickname)
        cert = x509.load_pem_x509_certificate(pem_cert)
        cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0]
        assert cn.value == "pki.example.com"
        assert cert.serial_number == 12345
        days = (cert.not_valid_after_utc - cert.not_valid_before_utc).days
        assert 88 <= days <= 92  # three months, as certutil -v 3
        assert certutil_certs(spec)[nickname] == "u,u,u"
        assert len(certutil_keys(spec, PASSWORD)) == 1
        db.remove_cert(nickname=nickname, remove_key=True)
        assert nickname not in certutil_certs(spec)
        assert certutil_keys(spec, PASSWORD) == []
    # removing what is not there fails as nss-cert-del did
    with pytest.raises(subprocess.CalledProcessError):
        db.remove_cert(nickname=nickname, remove_key=True)


def test_pkcs12_round_trip(server_db, test_ca, make_db, secret_files, tmp_path):
    """pki-server subsystem-cert-export / ca-clone-prepare (export_pkcs12 with nicknames,
    include_key, append, mac options) and pkispawn's import_pkcs12 on the clone."""
    db, spec = server_db
    db.create()
    db.add_cert("CA Signing Certificate", cert_data=_pem(test_ca.cert), trust_attributes="CT,C,C")
    for nickname in ("subsystemCert cert-pki-ca", "auditSigningCert cert-pki-ca"):
        csr_file = tmp_path / "r.csr"
        db.create_request(subject_dn=f"CN={nickname},O=EXAMPLE", request_file=str(csr_file),
                          key_type="rsa", key_size=2048, hash_alg="SHA256", use_jss=True)
        csr = x509.load_pem_x509_csr(csr_file.read_bytes())
        db.add_cert(nickname=nickname, cert_data=_pem(test_ca.sign(csr.subject, csr.public_key())))
    db.modify_cert(nickname="auditSigningCert cert-pki-ca", trust_attributes="u,u,Pu")

    p12 = tmp_path / "clone.p12"
    pw_file = secret_files("pkcs12_password.conf", "Secret.P12\n")
    db.export_pkcs12(pkcs12_file=str(p12), pkcs12_password=None,
                     pkcs12_password_file=str(pw_file),
                     nicknames=["subsystemCert cert-pki-ca"], include_key=True, append=False,
                     mac_type="classic", mac_digest="SHA256")
    db.export_pkcs12(pkcs12_file=str(p12), pkcs12_password_file=str(pw_file),
                     nicknames=["auditSigningCert cert-pki-ca"], include_key=True, append=True,
                     mac_type="classic", mac_digest="SHA256")
    names = _pkcs12_names(p12, pw_file)
    # each key and its certificate once (named by nickname alone, as pk12util writes them),
    # the CA once per appended export (JSS merges it; NSS imports the duplicate as one)
    assert names.count("subsystemCert cert-pki-ca") == 2
    assert names.count("auditSigningCert cert-pki-ca") == 2
    assert "CA Signing Certificate" in names
    assert not [n for n in names if ":" in n]
    loaded = pkcs12.load_pkcs12(p12.read_bytes(), b"Secret.P12")
    subjects = {c.certificate.subject.rfc4514_string() for c in loaded.additional_certs}
    assert loaded.cert is not None and loaded.key is not None
    assert subjects | {loaded.cert.certificate.subject.rfc4514_string()} >= {
        "CN=subsystemCert cert-pki-ca,O=EXAMPLE", "CN=auditSigningCert cert-pki-ca,O=EXAMPLE",
    }

    db.close()  # on another host, in real life (see test_trust_flags_travel_...)
    clone = make_db(identity=False)  # the clone's alias directory, with the CA certificate
    clone_db = NSSDatabase(clone.spec, password=PASSWORD)
    try:
        clone_db.import_pkcs12(pkcs12_file=str(p12), pkcs12_password="Secret.P12")
        flags = certutil_certs(clone.spec)
        assert flags["subsystemCert cert-pki-ca"] == "u,u,u"
        assert flags["auditSigningCert cert-pki-ca"] == "u,u,Pu"  # the file's trust flags
        assert len(certutil_keys(clone.spec, PASSWORD)) == 2
        # the same file once more (a retried pkispawn) changes nothing
        clone_db.import_pkcs12(pkcs12_file=str(p12), pkcs12_password="Secret.P12")
        assert certutil_certs(clone.spec) == flags
        with pytest.raises(subprocess.CalledProcessError):
            clone_db.import_pkcs12(pkcs12_file=str(p12), pkcs12_password="wrong")
        with pytest.raises(Exception, match="Missing PKCS #12 password"):
            clone_db.import_pkcs12(pkcs12_file=str(p12))
    finally:
        clone_db.close()

    # export_system_cert with no_key: certificates only, appended
    certs_only = tmp_path / "certs.p12"
    db.export_pkcs12(pkcs12_file=str(certs_only), pkcs12_password="Secret.P12",
                     nicknames=["subsystemCert cert-pki-ca"], include_key=False, append=True,
                     mac_type="classic", mac_digest="SHA256")
    assert "subsystemCert cert-pki-ca" in _pkcs12_names(certs_only, pw_file)
    loaded = pkcs12.load_pkcs12(certs_only.read_bytes(), b"Secret.P12")
    assert loaded.key is None
    for path in (p12, certs_only):
        path.unlink()


def test_client_nssdb_admin_cert(make_db, secret_files, tmp_path):
    """The client database pkispawn makes for the admin: ``password_file`` holding the bare
    password, the admin cert imported with ',,' and exported without its chain."""
    agent = make_db(identity=False)
    client_pw = secret_files("password.txt", PASSWORD)
    client = NSSDatabase(directory=agent.db.directory, password_file=str(client_pw))
    try:
        # get_admin_cert: nothing yet
        assert client.get_cert_info("PKI Administrator") is None
        assert client.get_cert("PKI Administrator") is None
        # import_admin_cert: the admin cert (no key yet) with empty trust
        client.import_cert_chain(nickname="PKI Administrator",
                                 cert_chain_data=_pem(agent.rsa.cert), trust_attributes=",,")
        assert certutil_certs(agent.spec)["PKI Administrator"] == ",,"
        info = client.get_cert_info("PKI Administrator")
        assert info["trust_flags"] == ",,"
        assert x509.load_pem_x509_certificate(
            convert_cert(info["data"], "base64", "pem").encode()
        ) == agent.rsa.cert
    finally:
        client.close()

    # with the key: the admin PKCS #12 file, exported as export_admin_pkcs12 does
    agent2 = make_db()
    client = NSSDatabase(directory=agent2.spec, password_file=str(client_pw))
    p12_pw = secret_files("pkcs12_password.conf", "Secret.P12")
    p12 = tmp_path / "ca_admin_cert.p12"
    try:
        assert client.get_cert("PKI Administrator")
        client.export_pkcs12(str(p12), pkcs12_password_file=str(p12_pw),
                             nicknames=["PKI Administrator"], include_chain=False)
        # the key and the certificate, no CA (include_chain=False)
        assert _pkcs12_names(p12, p12_pw) == ["PKI Administrator", "PKI Administrator"]
    finally:
        client.close()
        p12.unlink(missing_ok=True)


def test_empty_password_falls_back_to_the_password_file(make_db, secret_files):
    """Upstream treats ``password=''`` as no password (``if password:``) and uses the file."""
    agent = make_db()
    pw_file = secret_files("password.txt", PASSWORD)
    db = NSSDatabase(agent.spec, password="", password_file=str(pw_file))
    try:
        assert db.find_keys()["total"] == 1
    finally:
        db.close()
    db = NSSDatabase(agent.spec, internal_password="", password_file=str(pw_file))
    try:
        assert db.find_keys()["total"] == 1
    finally:
        db.close()


def test_get_cert_info_of_an_empty_subject_is_none_as_upstream(make_db, test_ca):
    """``pki.convert_x509_name_to_dn`` gives None for an empty name: so does the dict."""
    agent = make_db(identity=False)
    key = agent.ec.key
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = test_ca.sign(x509.Name([]), key.public_key(), usages=(),
                        not_before=now - datetime.timedelta(hours=1))
    with NSSDatabase(agent.spec, password=PASSWORD) as db:
        db.add_cert("No Subject", cert_data=_pem(cert))
        info = db.get_cert_info("No Subject")
    assert info["subject"] is None
    assert info["issuer"] == "CN=Test Root CA,O=Example Test"


@pytest.mark.parametrize("cert_encryption", [None, "none", "AES-128-CBC", "aes-256-cbc"])
def test_export_cert_encryption_as_pki_server_cert_export(
    make_db, secret_files, tmp_path, cert_encryption
):
    """``pki-server cert-export --cert-encryption``: certificates unencrypted unless asked
    (JSS's default), encrypted with the cipher named; nicknames alone either way; openssl
    and pk12util both read the file."""
    agent = make_db()
    pw_file = secret_files("p12.pw", "Secret.P12")
    target = tmp_path / "out.p12"
    with NSSDatabase(agent.spec, password=PASSWORD) as db:
        db.export_pkcs12(str(target), pkcs12_password_file=str(pw_file),
                         nicknames=["PKI Administrator"], cert_encryption=cert_encryption)
    try:
        assert sorted(_pkcs12_names(target, pw_file)) == [
            "CA Signing Certificate", "PKI Administrator", "PKI Administrator",
        ]
        info = subprocess.run(
            ["openssl", "pkcs12", "-in", str(target), "-passin", f"file:{pw_file}",
             "-nokeys", "-info"], capture_output=True, text=True, check=False,
        )
        assert info.returncode == 0, info.stderr
        encrypted = [line for line in info.stderr.splitlines() if "Encrypted data" in line]
        if cert_encryption in (None, "none"):
            assert encrypted == []
        else:
            assert len(encrypted) == 1 and cert_encryption.upper() in encrypted[0]
    finally:
        target.unlink(missing_ok=True)
    with pytest.raises(subprocess.CalledProcessError, match="unsupported certificate encryption"):
        NSSDatabase(agent.spec, password=PASSWORD).export_pkcs12(
            str(target), pkcs12_password="x", cert_encryption="RC4"
        )
    assert not target.exists()


def test_export_names_bags_after_this_database_while_another_holds_them(
    make_db, secret_files, tmp_path
):
    """pki-server keeps several databases open in one process (the instance's, a client's):
    while another one holds the same certificates in memory, NSS names them after that
    database (``<its token>:<nickname>``). The file still carries this database's
    nicknames, and the key bag its certificate's. (Here the other database's objects stay
    alive in a failed call's traceback, as a caller that keeps the exception has them.)"""
    other = make_db()
    try:
        NSSDatabase(other.spec, password=PASSWORD).export_pkcs12(
            str(tmp_path / "refused.p12"), pkcs12_password="x", cert_encryption="RC4"
        )
    except subprocess.CalledProcessError as exc:
        kept = exc  # with its traceback, which holds the other database's objects
    agent = make_db()
    pw_file = secret_files("p12.pw", "Secret.P12")
    target = tmp_path / "out.p12"
    with NSSDatabase(agent.spec, password=PASSWORD) as db:
        db.export_pkcs12(str(target), pkcs12_password_file=str(pw_file),
                         nicknames=["PKI Administrator"])
    try:
        assert sorted(_pkcs12_names(target, pw_file)) == [
            "CA Signing Certificate", "PKI Administrator", "PKI Administrator",
        ]
    finally:
        target.unlink(missing_ok=True)
        del kept


def test_append_refuses_a_file_with_another_password(make_db, secret_files, tmp_path):
    agent = make_db()
    target = tmp_path / "out.p12"
    with NSSDatabase(agent.spec, password=PASSWORD) as db:
        db.export_pkcs12(str(target), pkcs12_password="first")
        before = target.read_bytes()
        with pytest.raises(subprocess.CalledProcessError, match="password does not match"):
            db.export_pkcs12(str(target), pkcs12_password="second", append=True)
    assert target.read_bytes() == before  # nothing half-written
    target.unlink()


def test_request_for_an_existing_key(server_db, tmp_path):
    """create_cert_key (create_key -> 'keyId'), then find_cert_key and a request with
    ``key_id=``, an explicit subject key ID and pkispawn's generic extension (bytes)."""
    db, spec = server_db
    db.create()
    created = db.create_key(token="internal", key_type="RSA", key_size=None, key_wrap=False,
                            curve=None, ssl_ecdh=False, op_flags=None, op_flags_mask=None,
                            key_strength="2048")
    assert set(created) >= {"keyId"} and created["keyId"].startswith("0x")
    assert [k[1] for k in certutil_keys(spec, PASSWORD)] == [created["keyId"][2:]]
    found = db.find_keys()["entries"]
    assert [k["keyId"] for k in found] == [created["keyId"]]

    csr_file = tmp_path / "reuse.csr"
    generic = {"oid": "1.2.3.4.5", "data": bytes.fromhex("0c0474657374"), "critical": False}
    db.create_request(
        subject_dn="CN=Reused Key,O=EXAMPLE", request_file=str(csr_file), token=None,
        key_id=created["keyId"], key_type="rsa", key_size=2048, hash_alg="SHA256",
        basic_constraints_ext=CA_BASIC_CONSTRAINTS, key_usage_ext=CA_KEY_USAGE,
        subject_key_id="0a0b0c0d", generic_exts=[generic], use_jss=True,
    )
    csr = x509.load_pem_x509_csr(csr_file.read_bytes())
    assert csr.is_signature_valid
    assert len(certutil_keys(spec, PASSWORD)) == 1  # no new key
    ski = csr.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert ski.digest == bytes.fromhex("0a0b0c0d")
    ext = csr.extensions.get_extension_for_oid(x509.ObjectIdentifier("1.2.3.4.5"))
    assert ext.value.value == generic["data"] and not ext.critical  # type: ignore[attr-defined]
    assert generic == {"oid": "1.2.3.4.5", "data": bytes.fromhex("0c0474657374"),
                       "critical": False}  # the caller's dict is left as it was


def test_temp_cert_from_the_local_ca_and_cert_update(server_db, tmp_path):
    """PKISubsystem.create_temp_cert (create_cert with the CA signing cert as issuer and
    pkispawn's extension dicts) and pki-server subsystem-cert-update (get_cert base64,
    remove_cert without the key, add_cert of the new certificate, get_cert_info data)."""
    db, spec = server_db
    db.create()
    ca_csr, ca_file = tmp_path / "ca.csr", tmp_path / "ca.crt"
    db.create_request(subject_dn="CN=CA Signing Certificate,O=EXAMPLE",
                      request_file=str(ca_csr), key_type="rsa", key_size=2048,
                      basic_constraints_ext=CA_BASIC_CONSTRAINTS, key_usage_ext=CA_KEY_USAGE,
                      use_jss=True)
    db.create_cert(request_file=str(ca_csr), cert_file=str(ca_file), serial=1, validity=12,
                   basic_constraints_ext=CA_BASIC_CONSTRAINTS, key_usage_ext=CA_KEY_USAGE,
                   ski_ext={"sk_id": "0a0b0c0d0e"}, use_jss=True)
    db.add_cert(nickname="caSigningCert cert-pki-ca", cert_file=str(ca_file),
                trust_attributes="CT,C,C")
    assert certutil_certs(spec)["caSigningCert cert-pki-ca"] == "CTu,Cu,Cu"

    csr_file, cert_file = tmp_path / "sslserver.csr", tmp_path / "sslserver.crt"
    db.create_request(subject_dn="CN=pki.example.com", request_file=str(csr_file),
                      key_type="rsa", key_size=2048, use_jss=True)
    rc = db.create_cert(
        issuer="caSigningCert cert-pki-ca", request_file=str(csr_file),
        cert_file=str(cert_file), serial=str(0x1234), key_usage_ext=KRA_KEY_USAGE,
        aki_ext={"auth_key_id": "0x0a0b0c0d0e"}, ext_key_usage_ext={"serverAuth": True},
        use_jss=True,
    )
    assert rc == 0
    issued = x509.load_pem_x509_certificate(cert_file.read_bytes())
    aki = issued.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == bytes.fromhex("0a0b0c0d0e")  # the CA's own SKI (keyid)
    assert issued.issuer.rfc4514_string() == "CN=CA Signing Certificate,O=EXAMPLE"
    db.add_cert(nickname="Server-Cert cert-pki-ca", cert_file=str(cert_file))
    verified = certutil(spec, "-V", "-n", "Server-Cert cert-pki-ca", "-u", "V")
    assert verified.returncode == 0, verified.stdout + verified.stderr

    # subsystem-cert-update with a renewed certificate for the same key
    renewed_file = tmp_path / "renewed.crt"
    db.create_cert(issuer="caSigningCert cert-pki-ca", request_file=str(csr_file),
                   cert_file=str(renewed_file), serial=0x1235,
                   ext_key_usage_ext={"serverAuth": True}, use_jss=True)
    data = db.get_cert(nickname="Server-Cert cert-pki-ca", output_format="base64")
    assert isinstance(data, str) and base64.b64decode(data) == issued.public_bytes(Encoding.DER)
    db.remove_cert(nickname="Server-Cert cert-pki-ca")
    assert len(certutil_keys(spec, PASSWORD)) == 2  # the key stays for the new certificate
    db.add_cert(nickname="Server-Cert cert-pki-ca", cert_file=str(renewed_file))
    assert certutil_certs(spec)["Server-Cert cert-pki-ca"] == "u,u,u"
    info = db.get_cert_info("Server-Cert cert-pki-ca")
    assert info["serial_number"] == 0x1235
    lines = [info["data"][i : i + 64] for i in range(0, len(info["data"]), 64)]
    assert x509.load_der_x509_certificate(base64.b64decode("".join(lines))).serial_number == (
        0x1235
    )


def test_trust_flags_travel_in_the_pkcs12_file(server_db, make_db, secret_files, tmp_path):
    """ca-clone-prepare -> clone: JSS stores each certificate's trust flags in the file
    (attribute 2.16.840.1.113730.5.1.1.1) and sets them on import; NSS's own import gives
    CA certificates no trust at all."""
    db, spec = server_db
    db.create()
    ca = CA("Clone Root", organization="Example Test")
    db.add_cert("caSigningCert cert-pki-ca", cert_data=_pem(ca.cert), trust_attributes="CT,C,C")
    csr_file = tmp_path / "audit.csr"
    db.create_request(subject_dn="CN=Audit,O=EXAMPLE", request_file=str(csr_file),
                      key_type="rsa", key_size=2048, use_jss=True)
    csr = x509.load_pem_x509_csr(csr_file.read_bytes())
    db.add_cert("auditSigningCert cert-pki-ca", cert_data=_pem(ca.sign(csr.subject,
                csr.public_key())), trust_attributes="u,u,Pu")
    p12, pw_file = tmp_path / "clone.p12", secret_files("p12.pw", "Secret.P12")
    try:
        db.export_pkcs12(str(p12), pkcs12_password_file=str(pw_file),
                         nicknames=["auditSigningCert cert-pki-ca"])
        info = subprocess.run(["openssl", "pkcs12", "-in", str(p12), "-passin",
                               f"file:{pw_file}", "-nokeys", "-info"],
                              capture_output=True, text=True, check=False)
        assert info.returncode == 0, info.stderr
        assert "2.16.840.1.113730.5.1.1.1: CT,C,C" in info.stdout
        assert "2.16.840.1.113730.5.1.1.1: u,u,Pu" in info.stdout

        # NSS caches certificates per process: trust is only set with the source closed;
        # while it is open the import is refused and undone
        clone = make_db(identity=False)
        before = certutil_certs(clone.spec)
        with pytest.raises(subprocess.CalledProcessError, match="close that NSSDatabase"):
            NSSDatabase(clone.spec, password=PASSWORD).import_pkcs12(
                pkcs12_file=str(p12), pkcs12_password="Secret.P12"
            )
        assert certutil_certs(clone.spec) == before
        assert certutil_keys(clone.spec, PASSWORD) == []
        db.close()
        with NSSDatabase(clone.spec, password=PASSWORD) as clone_db:
            clone_db.import_pkcs12(pkcs12_file=str(p12), pkcs12_password="Secret.P12")
        flags = certutil_certs(clone.spec)
        assert flags["auditSigningCert cert-pki-ca"] == "u,u,Pu"
        assert flags["caSigningCert cert-pki-ca"] == "CT,C,C"

        # include_trust_flags=False (pki-server --no-trust-flags): pk12util's behaviour
        db.export_pkcs12(str(p12), pkcs12_password_file=str(pw_file),
                         nicknames=["auditSigningCert cert-pki-ca"], include_trust_flags=False)
        db.close()
        plain = make_db(identity=False)
        with NSSDatabase(plain.spec, password=PASSWORD) as plain_db:
            plain_db.import_pkcs12(pkcs12_file=str(p12), pkcs12_password="Secret.P12")
        flags = certutil_certs(plain.spec)
        assert flags["auditSigningCert cert-pki-ca"] == "u,u,u"
        assert flags["caSigningCert cert-pki-ca"] == ",,"
    finally:
        p12.unlink(missing_ok=True)
