"""Tables of a shop's standing with its bank: the owner's consent, the bank's answer, the holder-name check.

Low in the import order (only app.core below it), so merchants can show `bank_status` and take a consent
inline at registration without importing the bank-facing domain above them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from app.core.db import utcnow

PURPOSE_BANK_ONBOARDING = "bank_onboarding"


class ConsentText(SQLModel, table=True):
    """A published consent text. Never edited: a new wording is a new version."""

    __tablename__ = "consent_text"

    version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    purpose: str = Field(max_length=30)
    text_vi: str = Field(sa_column=Column(Text, nullable=False))
    text_en: str = Field(sa_column=Column(Text, nullable=False))
    # over the exact UTF-8 bytes of text_vi: what the owner agreed to, provably
    sha256: str = Field(max_length=64, unique=True)
    published_at: datetime = Field(default_factory=utcnow)


class Consent(SQLModel, table=True):
    """The owner agreed that this shop's data goes to this bank for this purpose (until withdrawn)."""

    __tablename__ = "consent"
    # a bank's consents in shop order with what the rule asks of them, read from the index alone: the bank files'
    # and digests' join (app.bank.handoff.repository) at 1,000,000 shops of 5,000,000 reads no consent row
    __table_args__ = (
        Index("ix_consent_bank_merchant", "bank_bin", "merchant_id", postgresql_include=["purpose", "active_key"]),
    )

    id: str = Field(primary_key=True, max_length=36)
    merchant_id: str = Field(foreign_key="merchant.id", index=True, max_length=36)
    bank_bin: str = Field(max_length=6, index=True)
    purpose: str = Field(default=PURPOSE_BANK_ONBOARDING, max_length=30)
    text_version: int = Field(foreign_key="consent_text.version")
    text_sha256: str = Field(max_length=64)
    channel: str = Field(max_length=20)
    given_by_name: str = Field(max_length=120)
    given_at: datetime
    recorded_by: int | None = Field(default=None, foreign_key="app_user.id")
    recorded_at: datetime = Field(default_factory=utcnow)
    device_id: str | None = Field(default=None, max_length=100)
    evidence_photo_id: str | None = Field(default=None, foreign_key="merchant_photo.id", max_length=36)
    withdrawn_at: datetime | None = None
    withdrawal_reason: str | None = Field(default=None, max_length=500)
    withdrawn_by: int | None = Field(default=None, foreign_key="app_user.id")
    # "merchant_id:bank_bin:purpose" while in force; unique, so a shop has one active consent per bank and purpose
    active_key: str | None = Field(default=None, max_length=80, unique=True)


class BankStatus(SQLModel, table=True):
    """Where a shop's hand-off to one bank stands. No row means `not_sent`."""

    __tablename__ = "bank_status"

    merchant_id: str = Field(foreign_key="merchant.id", primary_key=True, max_length=36)
    bank_bin: str = Field(primary_key=True, max_length=6)
    state: str = Field(max_length=10, index=True)
    # the bank-record version this state is about (a receipt for an older version is stale)
    version: int | None = None
    reason_code: str | None = Field(default=None, max_length=30)
    reason: str | None = Field(default=None, max_length=500)
    bank_merchant_id: str | None = Field(default=None, max_length=50)
    bank_terminal_id: str | None = Field(default=None, max_length=50)
    at: datetime = Field(default_factory=utcnow)


class BankReceipt(SQLModel, table=True):
    """Every distinct answer a bank sent about a record; a replayed answer finds its digest and adds nothing."""

    __tablename__ = "bank_receipt"

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: str = Field(foreign_key="merchant.id", index=True, max_length=36)
    bank_bin: str = Field(max_length=6)
    version: int
    result: str = Field(max_length=10)
    reason_code: str | None = Field(default=None, max_length=30)
    reason: str | None = Field(default=None, max_length=500)
    bank_merchant_id: str | None = Field(default=None, max_length=50)
    bank_terminal_id: str | None = Field(default=None, max_length=50)
    digest: str = Field(max_length=64, unique=True)
    received_by: int | None = Field(default=None, foreign_key="app_user.id")
    received_at: datetime = Field(default_factory=utcnow)


class AccountNameCheck(SQLModel, table=True):
    """The bank's answer to "whose account is this?" for the shop's current account, compared with ours."""

    __tablename__ = "account_name_check"

    merchant_id: str = Field(foreign_key="merchant.id", primary_key=True, max_length=36)
    # the account that was (or is to be) checked: a changed account starts a new check
    account_key: str = Field(max_length=80)
    state: str = Field(default="pending", max_length=12, index=True)
    bank_account_name: str | None = Field(default=None, max_length=120)
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default=None, index=True)
    checked_at: datetime | None = None
    detail: str | None = Field(default=None, max_length=200)
    updated_at: datetime = Field(default_factory=utcnow)
