"""PKISSLContext stays what it was built as; the records it is built from; the OpenSSL
features it relies on. Connections go to the real HTTPS echo server on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from https_echo import EchoServer
from nssdb_fixtures import PASSWORD, AgentDB
from pki.client import PKIConnection
from pki.conf import load_tls_settings
from pki.nssdb import NSSDatabase
from pki.testing.certs import CA
from pki.tls import (
    FEATURES,
    AmbiguousClientCertificateError,
    FrozenContextError,
    HostnameMismatchError,
    SessionCache,
    TLSConfig,
    TLSConfigurationError,
    build_context,
    identity_from_pem,
    resolve_config,
    select_database,
)
from pki.tls.credentials import choose_identity
from tls_servers import NO_SYSTEM_TRUST

#: ~/.dogtag/pki.conf and PKI/TLS variables of the environment stay out of these tests
pytestmark = pytest.mark.usefixtures("isolated_env")


def agent(server: EchoServer, db: AgentDB, **kwargs) -> PKIConnection:
    kwargs.setdefault("conf", NO_SYSTEM_TRUST)
    return PKIConnection(
        "https", "127.0.0.1", str(server.port), trust_env=False, nssdb=db.spec,
        nickname="PKI Administrator", nssdb_password=PASSWORD, **kwargs,
    )


def pem_files(directory: Path, cert_pem: bytes, key_pem: bytes, name: str) -> tuple[Path, Path]:
    """A certificate and key as PEM files, for code that reads them; remove both after."""
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    cert.write_bytes(cert_pem)
    key.write_bytes(key_pem)
    return cert, key


def raw(server: EchoServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=10)


def get_over(sock, path: str = "/") -> bytes:
    """One GET on an already wrapped socket: the status line, headers and body.

    The body is read by its Content-Length, not to the end of the stream: the echo server
    closes without a TLS close_notify, and OpenSSL does not resume a session whose
    connection ended that way.
    """
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    with sock.makefile("rb") as f:
        head = b""
        length = 0
        while not head.endswith(b"\r\n\r\n"):
            line = f.readline()
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
            head += line
        return head + f.read(length)


# -- the OpenSSL features behind _openssl ------------------------------------------------


def test_openssl_features_this_project_relies_on_are_present() -> None:
    # Each one is a call pyOpenSSL does not expose. If pyOpenSSL/cryptography drop one,
    # certificate selection, post-handshake auth, in-handshake host name checks, session
    # reporting or the fast I/O path silently degrade: fail here, loudly.
    assert FEATURES == {
        "hostname_verification": True,
        "post_handshake_auth": True,
        "cert_callback": True,
        "verify_result": True,
        "session_reused": True,
        "read_into": True,
        "whole_writes": True,
    }


# -- frozen after it is built ------------------------------------------------------------


def test_check_hostname_false_does_not_stop_later_checks(
    echo_server: EchoServer, sql_db: AgentDB
) -> None:
    context = agent(echo_server, sql_db).get_ssl_context()
    context.check_hostname = False  # what urllib3 does when it matches names itself
    assert context.check_hostname is True
    # the echo server's certificate names localhost and 127.0.0.1 only
    with pytest.raises(HostnameMismatchError, match="other.example"):
        context.wrap_socket(raw(echo_server), server_hostname="other.example")
    sock = context.wrap_socket(raw(echo_server), server_hostname="127.0.0.1")
    try:
        assert get_over(sock).startswith(b"HTTP/1.1 200")
    finally:
        sock.close()


def test_check_hostname_cannot_be_turned_on_without_verification(
    echo_server: EchoServer, sql_db: AgentDB
) -> None:
    context = agent(echo_server, sql_db, verify=False).get_ssl_context()
    assert context.check_hostname is False
    context.check_hostname = False
    with pytest.raises(FrozenContextError, match="verify=False"):
        context.check_hostname = True


def test_verify_flags_are_frozen(echo_server: EchoServer, sql_db: AgentDB) -> None:
    context = agent(echo_server, sql_db).get_ssl_context()
    # anchors as in NSS (the ssl constant is missing before Python 3.10: OpenSSL's value)
    partial_chain = ssl.VerifyFlags(getattr(ssl, "VERIFY_X509_PARTIAL_CHAIN", 0x80000))
    assert context.verify_flags == partial_chain
    context.verify_flags = partial_chain  # a repeat is harmless
    with pytest.raises(FrozenContextError, match="verification flags"):
        context.verify_flags = ssl.VERIFY_X509_STRICT
    with pytest.raises(FrozenContextError):
        context.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF


def test_options_stay_readable_and_frozen_after_connections(
    echo_server: EchoServer, sql_db: AgentDB
) -> None:
    conn = agent(echo_server, sql_db)
    conn.get("/")  # pyOpenSSL refuses to touch a context's options once it has been used
    context = conn.get_ssl_context()
    assert context.options & ssl.OP_NO_COMPRESSION
    context.options = context.options
    with pytest.raises(FrozenContextError, match="options"):
        context.options &= ~ssl.OP_NO_COMPRESSION
    with pytest.raises(FrozenContextError, match="options"):
        context.options |= ssl.OP_NO_TICKET


def _session_from(context, server: EchoServer, host: str | None = "127.0.0.1"):
    sock = context.wrap_socket(raw(server), server_hostname=host)
    try:
        get_over(sock)  # TLS 1.3 tickets come after the handshake
        return sock.session, sock.session_reused
    finally:
        sock.close()


def test_wrap_socket_resumes_the_session_it_is_given(
    echo_server: EchoServer, sql_db: AgentDB
) -> None:
    context = agent(echo_server, sql_db).get_ssl_context()
    session, reused = _session_from(context, echo_server)
    assert reused is False
    # without a server name the cache has nothing for this connection: only the given
    # session can resume it
    sock = context.wrap_socket(raw(echo_server), server_hostname=None, session=session)
    try:
        assert sock.session_reused is True
        assert b'"reused": true' in get_over(sock)
    finally:
        sock.close()
    control = agent(echo_server, sql_db).get_ssl_context()
    assert _session_from(control, echo_server, host=None)[1] is False


def test_wrap_socket_refuses_a_session_of_another_context(
    echo_server: EchoServer, sql_db: AgentDB
) -> None:
    session, _ = _session_from(agent(echo_server, sql_db).get_ssl_context(), echo_server)
    other = agent(echo_server, sql_db).get_ssl_context()
    with pytest.raises(ValueError, match="another PKISSLContext"):
        other.wrap_socket(raw(echo_server), server_hostname="127.0.0.1", session=session)


def test_wrap_socket_refuses_a_standard_library_session(
    echo_server: EchoServer, sql_db: AgentDB
) -> None:
    stdlib = ssl.create_default_context(cafile=str(echo_server.ca_path))
    with stdlib.wrap_socket(raw(echo_server), server_hostname="127.0.0.1") as plain:
        get_over(plain)
        session = plain.session
    context = agent(echo_server, sql_db).get_ssl_context()
    with pytest.raises(TypeError, match="PKISSLSocket"):
        context.wrap_socket(raw(echo_server), server_hostname="127.0.0.1", session=session)


# -- the session cache -------------------------------------------------------------------


def test_session_cache_keeps_the_most_recently_used() -> None:
    cache: SessionCache[str] = SessionCache(max_entries=2)
    cache.put("a", "session a")
    cache.put("b", "session b")
    assert cache.get("a") == "session a"  # a is now the most recently used
    cache.put("c", "session c")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("session a", None, "session c")
    cache.put("a", "newer a")
    assert cache.get("a") == "newer a" and len(cache) == 2
    with pytest.raises(ValueError, match="at least 1"):
        SessionCache(0)


def test_session_cache_is_safe_to_share_between_threads() -> None:
    cache: SessionCache[int] = SessionCache(max_entries=8)

    def work(offset: int) -> None:
        for i in range(2000):
            cache.put((offset, i % 16), i)
            cache.get((offset, (i + 3) % 16))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) == 8


# -- what a context is built from --------------------------------------------------------


def test_pki_conf_is_read_once_per_context_build(tmp_path: Path, sql_db: AgentDB) -> None:
    home = tmp_path / "home"
    (home / ".dogtag").mkdir(parents=True)
    (home / ".dogtag" / "pki.conf").write_text("SSL_STREAM_VERSION_MIN=TLS_1_2\n")
    extra = tmp_path / "extra.conf"
    extra.write_text(f"PKI_CLIENT_DATABASE={sql_db.spec}\nPKI_CLIENT_SYSTEM_TRUST=false\n")
    script = textwrap.dedent(
        """
        import sys
        from pki.client import PKIConnection
        conn = PKIConnection("https", "127.0.0.1", "1", nickname="PKI Administrator",
                             nssdb_password=sys.argv[2], conf=sys.argv[1])
        opened = []
        def hook(event, args):
            if event == "open" and str(args[0]).endswith(".conf"):
                opened.append(str(args[0]))
        sys.addaudithook(hook)
        conn.get_ssl_context()
        print("\\n".join(opened))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(extra), PASSWORD],
        capture_output=True, text=True, check=True,
        env=dict(os.environ, HOME=str(home), PYTHONPATH=os.pathsep.join(sys.path)),
    ).stdout.split()
    assert out.count(str(extra)) == 1
    assert out.count(str(home / ".dogtag" / "pki.conf")) == 1


def test_configured_database_is_used_only_when_pki_conf_names_it(sql_db: AgentDB) -> None:
    unset = load_tls_settings({}, files=[], environ={"HOME": "/nowhere"})
    assert select_database(None, unset) is None
    named = load_tls_settings(
        {"PKI_CLIENT_DATABASE": sql_db.spec, "PKI_CLIENT_PASSWORD_FILE": "/x/pw.txt"},
        files=[], environ={"HOME": "/nowhere"},
    )
    db = select_database(None, named)
    assert isinstance(db, NSSDatabase) and db.spec == sql_db.spec
    assert db.has_password  # PKI_CLIENT_PASSWORD_FILE, since no password was given
    given = NSSDatabase(sql_db.spec)
    assert select_database(given, named) is given
    assert select_database("/srv/db", unset).spec == "sql:/srv/db"
    # the arguments of a caller that has all three, most of them None
    from_arguments = select_database(
        sql_db.spec, unset,
        {"password": PASSWORD, "password_file": None, "password_callback": None},
    )
    assert from_arguments is not None and from_arguments.has_password


def test_pem_identity_takes_only_trust_from_the_configured_database(
    sql_db: AgentDB, tmp_path: Path
) -> None:
    cert, key = pem_files(tmp_path, sql_db.ec.cert_pem, sql_db.ec.key_pem(), "agent")
    try:
        config = resolve_config(
            # a nickname the database lacks: it would fail if its certificates were read
            {"PKI_CLIENT_DATABASE": sql_db.spec, "PKI_CLIENT_CERT_NICKNAME": "nobody",
             **NO_SYSTEM_TRUST},
            passwords={"password": PASSWORD},
            pem=(str(cert), str(key)),
        )
    finally:
        key.unlink()
    assert [i.cert for i in config.identities] == [sql_db.ec.cert]
    assert sql_db.ca.cert in config.trust_anchors


def test_versions_follow_the_enabled_cipher_suites() -> None:
    def config(values: dict[str, str]) -> TLSConfig:
        return TLSConfig(load_tls_settings(values, files=[], environ={"HOME": "/nowhere"}))

    default = config({})
    assert (default.minimum_version, default.maximum_version) == (
        ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3,
    )
    assert default.ciphers.tls12 is None and default.ciphers.tls13 is None
    only13 = config({"SSL_DEFAULT_CIPHERS": "false", "SSL_CIPHERS": "TLS_AES_128_GCM_SHA256"})
    assert only13.minimum_version == ssl.TLSVersion.TLSv1_3
    assert only13.ciphers.tls13 == "TLS_AES_128_GCM_SHA256"
    only12 = config(
        {"SSL_DEFAULT_CIPHERS": "false",
         "SSL_CIPHERS": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}
    )
    assert only12.maximum_version == ssl.TLSVersion.TLSv1_2
    assert only12.ciphers.tls12 == "ECDHE-RSA-AES128-GCM-SHA256"
    with pytest.raises(TLSConfigurationError, match="no cipher suite"):
        config({"SSL_DEFAULT_CIPHERS": "false", "SSL_CIPHERS": "TLS_AES_128_GCM_SHA256",
                "SSL_STREAM_VERSION_MAX": "TLS_1_2"})


def test_pem_key_of_another_certificate_is_a_clear_error(
    sql_db: AgentDB, tmp_path: Path
) -> None:
    cert, key = pem_files(tmp_path, sql_db.rsa.cert_pem, sql_db.ec.key_pem(), "mismatch")
    try:
        identity = identity_from_pem(cert, key)
    finally:
        key.unlink()
    settings = load_tls_settings({}, files=[], environ={"HOME": "/nowhere"})
    with pytest.raises(TLSConfigurationError, match="does not belong"):
        build_context(TLSConfig(settings, identities=(identity,)))


# -- which certificate answers a server ---------------------------------------------------


def test_choose_identity_by_the_issuers_the_server_names(
    sql_db: AgentDB, tmp_path: Path
) -> None:
    other_ca = CA("Other Agents CA")
    issued = other_ca.issue_cert("Other Agent", key_type="ec")
    cert, key = pem_files(tmp_path, issued.cert_pem, issued.key_pem(), "other")
    ours_cert, ours_key = pem_files(tmp_path, sql_db.rsa.cert_pem, sql_db.rsa.key_pem(), "ours")
    try:
        other = identity_from_pem(cert, key)
        ours = identity_from_pem(ours_cert, ours_key)
        twin = identity_from_pem(ours_cert, ours_key)
    finally:
        key.unlink()
        ours_key.unlink()
    ours_issuer = sql_db.ca.cert.subject.public_bytes()
    assert choose_identity([ours, other], {ours_issuer}, "the server x") is ours
    assert choose_identity(
        [ours, other], {other_ca.cert.subject.public_bytes()}, "the server x"
    ) is other
    with pytest.raises(AmbiguousClientCertificateError, match="named none") as excinfo:
        choose_identity([ours, other], {b"not a CA name"}, "the server x")
    assert "the server x" in str(excinfo.value)
    assert len(excinfo.value.candidates) == 2
    with pytest.raises(AmbiguousClientCertificateError, match="several"):
        choose_identity([ours, twin], {ours_issuer}, "the server x")


# -- the package's shape -----------------------------------------------------------------


def _imports_within_pki_tls() -> dict[str, set[str]]:
    import ast

    import pki.tls

    package = Path(pki.tls.__file__).parent
    graph: dict[str, set[str]] = {}
    for path in package.glob("*.py"):
        name = path.stem
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module.startswith("pki.tls."):
                    found.add(node.module.split(".")[2])
                elif node.module == "pki.tls":
                    found.update(alias.name for alias in node.names)
        graph[name] = found - {name}
    return graph


def test_pki_tls_modules_import_one_way() -> None:
    graph = _imports_within_pki_tls()
    # the socket knows the context only through the SocketOwner protocol
    assert "context" not in graph["sslsocket"]
    assert graph["diagnosis"] <= {"credentials", "errors"}  # no socket, no OpenSSL
    assert graph["credentials"] <= {"errors"}
    # the standard library context shares settings and credentials, nothing of pyOpenSSL's
    assert graph["stdlib"] <= {"config", "credentials", "errors"}
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"import circle: {' -> '.join((*path, name))}"
        if name in done:
            return
        for imported in graph.get(name, ()):
            visit(imported, (*path, name))
        done.add(name)

    for module in graph:
        if module != "__init__":
            visit(module, ())
