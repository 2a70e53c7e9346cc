from __future__ import annotations

from datetime import date

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel, UniqueConstraint

import app.core.db  # noqa: F401  (naming convention first)
from app.core.db.checks import one_of
from app.core.editions import Edition


class AdminUnit(SQLModel, table=True):
    """A province or a commune (ward, commune, township, special zone) in one edition; the same code means
    different places in different editions. A province's `province_code` is its own code."""

    __tablename__ = "admin_unit"
    __table_args__ = (
        UniqueConstraint("edition", "code"),
        one_of("edition", Edition),
        one_of("level", ("province", "commune")),
        # /units?edition=&level=&province= walks this index in code order (keyset pages)
        Index("ix_admin_unit_edition_level_province_code", "edition", "level", "province_code", "code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    edition: str = Field(max_length=4, index=True)
    code: str = Field(max_length=8)
    name: str = Field(max_length=120)
    kind: str = Field(max_length=16)
    level: str = Field(default="commune", max_length=8)
    # the name folded (no diacritics, đ = d, lower case): what q= compares
    name_search: str = Field(default="", max_length=120)
    # a point inside or near the unit (the converter's estimate): where the demo puts a unit's shops
    lat: float | None = None
    lon: float | None = None
    province_code: str = Field(max_length=8)
    province_name: str = Field(max_length=120)
    district_code: str | None = Field(default=None, max_length=8)
    district_name: str | None = Field(default=None, max_length=120)
    valid_from: date
    valid_to: date | None = None
    population: int | None = None
    # the ward's own count of shops it must cover (from its business register), when it has one
    baseline_shop_count: int | None = None
    target_pct: int | None = None
    target_date: date | None = None


class UnitSuccession(SQLModel, table=True):
    """A 2020 commune went (wholly, or a part of it when it was split) into a 2025 commune. A split commune has
    several rows, exactly one of them `is_default` (where a shop goes when nothing better tells)."""

    __tablename__ = "unit_succession"
    __table_args__ = (
        UniqueConstraint("from_edition", "from_code", "to_edition", "to_code"),
        Index("ix_unit_succession_to", "to_edition", "to_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    from_edition: str = Field(max_length=4)
    from_code: str = Field(max_length=8)
    to_edition: str = Field(max_length=4)
    to_code: str = Field(max_length=8)
    how: str = Field(max_length=16)
    is_default: bool = True


class UnitBoundary(SQLModel, table=True):
    """A unit's outline (GeoJSON geometry, repaired and simplified on load); the box finds candidates fast."""

    __tablename__ = "unit_boundary"
    __table_args__ = (UniqueConstraint("edition", "code"), one_of("edition", Edition))

    id: int | None = Field(default=None, primary_key=True)
    edition: str = Field(max_length=4)
    code: str = Field(max_length=8)
    geometry: str = Field(sa_type=Text)
    min_lat: float = Field(index=True)
    max_lat: float
    min_lon: float
    max_lon: float
