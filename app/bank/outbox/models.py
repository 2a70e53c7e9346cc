"""Tables of the bank outbox: per-bank events, their gapless counters, webhook endpoints, deliveries, attempts.

An event is written in the same transaction as the shop change that causes it (the outbox); webhook deliveries
for it are fanned out in that same transaction, so a committed change always has its event and its deliveries,
and a rolled-back change has neither.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.db import utcnow

WITHDRAWN = "merchant.consent_withdrawn"  # the event type that withdraws a shop's earlier events at its bank
CANCELLED = "cancelled_consent_withdrawn"  # the status of a delivery a withdrawal stopped


class BankEventCounter(SQLModel, table=True):
    """The last `seq` given to a bank's event. Bumped with an upsert in the event's own transaction: the row
    lock makes concurrent writers to one bank take turns, and a rollback gives the number back (no gaps)."""

    __tablename__ = "bank_event_counter"

    bank_bin: str = Field(primary_key=True, max_length=6)
    last_seq: int = 0


class BankEvent(SQLModel, table=True):
    """One entry of a bank's feed. `id` is also the webhook-id, so pull and push never disagree."""

    __tablename__ = "bank_event"
    __table_args__ = (
        UniqueConstraint("bank_bin", "seq"),
        Index("ix_bank_event_merchant_bank_seq", "merchant_id", "bank_bin", "seq"),
    )

    id: str = Field(primary_key=True, max_length=36)
    bank_bin: str = Field(max_length=6)
    seq: int
    type: str = Field(max_length=40)
    merchant_id: str = Field(max_length=36)
    occurred_at: datetime = Field(default_factory=utcnow)
    # the bank record at that version (or {"merchant_id"} alone when the shop left the bank)
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    # the record's hash, null when the shop left the bank: the next change is compared with it
    record_hash: str | None = Field(default=None, max_length=64)


class WebhookEndpoint(SQLModel, table=True):
    """Where a bank wants its events pushed. Secrets are stored encrypted (see app.bank.webhooks.crypto)."""

    __tablename__ = "webhook_endpoint"

    id: str = Field(primary_key=True, max_length=36)
    bank_bin: str = Field(max_length=6, index=True)
    url: str = Field(max_length=2000)
    event_types: list[str] = Field(sa_column=Column(JSON, nullable=False))
    secret_enc: str = Field(sa_column=Column(Text, nullable=False))
    # after a rotation the old secret keeps signing beside the new one until this moment
    previous_secret_enc: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    previous_secret_until: datetime | None = None
    status: str = Field(default="active", max_length=10)  # active | disabled | deleted
    disabled_reason: str | None = Field(default=None, max_length=200)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class WebhookDelivery(SQLModel, table=True):
    """One event owed to one endpoint. A dispatcher claims it by writing a lease; every try is an attempt."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
    )

    id: str = Field(primary_key=True, max_length=36)
    endpoint_id: str = Field(foreign_key="webhook_endpoint.id", max_length=36)
    event_id: str = Field(foreign_key="bank_event.id", max_length=36, index=True)
    bank_bin: str = Field(max_length=6)
    # pending | succeeded | failed | cancelled | cancelled_consent_withdrawn (app.bank.outbox.withdrawn)
    status: str = Field(default="pending", max_length=32)
    attempts: int = 0
    # failures since the last success or redelivery: where we are on the retry schedule
    failures: int = 0
    next_attempt_at: datetime | None = Field(default_factory=utcnow)
    lease_token: str | None = Field(default=None, max_length=36)
    lease_until: datetime | None = None
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=300)
    delivered_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class WebhookAttempt(SQLModel, table=True):
    """The log of every try: what the receiver answered, how long it took, when the next one is due."""

    __tablename__ = "webhook_attempt"
    __table_args__ = (UniqueConstraint("delivery_id", "attempt_no"),)

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: str = Field(foreign_key="webhook_delivery.id", max_length=36)
    attempt_no: int
    dispatcher: str = Field(max_length=80)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None  # when the answer was recorded; a retry is due a delay after this
    duration_ms: int | None = None
    status_code: int | None = None
    error: str | None = Field(default=None, max_length=300)
    next_attempt_at: datetime | None = None
