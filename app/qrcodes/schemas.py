from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.core.text import UserText


class IssueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scheme: Literal["vietqr", "vnpay"] = "vietqr"


class PayloadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    payload: UserText = Field(min_length=1, max_length=512, description="the text scanned from the QR")


class RevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: UserText = Field(min_length=1, max_length=300)


class QROut(BaseModel):
    id: str
    merchant_id: str
    scheme: str
    source: str
    payload: str
    sticker_code: str
    status: str
    account_name: str | None
    issued_at: datetime
    revoked_at: datetime | None = None
    revoke_reason: str | None = None
    image_url: str
    svg_url: str
    sticker_url: str
    notes: list[str] = []
    warnings: list[str] = []


class DecodeOut(BaseModel):
    scheme: str
    initiation: str
    bank_bin: str | None
    bank_short_name: str | None
    bank_name: str | None
    account: str | None
    service_code: str | None
    merchant_id: str | None
    amount: int | None
    purpose: str | None
    bill_number: str | None
    store_label: str | None
    terminal_label: str | None
    reference_label: str | None
    merchant_name: str | None
    merchant_city: str | None
    mcc: str | None
    currency: str | None
    country: str | None
    fields: dict[str, Any]
    warnings: list[str]


class VerifiedMerchant(BaseModel):
    name: str
    street: str | None
    unit: str | None


class VerifyOut(BaseModel):
    registered: bool
    merchant: VerifiedMerchant | None
    status: Literal["active", "revoked", "unknown"]


class DecodedImageOut(BaseModel):
    payload: str = Field(description="the QR's text, as a bank app would read it")
    decoded: DecodeOut
