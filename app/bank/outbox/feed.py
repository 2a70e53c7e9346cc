"""The bank's pull feed, and whose bank a request speaks for.

`GET /bank/events?after=<seq>` lists the caller's bank events in `seq` order. Because `seq` is gapless and a
number is only taken under the bank's counter lock, an event becomes visible only after every lower `seq` of
that bank has committed: a bank that polls with `next_after` never skips one. An event a later withdrawal
of its shop has withdrawn is served as `{"merchant_id"}` alone, keeping its `seq` (app.bank.outbox.withdrawn).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.bank.outbox.repository import OutboxRepository
from app.bank.outbox.service import feed_item
from app.bank.outbox.withdrawn import redacted_in


async def list_events(session: AsyncSession, bank_bin: str, after: int, limit: int) -> dict[str, Any]:
    rows = await OutboxRepository(session).events_after(bank_bin, after, limit)
    withdrawn = await redacted_in(session, bank_bin, rows)
    items = [feed_item(e, redacted=e.id in withdrawn) for e in rows]
    return {"items": items, "next_after": items[-1]["seq"] if items else after}
