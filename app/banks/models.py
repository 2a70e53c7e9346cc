from __future__ import annotations

from enum import StrEnum

from sqlmodel import Field, SQLModel, UniqueConstraint

import app.core.db  # noqa: F401  (naming convention first)
from app.core.db.checks import one_of


class BankStatus(StrEnum):
    ACTIVE = "active"
    RENAMED = "renamed"


class Bank(SQLModel, table=True):
    """NAPAS acquirer BINs; a renamed bank keeps its old row (status=renamed) beside the current one."""

    __tablename__ = "bank"
    __table_args__ = (UniqueConstraint("bin", "short_name", "status"), one_of("status", BankStatus))

    id: int | None = Field(default=None, primary_key=True)
    bin: str = Field(max_length=6, index=True)
    short_name: str = Field(max_length=40)
    name: str = Field(max_length=120)
    legal_name: str = Field(max_length=200)
    swift: str | None = Field(default=None, max_length=11)
    accepts_transfers_in_app: bool = True
    status: str = Field(default="active", max_length=16)
