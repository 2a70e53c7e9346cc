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
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession


class ShopState(Protocol):
    """What a `ShopChanged` subscriber may read of the shop after the change, whoever wrote it: a `Merchant` row
    (update, review, close, QR, consent, receipt) or the `ShopRow` the one write path for new shops inserted
    (`app.merchants.writing`). Read-only: a subscriber reacts, it never changes the shop."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def owner_name(self) -> str | None: ...
    @property
    def status(self) -> str: ...
    @property
    def unit_code(self) -> str: ...
    @property
    def unit_code_2020(self) -> str | None: ...
    @property
    def street_id(self) -> int | None: ...
    @property
    def has_qr(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class ShopChanged:
    """A shop (merchant) changed. `action` is the audit action name, e.g. merchant.create, merchant.update,
    merchant.close, review.approve, review.reject, qr.issue, qr.existing, qr.revoke, consent.give,
    consent.withdraw, bank.receipt. `merchant` is the row after the change (already flushed); `before` is the
    audited snapshot before it (None on create). `memo`: scratch space for this event's subscribers, so a
    lookup two of them need (the bank record) is read once per change."""

    merchant_id: str
    action: str
    merchant: ShopState
    before: Mapping[str, Any] | None = None
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_new_shop(self) -> bool:
        """The shop was registered in this very transaction: nothing outside it (a bank, a check) knows it yet."""
        return self.action == "merchant.create"


@dataclass(frozen=True, slots=True)
class StreetRenamed:
    """A street's name changed: every bank record of a shop on it carries the name (`address.street`), so the
    bank outbox tells the banks and keeps its stored view (published by app.streets.service.patch_street)."""

    street_id: int


Handler = Callable[[AsyncSession, ShopChanged], Awaitable[None]]
StreetHandler = Callable[[AsyncSession, StreetRenamed], Awaitable[None]]
_street_handlers: dict[str, StreetHandler] = {}
ManyHandler = Callable[[AsyncSession, list[ShopChanged]], Awaitable[None]]
_handlers: dict[str, Handler] = {}
_many: dict[str, ManyHandler] = {}
# session.info: this transaction is a rehearsal that will be rolled back (an import's dry run): its changes are
# published to nobody. No subscriber refuses a change, so which rows would fail is the same without them.
REHEARSAL = "events_rehearsal"


def subscribe(name: str, handler: Handler, *, many: ManyHandler | None = None) -> None:
    """Register (or replace, so repeated app creation is harmless) a named handler; runs in registration order.

    `many`: the same reaction to several changes of distinct shops at once (a sync batch), with its lookups
    made once for all of them; without it `publish_many` calls `handler` once per event."""
    _handlers[name] = handler
    if many is None:
        _many.pop(name, None)
    else:
        _many[name] = many


def unsubscribe(name: str) -> None:
    """Remove a named handler (a test's spy)."""
    _handlers.pop(name, None)
    _many.pop(name, None)


def subscribe_street(name: str, handler: StreetHandler) -> None:
    """Register (or replace) a named `StreetRenamed` handler."""
    _street_handlers[name] = handler


async def publish_street_renamed(session: AsyncSession, event: StreetRenamed) -> None:
    if not _handlers:
        raise RuntimeError("no ShopChanged subscriber registered: import app.subscribers first")
    for handler in list(_street_handlers.values()):
        await handler(session, event)


async def publish(session: AsyncSession, event: ShopChanged) -> None:
    if not _handlers:
        raise RuntimeError("no ShopChanged subscriber registered: import app.subscribers first")
    if session.info.get(REHEARSAL):
        return
    for handler in list(_handlers.values()):
        await handler(session, event)


async def publish_many(session: AsyncSession, events: list[ShopChanged]) -> None:
    """The changes of several shops at once (each shop at most once, else one by one, in order)."""
    if not _handlers:
        raise RuntimeError("no ShopChanged subscriber registered: import app.subscribers first")
    if session.info.get(REHEARSAL):
        return
    if len({e.merchant_id for e in events}) != len(events):
        for event in events:
            await publish(session, event)
        return
    for name, handler in list(_handlers.items()):
        many = _many.get(name)
        if many is not None:
            await many(session, events)
        else:
            for event in events:
                await handler(session, event)
