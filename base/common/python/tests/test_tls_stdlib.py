"""pki.tls.create_ssl_context: a standard library ssl.SSLContext from an NSS database.

Real clients of the standard library (urllib, http.client, asyncio) against real servers on
127.0.0.1 that require a client certificate and report the one they received (nginx's
``$ssl_client_s_dn``, selfserv's log, the Python TLS 1.3 server's page), with RSA and EC keys
from sql and dbm databases; trust comes only from the database or cert_paths (system trust
off). Then what the context is made of, what the standard library cannot apply, and the
promises about the key: no file written, no temporary file, no memory file left holding it,
and a refusal where memory files do not exist.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
import warnings
from pathlib import Path

import pytest
from audit_hook import run_audited
from cryptography import x509
from nssdb_fixtures import PASSWORD, AgentDB
from pki.nssdb import BadPasswordError
from pki.testing.certs import CA
from pki.tls import (
    AmbiguousClientCertificateError,
    SettingNotAppliedWarning,
    TLSConfigurationError,
    build_context,
    create_ssl_context,
    resolve_config,
)
from pki.tls.stdlib import MEMORY_FILE_NAME, _discard, _sealed_memory_file, build_ssl_context
from tls_servers import HOST, NO_SYSTEM_TRUST, NSS_VERSION, PEM_CERT, Agent, TLSServer

TIMEOUT = 20

#: ~/.dogtag/pki.conf and PKI/TLS variables of the environment stay out of these tests
pytestmark = pytest.mark.usefixtures("isolated_env")


def context_for(agent: Agent, conf: dict[str, str] | None = None, **kwargs) -> ssl.SSLContext:
    """``create_ssl_context`` for ``agent``'s database, without the system store."""
    return create_ssl_context(
        nssdb=agent.spec, nickname=agent.nickname, nssdb_password=agent.password,
        conf={**NO_SYSTEM_TRUST, **(conf or {})}, **kwargs,
    )


def https_get(server: TLSServer, context: ssl.SSLContext, path: str = "/") -> bytes:
    """One GET with http.client; the body (raises for a status other than 200)."""
    conn = http.client.HTTPSConnection(HOST, server.port, context=context, timeout=TIMEOUT)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    assert response.status == 200, body[:500]
    return body


def nginx_report(body: bytes) -> tuple[str, str, str]:
    """nginx's three lines: ($ssl_protocol, $ssl_client_verify, $ssl_client_s_dn)."""
    protocol, verify, subject = body.decode().splitlines()
    return protocol, verify, subject


# -- the three standard library clients against nginx requiring a certificate -----------


def test_urllib_authenticates_to_nginx(nginx_server: TLSServer, agent: Agent) -> None:
    context = context_for(agent)
    with urllib.request.urlopen(nginx_server.url + "/", context=context, timeout=TIMEOUT) as r:
        report = nginx_report(r.read())
    assert report == ("TLSv1.3", "SUCCESS", agent.subject)


def test_http_client_authenticates_to_nginx(nginx_server: TLSServer, agent: Agent) -> None:
    report = nginx_report(https_get(nginx_server, context_for(agent)))
    assert report == ("TLSv1.3", "SUCCESS", agent.subject)


def test_asyncio_authenticates_to_nginx(nginx_server: TLSServer, agent: Agent) -> None:
    context = context_for(agent)

    async def fetch() -> bytes:
        reader, writer = await asyncio.open_connection(HOST, nginx_server.port, ssl=context)
        writer.write(f"GET / HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        data = await reader.read()  # to the end: the server closes
        writer.close()
        await writer.wait_closed()
        return data

    response = asyncio.run(asyncio.wait_for(fetch(), TIMEOUT))
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 "), head
    assert nginx_report(body) == ("TLSv1.3", "SUCCESS", agent.subject)


def test_a_large_download_arrives_whole(nginx_server: TLSServer, rsa_agent: Agent) -> None:
    """The stdlib's own I/O carries the 20 MiB file (checked by digest), as with PEM files."""
    size, digest = nginx_server.extra["files"]["20m.bin"]
    body = https_get(nginx_server, context_for(rsa_agent), "/files/20m.bin")
    assert (len(body), hashlib.sha256(body).hexdigest()) == (size, digest)


# -- NSS selfserv and the post-handshake request ------------------------------------------


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_selfserv_receives_the_database_certificate(
    selfserv_server, agent: Agent, version: str
) -> None:
    server = selfserv_server(version)  # -r -r: the certificate is required in the handshake
    mark = len(server.log())
    body = https_get(server, context_for(agent))
    assert body.startswith(b"GET / HTTP/1.1\r\n")  # selfserv echoes the request
    log = server.wait_for_log(NSS_VERSION[version], mark)
    assert f"Subject: {agent.subject}\n" in log, log
    assert NSS_VERSION[version] in log, log
    assert log.index(f"Subject: {agent.subject}") < log.index(NSS_VERSION[version])


def test_tls13_post_handshake_authentication(pha_server: TLSServer, agent: Agent) -> None:
    """The server asks for the certificate only after it has read the request."""
    server = pha_server.extra["server"]
    requests_before, errors_before = server.post_handshake_requests, len(server.errors)
    conn = http.client.HTTPSConnection(
        HOST, pha_server.port, context=context_for(agent), timeout=TIMEOUT
    )
    try:
        pages = []
        for path in ("/", "/again"):  # one kept-alive connection
            conn.request("GET", path)
            pages.append(conn.getresponse().read())
    finally:
        conn.close()
    first, second = pages
    assert b"protocol: TLSv1.3\npost-handshake-auth: yes\n" in first, first
    assert x509.load_pem_x509_certificate(PEM_CERT.findall(first)[0]) == agent.cert
    assert b"post-handshake-auth: no" in second, second  # authenticated once, it stays
    assert server.post_handshake_requests == requests_before + 1
    assert server.errors[errors_before:] == []


# -- verifying the server ---------------------------------------------------------------


def test_untrusted_server_fails_verification(openssl_server, rsa_agent: Agent) -> None:
    server = openssl_server("1.3", server_ca=CA("Rogue Server CA", organization="Nowhere"))
    with pytest.raises(ssl.SSLCertVerificationError) as excinfo:
        https_get(server, context_for(rsa_agent))
    assert excinfo.value.verify_message == "unable to get local issuer certificate"


def test_host_name_is_checked(openssl_server, rsa_agent: Agent) -> None:
    server = openssl_server("1.3", names=("other.example",))  # trusted CA, another name
    with pytest.raises(ssl.SSLCertVerificationError) as excinfo:
        https_get(server, context_for(rsa_agent))
    assert "IP address mismatch" in excinfo.value.verify_message


def test_what_the_context_is(sql_db: AgentDB, test_ca: CA) -> None:
    context = create_ssl_context(
        nssdb=sql_db.spec, nickname="PKI Administrator EC", nssdb_password=PASSWORD,
        conf=NO_SYSTEM_TRUST,
    )
    assert type(context) is ssl.SSLContext
    assert context.protocol == ssl.PROTOCOL_TLS_CLIENT
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True
    assert context.post_handshake_auth is True
    assert context.hostname_checks_common_name is False
    assert (context.minimum_version, context.maximum_version) == (
        ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3,
    )
    # the database's CA and nothing else (system trust is off)
    assert [x509.load_der_x509_certificate(d) for d in context.get_ca_certs(True)] == [
        test_ca.cert
    ]


def test_one_config_builds_both_contexts(nginx_server: TLSServer, rsa_agent: Agent) -> None:
    """The stdlib context and PKIConnection's pyOpenSSL one come from the same TLSConfig
    (read once) and authenticate alike; http.client takes either."""
    config = resolve_config(
        {**NO_SYSTEM_TRUST, "SSL_STREAM_VERSION_MAX": "TLS_1_2"},
        nssdb=rsa_agent.spec, nickname=rsa_agent.nickname, passwords={"password": PASSWORD},
    )
    contexts = [build_ssl_context(config), build_context(config)]
    reports = [nginx_report(https_get(nginx_server, c)) for c in contexts]
    assert reports == [("TLSv1.2", "SUCCESS", rsa_agent.subject)] * 2
    assert {(c.minimum_version, c.maximum_version) for c in contexts} == {
        (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2)
    }


def test_cert_paths_file_and_directory_are_trusted(
    nginx_server: TLSServer, tmp_path: Path
) -> None:
    """No database: trust from cert_paths alone (a PEM file, or a hashed directory)."""
    hashed = tmp_path / "cadir"
    hashed.mkdir()
    subject_hash = subprocess.run(
        ["openssl", "x509", "-hash", "-noout", "-in", str(nginx_server.ca_path)],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    (hashed / f"{subject_hash}.0").write_bytes(nginx_server.ca_path.read_bytes())
    for paths in (str(nginx_server.ca_path), [hashed]):
        context = create_ssl_context(cert_paths=paths, client_auth=False, conf=NO_SYSTEM_TRUST)
        # the TLS handshake succeeds (server verified); nginx then wants the certificate
        with pytest.raises(urllib.error.HTTPError) as excinfo:
            urllib.request.urlopen(nginx_server.url + "/", context=context, timeout=TIMEOUT)
        assert excinfo.value.code == 400
        assert b"No required SSL certificate was sent" in excinfo.value.read()
    untrusting = create_ssl_context(client_auth=False, conf=NO_SYSTEM_TRUST)
    with pytest.raises(ssl.SSLCertVerificationError):
        https_get(nginx_server, untrusting)


def test_trust_only_needs_no_password(nginx_server: TLSServer, sql_db: AgentDB) -> None:
    """client_auth=False: the database's CAs, no certificate, no login."""
    context = create_ssl_context(nssdb=sql_db.spec, client_auth=False, conf=NO_SYSTEM_TRUST)
    assert len(context.get_ca_certs()) == 1
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(nginx_server.url + "/", context=context, timeout=TIMEOUT)
    assert excinfo.value.code == 400  # verified the server, sent no certificate
    assert b"No required SSL certificate was sent" in excinfo.value.read()


@pytest.mark.parametrize("how", ["nssdb_password", "nssdb_password_file", "password_callback"])
def test_each_way_of_giving_the_password(
    nginx_server: TLSServer, sql_db: AgentDB, password_file, how: str
) -> None:
    given = {
        "nssdb_password": PASSWORD,
        "nssdb_password_file": str(password_file(f"internal={PASSWORD}\n")),
        "password_callback": lambda token, retry: None if retry else PASSWORD,
    }[how]
    context = create_ssl_context(
        nssdb=sql_db.spec, nickname="PKI Administrator", conf=NO_SYSTEM_TRUST, **{how: given}
    )
    _, verify, subject = nginx_report(https_get(nginx_server, context))
    assert (verify, subject) == ("SUCCESS", sql_db.rsa.cert.subject.rfc4514_string())


# -- pki.conf: versions and cipher suites --------------------------------------------------


@pytest.mark.parametrize("version", ["TLS_1_2", "TLS_1_3"])
def test_tls_version_from_pki_conf(
    nginx_server: TLSServer, rsa_agent: Agent, version: str
) -> None:
    conf = {"SSL_STREAM_VERSION_MIN": version, "SSL_STREAM_VERSION_MAX": version}
    context = context_for(rsa_agent, conf)
    expected = {"TLS_1_2": ssl.TLSVersion.TLSv1_2, "TLS_1_3": ssl.TLSVersion.TLSv1_3}[version]
    assert context.minimum_version == context.maximum_version == expected
    protocol, verify, _ = nginx_report(https_get(nginx_server, context))
    assert (protocol, verify) == (version.replace("TLS_1_", "TLSv1."), "SUCCESS")


def test_tls12_cipher_suite_from_pki_conf(nginx_server: TLSServer, rsa_agent: Agent) -> None:
    """Only the named suite is offered (no TLS 1.3 suite enabled: TLS 1.2 only)."""
    conf = {
        "SSL_DEFAULT_CIPHERS": "false",
        "SSL_CIPHERS": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    }
    context = context_for(rsa_agent, conf)
    assert context.maximum_version == ssl.TLSVersion.TLSv1_2
    offered = [c["name"] for c in context.get_ciphers() if c["protocol"] == "TLSv1.2"]
    assert offered == ["ECDHE-RSA-AES128-GCM-SHA256"]
    sock = context.wrap_socket(
        socket.create_connection((HOST, nginx_server.port), timeout=TIMEOUT),
        server_hostname=HOST,
    )
    with sock:
        assert sock.version() == "TLSv1.2"
        assert sock.cipher()[0] == "ECDHE-RSA-AES128-GCM-SHA256"


def test_tls13_suites_cannot_be_applied_and_say_so(
    nginx_server: TLSServer, rsa_agent: Agent
) -> None:
    conf = {**NO_SYSTEM_TRUST, "SSL_DEFAULT_CIPHERS": "false",
            "SSL_CIPHERS": "TLS_AES_128_GCM_SHA256"}
    with pytest.warns(SettingNotAppliedWarning) as caught:
        context = create_ssl_context(  # the warning names this line
            nssdb=rsa_agent.spec, nickname=rsa_agent.nickname, nssdb_password=PASSWORD,
            conf=conf,
        )
    message = str(caught[0].message)
    assert "TLS_AES_128_GCM_SHA256" in message and "cannot choose TLS 1.3" in message
    assert caught[0].filename == __file__
    source = Path(__file__).read_text().splitlines()
    assert "# the warning names this line" in source[caught[0].lineno - 1]
    # the warning tells the truth: more suites than pki.conf allows are offered ...
    offered13 = {c["name"] for c in context.get_ciphers() if c["protocol"] == "TLSv1.3"}
    assert offered13 > {"TLS_AES_128_GCM_SHA256"}
    # ... while the settings the stdlib can apply are applied (no TLS 1.2 suite: 1.3 only)
    assert context.minimum_version == ssl.TLSVersion.TLSv1_3
    assert nginx_report(https_get(nginx_server, context))[0] == "TLSv1.3"


@pytest.mark.parametrize(
    "conf",
    [
        {},
        {"SSL_CIPHERS": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},  # added to the defaults
        {"SSL_STREAM_VERSION_MAX": "TLS_1_2", "SSL_DEFAULT_CIPHERS": "false",
         "SSL_CIPHERS": "TLS_AES_128_GCM_SHA256 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
    ],
    ids=["defaults", "tls12-suite-added", "tls13-suite-but-tls12-only"],
)
def test_no_warning_when_nothing_is_lost(rsa_agent: Agent, conf: dict[str, str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        context_for(rsa_agent, conf)


def test_unknown_tls12_suite_is_a_clear_error(rsa_agent: Agent) -> None:
    with pytest.raises(TLSConfigurationError, match="TLS_RSA_WITH_NOTHING_SHA"):
        context_for(rsa_agent, {"SSL_CIPHERS": "TLS_RSA_WITH_NOTHING_SHA"})


# -- what cannot be done, and bad input -------------------------------------------------


def test_several_certificates_need_a_nickname(sql_db: AgentDB) -> None:
    """The stdlib cannot choose by the server's CA list: say so, and list the candidates."""
    with pytest.raises(AmbiguousClientCertificateError) as excinfo:
        create_ssl_context(nssdb=sql_db.spec, nssdb_password=PASSWORD, conf=NO_SYSTEM_TRUST)
    assert sorted(excinfo.value.candidates) == ["PKI Administrator", "PKI Administrator EC"]
    message = str(excinfo.value)
    assert "nickname=" in message and "server names" in message, message


def test_client_auth_without_a_database_is_refused() -> None:
    with pytest.raises(TLSConfigurationError, match="no client certificate.*client_auth=False"):
        create_ssl_context(conf=NO_SYSTEM_TRUST)


@pytest.mark.parametrize("given", [{"nickname": "x"}, {"nssdb_password": "secret 7"}])
def test_credentials_without_a_database_are_refused(given: dict[str, str]) -> None:
    with pytest.raises(TLSConfigurationError) as excinfo:
        create_ssl_context(conf=NO_SYSTEM_TRUST, client_auth=False, **given)
    message = str(excinfo.value)
    assert f"{next(iter(given))} given without an NSS database" in message
    assert "secret 7" not in message


def test_locked_database_without_password_is_refused(sql_db: AgentDB) -> None:
    with pytest.raises(TLSConfigurationError, match="password protected and no password given"):
        create_ssl_context(nssdb=sql_db.spec, conf=NO_SYSTEM_TRUST)


def test_wrong_password_is_not_repeated(sql_db: AgentDB) -> None:
    wrong = "Wrong.Password 42"
    with pytest.raises(BadPasswordError) as excinfo:
        create_ssl_context(
            nssdb=sql_db.spec, nickname="PKI Administrator", nssdb_password=wrong,
            conf=NO_SYSTEM_TRUST,
        )
    assert wrong not in str(excinfo.value) and wrong not in repr(excinfo.value)


# -- the key: no file, no temporary file, no memory file left -----------------------------


def _memory_files() -> dict[int, str]:
    """This process's descriptors that point at memory files: fd -> link target."""
    found = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{name}")
        except OSError:  # the descriptor listdir itself used, closed meanwhile
            continue
        if target.startswith("/memfd:"):
            found[int(name)] = target
    return found


def _holding_key_material() -> list[str]:
    holding = []
    for fd, target in _memory_files().items():
        with open(f"/proc/self/fd/{fd}", "rb") as f:
            if b"PRIVATE KEY" in f.read() or MEMORY_FILE_NAME in target:
                holding.append(target)
    return holding


def test_no_memory_file_holds_key_material_afterwards(sql_db: AgentDB) -> None:
    # the scan finds such a file when there is one
    probe = os.memfd_create("probe")
    try:
        os.write(probe, b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
        assert _holding_key_material() == ["/memfd:probe (deleted)"]
    finally:
        os.close(probe)
    for nickname in ("PKI Administrator", "PKI Administrator EC"):
        create_ssl_context(
            nssdb=sql_db.spec, nickname=nickname, nssdb_password=PASSWORD, conf=NO_SYSTEM_TRUST
        )
        assert _holding_key_material() == []


def test_memory_file_is_sealed_then_emptied_and_closed() -> None:
    fd = _sealed_memory_file(b"certificate and encrypted key")
    try:
        assert os.readlink(f"/proc/self/fd/{fd}") == f"/memfd:{MEMORY_FILE_NAME} (deleted)"
        with open(f"/proc/self/fd/{fd}", "rb") as f:  # the path OpenSSL reads
            assert f.read() == b"certificate and encrypted key"
        seals = fcntl.fcntl(fd, fcntl.F_GET_SEALS)
        for seal in (fcntl.F_SEAL_WRITE, fcntl.F_SEAL_GROW, fcntl.F_SEAL_SEAL):
            assert seals & seal
        with pytest.raises(PermissionError):
            os.write(fd, b"something else")
        assert fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC
    finally:
        _discard(fd)
    with pytest.raises(OSError):
        os.fstat(fd)  # closed


def test_creating_and_using_the_context_writes_no_file(
    nginx_server: TLSServer, sql_db: AgentDB, password_file, tmp_path: Path
) -> None:
    """Under an audit hook: no file opened for writing, no temporary file, in a process whose
    temporary directory and working directory stay empty."""
    empty_tmp, empty_cwd = tmp_path / "tmp", tmp_path / "cwd"
    empty_tmp.mkdir()
    empty_cwd.mkdir()
    pw_file = password_file(f"internal={PASSWORD}\n")
    body = f"""
    import urllib.request
    from pki.tls import create_ssl_context
    for nickname in ("PKI Administrator", "PKI Administrator EC"):
        context = create_ssl_context(
            nssdb={sql_db.spec!r}, nickname=nickname, nssdb_password_file={str(pw_file)!r},
            conf={{"PKI_CLIENT_SYSTEM_TRUST": "false"}})
        with urllib.request.urlopen({nginx_server.url + "/"!r}, context=context) as r:
            print(r.read().decode().splitlines()[2])
    """
    lines = run_audited(
        "import os, urllib.request, pki.tls", body,
        env={"TMPDIR": str(empty_tmp), "HOME": str(tmp_path)}, cwd=empty_cwd,
    )
    assert lines[:2] == [
        sql_db.rsa.cert.subject.rfc4514_string(), sql_db.ec.cert.subject.rfc4514_string()
    ]
    assert lines[-1] == "[]"
    assert list(empty_tmp.iterdir()) == [] and list(empty_cwd.iterdir()) == []


def test_refused_where_memory_files_are_missing(sql_db: AgentDB) -> None:
    """Without os.memfd_create (not Linux, or an old kernel): a clear refusal before the
    key leaves the database, no fallback to a file; trust only still works."""
    body = f"""
    del os.memfd_create
    from pki.tls import UnsupportedPlatformError, create_ssl_context
    conf = {{"PKI_CLIENT_SYSTEM_TRUST": "false"}}
    for nssdb in ({sql_db.spec!r}, "sql:/nonexistent"):  # refused before it is opened
        try:
            create_ssl_context(nssdb=nssdb, nickname="PKI Administrator",
                               nssdb_password={PASSWORD!r}, conf=conf)
        except UnsupportedPlatformError as exc:
            print("refused:", exc)
    context = create_ssl_context(nssdb={sql_db.spec!r}, client_auth=False, conf=conf)
    print("trust only:", len(context.get_ca_certs()))
    """
    refused, refused_unopened, trust_only, writes = run_audited("import os, pki.tls", body)
    assert refused_unopened == refused
    assert refused.startswith("refused: create_ssl_context gives the client key"), refused
    assert "memfd_create" in refused and "PKIConnection" in refused
    assert "client_auth=False" in refused
    assert PASSWORD not in refused
    assert trust_only == "trust only: 1"
    assert writes == "[]"


_WRITE_FLAGS = re.compile(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_TMPFILE|O_APPEND")
_CHANGES_FILES = re.compile(
    r"^\d+ +(rename|renameat2?|unlink|unlinkat|mkdir|mkdirat|link|linkat|symlink|symlinkat"
    r"|creat|truncate|mknod|mknodat)\("
)


def test_system_calls_open_nothing_for_writing_but_the_sealed_memory_file(
    sql_db: AgentDB, tmp_path: Path
) -> None:
    """strace sees what an audit hook cannot (NSS's and OpenSSL's own file access): while
    the context is built, every file is opened read-only; the one file written is the memory
    file, sealed before OpenSSL opens it read-only through /proc/self/fd, then emptied and
    closed."""
    strace = shutil.which("strace")
    if strace is None:
        pytest.fail("strace not found: install strace (the CI installs it)")
    script = f"""
import os, pki.tls
def mark(name):
    try:
        os.stat("/" + name)
    except OSError:
        pass
mark("STRACE-MARK-START")
pki.tls.create_ssl_context(nssdb={sql_db.spec!r}, nickname="PKI Administrator",
                           nssdb_password={PASSWORD!r},
                           conf={{"PKI_CLIENT_SYSTEM_TRUST": "false"}})
mark("STRACE-MARK-END")
"""
    log = tmp_path / "strace.log"
    run = subprocess.run(
        [strace, "-f", "-qq", "-o", str(log), "-e", "trace=%file,%desc,memfd_create",
         sys.executable, "-c", script],
        capture_output=True, text=True, env=dict(os.environ, HOME=str(tmp_path)),
    )
    if run.returncode != 0 and "ptrace" in run.stderr and "not permitted" in run.stderr:
        pytest.skip(f"this environment forbids ptrace: {run.stderr.strip()[:200]}")
    assert run.returncode == 0, run.stderr
    trace = log.read_text()
    calls = trace[trace.index("STRACE-MARK-START") : trace.index("STRACE-MARK-END")].splitlines()
    opened_for_writing = [
        c for c in calls if re.search(r" open(at)?\(", c) and _WRITE_FLAGS.search(c)
    ]
    assert opened_for_writing == []
    assert [c for c in calls if _CHANGES_FILES.search(c)] == []
    memfds = [c for c in calls if "memfd_create(" in c]
    assert len(memfds) == 1, memfds
    assert f'memfd_create("{MEMORY_FILE_NAME}", MFD_CLOEXEC|MFD_ALLOW_SEALING)' in memfds[0]
    fd = memfds[0].rsplit("= ", 1)[1]
    lifetime = calls[calls.index(memfds[0]) :]
    closed = next(i for i, c in enumerate(lifetime) if re.search(rf" close\({fd}\)", c))
    on_fd = [
        c for c in lifetime[: closed + 1]
        if re.search(rf"\({fd}[,)]|/proc/self/fd/{fd}\"|= {fd}$", c)
    ]
    kinds = [re.sub(r"^\d+ +", "", c).split("(")[0] for c in on_fd]
    # created, written, sealed; OpenSSL opens it twice (certificates, key); emptied, closed
    assert kinds[:3] == ["memfd_create", "write", "fcntl"], on_fd
    assert "F_ADD_SEALS" in on_fd[2] and "F_SEAL_WRITE" in on_fd[2]
    opens = [c for c in on_fd if f'openat(AT_FDCWD, "/proc/self/fd/{fd}"' in c]
    assert len(opens) == 2 and all(", O_RDONLY)" in c for c in opens), opens
    assert kinds[-2:] == ["ftruncate", "close"], on_fd
    assert re.search(rf"ftruncate\({fd}, 0\) += 0", on_fd[-2])
