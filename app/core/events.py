"""In-transaction domain events: a lower domain announces a change, higher ones react in the same transaction.

Merchants and QR codes publish `ShopChanged`; coverage counters and the bank outbox subscribe. This keeps the
import direction one way (the publisher never imports its subscribers) while every reaction still commits or
rolls back with the change that caused it.
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
    for handler in list(_handlers.values()):
        await handler(session, event)
