"""The queries `phoqr demo-data` needs: what already exists (so a second run continues) and bulk inserts."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlmodel import col

from app.core.repository import Repository
from app.merchants.enums import MerchantStatus
from app.merchants.models import Merchant, PaymentAccount
from app.streets.models import Street

DEVICE = "demo-data"


class DemoRepository(Repository[Merchant]):
    model = Merchant

    async def demo_shops(self) -> int:
        return (await self.session.execute(select(func.count()).where(col(Merchant.device_id) == DEVICE))).scalar_one()

    async def held_phones(self) -> set[str]:
        rows = await self.session.execute(
            select(col(Merchant.phone_active)).where(col(Merchant.phone_active).is_not(None))
        )
        return {p for p in rows.scalars() if p is not None}

    async def held_account_keys(self) -> set[str]:
        stmt = select(col(PaymentAccount.active_key)).where(col(PaymentAccount.active_key).is_not(None))
        return {k for k in (await self.session.execute(stmt)).scalars() if k is not None}

    async def active_per_street(self) -> list[tuple[int | None, int]]:
        stmt = (
            select(col(Merchant.street_id), func.count())
            .where(col(Merchant.status) == MerchantStatus.ACTIVE)
            .group_by(col(Merchant.street_id))
        )
        return [(s, n) for s, n in (await self.session.execute(stmt)).all()]

    async def make_model_street(self, street_id: int, baseline: int) -> None:
        await self.session.execute(
            update(Street)
            .where(col(Street.id) == street_id, col(Street.is_model_street).is_(False))
            .values(is_model_street=True, target_pct=100, target_date=date(2026, 12, 31), baseline_shop_count=baseline)
        )

    async def insert_many(self, model: type[Any], rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert(model), rows)
            rows.clear()
