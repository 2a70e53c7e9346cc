from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class UnitLink(BaseModel):
    edition: str
    code: str
    name: str
    how: str


class UnitOut(BaseModel):
    edition: str
    code: str
    name: str
    kind: str
    province: str
    valid_from: date
    valid_to: date | None
    population: int | None = None
    baseline_shop_count: int | None = None
    target_pct: int | None = None
    target_date: date | None = None
    successors: list[UnitLink] = []
    predecessors: list[UnitLink] = []
