"""Registering and changing shops. Shared by the HTTP endpoints and the offline sync."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

import qr
from app.auth import Principal
from app.auth.schemas import UnitRef
from app.core.concurrency import check_version
from app.core.db import utcnow
from app.core.errors import Conflict, FieldError, ValidationFailed
from app.core.pagination import decode_cursor, encode_cursor
from app.core.text import fold
from app.merchants.access import load_merchant
from app.merchants.changes import finish_change, snapshot
from app.merchants.models import Merchant, PaymentAccount, QRCode
from app.merchants.placement import near_duplicate, place, refuse_hard_duplicates
from app.merchants.repository import MerchantRepository
from app.merchants.schemas import (
    Location,
    MerchantCreate,
    MerchantOut,
    MerchantPatch,
    PaymentAccountOut,
    QRSummary,
    Review,
    VnpayOut,
)


def body_hash(body: MerchantCreate) -> str:
    return hashlib.sha256(json.dumps(body.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()


def search_text(m: Merchant) -> str:
    return " ".join(fold(x) for x in (m.name, m.owner_name, m.phone, m.house_number) if x)


def account_key(account: PaymentAccount | None) -> str | None:
    if account is None:
        return None
    if account.kind == "vnpay":
        return f"vnpay:{account.vnpay_merchant_id}:{account.vnpay_terminal_id or ''}"
    return f"{account.bank_bin}:{account.account_number}"


def qr_summary(code: QRCode) -> QRSummary:
    return QRSummary(
        id=code.id,
        scheme=code.scheme,
        payload=code.payload,
        sticker_code=code.sticker_code,
        status=code.status,
        issued_at=code.issued_at,
        image_url=f"/api/v1/qr/{code.id}.png",
        sticker_url=f"/api/v1/qr/{code.id}/sticker.pdf",
    )


def to_out(m: Merchant, account: PaymentAccount | None, active_qr: QRCode | None) -> MerchantOut:
    pay = vn = None
    if account is not None and account.kind in ("account", "card") and account.bank_bin and account.account_number:
        bank = qr.banks.by_bin(account.bank_bin)
        pay = PaymentAccountOut(
            bank_bin=account.bank_bin,
            bank_short_name=bank.short_name if bank else None,
            account_number=account.account_number,
            account_name=account.account_name,
            kind=account.kind,
        )
    if account is not None and account.vnpay_merchant_id:
        vn = VnpayOut(merchant_id=account.vnpay_merchant_id, terminal_id=account.vnpay_terminal_id)
    return MerchantOut(
        id=m.id,
        name=m.name,
        category=m.category,
        owner_name=m.owner_name,
        phone=m.phone,
        house_number=m.house_number,
        street_id=m.street_id,
        unit=UnitRef(edition="2025", code=m.unit_code),
        unit_2020=UnitRef(edition="2020", code=m.unit_code_2020) if m.unit_code_2020 else None,
        location=Location(lat=m.lat, lon=m.lon, accuracy_m=m.accuracy_m)
        if m.lat is not None and m.lon is not None
        else None,
        status=m.status,
        close_reason=m.close_reason,
        review=Review(state=m.review_state, reason=m.review_reason, by=m.reviewed_by, at=m.reviewed_at),  # type: ignore[arg-type]
        payment_account=pay,
        vnpay=vn,
        qr=qr_summary(active_qr) if active_qr else None,
        non_coverage_reason=m.non_coverage_reason,
        possible_duplicate_of=m.possible_duplicate_of,
        version=m.version,
        created_by=m.created_by,
        created_at=m.created_at,
        updated_at=m.updated_at,
    )


async def render(session: AsyncSession, merchant: Merchant) -> MerchantOut:
    repo = MerchantRepository(session)
    return to_out(merchant, await repo.account(merchant.id), (await repo.active_qrs([merchant.id])).get(merchant.id))


async def _account_from(
    session: AsyncSession, merchant_id: str, body: MerchantCreate | MerchantPatch, current: PaymentAccount | None
) -> PaymentAccount | None:
    if body.payment_account is None and body.vnpay is None:
        return current
    account = current or PaymentAccount(merchant_id=merchant_id, kind="account")
    if body.payment_account is not None:
        p = body.payment_account
        if p.bank_bin not in await MerchantRepository(session).active_bins():
            raise ValidationFailed(
                "payment_account.bank_bin",
                f"Không có ngân hàng mã {p.bank_bin}",
                f"No active bank with BIN {p.bank_bin}",
            )
        account.kind, account.bank_bin, account.account_number = p.kind, p.bank_bin, p.account_number
        account.account_name = p.account_name
    if body.vnpay is not None:
        account.vnpay_merchant_id, account.vnpay_terminal_id = body.vnpay.merchant_id, body.vnpay.terminal_id
        if body.payment_account is None and not account.bank_bin:
            account.kind = "vnpay"
    account.updated_at = utcnow()
    return account


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent registration won the unique index between check and write
        raise Conflict(
            "Cửa hàng, số điện thoại hoặc tài khoản vừa được đăng ký",
            "Registered concurrently; retry",
            code="duplicate_account",
        ) from exc


async def create(
    session: AsyncSession,
    principal: Principal,
    body: MerchantCreate,
    device_id: str | None = None,
    *,
    known_new: bool = False,
) -> tuple[int, MerchantOut]:
    """201 and the new shop, or 200 and the stored shop when the phone sends the same registration again.

    `known_new`: the caller has just looked the id up and found nothing (sync), so don't ask again.
    """
    merchant_id = str(body.id)
    digest = body_hash(body)
    existing = None if known_new else await MerchantRepository(session).get(merchant_id)
    if existing is not None:
        if existing.create_hash == digest and existing.created_by == principal.id:
            return 200, await render(session, existing)
        raise Conflict(
            "Mã cửa hàng này đã được dùng cho dữ liệu khác",
            "This merchant id is already used",
            code="duplicate_id",
            errors=[FieldError("id", "Đã tồn tại", "Already exists")],
        )
    where = await place(session, principal, body.street_id, body.unit, body.unit_2020)
    now = utcnow()
    m = Merchant(
        id=merchant_id,
        name=body.name,
        name_search=fold(body.name),
        category=body.category,
        owner_name=body.owner_name,
        phone=body.phone,
        phone_active=body.phone,
        house_number=body.house_number,
        street_id=where.street_id,
        unit_code=where.unit_code,
        unit_code_2020=where.unit_code_2020,
        lat=body.location.lat if body.location else None,
        lon=body.location.lon if body.location else None,
        accuracy_m=body.location.accuracy_m if body.location else None,
        non_coverage_reason=body.non_coverage_reason,
        create_hash=digest,
        created_by=principal.id,
        device_id=device_id or principal.device_id,
        created_at=now,
        updated_at=now,
    )
    m.search_text = search_text(m)
    account = await _account_from(session, merchant_id, body, None)
    if account is not None:
        account.active_key = account_key(account)
    await refuse_hard_duplicates(session, principal, merchant_id, m.phone, account.active_key if account else None)
    m.possible_duplicate_of = await near_duplicate(session, m)
    session.add(m)
    if account is not None:
        session.add(account)  # one flush writes both, merchant first (foreign key order)
    await _flush(session)
    await finish_change(session, principal, m, "merchant.create", None, device_id=device_id)
    return 201, to_out(m, account, None)


async def update(
    session: AsyncSession,
    principal: Principal,
    merchant_id: str,
    body: MerchantPatch,
    expected: int,
    device_id: str | None = None,
) -> MerchantOut:
    m = await load_merchant(session, principal, merchant_id, write=True, for_update=True)
    check_version(m.version, expected, resource="Cửa hàng")
    before = snapshot(m)
    changes = body.model_dump(exclude_unset=True)
    if {"street_id", "unit", "unit_2020"} & changes.keys():
        where = await place(
            session,
            principal,
            body.street_id if "street_id" in changes else m.street_id,
            body.unit
            if "unit" in changes
            else (None if "street_id" in changes else UnitRef(edition="2025", code=m.unit_code)),
            body.unit_2020 if "unit_2020" in changes else None,
        )
        m.street_id, m.unit_code, m.unit_code_2020 = where.street_id, where.unit_code, where.unit_code_2020
    for name in ("name", "category", "owner_name", "house_number", "non_coverage_reason"):
        if name in changes:
            setattr(m, name, getattr(body, name))
    if "phone" in changes:
        m.phone = body.phone
        m.phone_active = body.phone if m.status == "active" else None
    if "location" in changes:
        loc = body.location
        m.lat, m.lon, m.accuracy_m = (loc.lat, loc.lon, loc.accuracy_m) if loc else (None, None, None)
    repo = MerchantRepository(session)
    account = await _account_from(session, m.id, body, await repo.account(m.id))
    if account is not None and m.status == "active":
        account.active_key = account_key(account)
    await refuse_hard_duplicates(session, principal, m.id, m.phone_active, account.active_key if account else None)
    m.name_search, m.search_text = fold(m.name), search_text(m)
    m.possible_duplicate_of = await near_duplicate(session, m)
    m.version += 1
    m.updated_at = utcnow()
    if account is not None:
        session.add(account)
    await _flush(session)
    await finish_change(session, principal, m, "merchant.update", before, device_id=device_id)
    return await render(session, m)


async def get(session: AsyncSession, principal: Principal, merchant_id: str) -> MerchantOut:
    return await render(session, await load_merchant(session, principal, merchant_id))


async def search(
    session: AsyncSession, principal: Principal, *, cursor: str | None, limit: int, q: str | None, **filters: Any
) -> tuple[list[MerchantOut], str | None]:
    after = decode_cursor(cursor, 2)
    try:
        after_key = (datetime.fromisoformat(str(after[0])), str(after[1])) if after else None
    except ValueError as exc:
        raise ValidationFailed("cursor", "Con trỏ phân trang không hợp lệ", "Invalid cursor") from exc
    repo = MerchantRepository(session)
    rows = await repo.search(principal, q=fold(q) or None, after=after_key, limit=limit + 1, **filters)
    more, rows = len(rows) > limit, rows[:limit]
    ids = [m.id for m in rows]
    accounts, qrs = await repo.accounts(ids), await repo.active_qrs(ids)
    nxt = encode_cursor([rows[-1].created_at.isoformat(), rows[-1].id]) if more and rows else None
    return [to_out(m, accounts.get(m.id), qrs.get(m.id)) for m in rows], nxt
