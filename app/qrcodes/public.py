"""Decoding any payload, and the public check anyone can run on a sticker they doubt (QR-swap fraud)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

import qr
from app.merchants.models import Merchant
from app.qrcodes.presentation import payload_hash, qr_format_problem
from app.qrcodes.repository import QRRepository
from app.qrcodes.schemas import DecodeOut, VerifiedMerchant, VerifyOut
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
    unit = await UnitRepository(session).get("2025", merchant.unit_code)
    return VerifyOut(
        registered=True,
        merchant=VerifiedMerchant(
            name=merchant.name, street=street.name if street else None, unit=unit.name if unit else None
        ),
        status="active" if code.status == "active" else "revoked",
    )
