#!/usr/bin/python3
"""An admin's script written against upstream dogtag-pki's Python API (11.x and master).

With the older ``PKIConnection`` API it enrols a server certificate from a PKCS#10 CSR
(profile ``caServerCert``), approves the request as an agent, fetches the certificate, revokes
it, then archives a secret in the KRA and retrieves it, the way FreeIPA's vault plugin does
(session key wrapped with the KRA transport certificate, AES-128-CBC payload). Then it does
the same with master's ``PKIClient`` API (``PKIClient(url=..., ca_bundle=...,
api_version=...)``, ``InfoClient``, ``CAClient``/``CertClient``, ``KRAClient``/``KeyClient``/
``SystemCertClient``, ``AccountClient``) and administers the CA with master's admin clients
(``UserClient``, ``ProfileClient``, ``AuthorityClient``, ``SecurityDomainClient``): it lists
the users, creates a profile from raw configuration, enables and uses it, creates a sub-CA
and has it sign a certificate, and reads the security domain. It prints ``OK`` and exits 0
when all went well.

Only upstream names and signatures are used. The lines that differ from upstream are those
that set the client certificate: upstream has no NSS database support, so there one writes::

    conn = pki.client.PKIConnection('https', host, port, cert_paths=ca_bundle)
    conn.set_authentication_cert('/root/.dogtag/agent.pem', '/root/.dogtag/agent-key.pem')
    client.set_client_auth('/root/.dogtag/agent.pem', '/root/.dogtag/agent-key.pem')

whereas here the agent certificate, its key and the CA trust come from an NSS database.

Usage (the values are those of the test server's JSON start line)::

    upstream_script.py '{"url": ..., "nssdb": ..., "nickname": ..., "password_file": ...}'
    upstream_script.py URL NSSDB NICKNAME PASSWORD_FILE
    PKI_SERVER_INFO='{"url": ...}' upstream_script.py
    PKI_URL=... PKI_NSSDB=... PKI_NICKNAME=... PKI_PASSWORD_FILE=... upstream_script.py
"""

import json
import os
import sys
from urllib.parse import urlsplit

import pki
import pki.account
import pki.authority
import pki.ca
import pki.cert
import pki.client
import pki.crypto
import pki.info
import pki.key
import pki.kra
import pki.profile
import pki.subsystem
import pki.system
import pki.systemcert
import pki.user
import pki.util
from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.x509.oid import NameOID

VAULT_CLIENT_KEY_ID = "upstream-script/vault/secret"
SECRET = b"The vault's passphrase: correct horse battery staple"


def server_settings(argv):
    """url, nssdb, nickname and password_file from argv or the environment."""
    if len(argv) == 2:
        info = json.loads(argv[1])
    elif len(argv) == 5:
        info = dict(zip(("url", "nssdb", "nickname", "password_file"), argv[1:]))
    elif os.environ.get("PKI_SERVER_INFO"):
        info = json.loads(os.environ["PKI_SERVER_INFO"])
    else:
        info = {
            "url": os.environ.get("PKI_URL"),
            "nssdb": os.environ.get("PKI_NSSDB"),
            "nickname": os.environ.get("PKI_NICKNAME", "PKI Administrator"),
            "password_file": os.environ.get("PKI_PASSWORD_FILE"),
        }
    missing = [k for k in ("url", "nssdb", "nickname", "password_file") if not info.get(k)]
    if missing:
        sys.exit(f"usage: {argv[0]} JSON | URL NSSDB NICKNAME PASSWORD_FILE "
                 f"(missing: {', '.join(missing)})")
    return info


def check(condition, message):
    if not condition:
        sys.exit("FAILED: " + message)


def make_csr(common_name):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(common_name)]),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


def aes_cbc_encrypt(key, iv, data):
    padder = padding.PKCS7(algorithms.AES.block_size).padder()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padder.update(data) + padder.finalize()) + encryptor.finalize()


def aes_cbc_decrypt(key, iv, data):
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    unpadder = padding.PKCS7(algorithms.AES.block_size).unpadder()
    padded = decryptor.update(data) + decryptor.finalize()
    return unpadder.update(padded) + unpadder.finalize()


def enroll_and_revoke(conn):
    cert_client = pki.cert.CertClient(conn)

    key, csr = make_csr(f"www-{os.urandom(4).hex()}.example.com")
    inputs = {"cert_request_type": "pkcs10", "cert_request": csr}
    enrollment_request = cert_client.create_enrollment_request("caServerCert", inputs)
    request_infos = cert_client.submit_enrollment_request(enrollment_request)
    request_id = request_infos.cert_request_info_list[0].request_id
    print(f"Submitted request {request_id}")

    review = cert_client.review_request(request_id)
    cert_client.approve_request(request_id, review)
    request_info = cert_client.get_request(request_id)
    check(request_info.request_status == "complete",
          f"request {request_id} is {request_info.request_status}")

    cert_data = cert_client.get_cert(request_info.cert_id)
    cert = x509.load_pem_x509_certificate(cert_data.encoded.encode("ascii"))
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    check(cert.public_key().public_bytes(serialization.Encoding.DER, public)
          == key.public_key().public_bytes(serialization.Encoding.DER, public),
          "the certificate does not hold the CSR's public key")
    print(f"Issued certificate {cert_data.serial_number}: {cert_data.subject_dn}")

    cert_client.revoke_cert(cert_data.serial_number, revocation_reason="Key_Compromise")
    revoked = cert_client.get_cert(cert_data.serial_number)
    check(revoked.status == "REVOKED", f"certificate status is {revoked.status}")
    print(f"Revoked certificate {revoked.serial_number}")


def archive_and_retrieve(conn):
    account = pki.account.AccountClient(conn, subsystem="kra")
    account.login()
    try:
        system_certs = pki.systemcert.SystemCertClient(conn, subsystem="kra")
        transport_cert = x509.load_der_x509_certificate(
            system_certs.get_transport_cert().binary)
        crypto = pki.crypto.CryptographyCryptoProvider(
            transport_cert_nick="ra_agent", transport_cert=transport_cert)
        kra = pki.kra.KRAClient(conn, crypto)
        vault(kra.keys, transport_cert)
    finally:
        account.logout()


def vault(keys, transport_cert):
    """Archive a secret and read it back, as FreeIPA's vault plugin does."""
    keys.encrypt_alg_oid = pki.crypto.AES_128_CBC_OID

    # as FreeIPA's vault: only one active secret per client key ID
    for key_info in keys.list_keys(VAULT_CLIENT_KEY_ID,
                                   pki.key.KeyClient.KEY_STATUS_ACTIVE).key_infos:
        keys.modify_key_status(key_info.get_key_id(),
                               pki.key.KeyClient.KEY_STATUS_INACTIVE)

    session_key = os.urandom(16)
    nonce_iv = os.urandom(16)
    wrapped_session_key = transport_cert.public_key().encrypt(
        session_key, asym_padding.PKCS1v15())
    response = keys.archive_encrypted_data(
        VAULT_CLIENT_KEY_ID,
        pki.key.KeyClient.PASS_PHRASE_TYPE,
        aes_cbc_encrypt(session_key, nonce_iv, SECRET),
        wrapped_session_key,
        algorithm_oid=pki.crypto.AES_128_CBC_OID,
        nonce_iv=nonce_iv)
    key_id = response.get_key_id()
    print(f"Archived {VAULT_CLIENT_KEY_ID} as key {key_id}")

    key_info = keys.get_active_key_info(VAULT_CLIENT_KEY_ID)
    check(key_info.get_key_id() == key_id, f"active key is {key_info.get_key_id()}")

    session_key = os.urandom(16)
    wrapped_session_key = transport_cert.public_key().encrypt(
        session_key, asym_padding.PKCS1v15())
    key = keys.retrieve_key(key_id, wrapped_session_key)
    secret = aes_cbc_decrypt(session_key, key.nonce_data, key.encrypted_data)
    check(secret == SECRET, "the retrieved secret differs from the archived one")
    print(f"Retrieved key {key_id}")


def with_pki_client(info):
    """The same work with upstream master's PKIClient API."""
    client = pki.client.PKIClient(url=info["url"], ca_bundle=info.get("ca_cert"),
                                  api_version="v2")
    client.set_client_auth(nssdb=info["nssdb"], nickname=info["nickname"],
                           nssdb_password_file=info["password_file"])

    server_info = pki.info.InfoClient(client).get_info()
    version = client.get_server_version()
    check(version >= pki.util.Version("11.6.0"), f"server version {version}")
    print(f"Server {server_info.version}, API {client.get_api_version()}")

    ca = pki.ca.CAClient(client)
    ca_account = pki.account.AccountClient(ca)
    ca_account.login()
    try:
        certs = pki.cert.CertClient(ca)
        key, csr = make_csr(f"api-{os.urandom(4).hex()}.example.com")
        result = certs.enroll_cert(
            "caServerCert", {"cert_request_type": "pkcs10", "cert_request": csr})[0]
        check(result.cert is not None and result.cert.status == "VALID",
              f"enrollment gave {result.request.request_status}")
        print(f"Issued certificate {result.cert.serial_number} (PKIClient)")
        certs.revoke_cert(result.cert.serial_number, revocation_reason="Superseded")
        check(certs.get_cert(result.cert.serial_number).status == "REVOKED", "not revoked")
    finally:
        ca_account.logout()

    kra = pki.kra.KRAClient(client)
    kra_account = pki.account.AccountClient(kra)
    kra_account.login()
    try:
        transport_cert = x509.load_der_x509_certificate(
            pki.systemcert.SystemCertClient(kra).get_transport_cert().binary)
        vault(pki.key.KeyClient(kra), transport_cert)
    finally:
        kra_account.logout()

    administer(client)


def administer(client):
    """Users, a profile, a sub-CA and the security domain, with master's admin clients."""
    ca = pki.ca.CAClient(client)
    users = pki.user.UserClient(ca).find_users()
    check(users["total"] >= 1, "no users")
    print(f"Users: {', '.join(sorted(u['id'] for u in users['entries']))}")

    profile_id = f"caScript{os.urandom(4).hex()}"
    profiles = pki.profile.ProfileClient(ca)
    raw = profiles.get_profile("caServerCert", raw=True)
    config = "\n".join(
        line for line in raw.splitlines()
        if not line.startswith(("profileId=", "name=", "#"))
    )
    config += f"\nprofileId={profile_id}\nname=Script profile\n"
    profiles.create_profile(config, raw=True)
    profiles.enable_profile(profile_id)
    check(profiles.get_profile(profile_id).enabled, f"profile {profile_id} is not enabled")
    listed = [p.profile_id for p in profiles.list_profiles(size=1000)]
    check(profile_id in listed, f"profile {profile_id} is not listed")

    account = pki.account.AccountClient(ca)
    account.login()  # authority changes use the session's principal
    try:
        authorities = pki.authority.AuthorityClient(pki.subsystem.SubsystemClient(client, "ca"))
        host = [a for a in authorities.list_cas().ca_list if a.is_host_authority][0]
        subca = authorities.create_ca(pki.authority.AuthorityData(
            dn=f"CN=Script Sub CA {os.urandom(4).hex()},O=Example",
            description="made by upstream_script.py", parent_aid=host.aid))
        subca_cert = x509.load_pem_x509_certificate(
            authorities.get_cert(subca.aid, "PEM").encode("ascii"))
        check("BEGIN PKCS7" in authorities.get_chain(subca.aid, "PEM"), "no PEM chain")

        key, csr = make_csr(f"sub-{os.urandom(4).hex()}.example.com")
        result = pki.cert.CertClient(ca).enroll_cert(
            profile_id, {"cert_request_type": "pkcs10", "cert_request": csr}, subca.aid)[0]
        issued = x509.load_pem_x509_certificate(result.cert.encoded.encode("ascii"))
        issued.verify_directly_issued_by(subca_cert)
        print(f"Sub-CA {subca.aid} issued {result.cert.serial_number} with {profile_id}")

        authorities.disable_ca(subca.aid)
        authorities.delete_ca(subca.aid)
    finally:
        account.logout()
    profiles.disable_profile(profile_id)
    profiles.delete_profile(profile_id)

    domain = pki.system.SecurityDomainClient(
        pki.subsystem.SubsystemClient(client, "ca")).get_domain_info()
    check("CA" in domain.subsystems, "no CA in the security domain")
    print(f"Security domain {domain.id}: {len(domain.subsystems['CA'].hosts)} CA host(s)")


def main(argv):
    info = server_settings(argv)
    url = urlsplit(info["url"])
    conn = pki.client.PKIConnection(
        "https", url.hostname, str(url.port),
        nssdb=info["nssdb"], nickname=info["nickname"],
        nssdb_password_file=info["password_file"])
    try:
        enroll_and_revoke(conn)
        archive_and_retrieve(conn)
        with_pki_client(info)
    except pki.PKIException as e:
        sys.exit(f"FAILED: {type(e).__name__}: {e}")
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
