from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel, UniqueConstraint

from app.core.db import utcnow


class SnapshotRun(SQLModel, table=True):
    """One day's snapshot. Retaking today's replaces the run (a new id), so an id always names one content."""

    __tablename__ = "coverage_snapshot_run"
    # SQLite would otherwise hand a deleted run's id to the next one: an id must never name two contents
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(unique=True)
    taken_at: datetime = Field(default_factory=utcnow)
    # service (the daily task), cli (`phoqr snapshot`), demo (synthetic history from `phoqr demo-data`)
    source: str = Field(max_length=10)
    shops: int = 0
    with_qr: int = 0


class CoverageSnapshot(SQLModel, table=True):
    """A unit's, a street's (within one 2025 unit) or a category's (within one 2025 unit) figures on a day.

    level=unit:     edition 2025 (code = unit_code) or 2020 (code = old ward, '' = old ward not known);
    level=street:   code = street id ('0' = shops without a street), counts of that street's shops in unit_code,
                    with the street's baseline/target/model flag as they were that day;
    level=category: code = category, counts of that category's shops in unit_code.
    """

    __tablename__ = "coverage_snapshot"
    __table_args__ = (
        UniqueConstraint("day", "level", "edition", "unit_code", "code"),
        Index("ix_coverage_snapshot_series", "level", "code", "day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="coverage_snapshot_run.id", index=True, ondelete="CASCADE")
    day: date
    level: str = Field(max_length=8)
    edition: str = Field(max_length=4)
    unit_code: str = Field(max_length=8)
    code: str = Field(max_length=20)
    shops: int = 0
    with_qr: int = 0
    baseline_shop_count: int | None = None
    target_pct: int | None = None
    target_date: date | None = None
    is_model_street: bool = False
