"""Which snapshots a report reads: the run behind a period's report (and the previous period's), and the model
streets as they stood on a day. Lookups by day over `HistoryRepository`, beside the series of `service`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.history import periods
from app.history.models import SnapshotRun
from app.history.repository import HistoryRepository
from app.history.service import levels


async def run_for_period(
    session: AsyncSession, period: str, as_of: date
) -> tuple[SnapshotRun | None, SnapshotRun | None]:
    """The snapshot a report for the period containing `as_of` is built from (its last one up to `as_of`),
    and the previous period's last snapshot (for the change since then)."""
    repo = HistoryRepository(session)
    start, _ = periods.bounds(period, as_of)
    prev_start, prev_end = periods.previous(period, as_of)
    return await repo.last_run_between(start, as_of), await repo.last_run_between(prev_start, prev_end)


async def model_streets_on(session: AsyncSession, day: date, unit_code: str | None = None) -> list[dict[str, Any]]:
    """The model streets as they stood on the last snapshot on or before `day`: id, target, baseline,
    and that day's figures (within `unit_code` when given)."""
    repo = HistoryRepository(session)
    run = await repo.last_run_between(date.min, day)
    if run is None:
        return []
    rows = await repo.series(level="street", days=[run.day], unit_code=unit_code, model_only=True)
    by_street: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        by_street[r.code].append(r)
    out = []
    for code, parts in sorted(by_street.items(), key=lambda kv: int(kv[0])):
        lv = levels(parts, "street")[run.day]
        out.append(
            {
                "street_id": int(code),
                "units": sorted(p.unit_code for p in parts),
                "baseline_shop_count": parts[0].baseline_shop_count,
                "target_pct": parts[0].target_pct,
                "target_date": parts[0].target_date,
                "shops": lv.shops,
                "with_qr": lv.with_qr,
                "denominator": lv.denominator,
                "pct": lv.pct,
                "day": run.day,
                "snapshot_id": run.id,
            }
        )
    return out
