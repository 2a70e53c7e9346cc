from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from app.core.db import utcnow


class AuditLog(SQLModel, table=True):
    """Append-only (database triggers refuse UPDATE and DELETE): who changed what, when, from which device."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, index=True)
    actor_username: str | None = Field(default=None, max_length=80)
    actor_role: str | None = Field(default=None, max_length=20)
    device_id: str | None = Field(default=None, max_length=100)
    action: str = Field(max_length=40)
    entity_type: str = Field(max_length=20)
    entity_id: str = Field(max_length=64)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # how the change came: {"channel": "api" | "sync" | "import" | "demo", ...} (new shops; migration 0010)
    context: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    request_id: str | None = Field(default=None, max_length=64)
