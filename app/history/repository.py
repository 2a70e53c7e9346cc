"""Every query of coverage history: the counters a snapshot copies, and the snapshot rows history reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from sqlmodel import col

from app.core.config import get_settings
from app.core.editions import Edition
from app.core.repository import Repository
from app.coverage.counters import totals
from app.history.models import CoverageSnapshot, SnapshotRun
from app.streets.models import Street, StreetUnit

# any constant: serialises concurrent snapshot runs (several workers, the CLI) on PostgreSQL
SNAPSHOT_LOCK = 74_771_105


@dataclass(frozen=True, slots=True)
class Cell:
    """One counter: shops of a (2025 unit, 2020 unit, street, category)."""

    unit_code: str
    unit_code_2020: str
    street_id: int
    category: str
    shops: int
    with_qr: int


@dataclass(frozen=True, slots=True)
class Target:
    baseline_shop_count: int | None
    target_pct: int | None
    target_date: date | None
    is_model_street: bool = False


@dataclass(frozen=True, slots=True)
class Reference:
    """What a snapshot copies besides the counts: units, successors, and the streets' targets that day."""

    units_2025: dict[str, Target]
    units_2020: dict[str, str]  # 2020 code -> 2025 successor
    streets: dict[int, Target]
    model_street_units: dict[int, list[str]]  # model street -> its 2025 units


class HistoryRepository(Repository[SnapshotRun]):
    model = SnapshotRun

    # --- what a snapshot copies -------------------------------------------------------------------------
    async def cells(self) -> list[Cell]:
        """One cell per counter key, its shards summed (app.coverage.counters.totals)."""
        return [Cell(*r) for r in await totals(self.session) if r[4] != 0]

    async def reference(self) -> Reference:
        from app.units.repository import UnitRepository

        # the deployment's communes (PHOQR_AREA); communes elsewhere get rows when they have shops (snapshot.rows)
        area = get_settings().area_provinces
        units = await UnitRepository(self.session).area_communes("2025", area)
        units_2025 = {u.code: Target(u.baseline_shop_count, u.target_pct, u.target_date) for u in units}
        succ = await UnitRepository(self.session).successor_map()
        olds = [u.code for u in await UnitRepository(self.session).area_communes("2020", area)]
        streets = {
            s.id: Target(s.baseline_shop_count, s.target_pct, s.target_date, s.is_model_street)
            for s in (await self.session.execute(select(Street))).scalars()
            if s.id is not None
        }
        placed = await self.session.execute(
            select(col(StreetUnit.street_id), col(StreetUnit.code))
            .join(Street, col(Street.id) == col(StreetUnit.street_id))
            .where(col(Street.is_model_street).is_(True), col(StreetUnit.edition) == Edition.Y2025)
            .order_by(col(StreetUnit.street_id), col(StreetUnit.code))
        )
        model_units: dict[int, list[str]] = {}
        for street_id, code in placed.all():
            model_units.setdefault(street_id, []).append(code)
        return Reference(units_2025, {c: succ[c] for c in olds if c in succ}, streets, model_units)

    # --- runs ---------------------------------------------------------------------------------------------
    async def lock(self) -> None:
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SNAPSHOT_LOCK})
        # SQLite: every write transaction already holds the database's write lock (BEGIN IMMEDIATE)

    async def run_on(self, day: date) -> SnapshotRun | None:
        return (await self.session.execute(select(SnapshotRun).where(col(SnapshotRun.day) == day))).scalar_one_or_none()

    async def run(self, run_id: int) -> SnapshotRun | None:
        return await self.session.get(SnapshotRun, run_id)

    async def delete_runs(self, run_ids: Sequence[int]) -> None:
        if run_ids:
            await self.session.execute(delete(CoverageSnapshot).where(col(CoverageSnapshot.run_id).in_(run_ids)))
            await self.session.execute(delete(SnapshotRun).where(col(SnapshotRun.id).in_(run_ids)))

    async def add_run(self, run: SnapshotRun, rows: list[dict[str, Any]]) -> SnapshotRun:
        self.session.add(run)
        await self.session.flush()
        for start in range(0, len(rows), 2000):
            chunk = [{**r, "run_id": run.id, "day": run.day} for r in rows[start : start + 2000]]
            await self.session.execute(insert(CoverageSnapshot), chunk)
        return run

    async def run_ids_between(self, first: date, last: date) -> dict[date, int]:
        """day -> run id (plain columns: a year of runs is read on every history request)."""
        stmt = select(col(SnapshotRun.day), col(SnapshotRun.id)).where(col(SnapshotRun.day).between(first, last))
        return {day: run_id for day, run_id in (await self.session.execute(stmt)).all() if run_id is not None}

    async def days_between(self, first: date, last: date) -> list[date]:
        stmt = (
            select(col(SnapshotRun.day)).where(col(SnapshotRun.day).between(first, last)).order_by(col(SnapshotRun.day))
        )
        return list((await self.session.execute(stmt)).scalars())

    async def last_run_between(self, first: date, last: date) -> SnapshotRun | None:
        stmt = (
            select(SnapshotRun)
            .where(col(SnapshotRun.day).between(first, last))
            .order_by(col(SnapshotRun.day).desc())
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def demo_runs(self) -> list[SnapshotRun]:
        stmt = select(SnapshotRun).where(col(SnapshotRun.source) == "demo")
        return list((await self.session.execute(stmt)).scalars())

    # --- what history reads -------------------------------------------------------------------------------
    async def series(
        self,
        *,
        level: str,
        days: Sequence[date] | tuple[date, date],
        edition: str | None = None,
        unit_code: str | None = None,
        code: str | None = None,
        model_only: bool = False,
        unit_codes: Sequence[str] | None = None,
        codes: Sequence[str] | None = None,
    ) -> list[Any]:
        """Snapshot rows of one level on the given days (a list, or a (first, last) range), as plain tuples;
        `unit_codes`/`codes` narrow to a province's communes (its 168 wards: one IN list, no join)."""
        c = CoverageSnapshot
        stmt = select(
            col(c.run_id),
            col(c.day),
            col(c.edition),
            col(c.unit_code),
            col(c.code),
            col(c.shops),
            col(c.with_qr),
            col(c.baseline_shop_count),
            col(c.target_pct),
            col(c.target_date),
            col(c.is_model_street),
        ).where(col(c.level) == level)
        if isinstance(days, tuple):
            stmt = stmt.where(col(CoverageSnapshot.day).between(*days))
        else:
            stmt = stmt.where(col(CoverageSnapshot.day).in_(sorted(set(days))))
        if edition is not None:
            stmt = stmt.where(col(CoverageSnapshot.edition) == edition)
        if unit_code is not None:
            stmt = stmt.where(col(CoverageSnapshot.unit_code) == unit_code)
        if code is not None:
            stmt = stmt.where(col(CoverageSnapshot.code) == code)
        if unit_codes is not None:
            stmt = stmt.where(col(CoverageSnapshot.unit_code).in_(sorted(set(unit_codes))))
        if codes is not None:
            stmt = stmt.where(col(CoverageSnapshot.code).in_(sorted(set(codes))))
        if model_only:
            stmt = stmt.where(col(CoverageSnapshot.is_model_street).is_(True))
        return list((await self.session.execute(stmt.order_by(col(CoverageSnapshot.day)))).all())

    async def count_rows(self, run_id: int) -> int:
        stmt = select(func.count()).select_from(CoverageSnapshot).where(col(CoverageSnapshot.run_id) == run_id)
        return (await self.session.execute(stmt)).scalar_one()
