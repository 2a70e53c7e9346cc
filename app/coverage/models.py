from __future__ import annotations

from sqlalchemy import SmallInteger
from sqlmodel import Field, SQLModel

import app.core.db  # noqa: F401  (naming convention first)


class CoverageCounter(SQLModel, table=True):
    """Running counts of active shops and shops with an active QR per (unit, 2020 unit, street, category).

    Kept by `app.coverage.counters` in the same transaction as every shop change (it subscribes to
    `ShopChanged`), so coverage reads a few hundred rows instead of scanning a million shops.
    """

    __tablename__ = "coverage_counter"

    unit_code: str = Field(max_length=8, primary_key=True)
    unit_code_2020: str = Field(default="", max_length=8, primary_key=True)
    street_id: int = Field(default=0, primary_key=True)
    category: str = Field(max_length=20, primary_key=True)
    # a key's count is the sum of its shards: concurrent writers on one street move different rows
    shard: int = Field(default=0, primary_key=True, sa_type=SmallInteger, sa_column_kwargs={"server_default": "0"})
    shops: int = 0
    with_qr: int = 0
