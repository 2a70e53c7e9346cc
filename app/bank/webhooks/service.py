"""A bank's webhook endpoints: register, list, delete, rotate the secret, read the delivery log, redeliver.

Every function takes the BIN the request acts for (`app.bank.handoff.scope.acting_bin`); an endpoint or delivery of
another bank is answered 404 exactly like one that does not exist. A secret leaves the service only in the
answer to creation and rotation; at rest it is encrypted (app.bank.webhooks.crypto).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal
from app.bank.outbox.models import BankEvent, WebhookDelivery, WebhookEndpoint
from app.bank.outbox.withdrawn import CANCELLED, redacted_in
from app.bank.webhooks import crypto
from app.bank.webhooks.repository import WebhookRepository
from app.bank.webhooks.schemas import (
    AttemptOut,
    DeliveryOut,
    DeliveryPage,
    WebhookIn,
    WebhookOut,
    WebhookWithSecret,
)
from app.bank.webhooks.ssrf import Resolver, check_webhook_url
from app.core.config import Settings
from app.core.db import utcnow
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.pagination import decode_cursor, encode_cursor

ROTATION_OVERLAP = timedelta(hours=24)
MAX_ENDPOINTS = 10


def _out(e: WebhookEndpoint, secret: str | None = None) -> WebhookOut:
    data = {
        "id": e.id,
        "url": e.url,
        "event_types": list(e.event_types),
        "status": e.status,
        "disabled_reason": e.disabled_reason,
        "created_at": e.created_at,
        "previous_secret_until": e.previous_secret_until,
    }
    return WebhookWithSecret(**data, secret=secret) if secret else WebhookOut(**data)


async def _endpoint(
    session: AsyncSession, bank_bin: str, endpoint_id: str, *, lock: bool = False, deleted_too: bool = False
) -> WebhookEndpoint:
    endpoint = await WebhookRepository(session).endpoint(bank_bin, endpoint_id, lock=lock, deleted_too=deleted_too)
    if endpoint is None:
        raise NotFound("Không tìm thấy webhook", "Webhook not found", code="webhook_not_found")
    return endpoint


async def create(
    session: AsyncSession,
    settings: Settings,
    principal: Principal,
    bank_bin: str,
    body: WebhookIn,
    resolver: Resolver | None = None,
) -> WebhookWithSecret:
    url = await check_webhook_url(body.url, settings, resolver)
    if await WebhookRepository(session).count_live(bank_bin) >= MAX_ENDPOINTS:
        raise Conflict(
            f"Mỗi ngân hàng tối đa {MAX_ENDPOINTS} webhook",
            f"At most {MAX_ENDPOINTS} webhooks per bank",
            code="too_many_webhooks",
        )
    secret, now = crypto.new_secret(), utcnow()
    endpoint = WebhookEndpoint(
        id=str(uuid.uuid4()),
        bank_bin=bank_bin,
        url=url,
        event_types=list(body.event_types),
        secret_enc=crypto.encrypt(settings, secret),
        created_by=principal.id,
        created_at=now,
        updated_at=now,
    )
    session.add(endpoint)
    await session.flush()
    return _out(endpoint, secret)  # type: ignore[return-value]


async def list_endpoints(session: AsyncSession, bank_bin: str) -> list[WebhookOut]:
    return [_out(e) for e in await WebhookRepository(session).live_endpoints(bank_bin)]


async def delete(session: AsyncSession, bank_bin: str, endpoint_id: str) -> None:
    """The endpoint stops receiving; its log stays readable to the city (audit), pending deliveries stop."""
    endpoint = await _endpoint(session, bank_bin, endpoint_id, lock=True)
    endpoint.status, endpoint.updated_at = "deleted", utcnow()
    await WebhookRepository(session).cancel_pending(endpoint.id, utcnow())
    await session.flush()


async def rotate(session: AsyncSession, settings: Settings, bank_bin: str, endpoint_id: str) -> WebhookWithSecret:
    """A new secret now; the old one keeps signing beside it for 24 h so the bank can switch without a gap.
    One old secret at a time: a second rotation within those 24 h ends the first old secret at once (the
    answer's `previous_secret_until` is the end of the one that replaced it). Chosen over keeping several old
    secrets: a bank rotating twice in a day has moved to the newest already, and every extra secret signing is
    one more that can leak."""
    endpoint = await _endpoint(session, bank_bin, endpoint_id, lock=True)
    secret, now = crypto.new_secret(), utcnow()
    endpoint.previous_secret_enc = endpoint.secret_enc
    endpoint.previous_secret_until = now + ROTATION_OVERLAP
    endpoint.secret_enc = crypto.encrypt(settings, secret)
    endpoint.updated_at = now
    await session.flush()
    return _out(endpoint, secret)  # type: ignore[return-value]


async def _attempts(session: AsyncSession, ids: list[str]) -> dict[str, list[AttemptOut]]:
    out: dict[str, list[AttemptOut]] = defaultdict(list)
    if not ids:
        return out
    for a in await WebhookRepository(session).attempts(ids):
        out[a.delivery_id].append(AttemptOut.model_validate(a, from_attributes=True))
    return out


def _delivery_out(d: WebhookDelivery, event: BankEvent, attempts: list[AttemptOut]) -> DeliveryOut:
    return DeliveryOut(
        id=d.id,
        endpoint_id=d.endpoint_id,
        event_id=d.event_id,
        event_type=event.type,
        seq=event.seq,
        status=d.status,
        attempts=d.attempts,
        next_attempt_at=d.next_attempt_at,
        last_status_code=d.last_status_code,
        last_error=d.last_error,
        delivered_at=d.delivered_at,
        created_at=d.created_at,
        attempt_log=attempts,
    )


async def deliveries(
    session: AsyncSession,
    bank_bin: str,
    endpoint_id: str,
    *,
    status: str | None,
    cursor: str | None,
    limit: int,
    deleted_too: bool = False,
) -> DeliveryPage:
    """Newest event first (by seq), each with its attempt log. `deleted_too`: the city (admin, auditor) still
    reads a deleted endpoint's log; the bank does not see its deleted endpoints."""
    await _endpoint(session, bank_bin, endpoint_id, deleted_too=deleted_too)
    after = decode_cursor(cursor, 1)
    if after and not isinstance(after[0], int):
        raise ValidationFailed("cursor", "Con trỏ phân trang không hợp lệ", "Invalid cursor")
    before_seq = after[0] if after else None
    rows = await WebhookRepository(session).deliveries(
        bank_bin, endpoint_id, status=status, before_seq=before_seq, limit=limit + 1
    )
    more, rows = len(rows) > limit, rows[:limit]
    logs = await _attempts(session, [d.id for d, _ in rows])
    items = [_delivery_out(d, e, logs.get(d.id, [])) for d, e in rows]
    return DeliveryPage(items=items, next_cursor=encode_cursor([rows[-1][1].seq]) if more and rows else None)


async def redeliver(session: AsyncSession, bank_bin: str, delivery_id: str) -> DeliveryOut:
    """Due again now, with a fresh retry schedule; the attempt log keeps everything that happened before. An
    event the owner's withdrawal has stopped (outbox.withdrawn) is never sent again: 409 `consent_withdrawn`."""
    row = await WebhookRepository(session).delivery_locked(bank_bin, delivery_id)
    if row is None or row[2].status == "deleted":
        raise NotFound("Không tìm thấy lần gửi", "Delivery not found", code="delivery_not_found")
    delivery, event, endpoint = row
    if endpoint.status != "active":
        raise Conflict(
            "Webhook đã bị tắt; hãy đăng ký lại", "The webhook is disabled; register it again", code="invalid_state"
        )
    if delivery.status == CANCELLED or await redacted_in(session, bank_bin, [event]):
        raise Conflict(
            "Chủ cửa hàng đã rút lại sự đồng ý với ngân hàng này (hoặc cửa hàng đã chuyển ngân hàng): "
            "dữ liệu này không được gửi lại",
            "The owner withdrew consent for this bank (or the shop moved to another bank): "
            "this event's data is not sent again",
            code="consent_withdrawn",
        )
    now: datetime = utcnow()
    delivery.status, delivery.failures, delivery.next_attempt_at = "pending", 0, now
    delivery.lease_token, delivery.lease_until, delivery.updated_at = None, None, now
    await session.flush()
    return _delivery_out(delivery, event, (await _attempts(session, [delivery.id])).get(delivery.id, []))
