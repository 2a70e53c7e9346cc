"""Errors of the qr library: every one names the EMVCo field (tag path) it is about."""

from __future__ import annotations


class QRFormatError(ValueError):
    """A payload or builder input that is not a valid VietQR / VNPAY-QR.

    `field` is the tag path ("38.01.01", "63", ...) or the builder argument name, `reason` a short English
    sentence, `code` a stable machine code: qr_invalid_crc, qr_truncated, qr_malformed, qr_missing_field,
    qr_invalid_field, qr_unsupported.
    """

    def __init__(self, field: str, reason: str, code: str = "qr_invalid_field") -> None:
        self.field = field
        self.reason = reason
        self.code = code
        super().__init__(f"{field}: {reason}")


class RenderVerificationError(Exception):
    """A rendered image did not scan back to exactly the payload it was made from."""

    def __init__(self, expected: str, found: list[str]) -> None:
        self.expected = expected
        self.found = found
        super().__init__(f"rendered image decodes to {found!r}, expected {expected!r}")
