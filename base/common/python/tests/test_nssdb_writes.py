"""Writes through pki.nssdb, each checked with NSS's own certutil/pk12util afterwards.

The databases are made by certutil and pk12util (or by the library, for ``create``); what the
library wrote is then read back with ``certutil -L`` / ``-K`` and ``pk12util``, never with the
library itself. Also the safety rules: a failed write leaves the database as it was, a
read-only session changes no byte, no write opens any file but the database's own, two
processes may write one sql database at once.
"""

from __future__ import annotations

import ast
import base64
import datetime
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from audit_hook import run_audited
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from nssdb_fixtures import (
    PASSWORD,
    certutil,
    certutil_certs,
    certutil_keys,
    checksums,
    password_is,
)
from pki.nssdb import (
    BadPasswordError,
    NSSCommandError,
    NSSDatabase,
    PasswordRequiredError,
)
from pki.testing.certs import CA
from pki.testing.nsstools import TestNSSDB


def _key_id(public_key) -> str:
    """The CKA_ID NSS gives a key: SHA-1 of the RSA modulus or of the EC point."""
    if isinstance(public_key, rsa.RSAPublicKey):
        n = public_key.public_numbers().n
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    else:
        raw = public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return hashlib.sha1(raw).hexdigest()


# -- create ------------------------------------------------------------------------------------


@pytest.mark.parametrize("db_type", ["sql", "dbm"])
@pytest.mark.parametrize("password", [PASSWORD, None], ids=["password", "empty"])
def test_create_makes_what_certutil_makes(tmp_path, db_type, password):
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    NSSDatabase(f"{db_type}:{ours}", password=password).create()
    TestNSSDB(theirs, password, db_type)
    assert sorted(os.listdir(ours)) == sorted(os.listdir(theirs))
    if db_type == "sql":
        expected = (theirs / "pkcs11.txt").read_text().replace(str(theirs), str(ours))
        assert (ours / "pkcs11.txt").read_text() == expected
    spec = f"{db_type}:{ours}"
    assert certutil(spec, "-L").returncode == 0
    if password is None:
        assert password_is(spec, "")
        assert NSSDatabase(spec).is_locked is False
    else:
        assert password_is(spec, password)
        assert not password_is(spec, "wrong")
        with pytest.raises(BadPasswordError):
            NSSDatabase(spec, password="wrong").open()


def test_create_keeps_an_existing_database(tmp_path, test_ca):
    db = TestNSSDB(tmp_path / "db", PASSWORD)
    db.add_ca("CA", test_ca.cert)
    NSSDatabase(db.spec, password=PASSWORD).create()
    assert certutil_certs(db.spec) == {"CA": "CT,C,C"}
    with pytest.raises(subprocess.CalledProcessError, match="wrong password"):
        NSSDatabase(db.spec, password="wrong").create()


def test_create_with_a_password_conf(tmp_path, secret_files):
    conf = secret_files("password.conf", f"internal={PASSWORD}\ninternaldb=ldap\n")
    spec = f"sql:{tmp_path / 'db'}"
    NSSDatabase(spec, password_file=str(conf)).create()
    assert password_is(spec, PASSWORD)


def test_writes_to_a_missing_database_create_nothing(tmp_path, test_ca):
    target = tmp_path / "nothing-here"
    with pytest.raises(subprocess.CalledProcessError, match="does not exist"):
        NSSDatabase(str(target)).add_cert("CA", cert_data=test_ca.cert_pem.decode())
    assert not target.exists()


# -- certificates ------------------------------------------------------------------------------


@pytest.mark.parametrize("db_type", ["sql", "dbm"])
def test_add_modify_remove_cert(make_db, db_type):
    agent = make_db(db_type=db_type)
    other = CA("Other CA", organization="Elsewhere")
    db = NSSDatabase(agent.spec, password=PASSWORD)
    db.add_cert("Other", cert_data=other.cert_pem.decode(), trust_attributes="CT,C,")
    assert certutil_certs(agent.spec)["Other"] == "CT,C,"
    db.modify_cert("Other", "P,,")
    assert certutil_certs(agent.spec)["Other"] == "P,,"
    db.remove_cert("Other")
    assert "Other" not in certutil_certs(agent.spec)
    assert set(certutil_certs(agent.spec)) == {"CA Signing Certificate", "PKI Administrator"}
    db.close()


def test_add_cert_from_der_and_base64_files(make_db, tmp_path):
    agent = make_db()
    ca1, ca2 = CA("DER CA"), CA("B64 CA")
    der = tmp_path / "ca.der"
    der.write_bytes(ca1.cert.public_bytes(Encoding.DER))
    db = NSSDatabase(agent.spec, password=PASSWORD)
    db.add_cert("From DER", cert_file=str(der))
    b64 = "".join(ca2.cert_pem.decode().splitlines()[1:-1])
    db.add_cert("From Base64", cert_data=b64, cert_format="base64", trust_attributes="C,,")
    flags = certutil_certs(agent.spec)
    assert flags["From DER"] == ",,"
    assert flags["From Base64"] == "C,,"


def _der_ending_in_whitespace() -> bytes:
    """A self-signed certificate whose DER ends in a byte that ``bytes.strip()`` removes
    (the last signature byte is random: about 1 certificate in 40 qualifies)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Whitespace CA")])
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    for serial in range(1, 10_000):
        der = builder.serial_number(serial).sign(key, hashes.SHA256()).public_bytes(
            Encoding.DER
        )
        if der[-1:] in (b" ", b"\t", b"\n", b"\r", b"\x0b", b"\x0c"):
            return der
    raise AssertionError("no certificate ended in a whitespace byte")


def test_add_cert_from_der_ending_in_a_whitespace_byte(make_db, tmp_path):
    """DER is read as it is: stripping it as text cut the signature's last byte."""
    agent = make_db()
    der = _der_ending_in_whitespace()
    path = tmp_path / "ws.der"
    path.write_bytes(der)
    db = NSSDatabase(agent.spec, password=PASSWORD)
    db.add_cert("Whitespace CA", cert_file=str(path), trust_attributes="C,,")
    assert certutil_certs(agent.spec)["Whitespace CA"] == "C,,"
    assert db.get_cert("Whitespace CA", output_format="base64") == base64.b64encode(der).decode()


def test_add_ca_cert_names_it_like_nss(make_db):
    # its own CA: the session's is in other open databases, where NSS refuses trust changes
    agent = make_db(ca=CA("Own Root CA"))
    sub = CA("CA Signing Certificate", organization="EXAMPLE")
    db = NSSDatabase(agent.spec, password=PASSWORD)
    db.add_ca_cert(cert_data=sub.cert_pem.decode())
    assert certutil_certs(agent.spec)["CA Signing Certificate - EXAMPLE"] == "CT,C,C"
    # a certificate already stored keeps its nickname
    db.add_ca_cert(cert_data=agent.ca.cert_pem.decode(), trust_attributes="C,C,C")
    flags = certutil_certs(agent.spec)
    assert flags["CA Signing Certificate"] == "C,C,C"
    assert len(flags) == 3


def test_bad_trust_flags_change_nothing(make_db):
    agent = make_db()
    before = checksums(agent.db.directory)
    db = NSSDatabase(agent.spec, password=PASSWORD)
    with pytest.raises(subprocess.CalledProcessError, match="invalid trust flags 'CTx'"):
        db.add_cert("X", cert_data=CA("X").cert_pem.decode(), trust_attributes="CTx")
    assert checksums(agent.db.directory) == before


def test_remove_cert_with_its_key(make_db):
    agent = make_db()
    assert [k[2] for k in certutil_keys(agent.spec, PASSWORD)] == ["PKI Administrator"]
    db = NSSDatabase(agent.spec, password=PASSWORD)
    db.remove_cert("PKI Administrator", remove_key=True)
    assert "PKI Administrator" not in certutil_certs(agent.spec)
    assert certutil_keys(agent.spec, PASSWORD) == []


def test_remove_cert_keeps_the_key_by_default(make_db):
    agent = make_db()
    NSSDatabase(agent.spec, password=PASSWORD).remove_cert("PKI Administrator")
    assert "PKI Administrator" not in certutil_certs(agent.spec)
    keys = certutil_keys(agent.spec, PASSWORD)
    assert [k[1] for k in keys] == [_key_id(agent.rsa.cert.public_key())]


def test_missing_nickname_is_a_command_error(make_db):
    agent = make_db()
    with pytest.raises(subprocess.CalledProcessError) as info:
        NSSDatabase(agent.spec, password=PASSWORD).remove_cert("Nope")
    assert "'Nope'" in info.value.stderr and "CA Signing Certificate" in info.value.stderr


def test_protected_database_writes_need_the_password(make_db):
    agent = make_db()
    before = checksums(agent.db.directory)
    with pytest.raises(PasswordRequiredError):
        NSSDatabase(agent.spec).add_cert("X", cert_data=CA("X").cert_pem.decode())
    with pytest.raises(BadPasswordError) as info:
        NSSDatabase(agent.spec, password="wrong").add_cert(
            "X", cert_data=CA("X").cert_pem.decode()
        )
    assert isinstance(info.value, subprocess.CalledProcessError)
    assert checksums(agent.db.directory) == before


def test_read_only_refuses_writes(make_db):
    agent = make_db()
    db = NSSDatabase(agent.spec, password=PASSWORD, read_only=True)
    with pytest.raises(NSSCommandError, match="read_only=True"):
        db.modify_cert("CA Signing Certificate", ",,")
    assert certutil_certs(agent.spec)["CA Signing Certificate"] == "CT,C,C"


# -- chains --------------------------------------------------------------------------------------


def _chain():
    root = CA("Chain Root", organization="EXAMPLE")
    sub = CA("Chain Sub", organization="EXAMPLE", parent=root)
    leaf = sub.issue_cert("Chain Leaf")
    return root, sub, leaf


def _pkcs7_pem(*certs) -> str:
    return serialization.pkcs7.serialize_certificates(list(certs), Encoding.PEM).decode()


def test_import_pkcs7_chain_as_dogtag(make_db):
    agent = make_db(identity=False)
    root, sub, leaf = _chain()
    db = NSSDatabase(agent.spec, password=PASSWORD)
    db.import_pkcs7(pkcs7_data=_pkcs7_pem(leaf.cert, root.cert, sub.cert), nickname="Leaf",
                    trust_attributes="P,,")
    flags = certutil_certs(agent.spec)
    assert flags["Chain Root - EXAMPLE"] == "CT,C,C"
    assert flags["Chain Sub - EXAMPLE"] == ",,"
    assert flags["Leaf"] == "P,,"


def test_import_cert_chain_forms(make_db):
    agent = make_db(identity=False)
    root, sub, leaf = _chain()
    db = NSSDatabase(agent.spec, password=PASSWORD)
    # a PEM bundle: each one as a CA certificate
    db.import_cert_chain("ignored", cert_chain_data=(root.cert_pem + sub.cert_pem).decode())
    flags = certutil_certs(agent.spec)
    assert flags["Chain Root - EXAMPLE"] == "CT,C,C" and flags["Chain Sub - EXAMPLE"] == "CT,C,C"
    # a single PEM certificate, under the nickname
    db.import_cert_chain("Leaf", cert_chain_data=leaf.cert_pem.decode(), trust_attributes="P,,")
    assert certutil_certs(agent.spec)["Leaf"] == "P,,"
    # PKCS #7 without its header and footer (what FreeIPA passes)
    other = CA("Bare P7", organization="EXAMPLE")
    bare = "".join(_pkcs7_pem(other.cert).splitlines()[1:-1])
    db.import_cert_chain("Bare", cert_chain_data=bare)
    assert certutil_certs(agent.spec)["Bare P7 - EXAMPLE"] == "CT,C,C"


# -- PKCS #12 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("db_type", ["sql", "dbm"])
def test_import_pkcs12(make_db, p12_file, secret_files, db_type):
    agent = make_db(db_type=db_type, identity=False)
    path = p12_file(agent.ec, "p12 pässword", "Agent EC")
    pwfile = secret_files("p12.pw", "p12 pässword\n")
    NSSDatabase(agent.spec, password=PASSWORD).import_pkcs12(
        str(path), pkcs12_password_file=str(pwfile)
    )
    assert certutil_certs(agent.spec)["Agent EC"] == "u,u,u"
    keys = certutil_keys(agent.spec, PASSWORD)
    assert keys == [("ec", _key_id(agent.ec.cert.public_key()), "Agent EC")]


def test_import_pkcs12_into_an_empty_password_database(make_db, p12_file):
    agent = make_db(password=None, identity=False)
    NSSDatabase(agent.spec).import_pkcs12(str(p12_file(agent.rsa, "pw", "Agent")), "pw")
    assert [k[2] for k in certutil_keys(agent.spec, None)] == ["Agent"]


def test_import_pkcs12_filters(make_db, p12_file):
    root, sub, leaf = _chain()
    leaf.chain = [sub.cert, root.cert]
    user_only = make_db(identity=False)
    NSSDatabase(user_only.spec, password=PASSWORD).import_pkcs12(
        str(p12_file(leaf, "pw", "Leaf")), "pw", no_ca_certs=True
    )
    assert set(certutil_certs(user_only.spec)) == {"CA Signing Certificate", "Leaf"}
    ca_only = make_db(identity=False)
    NSSDatabase(ca_only.spec, password=PASSWORD).import_pkcs12(
        str(p12_file(leaf, "pw", "Leaf", "b.p12")), "pw", no_user_certs=True
    )
    assert "Leaf" not in certutil_certs(ca_only.spec)
    assert len(certutil_certs(ca_only.spec)) == 3
    assert certutil_keys(ca_only.spec, PASSWORD) == []


def test_import_pkcs12_overwrite(make_db, p12_file):
    agent = make_db()  # holds "PKI Administrator" (agent.rsa)
    newer = agent.ca.issue_cert("PKI Administrator Renewed", key_type="ec")
    path = p12_file(newer, "pw", "PKI Administrator")
    keep = make_db()
    # without overwrite NSS keeps the stored one and names the new one itself
    NSSDatabase(keep.spec, password=PASSWORD).import_pkcs12(str(path), "pw")
    flags = certutil_certs(keep.spec)
    assert flags["PKI Administrator"] == "u,u,u" and len(flags) == 3
    db = NSSDatabase(agent.spec, password=PASSWORD)
    db.import_pkcs12(str(path), "pw", overwrite=True)
    assert db.get_x509_cert("PKI Administrator") == newer.cert
    assert set(certutil_certs(agent.spec)) == {"CA Signing Certificate", "PKI Administrator"}
    db.close()


@pytest.mark.parametrize("db_type", ["sql", "dbm"])
def test_wrong_pkcs12_password_leaves_the_database_byte_identical(make_db, p12_file, db_type):
    agent = make_db(db_type=db_type)
    path = p12_file(agent.ec, "right", "Agent EC")
    before = checksums(agent.db.directory)
    db = NSSDatabase(agent.spec, password=PASSWORD)
    with pytest.raises(subprocess.CalledProcessError, match="wrong PKCS #12 password"):
        db.import_pkcs12(str(path), pkcs12_password="wrong")
    db.close()
    assert checksums(agent.db.directory) == before


def test_failed_import_leaves_no_orphan_key_where_pk12util_does(make_db, secret_files, test_ca):
    # a certificate reusing the issuer and serial of a stored one: NSS stores the key, then
    # refuses the certificate
    now = datetime.datetime.now(datetime.timezone.utc)
    stored = test_ca.sign(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Stored")]),
        ec.generate_private_key(ec.SECP256R1()).public_key(), serial_number=4242,
    )
    key = ec.generate_private_key(ec.SECP256R1())
    clash = test_ca.sign(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Clash")]), key.public_key(),
        serial_number=4242, not_before=now - datetime.timedelta(hours=2),
    )
    blob = pkcs12.serialize_key_and_certificates(
        b"Clash", key, clash, None, serialization.BestAvailableEncryption(b"pw")
    )
    path = secret_files("clash.p12", blob)
    pwfile = secret_files("clash.pw", "pw\n")
    theirs, ours = make_db(identity=False), make_db(identity=False)
    for agent in (theirs, ours):
        agent.db.add_cert("Stored", stored)
    done = subprocess.run(
        ["pk12util", "-i", str(path), "-d", theirs.spec, "-k", "/dev/stdin", "-w", str(pwfile)],
        input=PASSWORD + "\n", capture_output=True, text=True,
    )
    assert "REUSED_ISSUER_AND_SERIAL" in done.stdout + done.stderr
    assert [k[2] for k in certutil_keys(theirs.spec, PASSWORD)] == ["Clash"]  # pk12util's orphan
    with pytest.raises(subprocess.CalledProcessError, match="REUSED_ISSUER_AND_SERIAL"):
        NSSDatabase(ours.spec, password=PASSWORD).import_pkcs12(str(path), "pw")
    assert certutil_keys(ours.spec, PASSWORD) == []
    assert certutil_certs(ours.spec) == {"CA Signing Certificate": "CT,C,C", "Stored": ",,"}


# NSS writes PKCS #12 with BER indefinite lengths (as pk12util does); cryptography warns
@pytest.mark.filterwarnings("ignore:PKCS#12 bundle could not be parsed as DER")
def test_export_pkcs12_is_read_by_pk12util_and_cryptography(make_db, tmp_path, secret_files):
    agent = make_db()
    target = tmp_path / "out.p12"
    NSSDatabase(agent.spec, password=PASSWORD).export_pkcs12(
        str(target), pkcs12_password="export pw", nicknames=["PKI Administrator"]
    )
    try:
        assert target.stat().st_mode & 0o777 == 0o600
        key, cert, extra = pkcs12.load_key_and_certificates(target.read_bytes(), b"export pw")
        assert cert == agent.rsa.cert and extra == [agent.ca.cert]
        assert key.public_key().public_numbers() == agent.rsa.key.public_key().public_numbers()
        pwfile = secret_files("export.pw", "export pw\n")
        listed = subprocess.run(
            ["pk12util", "-l", str(target), "-w", str(pwfile)], capture_output=True, text=True
        )
        assert listed.returncode == 0 and "PKI Administrator" in listed.stdout
    finally:
        target.unlink(missing_ok=True)


def test_export_without_key_or_chain_and_appended(make_db, tmp_path):
    agent = make_db()
    db = NSSDatabase(agent.spec, password=PASSWORD)
    target = tmp_path / "certs.p12"
    try:
        db.export_pkcs12(str(target), "pw", nicknames=["PKI Administrator"], include_key=False,
                         include_chain=False)
        loaded = pkcs12.load_pkcs12(target.read_bytes(), b"pw")
        assert loaded.key is None
        assert [c.certificate for c in loaded.additional_certs] == [agent.rsa.cert]
        db.export_cert("CA Signing Certificate", str(target), "pw", include_key=False,
                       friendly_name="Renamed CA", append=True)
        loaded = pkcs12.load_pkcs12(target.read_bytes(), b"pw")
        names = {c.friendly_name for c in loaded.additional_certs}
        assert names == {b"PKI Administrator", b"Renamed CA"}
    finally:
        target.unlink(missing_ok=True)


# -- keys and requests -----------------------------------------------------------------------


def test_create_key_and_find_keys_match_certutil(make_db):
    agent = make_db()
    db = NSSDatabase(agent.spec, password=PASSWORD)
    rsa_key = db.create_key(key_type="RSA", key_size=3072)
    ec_key = db.create_key(key_type="EC", curve="nistp384")
    assert rsa_key["type"] == "RSA" and ec_key["type"] == "EC"
    listed = {(t, "0x" + i) for t, i, _ in certutil_keys(agent.spec, PASSWORD)}
    assert ("rsa", rsa_key["keyId"]) in listed and ("ec", ec_key["keyId"]) in listed
    found = db.find_keys()
    assert found["total"] == 3 == len(found["entries"])
    assert {e["keyId"] for e in found["entries"]} == {i for _, i in listed}
    admin = db.find_keys(nickname="PKI Administrator")
    assert admin["entries"] == [
        {"keyId": "0x" + _key_id(agent.rsa.cert.public_key()), "type": "RSA", "algorithm": "RSA"}
    ]


@pytest.mark.parametrize("key_type,curve", [("rsa", None), ("ec", "nistp256")])
def test_create_request_signed_inside_the_database(make_db, tmp_path, key_type, curve):
    agent = make_db()
    request = tmp_path / "req.csr"
    db = NSSDatabase(agent.spec, password=PASSWORD)
    db.create_request(
        "CN=Subsystem Certificate,OU=pki-tomcat,O=EXAMPLE", str(request),
        key_type=key_type, curve=curve,
        basic_constraints_ext={"ca": True, "path_length": "0", "critical": True},
        key_usage_ext={"digitalSignature": True, "certSigning": True, "critical": True},
        extended_key_usage_ext={"clientAuth": True, "serverAuth": True},
        subject_key_id="DEFAULT",
        generic_exts=[{"oid": "1.2.3.4.5", "critical": False, "data": b"\x05\x00"}],
    )
    text = request.read_text()
    assert text.startswith("-----BEGIN CERTIFICATE REQUEST-----\n")
    csr = x509.load_pem_x509_csr(text.encode())
    assert csr.is_signature_valid
    assert csr.subject.rfc4514_string() == "CN=Subsystem Certificate,OU=pki-tomcat,O=EXAMPLE"
    exts = csr.extensions
    bc = exts.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca and bc.value.path_length == 0
    assert exts.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    eku = exts.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(eku) == {ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH}
    ski = exts.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(csr.public_key())
    assert exts.get_extension_for_oid(x509.ObjectIdentifier("1.2.3.4.5")).value.value == b"\x05\x00"
    # the key is in the database (and only there): certutil lists it
    ids = [i for _, i, _ in certutil_keys(agent.spec, PASSWORD)]
    assert _key_id(csr.public_key()) in ids
    if key_type == "ec":
        assert isinstance(csr.public_key().curve, ec.SECP256R1)
    else:
        assert csr.public_key().key_size == 2048


def test_create_request_with_an_existing_key(make_db, tmp_path):
    agent = make_db()
    db = NSSDatabase(agent.spec, password=PASSWORD)
    key = db.create_key(key_type="ec", curve="nistp256")
    request = tmp_path / "again.csr"
    db.create_request("UID=jdoe", str(request), cka_id=key["keyId"][2:], hash_alg="SHA384")
    csr = x509.load_pem_x509_csr(request.read_bytes())
    assert "0x" + _key_id(csr.public_key()) == key["keyId"]
    assert isinstance(csr.signature_hash_algorithm, hashes.SHA384)
    assert len(certutil_keys(agent.spec, PASSWORD)) == 2  # no new key


def test_create_cert_self_signed_and_issued(make_db, tmp_path):
    agent = make_db(identity=False)
    db = NSSDatabase(agent.spec, password=PASSWORD)
    ca_req, ca_pem = tmp_path / "ca.csr", tmp_path / "ca.pem"
    db.create_request("CN=Local CA,O=EXAMPLE", str(ca_req),
                      basic_constraints_ext={"ca": True, "path_length": None, "critical": True})
    db.create_cert(str(ca_req), str(ca_pem), serial=7, validity=12,
                   key_usage_ext={"certSigning": True, "crlSigning": True, "critical": True},
                   ski_ext={"sk_id": "DEFAULT"}, aki_ext={"critical": False})
    ca_cert = x509.load_pem_x509_certificate(ca_pem.read_bytes())
    ca_cert.verify_directly_issued_by(ca_cert)
    assert ca_cert.serial_number == 7
    months = (ca_cert.not_valid_after_utc - ca_cert.not_valid_before_utc).days
    assert 360 <= months <= 370
    db.add_cert("Local CA", cert_file=str(ca_pem), trust_attributes="CTu,Cu,Cu")
    leaf_req, leaf_pem = tmp_path / "leaf.csr", tmp_path / "leaf.pem"
    db.create_request("CN=Leaf,O=EXAMPLE", str(leaf_req), key_type="ec", curve="nistp256")
    db.create_cert(str(leaf_req), str(leaf_pem), serial=8, issuer="Local CA",
                   ext_key_usage_ext={"serverAuth": True},
                   aia_ext={"ocsp": {"uri": ["http://ocsp.example.com"]}})
    leaf = x509.load_pem_x509_certificate(leaf_pem.read_bytes())
    leaf.verify_directly_issued_by(ca_cert)
    db.add_cert("Leaf", cert_file=str(leaf_pem), trust_attributes="u,u,u")
    assert certutil_certs(agent.spec)["Leaf"] == "u,u,u"
    db.verify_cert("Leaf", cert_usage="SSLServer")


# -- verification ------------------------------------------------------------------------------


def test_verify_cert(make_db, test_ca):
    agent = make_db()
    db = NSSDatabase(agent.spec, password=PASSWORD)
    db.verify_cert("PKI Administrator")
    db.verify_cert("PKI Administrator", cert_usage="SSLClient")
    db.verify_cert(cert_data=agent.ec.cert_pem.decode())  # not in the database, issuer is
    with pytest.raises(subprocess.CalledProcessError, match="Invalid certificate"):
        db.verify_cert("PKI Administrator", cert_usage="SSLServer")
    with pytest.raises(subprocess.CalledProcessError, match="issuer .*is not recognized"):
        db.verify_cert(cert_data=CA("Stranger").issue_cert("x").cert_pem.decode())
    now = datetime.datetime.now(datetime.timezone.utc)
    day = datetime.timedelta(days=1)
    expired = test_ca.issue_cert("Old", not_before=now - 9 * day, not_after=now - day)
    with pytest.raises(subprocess.CalledProcessError) as info:
        db.verify_cert(cert_data=expired.cert_pem.decode(), cert_usage="SSLClient")
    assert info.value.error_name == "SEC_ERROR_EXPIRED_CERTIFICATE"
    with pytest.raises(subprocess.CalledProcessError, match="unknown certificate usage"):
        db.verify_cert("PKI Administrator", cert_usage="Sorcery")


# -- dbm to sql ----------------------------------------------------------------------------------


def test_get_dbtype_as_upstream(tmp_path):
    sql, dbm = tmp_path / "sql", tmp_path / "dbm"
    TestNSSDB(sql, None, "sql")
    TestNSSDB(dbm, None, "dbm")
    assert NSSDatabase(str(sql)).get_dbtype() == "sql"
    assert NSSDatabase(str(dbm)).get_dbtype() == "dbm"
    assert NSSDatabase(str(tmp_path / "none")).get_dbtype() is None
    both = tmp_path / "both"
    both.mkdir()
    for source in (sql, dbm):
        for path in source.iterdir():
            (both / path.name).write_bytes(path.read_bytes())
    assert NSSDatabase(str(both)).get_dbtype() == "sql"
    (sql / "pkcs11.txt").unlink()
    with pytest.raises(RuntimeError, match="incomplete NSS database in SQL format"):
        NSSDatabase(str(sql)).get_dbtype()
    (dbm / "key3.db").unlink()
    with pytest.raises(RuntimeError, match="incomplete NSS database in DBM format"):
        NSSDatabase(str(dbm)).get_dbtype()


def test_needs_conversion(tmp_path, monkeypatch):
    dbm = tmp_path / "dbm"
    TestNSSDB(dbm, None, "dbm")
    monkeypatch.delenv("NSS_DEFAULT_DB_TYPE", raising=False)
    assert not NSSDatabase(str(dbm)).needs_conversion()
    monkeypatch.setenv("NSS_DEFAULT_DB_TYPE", "sql")
    assert NSSDatabase(str(dbm)).needs_conversion()
    TestNSSDB(tmp_path / "sql", None, "sql")
    assert not NSSDatabase(str(tmp_path / "sql")).needs_conversion()


@pytest.mark.parametrize("password", [PASSWORD, None], ids=["password", "empty"])
def test_convert_db_moves_certs_and_keys_to_sql(make_db, password):
    agent = make_db(password=password, db_type="dbm")
    directory = agent.db.directory
    os.chmod(directory / "cert8.db", 0o640)
    before = certutil_certs(agent.spec)
    NSSDatabase(str(directory), password=password).convert_db()
    assert NSSDatabase(str(directory)).get_dbtype() == "sql"
    names = sorted(os.listdir(directory))
    assert names == sorted([
        "cert8.db.migrated", "key3.db.migrated", "secmod.db.migrated",
        "cert9.db", "key4.db", "pkcs11.txt",
    ])
    assert (directory / "cert9.db").stat().st_mode & 0o777 == 0o640
    assert certutil_certs(f"sql:{directory}") == before
    keys = certutil_keys(f"sql:{directory}", password)
    assert [k[2] for k in keys] == ["PKI Administrator"]
    if password is not None:
        assert password_is(f"sql:{directory}", password)
    with NSSDatabase(str(directory), password=password) as db:
        assert db.spec.startswith("sql:")
        db.get_client_credentials("PKI Administrator")


def test_convert_db_refuses_what_upstream_refuses(tmp_path, make_db):
    with pytest.raises(ValueError, match="does not exist"):
        NSSDatabase(str(tmp_path / "none")).convert_db()
    agent = make_db()
    with pytest.raises(ValueError, match="already in SQL format"):
        NSSDatabase(str(agent.db.directory), password=PASSWORD).convert_db()


def test_convert_db_with_a_wrong_password_keeps_the_dbm_files(make_db):
    agent = make_db(db_type="dbm")
    old = {n: h for n, h in checksums(agent.db.directory).items()}
    with pytest.raises(subprocess.CalledProcessError, match="wrong password"):
        NSSDatabase(str(agent.db.directory), password="wrong").convert_db()
    now = checksums(agent.db.directory)
    assert {n: now[n] for n in old} == old


# -- modules -----------------------------------------------------------------------------------


def test_module_exists_and_add_module(make_db):
    agent = make_db()
    db = NSSDatabase(agent.spec, password=PASSWORD)
    assert db.module_exists("NSS Internal PKCS #11 Module")
    assert not db.module_exists("p11-kit-trust")
    db.add_module("p11-kit-trust", "/usr/share/pki/lib/p11-kit-trust.so")
    assert db.module_exists("p11-kit-trust")
    raw = subprocess.run(
        ["modutil", "-rawlist", "-dbdir", agent.spec], capture_output=True, text=True
    ).stdout
    assert 'name="p11-kit-trust"' in raw and "p11-kit-trust.so" in raw


# -- safety: other databases, concurrent writers, files touched --------------------------------


def test_writing_one_database_leaves_another_open_one_untouched(make_db):
    # a CA of their own: no other open database of the test session holds it
    shared = CA("Shared By Two", organization="EXAMPLE")
    reader_agent, writer_agent = make_db(ca=shared), make_db(ca=shared)
    before = checksums(reader_agent.db.directory)
    other = CA("Only In The Writer")
    with NSSDatabase(reader_agent.spec, password=PASSWORD) as reader:
        listed = {c.nickname: c.trust_flags for c in reader.list_certs()}
        writer = NSSDatabase(writer_agent.spec, password=PASSWORD)
        writer.add_cert("Other", cert_data=other.cert_pem.decode(), trust_attributes="CT,C,C")
        writer.modify_cert("Other", "C,,")
        writer.create_key(key_type="ec", curve="nistp256")
        # the CA certificate is in both: NSS could store its trust in the wrong one, so the
        # change is refused while the reader is open, and nothing is written
        writer_before = checksums(writer_agent.db.directory)
        with pytest.raises(subprocess.CalledProcessError, match="close that NSSDatabase"):
            writer.modify_cert("CA Signing Certificate", "P,,")
        assert checksums(writer_agent.db.directory) == writer_before
        writer.remove_cert("CA Signing Certificate")
        assert {c.nickname: c.trust_flags for c in reader.list_certs()} == listed
    assert checksums(reader_agent.db.directory) == before
    assert certutil_certs(reader_agent.spec) == listed
    flags = certutil_certs(writer_agent.spec)
    assert flags["Other"] == "C,," and "CA Signing Certificate" not in flags
    # once the reader is closed the writer may trust the CA again
    writer.add_cert("CA again", cert_data=reader_agent.ca.cert_pem.decode(),
                    trust_attributes="CT,C,C")
    assert certutil_certs(writer_agent.spec)["CA again"] == "CT,C,C"


_WRITER = textwrap.dedent(
    """
    import sys
    from pki.testing.certs import CA
    from pki.nssdb import NSSDatabase
    spec, password, prefix = sys.argv[1:4]
    cas = [CA(f"{prefix} {i}") for i in range(12)]
    print("ready", flush=True)
    sys.stdin.readline()  # both processes start writing together
    for i, ca in enumerate(cas):
        db = NSSDatabase(spec, password=password)
        db.add_cert(f"{prefix} {i}", cert_data=ca.cert_pem.decode(), trust_attributes="C,,")
        if i % 3 == 0:
            db.create_key(key_type="ec", curve="nistp256")
    print("done", flush=True)
    """
)


def test_two_processes_writing_one_sql_database(make_db):
    agent = make_db()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, agent.spec, PASSWORD, prefix],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=env,
        )
        for prefix in ("Writer A", "Writer B")
    ]
    try:
        for proc in procs:
            assert proc.stdout.readline().strip() == "ready"
        for proc in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        results = [proc.communicate(timeout=120) for proc in procs]
    finally:
        for proc in procs:
            proc.kill() if proc.poll() is None else None
    for proc, (out, err) in zip(procs, results):
        assert proc.returncode == 0, err
        assert out.strip() == "done"
    flags = certutil_certs(agent.spec)
    for prefix in ("Writer A", "Writer B"):
        for i in range(12):
            assert flags[f"{prefix} {i}"] == "C,,"
    assert len(certutil_keys(agent.spec, PASSWORD)) == 1 + 8
    for name in ("cert9.db", "key4.db"):
        uri = f"file:{agent.db.directory / name}?mode=ro"
        with sqlite3.connect(uri, uri=True) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


_AUDIT_WRITES = """
spec, p12, out = sys.argv[1], sys.argv[2], sys.argv[3]
db = NSSDatabase(spec, password="Secret.123 with spaces")
db.create()
db.add_cert("CA", cert_data=open(sys.argv[4]).read(), trust_attributes="CT,C,C")
db.import_pkcs12(p12, pkcs12_password="p12 pw")
db.modify_cert("CA", "CT,C,")
key = db.create_key(key_type="ec", curve="nistp256")
pem = db.create_csr("CN=Audited", key_id=key["keyId"])
db.verify_cert("Agent", cert_usage="SSLClient")
db.remove_cert("Agent", remove_key=True)
db.close()
print(len(pem) > 0)
"""

_NO_SPAWN_HOOK = """
def _no_spawn(event, args):
    if event in ("subprocess.Popen", "os.posix_spawn", "os.exec", "os.system", "os.fork",
                 "os.spawn", "pty.spawn"):
        writes.append(("SPAWN", event))
sys.addaudithook(_no_spawn)
"""


def test_writes_open_no_file_but_the_database_and_spawn_nothing(make_db, p12_file, tmp_path):
    agent = make_db(identity=False)
    target = tmp_path / "new-db"
    p12 = p12_file(agent.rsa, "p12 pw", "Agent")
    ca_pem = tmp_path / "ca.pem"
    ca_pem.write_bytes(agent.ca.cert_pem)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    out = run_audited(
        "from pki.nssdb import NSSDatabase\nimport pki.nss.pkcs12, pki._csr",
        _NO_SPAWN_HOOK + _AUDIT_WRITES,
        f"sql:{target}", str(p12), str(tmp_path / "unused"), str(ca_pem),
        env={"TMPDIR": str(scratch)},
    )
    # the only file operation Python sees is making the database's own directory
    assert out == ["True", repr([("os.mkdir", str(target))])]
    assert sorted(os.listdir(target)) == ["cert9.db", "key4.db", "pkcs11.txt"]
    assert list(scratch.iterdir()) == []
    assert certutil_certs(f"sql:{target}") == {"CA": "CT,C,"}
    assert [k[2] for k in certutil_keys(f"sql:{target}", PASSWORD)] == ["(orphan)"]


@pytest.mark.parametrize("db_type", ["sql", "dbm"])
def test_upstream_reads_leave_the_files_byte_identical(make_db, db_type, tmp_path, capsys):
    agent = make_db(db_type=db_type)
    before = checksums(agent.db.directory)
    db = NSSDatabase(agent.spec, password=PASSWORD)
    db.get_cert("PKI Administrator")
    db.get_cert_info("PKI Administrator")
    db.get_trust("CA Signing Certificate")
    db.verify_cert("PKI Administrator", cert_usage="SSLClient")
    db.find_keys()
    db.show_certs()
    db.export_cert_bundle("PKI Administrator", output_file=str(tmp_path / "bundle.pem"))
    db.export_pkcs7("PKI Administrator")
    db.module_exists("p11-kit-trust")
    db.get_client_credentials("PKI Administrator")
    db.close()
    capsys.readouterr()
    assert checksums(agent.db.directory) == before


# -- the "done when" script --------------------------------------------------------------------

_SCRIPT = Path(__file__).resolve().parent / "upstream_nssdb_script.py"
_SCRIPT_HOOK = """
import os, sys
events = []
def _hook(event, args):
    if event in ("subprocess.Popen", "os.posix_spawn", "os.exec", "os.system", "os.fork",
                 "os.forkpty", "os.spawn", "pty.spawn"):
        events.append(("spawn", event, str(args[0]) if args else ""))
    elif event == "open":
        path, mode, flags = args
        if (mode and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
        ):
            events.append(("write", str(path)))
    elif event in ("tempfile.mkstemp", "tempfile.mkdtemp"):
        events.append(("temp", event))
sys.addaudithook(_hook)
import atexit
atexit.register(lambda: sys.stderr.write("EVENTS " + repr(events) + "\\n"))
import runpy
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def test_upstream_script_runs_unchanged_in_process(tmp_path, test_ca, p12_file, secret_files):
    admin = test_ca.issue_cert("PKI Administrator")
    p12 = p12_file(admin, "admin p12", "PKI Administrator")
    p12_pw = secret_files("p12.pw", "admin p12\n")
    ca_pem = tmp_path / "ca.pem"
    ca_pem.write_bytes(test_ca.cert_pem)
    db_dir, request = tmp_path / "clientdb", tmp_path / "subsystem.csr"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT_HOOK, str(_SCRIPT), str(db_dir), PASSWORD, str(ca_pem),
         str(p12), str(p12_pw), str(request)],
        capture_output=True, text=True,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), TMPDIR=str(scratch)),
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result == {
        "dbtype": "sql", "pem_type": "CERTIFICATE", "subject": "CN=PKI Administrator,O=Example",
        "serial_number": True, "trust_flags": "u,u,u", "data_is_base64_der": True,
        "removed": True,
    }
    events = ast.literal_eval(done.stderr.split("EVENTS ", 1)[1])
    # no subprocess, no temporary file; the one file written is the request asked for
    # (Python 3.9's pathlib reports that one open twice)
    assert set(events) == {("write", str(request))}
    assert list(scratch.iterdir()) == []
    assert sorted(os.listdir(db_dir)) == ["cert9.db", "key4.db", "pkcs11.txt"]
    csr = x509.load_pem_x509_csr(request.read_bytes())
    assert csr.is_signature_valid
    flags = certutil_certs(f"sql:{db_dir}")
    assert flags == {"CA Signing Certificate": "CT,C,C"}
    # the request's key and the admin's (its certificate removed, the key kept) stay
    assert len(certutil_keys(f"sql:{db_dir}", PASSWORD)) == 2
