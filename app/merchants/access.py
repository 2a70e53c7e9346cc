"""Who may see and change which shop. Shared by every domain that loads a merchant by id.

The scope rule itself is `app.merchants.repository.visible_filter` (described in app.merchants.scope, re-exported
here). A shop the caller may not see is answered 404, exactly like a shop that does not exist.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal
from app.core.errors import Forbidden, NotFound
from app.merchants.models import Merchant
from app.merchants.repository import MerchantRepository, visible_filter

__all__ = ["load_merchant", "visible_filter"]


def _not_found(merchant_id: str) -> NotFound:
    return NotFound(
        f"Không tìm thấy cửa hàng {merchant_id}", f"Merchant {merchant_id} not found", code="merchant_not_found"
    )


async def load_merchant(
    session: AsyncSession, principal: Principal, merchant_id: str, *, write: bool = False, for_update: bool = False
) -> Merchant:
    merchant = await MerchantRepository(session).get_visible(principal, merchant_id, for_update=for_update)
    if merchant is None:
        raise _not_found(merchant_id)
    if write and not principal.can_write:
        raise Forbidden("Vai trò của bạn chỉ được xem", "Your role is read-only")
    return merchant
