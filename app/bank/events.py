"""The bank's pull feed, and whose bank a request speaks for.

`GET /bank/events?after=<seq>` lists the caller's bank events in `seq` order. Because `seq` is gapless and a
number is only taken under the bank's counter lock, an event becomes visible only after every lower `seq` of
that bank has committed: a bank that polls with `next_after` never skips one.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.auth import Principal, Role
from app.bank.events_models import BankEvent
from app.bank.outbox import feed_item
from app.core.errors import Forbidden, ValidationFailed

_BIN = re.compile(r"^\d{6}$")


def bank_scope(principal: Principal, bin_: str | None) -> str:
    """The BIN a bank endpoint acts for: a bank partner's own; city_admin and auditor name one with `?bin=`."""
    if principal.role == Role.BANK_PARTNER:
        if not principal.bank_bin:
            raise Forbidden("Tài khoản ngân hàng chưa gắn mã BIN", "This bank account has no BIN", code="forbidden")
        if bin_ is not None and bin_ != principal.bank_bin:
            raise Forbidden("Chỉ được xem dữ liệu của ngân hàng mình", "Only your own bank's data", code="forbidden")
        return principal.bank_bin
    if principal.role in (Role.CITY_ADMIN, Role.AUDITOR):
        if bin_ is None:
            raise ValidationFailed("bin", "Cần chọn ngân hàng (?bin=)", "Name the bank with ?bin=")
        if not _BIN.match(bin_):
            raise ValidationFailed("bin", "Mã BIN gồm 6 chữ số", "A BIN is 6 digits")
        return bin_
    raise Forbidden("Vai trò của bạn không được làm thao tác này", "Your role may not do this", code="forbidden")


async def list_events(session: AsyncSession, bank_bin: str, after: int, limit: int) -> dict[str, Any]:
    rows = (
        await session.execute(
            select(BankEvent)
            .where(col(BankEvent.bank_bin) == bank_bin, col(BankEvent.seq) > after)
            .order_by(col(BankEvent.seq))
            .limit(limit)
        )
    ).scalars()
    items = [feed_item(e) for e in rows]
    return {"items": items, "next_after": items[-1]["seq"] if items else after}
