from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class UnitLink(BaseModel):
    edition: str
    code: str
    name: str
    how: str
    # a split 2020 commune has several successors: the one a shop goes to when nothing better tells
    default: bool = True


class ProvinceRef(BaseModel):
    code: str
    name: str


class UnitOut(BaseModel):
    edition: str
    code: str
    name: str
    kind: str
    level: str = "commune"
    province: str
    province_code: str | None = None
    valid_from: date
    valid_to: date | None
    population: int | None = None
    baseline_shop_count: int | None = None
    target_pct: int | None = None
    target_date: date | None = None
    successors: list[UnitLink] = []
    predecessors: list[UnitLink] = []


class UnitDetail(BaseModel):
    edition: str
    code: str
    name: str
    level: str
    kind: str
    province: ProvinceRef | None
    district: str | None = None
    valid_from: date
    valid_to: date | None
    population: int | None = None
    successors: list[UnitLink] = []
    predecessors: list[UnitLink] = []
