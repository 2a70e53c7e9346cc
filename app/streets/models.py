from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from app.core.db import utcnow
from app.core.db.checks import one_of
from app.core.editions import Edition


class StreetKind(StrEnum):
    STREET = "street"
    MARKET = "market"


class Street(SQLModel, table=True):
    """A street, a stretch of one ("đoạn từ … đến …"), or a market whose stalls are its shops."""

    __tablename__ = "street"
    __table_args__ = (one_of("kind", StreetKind),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default="street", max_length=8)
    name: str = Field(max_length=200)
    segment: str | None = Field(default=None, max_length=300)
    # folded kind/name/segment: the seed loader's upsert key, and a guard against two records for one place
    natural_key: str = Field(max_length=520, unique=True)
    name_search: str = Field(max_length=520, index=True)
    is_model_street: bool = Field(default=False, index=True)
    target_pct: int | None = None
    target_date: date | None = None
    baseline_shop_count: int | None = None
    note: str | None = Field(default=None, max_length=500)
    version: int = 1
    created_by: int | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class StreetUnit(SQLModel, table=True):
    """Which units (of each edition) a street runs through."""

    __tablename__ = "street_unit"
    __table_args__ = (one_of("edition", Edition),)

    street_id: int = Field(foreign_key="street.id", primary_key=True, ondelete="CASCADE")
    edition: str = Field(max_length=4, primary_key=True)
    code: str = Field(max_length=8, primary_key=True)
