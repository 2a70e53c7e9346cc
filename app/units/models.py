from __future__ import annotations

from datetime import date

from sqlmodel import Field, SQLModel, UniqueConstraint

import app.core.db  # noqa: F401  (naming convention first)
from app.core.checks import one_of
from app.core.editions import Edition


class AdminUnit(SQLModel, table=True):
    """A ward/commune in one edition; the same code means different places in different editions."""

    __tablename__ = "admin_unit"
    __table_args__ = (UniqueConstraint("edition", "code"), one_of("edition", Edition))

    id: int | None = Field(default=None, primary_key=True)
    edition: str = Field(max_length=4, index=True)
    code: str = Field(max_length=8)
    name: str = Field(max_length=120)
    kind: str = Field(max_length=16)
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
    __tablename__ = "unit_succession"
    __table_args__ = (UniqueConstraint("from_edition", "from_code", "to_edition", "to_code"),)

    id: int | None = Field(default=None, primary_key=True)
    from_edition: str = Field(max_length=4)
    from_code: str = Field(max_length=8)
    to_edition: str = Field(max_length=4)
    to_code: str = Field(max_length=8)
    how: str = Field(max_length=16)
