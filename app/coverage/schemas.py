from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel


class UnitLabel(BaseModel):
    edition: str
    code: str
    name: str


class StreetLabel(BaseModel):
    id: int
    name: str
    kind: str
    segment: str | None
    is_model_street: bool


class CoverageRow(BaseModel):
    unit: UnitLabel | None = None
    street: StreetLabel | None = None
    shops: int
    with_qr: int
    pct: float | None
    baseline_shop_count: int | None
    denominator: int
    target_pct: int | None
    target_date: date | None
    gap_to_target: int | None


class CoverageReport(BaseModel):
    level: str
    edition: str
    category: str | None
    generated_at: datetime
    rows: list[CoverageRow]
    total: CoverageRow
