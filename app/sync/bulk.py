"""New shops of a sync batch registered together: the lookups and the INSERTs once per batch, not per operation.

`create_new` takes the batch's "upsert_merchant" operations that are sure to succeed as new registrations and
writes them in bulk; every other operation (updates, closes, QRs, invalid ones, and any registration that could
conflict) is left to the per-operation path of `app.sync.service`, each in its own SAVEPOINT. An operation is
taken only when all of this holds, checked with a handful of queries for the whole batch:

- it validates, has no `base_version` and no `consent` (those go through the per-op path with its checks);
- its op_id is not stored yet and appears once in the batch; its shop id is new and touched by no other op;
- its phone and account key are used by no other operation of the batch and held by no active shop;
- its street/units resolve and lie in the caller's units (resolved once per distinct place), its BIN is active.

Near duplicates are flagged like a single registration would: a visible active shop on the street with the same
compact name (one query for the batch), an earlier new shop of the batch with that name or within 30 m, or a
visible shop within 30 m (an indexed box lookup per located shop). Each shop still ends in `finish_creates`
(an audit row and a `ShopChanged` each), so coverage counters and the bank outbox see every registration. If anything in
the bulk write fails (a concurrent registration won a unique index), the savepoint is rolled back and all the
operations go through the per-op path instead: nothing is half-written.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.audit.models import AuditLog
from app.auth import Principal
from app.core.errors import AppError
from app.coverage.counters import Batch
from app.merchants import service as merchants
from app.merchants.accounts import BankAccount, VnpayIds, upsert_account
from app.merchants.changes import finish_creates
from app.merchants.enums import MerchantStatus
from app.merchants.models import Merchant, PaymentAccount
from app.merchants.placement import NEAR_METRES, Placement, _box, metres, place
from app.merchants.repository import MerchantRepository
from app.merchants.schemas import MerchantCreate, MerchantPatch
from app.merchants.scope import visible_filter
from app.sync.schemas import OpResult, SyncOperation


def _claims(op: SyncOperation) -> tuple[str | None, str | None]:
    """(phone, account key) an upsert would hold; (None, None) when it cannot validate (it then writes nothing)."""
    payload = {k: v for k, v in op.payload.items() if k not in ("id", "base_version")}
    try:
        body = MerchantPatch.model_validate(payload)
    except ValidationError:
        return None, None
    p, v = body.payment_account, body.vnpay
    key = None
    if p is not None:
        key = f"{p.bank_bin}:{p.account_number}"
    elif v is not None:
        key = f"vnpay:{v.merchant_id}:{v.terminal_id or ''}"
    return body.phone, key


def _shop_id(op: SyncOperation) -> str | None:
    value = op.payload.get("id") or op.payload.get("merchant_id")
    return str(value) if value else None


def _candidates(ops: list[SyncOperation], stored: dict[str, Any]) -> list[tuple[SyncOperation, MerchantCreate]]:
    op_ids = Counter(op.op_id for op in ops)
    shops = Counter(_shop_id(op) for op in ops)
    phones: Counter[str] = Counter()
    keys: Counter[str] = Counter()
    for op in ops:
        if op.type == "upsert_merchant":
            phone, key = _claims(op)
            phones.update([phone] if phone else [])
            keys.update([key] if key else [])
    out = []
    for op in ops:
        if op.type != "upsert_merchant" or op.op_id in stored or op_ids[op.op_id] > 1:
            continue
        if "base_version" in op.payload or op.payload.get("consent") is not None:
            continue
        try:
            body = MerchantCreate.model_validate(op.payload)
        except ValidationError:
            continue
        phone, key = _claims(op)
        if shops[str(body.id)] > 1 or (phone and phones[phone] > 1) or (key and keys[key] > 1):
            continue
        out.append((op, body))
    return out


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


async def _same_names(session: AsyncSession, principal: Principal, shops: list[Merchant]) -> dict[tuple, str]:
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


async def _near(session: AsyncSession, principal: Principal, shops: list[Merchant]) -> None:
    """Set `possible_duplicate_of` on each new shop, as `placement.near_duplicate` would one by one."""
    by_name = await _same_names(session, principal, shops)
    repo = MerchantRepository(session)
    earlier: list[Merchant] = []
    for m in shops:
        m.possible_duplicate_of = None
        if m.street_id is not None:
            same = [o.id for o in earlier if o.street_id == m.street_id and o.name_compact == m.name_compact]
            m.possible_duplicate_of = by_name.get((m.street_id, m.name_compact)) or (
                same[0] if same and m.name_compact else None
            )
            if m.possible_duplicate_of is None and m.lat is not None and m.lon is not None:
                around = await repo.near_duplicates(principal, m.street_id, m.id, "", _box(m.lat, m.lon, NEAR_METRES))
                around += [o for o in earlier if o.street_id == m.street_id]
                m.possible_duplicate_of = next(
                    (
                        o.id
                        for o in around
                        if o.lat is not None and o.lon is not None and metres(m.lat, m.lon, o.lat, o.lon) <= NEAR_METRES
                    ),
                    None,
                )
        earlier.append(m)


async def _build(
    session: AsyncSession, principal: Principal, body: MerchantCreate, where: Placement, device: str
) -> tuple[Merchant, PaymentAccount | None]:
    p, v = body.payment_account, body.vnpay
    merchant_id = str(body.id)
    m = merchants.merchant_from_body(
        body,
        where,
        create_hash=merchants.body_hash(body),
        created_by=principal.id,
        device_id=device or principal.device_id,
    )
    bank = BankAccount(p.bank_bin, p.account_number, p.kind, p.account_name) if p is not None else None
    vnpay = VnpayIds(v.merchant_id, v.terminal_id) if v is not None else None
    account = await upsert_account(session, merchant_id, None, bank=bank, vnpay=vnpay, shop_active=True)
    return m, account


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
    claims = {op.op_id: _claims(op) for op, _ in candidates}
    taken = await _taken(
        session,
        [str(b.id) for _, b in candidates],
        [p for p, _ in claims.values() if p],
        [k for _, k in claims.values() if k],
    )
    places: dict[str, Placement | None] = {}
    chosen: list[tuple[SyncOperation, Merchant, PaymentAccount | None]] = []
    for op, body in candidates:
        phone, key = claims[op.op_id]
        if str(body.id) in taken or f"phone:{phone}" in taken or f"key:{key}" in taken:
            continue  # the per-op path answers it (duplicate, or an update of the existing shop)
        where_key = repr((body.street_id, body.unit, body.unit_2020))
        if where_key not in places:
            try:
                places[where_key] = await place(session, principal, body.street_id, body.unit, body.unit_2020)
            except AppError:
                places[where_key] = None
        where = places[where_key]
        if where is None:
            continue
        try:
            m, account = await _build(session, principal, body, where, device)
        except AppError:
            continue
        chosen.append((op, m, account))
    if not chosen:
        return {}
    await _near(session, principal, [m for _, m, _ in chosen])
    mark, audit_mark = counters.mark(), len(audit_rows)
    try:
        async with session.begin_nested():
            session.add_all([m for _, m, _ in chosen])
            session.add_all([a for _, _, a in chosen if a is not None])
            await session.flush()  # one executemany per table
            await finish_creates(session, principal, [m for _, m, _ in chosen], device_id=device)
    except (IntegrityError, AppError):
        # a concurrent registration took an id, phone or account meanwhile: every op goes the per-op way
        counters.rollback(mark)
        del audit_rows[audit_mark:]
        return {}
    return {op.op_id: OpResult(op_id=op.op_id, status="created", merchant_id=m.id) for op, m, _ in chosen}


__all__ = ["create_new"]
