"""Who may see and change which shop. Shared by every domain that loads a merchant by id.

- city_admin and auditor see every shop; auditor changes nothing.
- field_agent and ward_officer see and change only shops in their (2025) units.
- bank_partner sees only shops whose payment account is at its BIN, and changes nothing.
A shop the caller may not see is answered 404, exactly like a shop that does not exist.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal
from app.core.errors import Forbidden, NotFound
from app.merchants.models import Merchant, PaymentAccount


def visible_filter(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause limiting a merchant query to what the caller may see."""
    if principal.sees_all:
        return true()
    if principal.role == "bank_partner":
        if not principal.bank_bin:
            return false()
        return Merchant.id.in_(select(PaymentAccount.merchant_id).where(PaymentAccount.bank_bin == principal.bank_bin))
    if not principal.units_2025:
        return false()
    return Merchant.unit_code.in_(sorted(principal.units_2025))


def _not_found(merchant_id: str) -> NotFound:
    return NotFound(
        f"Không tìm thấy cửa hàng {merchant_id}", f"Merchant {merchant_id} not found", code="merchant_not_found"
    )


async def load_merchant(
    session: AsyncSession, principal: Principal, merchant_id: str, *, write: bool = False, for_update: bool = False
) -> Merchant:
    stmt = select(Merchant).where(Merchant.id == merchant_id, visible_filter(principal))
    if for_update:
        stmt = stmt.with_for_update()
    merchant = (await session.execute(stmt)).scalar_one_or_none()
    if merchant is None:
        raise _not_found(merchant_id)
    if write and not principal.can_write:
        raise Forbidden("Vai trò của bạn chỉ được xem", "Your role is read-only")
    return merchant
