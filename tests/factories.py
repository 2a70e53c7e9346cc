"""Rows straight into the database for tests that need shops but are not about registering them."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.events import ShopChanged, publish
from app.merchants.builder import build_account, build_merchant
from app.merchants.models import Merchant
from app.streets.models import Street


def shop_body(**over: object) -> dict[str, object]:
    """A valid registration body (a new id and account number each time); `over` replaces fields."""
    body: dict[str, object] = {
        "id": str(uuid.uuid4()),
        "name": "Tạp hóa Hương",
        "category": "grocery",
        "unit": {"edition": "2025", "code": "26506"},
        "payment_account": {"bank_bin": "970436", "account_number": str(uuid.uuid4().int)[:12]},
    }
    return body | over


async def street_id(session: AsyncSession, name: str) -> int:
    """Id of a seeded street or market by its exact name, e.g. 'Ba Cu' or 'Chợ Vũng Tàu'."""
    return (await session.execute(select(Street.id).where(Street.name == name))).scalar_one()


async def make_merchant(
    session: AsyncSession,
    *,
    name: str = "Tạp hóa Hương",
    unit_code: str = "26506",
    unit_code_2020: str | None = "26506",
    street: int | None = None,
    category: str = "grocery",
    status: str = "active",
    has_qr: bool = False,
    bank_bin: str | None = "970436",
    account_number: str | None = None,
    account_name: str | None = "NGUYEN THI HUONG",
    phone: str | None = None,
    owner_name: str | None = "Nguyễn Thị Hương",
    house_number: str | None = "12",
    created_by: int | None = None,
    review_state: str = "pending",
) -> Merchant:
    merchant_id = str(uuid.uuid4())
    # the builder the merchant service and the demo data use: same search_text, phone_active, account key
    merchant = build_merchant(
        id=merchant_id,
        name=name,
        category=category,
        owner_name=owner_name,
        phone=phone,
        house_number=house_number,
        street_id=street,
        unit_code=unit_code,
        unit_code_2020=unit_code_2020,
        status=status,
        has_qr=has_qr,
        created_by=created_by,
        review_state=review_state,
    )
    session.add(merchant)
    await session.flush()
    if bank_bin:
        account_number = account_number or str(uuid.uuid4().int)[:12]
        account = build_account(
            merchant_id,
            bank_bin=bank_bin,
            account_number=account_number,
            account_name=account_name,
            shop_active=status == "active",
        )
        session.add(account)
        await session.flush()
    await publish(session, ShopChanged(merchant_id, "merchant.create", merchant))  # coverage counters follow
    # commit = release the test's savepoint: a later failed request rolls back only its own work, not this shop
    await session.commit()
    # a detached snapshot: the app's requests commit and roll back this same session, which would expire it
    session.expunge(merchant)
    return merchant
