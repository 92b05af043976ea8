"""DER written and BER read, as little as this package needs: the CertificationRequestInfo
NSS signs (``pki._csr``) and PKCS #12 files taken apart and put together
(``pki._pkcs12file``). Everything else goes through cryptography.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Node", "decode_oid", "integer", "length", "oid", "read_ber", "tlv"]


def length(n: int) -> bytes:
    """A DER length."""
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def tlv(tag: int, content: bytes) -> bytes:
    """One DER element: tag, length, content."""
    return bytes([tag]) + length(len(content)) + content


def oid(dotted: str) -> bytes:
    """An OBJECT IDENTIFIER element for ``1.2.840...``."""
    parts = [int(p) for p in dotted.split(".")]
    body = bytearray([40 * parts[0] + parts[1]])
    for part in parts[2:]:
        chunk = [part & 0x7F]
        part >>= 7
        while part:
            chunk.append(0x80 | (part & 0x7F))
            part >>= 7
        body.extend(reversed(chunk))
    return tlv(0x06, bytes(body))


def integer(value: int) -> bytes:
    """The content of a DER INTEGER for a non-negative ``value``."""
    return value.to_bytes(value.bit_length() // 8 + 1, "big")


@dataclass
class Node:
    """One BER element: its tag, its whole encoding, and its value or its children."""

    tag: int
    raw: bytes
    value: bytes = b""
    children: list[Node] = field(default_factory=list)

    @property
    def octets(self) -> bytes:
        """The content of a (possibly chunked) OCTET STRING."""
        if self.tag & 0x20:
            return b"".join(child.octets for child in self.children)
        return self.value


#: deeper nesting than any PKCS #12 file has is refused (rather than Python's RecursionError)
_MAX_DEPTH = 32


def read_ber(data: bytes, pos: int = 0, depth: int = 0) -> tuple[Node, int]:
    """The BER element at ``pos`` and where the next one starts (definite and indefinite
    lengths); ValueError names a bad PKCS #12 file, the only BER this package reads."""
    start = pos
    if depth > _MAX_DEPTH:
        raise ValueError("not a PKCS #12 file (ASN.1 nested too deeply)")
    if pos + 2 > len(data) or data[pos] & 0x1F == 0x1F:
        raise ValueError("not a PKCS #12 file (bad ASN.1 element)")
    tag, first = data[pos], data[pos + 1]
    pos += 2
    constructed = bool(tag & 0x20)
    children: list[Node] = []
    if first == 0x80:
        if not constructed:
            raise ValueError("not a PKCS #12 file (indefinite primitive element)")
        while data[pos : pos + 2] != b"\0\0":
            child, pos = read_ber(data, pos, depth + 1)
            children.append(child)
        return Node(tag, data[start : pos + 2], children=children), pos + 2
    size = first
    if first & 0x80:
        count = first & 0x7F
        size = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    end = pos + size
    if end > len(data):
        raise ValueError("not a PKCS #12 file (truncated)")
    if not constructed:
        return Node(tag, data[start:end], value=data[pos:end]), end
    inner = pos
    while inner < end:
        child, inner = read_ber(data[:end], inner, depth + 1)
        children.append(child)
    return Node(tag, data[start:end], children=children), end


def decode_oid(body: bytes) -> str:
    """``1.2.840...`` from the content of an OBJECT IDENTIFIER."""
    parts: list[int] = []
    value = 0
    for byte in body:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    first = min(parts[0] // 40, 2)
    return ".".join(str(p) for p in (first, parts[0] - 40 * first, *parts[1:]))
