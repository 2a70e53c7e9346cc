"""EMVCo merchant-presented QR: ID (2 digits), length (2 digits), value; CRC-16/CCITT-FALSE in tag 63.

`field` is the one TLV writer (the builders, `encode` and the app all write through it); `split` the one
reader, over characters (the standard) or over UTF-8 bytes (what some apps counted for Vietnamese text).

>>> field("59", "TAP HOA HUONG")
'5913TAP HOA HUONG'
>>> split("000201010211")
[('00', '01'), ('01', '11')]
>>> split("5913TAP HOA HUONG".encode())
[('59', b'TAP HOA HUONG')]
>>> encode({"00": "01", "01": "11", "62": {"08": "thanh toan"}})
'00020101021162140810thanh toan6304ED86'
"""

from __future__ import annotations

from binascii import crc_hqx
from typing import AnyStr, Union

from qr.errors import QRFormatError, QRMalformedError, QRTruncatedError

FieldTree = dict[str, Union[str, "FieldTree"]]

# templates whose value EMVCo reserves as a list of TLV fields: merchant account information (26-51), additional
# data (62), merchant information in another language (64)
RESERVED_TEMPLATE_TAGS = frozenset({f"{i:02d}" for i in range(26, 52)} | {"62", "64"})
# unreserved templates (80-99): TLV by the standard, but some issuers put a plain value there
UNRESERVED_TEMPLATE_TAGS = frozenset(f"{i:02d}" for i in range(80, 100))
TEMPLATE_TAGS = RESERVED_TEMPLATE_TAGS | UNRESERVED_TEMPLATE_TAGS

# every valid 4-character field header "IILL" -> (id, length): one dict lookup checks and converts it
_HEADERS = {f"{t:02d}{n:02d}": (f"{t:02d}", n) for t in range(100) for n in range(100)}
_BYTE_HEADERS = {k.encode(): v for k, v in _HEADERS.items()}
_LENGTHS = tuple(f"{n:02d}" for n in range(100))


def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) over the UTF-8 bytes, as four uppercase hex digits.

    >>> crc16("123456789")
    '29B1'
    """
    return f"{crc_hqx(data.encode(), 0xFFFF):04X}"


def field(tag: str, value: str) -> str:
    """One field: the tag, the value's length in characters (2 digits), the value."""
    try:
        return tag + _LENGTHS[len(value)] + value
    except IndexError:
        raise QRFormatError(tag, f"value of {len(value)} characters does not fit a field (99 at most)") from None


def split(data: AnyStr, path: str = "") -> list[tuple[str, AnyStr]]:
    """One level of TLV fields, in order. Truncation and malformed lengths are errors naming the field.

    Over `str` lengths count characters; over `bytes` they count bytes (values stay bytes).
    """
    out: list[tuple[str, AnyStr]] = []
    append = out.append
    headers: dict[str, tuple[str, int]] | dict[bytes, tuple[str, int]]
    headers = _HEADERS if isinstance(data, str) else _BYTE_HEADERS
    i, n = 0, len(data)
    while i < n:
        header = headers.get(data[i : i + 4])
        if header is None:
            if i + 4 > n:
                raise QRTruncatedError(path or "payload", f"truncated field header at offset {i}")
            tag = _text(data[i : i + 2])
            raise QRMalformedError(f"{path}.{tag}" if path else tag, f"malformed id/length {data[i : i + 4]!r}")
        tag, length = header
        i += 4
        end = i + length
        if end > n:
            raise QRTruncatedError(f"{path}.{tag}" if path else tag, f"value needs {length} characters, {n - i} left")
        append((tag, data[i:end]))
        i = end
    return out


def _text(data: str | bytes) -> str:
    return data if isinstance(data, str) else data.decode("utf-8", "replace")


def encode(fields: FieldTree) -> str:
    """Encode a field tree (nested dicts for templates) in the given order, recomputing tag 63."""
    body = _encode_nested({t: v for t, v in fields.items() if t != "63"}) + "6304"
    return body + crc16(body)


def _encode_nested(fields: FieldTree) -> str:
    return "".join(field(t, v if isinstance(v, str) else _encode_nested(v)) for t, v in fields.items())
