"""New shops of a sync batch registered together: the lookups and the INSERTs once per batch, not per operation.

`create_new` takes the batch's "upsert_merchant" operations that are sure to succeed as new registrations and
writes them in bulk, as plain rows (one core INSERT executemany per table: no ORM instance, no identity map, each
op validated once); every other operation (updates, closes, QRs, invalid ones, and any registration that could
conflict) is left to the per-operation path of `app.sync.service`, each in its own SAVEPOINT. An operation is
taken only when all of this holds, checked with a handful of queries for the whole batch:

- it validates, has no `base_version` and no `consent` (those go through the per-op path with its checks);
- its op_id is not stored yet and appears once in the batch; its shop id is new and touched by no other op;
- its phone and account key are used by no other operation of the batch and held by no active shop;
- its street/units resolve and lie in the caller's units (resolved once per distinct place), its BIN is active.

Near duplicates are flagged like a single registration would: a visible active shop on the street with the same
compact name (one query for the batch), an earlier new shop of the batch with that name or within 30 m, or a
visible shop within 30 m (an indexed box lookup per located shop). Each shop still ends in `finish_creates`
(an audit row and a `ShopChanged` each, its `merchant` a `ShopRow` of the columns written), so coverage counters
and the bank outbox see every registration. If anything in the bulk write fails (a concurrent registration won a
unique index), the savepoint is rolled back and all the operations go through the per-op path instead: nothing
is half-written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.audit.models import AuditLog
from app.auth import Principal
from app.core.errors import AppError
from app.coverage.counters import Batch
from app.merchants import service as merchants
from app.merchants.builder import account_row, merchant_row
from app.merchants.changes import ShopRow, finish_creates
from app.merchants.enums import AccountKind, MerchantStatus
from app.merchants.models import Merchant, PaymentAccount
from app.merchants.placement import NEAR_METRES, Placement, box, metres, place
from app.merchants.repository import MerchantRepository
from app.merchants.schemas import MerchantCreate, MerchantPatch
from app.merchants.scope import visible_filter
from app.sync.schemas import OpResult, SyncOperation

# the tables themselves: a core executemany of plain rows (SQLModel sets __table__; its stubs do not say)
_MERCHANT: Table = Merchant.__table__  # type: ignore[attr-defined]
_ACCOUNT: Table = PaymentAccount.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class _Registration:
    """An operation that validated as a new registration, with the phone and account key it would hold."""

    op: SyncOperation
    body: MerchantCreate
    phone: str | None
    key: str | None


def _claims_of(body: MerchantCreate | MerchantPatch) -> tuple[str | None, str | None]:
    p, v = body.payment_account, body.vnpay
    key = None
    if p is not None:
        key = f"{p.bank_bin}:{p.account_number}"
    elif v is not None:
        key = f"vnpay:{v.merchant_id}:{v.terminal_id or ''}"
    return body.phone, key


def _claims(op: SyncOperation) -> tuple[str | None, str | None]:
    """(phone, account key) an upsert would hold; (None, None) when it cannot validate (it then writes nothing)."""
    payload = {k: v for k, v in op.payload.items() if k not in ("id", "base_version")}
    try:
        return _claims_of(MerchantPatch.model_validate(payload))
    except ValidationError:
        return None, None


def _shop_id(op: SyncOperation) -> str | None:
    value = op.payload.get("id") or op.payload.get("merchant_id")
    return str(value) if value else None


def _registration(op: SyncOperation, stored: dict[str, Any], op_ids: Counter[str]) -> MerchantCreate | None:
    """The op's registration when it may be taken in bulk: validated once, its claims read from it too (the
    fields a patch would take are the same, so `_claims` would find the same phone and key)."""
    if op.op_id in stored or op_ids[op.op_id] > 1:
        return None
    if "base_version" in op.payload or op.payload.get("consent") is not None:
        return None
    try:
        return MerchantCreate.model_validate(op.payload)
    except ValidationError:
        return None


def _candidates(ops: list[SyncOperation], stored: dict[str, Any]) -> list[_Registration]:
    op_ids = Counter(op.op_id for op in ops)
    shops = Counter(_shop_id(op) for op in ops)
    phones: Counter[str] = Counter()
    keys: Counter[str] = Counter()
    registrations = []
    for op in ops:
        if op.type != "upsert_merchant":
            continue
        body = _registration(op, stored, op_ids)
        phone, key = _claims_of(body) if body is not None else _claims(op)
        phones.update([phone] if phone else [])
        keys.update([key] if key else [])
        if body is not None:
            registrations.append(_Registration(op, body, phone, key))
    return [
        r
        for r in registrations
        if shops[str(r.body.id)] <= 1 and not (r.phone and phones[r.phone] > 1) and not (r.key and keys[r.key] > 1)
    ]


async def _taken(session: AsyncSession, ids: list[str], phones: list[str], keys: list[str]) -> set[str]:
    """Shop ids that exist, and phones / account keys an active shop holds: three indexed IN lookups."""
    taken: set[str] = set()
    if ids:
        taken |= set((await session.execute(select(col(Merchant.id)).where(col(Merchant.id).in_(ids)))).scalars())
    if phones:
        stmt = select(col(Merchant.phone_active)).where(col(Merchant.phone_active).in_(phones))
        taken |= {f"phone:{p}" for p in (await session.execute(stmt)).scalars()}
    if keys:
        stmt = select(col(PaymentAccount.active_key)).where(col(PaymentAccount.active_key).in_(keys))
        taken |= {f"key:{k}" for k in (await session.execute(stmt)).scalars()}
    return taken


async def _same_names(session: AsyncSession, principal: Principal, shops: list[ShopRow]) -> dict[tuple, str]:
    """(street_id, compact name) -> a visible active shop with that name on that street, for the whole batch."""
    named = [m for m in shops if m.street_id is not None and m.name_compact]
    if not named:
        return {}
    stmt = select(col(Merchant.street_id), col(Merchant.name_compact), col(Merchant.id)).where(
        col(Merchant.street_id).in_({m.street_id for m in named}),
        col(Merchant.name_compact).in_({m.name_compact for m in named}),
        col(Merchant.status) == MerchantStatus.ACTIVE,
        visible_filter(principal),
    )
    found: dict[tuple, str] = {}
    for street_id, name, shop_id in (await session.execute(stmt)).all():
        found.setdefault((street_id, name), shop_id)
    return found


async def _near(session: AsyncSession, principal: Principal, shops: list[ShopRow]) -> None:
    """Set `possible_duplicate_of` on each new shop, as `placement.near_duplicate` would one by one."""
    by_name = await _same_names(session, principal, shops)
    repo = MerchantRepository(session)
    earlier: list[ShopRow] = []
    for m in shops:
        m["possible_duplicate_of"] = None
        if m.street_id is not None:
            same = [o.id for o in earlier if o.street_id == m.street_id and o.name_compact == m.name_compact]
            m["possible_duplicate_of"] = by_name.get((m.street_id, m.name_compact)) or (
                same[0] if same and m.name_compact else None
            )
            if m.possible_duplicate_of is None and m.lat is not None and m.lon is not None:
                around: list[Any] = await repo.near_duplicates(
                    principal, m.street_id, m.id, "", box(m.lat, m.lon, NEAR_METRES)
                )
                around += [o for o in earlier if o.street_id == m.street_id]
                m["possible_duplicate_of"] = next(
                    (
                        o.id
                        for o in around
                        if o.lat is not None and o.lon is not None and metres(m.lat, m.lon, o.lat, o.lon) <= NEAR_METRES
                    ),
                    None,
                )
        earlier.append(m)


def _account(body: MerchantCreate, active_bins: frozenset[str]) -> dict[str, Any] | None:
    """The new payment account's columns, as `upsert_account` sets them on a new row (no ORM instance).

    Raises LookupError when the BIN is not an active bank (the per-op path answers that op with its 422)."""
    p, v = body.payment_account, body.vnpay
    fields: dict[str, Any] = {}
    if p is not None:
        if p.bank_bin not in active_bins:
            raise LookupError(p.bank_bin)
        fields.update(kind=p.kind, bank_bin=p.bank_bin, account_number=p.account_number, account_name=p.account_name)
    if v is not None:
        fields.update(vnpay_merchant_id=v.merchant_id, vnpay_terminal_id=v.terminal_id)
        if p is None:
            fields["kind"] = AccountKind.VNPAY
    return account_row(str(body.id), shop_active=True, **fields) if fields else None


def _shop(principal: Principal, body: MerchantCreate, where: Placement, device: str) -> ShopRow:
    columns = merchants.registration_columns(
        body,
        where,
        create_hash=merchants.body_hash(body),
        created_by=principal.id,
        device_id=device or principal.device_id,
    )
    return ShopRow(merchant_row(**columns))


async def create_new(
    session: AsyncSession,
    principal: Principal,
    ops: list[SyncOperation],
    device: str,
    stored: dict[str, Any],
    counters: Batch,
    audit_rows: list[AuditLog],
) -> dict[str, OpResult]:
    """Register the sure new shops of the batch in bulk; op_id -> result for each operation taken."""
    candidates = _candidates(ops, stored)
    if not candidates:
        return {}
    taken = await _taken(
        session,
        [str(r.body.id) for r in candidates],
        [r.phone for r in candidates if r.phone],
        [r.key for r in candidates if r.key],
    )
    active_bins = await MerchantRepository(session).active_bins()
    places: dict[str, Placement | None] = {}
    chosen: list[tuple[SyncOperation, ShopRow, dict[str, Any] | None]] = []
    for r in candidates:
        body = r.body
        if str(body.id) in taken or f"phone:{r.phone}" in taken or f"key:{r.key}" in taken:
            continue  # the per-op path answers it (duplicate, or an update of the existing shop)
        point = merchants.located(body) if body.unit_2020 or (body.unit and body.unit.edition == "2020") else None
        where_key = repr((body.street_id, body.unit, body.unit_2020, point))  # a split old ward: the point decides
        if where_key not in places:
            try:
                places[where_key] = await place(session, principal, body.street_id, body.unit, body.unit_2020, point)
            except AppError:
                places[where_key] = None
        where = places[where_key]
        if where is None:
            continue
        try:
            account = _account(body, active_bins)
        except LookupError:
            continue
        chosen.append((r.op, _shop(principal, body, where, device), account))
    if not chosen:
        return {}
    shops = [m for _, m, _ in chosen]
    await _near(session, principal, shops)
    accounts = [a for _, _, a in chosen if a is not None]
    mark, audit_mark = counters.mark(), len(audit_rows)
    try:
        async with session.begin_nested():
            # plain rows, one executemany per table: no ORM instance, nothing in the identity map
            await session.execute(insert(_MERCHANT), shops)
            if accounts:
                await session.execute(insert(_ACCOUNT), accounts)
            await finish_creates(session, principal, shops, device_id=device)
    except (IntegrityError, AppError):
        # a concurrent registration took an id, phone or account meanwhile: every op goes the per-op way
        counters.rollback(mark)
        del audit_rows[audit_mark:]
        return {}
    return {op.op_id: OpResult(op_id=op.op_id, status="created", merchant_id=m.id) for op, m, _ in chosen}


__all__ = ["create_new"]
