"""Recording what real TLS connections saw, as plain data, and reading it back.

``capture`` makes one connection with a ``PKISSLContext`` (handshake, a GET, reading to
the end) and returns its ``HandshakeRecord`` and the error it raised. ``to_data`` and
``from_data`` turn a record into JSON-compatible data and back (certificates as PEM), so
that ``recorded_handshakes.py`` can keep records of real failures for the diagnosis tests.
A record never holds a key or a password, so nothing secret is stored.
"""

from __future__ import annotations

import socket
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pki.tls.context import PKISSLContext
from pki.tls.diagnosis import Failure, HandshakeRecord, VerifyFailure


def capture(
    context: PKISSLContext, port: int, host: str = "127.0.0.1"
) -> tuple[HandshakeRecord, OSError | None]:
    """Connect to 127.0.0.1:``port`` as ``host``, GET /, read to the end of the stream."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock = context.wrap_socket(raw, server_hostname=host, do_handshake_on_connect=False)
    error = None
    try:
        sock.do_handshake()
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        buffer = bytearray(65536)
        while sock.recv_into(buffer):
            pass
    except OSError as exc:  # TLSError is an ssl.SSLError, an OSError
        error = exc
    finally:
        sock.close()
    return sock.record, error


def _pem(cert: x509.Certificate | None) -> str | None:
    return None if cert is None else cert.public_bytes(Encoding.PEM).decode()


def _cert(pem: str | None) -> x509.Certificate | None:
    return None if pem is None else x509.load_pem_x509_certificate(pem.encode())


def to_data(record: HandshakeRecord) -> dict[str, Any]:
    """The record as JSON-compatible data (the selection error is not kept)."""
    failure = record.failure
    verify = record.verify_failure
    return {
        "server_hostname": record.server_hostname,
        "peer_address": list(record.peer_address) if record.peer_address else None,
        "allowed_versions": list(record.allowed_versions),
        "trust_description": record.trust_description,
        "certificate_requested": record.certificate_requested,
        "sent_certificate": _pem(record.sent_certificate),
        "sent_nickname": record.sent_nickname,
        "verify_failure": None if verify is None else {
            "cert": _pem(verify.cert), "code": verify.code, "depth": verify.depth,
        },
        "verify_result": list(record.verify_result),
        "peer_leaf": _pem(record.peer_leaf),
        "received": record.received,
        "no_identity": record.no_identity,
        "failure": None if failure is None else {
            "stage": failure.stage, "kind": failure.kind, "reasons": list(failure.reasons),
            "errno": failure.errno,
        },
    }


def from_data(data: dict[str, Any]) -> HandshakeRecord:
    """A record from ``to_data``'s output."""
    verify = data["verify_failure"]
    failure = data["failure"]
    address = data["peer_address"]
    code, text = data["verify_result"]
    sent = _cert(data["sent_certificate"])
    return HandshakeRecord(
        server_hostname=data["server_hostname"],
        peer_address=(address[0], address[1]) if address else None,
        allowed_versions=(data["allowed_versions"][0], data["allowed_versions"][1]),
        trust_description=data["trust_description"],
        certificate_requested=data["certificate_requested"],
        sent_certificate=sent,
        sent_nickname=data["sent_nickname"],
        verify_failure=None if verify is None else VerifyFailure(
            _cert(verify["cert"]), verify["code"], verify["depth"]  # type: ignore[arg-type]
        ),
        verify_result=(code, text),
        peer_leaf=_cert(data["peer_leaf"]),
        received=data["received"],
        no_identity=data.get("no_identity", ""),  # recorded before it was kept
        failure=None if failure is None else Failure(
            failure["stage"], failure["kind"], tuple(failure["reasons"]), failure["errno"]
        ),
    )
