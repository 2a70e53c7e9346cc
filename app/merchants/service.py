"""Registering and changing shops (CRUD). Shared by the HTTP endpoints and the offline sync.

Presentation is `app.merchants.presentation`, the payment-account upsert `app.merchants.accounts`, where a
shop is and whether it is a duplicate `app.merchants.placement`, and how every change ends (audit row,
`ShopChanged`) `app.merchants.changes`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal
from app.auth.schemas import UnitRef
from app.consents import service as consents
from app.consents.bank_status import standing_of
from app.core.concurrency import check_version
from app.core.db import utcnow
from app.core.errors import Conflict, FieldError
from app.core.integrity import violated
from app.core.text import fold
from app.merchants.access import load_merchant
from app.merchants.accounts import BankAccount, VnpayIds, upsert_account
from app.merchants.builder import account_key, build_merchant, derive
from app.merchants.changes import finish_change, snapshot
from app.merchants.enums import MerchantStatus
from app.merchants.models import Merchant, PaymentAccount
from app.merchants.placement import Placement, near_duplicate, place, refuse_hard_duplicates
from app.merchants.presentation import bank_bin_of, render, render_many, to_out
from app.merchants.repository import MerchantRepository
from app.merchants.schemas import MerchantCreate, MerchantOut, MerchantPatch

__all__ = ["MerchantRepository", "account_key", "body_hash", "create", "get", "search", "update"]


# fields added after shops were registered: left out of the hash while unset, so a registration sent before
# they existed and replayed after still answers 200
_LATER_FIELDS = ("tax_code", "business_registration_number", "einvoice_method")


def body_hash(body: MerchantCreate) -> str:
    data = body.model_dump(mode="json")
    for name in _LATER_FIELDS:
        if data.get(name) is None:
            data.pop(name, None)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _conflict(code: str, field: str, vi: str, en: str) -> Conflict:
    return Conflict(vi, en, code=code, errors=[FieldError(field, "Đã đăng ký", "Already registered")])


# a concurrent registration won a unique index between our check and our write: which one says what it was
CONSTRAINT_PROBLEMS = {
    "uq_merchant_phone_active": lambda: _conflict(
        "duplicate_phone", "phone", "Số điện thoại vừa được đăng ký", "Phone registered concurrently"
    ),
    "uq_payment_account_active_key": lambda: _conflict(
        "duplicate_account",
        "payment_account.account_number",
        "Tài khoản vừa được đăng ký cho cửa hàng khác",
        "Account registered concurrently",
    ),
    "pk_merchant": lambda: _conflict("duplicate_id", "id", "Mã cửa hàng đã tồn tại", "This merchant id exists"),
}


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        problem = CONSTRAINT_PROBLEMS.get(violated(exc) or "")
        if problem is None:
            raise
        raise problem() from exc


async def _account(
    session: AsyncSession,
    merchant_id: str,
    body: MerchantCreate | MerchantPatch,
    current: PaymentAccount | None,
    active: bool,
) -> PaymentAccount | None:
    p, v = body.payment_account, body.vnpay
    bank = BankAccount(p.bank_bin, p.account_number, p.kind, p.account_name) if p is not None else None
    vnpay = VnpayIds(v.merchant_id, v.terminal_id) if v is not None else None
    return await upsert_account(session, merchant_id, current, bank=bank, vnpay=vnpay, shop_active=active)


async def _consent(
    session: AsyncSession,
    principal: Principal,
    m: Merchant,
    account: PaymentAccount | None,
    body: MerchantCreate | MerchantPatch,
    device_id: str | None,
) -> None:
    """The owner's consent given with the registration or the change (field errors name `consent.*`)."""
    if body.consent is not None:
        await consents.give(
            session, principal, m, bank_bin_of(account), body.consent, field_prefix="consent.", device_id=device_id
        )


def registration_columns(
    body: MerchantCreate, where: Placement, *, create_hash: str, created_by: int, device_id: str | None
) -> dict[str, Any]:
    """The own columns of the shop a registration asks for, placed where `place` resolved it."""
    loc = body.location
    return {
        "id": str(body.id),
        "name": body.name,
        "category": body.category,
        "owner_name": body.owner_name,
        "phone": body.phone,
        "house_number": body.house_number,
        "street_id": where.street_id,
        "unit_code": where.unit_code,
        "unit_code_2020": where.unit_code_2020,
        "lat": loc.lat if loc else None,
        "lon": loc.lon if loc else None,
        "accuracy_m": loc.accuracy_m if loc else None,
        "non_coverage_reason": body.non_coverage_reason,
        "tax_code": body.tax_code,
        "business_registration_number": body.business_registration_number,
        "einvoice_method": body.einvoice_method,
        "create_hash": create_hash,
        "created_by": created_by,
        "device_id": device_id,
    }


def merchant_from_body(
    body: MerchantCreate, where: Placement, *, create_hash: str, created_by: int, device_id: str | None
) -> Merchant:
    """The shop row a registration asks for (HTTP); bulk sync writes `merchant_row(**registration_columns(...))`."""
    return build_merchant(
        **registration_columns(body, where, create_hash=create_hash, created_by=created_by, device_id=device_id)
    )


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
    m = merchant_from_body(
        body, where, create_hash=digest, created_by=principal.id, device_id=device_id or principal.device_id
    )
    account = await _account(session, merchant_id, body, None, active=True)
    await refuse_hard_duplicates(session, principal, merchant_id, m.phone, account.active_key if account else None)
    m.possible_duplicate_of = await near_duplicate(session, m, principal)
    try:
        async with session.begin_nested():  # a lost race rolls back only this insert
            session.add(m)
            if account is not None:
                session.add(account)  # one flush writes both, merchant first (foreign key order)
            await _flush(session)
    except Conflict as exc:
        if exc.code != "duplicate_id":
            raise
        # the same id was registered by a concurrent request that has now committed: the same registration
        # again is answered like any replay (200 and the stored shop), anything else stays a conflict
        stored = await MerchantRepository(session).get(merchant_id)
        if stored is not None and stored.create_hash == digest and stored.created_by == principal.id:
            return 200, await render(session, stored)
        raise
    await finish_change(session, principal, m, "merchant.create", None, device_id=device_id)
    await _consent(session, principal, m, account, body, device_id)
    status, check = await standing_of(session, m.id, bank_bin_of(account))
    return 201, to_out(m, account, None, status, check)


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
    for name in (
        "name",
        "category",
        "owner_name",
        "phone",
        "house_number",
        "non_coverage_reason",
        "tax_code",
        "business_registration_number",
        "einvoice_method",
    ):
        if name in changes:
            setattr(m, name, getattr(body, name))
    if "location" in changes:
        loc = body.location
        m.lat, m.lon, m.accuracy_m = (loc.lat, loc.lon, loc.accuracy_m) if loc else (None, None, None)
    derive(m)
    active = m.status == MerchantStatus.ACTIVE
    account = await _account(session, m.id, body, await MerchantRepository(session).account(m.id), active)
    await refuse_hard_duplicates(session, principal, m.id, m.phone_active, account.active_key if account else None)
    m.possible_duplicate_of = await near_duplicate(session, m, principal)
    m.version += 1
    m.updated_at = utcnow()
    if account is not None:
        session.add(account)
    await _flush(session)
    await finish_change(session, principal, m, "merchant.update", before, device_id=device_id)
    await _consent(session, principal, m, account, body, device_id)
    return await render(session, m)


async def get(session: AsyncSession, principal: Principal, merchant_id: str) -> MerchantOut:
    return await render(session, await load_merchant(session, principal, merchant_id))


async def search(
    session: AsyncSession, principal: Principal, *, cursor: str | None, limit: int, q: str | None, **filters: Any
) -> tuple[list[MerchantOut], str | None]:
    repo = MerchantRepository(session)
    rows, nxt = await repo.search(principal, q=fold(q) or None, cursor=cursor, limit=limit, **filters)
    return await render_many(session, rows), nxt
