"""90 days of plausible coverage history for `phoqr demo-data`, so a newcomer's trends page is alive.

Each street follows its own rising S-curve of shops with QR (a logistic curve with a random midpoint and
steepness) while its registered shops grow towards today's, with a little daily noise. Every synthetic day
is built from synthetic counter cells by the same code as a real snapshot, so units, streets and
categories add up; with_qr never exceeds shops (so never the denominator), and the last day is today's
real snapshot of the counters. Synthetic runs are marked source="demo": a second run of demo-data redraws
them to end at the new counters, and a real snapshot of a past day is never touched.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.history.repository import Cell, HistoryRepository
from app.history.snapshot import build_rows, local_today, take_snapshot, write_run


def _curves(rng: random.Random, days: int) -> tuple[float, float, float]:
    midpoint = -rng.uniform(0.15, 0.85) * days  # days before today when the street was half-way
    steepness = rng.uniform(3.0, 9.0) / days
    registered_at_start = rng.uniform(0.55, 0.9)
    return midpoint, steepness, registered_at_start


def synthetic_cells(
    cells: list[Cell], t: int, days: int, params: dict[int, tuple[float, float, float]], rng: random.Random
) -> list[Cell]:
    """The cells `t` days from today (t <= 0), scaled down the street's curves with noise."""
    out = []
    for c in cells:
        midpoint, k, r0 = params[c.street_id]
        qr_share = (1 + math.exp(k * midpoint)) / (1 + math.exp(-k * (t - midpoint)))  # 1 at t = 0
        registered = r0 + (1 - r0) * (t + days) / days
        shops = min(c.shops, max(0, round(c.shops * registered + rng.gauss(0, 0.02 * c.shops))))
        with_qr = min(shops, max(0, round(c.with_qr * qr_share + rng.gauss(0, 0.03 * c.with_qr))))
        out.append(Cell(c.unit_code, c.unit_code_2020, c.street_id, c.category, shops, with_qr))
    return out


async def backfill_history(
    session: AsyncSession, *, days: int = 90, seed: int = 7, today: date | None = None
) -> dict[str, int]:
    """Today's real snapshot plus `days - 1` synthetic days before it (days that have a real run are kept)."""
    today = today or local_today()
    repo = HistoryRepository(session)
    await repo.delete_runs([r.id for r in await repo.demo_runs() if r.id is not None and r.day != today])
    await session.flush()
    await take_snapshot(session, today, source="cli")  # real counters: kept by later runs
    cells = [c for c in await repo.cells() if c.shops > 0]
    ref = await repo.reference()
    rng = random.Random(f"{seed}:history")  # noqa: S311 - demo data, reproducible on purpose
    params = {sid: _curves(rng, days) for sid in sorted({c.street_id for c in cells})}
    taken = set(await repo.days_between(today - timedelta(days=days), today))
    written = 0
    for t in range(-(days - 1), 0):
        day = today + timedelta(days=t)
        if day in taken:
            continue
        await write_run(session, day, build_rows(synthetic_cells(cells, t, days, params, rng), ref), source="demo")
        written += 1
    return {"history_days": written + 1}
