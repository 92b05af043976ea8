"""pki.nssdb and pki.util keep upstream master's API: names, parameters, defaults, results.

The signature tables below are upstream's (dogtagpki/pki master, ``base/common/python/pki``):
every name must exist here with the same parameters in the same order and the same defaults
(this implementation may add keyword-only parameters after them). The behaviour tests read
databases made by certutil and compare with what certutil reports.
"""

from __future__ import annotations

import base64
import inspect
import os
import subprocess
import sys

import pki.nssdb
import pki.util
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7
from nssdb_fixtures import PASSWORD, certutil, certutil_certs
from pki.nssdb import NSSDatabase
from pki.testing.certs import CA

# upstream's parameters as its source spells them: 'name' or 'name=default'
UPSTREAM_NSSDB_FUNCTIONS = {
    "convert_data": (
        'data, input_format, output_format, header=None, footer=None, headers=None, footers=None'
    ),
    "convert_csr": 'csr_data, input_format, output_format',
    "convert_cert": 'cert_data, input_format, output_format',
    "convert_pkcs7": 'pkcs7_data, input_format, output_format',
    "get_pem_type": 'data',
    "split_pem_data": 'data',
    "internal_token": 'token',
    "normalize_token": 'token',
}

UPSTREAM_NSSDATABASE_METHODS = {
    "__init__": (
        'directory=None, token=None, password=None, password_file=None, internal_password=None, '
        'internal_password_file=None, passwords=None, password_conf=None, user=None, group=None'
    ),
    "run": (
        'cmd, input=None, stdout=None, stderr=None, capture_output=False, check=False, text=None,'
        ' runas=False'
    ),
    "create": 'enable_trust_policy=False',
    "exists": '',
    "close": '',
    "get_effective_token": 'token=None',
    "create_password_file": 'tmpdir, password, filename=None',
    "get_all_passwords": '',
    "get_password_file": 'tmpdir, token, filename=None, all_tokens=False',
    "create_tmpdir": '',
    "get_dbtype": '',
    "needs_conversion": '',
    "convert_db": '',
    "module_exists": 'name',
    "add_module": 'name, library',
    "find_keys": 'nickname=None, token=None',
    "create_key": (
        'token=None, key_type=None, key_size=None, key_wrap=False, curve=None, ssl_ecdh=False, '
        'op_flags=None, op_flags_mask=None, key_strength=None'
    ),
    "add_cert": (
        "nickname, cert_file=None, cert_data=None, cert_format='pem', token=None, "
        'trust_attributes=None, use_jss=True, runas=True'
    ),
    "add_ca_cert": "cert_data=None, cert_file=None, cert_format=None, trust_attributes='CT,C,C'",
    "modify_cert": 'nickname, trust_attributes',
    "create_noise": "noise_file, size=2048, key_type='rsa'",
    "create_request": (
        'subject_dn, request_file, token=None, noise_file=None, key_id=None, cka_id=None, '
        'key_type=None, key_size=None, key_wrap=False, curve=None, hash_alg=None, '
        'basic_constraints_ext=None, key_usage_ext=None, extended_key_usage_ext=None, '
        'subject_key_id=None, generic_exts=None, use_jss=False, request_type=None'
    ),
    "create_cert": (
        'request_file, cert_file, serial=None, issuer=None, key_usage_ext=None, '
        'basic_constraints_ext=None, aki_ext=None, ski_ext=None, aia_ext=None, '
        'ext_key_usage_ext=None, validity=None, use_jss=False'
    ),
    "show_certs": '',
    "get_trust": 'nickname, token=None',
    "show_cert": 'nickname, token=None',
    "get_cert": "nickname, token=None, output_format='pem', output_text=False",
    "get_cert_info": 'nickname, token=None',
    "verify_cert": (
        "nickname=None, token=None, cert_data=None, cert_file=None, cert_format='PEM', "
        'cert_usage=None'
    ),
    "convert_time_to_millis": 'date',
    "export_cert_bundle": (
        'nickname, token=None, include_chain=True, output_file=None, output_format=None'
    ),
    "export_cert": (
        'nickname, pkcs12_file, pkcs12_password=None, pkcs12_password_file=None, '
        'friendly_name=None, cert_encryption=None, key_encryption=None, append=False, '
        'include_trust_flags=True, include_key=True, include_chain=True'
    ),
    "remove_cert": 'nickname, token=None, remove_key=False',
    "import_cert_chain": (
        'nickname, cert_chain_data=None, cert_chain_file=None, token=None, trust_attributes=None'
    ),
    "create_pkcs7": 'cert_chain=None, cert_files=None, cert_format=None, append=False',
    "get_pkcs7_certs": 'pkcs7_data=None, pkcs7_file=None',
    "import_pkcs7": (
        'pkcs7_data=None, pkcs7_file=None, nickname=None, token=None, trust_attributes=None'
    ),
    "export_pkcs7": "nickname=None, token=None, output_format='PEM'",
    "import_pkcs12": (
        'pkcs12_file, pkcs12_password=None, pkcs12_password_file=None, no_user_certs=False, '
        'no_ca_certs=False, overwrite=False'
    ),
    "export_pkcs12": (
        'pkcs12_file, pkcs12_password=None, pkcs12_password_file=None, nicknames=None, '
        'cert_encryption=None, key_encryption=None, append=False, include_trust_flags=True, '
        'include_key=True, include_chain=True, mac_type=None, mac_digest=None'
    ),
}

UPSTREAM_UTIL_FUNCTIONS = {
    "replace_params": 'line, params=None',
    "makedirs": 'path, mode=511, exist_ok=False, uid=-1, gid=-1, force=False',
    "symlink": 'source, dest, uid=-1, gid=-1, exist_ok=False',
    "copy": 'source, dest, uid=-1, gid=-1, dir_mode=None, file_mode=None, force=False',
    "copyfile": 'source, dest, params=None, uid=None, gid=None, mode=None, force=False',
    "copydirs": 'source, dest, uid=-1, gid=-1, mode=None, force=False',
    "chown": 'path, uid, gid',
    "chmod": 'path, mode',
    "remove": 'path, force=False',
    "rmtree": 'path, force=False',
    "unlink": 'link, force=False',
    "customize_file": 'input_file, output_file, params',
    "load_properties": 'filename, properties',
    "store_properties": 'filename, properties',
    "set_property": 'properties, name, value',
    "copytree": 'src, dst, symlinks=False, ignore=None',
    "read_environment_files": 'env_file_list=None',
    "read_text": (
        "message, options=None, default=None, delimiter=':', case_sensitive=True, password=False,"
        ' required=False'
    ),
}


def _ours(func) -> str:
    """``func``'s positional-or-keyword parameters rendered like the tables above."""
    rendered = []
    for param in inspect.signature(func).parameters.values():
        if param.name == "self" or param.kind is not param.POSITIONAL_OR_KEYWORD:
            continue
        if param.default is param.empty:
            rendered.append(param.name)
        else:
            rendered.append(f"{param.name}={param.default!r}")
    return ", ".join(rendered)


@pytest.mark.parametrize("name", sorted(UPSTREAM_NSSDB_FUNCTIONS))
def test_module_functions_as_upstream(name):
    assert _ours(getattr(pki.nssdb, name)) == UPSTREAM_NSSDB_FUNCTIONS[name]


@pytest.mark.parametrize("name", sorted(UPSTREAM_NSSDATABASE_METHODS))
def test_nssdatabase_methods_as_upstream(name):
    method = getattr(NSSDatabase, name)
    assert _ours(method) == UPSTREAM_NSSDATABASE_METHODS[name]


def test_constructor_adds_only_keyword_only_parameters():
    extra = [
        p.name for p in inspect.signature(NSSDatabase.__init__).parameters.values()
        if p.kind is p.KEYWORD_ONLY
    ]
    assert extra == ["password_callback", "read_only"]


@pytest.mark.parametrize("name", sorted(UPSTREAM_UTIL_FUNCTIONS))
def test_util_functions_as_upstream(name):
    assert _ours(getattr(pki.util, name)) == UPSTREAM_UTIL_FUNCTIONS[name]


def test_upstream_module_constants():
    assert pki.util.DEFAULT_PKI_ENV_LIST == ["/usr/share/pki/etc/pki.conf", "/etc/pki/pki.conf"]
    assert pki.nssdb.INTERNAL_TOKEN_NAME == "internal"
    assert pki.nssdb.INTERNAL_TOKEN_FULL_NAME == "Internal Key Storage Token"
    assert pki.nssdb.CERT_HEADER == "-----BEGIN CERTIFICATE-----"
    assert pki.nssdb.LEGACY_CSR_FOOTER == "-----END NEW CERTIFICATE REQUEST-----"
    assert pki.nssdb.PEM_HEADERS[0] == pki.nssdb.PRIVATE_KEY_HEADER
    assert len(pki.nssdb.PEM_HEADERS) == len(pki.nssdb.PEM_FOOTERS) == 5
    assert pki.nssdb.PKCS7_FOOTER == "-----END PKCS7-----"


def test_import_loads_no_nss_library():
    script = "import pki.nssdb, pki.nss._lib as l; print(l._library is None)"
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)),
    ).stdout
    assert out.strip() == "True"


# -- module-level helpers --------------------------------------------------------------------


def test_convert_cert_round_trip():
    pem = CA("Convert").cert_pem.decode()
    b64 = pki.nssdb.convert_cert(pem, "pem", "base64")
    assert "\n" not in b64 and "BEGIN" not in b64
    assert base64.b64decode(b64) == x509.load_pem_x509_certificate(pem.encode()).public_bytes(
        Encoding.DER
    )
    back = pki.nssdb.convert_cert(b64, "base64", "pem")
    assert back.startswith("-----BEGIN CERTIFICATE-----\n") and back.endswith("-----\n")
    assert all(len(line) <= 64 for line in back.splitlines())
    assert x509.load_pem_x509_certificate(back.encode()) == x509.load_pem_x509_certificate(
        pem.encode()
    )
    assert pki.nssdb.convert_cert(pem, "PEM", "pem") == pem
    with pytest.raises(Exception, match="Unable to convert data from DER to PEM"):
        pki.nssdb.convert_cert(pem, "der", "pem")


def test_convert_csr_accepts_the_legacy_header():
    legacy = (
        "-----BEGIN NEW CERTIFICATE REQUEST-----\nQUJD\nREVG\n"
        "-----END NEW CERTIFICATE REQUEST-----\n"
    )
    assert pki.nssdb.convert_csr(legacy, "pem", "base64") == "QUJDREVG"
    assert pki.nssdb.convert_pkcs7("QUJD", "base64", "pem") == (
        "-----BEGIN PKCS7-----\nQUJD\n-----END PKCS7-----\n"
    )


def test_pem_types_and_splitting():
    cert = CA("Split").cert_pem.decode()
    assert pki.nssdb.get_pem_type(cert) == "CERTIFICATE"
    assert pki.nssdb.get_pem_type("-----BEGIN PKCS7-----\n") == "PKCS7"
    assert pki.nssdb.get_pem_type("-----BEGIN NEW CERTIFICATE REQUEST-----") == (
        "CERTIFICATE REQUEST"
    )
    assert pki.nssdb.get_pem_type("-----BEGIN PRIVATE KEY-----") == "PRIVATE KEY"
    assert pki.nssdb.get_pem_type("MIIB") is None
    parts = pki.nssdb.split_pem_data(cert + cert)
    assert parts == [cert, cert]
    assert pki.nssdb.split_pem_data("MIIBbase64\nmore") == ["MIIBbase64\nmore\n"]


def test_token_names():
    for name in (None, "", "internal", "INTERNAL", "Internal Key Storage Token"):
        assert pki.nssdb.internal_token(name)
        assert pki.nssdb.normalize_token(name) is None
    assert not pki.nssdb.internal_token("HSM")
    assert pki.nssdb.normalize_token("HSM") == "HSM"


# -- reading a certutil-made database ----------------------------------------------------------


def test_get_cert_formats(sql_db):
    db = NSSDatabase(sql_db.spec)  # no password needed to read certificates
    der = sql_db.rsa.cert.public_bytes(Encoding.DER)
    pem = db.get_cert("PKI Administrator")
    assert isinstance(pem, bytes) and pem.startswith(b"-----BEGIN CERTIFICATE-----\r\n")
    assert x509.load_pem_x509_certificate(pem) == sql_db.rsa.cert
    text = db.get_cert("PKI Administrator", output_text=True)
    assert isinstance(text, str) and text == pem.decode()
    b64 = db.get_cert("PKI Administrator", output_format="base64")
    assert isinstance(b64, str) and base64.b64decode(b64) == der
    pretty = db.get_cert("PKI Administrator", output_format="pretty-print", output_text=True)
    assert "CN=PKI Administrator,O=Example" in pretty and "Not After" in pretty
    assert db.get_cert("internal:PKI Administrator") == pem
    assert db.get_cert("No Such Nickname") is None
    with pytest.raises(Exception, match="Unsupported output format: xml"):
        db.get_cert("PKI Administrator", output_format="xml")
    db.close()


def test_get_cert_info_is_upstreams_dict(sql_db):
    with NSSDatabase(sql_db.spec) as db:
        info = db.get_cert_info("PKI Administrator")
        assert db.get_cert_info("No Such Nickname") is None
    cert = sql_db.rsa.cert
    assert set(info) == {
        "object", "data", "serial_number", "issuer", "subject", "not_before", "not_after",
        "trust_flags",
    }
    assert info["object"] == cert
    assert info["data"] == base64.b64encode(cert.public_bytes(Encoding.DER)).decode()
    assert info["serial_number"] == cert.serial_number
    assert info["subject"] == "CN=PKI Administrator,O=Example"
    assert info["issuer"] == "CN=Test Root CA,O=Example Test"
    assert info["not_before"] == cert.not_valid_before_utc.timestamp() * 1000
    assert info["not_after"] == cert.not_valid_after_utc.timestamp() * 1000
    assert info["trust_flags"] == certutil_certs(sql_db.spec)["PKI Administrator"] == "u,u,u"


def test_get_trust_matches_certutil(rich_db):
    db_files, _ = rich_db
    with NSSDatabase(db_files.spec) as db:
        for nickname, flags in certutil_certs(db_files.spec).items():
            assert db.get_trust(nickname) == flags
        assert db.get_trust("nope") is None


def test_show_certs_prints_what_certutil_prints(rich_db, capsys):
    db_files, _ = rich_db
    NSSDatabase(db_files.spec).show_certs()
    ours = capsys.readouterr().out.splitlines()
    theirs = certutil(db_files.spec, "-L").stdout.splitlines()
    assert ours[:4] == theirs[:4]
    assert sorted(ours[4:]) == sorted(theirs[4:])


def test_show_cert(sql_db, capsys):
    db = NSSDatabase(sql_db.spec)
    assert db.show_cert("PKI Administrator") is None
    out = capsys.readouterr().out
    assert "Nickname: PKI Administrator" in out and "CN=Test Root CA,O=Example Test" in out
    db.show_cert("nope")
    assert capsys.readouterr().out == ""


def test_export_cert_bundle(sql_db, tmp_path, capsysbinary):
    db = NSSDatabase(sql_db.spec)
    target = tmp_path / "bundle.pem"
    db.export_cert_bundle("PKI Administrator", output_file=str(target))
    certs = x509.load_pem_x509_certificates(target.read_bytes())
    assert certs == [sql_db.rsa.cert, sql_db.ca.cert]
    db.export_cert_bundle("PKI Administrator", include_chain=False, output_format="DER")
    assert capsysbinary.readouterr().out == sql_db.rsa.cert.public_bytes(Encoding.DER)
    with pytest.raises(subprocess.CalledProcessError, match="chain of DER"):
        db.export_cert_bundle("PKI Administrator", output_format="DER")


def test_pkcs7_helpers(sql_db, tmp_path):
    db = NSSDatabase(sql_db.spec)
    chain = db.export_pkcs7("PKI Administrator")
    assert chain.startswith("-----BEGIN PKCS7-----")
    assert set(pkcs7.load_pem_pkcs7_certificates(chain.encode())) == {
        sql_db.rsa.cert, sql_db.ca.cert,
    }
    der = base64.b64decode(db.export_pkcs7("PKI Administrator", output_format="DER"))
    assert set(pkcs7.load_der_pkcs7_certificates(der)) == {sql_db.rsa.cert, sql_db.ca.cert}
    certs = db.get_pkcs7_certs(pkcs7_data=chain)
    assert [x509.load_pem_x509_certificate(c.encode()) for c in certs] == [
        sql_db.ca.cert, sql_db.rsa.cert,
    ]  # root first
    path = tmp_path / "chain.p7b"
    path.write_text(chain)
    assert db.get_pkcs7_certs(pkcs7_file=str(path)) == certs
    made = db.create_pkcs7(cert_chain=certs)
    assert set(pkcs7.load_pem_pkcs7_certificates(made.encode())) == {
        sql_db.rsa.cert, sql_db.ca.cert,
    }


def test_exists_and_tokens(sql_db, tmp_path):
    assert NSSDatabase(sql_db.spec).exists()
    assert not NSSDatabase(str(tmp_path)).exists()
    db = NSSDatabase(sql_db.spec, token="internal")
    assert db.token is None and db.get_effective_token() is None
    hsm = NSSDatabase(sql_db.spec, token="NHSM6000")
    assert hsm.get_effective_token() == "NHSM6000"
    assert hsm.get_effective_token("other") == "other"
    with pytest.raises(subprocess.CalledProcessError, match="'NHSM6000': only the database's"):
        hsm.get_cert("PKI Administrator")


def test_default_directory_is_upstreams(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    db = NSSDatabase()
    assert db.directory == str(tmp_path / ".dogtag" / "nssdb")


def test_password_files_are_never_written(sql_db, tmp_path):
    db = NSSDatabase(sql_db.spec, password=PASSWORD, passwords={"internal": PASSWORD})
    with pytest.raises(subprocess.CalledProcessError, match="does not write passwords"):
        db.create_password_file(str(tmp_path), PASSWORD)
    with pytest.raises(subprocess.CalledProcessError, match="does not write passwords"):
        db.get_password_file(str(tmp_path), None)
    assert list(tmp_path.iterdir()) == []
    given = tmp_path / "given.pw"
    given.write_text(PASSWORD)
    assert NSSDatabase(sql_db.spec, password_file=str(given)).get_password_file("x", None) == (
        str(given)
    )
    assert db.get_all_passwords() == f"NSS Certificate DB={PASSWORD}"
    assert PASSWORD not in repr(db) and PASSWORD not in repr(vars(db).get("_password"))


def test_password_sources_as_upstream(sql_db, password_file):
    conf = password_file(f"internal={PASSWORD}\n", "password.conf")
    for kwargs in (
        {"internal_password": PASSWORD, "password": "hsm-password"},
        {"internal_password_file": str(password_file(PASSWORD, "internal.txt"))},
        {"passwords": {"internal": PASSWORD}},
        {"password_conf": str(conf)},
        {"password_file": str(conf)},
    ):
        with NSSDatabase(sql_db.spec, **kwargs) as db:
            assert not db.is_locked, kwargs


def test_errors_are_called_process_errors_that_keep_their_kind(sql_db):
    db = NSSDatabase(sql_db.spec, password=PASSWORD)
    with pytest.raises(pki.nssdb.CertificateNotFoundError) as info:
        db.verify_cert("Nobody")
    error = info.value
    assert isinstance(error, subprocess.CalledProcessError)
    assert isinstance(error, pki.nssdb.NSSCommandError)
    assert error.returncode == 1 and "'Nobody'" in error.stderr
    assert error.cmd[:2] == ["pki.nssdb", "verify_cert"]
    assert "PKI Administrator" in error.nicknames
    assert str(error) == error.stderr


def test_create_noise(tmp_path):
    target = tmp_path / "noise.bin"
    NSSDatabase(str(tmp_path)).create_noise(str(target), size=64)
    data = target.read_bytes()
    assert len(data) == 64 and len(set(data)) > 10
    assert target.stat().st_mode & 0o777 == 0o600
