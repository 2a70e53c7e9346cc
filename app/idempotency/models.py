from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel, UniqueConstraint

from app.core.db import utcnow


class IdempotencyRecord(SQLModel, table=True):
    """The first response to an Idempotency-Key, stored in the same transaction as the change it made."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(index=True)
    key: str = Field(max_length=255)
    method: str = Field(max_length=8)
    path: str = Field(max_length=300)
    request_hash: str = Field(max_length=64)
    status_code: int
    response_body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)


class SyncOperation(SQLModel, table=True):
    """Outcome of each offline operation, so replaying a batch answers the same and changes nothing."""

    __tablename__ = "sync_operation"
    __table_args__ = (UniqueConstraint("user_id", "op_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(index=True)
    device_id: str = Field(max_length=100)
    op_id: str = Field(max_length=100)
    request_hash: str = Field(max_length=64)
    result: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)
