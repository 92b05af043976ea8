# ruff: noqa: E501 - generated data: certificates and OpenSSL's messages
"""HandshakeRecords of real TLS connections, for test_tls_diagnosis.py.

Written by ``PKI_RECORD_HANDSHAKES=1 python -m pytest tests/test_tls_diagnosis.py -k live``
with pyOpenSSL 26.4.0 (OpenSSL 4.0.3 29 Sep 2026). Certificates are PEM;
no record holds a key or a password.
"""

RECORDS = {'certificate-rejected-tls12': {'record': {'server_hostname': '127.0.0.1',
                                           'peer_address': ['127.0.0.1', 48193],
                                           'allowed_versions': ['TLS 1.2', 'TLS 1.3'],
                                           'trust_description': 'the trust of this connection: '
                                                                'NSS database '
                                                                'sql:/tmp/pytest-of-root/pytest-137/nssdb-sql0',
                                           'certificate_requested': True,
                                           'sent_certificate': '-----BEGIN CERTIFICATE-----\n'
                                                               'MIIDMDCCAhigAwIBAgIUKuwim5ydShlgp4ptMF5NVqa1GdQwDQYJKoZIhvcNAQEL\n'
                                                               'BQAwLjEVMBMGA1UECgwMRXhhbXBsZSBUZXN0MRUwEwYDVQQDDAxUZXN0IFJvb3Qg\n'
                                                               'Q0EwHhcNMjYxMjAxMDcxNTMyWhcNMjcxMjAxMDgxNTMyWjAuMRAwDgYDVQQKDAdF\n'
                                                               'eGFtcGxlMRowGAYDVQQDDBFQS0kgQWRtaW5pc3RyYXRvcjCCASIwDQYJKoZIhvcN\n'
                                                               'AQEBBQADggEPADCCAQoCggEBAJr3W0Xl/8h4u4C7fClSsAjluuaiGudulijKG1pD\n'
                                                               'VWZSjIN2ePzMPssGkaH9IMVmzTFoeKjqqD0J/f5HoIoUr5hzlH+HfmN28uqTXipq\n'
                                                               'O1qx5TJOYic+UbqUGgiAAmErAMLWKYlnFloFOpN4eqQh8aWFYEZSKL8ffTq2Ef/H\n'
                                                               'N9lNiBQQcQ6O7N8GLnLpXuercufTYOJM83/8A5T6IAwu5NiTw0OL97rOy8Mla1sg\n'
                                                               '84d1zKsoNAGk+pmMr09/HyjTSLEgbu9Iqqgx+dID4KTpBE25Ta4NGCnDAUnkpQUA\n'
                                                               'NiYc9mkKt9f0n85UHs5/zqs3HarRyLPvHmdrP1GRpkZpSf8CAwEAAaNGMEQwDAYD\n'
                                                               'VR0TAQH/BAIwADAfBgNVHSMEGDAWgBSw+L7XlAIAZ8qhmq3f+ZiTc7HwhjATBgNV\n'
                                                               'HSUEDDAKBggrBgEFBQcDAjANBgkqhkiG9w0BAQsFAAOCAQEAgiBWMTDGHOtRyhza\n'
                                                               'bgPDQst8iXSW4p/Rk+I6C3mzxqRL63BVM8FO63dUJ8wX0Ug9T9Gb0AG58TVs1v6h\n'
                                                               'sy6UFs9XhdBDKGwAWZ1cqjUBfwRQDjhoar/jC1uXstQpD1IlO++rrrUymNJ6lO6R\n'
                                                               '0x78AYR+bTcsXIUosCRVLHsP5TcJUbt3OEfQ/+fAoUJrHX0jkEAW2ebL4C+Rl9MO\n'
                                                               'IlL5KeUzev9BIBBSJlRGKS9+MxD2gG9ShEDOuONoqsA6UoLrP6ppVri4QfFXtGhm\n'
                                                               '/UcFTriVU4DCaFJ0p1oRisOKogKZEz4IXYXcgBCxtGpFBYdW2OMfaf75TxYak1R7\n'
                                                               'JEdq0w==\n'
                                                               '-----END CERTIFICATE-----\n',
                                           'sent_nickname': 'PKI Administrator',
                                           'verify_failure': None,
                                           'verify_result': [0, ''],
                                           'peer_leaf': None,
                                           'received': 0,
                                           'failure': {'stage': 'handshake',
                                                       'kind': 'tls',
                                                       'reasons': ['tlsv1 alert unknown ca'],
                                                       'errno': None}}},
 'certificate-rejected-tls13': {'record': {'server_hostname': '127.0.0.1',
                                           'peer_address': ['127.0.0.1', 56397],
                                           'allowed_versions': ['TLS 1.2', 'TLS 1.3'],
                                           'trust_description': 'the trust of this connection: '
                                                                'NSS database '
                                                                'sql:/tmp/pytest-of-root/pytest-137/nssdb-sql0',
                                           'certificate_requested': True,
                                           'sent_certificate': '-----BEGIN CERTIFICATE-----\n'
                                                               'MIIDMDCCAhigAwIBAgIUKuwim5ydShlgp4ptMF5NVqa1GdQwDQYJKoZIhvcNAQEL\n'
                                                               'BQAwLjEVMBMGA1UECgwMRXhhbXBsZSBUZXN0MRUwEwYDVQQDDAxUZXN0IFJvb3Qg\n'
                                                               'Q0EwHhcNMjYxMjAxMDcxNTMyWhcNMjcxMjAxMDgxNTMyWjAuMRAwDgYDVQQKDAdF\n'
                                                               'eGFtcGxlMRowGAYDVQQDDBFQS0kgQWRtaW5pc3RyYXRvcjCCASIwDQYJKoZIhvcN\n'
                                                               'AQEBBQADggEPADCCAQoCggEBAJr3W0Xl/8h4u4C7fClSsAjluuaiGudulijKG1pD\n'
                                                               'VWZSjIN2ePzMPssGkaH9IMVmzTFoeKjqqD0J/f5HoIoUr5hzlH+HfmN28uqTXipq\n'
                                                               'O1qx5TJOYic+UbqUGgiAAmErAMLWKYlnFloFOpN4eqQh8aWFYEZSKL8ffTq2Ef/H\n'
                                                               'N9lNiBQQcQ6O7N8GLnLpXuercufTYOJM83/8A5T6IAwu5NiTw0OL97rOy8Mla1sg\n'
                                                               '84d1zKsoNAGk+pmMr09/HyjTSLEgbu9Iqqgx+dID4KTpBE25Ta4NGCnDAUnkpQUA\n'
                                                               'NiYc9mkKt9f0n85UHs5/zqs3HarRyLPvHmdrP1GRpkZpSf8CAwEAAaNGMEQwDAYD\n'
                                                               'VR0TAQH/BAIwADAfBgNVHSMEGDAWgBSw+L7XlAIAZ8qhmq3f+ZiTc7HwhjATBgNV\n'
                                                               'HSUEDDAKBggrBgEFBQcDAjANBgkqhkiG9w0BAQsFAAOCAQEAgiBWMTDGHOtRyhza\n'
                                                               'bgPDQst8iXSW4p/Rk+I6C3mzxqRL63BVM8FO63dUJ8wX0Ug9T9Gb0AG58TVs1v6h\n'
                                                               'sy6UFs9XhdBDKGwAWZ1cqjUBfwRQDjhoar/jC1uXstQpD1IlO++rrrUymNJ6lO6R\n'
                                                               '0x78AYR+bTcsXIUosCRVLHsP5TcJUbt3OEfQ/+fAoUJrHX0jkEAW2ebL4C+Rl9MO\n'
                                                               'IlL5KeUzev9BIBBSJlRGKS9+MxD2gG9ShEDOuONoqsA6UoLrP6ppVri4QfFXtGhm\n'
                                                               '/UcFTriVU4DCaFJ0p1oRisOKogKZEz4IXYXcgBCxtGpFBYdW2OMfaf75TxYak1R7\n'
                                                               'JEdq0w==\n'
                                                               '-----END CERTIFICATE-----\n',
                                           'sent_nickname': 'PKI Administrator',
                                           'verify_failure': None,
                                           'verify_result': [0, ''],
                                           'peer_leaf': None,
                                           'received': 0,
                                           'failure': {'stage': 'io',
                                                       'kind': 'tls',
                                                       'reasons': ['tlsv1 alert unknown ca'],
                                                       'errno': None}}},
 'certificate-required-tls12': {'record': {'server_hostname': '127.0.0.1',
                                           'peer_address': ['127.0.0.1', 44667],
                                           'allowed_versions': ['TLS 1.2', 'TLS 1.3'],
                                           'trust_description': 'the trust of this connection: '
                                                                'the configured trust anchors; '
                                                                'cert_paths '
                                                                '/tmp/pytest-of-root/pytest-137/s_server2/server-ca.pem',
                                           'certificate_requested': True,
                                           'sent_certificate': None,
                                           'sent_nickname': None,
                                           'verify_failure': None,
                                           'verify_result': [0, ''],
                                           'peer_leaf': None,
                                           'received': 0,
                                           'failure': {'stage': 'handshake',
                                                       'kind': 'tls',
                                                       'reasons': ['tls alert handshake '
                                                                   'failure'],
                                                       'errno': None}}},
 'certificate-required-tls13': {'record': {'server_hostname': '127.0.0.1',
                                           'peer_address': ['127.0.0.1', 42839],
                                           'allowed_versions': ['TLS 1.2', 'TLS 1.3'],
                                           'trust_description': 'the trust of this connection: '
                                                                'the configured trust anchors; '
                                                                'cert_paths '
                                                                '/tmp/pytest-of-root/pytest-137/s_server3/server-ca.pem',
                                           'certificate_requested': True,
                                           'sent_certificate': None,
                                           'sent_nickname': None,
                                           'verify_failure': None,
                                           'verify_result': [0, ''],
                                           'peer_leaf': None,
                                           'received': 0,
                                           'failure': {'stage': 'io',
                                                       'kind': 'tls',
                                                       'reasons': ['tlsv13 alert certificate '
                                                                   'required'],
                                                       'errno': None}}},
 'expired-server': {'record': {'server_hostname': '127.0.0.1',
                               'peer_address': ['127.0.0.1', 42441],
                               'allowed_versions': ['TLS 1.2', 'TLS 1.3'],
                               'trust_description': 'the trust of this connection: NSS '
                                                    'database '
                                                    'sql:/tmp/pytest-of-root/pytest-137/nssdb-sql0',
                               'certificate_requested': False,
                               'sent_certificate': '-----BEGIN CERTIFICATE-----\n'
                                                   'MIIDMDCCAhigAwIBAgIUKuwim5ydShlgp4ptMF5NVqa1GdQwDQYJKoZIhvcNAQEL\n'
                                                   'BQAwLjEVMBMGA1UECgwMRXhhbXBsZSBUZXN0MRUwEwYDVQQDDAxUZXN0IFJvb3Qg\n'
                                                   'Q0EwHhcNMjYxMjAxMDcxNTMyWhcNMjcxMjAxMDgxNTMyWjAuMRAwDgYDVQQKDAdF\n'
                                                   'eGFtcGxlMRowGAYDVQQDDBFQS0kgQWRtaW5pc3RyYXRvcjCCASIwDQYJKoZIhvcN\n'
                                                   'AQEBBQADggEPADCCAQoCggEBAJr3W0Xl/8h4u4C7fClSsAjluuaiGudulijKG1pD\n'
                                                   'VWZSjIN2ePzMPssGkaH9IMVmzTFoeKjqqD0J/f5HoIoUr5hzlH+HfmN28uqTXipq\n'
                                                   'O1qx5TJOYic+UbqUGgiAAmErAMLWKYlnFloFOpN4eqQh8aWFYEZSKL8ffTq2Ef/H\n'
                                                   'N9lNiBQQcQ6O7N8GLnLpXuercufTYOJM83/8A5T6IAwu5NiTw0OL97rOy8Mla1sg\n'
                                                   '84d1zKsoNAGk+pmMr09/HyjTSLEgbu9Iqqgx+dID4KTpBE25Ta4NGCnDAUnkpQUA\n'
                                                   'NiYc9mkKt9f0n85UHs5/zqs3HarRyLPvHmdrP1GRpkZpSf8CAwEAAaNGMEQwDAYD\n'
                                                   'VR0TAQH/BAIwADAfBgNVHSMEGDAWgBSw+L7XlAIAZ8qhmq3f+ZiTc7HwhjATBgNV\n'
                                                   'HSUEDDAKBggrBgEFBQcDAjANBgkqhkiG9w0BAQsFAAOCAQEAgiBWMTDGHOtRyhza\n'
                                                   'bgPDQst8iXSW4p/Rk+I6C3mzxqRL63BVM8FO63dUJ8wX0Ug9T9Gb0AG58TVs1v6h\n'
                                                   'sy6UFs9XhdBDKGwAWZ1cqjUBfwRQDjhoar/jC1uXstQpD1IlO++rrrUymNJ6lO6R\n'
                                                   '0x78AYR+bTcsXIUosCRVLHsP5TcJUbt3OEfQ/+fAoUJrHX0jkEAW2ebL4C+Rl9MO\n'
                                                   'IlL5KeUzev9BIBBSJlRGKS9+MxD2gG9ShEDOuONoqsA6UoLrP6ppVri4QfFXtGhm\n'
                                                   '/UcFTriVU4DCaFJ0p1oRisOKogKZEz4IXYXcgBCxtGpFBYdW2OMfaf75TxYak1R7\n'
                                                   'JEdq0w==\n'
                                                   '-----END CERTIFICATE-----\n',
                               'sent_nickname': 'PKI Administrator',
                               'verify_failure': {'cert': '-----BEGIN CERTIFICATE-----\n'
                                                          'MIIDRjCCAi6gAwIBAgIUNhbYMrcXlO88Yr/9IYz1uD5tonswDQYJKoZIhvcNAQEL\n'
                                                          'BQAwLjEVMBMGA1UECgwMRXhhbXBsZSBUZXN0MRUwEwYDVQQDDAxUZXN0IFJvb3Qg\n'
                                                          'Q0EwHhcNMjAwMTAxMDAwMDAwWhcNMjEwMTAxMDAwMDAwWjAoMRAwDgYDVQQKDAdF\n'
                                                          'eGFtcGxlMRQwEgYDVQQDDAtlY2hvIHNlcnZlcjCCASIwDQYJKoZIhvcNAQEBBQAD\n'
                                                          'ggEPADCCAQoCggEBAKMyAI1dkp3/J00Bp6TK/MGqYRJi+W8VbNhnCkCl8F3k5WPW\n'
                                                          '3IAx1op2sqFAawHlqDgK+yvXglTBVEI0JAei7bmXnclKqGJ8lazWXYerAQ3UWUDB\n'
                                                          'E2r+uNhUL+NrhDq6YxBLJz8SP03vjAHic64/yAfq0Z11XIRUUi9/CtD9F1jj29/1\n'
                                                          'jJaGKZO+qakZFmeLAnjhWz+2WZeVu9qBfXrpfqJ+gfz+FZo5kSzI7gMKyIUnOWpk\n'
                                                          'Dg4Pm6Aj11eXq4mug4wyt/KuU9ufbF1BAk9Q7Mh3y6fI+vu9cDr/EQqESIHqU8U7\n'
                                                          '2PTkBEUKlw0ocIDkGaHmKVwDASxyUpyHbJALY5UCAwEAAaNiMGAwDAYDVR0TAQH/\n'
                                                          'BAIwADAfBgNVHSMEGDAWgBSw+L7XlAIAZ8qhmq3f+ZiTc7HwhjATBgNVHSUEDDAK\n'
                                                          'BggrBgEFBQcDATAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwDQYJKoZIhvcN\n'
                                                          'AQELBQADggEBAC0vcDbyHVsh/pj0v+9xN55T4EOp1TvcwKI+toNueWz+YoI2ilhF\n'
                                                          '1Z8o6gQxXPoC9mkQ1+lfambeBEdYQRX4FpdshW7TL0FyfHoPBnhGQwWB6jrHCZEk\n'
                                                          'KkJQkEiQT4ULYyxXqkj3iAz/VSCSnQJ/JV09OVqebJ96sLy/0vpiIXBxbAwTGZsi\n'
                                                          '+/Q4jSkQ/jSoHMd9yolBDBqVUGJ80s7+gArQ5SyXrPnLCYwPS8neswvqTzuOQ/8q\n'
                                                          'LBxiTcEVaVuBj2hPFWHoEfNRyhJF+bFSNKCNX8LY7vFAStQH7K7wJDokVFTDhoEb\n'
                                                          '28lFcUB0u4h5OyzMpmpU0tWKpz7ig72ECLQ=\n'
                                                          '-----END CERTIFICATE-----\n',
                                                  'code': 10,
                                                  'depth': 0},
                               'verify_result': [10, 'certificate has expired'],
                               'peer_leaf': '-----BEGIN CERTIFICATE-----\n'
                                            'MIIDRjCCAi6gAwIBAgIUNhbYMrcXlO88Yr/9IYz1uD5tonswDQYJKoZIhvcNAQEL\n'
                                            'BQAwLjEVMBMGA1UECgwMRXhhbXBsZSBUZXN0MRUwEwYDVQQDDAxUZXN0IFJvb3Qg\n'
                                            'Q0EwHhcNMjAwMTAxMDAwMDAwWhcNMjEwMTAxMDAwMDAwWjAoMRAwDgYDVQQKDAdF\n'
                                            'eGFtcGxlMRQwEgYDVQQDDAtlY2hvIHNlcnZlcjCCASIwDQYJKoZIhvcNAQEBBQAD\n'
                                            'ggEPADCCAQoCggEBAKMyAI1dkp3/J00Bp6TK/MGqYRJi+W8VbNhnCkCl8F3k5WPW\n'
                                            '3IAx1op2sqFAawHlqDgK+yvXglTBVEI0JAei7bmXnclKqGJ8lazWXYerAQ3UWUDB\n'
                                            'E2r+uNhUL+NrhDq6YxBLJz8SP03vjAHic64/yAfq0Z11XIRUUi9/CtD9F1jj29/1\n'
                                            'jJaGKZO+qakZFmeLAnjhWz+2WZeVu9qBfXrpfqJ+gfz+FZo5kSzI7gMKyIUnOWpk\n'
                                            'Dg4Pm6Aj11eXq4mug4wyt/KuU9ufbF1BAk9Q7Mh3y6fI+vu9cDr/EQqESIHqU8U7\n'
                                            '2PTkBEUKlw0ocIDkGaHmKVwDASxyUpyHbJALY5UCAwEAAaNiMGAwDAYDVR0TAQH/\n'
                                            'BAIwADAfBgNVHSMEGDAWgBSw+L7XlAIAZ8qhmq3f+ZiTc7HwhjATBgNVHSUEDDAK\n'
                                            'BggrBgEFBQcDATAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwDQYJKoZIhvcN\n'
                                            'AQELBQADggEBAC0vcDbyHVsh/pj0v+9xN55T4EOp1TvcwKI+toNueWz+YoI2ilhF\n'
                                            '1Z8o6gQxXPoC9mkQ1+lfambeBEdYQRX4FpdshW7TL0FyfHoPBnhGQwWB6jrHCZEk\n'
                                            'KkJQkEiQT4ULYyxXqkj3iAz/VSCSnQJ/JV09OVqebJ96sLy/0vpiIXBxbAwTGZsi\n'
                                            '+/Q4jSkQ/jSoHMd9yolBDBqVUGJ80s7+gArQ5SyXrPnLCYwPS8neswvqTzuOQ/8q\n'
                                            'LBxiTcEVaVuBj2hPFWHoEfNRyhJF+bFSNKCNX8LY7vFAStQH7K7wJDokVFTDhoEb\n'
                                            '28lFcUB0u4h5OyzMpmpU0tWKpz7ig72ECLQ=\n'
                                            '-----END CERTIFICATE-----\n',
                               'received': 0,
                               'failure': {'stage': 'handshake',
                                           'kind': 'tls',
                                           'reasons': ['certificate verify failed'],
                                           'errno': None}}},
 'hostname-mismatch': {'record': {'server_hostname': '127.0.0.1',
                                  'peer_address': ['127.0.0.1', 49021],
                                  'allowed_versions': ['TLS 1.2', 'TLS 1.3'],
                                  'trust_description': 'the trust of this connection: NSS '
                                                       'database '
                                                       'sql:/tmp/pytest-of-root/pytest-137/nssdb-sql0',
                                  'certificate_requested': False,
                                  'sent_certificate': '-----BEGIN CERTIFICATE-----\n'
                                                      'MIIDMDCCAhigAwIBAgIUKuwim5ydShlgp4ptMF5NVqa1GdQwDQYJKoZIhvcNAQEL\n'
                                                      'BQAwLjEVMBMGA1UECgwMRXhhbXBsZSBUZXN0MRUwEwYDVQQDDAxUZXN0IFJvb3Qg\n'
                                                      'Q0EwHhcNMjYxMjAxMDcxNTMyWhcNMjcxMjAxMDgxNTMyWjAuMRAwDgYDVQQKDAdF\n'
                                                      'eGFtcGxlMRowGAYDVQQDDBFQS0kgQWRtaW5pc3RyYXRvcjCCASIwDQYJKoZIhvcN\n'
                                                      'AQEBBQADggEPADCCAQoCggEBAJr3W0Xl/8h4u4C7fClSsAjluuaiGudulijKG1pD\n'
                                                      'VWZSjIN2ePzMPssGkaH9IMVmzTFoeKjqqD0J/f5HoIoUr5hzlH+HfmN28uqTXipq\n'
                                                      'O1qx5TJOYic+UbqUGgiAAmErAMLWKYlnFloFOpN4eqQh8aWFYEZSKL8ffTq2Ef/H\n'
                                                      'N9lNiBQQcQ6O7N8GLnLpXuercufTYOJM83/8A5T6IAwu5NiTw0OL97rOy8Mla1sg\n'
                                                      '84d1zKsoNAGk+pmMr09/HyjTSLEgbu9Iqqgx+dID4KTpBE25Ta4NGCnDAUnkpQUA\n'
                                                      'NiYc9mkKt9f0n85UHs5/zqs3HarRyLPvHmdrP1GRpkZpSf8CAwEAAaNGMEQwDAYD\n'
                                                      'VR0TAQH/BAIwADAfBgNVHSMEGDAWgBSw+L7XlAIAZ8qhmq3f+ZiTc7HwhjATBgNV\n'
                                                      'HSUEDDAKBggrBgEFBQcDAjANBgkqhkiG9w0BAQsFAAOCAQEAgiBWMTDGHOtRyhza\n'
                                                      'bgPDQst8iXSW4p/Rk+I6C3mzxqRL63BVM8FO63dUJ8wX0Ug9T9Gb0AG58TVs1v6h\n'
                                                      'sy6UFs9XhdBDKGwAWZ1cqjUBfwRQDjhoar/jC1uXstQpD1IlO++rrrUymNJ6lO6R\n'
                                                      '0x78AYR+bTcsXIUosCRVLHsP5TcJUbt3OEfQ/+fAoUJrHX0jkEAW2ebL4C+Rl9MO\n'
                                                      'IlL5KeUzev9BIBBSJlRGKS9+MxD2gG9ShEDOuONoqsA6UoLrP6ppVri4QfFXtGhm\n'
                                                      '/UcFTriVU4DCaFJ0p1oRisOKogKZEz4IXYXcgBCxtGpFBYdW2OMfaf75TxYak1R7\n'
                                                      'JEdq0w==\n'
                                                      '-----END CERTIFICATE-----\n',
                                  'sent_nickname': 'PKI Administrator',
                                  'verify_failure': {'cert': '-----BEGIN CERTIFICATE-----\n'
                                                             'MIIDRjCCAi6gAwIBAgIUZgStDySSQbcViD9MlnQAxOh5EkUwDQYJKoZIhvcNAQEL\n'
                                                             'BQAwLjEVMBMGA1UECgwMRXhhbXBsZSBUZXN0MRUwEwYDVQQDDAxUZXN0IFJvb3Qg\n'
                                                             'Q0EwHhcNMjYxMjAxMDcxNTMyWhcNMjcxMjAxMDgxNTMyWjAqMRAwDgYDVQQKDAdF\n'
                                                             'eGFtcGxlMRYwFAYDVQQDDA1vdGhlci5leGFtcGxlMIIBIjANBgkqhkiG9w0BAQEF\n'
                                                             'AAOCAQ8AMIIBCgKCAQEA0HuCfE1b9yhbsaB4pkLOSRj2uUKIuZN30i1zRbym/maN\n'
                                                             '2mOK3XaxxU5FJuh39AthRAAQm12Zx8AP7n9y82ALGBgoNXNZBFL/usr4qXkiay4x\n'
                                                             '+DULGP4Js216WvJ2ncT94pmm0pNWgxp0rEd+D9GVpRtpTmSAHjoXx/LlzjIpsmLi\n'
                                                             'fCU6BPrQcOSEO9mnInqONpcCYij7UasBg2saYORvJVX5elWZZBtPN/1BJEuPOciW\n'
                                                             'TRovDhwk+As3uDYbAurvdWssK+dWZIq9ZxnA2oY5y5/XAOn7hnYEluCBZwkjCmr2\n'
                                                             '9h+9eDkhHohgRoM80Jii+iH/07i7ihnuQ9kQf0UY4wIDAQABo2AwXjAMBgNVHRMB\n'
                                                             'Af8EAjAAMB8GA1UdIwQYMBaAFLD4vteUAgBnyqGard/5mJNzsfCGMBMGA1UdJQQM\n'
                                                             'MAoGCCsGAQUFBwMBMBgGA1UdEQQRMA+CDW90aGVyLmV4YW1wbGUwDQYJKoZIhvcN\n'
                                                             'AQELBQADggEBADNoSp+7jh/we8cLZxN7oDvVWaJ7lE8dPt/mRMtVYGVGg6hO1qWN\n'
                                                             '2cuViMMd5Qiv8Id64Pe3Zn5CzJDMNB9431G/B4YzESkQs/1K+ktAJVRHrvT37tQf\n'
                                                             'HwFS8zuKTgujTqgaSg1AhkzfkJkndkbQOJ3MT+8NNoqjMc9t/Xkh0Ba3zh/GbjLl\n'
                                                             'JCDnz7udEtxSJ5yC03dp8TSk00si+e6VSy3ma+w4tC5HDwEZypSffLZANZe2PXhu\n'
                                                             'cdA7Mh+I1IygMkrlrllQG78npr9NQpvXpuxsLJtrQnnRfBymECwAA8fSt4o0ztmm\n'
                                                             'dm+Y0eTYHTzI3ylKNJdqm2/9j4/IrH2099I=\n'
                                                             '-----END CERTIFICATE-----\n',
                                                     'code': 64,
                                                     'depth': 0},
                                  'verify_result': [64, 'IP address mismatch'],
                                  'peer_leaf': '-----BEGIN CERTIFICATE-----\n'
                                               'MIIDRjCCAi6gAwIBAgIUZgStDySSQbcViD9MlnQAxOh5EkUwDQYJKoZIhvcNAQEL\n'
                                               'BQAwLjEVMBMGA1UECgwMRXhhbXBsZSBUZXN0MRUwEwYDVQQDDAxUZXN0IFJvb3Qg\n'
                                               'Q0EwHhcNMjYxMjAxMDcxNTMyWhcNMjcxMjAxMDgxNTMyWjAqMRAwDgYDVQQKDAdF\n'
                                               'eGFtcGxlMRYwFAYDVQQDDA1vdGhlci5leGFtcGxlMIIBIjANBgkqhkiG9w0BAQEF\n'
                                               'AAOCAQ8AMIIBCgKCAQEA0HuCfE1b9yhbsaB4pkLOSRj2uUKIuZN30i1zRbym/maN\n'
                                               '2mOK3XaxxU5FJuh39AthRAAQm12Zx8AP7n9y82ALGBgoNXNZBFL/usr4qXkiay4x\n'
                                               '+DULGP4Js216WvJ2ncT94pmm0pNWgxp0rEd+D9GVpRtpTmSAHjoXx/LlzjIpsmLi\n'
                                               'fCU6BPrQcOSEO9mnInqONpcCYij7UasBg2saYORvJVX5elWZZBtPN/1BJEuPOciW\n'
                                               'TRovDhwk+As3uDYbAurvdWssK+dWZIq9ZxnA2oY5y5/XAOn7hnYEluCBZwkjCmr2\n'
                                               '9h+9eDkhHohgRoM80Jii+iH/07i7ihnuQ9kQf0UY4wIDAQABo2AwXjAMBgNVHRMB\n'
                                               'Af8EAjAAMB8GA1UdIwQYMBaAFLD4vteUAgBnyqGard/5mJNzsfCGMBMGA1UdJQQM\n'
                                               'MAoGCCsGAQUFBwMBMBgGA1UdEQQRMA+CDW90aGVyLmV4YW1wbGUwDQYJKoZIhvcN\n'
                                               'AQELBQADggEBADNoSp+7jh/we8cLZxN7oDvVWaJ7lE8dPt/mRMtVYGVGg6hO1qWN\n'
                                               '2cuViMMd5Qiv8Id64Pe3Zn5CzJDMNB9431G/B4YzESkQs/1K+ktAJVRHrvT37tQf\n'
                                               'HwFS8zuKTgujTqgaSg1AhkzfkJkndkbQOJ3MT+8NNoqjMc9t/Xkh0Ba3zh/GbjLl\n'
                                               'JCDnz7udEtxSJ5yC03dp8TSk00si+e6VSy3ma+w4tC5HDwEZypSffLZANZe2PXhu\n'
                                               'cdA7Mh+I1IygMkrlrllQG78npr9NQpvXpuxsLJtrQnnRfBymECwAA8fSt4o0ztmm\n'
                                               'dm+Y0eTYHTzI3ylKNJdqm2/9j4/IrH2099I=\n'
                                               '-----END CERTIFICATE-----\n',
                                  'received': 0,
                                  'failure': {'stage': 'handshake',
                                              'kind': 'tls',
                                              'reasons': ['certificate verify failed'],
                                              'errno': None}}},
 'no-common-version': {'record': {'server_hostname': '127.0.0.1',
                                  'peer_address': ['127.0.0.1', 44667],
                                  'allowed_versions': ['TLS 1.3', 'TLS 1.3'],
                                  'trust_description': 'the trust of this connection: NSS '
                                                       'database '
                                                       'sql:/tmp/pytest-of-root/pytest-137/nssdb-sql0',
                                  'certificate_requested': False,
                                  'sent_certificate': '-----BEGIN CERTIFICATE-----\n'
                                                      'MIIDMDCCAhigAwIBAgIUKuwim5ydShlgp4ptMF5NVqa1GdQwDQYJKoZIhvcNAQEL\n'
                                                      'BQAwLjEVMBMGA1UECgwMRXhhbXBsZSBUZXN0MRUwEwYDVQQDDAxUZXN0IFJvb3Qg\n'
                                                      'Q0EwHhcNMjYxMjAxMDcxNTMyWhcNMjcxMjAxMDgxNTMyWjAuMRAwDgYDVQQKDAdF\n'
                                                      'eGFtcGxlMRowGAYDVQQDDBFQS0kgQWRtaW5pc3RyYXRvcjCCASIwDQYJKoZIhvcN\n'
                                                      'AQEBBQADggEPADCCAQoCggEBAJr3W0Xl/8h4u4C7fClSsAjluuaiGudulijKG1pD\n'
                                                      'VWZSjIN2ePzMPssGkaH9IMVmzTFoeKjqqD0J/f5HoIoUr5hzlH+HfmN28uqTXipq\n'
                                                      'O1qx5TJOYic+UbqUGgiAAmErAMLWKYlnFloFOpN4eqQh8aWFYEZSKL8ffTq2Ef/H\n'
                                                      'N9lNiBQQcQ6O7N8GLnLpXuercufTYOJM83/8A5T6IAwu5NiTw0OL97rOy8Mla1sg\n'
                                                      '84d1zKsoNAGk+pmMr09/HyjTSLEgbu9Iqqgx+dID4KTpBE25Ta4NGCnDAUnkpQUA\n'
                                                      'NiYc9mkKt9f0n85UHs5/zqs3HarRyLPvHmdrP1GRpkZpSf8CAwEAAaNGMEQwDAYD\n'
                                                      'VR0TAQH/BAIwADAfBgNVHSMEGDAWgBSw+L7XlAIAZ8qhmq3f+ZiTc7HwhjATBgNV\n'
                                                      'HSUEDDAKBggrBgEFBQcDAjANBgkqhkiG9w0BAQsFAAOCAQEAgiBWMTDGHOtRyhza\n'
                                                      'bgPDQst8iXSW4p/Rk+I6C3mzxqRL63BVM8FO63dUJ8wX0Ug9T9Gb0AG58TVs1v6h\n'
                                                      'sy6UFs9XhdBDKGwAWZ1cqjUBfwRQDjhoar/jC1uXstQpD1IlO++rrrUymNJ6lO6R\n'
                                                      '0x78AYR+bTcsXIUosCRVLHsP5TcJUbt3OEfQ/+fAoUJrHX0jkEAW2ebL4C+Rl9MO\n'
                                                      'IlL5KeUzev9BIBBSJlRGKS9+MxD2gG9ShEDOuONoqsA6UoLrP6ppVri4QfFXtGhm\n'
                                                      '/UcFTriVU4DCaFJ0p1oRisOKogKZEz4IXYXcgBCxtGpFBYdW2OMfaf75TxYak1R7\n'
                                                      'JEdq0w==\n'
                                                      '-----END CERTIFICATE-----\n',
                                  'sent_nickname': 'PKI Administrator',
                                  'verify_failure': None,
                                  'verify_result': [0, ''],
                                  'peer_leaf': None,
                                  'received': 0,
                                  'failure': {'stage': 'handshake',
                                              'kind': 'tls',
                                              'reasons': ['tlsv1 alert protocol version'],
                                              'errno': None}}},
 'normal-end': {'record': {'server_hostname': '127.0.0.1',
                           'peer_address': ['127.0.0.1', 42839],
                           'allowed_versions': ['TLS 1.2', 'TLS 1.3'],
                           'trust_description': 'the trust of this connection: NSS database '
                                                'sql:/tmp/pytest-of-root/pytest-137/nssdb-sql0',
                           'certificate_requested': True,
                           'sent_certificate': '-----BEGIN CERTIFICATE-----\n'
                                               'MIIDMDCCAhigAwIBAgIUKuwim5ydShlgp4ptMF5NVqa1GdQwDQYJKoZIhvcNAQEL\n'
                                               'BQAwLjEVMBMGA1UECgwMRXhhbXBsZSBUZXN0MRUwEwYDVQQDDAxUZXN0IFJvb3Qg\n'
                                               'Q0EwHhcNMjYxMjAxMDcxNTMyWhcNMjcxMjAxMDgxNTMyWjAuMRAwDgYDVQQKDAdF\n'
                                               'eGFtcGxlMRowGAYDVQQDDBFQS0kgQWRtaW5pc3RyYXRvcjCCASIwDQYJKoZIhvcN\n'
                                               'AQEBBQADggEPADCCAQoCggEBAJr3W0Xl/8h4u4C7fClSsAjluuaiGudulijKG1pD\n'
                                               'VWZSjIN2ePzMPssGkaH9IMVmzTFoeKjqqD0J/f5HoIoUr5hzlH+HfmN28uqTXipq\n'
                                               'O1qx5TJOYic+UbqUGgiAAmErAMLWKYlnFloFOpN4eqQh8aWFYEZSKL8ffTq2Ef/H\n'
                                               'N9lNiBQQcQ6O7N8GLnLpXuercufTYOJM83/8A5T6IAwu5NiTw0OL97rOy8Mla1sg\n'
                                               '84d1zKsoNAGk+pmMr09/HyjTSLEgbu9Iqqgx+dID4KTpBE25Ta4NGCnDAUnkpQUA\n'
                                               'NiYc9mkKt9f0n85UHs5/zqs3HarRyLPvHmdrP1GRpkZpSf8CAwEAAaNGMEQwDAYD\n'
                                               'VR0TAQH/BAIwADAfBgNVHSMEGDAWgBSw+L7XlAIAZ8qhmq3f+ZiTc7HwhjATBgNV\n'
                                               'HSUEDDAKBggrBgEFBQcDAjANBgkqhkiG9w0BAQsFAAOCAQEAgiBWMTDGHOtRyhza\n'
                                               'bgPDQst8iXSW4p/Rk+I6C3mzxqRL63BVM8FO63dUJ8wX0Ug9T9Gb0AG58TVs1v6h\n'
                                               'sy6UFs9XhdBDKGwAWZ1cqjUBfwRQDjhoar/jC1uXstQpD1IlO++rrrUymNJ6lO6R\n'
                                               '0x78AYR+bTcsXIUosCRVLHsP5TcJUbt3OEfQ/+fAoUJrHX0jkEAW2ebL4C+Rl9MO\n'
                                               'IlL5KeUzev9BIBBSJlRGKS9+MxD2gG9ShEDOuONoqsA6UoLrP6ppVri4QfFXtGhm\n'
                                               '/UcFTriVU4DCaFJ0p1oRisOKogKZEz4IXYXcgBCxtGpFBYdW2OMfaf75TxYak1R7\n'
                                               'JEdq0w==\n'
                                               '-----END CERTIFICATE-----\n',
                           'sent_nickname': 'PKI Administrator',
                           'verify_failure': None,
                           'verify_result': [0, ''],
                           'peer_leaf': None,
                           'received': 9702,
                           'failure': {'stage': 'io',
                                       'kind': 'eof',
                                       'reasons': [],
                                       'errno': None}}},
 'not-tls': {'record': {'server_hostname': '127.0.0.1',
                        'peer_address': ['127.0.0.1', 40509],
                        'allowed_versions': ['TLS 1.2', 'TLS 1.3'],
                        'trust_description': 'the trust of this connection: NSS database '
                                             'sql:/tmp/pytest-of-root/pytest-137/nssdb-sql0',
                        'certificate_requested': False,
                        'sent_certificate': '-----BEGIN CERTIFICATE-----\n'
                                            'MIIDMDCCAhigAwIBAgIUKuwim5ydShlgp4ptMF5NVqa1GdQwDQYJKoZIhvcNAQEL\n'
                                            'BQAwLjEVMBMGA1UECgwMRXhhbXBsZSBUZXN0MRUwEwYDVQQDDAxUZXN0IFJvb3Qg\n'
                                            'Q0EwHhcNMjYxMjAxMDcxNTMyWhcNMjcxMjAxMDgxNTMyWjAuMRAwDgYDVQQKDAdF\n'
                                            'eGFtcGxlMRowGAYDVQQDDBFQS0kgQWRtaW5pc3RyYXRvcjCCASIwDQYJKoZIhvcN\n'
                                            'AQEBBQADggEPADCCAQoCggEBAJr3W0Xl/8h4u4C7fClSsAjluuaiGudulijKG1pD\n'
                                            'VWZSjIN2ePzMPssGkaH9IMVmzTFoeKjqqD0J/f5HoIoUr5hzlH+HfmN28uqTXipq\n'
                                            'O1qx5TJOYic+UbqUGgiAAmErAMLWKYlnFloFOpN4eqQh8aWFYEZSKL8ffTq2Ef/H\n'
                                            'N9lNiBQQcQ6O7N8GLnLpXuercufTYOJM83/8A5T6IAwu5NiTw0OL97rOy8Mla1sg\n'
                                            '84d1zKsoNAGk+pmMr09/HyjTSLEgbu9Iqqgx+dID4KTpBE25Ta4NGCnDAUnkpQUA\n'
                                            'NiYc9mkKt9f0n85UHs5/zqs3HarRyLPvHmdrP1GRpkZpSf8CAwEAAaNGMEQwDAYD\n'
                                            'VR0TAQH/BAIwADAfBgNVHSMEGDAWgBSw+L7XlAIAZ8qhmq3f+ZiTc7HwhjATBgNV\n'
                                            'HSUEDDAKBggrBgEFBQcDAjANBgkqhkiG9w0BAQsFAAOCAQEAgiBWMTDGHOtRyhza\n'
                                            'bgPDQst8iXSW4p/Rk+I6C3mzxqRL63BVM8FO63dUJ8wX0Ug9T9Gb0AG58TVs1v6h\n'
                                            'sy6UFs9XhdBDKGwAWZ1cqjUBfwRQDjhoar/jC1uXstQpD1IlO++rrrUymNJ6lO6R\n'
                                            '0x78AYR+bTcsXIUosCRVLHsP5TcJUbt3OEfQ/+fAoUJrHX0jkEAW2ebL4C+Rl9MO\n'
                                            'IlL5KeUzev9BIBBSJlRGKS9+MxD2gG9ShEDOuONoqsA6UoLrP6ppVri4QfFXtGhm\n'
                                            '/UcFTriVU4DCaFJ0p1oRisOKogKZEz4IXYXcgBCxtGpFBYdW2OMfaf75TxYak1R7\n'
                                            'JEdq0w==\n'
                                            '-----END CERTIFICATE-----\n',
                        'sent_nickname': 'PKI Administrator',
                        'verify_failure': None,
                        'verify_result': [0, ''],
                        'peer_leaf': None,
                        'received': 0,
                        'failure': {'stage': 'handshake',
                                    'kind': 'tls',
                                    'reasons': ['wrong version number'],
                                    'errno': None}}},
 'reset-in-body': {'record': {'server_hostname': '127.0.0.1',
                              'peer_address': ['127.0.0.1', 39125],
                              'allowed_versions': ['TLS 1.2', 'TLS 1.3'],
                              'trust_description': 'the trust of this connection: NSS database '
                                                   'sql:/tmp/pytest-of-root/pytest-137/nssdb-sql0',
                              'certificate_requested': False,
                              'sent_certificate': '-----BEGIN CERTIFICATE-----\n'
                                                  'MIIDMDCCAhigAwIBAgIUKuwim5ydShlgp4ptMF5NVqa1GdQwDQYJKoZIhvcNAQEL\n'
                                                  'BQAwLjEVMBMGA1UECgwMRXhhbXBsZSBUZXN0MRUwEwYDVQQDDAxUZXN0IFJvb3Qg\n'
                                                  'Q0EwHhcNMjYxMjAxMDcxNTMyWhcNMjcxMjAxMDgxNTMyWjAuMRAwDgYDVQQKDAdF\n'
                                                  'eGFtcGxlMRowGAYDVQQDDBFQS0kgQWRtaW5pc3RyYXRvcjCCASIwDQYJKoZIhvcN\n'
                                                  'AQEBBQADggEPADCCAQoCggEBAJr3W0Xl/8h4u4C7fClSsAjluuaiGudulijKG1pD\n'
                                                  'VWZSjIN2ePzMPssGkaH9IMVmzTFoeKjqqD0J/f5HoIoUr5hzlH+HfmN28uqTXipq\n'
                                                  'O1qx5TJOYic+UbqUGgiAAmErAMLWKYlnFloFOpN4eqQh8aWFYEZSKL8ffTq2Ef/H\n'
                                                  'N9lNiBQQcQ6O7N8GLnLpXuercufTYOJM83/8A5T6IAwu5NiTw0OL97rOy8Mla1sg\n'
                                                  '84d1zKsoNAGk+pmMr09/HyjTSLEgbu9Iqqgx+dID4KTpBE25Ta4NGCnDAUnkpQUA\n'
                                                  'NiYc9mkKt9f0n85UHs5/zqs3HarRyLPvHmdrP1GRpkZpSf8CAwEAAaNGMEQwDAYD\n'
                                                  'VR0TAQH/BAIwADAfBgNVHSMEGDAWgBSw+L7XlAIAZ8qhmq3f+ZiTc7HwhjATBgNV\n'
                                                  'HSUEDDAKBggrBgEFBQcDAjANBgkqhkiG9w0BAQsFAAOCAQEAgiBWMTDGHOtRyhza\n'
                                                  'bgPDQst8iXSW4p/Rk+I6C3mzxqRL63BVM8FO63dUJ8wX0Ug9T9Gb0AG58TVs1v6h\n'
                                                  'sy6UFs9XhdBDKGwAWZ1cqjUBfwRQDjhoar/jC1uXstQpD1IlO++rrrUymNJ6lO6R\n'
                                                  '0x78AYR+bTcsXIUosCRVLHsP5TcJUbt3OEfQ/+fAoUJrHX0jkEAW2ebL4C+Rl9MO\n'
                                                  'IlL5KeUzev9BIBBSJlRGKS9+MxD2gG9ShEDOuONoqsA6UoLrP6ppVri4QfFXtGhm\n'
                                                  '/UcFTriVU4DCaFJ0p1oRisOKogKZEz4IXYXcgBCxtGpFBYdW2OMfaf75TxYak1R7\n'
                                                  'JEdq0w==\n'
                                                  '-----END CERTIFICATE-----\n',
                              'sent_nickname': 'PKI Administrator',
                              'verify_failure': None,
                              'verify_result': [0, ''],
                              'peer_leaf': None,
                              'received': 1048620,
                              'failure': {'stage': 'io',
                                          'kind': 'syscall',
                                          'reasons': ['Connection reset by peer'],
                                          'errno': 104}}},
 'selfserv-certificate-required-tls13': {'record': {'server_hostname': '127.0.0.1',
                                                    'peer_address': ['127.0.0.1', 35783],
                                                    'allowed_versions': ['TLS 1.2', 'TLS 1.3'],
                                                    'trust_description': 'the trust of this '
                                                                         'connection: the '
                                                                         'configured trust '
                                                                         'anchors; cert_paths '
                                                                         '/tmp/pytest-of-root/pytest-137/selfserv0/server-ca.pem',
                                                    'certificate_requested': True,
                                                    'sent_certificate': None,
                                                    'sent_nickname': None,
                                                    'verify_failure': None,
                                                    'verify_result': [0, ''],
                                                    'peer_leaf': None,
                                                    'received': 0,
                                                    'failure': {'stage': 'io',
                                                                'kind': 'syscall',
                                                                'reasons': ['Broken pipe'],
                                                                'errno': 32}}},
 'untrusted-server': {'record': {'server_hostname': '127.0.0.1',
                                 'peer_address': ['127.0.0.1', 59889],
                                 'allowed_versions': ['TLS 1.2', 'TLS 1.3'],
                                 'trust_description': 'the trust of this connection: NSS '
                                                      'database '
                                                      'sql:/tmp/pytest-of-root/pytest-137/nssdb-sql0',
                                 'certificate_requested': False,
                                 'sent_certificate': '-----BEGIN CERTIFICATE-----\n'
                                                     'MIIDMDCCAhigAwIBAgIUKuwim5ydShlgp4ptMF5NVqa1GdQwDQYJKoZIhvcNAQEL\n'
                                                     'BQAwLjEVMBMGA1UECgwMRXhhbXBsZSBUZXN0MRUwEwYDVQQDDAxUZXN0IFJvb3Qg\n'
                                                     'Q0EwHhcNMjYxMjAxMDcxNTMyWhcNMjcxMjAxMDgxNTMyWjAuMRAwDgYDVQQKDAdF\n'
                                                     'eGFtcGxlMRowGAYDVQQDDBFQS0kgQWRtaW5pc3RyYXRvcjCCASIwDQYJKoZIhvcN\n'
                                                     'AQEBBQADggEPADCCAQoCggEBAJr3W0Xl/8h4u4C7fClSsAjluuaiGudulijKG1pD\n'
                                                     'VWZSjIN2ePzMPssGkaH9IMVmzTFoeKjqqD0J/f5HoIoUr5hzlH+HfmN28uqTXipq\n'
                                                     'O1qx5TJOYic+UbqUGgiAAmErAMLWKYlnFloFOpN4eqQh8aWFYEZSKL8ffTq2Ef/H\n'
                                                     'N9lNiBQQcQ6O7N8GLnLpXuercufTYOJM83/8A5T6IAwu5NiTw0OL97rOy8Mla1sg\n'
                                                     '84d1zKsoNAGk+pmMr09/HyjTSLEgbu9Iqqgx+dID4KTpBE25Ta4NGCnDAUnkpQUA\n'
                                                     'NiYc9mkKt9f0n85UHs5/zqs3HarRyLPvHmdrP1GRpkZpSf8CAwEAAaNGMEQwDAYD\n'
                                                     'VR0TAQH/BAIwADAfBgNVHSMEGDAWgBSw+L7XlAIAZ8qhmq3f+ZiTc7HwhjATBgNV\n'
                                                     'HSUEDDAKBggrBgEFBQcDAjANBgkqhkiG9w0BAQsFAAOCAQEAgiBWMTDGHOtRyhza\n'
                                                     'bgPDQst8iXSW4p/Rk+I6C3mzxqRL63BVM8FO63dUJ8wX0Ug9T9Gb0AG58TVs1v6h\n'
                                                     'sy6UFs9XhdBDKGwAWZ1cqjUBfwRQDjhoar/jC1uXstQpD1IlO++rrrUymNJ6lO6R\n'
                                                     '0x78AYR+bTcsXIUosCRVLHsP5TcJUbt3OEfQ/+fAoUJrHX0jkEAW2ebL4C+Rl9MO\n'
                                                     'IlL5KeUzev9BIBBSJlRGKS9+MxD2gG9ShEDOuONoqsA6UoLrP6ppVri4QfFXtGhm\n'
                                                     '/UcFTriVU4DCaFJ0p1oRisOKogKZEz4IXYXcgBCxtGpFBYdW2OMfaf75TxYak1R7\n'
                                                     'JEdq0w==\n'
                                                     '-----END CERTIFICATE-----\n',
                                 'sent_nickname': 'PKI Administrator',
                                 'verify_failure': {'cert': '-----BEGIN CERTIFICATE-----\n'
                                                            'MIIDQjCCAiqgAwIBAgIURUHVeRfxZ6B+E2bgRu67fqHFQVYwDQYJKoZIhvcNAQEL\n'
                                                            'BQAwLDEQMA4GA1UECgwHTm93aGVyZTEYMBYGA1UEAwwPUm9ndWUgU2VydmVyIENB\n'
                                                            'MB4XDTI2MTIwMTA3MTUzM1oXDTI3MTIwMTA4MTUzM1owJjEQMA4GA1UECgwHRXhh\n'
                                                            'bXBsZTESMBAGA1UEAwwJbG9jYWxob3N0MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\n'
                                                            'MIIBCgKCAQEA3zDww+3xpk9wQjWAmWCxqaLDgtuv9RwEOW3BvVR3c/bIyXBypMQz\n'
                                                            '8x5V/yhji22MzKp/KeSJrLF7MD5DkHqKVWdIibEqHGw5ksFV5jJ+M6QQ2jtjDGR2\n'
                                                            'TMHKmGVQyst19Qsm9wnaX+yxux4lh/qg/nuDjfoIhqQuymhMSNT6E2qDewIZ87KW\n'
                                                            'LNCGiPTjlnIbn3fKk138yxVr6dWxEzX9pm3pjIPajbda8BRSSJdqp+wihTFNycIg\n'
                                                            'Tjlqu9sYX4sibZkPIi9obv0mxzEoRLwcNwccQFWOtZ8u8tsUf9ZmGn1t5Xrz6nD7\n'
                                                            'eXrTPMhTeTsJHMmADPEKWCQckN5fSyTucQIDAQABo2IwYDAMBgNVHRMBAf8EAjAA\n'
                                                            'MB8GA1UdIwQYMBaAFNMoA0wUNLro3HcHT4B2TvtR+e5MMBMGA1UdJQQMMAoGCCsG\n'
                                                            'AQUFBwMBMBoGA1UdEQQTMBGCCWxvY2FsaG9zdIcEfwAAATANBgkqhkiG9w0BAQsF\n'
                                                            'AAOCAQEAi93VD6pDOCjvb63n5G9GdzJL9EPsDEwhwy3DcPLou2oFDyl+BiD+6zjo\n'
                                                            'Iiwr263WpvXIpTz7HpcmDTgU50//zdwidIFRrpcnhcRHHYLmDLLoMPh4TYOUfQZd\n'
                                                            'u7kHtiCFGwZhGgCybyLjepF6IdkyzgS6fe31/YotHalpbsldpRa2VmhbdEQSCexE\n'
                                                            'YQPbc0YQas/WVSBoTgqlEnvs81jYSx/wchCByhBGhSE4y1pM+q6vOmGQtvZNo4Ya\n'
                                                            '0ONYc1EJlViqRFECDfn55XsMsQZ7QdMmQKs8C1nhhG1TH5A4JZV4tO37MKj7aITb\n'
                                                            'TglBx0JuLhQEcbJPAv0bzhAsMEHWHA==\n'
                                                            '-----END CERTIFICATE-----\n',
                                                    'code': 20,
                                                    'depth': 0},
                                 'verify_result': [20,
                                                   'unable to get local issuer certificate'],
                                 'peer_leaf': '-----BEGIN CERTIFICATE-----\n'
                                              'MIIDQjCCAiqgAwIBAgIURUHVeRfxZ6B+E2bgRu67fqHFQVYwDQYJKoZIhvcNAQEL\n'
                                              'BQAwLDEQMA4GA1UECgwHTm93aGVyZTEYMBYGA1UEAwwPUm9ndWUgU2VydmVyIENB\n'
                                              'MB4XDTI2MTIwMTA3MTUzM1oXDTI3MTIwMTA4MTUzM1owJjEQMA4GA1UECgwHRXhh\n'
                                              'bXBsZTESMBAGA1UEAwwJbG9jYWxob3N0MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\n'
                                              'MIIBCgKCAQEA3zDww+3xpk9wQjWAmWCxqaLDgtuv9RwEOW3BvVR3c/bIyXBypMQz\n'
                                              '8x5V/yhji22MzKp/KeSJrLF7MD5DkHqKVWdIibEqHGw5ksFV5jJ+M6QQ2jtjDGR2\n'
                                              'TMHKmGVQyst19Qsm9wnaX+yxux4lh/qg/nuDjfoIhqQuymhMSNT6E2qDewIZ87KW\n'
                                              'LNCGiPTjlnIbn3fKk138yxVr6dWxEzX9pm3pjIPajbda8BRSSJdqp+wihTFNycIg\n'
                                              'Tjlqu9sYX4sibZkPIi9obv0mxzEoRLwcNwccQFWOtZ8u8tsUf9ZmGn1t5Xrz6nD7\n'
                                              'eXrTPMhTeTsJHMmADPEKWCQckN5fSyTucQIDAQABo2IwYDAMBgNVHRMBAf8EAjAA\n'
                                              'MB8GA1UdIwQYMBaAFNMoA0wUNLro3HcHT4B2TvtR+e5MMBMGA1UdJQQMMAoGCCsG\n'
                                              'AQUFBwMBMBoGA1UdEQQTMBGCCWxvY2FsaG9zdIcEfwAAATANBgkqhkiG9w0BAQsF\n'
                                              'AAOCAQEAi93VD6pDOCjvb63n5G9GdzJL9EPsDEwhwy3DcPLou2oFDyl+BiD+6zjo\n'
                                              'Iiwr263WpvXIpTz7HpcmDTgU50//zdwidIFRrpcnhcRHHYLmDLLoMPh4TYOUfQZd\n'
                                              'u7kHtiCFGwZhGgCybyLjepF6IdkyzgS6fe31/YotHalpbsldpRa2VmhbdEQSCexE\n'
                                              'YQPbc0YQas/WVSBoTgqlEnvs81jYSx/wchCByhBGhSE4y1pM+q6vOmGQtvZNo4Ya\n'
                                              '0ONYc1EJlViqRFECDfn55XsMsQZ7QdMmQKs8C1nhhG1TH5A4JZV4tO37MKj7aITb\n'
                                              'TglBx0JuLhQEcbJPAv0bzhAsMEHWHA==\n'
                                              '-----END CERTIFICATE-----\n',
                                 'received': 0,
                                 'failure': {'stage': 'handshake',
                                             'kind': 'tls',
                                             'reasons': ['certificate verify failed'],
                                             'errno': None}}}}
