"""The catalogue of bad inputs: each one gets a specific error, in the library and in the CLI.

Every case runs for real: databases made by certutil (then damaged, emptied, or made
unreadable for a process without root's file capabilities, ``setpriv``), password files,
pki.conf files, and servers on 127.0.0.1 (``openssl s_server`` with expired, not yet valid,
misnamed or untrusted certificates, one cipher suite or one TLS version, requiring a client
certificate from this CA or from another; a plain HTTP server; a port nobody listens on;
the session's Dogtag test server). Each test checks the library's exact exception class and
text (``test`` data below holds them) and the CLI's exact one ``ERROR:`` line and exit
status.

In the table, ``DIR`` is the database directory (``sql:DB`` its spec), ``FILE`` the password
file, ``PORT`` the server's port, ``USER`` the user running the tests, ``...`` dates and
lists spelled out in the test. Exit ``-``: no CLI equivalent (the CLI takes no password
callback and authenticates only with ``-n``). ``was``: what the same input gave before issue
12 (S specific, G generic such as SEC_ERROR_UNKNOWN_PKCS11_ERROR or a raw traceback text,
W wrong such as "wrong password" for an empty file); ``now``: S specific in the library and
the CLI, S* specific in the CLI but generic in the library (requests' and urllib3's own
texts, or ``pki.resource.parse_id``'s for a negative ID), G generic in both.

Totals for these 96 rows: before, 55 specific, 18 generic, 23 wrong; now, 87 specific in both
the library and the CLI, 8 specific in the CLI only (S*), 1 generic (an unknown cipher name:
``pki.tls.config`` says it is not supported without saying what is). Rows 80 to 96 name tests
in other modules (``MODULE::TEST``); the TLS alerts of ``test_faults::test_tls_alert`` are the
same errors as rows of the TLS group above.

      #  test                                          library exception                exit was now
    ------------------------------------------------------------------------------------------------
      1  test_database[missing]                        DatabaseNotFoundError            1    S   S
           ERROR: NSS database directory DIR does not exist; create one with 'pki -d DIR
           client-init'
      2  test_database[file]                           DatabaseNotFoundError            1    W   S
           ERROR: DIR is a file, not a directory: an NSS database is the directory that holds
           cert9.db and key4.db (or cert8.db and key3.db)
      3  test_database[empty-directory]                DatabaseNotFoundError            1    S   S
           ERROR: DIR is not an NSS sql database (no cert9.db and key4.db); create one with 'pki
           -d DIR client-init'
      4  test_database[other-format]                   DatabaseNotFoundError            1    S   S
           ERROR: DIR holds a dbm NSS database (cert8.db, key3.db), not sql: open it as 'dbm:DIR'
           or set NSS_DEFAULT_DB_TYPE=dbm
      5  test_database[unknown-prefix]                 DatabaseNotFoundError            2    G   S
           ERROR: -d sq:DIR: 'sq:' is not an NSS database type; write sql:DIR or dbm:DIR (or the
           directory alone)
      6  test_database[garbage-cert9]                  DatabaseCorruptError             1    G   S
           ERROR: DIR/cert9.db is not an NSS sql database file (its header is not that of one),
           so NSS cannot open sql:DIR: restore the file from a backup, or make a new database
           ('pki -d DIR client-init --force')
      7  test_database[garbage-key4]                   DatabaseCorruptError             1    G   S
           ERROR: DIR/key4.db is not an NSS sql database file (its header is not that of one), so
           NSS cannot open sql:DIR: restore the file from a backup, or make a new database ('pki
           -d DIR client-init --force')
      8  test_database[empty-files]                    DatabaseCorruptError             1    G   S
           ERROR: DIR/cert9.db is not an NSS sql database file (it is empty), so NSS cannot open
           sql:DIR: restore the file from a backup, or make a new database ('pki -d DIR
           client-init --force')
      9  test_unreadable_database[files]               DatabasePermissionError          1    G   S
           ERROR: permission denied: NSS database sql:DIR cannot be opened because user USER may
           not read DIR/cert9.db; check its owner and mode (ls -l DIR) or run as the database's
           owner
     10  test_unreadable_database[key4-only]           DatabasePermissionError          1    G   S
           ERROR: permission denied: NSS database sql:DIR cannot be opened because user USER may
           not read DIR/key4.db; check its owner and mode (ls -l DIR) or run as the database's
           owner
     11  test_unreadable_database[directory]           DatabasePermissionError          1    G   S
           ERROR: permission denied: NSS database sql:DIR cannot be opened because user USER may
           not search DIR; check its owner and mode (ls -l PARENT) or run as the database's owner
     12  test_password_file[wrong-in-file]             BadPasswordError                 1    S   S
           ERROR: wrong password for NSS database sql:DB: the password read from -C FILE does not
           unlock it; give the password the database was created with
     13  test_password_file[wrong-in-password-conf]    BadPasswordError                 1    S   S
           ERROR: wrong password for NSS database sql:DB: the password read from -f FILE does not
           unlock it; give the password the database was created with
     14  test_password_file[empty-file]                PasswordFileError                1    W   S
           ERROR: password file FILE is empty: write the database password on its first line (or
           internal=PASSWORD, as in Dogtag's password.conf)
     15  test_password_file[only-newline]              PasswordFileError                1    W   S
           ERROR: password file FILE is empty: write the database password on its first line (or
           internal=PASSWORD, as in Dogtag's password.conf)
     16  test_password_file[only-hardware-lines]       PasswordFileError                1    S   S
           ERROR: password file FILE has no 'internal=' line, the password of NSS database
           sql:DB's own key store (it names only hardware-NHSM6000): add internal=PASSWORD
     17  test_password_file[only-unrelated-keys]       PasswordFileError                1    W   S
           ERROR: password file FILE has no 'internal=' line, the password of NSS database
           sql:DB's own key store (it names only internaldb, replicationdb): add
           internal=PASSWORD
     18  test_password_file[missing-file]              PasswordFileError                1    S   S
           ERROR: cannot read password file FILE: No such file or directory
     19  test_password_file[not-utf8]                  PasswordFileError                1    G   S
           ERROR: password file FILE is not UTF-8 text (invalid start byte at byte 0)
     20  test_wrong_password_is_not_garbled            BadPasswordError                 1    W   S
           ERROR: wrong password for NSS database sql:DB: the password given with -c does not
           unlock it; give the password the database was created with
     21  test_password_missing_when_needed             PasswordRequiredError            1    S   S
           ERROR: NSS database sql:DB is protected by a password and none was given: use -C
           PASSWORD_FILE or -f PASSWORD_CONF (or -c PASSWORD, which other users can read in the
           process list)
     22  test_password_callback[raises]                PasswordCallbackError            -    G   S
           (library only: the password callback for NSS database sql:DB raised RuntimeError (see
           the exception's __cause__): fix the callback or give password= or password_file=
           instead)
     23  test_password_callback[returns-none]          PasswordCallbackError            -    W   S
           (library only: the password callback for NSS database sql:DB returned None (no
           password), and the database is protected by one: return the password)
     24  test_password_callback[returns-bytes]         PasswordCallbackError            -    W   S
           (library only: the password callback for NSS database sql:DB returned a value of type
           bytes, not the password as a str)
     25  test_tls[nickname-missing]                    CertificateNotFoundError         1    S   S
           ERROR: no certificate named 'nosuch' in NSS database sql:DB; nicknames there: 'Root',
           'Untrusted', 'valid', ...
     26  test_tls[nickname-ambiguous]                  AmbiguousClientCertificateError  -    S   S
           (library only: the CLI authenticates only with -n)
     27  test_tls[client-cert-expired]                 CertificateNotValidError         1    S   S
           ERROR: certificate 'expired' (CN=Expired Agent,O=Example) is expired: valid from ...
           UTC to ... UTC; renew it or choose another
     28  test_tls[client-cert-not-yet-valid]           CertificateNotValidError         1    S   S
           ERROR: certificate 'future' (CN=Future Agent,O=Example) is not yet valid: valid from
           ... UTC to ... UTC; renew it or choose another
     29  test_tls[client-cert-without-key]             PrivateKeyNotFoundError          1    S   S
           ERROR: NSS database sql:DB has certificate 'no key' (CN=Cert Without Key,O=Example)
           but no private key for it; import the key with 'pki client-cert-import --pkcs12
           <file.p12>' or use a nickname with 'u' trust
     30  test_tls[client-cert-without-clientAuth]      CertificateUsageError            1    G   S
           ERROR: certificate 'server only' (CN=Server Only,O=Example) cannot authenticate a TLS
           client: its extended key usage allows only serverAuth, not clientAuth; use a
           certificate issued for client authentication
     31  test_tls[no-cipher-in-common]                 CipherMismatchError              1    W   S
           ERROR: the server 127.0.0.1 (127.0.0.1:PORT) refused the TLS handshake at once (TLS
           alert: tls alert handshake failure): it accepts none of the cipher suites this client
           offers (or none of its key exchange groups or signature algorithms); allow one the
           server has in SSL_CIPHERS (with SSL_DEFAULT_CIPHERS=true to keep the defaults) in
           pki.conf
     32  test_tls[unknown-cipher]                      TLSConfigurationError            1    G   G
           ERROR: SSL_CIPHERS: cipher suite 'TLS_FOO_WITH_BAR_SHA256' is not supported
     33  test_tls[tls13-only-against-tls12-server]     ProtocolVersionError             1    S   S
           ERROR: no TLS version in common with the server 127.0.0.1 (127.0.0.1:PORT): this
           client allows TLS 1.3 to TLS 1.3 (SSL_STREAM_VERSION_MIN/MAX in pki.conf); OpenSSL
           said: tlsv1 alert protocol version
     34  test_tls[tls12-only-against-tls13-server]     ProtocolVersionError             1    S   S
           ERROR: no TLS version in common with the server 127.0.0.1 (127.0.0.1:PORT): this
           client allows TLS 1.2 to TLS 1.2 (SSL_STREAM_VERSION_MIN/MAX in pki.conf); OpenSSL
           said: tlsv1 alert protocol version
     35  test_tls[server-untrusted]                    UntrustedServerError             1    S   S
           ERROR: the server 127.0.0.1 (127.0.0.1:PORT) is not trusted: its certificate
           CN=localhost,O=Example chains up to CN=Elsewhere Root CA,O=Example, which is not a
           trusted CA here (unable to get local issuer certificate). If you trust that CA, import
           its certificate into the NSS database: pki -d DIR client-cert-import --ca-cert ca.pem
           (or certutil -A -d DIR -n "CA" -t CT,C,C -a -i ca.pem)
     36  test_tls[server-hostname-mismatch]            HostnameMismatchError            1    S   S
           ERROR: the server 127.0.0.1 (127.0.0.1:PORT): its certificate is not valid for
           '127.0.0.1' (it names elsewhere.example); connect with a name the certificate lists
     37  test_tls[server-cert-expired]                 ServerCertificateDateError       1    W   S
           ERROR: the server 127.0.0.1 (127.0.0.1:PORT): the certificate CN=localhost,O=Example
           in its chain is expired: valid from ... to ... UTC; the server needs a certificate
           valid now (or this machine's clock is wrong)
     38  test_tls[server-cert-not-yet-valid]           ServerCertificateDateError       1    W   S
           ERROR: the server 127.0.0.1 (127.0.0.1:PORT): the certificate CN=localhost,O=Example
           in its chain is not yet valid: valid from ... to ... UTC; the server needs a
           certificate valid now (or this machine's clock is wrong)
     39  test_tls[server-speaks-plain-http]            TLSError                         1    S   S
           ERROR: the server 127.0.0.1 (127.0.0.1:PORT) does not speak TLS on this port (OpenSSL
           said: wrong version number): check the port and the protocol; Dogtag serves https on
           its secure port (8443 by default) and plain http on 8080
     40  test_tls[server-requires-client-cert]         ClientCertificateRequiredError   1    S   S
           ERROR: the server 127.0.0.1 (127.0.0.1:PORT) requires a TLS client certificate and
           none is configured: pass -n NICKNAME, the nickname of a client certificate in the NSS
           database DIR (see 'pki -d DIR client-cert-find')
     41  test_tls[server-rejects-our-cert]             ClientCertificateRejectedError   1    S   S
           ERROR: the server 127.0.0.1 (127.0.0.1:PORT) rejected the client certificate 'valid'
           (CN=Valid Agent,O=Example, issued by CN=Test Root CA,O=Example Test): TLS alert tlsv1
           alert unknown ca. Check that the server trusts its issuer and that it is valid and not
           revoked
     42  test_tls[nothing-listening]                   ConnectionError                  1    G   S*
           ERROR: cannot connect to https://127.0.0.1:PORT: Connection refused: check that the
           server is running and that -U (or -h and -p) names its host and port
     43  test_pki_conf[bad-syntax]                     ConfigError                      1    S   S
           ERROR: ~/.dogtag/pki.conf:1: not an assignment: 'SSL_CIPHERS' (pki.conf is parsed,
           never run; only NAME=value, export NAME=value and export NAME lines are allowed)
     44  test_pki_conf[a-command]                      ConfigError                      1    S   S
           ERROR: ~/.dogtag/pki.conf:2: not an assignment: 'rm' (pki.conf is parsed, never run;
           only NAME=value, export NAME=value and export NAME lines are allowed)
     45  test_pki_conf[command-substitution]           ConfigError                      1    S   S
           ERROR: ~/.dogtag/pki.conf:1: command substitution $(...) is not allowed (pki.conf is
           parsed, never run): write the value itself
     46  test_pki_conf[backquotes]                     ConfigError                      1    S   S
           ERROR: ~/.dogtag/pki.conf:1: command substitution with backquotes is not allowed
           (pki.conf is parsed, never run): write the value itself
     47  test_pki_conf[unterminated-quote]             ConfigError                      1    S   S
           ERROR: ~/.dogtag/pki.conf:1: unterminated single quote: close it on the same line
     48  test_pki_conf[unknown-tls-version]            ConfigError                      1    S   S
           ERROR: ~/.dogtag/pki.conf:1: SSL_STREAM_VERSION_MIN='TLS_9_9': unknown TLS version;
           accepted values: TLS_1_2, TLS_1_3
     49  test_pki_conf[tls-1.0-refused]                ConfigError                      1    S   S
           ERROR: ~/.dogtag/pki.conf:1: SSL_STREAM_VERSION_MIN='TLS_1_0': TLS_1_0 is insecure and
           refused; accepted values: TLS_1_2, TLS_1_3
     50  test_pki_conf[tls-1.1-refused]                ConfigError                      1    S   S
           ERROR: ~/.dogtag/pki.conf:1: SSL_STREAM_VERSION_MIN='TLS1_1': TLS_1_1 is insecure and
           refused; accepted values: TLS_1_2, TLS_1_3
     51  test_pki_conf[ssl-3-refused]                  ConfigError                      1    S   S
           ERROR: ~/.dogtag/pki.conf:1: SSL_STREAM_VERSION_MIN='SSL_3_0': SSL_3_0 is insecure and
           refused; accepted values: TLS_1_2, TLS_1_3
     52  test_pki_conf[min-above-max]                  ConfigError                      1    S   S
           ERROR: SSL_STREAM_VERSION_MIN=TLS_1_3 (from ~/.dogtag/pki.conf:1) is above
           SSL_STREAM_VERSION_MAX=TLS_1_2 (from ~/.dogtag/pki.conf:2): lower the one or raise the
           other
     53  test_pki_conf[bad-boolean]                    ConfigError                      1    S   S
           ERROR: ~/.dogtag/pki.conf:1: SSL_DEFAULT_CIPHERS='maybe': not a boolean; use
           true/false, yes/no or 1/0
     54  test_pki_conf[bad-system-trust-boolean]       ConfigError                      1    S   S
           ERROR: ~/.dogtag/pki.conf:1: PKI_CLIENT_SYSTEM_TRUST='perhaps': not a boolean; use
           true/false, yes/no or 1/0
     55  test_pki_conf[bad-db-type]                    ConfigError                      1    S   S
           ERROR: ~/.dogtag/pki.conf:1: NSS_DEFAULT_DB_TYPE='ldap': accepted values: sql, dbm
     56  test_pki_conf[bad-cipher-token]               ConfigError                      1    S   S
           ERROR: ~/.dogtag/pki.conf:1: SSL_CIPHERS='AES128': 'AES128' is neither an IANA cipher
           suite name such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 nor a hex ID such as 0xC02F
     57  test_pki_conf[no-cipher-left]                 ConfigError                      1    S   S
           ERROR: SSL_DEFAULT_CIPHERS is false (from ~/.dogtag/pki.conf:1) and SSL_CIPHERS
           enables no cipher: no cipher suite would be left; list the ones to use in SSL_CIPHERS,
           or set SSL_DEFAULT_CIPHERS=true
     58  test_pki_conf[cipher-enabled-and-disabled]    ConfigError                      1    S   S
           ERROR: ~/.dogtag/pki.conf:1: SSL_CIPHERS='TLS_AES_128_GCM_SHA256
           -TLS_AES_128_GCM_SHA256': TLS_AES_128_GCM_SHA256 is both enabled and disabled: keep
           only one
     59  test_pki_conf[database-prefix-without-directory]
                                                       ConfigError                      1    S   S
           ERROR: ~/.dogtag/pki.conf:1: PKI_CLIENT_DATABASE='sql:': no directory after sql:;
           write sql:/path/to/nssdb
     60  test_pki_conf[not-utf8]                       ConfigError                      1    S   S
           ERROR: ~/.dogtag/pki.conf: not valid UTF-8 (invalid continuation byte at byte 25):
           save the file as UTF-8
     61  test_pki_conf_unreadable                      ConfigError                      1    S   S
           ERROR: ~/.dogtag/pki.conf: cannot read: Is a directory
     62  test_pki_conf_mode_000                        ConfigError                      1    S   S
           ERROR: ~/.dogtag/pki.conf: cannot read: Permission denied
     63  test_pki_cli_options_unsplittable             (CLI only)                       2    S   S
           ERROR: PKI_CLI_OPTIONS="-n 'PKI Administrator" cannot be split: No closing quotation
     64  test_nss_default_db_type_unknown              NSSError                         1    S   S
           ERROR: NSS_DEFAULT_DB_TYPE='ldap' (from environment): accepted values: sql, dbm
     65  test_bad_id[serial-not-a-number]              ValueError                       2    S   S
           ERROR: argument SERIAL: invalid serial number 'xyz': expected a number in decimal (31)
           or in hex with 0x (0x1f), not negative (see 'pki ca-cert-show --help')
     66  test_bad_id[serial-empty-hex]                 ValueError                       2    S   S
           ERROR: argument SERIAL: invalid serial number '0x': expected a number in decimal (31)
           or in hex with 0x (0x1f), not negative (see 'pki ca-cert-show --help')
     67  test_bad_id[serial-negative]                  ValueError                       2    W   S*
           ERROR: argument SERIAL: invalid serial number '-5': expected a number in decimal (31)
           or in hex with 0x (0x1f), not negative (see 'pki ca-cert-revoke --help')
     68  test_bad_id[key-id-negative]                  ValueError                       2    G   S*
           ERROR: argument KEY_ID: invalid key ID '-1': expected a number in decimal (31) or in
           hex with 0x (0x1f), not negative (see 'pki kra-key-show --help')
     69  test_bad_id[key-id-not-a-number]              ValueError                       2    S   S
           ERROR: argument --keyID: invalid key ID 'xyz': expected a number in decimal (31) or in
           hex with 0x (0x1f), not negative (see 'pki kra-key-retrieve --help')
     70  test_bad_id[request-id-not-a-number]          ValueError                       2    S   S
           ERROR: argument REQUEST_ID: invalid request ID 'abc': expected a number in decimal
           (31) or in hex with 0x (0x1f), not negative (see 'pki ca-cert-request-show --help')
     71  test_bad_id[key-request-id-not-a-number]      ValueError                       2    S   S
           ERROR: argument REQUEST_ID: invalid request ID '1x': expected a number in decimal (31)
           or in hex with 0x (0x1f), not negative (see 'pki kra-key-request-show --help')
     72  test_bad_url_or_port[url-ftp]                 PKIException                     2    S   S
           ERROR: -U ftp://x: 'ftp:' is not http or https; expected https://HOST[:PORT] (or
           http://HOST[:PORT])
     73  test_bad_url_or_port[url-without-host]        PKIException                     2    S   S
           ERROR: -U https://: no host name; expected https://HOST[:PORT] (or http://HOST[:PORT])
     74  test_bad_url_or_port[url-without-protocol]    PKIException                     2    S   S
           ERROR: -U ca.example.com: no protocol; expected https://HOST[:PORT] (or
           http://HOST[:PORT])
     75  test_bad_url_or_port[url-port-out-of-range]   ValueError                       2    G   S*
           ERROR: -U https://127.0.0.1:99999: '99999' is not a TCP port (1 to 65535); expected
           https://HOST[:PORT] (or http://HOST[:PORT])
     76  test_bad_url_or_port[url-port-not-a-number]   ValueError                       2    G   S*
           ERROR: -U https://127.0.0.1:abc: 'abc' is not a TCP port (1 to 65535); expected
           https://HOST[:PORT] (or http://HOST[:PORT])
     77  test_bad_url_or_port[port-out-of-range]       InvalidURL                       2    S   S*
           ERROR: -p 70000: not a TCP port (a number from 1 to 65535)
     78  test_bad_url_or_port[port-not-a-number]       InvalidURL                       2    S   S*
           ERROR: -p https: not a TCP port (a number from 1 to 65535)
     79  test_bad_url_or_port[protocol-unknown]        InvalidSchema                    2    S   S*
           ERROR: argument -P: invalid choice: 'ftp' (choose from 'http', 'https') (see 'pki
           --help')

    --- responses, redirects, timeouts and faults (tests in other modules: MODULE::TEST) ---
    URL is the server's address; the library texts are checked in those tests, the CLI lines
    in test_responses::test_cli_lines and test_timeouts_redirects' CLI tests.

     80  test_responses::test_html_where_json_is_expected     ResponseNotJSONError   1    G   S
           ERROR: not JSON (Expecting value: line 1 column 1 (char 0)): expected JSON for
           CertData; the server sent HTTP 200 (text/html, 46 bytes) for URL/ca/v2/certs/0x1,
           starting b'<html>...'
     81  test_responses::test_no_body_where_json_is_expected  ResponseNotJSONError   1    W   S
           ERROR: no body: expected JSON for CertData; the server sent HTTP 200
           (application/json, 0 bytes) for URL/ca/v2/certs/0x1
     82  test_responses::test_json_cut_short                  ResponseNotJSONError   1    G   S
           ERROR: the JSON ends early (Unterminated string starting at: ...): expected JSON
           for CertData; ...
     83  test_responses::test_body_shorter_than_its_content_length
                                                              TruncatedResponseError 1    G   S
           ERROR: the connection ended before the whole body arrived (Connection broken:
           IncompleteRead(12 bytes read, 988 more expected)): expected JSON for CertData; ...
     84  test_responses::test_limit_per_connection_and_from_pki_conf
                                                              ResponseTooLargeError  1    W   S
           ERROR: the body is larger than the 4194304 bytes this connection reads (...; raise
           max_response_size= or PKI_CLIENT_MAX_RESPONSE_SIZE if such answers are expected): ...
     85  test_faults::test_50_mb_body_keeps_memory_bounded    ResponseTooLargeError  1    W   S
           (as 84; 50 MB of non-JSON, client peak RSS bounded by the limit)
     86  test_responses::test_html_401_is_requests_http_error requests HTTPError     1    S   S
           ERROR: HTTP 401 <reason> for URL/ca/v2/certs/0x1 (this command needs an
           authenticated user: pass -n NICKNAME or -u USER)
     87  test_responses::test_unknown_class_name_is_requests_http_error
                                                              requests HTTPError     1    W   S
           ERROR: <the server's Message>
     88  test_responses::test_list_where_an_object_belongs    UnexpectedResponseError 1   W   S
           ERROR: CertData cannot be read from a JSON array [{'id': '0x1'}]: expected a JSON
           object for CertData; the server sent HTTP 200 (application/json, 15 bytes) ...
     89  test_responses::test_list_certs_never_returns_an_empty_page_for_a_wrong_shape
                                                              UnexpectedResponseError 1   W   S
           ERROR: CertDataInfoCollection cannot be read from a JSON array []: expected a JSON
           object for CertDataInfoCollection; ...
     90  test_timeouts_redirects::test_cli_obeys_the_read_timeout
                                                              ReadTimeout            1    W   S
           ERROR: the server did not answer in time: URL did not answer GET /pki/v2/info within
           0.5 s (read timeout; raise timeout= or PKI_CLIENT_READ_TIMEOUT if the server is slow)
     91  test_faults::test_stall_in_the_body                  ResponseBodyTimeout    1    W   S
           ERROR: the server did not answer in time: <the library's text, naming URL and limit>
     92  test_timeouts_redirects::test_cli_names_a_connect_timeout
                                                              ConnectTimeout         1    W   S
           ERROR: the server did not answer in time: URL did not accept the connection within
           0.4 s (connect timeout; check the host and port, or raise timeout= or
           PKI_CLIENT_CONNECT_TIMEOUT)
     93  test_faults::test_handshake_stall                    ReadTimeout            1    W   S
           ERROR: the server did not answer in time: URL accepted the connection but did not
           complete the TLS handshake within 0.5 s (...)
     94  test_timeouts_redirects::test_redirect_from_https_to_http_is_refused
                                                              RedirectRefusedError   1    W   S
           ERROR: refused to follow the redirect from A to B: it leaves https for an
           unencrypted connection, and following it would take this connection's cookies and
           client certificate there (connect to that server directly if it is meant)
     95  test_timeouts_redirects::test_cli_refuses_a_redirect_to_another_server
                                                              RedirectRefusedError   1    W   S
           ERROR: refused to follow the redirect from URL/pki/v2/info to
           http://127.0.0.1:Q/pki/v2/info: it points to another server (...)
     96  test_faults::test_unanswered_request_is_never_resent requests ConnectionError 1   S   S
           ERROR: cannot connect to URL: Remote end closed connection without response
"""

from __future__ import annotations

import datetime
import http.server
import importlib
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from nssdb_fixtures import PASSWORD, AgentDB
from pki import PKIException
from pki.cert import CertClient
from pki.cli.main import main
from pki.client import PKIClient, PKIConnection
from pki.conf import ConfigError, load_tls_settings
from pki.key import KeyClient
from pki.nss import NSSError
from pki.nssdb import (
    BadPasswordError,
    CertificateNotFoundError,
    CertificateNotValidError,
    CertificateUsageError,
    DatabaseCorruptError,
    DatabaseNotFoundError,
    DatabasePermissionError,
    NSSDatabase,
    PasswordCallbackError,
    PasswordFileError,
    PasswordRequiredError,
    PrivateKeyNotFoundError,
)
from pki.testing.certs import CA
from pki.testing.nsstools import TestNSSDB
from pki.tls.errors import (
    AmbiguousClientCertificateError,
    CipherMismatchError,
    ClientCertificateRejectedError,
    ClientCertificateRequiredError,
    HostnameMismatchError,
    ProtocolVersionError,
    ServerCertificateDateError,
    TLSConfigurationError,
    TLSError,
    UntrustedServerError,
)
from tls_servers import HOST, _Processes, _start_listening, _write

pytestmark = pytest.mark.usefixtures("isolated_env")

SRC = str(Path(__file__).resolve().parents[1])


# -- running the library and the CLI ---------------------------------------------------------


def raised(call: Callable[[], object]) -> BaseException:
    """What ``call()`` raises (it must raise)."""
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - the point is to see which one
        return exc
    raise AssertionError("no exception was raised")


def assert_library_error(exc: BaseException, cls: type[BaseException], message: str) -> None:
    """``exc`` is exactly a ``cls`` (for TLS errors: the requests ``SSLError`` that is also
    one, as ``pki.client`` raises them) and its text is exactly ``message``."""
    kind = type(exc)
    if kind is not cls:
        assert isinstance(exc, requests.exceptions.SSLError) and cls in kind.__bases__, (
            f"{kind.__module__}.{kind.__qualname__} ({exc}) is not {cls.__name__}"
        )
    assert str(exc) == message


@dataclass
class CLIResult:
    status: int
    line: str  # the one ERROR line


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CLIResult]:
    """``cli(*argv)``: run ``pki`` in-process; it must fail with exactly one ERROR line."""

    def run(*argv: str) -> CLIResult:
        status = main(list(argv))
        captured = capsys.readouterr()
        lines = captured.err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("ERROR: "), captured.err
        return CLIResult(status, lines[0])

    return run


def no_dac_override(*command: str) -> list[str]:
    """``command`` run without the capabilities that let root read any file, so that mode
    000 means unreadable (CI runs the tests as root); as it is for another user."""
    if os.geteuid() != 0:
        return list(command)
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", *command]


USER = pwd.getpwuid(os.geteuid()).pw_name


@pytest.fixture(scope="session")
def permissions_enforced(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Skip unless ``no_dac_override`` really makes a mode 000 file unreadable here."""
    if os.geteuid() == 0 and shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is missing: cannot drop root's file capabilities")
    probe = tmp_path_factory.mktemp("perm-probe") / "probe"
    probe.write_text("x")
    probe.chmod(0)
    done = subprocess.run(no_dac_override("cat", str(probe)), capture_output=True)
    readable = done.returncode == 0
    probe.unlink()
    if readable:
        pytest.skip("this process can read a mode 000 file even without CAP_DAC_OVERRIDE")


def unprivileged_library(snippet: str) -> dict[str, str]:
    """Run ``snippet`` (it must raise) in a Python without root's file capabilities; the
    exception's class name and text."""
    script = textwrap.dedent(
        """
        import json, sys
        try:
        {body}
        except Exception as exc:
            print(json.dumps({{"class": type(exc).__name__, "message": str(exc)}}))
        else:
            print(json.dumps({{"class": None, "message": ""}}))
        """
    ).format(body=textwrap.indent(textwrap.dedent(snippet), "    "))
    done = subprocess.run(
        no_dac_override(sys.executable, "-c", script), capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": SRC}, timeout=60, check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


def unprivileged_cli(*argv: str) -> CLIResult:
    """``pki ARGV`` without root's file capabilities; it must fail with one ERROR line."""
    done = subprocess.run(
        no_dac_override(sys.executable, "-m", "pki.cli", *argv), capture_output=True,
        text=True, stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": SRC},
        timeout=60,
    )
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("ERROR: "), done.stderr
    return CLIResult(done.returncode, lines[0])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


# -- servers ---------------------------------------------------------------------------------


class _PlainHTTP(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        body = b'{"Version": "11.6.0"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class Servers:
    """Real servers on 127.0.0.1, one per way of being wrong: ``openssl s_server -www``
    with certificates from ``test_ca`` (unless said otherwise), a plain HTTP server, and a
    port nobody listens on."""

    def __init__(self, directory: Path, test_ca: CA, other_ca: CA) -> None:
        self.ports: dict[str, int] = {}
        self._processes = _Processes()
        self._directory = directory
        now = datetime.datetime.now(datetime.timezone.utc)
        day = datetime.timedelta(days=1)
        names = {"dns_names": ["localhost"], "ip_addresses": [HOST], "usages": ("server",)}
        good = test_ca.issue_cert("localhost", **names)
        client_ca = ["-Verify", "1", "-verify_return_error", "-CAfile"]
        starts: dict[str, tuple[Any, list[str]]] = {
            "good": (good, []),
            "tls12-only": (good, ["-tls1_2"]),
            "tls13-only": (good, ["-tls1_3"]),
            "one-cipher": (good, ["-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"]),
            "untrusted": (CA("Elsewhere Root CA").issue_cert("localhost", **names), []),
            "wrong-name": (
                test_ca.issue_cert("elsewhere.example", dns_names=["elsewhere.example"],
                                   usages=("server",)), [],
            ),
            "expired": (
                test_ca.issue_cert("localhost", **names, not_before=now - 30 * day,
                                   not_after=now - day), [],
            ),
            "not-yet-valid": (
                test_ca.issue_cert("localhost", **names, not_before=now + 10 * day,
                                   not_after=now + 40 * day), [],
            ),
            "needs-client-cert": (good, [*client_ca, self._pem("test-ca", test_ca.cert_pem)]),
            "other-client-ca": (good, [*client_ca, self._pem("other-ca", other_ca.cert_pem)]),
        }
        #: "from ... to ... UTC" of each server's certificate, as errors print it
        self.validity: dict[str, str] = {}
        for name, (issued, options) in starts.items():
            self.ports[name] = self._s_server(name, issued, options)
            cert = issued.cert
            self.validity[name] = (
                f"{cert.not_valid_before_utc:%Y-%m-%d %H:%M} to "
                f"{cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC"
            )
        self._http = http.server.ThreadingHTTPServer((HOST, 0), _PlainHTTP)
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._thread.start()
        self.ports["plain-http"] = int(self._http.server_address[1])
        self.ports["nothing-listening"] = free_port()

    def _pem(self, name: str, data: bytes) -> str:
        return str(_write(self._directory / f"{name}.pem", data, 0o644))

    def _s_server(self, name: str, issued: Any, options: list[str]) -> int:
        directory = self._directory / name
        directory.mkdir()
        cert = _write(directory / "server.pem", issued.cert_pem, 0o644)
        key = _write(directory / "server-key.pem", issued.key_pem())
        try:
            _, port, _ = _start_listening(
                self._processes,
                lambda port: ["openssl", "s_server", "-accept", f"{HOST}:{port}", "-www",
                              "-cert", str(cert), "-key", str(key), *options],
                directory, f"openssl s_server ({name})",
            )
        finally:
            key.unlink()  # read by s_server once it listens (or never needed)
        return port

    def url(self, name: str) -> str:
        return f"https://{HOST}:{self.ports[name]}"

    def close(self) -> None:
        self._processes.stop_all()
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture(scope="module")
def servers(
    tmp_path_factory: pytest.TempPathFactory, test_ca: CA, rich_db: tuple[TestNSSDB, dict]
) -> Iterator[Servers]:
    if shutil.which("openssl") is None:
        pytest.fail("openssl missing: install OpenSSL's command line tool (the CI does)")
    started = Servers(tmp_path_factory.mktemp("bad-input-servers"), test_ca,
                      rich_db[1]["other_ca"])
    try:
        yield started
    finally:
        started.close()


def connection(url: str, **kwargs: Any) -> PKIConnection:
    """An upstream-style connection to ``url`` (``https://127.0.0.1:PORT``)."""
    port = url.rpartition(":")[2]
    return PKIConnection("https", HOST, port, **kwargs)


def connect(url: str, **kwargs: Any) -> None:
    """One GET through a fresh connection (closed afterwards)."""
    with connection(url, **kwargs) as conn:
        conn.get("/pki/rest/info")


# -- databases -------------------------------------------------------------------------------


def _database(tmp_path: Path, case: str) -> tuple[str, Path]:
    """The ``-d`` value and directory of each bad database case (made with certutil)."""
    directory = tmp_path / "db"
    if case == "missing":
        return str(directory), directory
    if case == "file":
        directory.write_text("not a database\n")
        return str(directory), directory
    if case == "empty-directory":
        directory.mkdir()
        return f"sql:{directory}", directory
    if case == "other-format":
        TestNSSDB(directory, None, "dbm")
        return f"sql:{directory}", directory
    if case == "unknown-prefix":
        TestNSSDB(directory, None, "sql")
        return f"sq:{directory}", directory
    TestNSSDB(directory, None, "sql")
    if case == "garbage-cert9":
        (directory / "cert9.db").write_bytes(os.urandom(8192))
    elif case == "garbage-key4":
        (directory / "key4.db").write_bytes(b"\x00garbage" * 512)
    elif case == "empty-files":
        for name in ("cert9.db", "key4.db"):
            (directory / name).write_bytes(b"")
    else:
        raise AssertionError(case)
    return f"sql:{directory}", directory


DATABASE_CASES = {
    "missing": (
        DatabaseNotFoundError,
        "NSS database directory {dir} does not exist; create one with NSSDatabase.create() "
        "or 'pki -d {dir} client-init'",
        "NSS database directory {dir} does not exist; create one with "
        "'pki -d {dir} client-init'",
        1,
    ),
    "file": (
        DatabaseNotFoundError,
        "{dir} is a file, not a directory: an NSS database is the directory that holds "
        "cert9.db and key4.db (or cert8.db and key3.db)",
        "{dir} is a file, not a directory: an NSS database is the directory that holds "
        "cert9.db and key4.db (or cert8.db and key3.db)",
        1,
    ),
    "empty-directory": (
        DatabaseNotFoundError,
        "{dir} is not an NSS sql database (no cert9.db and key4.db); create one with "
        "NSSDatabase.create() or 'pki -d {dir} client-init'",
        "{dir} is not an NSS sql database (no cert9.db and key4.db); create one with "
        "'pki -d {dir} client-init'",
        1,
    ),
    "other-format": (
        DatabaseNotFoundError,
        "{dir} holds a dbm NSS database (cert8.db, key3.db), not sql: open it as "
        "'dbm:{dir}' or set NSS_DEFAULT_DB_TYPE=dbm",
        "{dir} holds a dbm NSS database (cert8.db, key3.db), not sql: open it as "
        "'dbm:{dir}' or set NSS_DEFAULT_DB_TYPE=dbm",
        1,
    ),
    "unknown-prefix": (
        DatabaseNotFoundError,
        "NSS database 'sq:{dir}': 'sq:' is not a database type this client opens; write "
        "sql:{dir} or dbm:{dir} (or the directory alone)",
        "-d sq:{dir}: 'sq:' is not an NSS database type; write sql:{dir} or dbm:{dir} (or "
        "the directory alone)",
        2,
    ),
    "garbage-cert9": (
        DatabaseCorruptError,
        "{dir}/cert9.db is not an NSS sql database file (its header is not that of one), so "
        "NSS cannot open sql:{dir}: restore the file from a backup, or make a new database "
        "('pki -d {dir} client-init --force')",
        None,
        1,
    ),
    "garbage-key4": (
        DatabaseCorruptError,
        "{dir}/key4.db is not an NSS sql database file (its header is not that of one), so "
        "NSS cannot open sql:{dir}: restore the file from a backup, or make a new database "
        "('pki -d {dir} client-init --force')",
        None,
        1,
    ),
    "empty-files": (
        DatabaseCorruptError,
        "{dir}/cert9.db is not an NSS sql database file (it is empty), so NSS cannot open "
        "sql:{dir}: restore the file from a backup, or make a new database "
        "('pki -d {dir} client-init --force')",
        None,
        1,
    ),
}


@pytest.mark.parametrize("case", list(DATABASE_CASES))
def test_database(case: str, tmp_path: Path, cli: Callable[..., CLIResult]) -> None:
    """Each bad ``-d``: the library's class and message, and the CLI's line (None: the
    library's message as it is)."""
    cls, library, command_line, status = DATABASE_CASES[case]
    spec, directory = _database(tmp_path, case)
    exc = raised(lambda: NSSDatabase(spec).list_certs())
    assert_library_error(exc, cls, library.format(dir=directory))
    expected = (command_line or library).format(dir=directory)
    result = cli("-d", spec, "client-cert-find")
    assert (result.status, result.line) == (status, f"ERROR: {expected}")


UNREADABLE_CASES = {
    # what is made unreadable, and what the error names
    "files": "may not read {dir}/cert9.db; check its owner and mode (ls -l {dir})",
    "key4-only": "may not read {dir}/key4.db; check its owner and mode (ls -l {dir})",
    "directory": "may not search {dir}; check its owner and mode (ls -l {parent})",
}


@pytest.mark.parametrize("case", list(UNREADABLE_CASES))
def test_unreadable_database(case: str, tmp_path: Path, permissions_enforced: None) -> None:
    """Mode 000 files or directory, for a process without root's file capabilities."""
    directory = tmp_path / "db"
    TestNSSDB(directory, None, "sql")
    targets = {
        "files": [directory / "cert9.db", directory / "key4.db"],
        "key4-only": [directory / "key4.db"],
        "directory": [directory],
    }[case]
    for target in targets:
        target.chmod(0)
    try:
        expected = (
            f"permission denied: NSS database sql:{directory} cannot be opened because user "
            f"{USER} "
            + UNREADABLE_CASES[case].format(dir=directory, parent=tmp_path)
            + " or run as the database's owner"
        )
        got = unprivileged_library(
            f"from pki.nssdb import NSSDatabase\nNSSDatabase('sql:{directory}').list_certs()"
        )
        assert got == {"class": DatabasePermissionError.__name__, "message": expected}
        result = unprivileged_cli("-d", str(directory), "client-cert-find")
        assert (result.status, result.line) == (1, f"ERROR: {expected}")
    finally:
        for target in targets:
            target.chmod(0o700 if target.is_dir() else 0o600)


# -- passwords -------------------------------------------------------------------------------

#: password file contents, the option the CLI gives it with, the library's class and text,
#: and the CLI's line (None: the library's text as it is)
PASSWORD_FILE_CASES = {
    "wrong-in-file": (
        "wrong\n", "-C", BadPasswordError,
        "wrong password for NSS database {db}: the first line of password file {file} does "
        "not unlock it; give the password the database was created with",
        "wrong password for NSS database {db}: the password read from -C {file} does not "
        "unlock it; give the password the database was created with",
    ),
    "wrong-in-password-conf": (
        "internaldb=ldap\ninternal=wrong\n", "-f", BadPasswordError,
        "wrong password for NSS database {db}: the internal= line of password file {file} "
        "does not unlock it; give the password the database was created with",
        "wrong password for NSS database {db}: the password read from -f {file} does not "
        "unlock it; give the password the database was created with",
    ),
    "empty-file": (
        "", "-C", PasswordFileError,
        "password file {file} is empty: write the database password on its first line (or "
        "internal=PASSWORD, as in Dogtag's password.conf)",
        None,
    ),
    "only-newline": (
        "\n", "-C", PasswordFileError,
        "password file {file} is empty: write the database password on its first line (or "
        "internal=PASSWORD, as in Dogtag's password.conf)",
        None,
    ),
    "only-hardware-lines": (
        "hardware-NHSM6000=hsm-secret\n", "-f", PasswordFileError,
        "password file {file} has no 'internal=' line, the password of NSS database {db}'s "
        "own key store (it names only hardware-NHSM6000): add internal=PASSWORD",
        None,
    ),
    "only-unrelated-keys": (
        "# Dogtag's subsystem password.conf\ninternaldb=ldap-secret\nreplicationdb=repl\n",
        "-f", PasswordFileError,
        "password file {file} has no 'internal=' line, the password of NSS database {db}'s "
        "own key store (it names only internaldb, replicationdb): add internal=PASSWORD",
        None,
    ),
    "missing-file": (
        None, "-C", PasswordFileError,
        "cannot read password file {file}: No such file or directory",
        None,
    ),
    "not-utf8": (
        b"\xff\xfe secret\n", "-C", PasswordFileError,
        "password file {file} is not UTF-8 text (invalid start byte at byte 0)",
        None,
    ),
}


@pytest.mark.parametrize("case", list(PASSWORD_FILE_CASES))
def test_password_file(
    case: str, sql_db: AgentDB, secret_files: Any, tmp_path: Path,
    cli: Callable[..., CLIResult],
) -> None:
    content, option, cls, library, command_line = PASSWORD_FILE_CASES[case]
    path = tmp_path / "pw" if content is None else secret_files("pw", content)
    values = {"db": sql_db.spec, "file": path}
    exc = raised(lambda: NSSDatabase(sql_db.spec, password_file=str(path)).open())
    assert_library_error(exc, cls, library.format(**values))
    result = cli("-d", sql_db.spec, option, str(path), "client-cert-find")
    assert (result.status, result.line) == (
        1, "ERROR: " + (command_line or library).format(**values)
    )


def test_wrong_password_is_not_garbled(sql_db: AgentDB, cli: Callable[..., CLIResult]) -> None:
    """``-c wrong``: the word "wrong" of the message stays (it used to become asterisks,
    as it equals the password)."""
    exc = raised(lambda: NSSDatabase(sql_db.spec, password="wrong").open())
    assert_library_error(
        exc, BadPasswordError,
        f"wrong password for NSS database {sql_db.spec}: the password given does not unlock "
        "it; give the password the database was created with",
    )
    assert exc.source == "the password given"  # type: ignore[attr-defined]
    result = cli("-d", sql_db.spec, "-c", "wrong", "client-cert-find")
    assert (result.status, result.line) == (
        1,
        f"ERROR: wrong password for NSS database {sql_db.spec}: the password given with -c "
        "does not unlock it; give the password the database was created with",
    )


def test_password_missing_when_needed(
    sql_db: AgentDB, cli: Callable[..., CLIResult], servers: Servers
) -> None:
    exc = raised(lambda: NSSDatabase(sql_db.spec).get_client_credentials("PKI Administrator"))
    assert_library_error(
        exc, PasswordRequiredError,
        f"NSS database {sql_db.spec} is protected by a password and none was given: pass "
        "password=..., password_file=... (the password alone, or Dogtag password.conf with "
        "internal=...), or password_callback=...",
    )
    result = cli("-U", servers.url("needs-client-cert"), "-d", sql_db.spec,
                 "-n", "PKI Administrator", "info")
    assert (result.status, result.line) == (
        1,
        f"ERROR: NSS database {sql_db.spec} is protected by a password and none was given: "
        "use -C PASSWORD_FILE or -f PASSWORD_CONF (or -c PASSWORD, which other users can "
        "read in the process list)",
    )


def _raise(token: str, retry: bool) -> str:
    raise RuntimeError("the keyring is locked")


CALLBACK_CASES = {
    "raises": (
        _raise,
        "the password callback for NSS database {db} raised RuntimeError (see the "
        "exception's __cause__): fix the callback or give password= or password_file= instead",
    ),
    "returns-none": (
        lambda token, retry: None,
        "the password callback for NSS database {db} returned None (no password), and the "
        "database is protected by one: return the password",
    ),
    "returns-bytes": (
        lambda token, retry: PASSWORD.encode(),
        "the password callback for NSS database {db} returned a value of type bytes, not the "
        "password as a str",
    ),
}


@pytest.mark.parametrize("case", list(CALLBACK_CASES))
def test_password_callback(case: str, sql_db: AgentDB) -> None:
    """Library only: the CLI takes no callback."""
    callback, message = CALLBACK_CASES[case]
    exc = raised(lambda: NSSDatabase(sql_db.spec, password_callback=callback).open())
    assert_library_error(exc, PasswordCallbackError, message.format(db=sql_db.spec))
    assert isinstance(exc, PasswordRequiredError)  # what programs already catch
    if case == "raises":
        assert isinstance(exc.__cause__, RuntimeError)
        assert "keyring" not in str(exc)  # the program's own text stays in the cause


# -- nicknames, client certificates, TLS settings, servers -------------------------------------


@dataclass(frozen=True)
class TLSCase:
    """A connection that must fail: to ``server``, with the database ``db`` (``rich``: the
    awkward identities of ``rich_db``, trusting ``test_ca``; ``agent``: ``sql_db``),
    ``nickname`` (None: no client certificate, or, with ``select``, let the library pick
    one), TLS settings ``conf`` (pki.conf variables; the CLI gets them from the
    environment)."""

    server: str
    cls: type[BaseException]
    library: str
    command_line: str | None  # None: no CLI equivalent; "" the library's text as it is
    nickname: str | None = None
    select: bool = False
    conf: tuple[tuple[str, str], ...] = ()
    db: str = "rich"
    status: int = 1


PEER = "the server 127.0.0.1 ({host}:{port})"
UNTRUSTED = (
    PEER + " is not trusted: its certificate CN=localhost,O=Example chains up to "
    "CN=Elsewhere Root CA,O=Example, which is not a trusted CA here (unable to get local "
    "issuer certificate)"
)
REQUIRED = (
    PEER + " requires a TLS client certificate and none is configured"
)

TLS_CASES: dict[str, TLSCase] = {
    # nicknames
    "nickname-missing": TLSCase(
        "needs-client-cert", CertificateNotFoundError,
        "no certificate named 'nosuch' in NSS database {db}; nicknames there: {nicknames}",
        "", nickname="nosuch",
    ),
    "nickname-ambiguous": TLSCase(
        "needs-client-cert", AmbiguousClientCertificateError,
        PEER + " asked for a client certificate and the server accepts the issuers of "
        "several; choose one with nickname= (or PKI_CLIENT_CERT_NICKNAME in pki.conf). "
        "Candidates: {candidates}",
        None, select=True,
    ),
    # client certificates
    "client-cert-expired": TLSCase(
        "needs-client-cert", CertificateNotValidError,
        "certificate 'expired' (CN=Expired Agent,O=Example) is expired: valid from "
        "{expired_from} UTC to {expired_to} UTC; renew it or choose another",
        "", nickname="expired",
    ),
    "client-cert-not-yet-valid": TLSCase(
        "needs-client-cert", CertificateNotValidError,
        "certificate 'future' (CN=Future Agent,O=Example) is not yet valid: valid from "
        "{future_from} UTC to {future_to} UTC; renew it or choose another",
        "", nickname="future",
    ),
    "client-cert-without-key": TLSCase(
        "needs-client-cert", PrivateKeyNotFoundError,
        "NSS database {db} has certificate 'no key' (CN=Cert Without Key,O=Example) but no "
        "private key for it; import the key with 'pki client-cert-import --pkcs12 "
        "<file.p12>' or use a nickname with 'u' trust",
        "", nickname="no key",
    ),
    "client-cert-without-clientAuth": TLSCase(
        "needs-client-cert", CertificateUsageError,
        "certificate 'server only' (CN=Server Only,O=Example) cannot authenticate a TLS "
        "client: its extended key usage allows only serverAuth, not clientAuth; use a "
        "certificate issued for client authentication",
        "", nickname="server only",
    ),
    # TLS versions and cipher suites
    "no-cipher-in-common": TLSCase(
        "one-cipher", CipherMismatchError,
        PEER + " refused the TLS handshake at once (TLS alert: tls alert handshake failure): "
        "it accepts none of the cipher suites this client offers (or none of its key exchange "
        "groups or signature algorithms); allow one the server has in SSL_CIPHERS (with "
        "SSL_DEFAULT_CIPHERS=true to keep the defaults) in pki.conf",
        "",
        conf=(("SSL_STREAM_VERSION_MAX", "TLS_1_2"), ("SSL_DEFAULT_CIPHERS", "false"),
              ("SSL_CIPHERS", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")),
    ),
    "unknown-cipher": TLSCase(
        "good", TLSConfigurationError,
        "SSL_CIPHERS: cipher suite 'TLS_FOO_WITH_BAR_SHA256' is not supported", "",
        conf=(("SSL_CIPHERS", "TLS_FOO_WITH_BAR_SHA256"),),
    ),
    "tls13-only-against-tls12-server": TLSCase(
        "tls12-only", ProtocolVersionError,
        "no TLS version in common with " + PEER + ": this client allows TLS 1.3 to TLS 1.3 "
        "(SSL_STREAM_VERSION_MIN/MAX in pki.conf); OpenSSL said: tlsv1 alert protocol version",
        "", conf=(("SSL_STREAM_VERSION_MIN", "TLS_1_3"),),
    ),
    "tls12-only-against-tls13-server": TLSCase(
        "tls13-only", ProtocolVersionError,
        "no TLS version in common with " + PEER + ": this client allows TLS 1.2 to TLS 1.2 "
        "(SSL_STREAM_VERSION_MIN/MAX in pki.conf); OpenSSL said: tlsv1 alert protocol version",
        "", conf=(("SSL_STREAM_VERSION_MAX", "TLS_1_2"),),
    ),
    # the server
    "server-untrusted": TLSCase(
        "untrusted", UntrustedServerError,
        UNTRUSTED + ". If you trust that CA, add it to the trust of this connection: NSS "
        "database {db}, e.g. 'certutil -A -d <nssdb> -n \"CA\" -t CT,C,C -a -i ca.pem', or "
        "pass cert_paths=['ca.pem']",
        UNTRUSTED + ". If you trust that CA, import its certificate into the NSS database: "
        "pki -d {dir} client-cert-import --ca-cert ca.pem (or certutil -A -d {dir} -n \"CA\" "
        "-t CT,C,C -a -i ca.pem)",
        conf=(("PKI_CLIENT_SYSTEM_TRUST", "false"),),
    ),
    "server-hostname-mismatch": TLSCase(
        "wrong-name", HostnameMismatchError,
        PEER + ": its certificate is not valid for '127.0.0.1' (it names elsewhere.example); "
        "connect with a name the certificate lists",
        "",
    ),
    "server-cert-expired": TLSCase(
        "expired", ServerCertificateDateError,
        PEER + ": the certificate CN=localhost,O=Example in its chain is expired: valid from "
        "{server_expired}; the server needs a certificate valid now (or this machine's clock "
        "is wrong)",
        "",
    ),
    "server-cert-not-yet-valid": TLSCase(
        "not-yet-valid", ServerCertificateDateError,
        PEER + ": the certificate CN=localhost,O=Example in its chain is not yet valid: valid "
        "from {server_future}; the server needs a certificate valid now (or this machine's "
        "clock is wrong)",
        "",
    ),
    "server-speaks-plain-http": TLSCase(
        "plain-http", TLSError,
        PEER + " does not speak TLS on this port (OpenSSL said: wrong version number): check "
        "the port and the protocol; Dogtag serves https on its secure port (8443 by default) "
        "and plain http on 8080",
        "",
    ),
    "server-requires-client-cert": TLSCase(
        "needs-client-cert", ClientCertificateRequiredError,
        REQUIRED + ": pass nssdb= and nickname= (or set PKI_CLIENT_DATABASE and "
        "PKI_CLIENT_CERT_NICKNAME in pki.conf); TLS alert: tlsv13 alert certificate required",
        REQUIRED + ": pass -n NICKNAME, the nickname of a client certificate in the NSS "
        "database {dir} (see 'pki -d {dir} client-cert-find')",
    ),
    "server-rejects-our-cert": TLSCase(
        "other-client-ca", ClientCertificateRejectedError,
        PEER + " rejected the client certificate 'valid' (CN=Valid Agent,O=Example, issued by "
        "CN=Test Root CA,O=Example Test): TLS alert tlsv1 alert unknown ca. Check that the "
        "server trusts its issuer and that it is valid and not revoked",
        "", nickname="valid",
    ),
    "nothing-listening": TLSCase(
        "nothing-listening", requests.exceptions.ConnectionError,
        "HTTPSConnectionPool(host='{host}', port={port}): Max retries exceeded with url: "
        "/pki/rest/info (Caused by NewConnectionError(\"HTTPSConnection(host='{host}', "
        "port={port}): Failed to establish a new connection: [Errno 111] Connection "
        "refused\"))",
        "cannot connect to https://{host}:{port}: Connection refused: check that the server "
        "is running and that -U (or -h and -p) names its host and port",
    ),
}


def _tls_values(servers: Servers, case: TLSCase, rich: tuple[TestNSSDB, dict]) -> dict:
    db, data = rich
    certs = data["certs"]
    stamp = "%Y-%m-%d %H:%M:%S"
    nicknames = ", ".join(repr(n) for n in sorted(db.trust_flags()))
    return {
        "host": HOST, "port": servers.ports[case.server], "db": db.spec,
        "dir": db.spec.partition(":")[2],
        "nicknames": nicknames,
        "candidates": "; ".join(
            f"'{n}' ({certs[n].cert.subject.rfc4514_string()}, issued by "
            f"{certs[n].cert.issuer.rfc4514_string()})" for n in ("valid", "no eku")
        ),
        "expired_from": f"{certs['expired'].cert.not_valid_before_utc:{stamp}}",
        "expired_to": f"{certs['expired'].cert.not_valid_after_utc:{stamp}}",
        "future_from": f"{certs['future'].cert.not_valid_before_utc:{stamp}}",
        "future_to": f"{certs['future'].cert.not_valid_after_utc:{stamp}}",
        "server_expired": servers.validity["expired"],
        "server_future": servers.validity["not-yet-valid"],
    }


@pytest.mark.parametrize("name", list(TLS_CASES))
def test_tls(
    name: str, servers: Servers, rich_db: tuple[TestNSSDB, dict], sql_db: AgentDB,
    secret_files: Any, cli: Callable[..., CLIResult], monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = TLS_CASES[name]
    spec = rich_db[0].spec if case.db == "rich" else sql_db.spec
    values = _tls_values(servers, case, rich_db)
    url = servers.url(case.server)
    exc = raised(lambda: connect(
        url, nssdb=spec, nssdb_password=PASSWORD, nickname=case.nickname,
        client_auth=case.select or case.nickname is not None, conf=dict(case.conf),
    ))
    assert_library_error(exc, case.cls, case.library.format(**values))
    if case.command_line is None:
        return
    for variable, value in case.conf:
        monkeypatch.setenv(variable, value)
    password = secret_files("pw", PASSWORD + "\n")
    argv = ["-U", url, "-d", spec, "-C", str(password)]
    if case.nickname is not None:
        argv += ["-n", case.nickname]
    result = cli(*argv, "info")
    expected = (case.command_line or case.library).format(**values)
    assert (result.status, result.line) == (case.status, f"ERROR: {expected}")


# -- pki.conf ----------------------------------------------------------------------------------

#: pki.conf content -> the ConfigError text (the CLI prints the same)
CONF_CASES: dict[str, tuple[str | bytes, str]] = {
    "bad-syntax": (
        "SSL_CIPHERS = x\n",
        "{path}:1: not an assignment: 'SSL_CIPHERS' (pki.conf is parsed, never run; only "
        "NAME=value, export NAME=value and export NAME lines are allowed)",
    ),
    "a-command": (
        "export X=1\nrm -rf /tmp/x\n",
        "{path}:2: not an assignment: 'rm' (pki.conf is parsed, never run; only "
        "NAME=value, export NAME=value and export NAME lines are allowed)",
    ),
    "command-substitution": (
        "PKI_CLIENT_CERT_NICKNAME=$(whoami)\n",
        "{path}:1: command substitution $(...) is not allowed (pki.conf is parsed, never "
        "run): write the value itself",
    ),
    "backquotes": (
        "PKI_CLIENT_CERT_NICKNAME=`whoami`\n",
        "{path}:1: command substitution with backquotes is not allowed (pki.conf is "
        "parsed, never run): write the value itself",
    ),
    "unterminated-quote": (
        "PKI_CLIENT_CERT_NICKNAME='PKI Administrator\n",
        "{path}:1: unterminated single quote: close it on the same line",
    ),
    "unknown-tls-version": (
        "SSL_STREAM_VERSION_MIN=TLS_9_9\n",
        "{path}:1: SSL_STREAM_VERSION_MIN='TLS_9_9': unknown TLS version; accepted "
        "values: TLS_1_2, TLS_1_3",
    ),
    "tls-1.0-refused": (
        "SSL_STREAM_VERSION_MIN=TLS_1_0\n",
        "{path}:1: SSL_STREAM_VERSION_MIN='TLS_1_0': TLS_1_0 is insecure and refused; "
        "accepted values: TLS_1_2, TLS_1_3",
    ),
    "tls-1.1-refused": (
        "SSL_STREAM_VERSION_MIN=TLS1_1\n",
        "{path}:1: SSL_STREAM_VERSION_MIN='TLS1_1': TLS_1_1 is insecure and refused; "
        "accepted values: TLS_1_2, TLS_1_3",
    ),
    "ssl-3-refused": (
        "SSL_STREAM_VERSION_MIN=SSL_3_0\n",
        "{path}:1: SSL_STREAM_VERSION_MIN='SSL_3_0': SSL_3_0 is insecure and refused; "
        "accepted values: TLS_1_2, TLS_1_3",
    ),
    "min-above-max": (
        "SSL_STREAM_VERSION_MIN=TLS_1_3\nSSL_STREAM_VERSION_MAX=TLS_1_2\n",
        "SSL_STREAM_VERSION_MIN=TLS_1_3 (from {path}:1) is above "
        "SSL_STREAM_VERSION_MAX=TLS_1_2 (from {path}:2): lower the one or raise the other",
    ),
    "bad-boolean": (
        "SSL_DEFAULT_CIPHERS=maybe\n",
        "{path}:1: SSL_DEFAULT_CIPHERS='maybe': not a boolean; use true/false, yes/no or "
        "1/0",
    ),
    "bad-system-trust-boolean": (
        "PKI_CLIENT_SYSTEM_TRUST=perhaps\n",
        "{path}:1: PKI_CLIENT_SYSTEM_TRUST='perhaps': not a boolean; use true/false, "
        "yes/no or 1/0",
    ),
    "bad-db-type": (
        "NSS_DEFAULT_DB_TYPE=ldap\n",
        "{path}:1: NSS_DEFAULT_DB_TYPE='ldap': accepted values: sql, dbm",
    ),
    "bad-cipher-token": (
        "SSL_CIPHERS=AES128\n",
        "{path}:1: SSL_CIPHERS='AES128': 'AES128' is neither an IANA cipher suite name "
        "such as TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 nor a hex ID such as 0xC02F",
    ),
    "no-cipher-left": (
        "SSL_DEFAULT_CIPHERS=false\n",
        "SSL_DEFAULT_CIPHERS is false (from {path}:1) and SSL_CIPHERS enables no cipher: "
        "no cipher suite would be left; list the ones to use in SSL_CIPHERS, or set "
        "SSL_DEFAULT_CIPHERS=true",
    ),
    "cipher-enabled-and-disabled": (
        "SSL_CIPHERS='TLS_AES_128_GCM_SHA256 -TLS_AES_128_GCM_SHA256'\n",
        "{path}:1: SSL_CIPHERS='TLS_AES_128_GCM_SHA256 -TLS_AES_128_GCM_SHA256': "
        "TLS_AES_128_GCM_SHA256 is both enabled and disabled: keep only one",
    ),
    "database-prefix-without-directory": (
        "PKI_CLIENT_DATABASE=sql:\n",
        "{path}:1: PKI_CLIENT_DATABASE='sql:': no directory after sql:; write "
        "sql:/path/to/nssdb",
    ),
    "not-utf8": (
        b"PKI_CLIENT_CERT_NICKNAME=\xe9t\xe9\n",
        "{path}: not valid UTF-8 (invalid continuation byte at byte 25): save the file as"
        " UTF-8",
    ),
}


def _conf_file(home: Path, content: str | bytes) -> Path:
    path = home / ".dogtag" / "pki.conf"
    path.parent.mkdir()
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


@pytest.mark.parametrize("case", list(CONF_CASES))
def test_pki_conf(case: str, isolated_env: Path, cli: Callable[..., CLIResult]) -> None:
    content, problem = CONF_CASES[case]
    path = _conf_file(isolated_env, content)
    exc = raised(lambda: load_tls_settings(files=[str(path)], environ={}))
    assert_library_error(exc, ConfigError, problem.format(path=path))
    result = cli("-d", str(isolated_env / "nssdb"), "client-cert-find")
    assert (result.status, result.line) == (1, "ERROR: " + problem.format(path=path))


def test_pki_conf_unreadable(isolated_env: Path, cli: Callable[..., CLIResult]) -> None:
    """A pki.conf that cannot be read (here a directory: root reads any file's mode)."""
    path = isolated_env / ".dogtag" / "pki.conf"
    path.mkdir(parents=True)
    exc = raised(lambda: load_tls_settings(files=[str(path)], environ={}))
    assert_library_error(exc, ConfigError, f"{path}: cannot read: Is a directory")
    result = cli("client-cert-find")
    assert (result.status, result.line) == (1, f"ERROR: {path}: cannot read: Is a directory")


def test_pki_conf_mode_000(
    isolated_env: Path, permissions_enforced: None, tmp_path: Path
) -> None:
    """A pki.conf of mode 000, for a process without root's file capabilities."""
    path = _conf_file(isolated_env, "SSL_STREAM_VERSION_MIN=TLS_1_2\n")
    path.chmod(0)
    expected = f"{path}: cannot read: Permission denied"
    got = unprivileged_library(
        f"from pki.conf import load_tls_settings\nload_tls_settings(files=[{str(path)!r}])"
    )
    assert got == {"class": ConfigError.__name__, "message": expected}
    result = unprivileged_cli("client-cert-find")
    assert (result.status, result.line) == (1, f"ERROR: {expected}")


def test_pki_cli_options_unsplittable(isolated_env: Path, cli: Callable[..., CLIResult]) -> None:
    """CLI only: ``PKI_CLI_OPTIONS`` is a command line the library never splits."""
    _conf_file(isolated_env, "PKI_CLI_OPTIONS=\"-n 'PKI Administrator\"\n")
    result = cli("client-cert-find")
    assert (result.status, result.line) == (
        2, "ERROR: PKI_CLI_OPTIONS=\"-n 'PKI Administrator\" cannot be split: No closing "
        "quotation",
    )


def test_nss_default_db_type_unknown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                     cli: Callable[..., CLIResult]) -> None:
    """``NSS_DEFAULT_DB_TYPE`` in the environment, read by the library itself (without a
    ``sql:``/``dbm:`` prefix) and by the CLI through pki.conf's layers."""
    monkeypatch.setenv("NSS_DEFAULT_DB_TYPE", "ldap")
    exc = raised(lambda: NSSDatabase(str(tmp_path)))
    assert_library_error(
        exc, NSSError,
        "NSS_DEFAULT_DB_TYPE='ldap' is not supported: use 'sql' or 'dbm', or prefix the "
        "directory with sql: or dbm:",
    )
    result = cli("-d", str(tmp_path), "client-cert-find")
    assert (result.status, result.line) == (
        1, "ERROR: NSS_DEFAULT_DB_TYPE='ldap' (from environment): accepted values: sql, dbm"
    )


# -- IDs, URLs and ports ---------------------------------------------------------------------


def _id_line(argument: str, what: str, value: str, command: str) -> str:
    return (
        f"ERROR: argument {argument}: invalid {what} {value!r}: expected a number in decimal "
        f"(31) or in hex with 0x (0x1f), not negative (see 'pki {command} --help')"
    )


#: CLI arguments, the library call (on the session server), its ValueError text, the CLI line
ID_CASES: dict[str, tuple[tuple[str, ...], Callable[[PKIClient], object], str, str]] = {
    "serial-not-a-number": (
        ("ca-cert-show", "xyz"), lambda c: CertClient(c).get_cert("xyz"),
        "invalid Certificate ID: 'xyz' (expected decimal or 0x hex)",
        _id_line("SERIAL", "serial number", "xyz", "ca-cert-show"),
    ),
    "serial-empty-hex": (
        ("ca-cert-show", "0x"), lambda c: CertClient(c).get_cert("0x"),
        "invalid Certificate ID: '0x' (expected decimal or 0x hex)",
        _id_line("SERIAL", "serial number", "0x", "ca-cert-show"),
    ),
    "serial-negative": (
        ("ca-cert-revoke", "0x10", "-5", "--force"),
        lambda c: CertClient(c).revoke_cert("-5"),
        "invalid Certificate ID: '-5'",
        _id_line("SERIAL", "serial number", "-5", "ca-cert-revoke"),
    ),
    "key-id-negative": (
        ("kra-key-show", "-1"), lambda c: KeyClient(c).get_key_info("-1"),
        "invalid Key ID: '-1'",
        _id_line("KEY_ID", "key ID", "-1", "kra-key-show"),
    ),
    "key-id-not-a-number": (
        ("kra-key-retrieve", "--keyID", "xyz"),
        lambda c: KeyClient(c).retrieve_key("xyz"),
        "invalid Key ID: 'xyz' (expected decimal or 0x hex)",
        _id_line("--keyID", "key ID", "xyz", "kra-key-retrieve"),
    ),
    "request-id-not-a-number": (
        ("ca-cert-request-show", "abc"), lambda c: CertClient(c).get_request("abc"),
        "invalid Request ID: 'abc' (expected decimal or 0x hex)",
        _id_line("REQUEST_ID", "request ID", "abc", "ca-cert-request-show"),
    ),
    "key-request-id-not-a-number": (
        ("kra-key-request-show", "1x"),
        lambda c: KeyClient(c).get_request_info("1x"),
        "invalid Request ID: '1x' (expected decimal or 0x hex)",
        _id_line("REQUEST_ID", "request ID", "1x", "kra-key-request-show"),
    ),
}


@pytest.mark.parametrize("case", list(ID_CASES))
def test_bad_id(case: str, dogtag_server: Any, cli: Callable[..., CLIResult]) -> None:
    """Refused before anything is sent: the library raises ValueError, the CLI gives a
    usage error (status 2)."""
    argv, call, library, command_line = ID_CASES[case]
    client = PKIClient(dogtag_server.url, ca_bundle=str(dogtag_server.ca_cert_path))
    try:
        exc = raised(lambda: call(client))
    finally:
        client.close()
    assert_library_error(exc, ValueError, library)
    info = dogtag_server.info
    result = cli("-U", info["url"], "-d", info["nssdb"], "-f", info["password_file"],
                 "-n", info["nickname"], *argv)
    assert (result.status, result.line) == (2, command_line)


_URL = "expected https://HOST[:PORT] (or http://HOST[:PORT])"

#: CLI options, the library's version (PKIClient(url) or PKIConnection(...).get), its
#: class and text, and the CLI line (all usage errors, status 2)
URL_CASES: dict[str, tuple[tuple[str, ...], Callable[[], object], type, str, str]] = {
    "url-ftp": (
        ("-U", "ftp://x"), lambda: PKIClient("ftp://x"), PKIException,
        "Unsupported server URL 'ftp://x': expected https://HOST[:PORT] (or http://)",
        f"-U ftp://x: 'ftp:' is not http or https; {_URL}",
    ),
    "url-without-host": (
        ("-U", "https://"), lambda: PKIClient("https://"), PKIException,
        "Unsupported server URL 'https://': expected https://HOST[:PORT] (or http://)",
        f"-U https://: no host name; {_URL}",
    ),
    "url-without-protocol": (
        ("-U", "ca.example.com"), lambda: PKIClient("ca.example.com"), PKIException,
        "Unsupported server URL 'ca.example.com': expected https://HOST[:PORT] (or http://)",
        f"-U ca.example.com: no protocol; {_URL}",
    ),
    "url-port-out-of-range": (
        ("-U", "https://127.0.0.1:99999"),
        lambda: PKIClient("https://127.0.0.1:99999").get_info(), ValueError,
        "Port out of range 0-65535",
        f"-U https://127.0.0.1:99999: '99999' is not a TCP port (1 to 65535); {_URL}",
    ),
    "url-port-not-a-number": (
        ("-U", "https://127.0.0.1:abc"),
        lambda: PKIClient("https://127.0.0.1:abc").get_info(), ValueError,
        "Port could not be cast to integer value as 'abc'",
        f"-U https://127.0.0.1:abc: 'abc' is not a TCP port (1 to 65535); {_URL}",
    ),
    "port-out-of-range": (
        ("-p", "70000"), lambda: PKIConnection("https", HOST, "70000").get("/pki/rest/info"),
        requests.exceptions.InvalidURL, "Failed to parse: https://127.0.0.1:70000/pki/rest/info",
        "-p 70000: not a TCP port (a number from 1 to 65535)",
    ),
    "port-not-a-number": (
        ("-p", "https"), lambda: PKIConnection("https", HOST, "https").get("/pki/rest/info"),
        requests.exceptions.InvalidURL,
        # urllib3's text, which depends on the Python it runs on (urllib.parse changed in 3.11)
        "Failed to parse: '127.0.0.1:https' is not a valid host or port"
        if sys.version_info >= (3, 11) else "Failed to parse: https://127.0.0.1:https/pki/rest/info",
        "-p https: not a TCP port (a number from 1 to 65535)",
    ),
    "protocol-unknown": (
        ("-P", "ftp"), lambda: PKIConnection("ftp", HOST, "8443").get("/pki/rest/info"),
        requests.exceptions.InvalidSchema,
        "No connection adapters were found for 'ftp://127.0.0.1:8443/pki/rest/info'",
        "argument -P: invalid choice: 'ftp' (choose from 'http', 'https') (see 'pki --help')",
    ),
}


@pytest.mark.parametrize("case", list(URL_CASES))
def test_bad_url_or_port(case: str, cli: Callable[..., CLIResult]) -> None:
    options, call, cls, library, command_line = URL_CASES[case]
    assert_library_error(raised(call), cls, library)
    result = cli(*options, "info")
    assert (result.status, result.line) == (2, f"ERROR: {command_line}")


# -- the table above ---------------------------------------------------------------------------


def test_catalogue_table_lists_every_case() -> None:
    """The docstring's table has one row per case of this module, numbered in order."""
    numbered = re.findall(r"^ +(\d+)  (test_\S+)", __doc__ or "", re.MULTILINE)
    assert [int(n) for n, _ in numbered] == list(range(1, len(numbered) + 1))
    # rows of other modules (MODULE::TEST) name a test that exists there
    for name in (name for _, name in numbered if "::" in name):
        module, function = name.split("::")
        assert callable(getattr(importlib.import_module(module), function, None)), name
    rows = [row for row in numbered if "::" not in row[1]]
    groups = {
        "test_database": DATABASE_CASES, "test_unreadable_database": UNREADABLE_CASES,
        "test_password_file": PASSWORD_FILE_CASES, "test_password_callback": CALLBACK_CASES,
        "test_tls": TLS_CASES, "test_pki_conf": CONF_CASES, "test_bad_id": ID_CASES,
        "test_bad_url_or_port": URL_CASES,
    }
    expected = {f"{test}[{case}]" for test, cases in groups.items() for case in cases}
    single = {
        name for name, value in globals().items()
        if name.startswith("test_") and callable(value) and name not in groups
        and name != "test_catalogue_table_lists_every_case"
    }
    assert sorted(name for _, name in rows) == sorted(expected | single)
