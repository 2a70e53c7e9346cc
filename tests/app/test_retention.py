"""`phoqr prune`: finished webhook deliveries and old sync operations go after their retention, expired
idempotency keys go; what may still be needed (pending deliveries, recent rows, live keys) stays."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.bank.outbox.models import BankEvent, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.bank.webhooks.retention import prune_deliveries
from app.core.db import utcnow
from app.idempotency.models import IdempotencyRecord, SyncOperation
from app.idempotency.retention import prune_idempotency_records, prune_sync_operations


async def _count(session: AsyncSession, model: type) -> int:
    return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_finished_deliveries_go_after_their_days_pending_ones_never(session: AsyncSession) -> None:
    now = utcnow()
    endpoint = WebhookEndpoint(
        id=str(uuid.uuid4()), bank_bin="970436", url="https://bank.example/hook", event_types=[], secret_enc="x"
    )
    session.add(endpoint)
    await session.flush()
    kept: list[str] = []
    gone: list[str] = []
    for i, (status, age) in enumerate(
        [("succeeded", 40), ("failed", 31), ("cancelled", 90), ("succeeded", 29), ("pending", 400)]
    ):
        event = BankEvent(
            id=str(uuid.uuid4()), bank_bin="970436", seq=10_000 + i, type="merchant.created", merchant_id="m", data={}
        )
        session.add(event)
        await session.flush()
        delivery = WebhookDelivery(
            id=str(uuid.uuid4()),
            endpoint_id=endpoint.id,
            event_id=event.id,
            bank_bin="970436",
            status=status,
            updated_at=now - timedelta(days=age),
        )
        session.add(delivery)
        await session.flush()
        session.add(WebhookAttempt(delivery_id=delivery.id, attempt_no=1, dispatcher="test"))
        (kept if age < 30 or status == "pending" else gone).append(delivery.id)
    await session.flush()
    before = await _count(session, WebhookAttempt)

    assert await prune_deliveries(session, now, days=30, batch=2) == 2  # a batch at a time
    assert await prune_deliveries(session, now, days=30, batch=2) == 1
    assert await prune_deliveries(session, now, days=30, batch=2) == 0
    left = set((await session.execute(select(WebhookDelivery.id))).scalars())
    assert set(kept) <= left and not set(gone) & left
    assert await _count(session, WebhookAttempt) == before - 3
    assert await _count(session, BankEvent) >= 5  # the feed is kept


async def test_old_sync_operations_and_expired_keys_go(session: AsyncSession) -> None:
    now = utcnow()
    for age in (45, 31, 29, 1):
        session.add(
            SyncOperation(
                user_id=1,
                device_id="phone",
                op_id=str(uuid.uuid4()),
                request_hash="h",
                result="{}",
                created_at=now - timedelta(days=age),
            )
        )
    for hours in (-2, 3):
        session.add(
            IdempotencyRecord(
                user_id=1,
                key=str(uuid.uuid4()),
                method="POST",
                path="/x",
                request_hash="h",
                status_code=201,
                response_body="{}",
                expires_at=now + timedelta(hours=hours),
            )
        )
    await session.flush()
    syncs, keys = await _count(session, SyncOperation), await _count(session, IdempotencyRecord)

    assert await prune_sync_operations(session, now, days=30, batch=100) == 2
    assert await prune_sync_operations(session, now, days=30, batch=100) == 0
    assert await _count(session, SyncOperation) == syncs - 2
    assert await prune_idempotency_records(session, now, batch=100) == 1
    assert await _count(session, IdempotencyRecord) == keys - 1


def test_phoqr_prune_runs_on_a_migrated_database(monkeypatch, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from app.cli import main as phoqr
    from app.core.config import get_settings
    from app.core.migrate import upgrade

    url = f"sqlite+aiosqlite:///{tmp_path / 'prune.db'}"
    upgrade(url)
    monkeypatch.setenv("PHOQR_DATABASE_URL", url)
    monkeypatch.setenv("PHOQR_ENVIRONMENT", "test")
    get_settings.cache_clear()
    try:
        phoqr(["prune", "--batch", "10"])
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr().out
    assert "webhook deliveries: 0 deleted" in out and "sync operations: 0 deleted" in out
