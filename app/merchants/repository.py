"""Every query of the merchants domain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal
from app.banks.models import Bank
from app.merchants.access import visible_filter
from app.merchants.models import Merchant, PaymentAccount, Photo, QRCode
from app.streets.models import StreetUnit


class MerchantRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, merchant_id: str) -> Merchant | None:
        return await self.session.get(Merchant, merchant_id)

    async def account(self, merchant_id: str) -> PaymentAccount | None:
        return await self.session.get(PaymentAccount, merchant_id)

    async def accounts(self, ids: list[str]) -> dict[str, PaymentAccount]:
        if not ids:
            return {}
        rows = await self.session.execute(select(PaymentAccount).where(PaymentAccount.merchant_id.in_(ids)))
        return {a.merchant_id: a for a in rows.scalars()}

    async def active_qrs(self, ids: list[str]) -> dict[str, QRCode]:
        if not ids:
            return {}
        rows = await self.session.execute(select(QRCode).where(QRCode.active_for.in_(ids)))
        return {q.merchant_id: q for q in rows.scalars()}

    async def active_qr(self, merchant_id: str) -> QRCode | None:
        stmt = select(QRCode).where(QRCode.active_for == merchant_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def holders(self, phone: str | None, key: str | None) -> list[tuple[Merchant, str | None]]:
        """Active shops holding this phone or this account key, in one query (it runs on every registration)."""
        conditions = []
        if phone:
            conditions.append(Merchant.phone_active == phone)
        if key:
            conditions.append(PaymentAccount.active_key == key)
        if not conditions:
            return []
        stmt = (
            select(Merchant, PaymentAccount.active_key)
            .outerjoin(PaymentAccount, PaymentAccount.merchant_id == Merchant.id)
            .where(or_(*conditions))
        )
        return [(m, k) for m, k in (await self.session.execute(stmt)).all()]

    async def active_on_street(self, street_id: int, exclude: str) -> list[Merchant]:
        stmt = select(Merchant).where(
            Merchant.street_id == street_id, Merchant.status == "active", Merchant.id != exclude
        )
        return list((await self.session.execute(stmt)).scalars())

    async def street_units(self, street_id: int) -> list[tuple[str, str]] | None:
        """None when the street does not exist."""
        from app.streets.models import Street

        if await self.session.get(Street, street_id) is None:
            return None
        rows = await self.session.execute(
            select(StreetUnit.edition, StreetUnit.code).where(StreetUnit.street_id == street_id)
        )
        return [(e, c) for e, c in rows.all()]

    async def active_bins(self) -> frozenset[str]:
        """Reference data checked on every registration: read once per session (one request or batch)."""
        cached = self.session.info.get("active_bins")
        if cached is None:
            rows = await self.session.execute(select(Bank.bin).where(Bank.status == "active"))
            cached = self.session.info["active_bins"] = frozenset(rows.scalars())
        return cached

    async def search(
        self,
        principal: Principal,
        *,
        street_id: int | None,
        unit: tuple[str, str] | None,
        status: str | None,
        review: str | None,
        has_qr: bool | None,
        q: str | None,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> list[Merchant]:
        stmt = select(Merchant).where(visible_filter(principal))
        if street_id is not None:
            stmt = stmt.where(Merchant.street_id == street_id)
        if unit is not None:
            column = Merchant.unit_code if unit[0] == "2025" else Merchant.unit_code_2020
            stmt = stmt.where(column == unit[1])
        if status:
            stmt = stmt.where(Merchant.status == status)
        if review:
            stmt = stmt.where(Merchant.review_state == review)
        if has_qr is not None:
            stmt = stmt.where(Merchant.has_qr == has_qr)
        for term in (q or "").split():
            stmt = stmt.where(Merchant.search_text.contains(term, autoescape=True))
        if after is not None:
            stmt = stmt.where(
                or_(Merchant.created_at < after[0], and_(Merchant.created_at == after[0], Merchant.id < after[1]))
            )
        stmt = stmt.order_by(Merchant.created_at.desc(), Merchant.id.desc()).limit(limit)
        return list((await self.session.execute(stmt)).scalars())

    async def photo_by_hash(self, merchant_id: str, sha256: str) -> Photo | None:
        stmt = select(Photo).where(Photo.merchant_id == merchant_id, Photo.sha256 == sha256)
        return (await self.session.execute(stmt)).scalars().first()

    async def photo(self, merchant_id: str, photo_id: str) -> Photo | None:
        photo = await self.session.get(Photo, photo_id)
        return photo if photo is not None and photo.merchant_id == merchant_id else None
