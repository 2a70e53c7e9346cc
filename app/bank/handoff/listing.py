"""The bank's full list of its merchants: keyset-paginated by merchant id, filtered by unit or street."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.bank.handoff.records import load_bank_records
from app.core.pagination import decode_cursor, encode_cursor


async def page(
    session: AsyncSession,
    bank_bin: str,
    *,
    unit: tuple[str, str] | None,
    street_id: int | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[dict[str, Any]], str | None]:
    after = decode_cursor(cursor, 1)
    rows = await load_bank_records(
        session,
        bank_bin,
        unit=unit,
        street_id=street_id,
        after=str(after[0]) if after else None,
        limit=limit + 1,
    )
    more, rows = len(rows) > limit, rows[:limit]
    return rows, (encode_cursor([rows[-1]["merchant_id"]]) if more and rows else None)
