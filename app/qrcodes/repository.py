from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.qrcodes.models import QRCode


class QRRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, qr_id: str) -> QRCode | None:
        return await self.session.get(QRCode, qr_id)

    async def active_for(self, merchant_id: str) -> QRCode | None:
        stmt = select(QRCode).where(col(QRCode.active_for) == merchant_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def by_payload_hash(self, digest: str) -> list[QRCode]:
        stmt = select(QRCode).where(col(QRCode.payload_hash) == digest).order_by(col(QRCode.issued_at).desc())
        return list((await self.session.execute(stmt)).scalars())

    async def sticker_code_taken(self, code: str) -> bool:
        stmt = select(col(QRCode.id)).where(col(QRCode.sticker_code) == code)
        return (await self.session.execute(stmt)).first() is not None
