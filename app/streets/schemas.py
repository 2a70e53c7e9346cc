from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.auth.schemas import UnitRef
from app.core.text import UserText, nfc
from app.core.validation import refuse_null


class StreetOut(BaseModel):
    id: int
    kind: Literal["street", "market"]
    name: str
    segment: str | None
    units: list[UnitRef]
    is_model_street: bool
    target_pct: int | None
    target_date: date | None
    baseline_shop_count: int | None
    note: str | None
    version: int


class _StreetFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    segment: UserText | None = Field(None, max_length=300, examples=["đoạn từ Lê Lợi đến Trương Công Định"])
    is_model_street: bool | None = None
    target_pct: int | None = Field(None, ge=0, le=100)
    target_date: date | None = None
    baseline_shop_count: int | None = Field(None, ge=0, le=100_000)
    note: UserText | None = Field(None, max_length=500)

    _required = field_validator("is_model_street", mode="before")(refuse_null)

    @field_validator("segment", "note", mode="after")
    @classmethod
    def _nfc(cls, v: str | None) -> str | None:
        return nfc(v) or None if v is not None else None


class StreetCreate(_StreetFields):
    kind: Literal["street", "market"] = "street"
    name: UserText = Field(min_length=1, max_length=200)
    units: list[UnitRef] = Field(min_length=1, max_length=20)

    @field_validator("name", mode="after")
    @classmethod
    def _name(cls, v: str) -> str:
        v = nfc(v)
        if not v:
            raise ValueError("name is empty")
        return v


class StreetPatch(_StreetFields):
    name: UserText | None = Field(None, min_length=1, max_length=200)
    units: list[UnitRef] | None = Field(None, min_length=1, max_length=20)

    _required_patch = field_validator("name", "units", mode="before")(refuse_null)

    @field_validator("name", mode="after")
    @classmethod
    def _name(cls, v: str | None) -> str | None:
        return nfc(v) if v is not None else None
