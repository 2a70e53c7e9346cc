"""What the field app reads in one request: the agent's day of work and the reference data behind its form."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from app.consents.schemas import ConsentTextOut


class WorkUser(BaseModel):
    id: int
    username: str
    full_name: str
    role: str


class WorkFigures(BaseModel):
    shops: int = Field(description="active shops registered")
    with_qr: int
    without_qr: int = Field(description="active shops still without an active QR")
    pct: float | None = Field(description="with_qr over the denominator (baseline or registered shops), ≤ 100")
    denominator: int
    target_pct: int | None
    target_date: date | None


class WorkUnit(WorkFigures):
    edition: str
    code: str
    name: str


class WorkStreet(WorkFigures):
    id: int
    kind: str
    name: str
    segment: str | None
    unit: str = Field(description="the 2025 unit code the street was listed under")
    is_model_street: bool


class WorkBank(BaseModel):
    bin: str
    short_name: str
    name: str


class WorkList(BaseModel):
    user: WorkUser
    units: list[WorkUnit]
    streets: list[WorkStreet] = Field(description="model streets first, then by name")
    categories: list[str]
    banks: list[WorkBank] = Field(description="active banks, by short name")
    consent_texts: list[ConsentTextOut]
