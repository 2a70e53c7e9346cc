"""Every query of the account-name inquiry: the checks (`account_name_check`) and the accounts they are about."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlmodel import col

from app.consents.models import AccountNameCheck
from app.core.repository import Repository
from app.merchants.models import Merchant, PaymentAccount


class AccountNameRepository(Repository[AccountNameCheck]):
    model = AccountNameCheck

    async def account(self, merchant_id: str) -> PaymentAccount | None:
        return await self.session.get(PaymentAccount, merchant_id)

    async def merchant(self, merchant_id: str) -> Merchant | None:
        return await self.session.get(Merchant, merchant_id)

    async def accounts(self, merchant_ids: Sequence[str]) -> list[PaymentAccount]:
        return await self.get_all(select(PaymentAccount).where(col(PaymentAccount.merchant_id).in_(merchant_ids)))

    async def checks(self, merchant_ids: Sequence[str]) -> list[AccountNameCheck]:
        return await self.get_all(select(AccountNameCheck).where(col(AccountNameCheck.merchant_id).in_(merchant_ids)))

    async def due(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        """(shop, account key) of the checks to ask the bank about now, the longest waiting first."""
        stmt = (
            select(col(AccountNameCheck.merchant_id), col(AccountNameCheck.account_key))
            .where(
                col(AccountNameCheck.state).in_(("pending", "unavailable")),
                or_(col(AccountNameCheck.next_attempt_at).is_(None), col(AccountNameCheck.next_attempt_at) <= now),
            )
            .order_by(col(AccountNameCheck.next_attempt_at))
            .limit(limit)
        )
        return [(m, k) for m, k in (await self.session.execute(stmt)).all()]

    async def remove(self, merchant_id: str) -> None:
        await self.session.execute(delete(AccountNameCheck).where(col(AccountNameCheck.merchant_id) == merchant_id))
