from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.core.text import UserText, nfc

Channel = Literal["app_signature", "paper_form", "witnessed_verbal"]
Purpose = Literal["bank_onboarding"]
# a consent PhoQR can hold was given after the service existed and not (beyond clock skew) in the future;
# anything outside is a typo or a probe, and a year-1 time with a +14:00 offset cannot even be turned into UTC
EARLIEST_GIVEN_AT = datetime(2024, 1, 1, tzinfo=UTC)
GIVEN_AT_SKEW = timedelta(minutes=5)


def check_given_at(v: datetime) -> datetime:
    """Refuses a consent time outside [2024-01-01, now + 5 min] without ever converting an out-of-range
    value to UTC (that conversion is what overflowed into a 500)."""
    if v.tzinfo is None:
        raise ValueError("cần múi giờ, ví dụ 2026-11-23T08:00:00+07:00 / needs a time zone offset")
    now = datetime.now(UTC)
    # compared on the local year first: only values within a year of the bounds are converted at all
    if v.year < EARLIEST_GIVEN_AT.year or v < EARLIEST_GIVEN_AT:
        raise ValueError("không được trước 2024-01-01 / must not be before 2024-01-01")
    if v.year > now.year + 1 or v > now + GIVEN_AT_SKEW:
        raise ValueError("không được ở tương lai / must not be in the future")
    return v


class ConsentTextOut(BaseModel):
    version: int
    purpose: str
    text_vi: str
    text_en: str
    sha256: str = Field(description="lowercase hex SHA-256 of the exact UTF-8 bytes of text_vi")
    published_at: datetime


class ConsentIn(BaseModel):
    """The owner's consent as the agent records it. Name the text by `text_sha256` (what the phone showed),
    by `text_version`, or both (then they must agree)."""

    model_config = ConfigDict(extra="forbid")
    bank_bin: str | None = Field(
        None, pattern=r"^\d{6}$", description="defaults to the BIN of the shop's payment account"
    )
    purpose: Purpose = "bank_onboarding"
    text_version: int | None = Field(None, ge=1)
    text_sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")
    channel: Channel
    given_by_name: UserText = Field(min_length=1, max_length=120, examples=["Nguyễn Thị Hương"])
    given_at: datetime | None = Field(
        None, description="when the owner agreed (default: now); from 2024-01-01 to now (5 minutes' clock skew)"
    )
    evidence_photo_id: str | None = Field(None, max_length=36, description="a photo of this shop (signed form)")

    @field_validator("given_by_name", mode="after")
    @classmethod
    def _name(cls, v: str) -> str:
        v = nfc(v)
        if not v:
            raise ValueError("không được để trống / must not be empty")
        return v

    @field_validator("given_at", mode="after")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        return check_given_at(v) if v is not None else None


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: UserText = Field(min_length=1, max_length=500)

    @field_validator("reason", mode="after")
    @classmethod
    def _reason(cls, v: str) -> str:
        v = nfc(v)
        if not v:
            raise ValueError("không được để trống / must not be empty")
        return v


class ConsentOut(BaseModel):
    id: str
    merchant_id: str
    bank_bin: str
    purpose: str
    text_version: int
    text_sha256: str
    channel: str
    given_by_name: str
    given_at: datetime
    recorded_by: int | None
    recorded_at: datetime
    evidence_photo_id: str | None
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
    withdrawn_by: int | None
    active: bool


class BankStatusOut(BaseModel):
    """Where the shop's hand-off to its bank stands (`not_sent` until an event for it exists)."""

    # every field is always sent (null when unknown): required in the document, never "unset" in generated clients
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    state: Literal["not_sent", "sent", "accepted", "rejected"]
    bank_bin: str | None = None
    version: int | None = None
    reason_code: str | None = None
    reason: str | None = None
    bank_merchant_id: str | None = None
    bank_terminal_id: str | None = None
    at: datetime | None = None


class AccountCheckOut(BaseModel):
    """The bank's answer to "whose account is this?" compared with the holder name we have."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)  # always sent, as BankStatusOut

    state: Literal["pending", "matched", "mismatch", "unavailable", "not_found"]
    bank_account_name: str | None = None
    checked_at: datetime | None = None
    attempts: int = 0
