"""Errors of the qr library: every one names the EMVCo field (tag path) it is about.

Each kind of failure has its own subclass of `QRFormatError`, so a caller can catch exactly what it handles
(a scanner retrying a blurred read wants `QRChecksumError`), while `except QRFormatError` still catches all:

>>> import qr
>>> try:
...     qr.parse("00020101021153037045802VN6304FFFF")
... except qr.QRChecksumError as exc:
...     (exc.field, exc.code, isinstance(exc, qr.QRFormatError))
('63', 'qr_invalid_crc', True)
"""

from __future__ import annotations

from typing import ClassVar, Literal

ErrorCode = Literal[
    "qr_invalid_crc", "qr_truncated", "qr_malformed", "qr_missing_field", "qr_invalid_field", "qr_unsupported"
]


class QRFormatError(ValueError):
    """A payload or builder input that is not a valid VietQR / VNPAY-QR.

    `field` is the tag path ("38.01.01", "63", ...) or the builder argument name, `reason` a short English
    sentence, `code` a stable machine code (`ErrorCode`); each code has its own subclass below.
    """

    default_code: ClassVar[ErrorCode] = "qr_invalid_field"

    def __init__(self, field: str, reason: str, code: ErrorCode | None = None) -> None:
        self.field = field
        self.reason = reason
        self.code: ErrorCode = code or self.default_code
        super().__init__(f"{field}: {reason}")


class QRChecksumError(QRFormatError):
    """The CRC in tag 63 does not match the payload: a misread or a tampered payload."""

    default_code = "qr_invalid_crc"


class QRTruncatedError(QRFormatError):
    """A field announces more characters than the payload still holds."""

    default_code = "qr_truncated"


class QRMalformedError(QRFormatError):
    """Not TLV where TLV is required: a bad id/length header, a field twice, ambiguous lengths."""

    default_code = "qr_malformed"


class QRMissingFieldError(QRFormatError):
    """A field the meaning depends on (CRC, initiation, BIN, account, merchant id) is absent."""

    default_code = "qr_missing_field"


class QRUnsupportedError(QRFormatError):
    """Valid EMVCo, but not a scheme this library can act on."""

    default_code = "qr_unsupported"


class RenderVerificationError(Exception):
    """A rendered image did not scan back to exactly the payload it was made from."""

    def __init__(self, expected: str, found: list[str]) -> None:
        self.expected = expected
        self.found = found
        super().__init__(f"rendered image decodes to {found!r}, expected {expected!r}")
