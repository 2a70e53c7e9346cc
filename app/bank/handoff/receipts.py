"""A bank's answers, record by record: accepted (with its own merchant/terminal ids) or rejected (with a reason).

Each receipt is judged alone: `invalid` (malformed, or a version we never sent), `unknown_merchant` (not a shop
this bank may see: never says whether it exists), `stale_version` (the shop changed since; the bank will get the
new version), or `recorded`. A receipt identical to one already recorded is `recorded` again and changes
nothing, so a bank may resend a whole batch safely.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.auth import Principal
from app.bank.handoff.records import load_bank_records
from app.bank.handoff.repository import HandoffRepository
from app.bank.handoff.schemas import ReceiptIn, ReceiptResult
from app.consents.models import BankReceipt, BankStatus
from app.core.db import utcnow
from app.core.events import ShopChanged, publish
from app.merchants.models import Merchant


def _digest(bank_bin: str, r: ReceiptIn) -> str:
    body = [
        bank_bin,
        r.merchant_id,
        r.version,
        r.result,
        r.reason_code,
        r.reason,
        r.bank_merchant_id,
        r.bank_terminal_id,
    ]
    return hashlib.sha256(json.dumps(body, ensure_ascii=False).encode()).hexdigest()


def _invalid(index: int, merchant_id: Any, field: str, vi: str, en: str) -> ReceiptResult:
    return ReceiptResult(
        merchant_id=merchant_id if isinstance(merchant_id, str) else None,
        status="invalid",
        errors=[{"field": f"receipts[{index}].{field}", "message": vi, "message_en": en}],
    )


def _parse(index: int, raw: Any) -> ReceiptIn | ReceiptResult:
    try:
        r = ReceiptIn.model_validate(raw)
    except ValidationError as exc:
        mid = raw.get("merchant_id") if isinstance(raw, dict) else None
        errors = [
            {
                "field": f"receipts[{index}]" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e["loc"]),
                "message": e["msg"],
                "message_en": e["msg"],
            }
            for e in exc.errors()
        ]
        return ReceiptResult(merchant_id=mid if isinstance(mid, str) else None, status="invalid", errors=errors)
    if r.result == "rejected" and r.reason_code is None:
        return _invalid(index, r.merchant_id, "reason_code", "Từ chối cần mã lý do", "A rejection needs a reason_code")
    if r.result == "rejected" and r.reason_code == "other" and not r.reason:
        return _invalid(index, r.merchant_id, "reason", "Lý do 'other' cần mô tả", "reason_code other needs a reason")
    if r.result == "accepted" and r.reason_code is not None:
        return _invalid(index, r.merchant_id, "reason_code", "Chấp nhận thì không có mã lý do", "Only for rejections")
    return r


async def record_receipts(
    session: AsyncSession, principal: Principal, bank_bin: str, raw_receipts: list[Any]
) -> list[ReceiptResult]:
    parsed = [_parse(i, raw) for i, raw in enumerate(raw_receipts)]
    ids = {p.merchant_id for p in parsed if isinstance(p, ReceiptIn)}
    # the shops are locked first (in id order, the lock order of every writer) and their versions read after:
    # a change that commits meanwhile is either seen here (the receipt is stale) or waits for this one
    locked = {m.id: m for m in await HandoffRepository(session).lock_merchants(sorted(ids))}
    visible = {r["merchant_id"]: r for r in await load_bank_records(session, bank_bin, set(locked))}
    merchants = {mid: m for mid, m in locked.items() if mid in visible}
    results: list[ReceiptResult] = []
    for index, p in enumerate(parsed):
        if isinstance(p, ReceiptResult):
            results.append(p)
            continue
        record = visible.get(p.merchant_id)
        if record is None:
            results.append(ReceiptResult(merchant_id=p.merchant_id, status="unknown_merchant"))
        elif p.version > record["version"]:
            results.append(
                _invalid(index, p.merchant_id, "version", "Chưa từng có phiên bản này", "No such version was sent")
            )
        elif p.version < record["version"]:
            results.append(ReceiptResult(merchant_id=p.merchant_id, status="stale_version"))
        else:
            await _record(session, principal, bank_bin, p, merchants[p.merchant_id])
            results.append(ReceiptResult(merchant_id=p.merchant_id, status="recorded"))
    return results


async def _record(session: AsyncSession, principal: Principal, bank_bin: str, r: ReceiptIn, merchant: Merchant) -> None:
    digest = _digest(bank_bin, r)
    if await HandoffRepository(session).receipt_seen(digest):
        return  # the same answer again: nothing changes
    now = utcnow()
    try:
        async with session.begin_nested():
            session.add(
                BankReceipt(
                    merchant_id=r.merchant_id,
                    bank_bin=bank_bin,
                    version=r.version,
                    result=r.result,
                    reason_code=r.reason_code,
                    reason=r.reason,
                    bank_merchant_id=r.bank_merchant_id,
                    bank_terminal_id=r.bank_terminal_id,
                    digest=digest,
                    received_by=principal.id,
                    received_at=now,
                )
            )
    except IntegrityError:
        return  # a concurrent resend of the same answer was recorded first
    status = await session.get(BankStatus, (r.merchant_id, bank_bin), with_for_update=True, populate_existing=True)
    if status is not None and status.version is not None and status.version > r.version:
        return  # the status already speaks of a newer version: an answer about an older one never moves it back
    before = audit.snapshot(status) if status is not None else None
    if status is None:
        status = BankStatus(merchant_id=r.merchant_id, bank_bin=bank_bin, state=r.result)
        session.add(status)
    status.state, status.version, status.at = r.result, r.version, now
    status.reason_code, status.reason = r.reason_code, r.reason
    # the bank's ids name the shop at the bank: a rejection without them keeps the ones it gave before
    status.bank_merchant_id = r.bank_merchant_id or status.bank_merchant_id
    status.bank_terminal_id = r.bank_terminal_id or status.bank_terminal_id
    await session.flush()
    await audit.record(
        session, principal, "bank.receipt", "merchant", r.merchant_id, before=before, after=audit.snapshot(status)
    )
    await publish(session, ShopChanged(r.merchant_id, "bank.receipt", merchant, before=before))
