"""``pki._der``: the DER this package writes reads back, and bad BER is a ValueError (never
an IndexError or a RecursionError) that says the file is no PKCS #12 file."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.serialization import NoEncryption, pkcs12
from pki import _der
from pki.testing.certs import CA


def test_written_der_reads_back() -> None:
    element = _der.tlv(0x30, _der.oid("1.2.840.113549.1.7.1") + _der.tlv(0x04, b"x" * 300))
    node, end = _der.read_ber(element)
    assert end == len(element) and node.raw == element
    assert _der.decode_oid(node.children[0].value) == "1.2.840.113549.1.7.1"
    assert node.children[1].octets == b"x" * 300  # a two-byte length
    assert _der.integer(600_000) == (600_000).to_bytes(3, "big")
    assert _der.integer(128) == b"\x00\x80"  # stays positive


def test_indefinite_lengths_and_chunked_octets_as_nss_writes_them() -> None:
    chunked = b"\x24\x80" + _der.tlv(0x04, b"ab") + _der.tlv(0x04, b"cd") + b"\0\0"
    node, end = _der.read_ber(b"\x30\x80" + chunked + b"\0\0")
    assert end == 2 + len(chunked) + 2
    assert node.children[0].octets == b"abcd"


def test_a_real_pkcs12_file_parses() -> None:
    ca = CA("DER Test CA")
    data = pkcs12.serialize_key_and_certificates(b"ca", None, ca.cert, None, NoEncryption())
    node, end = _der.read_ber(data)
    assert end == len(data) and len(node.children) >= 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "bad ASN.1 element"),
        (b"\x30", "bad ASN.1 element"),
        (b"\x1f\x01\x00", "bad ASN.1 element"),  # high tag numbers: not in PKCS #12
        (b"\x30\x05\x04\x01", "truncated"),
        (b"\x30\x03\x04\x05abcde", "truncated"),  # a child longer than its parent
        (b"\x04\x80ab\0\0", "indefinite primitive"),
        (b"\x30\x80\x04\x01a", "bad ASN.1 element"),  # no end-of-contents
        (b"\x30\x80" * 200, "nested too deeply"),
    ],
    ids=["empty", "no-length", "high-tag", "short", "child-overruns", "indefinite-primitive",
         "no-eoc", "deep"],
)
def test_bad_ber_is_a_value_error(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _der.read_ber(data)
