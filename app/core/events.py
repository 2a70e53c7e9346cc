"""In-transaction domain events: a lower domain announces a change, higher ones react in the same transaction.

Merchants and QR codes publish `ShopChanged`; coverage counters and the bank outbox subscribe. This keeps the
import direction one way (the publisher never imports its subscribers) while every reaction still commits or
rolls back with the change that caused it.

Where subscriptions are registered: each subscribing domain has a `register()` that calls `subscribe(name,
handler)`, and `app/subscribers.py` calls them all when imported. `app/api.py` (hence `create_app()` and
every test app) and `app/cli.py` import it, so the subscriptions are active in the app, the CLI (seed,
demo-data) and the tests alike. `publish` refuses to run when nothing is registered, so a process that forgot
the import fails loudly rather than silently skipping coverage counters.

Where events are published: one place per change. Merchants: `app.merchants.changes.finish_change` (create,
update, review, close); QR paths: `app.merchants.changes.qr_changed` (qr.issue, qr.existing, qr.revoke).
Handlers run in the caller's transaction, may only `flush()`, and must not publish further `ShopChanged`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True, slots=True)
class ShopChanged:
    """A shop (merchant) changed. `action` is the audit action name, e.g. merchant.create, merchant.update,
    merchant.close, review.approve, review.reject, qr.issue, qr.existing, qr.revoke, consent.give,
    consent.withdraw, bank.receipt. `merchant` is the row after the change (already flushed); `before` is the
    audited snapshot before it (None on create)."""

    merchant_id: str
    action: str
    merchant: Any
    before: Mapping[str, Any] | None = None


Handler = Callable[[AsyncSession, ShopChanged], Awaitable[None]]
_handlers: dict[str, Handler] = {}


def subscribe(name: str, handler: Handler) -> None:
    """Register (or replace, so repeated app creation is harmless) a named handler; runs in registration order."""
    _handlers[name] = handler


async def publish(session: AsyncSession, event: ShopChanged) -> None:
    if not _handlers:
        raise RuntimeError("no ShopChanged subscriber registered: import app.subscribers first")
    for handler in list(_handlers.values()):
        await handler(session, event)
