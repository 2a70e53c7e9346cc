"""How every change to a shop ends, in one place: an audit row and a `ShopChanged` event.

Subscribers (coverage counters, the bank outbox, ...) react in the same transaction; merchants never import
them. Every path that changes a shop row ends here: create and update (service), review and close (lifecycle),
and the QR paths of app.qrcodes, which call `qr_changed` after issuing, registering or revoking a QR.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.auth import Principal
from app.core.db import utcnow
from app.core.events import ShopChanged, publish, publish_many
from app.merchants.models import Merchant

AUDITED = (
    "name",
    "category",
    "owner_name",
    "phone",
    "house_number",
    "street_id",
    "unit_code",
    "unit_code_2020",
    "lat",
    "lon",
    "status",
    "close_reason",
    "review_state",
    "review_reason",
    "non_coverage_reason",
    "possible_duplicate_of",
    "has_qr",
    "version",
)


# the order `snapshot` (a model dump) gives the audited columns
_AUDITED_IN_ORDER = tuple(name for name in Merchant.model_fields if name in AUDITED)


class ShopRow(dict[str, Any]):
    """A new shop's columns as the write path inserted them (`app.merchants.writing`), without an ORM instance (a
    batch registers hundreds at once). Read as a mapping of every column, or through the typed properties of
    `app.core.events.ShopState`, the shape every `ShopChanged` carries."""

    __slots__ = ()

    @property
    def id(self) -> str:
        return str(self["id"])

    @property
    def name(self) -> str:
        return str(self["name"])

    @property
    def category(self) -> str:
        return str(self["category"])

    @property
    def owner_name(self) -> str | None:
        value: str | None = self["owner_name"]
        return value

    @property
    def status(self) -> str:
        return str(self["status"])

    @property
    def unit_code(self) -> str:
        return str(self["unit_code"])

    @property
    def unit_code_2020(self) -> str | None:
        value: str | None = self["unit_code_2020"]
        return value

    @property
    def street_id(self) -> int | None:
        value: int | None = self["street_id"]
        return value

    @property
    def has_qr(self) -> bool:
        return bool(self["has_qr"])


def snapshot(m: Merchant) -> dict[str, Any]:
    """The audited state of a shop; take it before changing the row and pass it as `before`."""
    return audit.snapshot(m, AUDITED)


def row_snapshot(row: Mapping[str, Any]) -> dict[str, Any]:
    """`snapshot` of a shop held as its columns (a `ShopRow`): the same keys, order and values."""
    values = ((name, row[name]) for name in _AUDITED_IN_ORDER)
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values}


async def finish_change(
    session: AsyncSession,
    principal: Principal | None,
    m: Merchant,
    action: str,
    before: dict[str, Any] | None,
    *,
    device_id: str | None = None,
    entity_type: str = "merchant",
) -> None:
    """Audit the change (`action` on `entity_type`) and announce it; the row must already be flushed."""
    await audit.record(
        session, principal, action, entity_type, m.id, before=before, after=snapshot(m), device_id=device_id
    )
    await publish(session, ShopChanged(merchant_id=m.id, action=action, merchant=m, before=before))


async def finish_creates(
    session: AsyncSession,
    principal: Principal,
    shops: list[ShopRow],
    *,
    device_id: str | None = None,
    context: dict[str, Any] | None = None,
) -> None:
    """How the registration of new shops ends (`app.merchants.writing`), the rows already inserted: one audit row
    (`merchant.create`, with the caller's `context`) and one `ShopChanged` each, the subscribers' lookups made once
    for all of them when there are several."""
    rows = [
        audit.audit_row(
            principal, "merchant.create", "merchant", m.id, after=row_snapshot(m), device_id=device_id, context=context
        )
        for m in shops
    ]
    await audit.record_rows(session, rows)
    events = [ShopChanged(merchant_id=m.id, action="merchant.create", merchant=m) for m in shops]
    if len(events) == 1:
        await publish(session, events[0])
    else:
        await publish_many(session, events)


async def qr_changed(session: AsyncSession, m: Merchant, action: str, *, has_qr: bool) -> None:
    """For app.qrcodes: the shop's active QR was issued/registered (has_qr=True) or revoked (False).

    The QR's own audit row (entity "qr") is written by the QR path; this moves the shop's `has_qr` and
    publishes `ShopChanged(action)` (qr.issue, qr.existing, qr.revoke) so coverage and the bank outbox follow.
    """
    before = snapshot(m)
    m.has_qr = has_qr
    m.updated_at = utcnow()
    await session.flush()
    await publish(session, ShopChanged(merchant_id=m.id, action=action, merchant=m, before=before))
