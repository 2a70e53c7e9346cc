"""PhoQR's payment-QR engine: VietQR (NAPAS) and VNPAY-QR, exact, strict and fast. No web, no database.

>>> import qr
>>> payload = qr.build_vietqr("970436", "0011001234567", amount=50000, purpose="thanh toan")
>>> payload[-8:]
'6304BDA4'
>>> p = qr.parse(payload)
>>> (p.scheme, p.bank_bin, p.account, p.amount)
('vietqr', '970436', '0011001234567', 50000)
>>> png = qr.render_png(payload)          # PNG bytes, scale 8, error correction M
>>> qr.decode_image(png) == [payload]     # every rendered image scans back to the payload
True
"""

from qr import banks
from qr.build import build_vietqr, build_vnpay
from qr.errors import (
    ErrorCode,
    QRChecksumError,
    QRFormatError,
    QRMalformedError,
    QRMissingFieldError,
    QRTruncatedError,
    QRUnsupportedError,
    RenderVerificationError,
)
from qr.parse import Initiation, PaymentQR, Scheme, parse
from qr.render import decode_image, render_png, render_svg, verify_rendered
from qr.sticker import StickerInfo, mask_account, render_sticker_pdf, render_sticker_png
from qr.text import TextResult, to_payload_text
from qr.tlv import crc16, encode, field

__all__ = [
    "ErrorCode",
    "Initiation",
    "PaymentQR",
    "QRChecksumError",
    "QRFormatError",
    "QRMalformedError",
    "QRMissingFieldError",
    "QRTruncatedError",
    "QRUnsupportedError",
    "RenderVerificationError",
    "Scheme",
    "StickerInfo",
    "TextResult",
    "banks",
    "build_vietqr",
    "build_vnpay",
    "crc16",
    "decode_image",
    "encode",
    "field",
    "mask_account",
    "parse",
    "render_png",
    "render_sticker_pdf",
    "render_sticker_png",
    "render_svg",
    "to_payload_text",
    "verify_rendered",
]
