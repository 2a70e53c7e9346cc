"""Decoding any payload, and the public check anyone can run on a sticker they doubt (QR-swap fraud)."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

import qr
from app.core.config import Settings
from app.core.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from app.merchants.models import Merchant
from app.merchants.photos import sniff
from app.qrcodes.presentation import payload_hash, qr_format_problem
from app.qrcodes.repository import QRRepository
from app.qrcodes.schemas import DecodedImageOut, DecodeOut, VerifiedMerchant, VerifyOut
from app.streets.models import Street
from app.units.repository import UnitRepository


def decode(payload: str) -> DecodeOut:
    try:
        parsed = qr.parse(payload)
    except qr.QRFormatError as exc:
        raise qr_format_problem(exc) from exc
    bank = qr.banks.by_bin(parsed.bank_bin) if parsed.bank_bin else None
    data = parsed.to_dict()
    return DecodeOut(**data, bank_short_name=bank.short_name if bank else None, bank_name=bank.name if bank else None)


def _read_qr(data: bytes, max_pixels: int) -> list[str] | None:
    """The QR texts in a photo; None when the bytes are not an image or it has more pixels than allowed."""
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > max_pixels:
                return None
        return qr.decode_image(data)
    except Exception:  # any decoder complaint: not an image we can read
        return None


async def decode_photo(settings: Settings, data: bytes) -> DecodedImageOut:
    """A photo of the bank QR a shop already shows (phones without a barcode reader send the picture)."""
    if len(data) > settings.photo_max_bytes:
        limit = settings.photo_max_bytes // (1024 * 1024)
        raise PayloadTooLarge(f"Ảnh lớn hơn {limit} MB", f"Photo larger than {limit} MB")
    if sniff(data) is None:
        raise UnsupportedMediaType("Chỉ nhận ảnh JPEG, PNG hoặc WebP", "Only JPEG, PNG or WebP images", errors=[])
    found = await asyncio.to_thread(_read_qr, data, settings.photo_max_pixels)
    if found is None:
        raise UnsupportedMediaType("Không đọc được ảnh", "The image could not be read", errors=[])
    if not found:
        raise ValidationFailed(
            "file", "Không tìm thấy mã QR trong ảnh", "No QR code found in the photo", code="qr_not_in_image"
        )
    return DecodedImageOut(payload=found[0], decoded=decode(found[0]))


async def verify(session: AsyncSession, payload: str) -> VerifyOut:
    """Tells only what a payer needs (shop name, street, ward), never an account number."""
    codes = await QRRepository(session).by_payload_hash(payload_hash(payload))
    if not codes:
        return VerifyOut(registered=False, merchant=None, status="unknown")
    code = next((c for c in codes if c.status == "active"), codes[0])
    merchant = await session.get(Merchant, code.merchant_id)
    if merchant is None:
        return VerifyOut(registered=False, merchant=None, status="unknown")
    street = await session.get(Street, merchant.street_id) if merchant.street_id else None
    unit = await UnitRepository(session).by_code("2025", merchant.unit_code)
    return VerifyOut(
        registered=True,
        merchant=VerifiedMerchant(
            name=merchant.name, street=street.name if street else None, unit=unit.name if unit else None
        ),
        status="active" if code.status == "active" else "revoked",
    )
