"""The webhook a bank receives, described in the OpenAPI document's `webhooks` section (OpenAPI 3.1)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Header

from app.bank.webhooks.schemas import EventOut

EXAMPLE = {
    "id": "6f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f",
    "seq": 42,
    "type": "qr.issued",
    "occurred_at": "2026-11-23T08:15:00Z",
    "timestamp": "2026-11-23T08:15:00Z",
    "data": {
        "merchant_id": "0b6f3c1e-2a4d-4f8e-9c7b-5d1a2e3f4a5b",
        "version": 3,
        "name": "Tạp hóa Hương",
        "category": "grocery",
        "owner_name": "Nguyễn Thị Hương",
        "phone": "0901234567",
        "address": {
            "house_number": "12",
            "street": "Ba Cu",
            "street_id": 7,
            "unit_2025": {"edition": "2025", "code": "26506"},
            "unit_2020": {"edition": "2020", "code": "26509"},
        },
        "location": {"lat": 10.3461, "lon": 107.0843, "accuracy_m": 8},
        "payment_account": {
            "bank_bin": "970436",
            "account_number": "0011001234567",
            "account_name": "NGUYEN THI HUONG",
            "kind": "account",
        },
        "qr": {"payload": "00020101021138…6304ABCD", "sticker_code": "VT-7KQ2-M9", "issued_at": "2026-11-23T08:15:00Z"},
        "status": "active",
        "consent_id": "3c9e…",
        "record_hash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    },
}


def document_webhooks(webhooks: APIRouter) -> None:
    @webhooks.post(
        "bank-event",
        operation_id="bank_handoff_event_delivered",
        summary="An event of the bank's feed, delivered to its registered URL (Standard Webhooks)",
        description=(
            "PhoQR POSTs each event of the bank's own feed (the same `id` and `seq` as `GET /bank/events`). "
            "Verify `webhook-signature` with the endpoint's secret (e.g. `standardwebhooks.Webhook(secret)"
            ".verify(body, headers)`), dedupe on `webhook-id`, answer any 2xx. Otherwise PhoQR retries after 5 s, "
            "5 min, 30 min, 2 h, 5 h, 10 h, 10 h, honours `Retry-After` on 429/503, and disables the endpoint on 410."
        ),
        status_code=204,
        responses={204: {"description": "Received (any 2xx)"}, 410: {"description": "Gone: disable this endpoint"}},
    )
    def bank_event(
        event: Annotated[EventOut, Body(openapi_examples={"qr.issued": {"value": EXAMPLE}})],
        webhook_id: Annotated[str, Header(alias="webhook-id", description="The event id")],
        webhook_timestamp: Annotated[str, Header(alias="webhook-timestamp", description="Unix seconds")],
        webhook_signature: Annotated[
            str, Header(alias="webhook-signature", description="`v1,<base64 HMAC-SHA256>`, space-separated")
        ],
    ) -> None:
        """Documentation only: banks implement this endpoint."""
