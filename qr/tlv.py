"""EMVCo merchant-presented QR: ID (2 digits), length (2 digits), value; CRC-16/CCITT-FALSE in tag 63."""

from __future__ import annotations

from binascii import crc_hqx
from typing import Union

from qr.errors import QRFormatError

FieldTree = dict[str, Union[str, "FieldTree"]]

# templates whose value is itself a list of TLV fields
TEMPLATE_TAGS = frozenset({f"{i:02d}" for i in range(26, 52)} | {"62", "64"} | {f"{i:02d}" for i in range(80, 100)})


# every valid 4-character field header "IILL" -> (id, length): one dict lookup checks and converts it
_HEADERS = {f"{t:02d}{n:02d}": (f"{t:02d}", n) for t in range(100) for n in range(100)}


def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) as four uppercase hex digits."""
    return f"{crc_hqx(data.encode(), 0xFFFF):04X}"


def field(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def split(data: str, path: str = "") -> list[tuple[str, str]]:
    """One level of TLV fields, in order. Truncation and malformed lengths are errors naming the field."""
    out: list[tuple[str, str]] = []
    append = out.append
    headers = _HEADERS
    i, n = 0, len(data)
    while i < n:
        header = headers.get(data[i : i + 4])
        if header is None:
            if i + 4 > n:
                raise QRFormatError(path or "payload", f"truncated field header at offset {i}", "qr_truncated")
            tag = data[i : i + 2]
            raise QRFormatError(
                f"{path}.{tag}" if path else tag, f"malformed id/length {data[i : i + 4]!r}", "qr_malformed"
            )
        tag, length = header
        i += 4
        end = i + length
        if end > n:
            raise QRFormatError(
                f"{path}.{tag}" if path else tag, f"value needs {length} characters, {n - i} left", "qr_truncated"
            )
        append((tag, data[i:end]))
        i = end
    return out


def encode(fields: FieldTree) -> str:
    """Encode a field tree (nested dicts for templates) in the given order, recomputing tag 63."""
    body = "".join(field(t, v if isinstance(v, str) else _encode_nested(v)) for t, v in fields.items() if t != "63")
    body += "6304"
    return body + crc16(body)


def _encode_nested(fields: FieldTree) -> str:
    return "".join(field(t, v if isinstance(v, str) else _encode_nested(v)) for t, v in fields.items())
