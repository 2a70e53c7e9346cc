"""A shop's standing with the bank its account is at (`bank_status`, once banks answer; no row = not sent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.auth import Principal
from app.consents.models import BankStatus
from app.dashboard.repository import _SHOP_COLUMNS, ShopLine, _shops_stmt
from app.merchants.models import Merchant, PaymentAccount


@dataclass(frozen=True, slots=True)
class BankState:
    state: str
    reason_code: str | None = None
    reason: str | None = None
    at: datetime | None = None


NOT_SENT = BankState("not_sent")
S = TypeVar("S", bound=Select[*tuple[Any, ...]])


def _joined(stmt: S) -> S:
    return stmt.join(PaymentAccount, col(PaymentAccount.merchant_id) == col(Merchant.id)).join(
        BankStatus,
        (col(BankStatus.merchant_id) == col(Merchant.id)) & (col(BankStatus.bank_bin) == col(PaymentAccount.bank_bin)),
    )


async def states(session: AsyncSession, merchant_ids: list[str]) -> dict[str, BankState]:
    if not merchant_ids:
        return {}
    stmt = _joined(
        select(
            col(Merchant.id),
            col(BankStatus.state),
            col(BankStatus.reason_code),
            col(BankStatus.reason),
            col(BankStatus.at),
        )
    ).where(col(Merchant.id).in_(merchant_ids))
    return {i: BankState(s, c, r, a) for i, s, c, r, a in (await session.execute(stmt)).all()}


async def rejected(
    session: AsyncSession, principal: Principal, units: list[str], limit: int
) -> list[tuple[ShopLine, BankState]]:
    """Shops whose bank refused them, newest answer first: the ward's to-do list (`?bank_state=rejected`)."""
    stmt = (
        _joined(_shops_stmt(principal))
        .add_columns(col(BankStatus.state), col(BankStatus.reason_code), col(BankStatus.reason), col(BankStatus.at))
        .where(col(BankStatus.state) == "rejected", col(Merchant.unit_code).in_(units))
        .order_by(col(BankStatus.at).desc(), col(Merchant.id))
        .limit(limit)
    )
    n = len(_SHOP_COLUMNS)
    return [(ShopLine(*row[:n]), BankState(*row[n:])) for row in (await session.execute(stmt)).all()]
