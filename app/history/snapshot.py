"""Taking a day's snapshot: the running counters and the targets of that day, copied into dated rows.

Idempotent per day (one run per day, unique): retaking *today* replaces today's run with a new one (the last
take of a day is its closing level); a past day's run is kept as it is, because the counters hold the
present and would rewrite the past. A missing past day stays a gap (history takes the last snapshot of each
period), except yesterday, which a job run just after midnight may still close.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import utcnow
from app.core.editions import Edition
from app.core.errors import ValidationFailed
from app.history.models import SnapshotRun
from app.history.repository import Cell, HistoryRepository, Reference
from app.history.schemas import SnapshotResult

# Vietnam keeps UTC+7 all year (no daylight saving): a ward's day ends at midnight there, not in UTC
VIETNAM = timezone(timedelta(hours=7), "ICT")


def local_today(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(VIETNAM).date()


def build_rows(cells: list[Cell], ref: Reference) -> list[dict[str, Any]]:
    """Snapshot rows (without run and day) from counter cells: units of both editions, streets, categories."""
    unit: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    old: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    street: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    category: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for c in cells:
        for bucket in (unit[c.unit_code], old[(c.unit_code, c.unit_code_2020)], street[(c.unit_code, c.street_id)]):
            bucket[0] += c.shops
            bucket[1] += c.with_qr
        bucket = category[(c.unit_code, c.category)]
        bucket[0] += c.shops
        bucket[1] += c.with_qr
    for street_id, codes in ref.model_street_units.items():  # model streets count before their first shop
        for code in codes:
            street[(code, street_id)]

    def row(
        level: str, edition: str, unit_code: str, code: str, counts: list[int], target: object = None
    ) -> dict[str, Any]:
        return {
            "level": level,
            "edition": edition,
            "unit_code": unit_code,
            "code": code,
            "shops": counts[0],
            "with_qr": counts[1],
            "baseline_shop_count": getattr(target, "baseline_shop_count", None),
            "target_pct": getattr(target, "target_pct", None),
            "target_date": getattr(target, "target_date", None),
            "is_model_street": getattr(target, "is_model_street", False),
        }

    codes = sorted(set(ref.units_2025) | set(unit))
    rows = [row("unit", "2025", code, code, unit.get(code, [0, 0]), ref.units_2025.get(code)) for code in codes]
    # edition 2020 as GET /coverage shows it: every old ward under its successor, and the old ward not known
    for old_code, new_code in sorted(ref.units_2020.items()):
        rows.append(row("unit", "2020", new_code, old_code, old.get((new_code, old_code), [0, 0])))
    # and every other (2025, 2020) pair with shops: the old ward not known (''), an old commune outside the area,
    # a split commune's shops placed (by GPS) in a successor other than its default; so edition 2020 adds up
    for (new_code, old_code), counts in sorted(old.items()):
        if ref.units_2020.get(old_code) != new_code:
            rows.append(row("unit", "2020", new_code, old_code, counts))
    for (code, street_id), counts in sorted(street.items()):
        rows.append(row("street", "2025", code, str(street_id), counts, ref.streets.get(street_id)))
    for (code, cat), counts in sorted(category.items()):
        rows.append(row("category", "2025", code, cat, counts))
    return rows


async def write_run(session: AsyncSession, day: date, rows: list[dict[str, Any]], *, source: str) -> SnapshotRun:
    totals = [r for r in rows if r["level"] == "unit" and r["edition"] == Edition.Y2025]
    run = SnapshotRun(
        day=day,
        taken_at=utcnow(),
        source=source,
        shops=sum(r["shops"] for r in totals),
        with_qr=sum(r["with_qr"] for r in totals),
    )
    return await HistoryRepository(session).add_run(run, rows)


async def take_snapshot(
    session: AsyncSession, day: date | None = None, *, source: str = "cli", now: datetime | None = None
) -> SnapshotResult:
    """Snapshot the counters as `day`'s level (default: today in Vietnam). Flushes; the caller commits."""
    today = local_today(now)
    day = day or today
    if day > today:
        raise ValidationFailed(
            "date",
            f"Chưa thể chụp số liệu cho ngày {day.isoformat()} (hôm nay là {today.isoformat()})",
            f"Cannot snapshot {day.isoformat()}: today is {today.isoformat()}",
            code="snapshot_future_day",
        )
    repo = HistoryRepository(session)
    await repo.lock()
    existing = await repo.run_on(day)
    if existing is not None and day < today:
        return SnapshotResult.of(existing, status="kept", rows=await repo.count_rows(existing.id or 0))
    if existing is None and day < today - timedelta(days=1):
        raise ValidationFailed(
            "date",
            "Số liệu hiện tại không thể ghi cho một ngày đã qua (chỉ hôm nay hoặc hôm qua)",
            "The counters hold the present and cannot be recorded for a past day (only today or yesterday)",
            code="snapshot_past_day",
        )
    if existing is not None:
        await repo.delete_runs([existing.id or 0])
        await session.flush()
    rows = build_rows(await repo.cells(), await repo.reference())
    run = await write_run(session, day, rows, source=source)
    return SnapshotResult.of(run, status="replaced" if existing else "created", rows=len(rows))
