"""Which new shops of a sync batch are registered together, through the one write path (`app.merchants.writing`).

/sync applies a phone's operations in their order. A registration may be written before the per-operation
pass (`app.sync.service`), together with the batch's other registrations, only when that cannot change any
answer: it validates as a new registration, has no `base_version` and no `consent` (those take the per-op path,
each in its own SAVEPOINT), its op_id is not stored yet and appears once in the batch, and its shop id, phone and
account key are claimed by no other operation of the batch. Everything else is the write path's to decide, in
one call for all of them (`register(..., channel="sync")`, keep-the-valid-ones): every duplicate and placement
check, the rows, the audit and the `ShopChanged`. A registration the write path created is answered `created`;
one it refused with a problem is answered like the per-op path would (the same problem); one whose id exists
(an update, or the same registration again) is left to the per-op path, which answers it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal
from app.merchants import writing
from app.merchants.schemas import MerchantCreate, MerchantPatch
from app.sync.schemas import SyncOperation


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


async def register_together(
    session: AsyncSession, principal: Principal, ops: list[SyncOperation], device: str, stored: dict[str, Any]
) -> dict[str, writing.Outcome]:
    """op_id -> the write path's outcome, for each registration of the batch taken together; created ones are
    written. Outcomes of an existing id (`duplicate_id`, `replayed`) are left out: the per-op path answers them."""
    candidates = _candidates(ops, stored)
    if not candidates:
        return {}
    outcomes = await writing.register(
        session, principal, [r.body for r in candidates], channel="sync", device_id=device
    )
    return {
        r.op.op_id: o
        for r, o in zip(candidates, outcomes, strict=True)
        if o.status == "created" or (o.problem is not None and o.problem.code != "duplicate_id")
    }


__all__ = ["register_together"]
