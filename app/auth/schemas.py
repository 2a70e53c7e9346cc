from __future__ import annotations

from pydantic import BaseModel, Field


class UnitRef(BaseModel):
    edition: str = Field(pattern=r"^(2020|2025)$", examples=["2025"])
    code: str = Field(pattern=r"^(\d{2}|\d{5})$", examples=["26506"])  # 2 digits: a province (a scope)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=10, max_length=2000)


class Me(BaseModel):
    id: int
    username: str
    full_name: str
    role: str
    units: list[UnitRef]
    bank_bin: str | None
