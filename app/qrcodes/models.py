from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.core.db import utcnow


class QRCode(SQLModel, table=True):
    """Every QR a shop was ever given; revoked ones are kept for history and for /qr/verify."""

    __tablename__ = "qr_code"

    id: str = Field(primary_key=True, max_length=36)
    merchant_id: str = Field(foreign_key="merchant.id", index=True, max_length=36)
    scheme: str = Field(max_length=10)
    source: str = Field(default="issued", max_length=10)
    payload: str = Field(max_length=512)
    payload_hash: str = Field(max_length=64, index=True)
    sticker_code: str = Field(max_length=20, unique=True)
    status: str = Field(default="active", max_length=10)
    # equals merchant_id while active; unique, so a shop never has two active QRs
    active_for: str | None = Field(default=None, max_length=36, unique=True)
    bank_bin: str | None = Field(default=None, max_length=6)
    account_number: str | None = Field(default=None, max_length=19)
    account_name: str | None = Field(default=None, max_length=120)
    vnpay_merchant_id: str | None = Field(default=None, max_length=40)
    adapter: str | None = Field(default=None, max_length=40)
    issued_at: datetime = Field(default_factory=utcnow)
    issued_by: int | None = Field(default=None, foreign_key="app_user.id")
    revoked_at: datetime | None = None
    revoked_by: int | None = Field(default=None, foreign_key="app_user.id")
    revoke_reason: str | None = Field(default=None, max_length=300)
