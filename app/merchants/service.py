"""Registering and changing shops (CRUD). Shared by the HTTP endpoints and the offline sync.

A new shop is written by `app.merchants.writing` (the one write path, also behind /sync and the import); this
module answers `POST /merchants` from its outcome.

Presentation is `app.merchants.presentation`, the payment-account upsert `app.merchants.accounts`, where a
shop is and whether it is a duplicate `app.merchants.placement`, and how every change ends (audit row,
`ShopChanged`) `app.merchants.changes`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal
from app.auth.schemas import UnitRef
from app.consents import service as consents
from app.consents.bank_status import standing_of
from app.core.concurrency import check_version
from app.core.db import utcnow
from app.core.db.integrity import violated
from app.core.text import fold
from app.merchants import writing
from app.merchants.access import load_merchant
from app.merchants.accounts import BankAccount, VnpayIds, upsert_account
from app.merchants.builder import account_key, derive
from app.merchants.changes import finish_change, snapshot
from app.merchants.enums import MerchantStatus
from app.merchants.models import Merchant, PaymentAccount
from app.merchants.placement import near_duplicate, place, refuse_hard_duplicates
from app.merchants.presentation import bank_bin_of, render, render_many, to_out
from app.merchants.repository import MerchantRepository
from app.merchants.schemas import MerchantCreate, MerchantOut, MerchantPatch

__all__ = ["MerchantRepository", "account_key", "body_hash", "create", "get", "search", "update"]

body_hash = writing.body_hash
CONSTRAINT_PROBLEMS = writing.CONSTRAINT_PROBLEMS


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


def _point(m: Merchant) -> tuple[float, float] | None:
    return (m.lat, m.lon) if m.lat is not None and m.lon is not None else None


async def create(
    session: AsyncSession, principal: Principal, body: MerchantCreate, device_id: str | None = None
) -> tuple[int, MerchantOut]:
    """201 and the new shop, or 200 and the stored shop when the phone sends the same registration again: a batch
    of one through the one write path (`app.merchants.writing`)."""
    o = await writing.register_one(session, principal, body, channel="api", device_id=device_id)
    if o.status == "replayed":
        return 200, await render(session, o.merchant())
    assert o.row is not None
    account = o.payment_account()
    status, check = await standing_of(
        session, o.merchant_id, bank_bin_of(account), never_sent=body.consent is None, registered_now=True
    )
    return 201, to_out(o.row, account, None, status, check)  # the written columns: no table model built


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
            writing.located(body) if "location" in changes else _point(m),
        )
        m.street_id, m.unit_code, m.unit_code_2020 = where.street_id, where.unit_code, where.unit_code_2020
        m.unit_source = where.unit_source
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
