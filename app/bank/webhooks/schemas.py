"""Request and response shapes of the bank's feed and webhooks (API.md, "Bank hand-off")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.bank.handoff.schemas import BankRecord, ConsentWithdrawnData, DocumentedAs
from app.bank.outbox.service import EVENT_TYPES

EventType = Literal[
    "merchant.created",
    "merchant.updated",
    "merchant.closed",
    "merchant.consent_withdrawn",
    "qr.issued",
    "qr.revoked",
]
assert set(EventType.__args__) == set(EVENT_TYPES)  # type: ignore[attr-defined]


class EventOut(BaseModel):
    id: str = Field(description="Also the `webhook-id` of its deliveries: pull and push never disagree")
    seq: int = Field(description="Gapless, per bank")
    type: EventType
    occurred_at: str
    # relayed as stored (the bank hashes these very bytes); documented as the models so clients get them typed
    data: Annotated[dict[str, Any], DocumentedAs(BankRecord | ConsentWithdrawnData)] = Field(
        description="The bank record at that version; `{merchant_id}` on withdrawal"
    )


class EventPage(BaseModel):
    items: list[EventOut]
    next_after: int = Field(description="Pass as `after` to continue (equals `after` when nothing is new)")


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=8, max_length=2000, examples=["https://bank.example/phoqr/webhooks"])
    event_types: list[EventType] = Field(
        default_factory=lambda: cast("list[EventType]", list(EVENT_TYPES)),
        min_length=1,
        description="Default: every type",
    )

    @field_validator("event_types")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return sorted(set(value))


class WebhookOut(BaseModel):
    id: str
    url: str
    event_types: list[str]
    status: Literal["active", "disabled"]
    disabled_reason: str | None = None
    created_at: datetime
    previous_secret_until: datetime | None = Field(
        None, description="After a rotation, the old secret signs beside the new one until then"
    )


class WebhookWithSecret(WebhookOut):
    secret: str = Field(description="`whsec_` + base64; shown only on creation and rotation")


class AttemptOut(BaseModel):
    attempt_no: int
    started_at: datetime
    finished_at: datetime | None
    duration_ms: int | None
    status_code: int | None
    error: str | None
    next_attempt_at: datetime | None


class DeliveryOut(BaseModel):
    id: str
    endpoint_id: str
    event_id: str
    event_type: str
    seq: int
    status: Literal["pending", "succeeded", "failed", "cancelled", "cancelled_consent_withdrawn"] = Field(
        description="`cancelled_consent_withdrawn`: stopped because the owner withdrew consent for this bank "
        "or the shop moved to another bank; never sent again"
    )
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
    attempt_log: list[AttemptOut]


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None = None
