"""The stored view (app.bank.handoff.models.BankView): kept equal to what each bank may see, change by change.

Who writes it: the bank outbox (app.bank.outbox.service), in the transaction of every `ShopChanged` and of a
street's rename (the record carries the street's name), with the record it has just read for that change:
`store`. A path that writes shops in bulk without `ShopChanged` (the benchmarks' fills, a migration) calls
`rebuild`. Who reads it: the files (the hash cell, `COALESCE` with the hash computed where a row is missing) and
the digests (app.bank.handoff.reconciliation), both on PostgreSQL; tests/app/bank/test_stored_view.py checks it
against the records computed afresh after every kind of change, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.bank.handoff import export_sql
from app.bank.handoff.exports import flat_row
from app.bank.handoff.records import bank_records_many, iter_bank_records
from app.bank.handoff.repository import HandoffRepository, visible_records_query

_SIGN = 1 << 63
_CONTROL = re.compile(export_sql.CONTROL)


def _odd(x: float | None) -> bool:
    """export_sql._odd_double: a double PostgreSQL would not print as RFC 8785 or Python's repr does."""
    if x is None:
        return False
    if math.isnan(x) or math.isinf(x) or (x == 0 and math.copysign(1.0, x) < 0) or abs(x) > export_sql.MAX_SAFE:
        return True
    return x != math.trunc(x) and (abs(x) < 1e-4 or abs(x) >= 1e15)


def is_exotic(record: Mapping[str, Any]) -> bool:
    """export_sql.exotic_condition of the record's values: only the Python path writes it exactly in a file."""
    a, acc, qr = record["address"], record["payment_account"], record["qr"] or {}
    texts = (
        record["name"],
        record["owner_name"],
        a["house_number"],
        record["phone"],
        record.get("business_registration_number"),
        a["street"],
        acc["account_name"],
        acc["account_number"],
        qr.get("payload"),
        qr.get("sticker_code"),
    )
    loc = record["location"] or {}
    return any(_odd(loc.get(k)) for k in ("lat", "lon", "accuracy_m")) or any(
        t is not None and _CONTROL.search(t) for t in texts
    )


def slices(record_hash: str) -> tuple[int, int, int, int]:
    """The hash as four signed 64-bit integers (what PostgreSQL's `('x' || hex)::bit(64)::bigint` gives)."""
    parts = [int(record_hash[16 * i : 16 * (i + 1)], 16) for i in range(4)]
    a, b, c, d = (p - (1 << 64) if p >= _SIGN else p for p in parts)
    return a, b, c, d


_QUOTE = re.compile(r'[,"\r\n]')


def _csv_field(value: Any) -> str:
    """export_sql._csv_field: what COPY (FORMAT csv) writes; a float as Python's repr (export_sql._py_float)."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else repr(value) if isinstance(value, float) else str(value)
    if text == "" or _QUOTE.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_line(record: Mapping[str, Any]) -> str:
    """The record as one line of the bank's CSV file, without its line end (export_sql.with_csv_line)."""
    return ",".join(_csv_field(v) for v in flat_row(dict(record)))


def view_row(bank_bin: str, record: Mapping[str, Any]) -> dict[str, Any]:
    h = record["record_hash"]
    h0, h1, h2, h3 = slices(h)
    return {
        "merchant_id": record["merchant_id"],
        "bank_bin": bank_bin,
        "record_hash": h,
        "h0": h0,
        "h1": h1,
        "h2": h2,
        "h3": h3,
        "unit_code": record["address"]["unit_2025"]["code"],
        "street_id": record["address"]["street_id"],
        "exotic": is_exotic(record),
        "csv_line": csv_line(record),
    }


async def store(session: AsyncSession, found: Mapping[str, tuple[str | None, dict[str, Any] | None]]) -> None:
    """The view of these shops becomes `found` (shop -> (its bank, the record that bank may see, or None))."""
    rows = [view_row(bin_, record) for bin_, record in found.values() if bin_ is not None and record is not None]
    await HandoffRepository(session).replace_views(list(found), rows)


async def refresh(session: AsyncSession, merchant_ids: Collection[str]) -> None:
    """Read the shops' records afresh and store them."""
    ids = sorted(set(merchant_ids))
    for i in range(0, len(ids), 1000):
        await store(session, await bank_records_many(session, ids[i : i + 1000]))


async def rebuild(session: AsyncSession) -> None:
    """The whole view from the shops as stored (after bulk writes that skipped `ShopChanged`)."""
    repo = HandoffRepository(session)
    await repo.clear_views()
    if session.get_bind().dialect.name == "postgresql":
        # a rebuild follows bulk writes: with the statistics of before them the planner took a bank of millions for
        # a few thousand rows and probed the consents per account with a bitmap of the whole bank (quadratic)
        await repo.analyze_sources()
        every = visible_records_query(None)
        # PostgreSQL hashes what it writes exactly as RFC 8785 does; the rest (none in practice) by the Python path
        await repo.execute_sql(export_sql.view_rebuild_insert(every.where(export_sql.exotic_condition().is_not(True))))
        await refresh(session, await repo.exotic_ids(every))
        return
    for bank_bin in await repo.bins_with_accounts():
        batch: list[dict[str, Any]] = []
        async for record in iter_bank_records(session, bank_bin):
            batch.append(view_row(bank_bin, record))
            if len(batch) >= 500:
                await repo.replace_views([], batch)
                batch = []
        await repo.replace_views([], batch)
