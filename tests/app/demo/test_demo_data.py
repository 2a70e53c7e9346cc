from __future__ import annotations

from sqlalchemy import func, select

import qr
from app.coverage.counters import rebuild, totals
from app.demo import generate
from app.merchants.models import Merchant, PaymentAccount
from app.qrcodes.models import QRCode


async def counter_rows(session):
    return [t for t in await totals(session) if t[4]]  # shards summed


async def test_demo_data_is_consistent(session, client, auth):
    counts = await generate(session, 300, seed=3)
    assert counts["merchants"] > 290 and 0 < counts["qr"] < counts["merchants"]
    merchants = (await session.execute(select(Merchant).where(Merchant.device_id == "demo-data"))).scalars().all()
    assert len(merchants) == counts["merchants"]
    assert sum(m.has_qr for m in merchants) == counts["qr"]
    qrs = (await session.execute(select(QRCode).where(QRCode.adapter == "demo-data"))).scalars().all()
    accounts = {a.merchant_id: a for a in (await session.execute(select(PaymentAccount))).scalars()}
    for code in qrs:
        parsed = qr.parse(code.payload)
        account = accounts[code.merchant_id]
        if parsed.scheme == "vietqr":
            assert (parsed.bank_bin, parsed.account) == (account.bank_bin, account.account_number)
        else:
            assert parsed.merchant_id == account.vnpay_merchant_id
    assert len({m.phone for m in merchants}) == len(merchants)
    incremental = await counter_rows(session)
    await rebuild(session)
    assert await counter_rows(session) == incremental
    # coverage differs by street: not every street at the same level
    pcts = {
        r["pct"]
        for r in (await client.get("/api/v1/coverage", params={"level": "street"}, headers=await auth("admin"))).json()[
            "rows"
        ]
        if r["shops"] > 10
    }
    assert len(pcts) > 2
    again = await generate(session, 50, seed=3)  # running twice adds shops, never breaks a unique index
    total = (await session.execute(select(func.count()).select_from(Merchant))).scalar_one()
    assert total >= counts["merchants"] + again["merchants"]


async def test_demo_shops_are_built_like_registered_ones_and_audited(session):
    from app.audit.models import AuditLog
    from app.merchants.builder import account_key, search_text

    counts = await generate(session, 40, seed=11)
    merchants = (await session.execute(select(Merchant).where(Merchant.device_id == "demo-data"))).scalars().all()
    accounts = {a.merchant_id: a for a in (await session.execute(select(PaymentAccount))).scalars()}
    for m in merchants:  # the derived columns are exactly what the merchant service would store
        assert m.search_text == search_text(m.name, m.owner_name, m.phone, m.house_number)
        assert m.phone_active == (m.phone if m.status == "active" else None)
        assert accounts[m.id].active_key == (account_key(accounts[m.id]) if m.status == "active" else None)
    audited = (
        await session.execute(select(AuditLog.entity_id, AuditLog.action).where(AuditLog.device_id == "demo-data"))
    ).all()
    created = {e for e, a in audited if a == "merchant.create"}
    assert {m.id for m in merchants} <= created and len(created) >= counts["merchants"]
    assert sum(a == "qr.issue" for _, a in audited) >= counts["qr"]
