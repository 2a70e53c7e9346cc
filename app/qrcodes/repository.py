from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from app.core.repository import Repository
from app.qrcodes.models import QRCode


class QRRepository(Repository[QRCode]):
    model = QRCode

    async def active_for(self, merchant_id: str) -> QRCode | None:
        stmt = select(QRCode).where(col(QRCode.active_for) == merchant_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def by_payload_hash(self, digest: str) -> list[QRCode]:
        stmt = select(QRCode).where(col(QRCode.payload_hash) == digest).order_by(col(QRCode.issued_at).desc())
        return list((await self.session.execute(stmt)).scalars())

    async def sticker_code_taken(self, code: str) -> bool:
        stmt = select(col(QRCode.id)).where(col(QRCode.sticker_code) == code)
        return (await self.session.execute(stmt)).first() is not None
