from __future__ import annotations

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
    shops: int = 0
    with_qr: int = 0
