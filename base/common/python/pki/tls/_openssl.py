"""OpenSSL calls that pyOpenSSL does not expose publicly, behind feature detection.

pyOpenSSL has no public API for hostname verification inside the handshake, for TLS 1.3
post-handshake authentication, or for choosing the client certificate when the server's
CertificateRequest arrives. OpenSSL has all three, and cryptography's bindings (which
pyOpenSSL itself uses) export them. Each is used only when present; ``FEATURES`` says which
are, and the test suite fails loudly if one disappears.
"""

from __future__ import annotations

import ipaddress
import threading
import weakref
from typing import Any, Callable

from OpenSSL import SSL

try:  # pyOpenSSL's own handle on the OpenSSL bindings
    from OpenSSL._util import ffi as _ffi
    from OpenSSL._util import lib as _lib
except ImportError:  # pragma: no cover - a pyOpenSSL without _util
    _ffi = None
    _lib = None

__all__ = [
    "FEATURES",
    "set_expected_host",
    "enable_post_handshake_auth",
    "install_cert_callback",
    "register_connection",
    "verify_result",
]

_X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS = 0x4


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
}


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


# SSL* address -> the Python object that handles its certificate requests
_connections: weakref.WeakValueDictionary[int, Any] = weakref.WeakValueDictionary()
_connections_lock = threading.Lock()


def register_connection(conn: SSL.Connection, owner: Any) -> None:
    """Route ``conn``'s certificate requests to ``owner.on_certificate_request(conn)``."""
    if not FEATURES["cert_callback"]:
        return
    assert _ffi is not None
    key = int(_ffi.cast("uintptr_t", _ssl_pointer(conn)))
    with _connections_lock:
        _connections[key] = owner


def install_cert_callback(ctx: SSL.Context) -> Callable[..., int] | None:
    """Call the registered owner's ``on_certificate_request(conn)`` when a server asks.

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
