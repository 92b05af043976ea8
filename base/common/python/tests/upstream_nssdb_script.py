#!/usr/bin/python3
"""A script written against upstream dogtag-pki master's ``pki.nssdb``, unchanged.

What Dogtag's installers do with a client database: create it, add the CA certificate with
trust, import the admin's PKCS #12, read the admin certificate back (PEM and upstream's info
dict), create a certificate request, verify the admin certificate, remove it. Only upstream
names, parameters and return types are used; it prints one JSON line with what it saw.

Usage::

    upstream_nssdb_script.py DB_DIR DB_PASSWORD CA_PEM ADMIN_P12 P12_PASSWORD_FILE REQUEST_FILE
"""

import json
import sys

import pki.nssdb
from cryptography import x509


def main(argv):
    directory, password, ca_pem, admin_p12, p12_password_file, request_file = argv[1:7]

    nssdb = pki.nssdb.NSSDatabase(directory=directory, password=password)
    try:
        if not nssdb.exists():
            nssdb.create()

        nssdb.add_cert(
            nickname='CA Signing Certificate',
            cert_file=ca_pem,
            trust_attributes='CT,C,C')

        nssdb.import_pkcs12(
            pkcs12_file=admin_p12,
            pkcs12_password_file=p12_password_file)

        cert_pem = nssdb.get_cert(nickname='PKI Administrator')
        cert = x509.load_pem_x509_certificate(cert_pem)

        cert_info = nssdb.get_cert_info(nickname='PKI Administrator')

        nssdb.create_request(
            subject_dn='CN=Subsystem Certificate,OU=pki-tomcat,O=EXAMPLE',
            request_file=request_file,
            key_type='RSA',
            key_size=2048,
            key_usage_ext={
                'critical': True,
                'digitalSignature': True,
                'keyEncipherment': True,
            },
            subject_key_id='DEFAULT')

        nssdb.verify_cert('PKI Administrator', cert_usage='SSLClient')

        nssdb.remove_cert(nickname='PKI Administrator')
        gone = nssdb.get_cert(nickname='PKI Administrator')

    finally:
        nssdb.close()

    print(json.dumps({
        'dbtype': nssdb.get_dbtype(),
        'pem_type': pki.nssdb.get_pem_type(cert_pem.decode()),
        'subject': cert_info['subject'],
        'serial_number': cert_info['serial_number'] == cert.serial_number,
        'trust_flags': cert_info['trust_flags'],
        'data_is_base64_der': cert_info['data'] == pki.nssdb.convert_cert(
            cert_pem.decode(), 'pem', 'base64'),
        'removed': gone is None,
    }, sort_keys=True))


if __name__ == '__main__':
    main(sys.argv)
