"""OpenSSL calls that pyOpenSSL does not expose publicly, behind feature detection.

pyOpenSSL has no public API for hostname verification inside the handshake, for TLS 1.3
post-handshake authentication, for choosing the client certificate when the server's
CertificateRequest arrives, for asking whether a session was resumed, for reading straight
into the caller's buffer, or for writing several TLS records per call. OpenSSL has all of
them, and cryptography's bindings (which pyOpenSSL itself uses) export them. Each is used only
when present; ``FEATURES`` says which are, and the test suite fails loudly if one disappears.

This module also hides the one difference of pyOpenSSL's public API that matters here: from
24.3 on it takes cryptography's certificate and key objects, before that its own wrappers.
"""

from __future__ import annotations

import ipaddress
import threading
import weakref
from typing import Any, Callable

import OpenSSL
from OpenSSL import SSL

try:  # pyOpenSSL's own handle on the OpenSSL bindings
    from OpenSSL._util import ffi as _ffi
    from OpenSSL._util import lib as _lib
except ImportError:  # pragma: no cover - a pyOpenSSL without _util
    _ffi = None
    _lib = None

__all__ = [
    "FEATURES",
    "WANT_READ",
    "WANT_WRITE",
    "as_certificate",
    "as_private_key",
    "set_expected_host",
    "enable_post_handshake_auth",
    "enable_whole_writes",
    "install_cert_callback",
    "register_connection",
    "verify_result",
    "session_reused",
    "reader_into",
]

_X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS = 0x4
_MAX_IO = 2**31 - 1  # SSL_read and SSL_write take an int


def _has(*names: str) -> bool:
    return _lib is not None and all(hasattr(_lib, n) for n in names)


FEATURES = {
    "hostname_verification": _has(
        "SSL_get0_param",
        "X509_VERIFY_PARAM_set1_host",
        "X509_VERIFY_PARAM_set1_ip",
        "X509_VERIFY_PARAM_set_hostflags",
    ),
    "post_handshake_auth": _has("SSL_CTX_set_post_handshake_auth"),
    "cert_callback": _has("SSL_CTX_set_cert_cb") and _ffi is not None,
    "verify_result": _has("SSL_get_verify_result", "X509_verify_cert_error_string"),
    "session_reused": _has("SSL_session_reused"),
    # SSL_read into the caller's buffer; errors raised by pyOpenSSL's own error mapper
    "read_into": (
        _has("SSL_read", "SSL_get_error", "SSL_ERROR_WANT_READ", "SSL_ERROR_WANT_WRITE")
        and _ffi is not None
        and hasattr(SSL.Connection, "_raise_ssl_error")
    ),
    # SSL_write writes the whole buffer (all its records) per call, not one record
    "whole_writes": _has("SSL_MODE_ENABLE_PARTIAL_WRITE")
    and (hasattr(SSL.Context, "clear_mode") or _has("SSL_CTX_clear_mode")),
}

# pyOpenSSL 24.3 takes cryptography objects for certificates and keys, and later releases
# deprecate its own X509/PKey wrappers there; older ones need the wrappers.
_TAKES_CRYPTOGRAPHY = tuple(int(p) for p in OpenSSL.__version__.split(".")[:2]) >= (24, 3)


def as_certificate(cert: Any) -> Any:
    """A cryptography certificate in the form pyOpenSSL's ``use_certificate`` takes."""
    if _TAKES_CRYPTOGRAPHY:
        return cert
    return OpenSSL.crypto.X509.from_cryptography(cert)


def as_private_key(key: Any) -> Any:
    """A cryptography private key in the form pyOpenSSL's ``use_privatekey`` takes."""
    if _TAKES_CRYPTOGRAPHY:
        return key
    return OpenSSL.crypto.PKey.from_cryptography_key(key)


def _ssl_pointer(conn: SSL.Connection) -> Any:
    return conn._ssl  # noqa: SLF001 - the documented reason for this module


def set_expected_host(conn: SSL.Connection, host: str) -> bool:
    """Make OpenSSL check the server certificate against ``host`` (DNS name or IP address).

    Returns False when this OpenSSL build cannot, so the caller falls back to checking the
    name after the handshake.
    """
    if not FEATURES["hostname_verification"]:
        return False
    assert _lib is not None
    param = _lib.SSL_get0_param(_ssl_pointer(conn))
    try:
        packed = ipaddress.ip_address(host.strip("[]")).packed
    except ValueError:
        packed = None
    if packed is not None:
        ok = _lib.X509_VERIFY_PARAM_set1_ip(param, packed, len(packed))
    else:
        _lib.X509_VERIFY_PARAM_set_hostflags(param, _X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS)
        encoded = host.encode("idna")
        ok = _lib.X509_VERIFY_PARAM_set1_host(param, encoded, len(encoded))
    return ok == 1


def enable_post_handshake_auth(ctx: SSL.Context) -> bool:
    """Let TLS 1.3 servers ask for the client certificate after the handshake."""
    if not FEATURES["post_handshake_auth"]:
        return False
    assert _lib is not None
    _lib.SSL_CTX_set_post_handshake_auth(ctx._context, 1)  # noqa: SLF001
    return True


def enable_whole_writes(ctx: SSL.Context) -> bool:
    """Make ``SSL_write`` write its whole buffer before it reports success.

    pyOpenSSL turns on ``SSL_MODE_ENABLE_PARTIAL_WRITE``, so each ``send`` returns after one
    16 KiB record and a large body costs one trip through Python per record. Without it
    OpenSSL writes every record of the buffer in one call (as the standard library's ssl
    does); on a non-blocking socket it still returns want-write, and the retry with the same
    buffer continues where it stopped (``SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER`` stays on).
    """
    if not FEATURES["whole_writes"]:
        return False
    assert _lib is not None
    partial = _lib.SSL_MODE_ENABLE_PARTIAL_WRITE
    if hasattr(ctx, "clear_mode"):  # public in recent pyOpenSSL releases
        ctx.clear_mode(partial)
    else:
        _lib.SSL_CTX_clear_mode(ctx._context, partial)  # noqa: SLF001
    return True


# SSL* address -> the Python object that handles its certificate requests
_connections: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()
_connections_lock = threading.Lock()


def register_connection(conn: SSL.Connection, owner: Any) -> None:
    """Route ``conn``'s certificate requests to ``owner.on_certificate_request()``."""
    if not FEATURES["cert_callback"]:
        return
    assert _ffi is not None
    key = int(_ffi.cast("uintptr_t", _ssl_pointer(conn)))
    with _connections_lock:
        _connections[key] = owner


def install_cert_callback(ctx: SSL.Context) -> Callable[..., int] | None:
    """Call the registered owner's ``on_certificate_request()`` when a server asks.

    OpenSSL calls it when a CertificateRequest arrives (in the handshake, in a TLS 1.2
    renegotiation, or after a TLS 1.3 handshake), before it sends the certificate. The
    owner may put a certificate on the connection; returning False aborts the handshake.
    The returned callback object must be kept alive as long as the context.
    """
    if not FEATURES["cert_callback"]:
        return None
    assert _ffi is not None and _lib is not None

    def callback(ssl_pointer: Any, _arg: Any) -> int:
        try:
            key = int(_ffi.cast("uintptr_t", ssl_pointer))
            with _connections_lock:
                owner = _connections.get(key)
            if owner is None:
                return 1
            return 1 if owner.on_certificate_request() else 0
        except BaseException:  # never let an exception cross into C
            return 0

    c_callback = _ffi.callback("int(SSL *, void *)", callback)
    _lib.SSL_CTX_set_cert_cb(ctx._context, c_callback, _ffi.NULL)  # noqa: SLF001
    return c_callback  # type: ignore[no-any-return]


def verify_result(conn: SSL.Connection) -> tuple[int, str]:
    """OpenSSL's certificate verification result for ``conn``: (X509_V_ERR code, text)."""
    if not FEATURES["verify_result"]:
        return 0, ""
    assert _lib is not None and _ffi is not None
    code = int(_lib.SSL_get_verify_result(_ssl_pointer(conn)))
    text = _ffi.string(_lib.X509_verify_cert_error_string(code)).decode(errors="replace")
    return code, text


def session_reused(conn: SSL.Connection) -> bool:
    """Whether ``conn``'s handshake resumed an earlier session (False when unknown)."""
    if not FEATURES["session_reused"]:
        return False
    assert _lib is not None
    return bool(_lib.SSL_session_reused(_ssl_pointer(conn)))


#: what a reader from :func:`reader_into` returns when the socket must become readable
#: (or writable) first; every other failure is raised as pyOpenSSL's exception
WANT_READ = -1
WANT_WRITE = -2


def reader_into(conn: SSL.Connection) -> Callable[[Any, int], int] | None:
    """A function ``read(buffer, nbytes)`` that decrypts into ``buffer`` itself, or None.

    pyOpenSSL's ``recv_into`` reads into a temporary buffer, copies it into the caller's and
    raises an exception for every want-read. This one hands the caller's buffer to
    ``SSL_read`` (at most ``nbytes`` bytes when ``nbytes`` > 0, never more than the buffer
    holds) and returns the count, or :data:`WANT_READ` / :data:`WANT_WRITE`. Any other
    outcome (end of stream, a reset, a TLS alert) goes through pyOpenSSL's own error mapper
    at once, with OpenSSL's error queue and ``errno`` as the failed call left them, so the
    caller gets exactly the exception ``Connection.recv_into`` raises. (Calling
    ``recv_into`` again instead would not: after a reset OpenSSL has marked the connection
    failed, and the second call raises an empty ``SSL.Error`` instead of ``ECONNRESET``.)
    """
    if not FEATURES["read_into"]:
        return None
    assert _ffi is not None and _lib is not None
    ssl_pointer = _ssl_pointer(conn)
    raise_error = conn._raise_ssl_error  # noqa: SLF001 - see FEATURES["read_into"]
    ssl_read = _lib.SSL_read
    get_error = _lib.SSL_get_error
    from_buffer = _ffi.from_buffer
    want_read = _lib.SSL_ERROR_WANT_READ
    want_write = _lib.SSL_ERROR_WANT_WRITE

    def read(buffer: Any, nbytes: int) -> int:
        # The buffer export ends with the block, before any exception: a traceback must
        # not keep the caller's buffer exported (io.BufferedReader frees its memory
        # under the memoryview it lends, and a late release would touch freed memory).
        with from_buffer(buffer, require_writable=True) as data:
            size = len(data)
            if 0 < nbytes < size:
                size = nbytes
            if size == 0:
                return 0
            result = ssl_read(ssl_pointer, data, size if size < _MAX_IO else _MAX_IO)
        if result > 0:
            return result  # type: ignore[no-any-return]
        error = get_error(ssl_pointer, result)
        if error == want_read:
            return WANT_READ
        if error == want_write:
            return WANT_WRITE
        raise_error(ssl_pointer, result)
        return 0  # pragma: no cover - pyOpenSSL raises for every error but SSL_ERROR_NONE

    return read
