"""The one write path for new shops (`app.merchants.writing.register`): per-registration outcomes, duplicates inside
the batch and against the stored shops, all-or-nothing or keep-the-valid-ones, the audit context, the typed
`ShopChanged`, and parity with `POST /merchants` for every caller (HTTP, sync, import)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from app.audit.models import AuditLog
from app.auth.models import User
from app.auth.service import load_principal
from app.core import events
from app.core.config import Settings
from app.core.errors import AppError
from app.merchants import writing
from app.merchants.changes import ShopRow
from app.merchants.models import Merchant, PaymentAccount
from app.merchants.schemas import MerchantCreate
from tests.app.sync.test_sync import op
from tests.app.sync.test_sync_batching import _counters_equal_recount, _sync

SHOP_STATE = ("id", "name", "category", "owner_name", "status", "unit_code", "unit_code_2020", "street_id", "has_qr")


async def _principal(session, username="agent.vungtau", device_id=None):
    user = (await session.execute(select(User).where(User.username == username))).scalar_one()
    settings = Settings(environment="test", jwt_secret="test-secret-" + "x" * 40)  # demo accounts sign in
    return await load_principal(session, settings, user.id or 0, device_id=device_id)


def _account(n: int) -> dict:
    return {"bank_bin": "970436", "account_number": f"88{n:08d}", "account_name": "NGUYEN THI HUONG"}


async def _stored(session, ids):
    found = select(Merchant.id).where(col(Merchant.id).in_(ids))
    return set((await session.execute(found)).scalars())


async def test_a_batch_gets_one_outcome_per_registration_and_keeps_the_valid_ones(client, auth, session, shop):
    h = await auth("agent.vungtau")
    holder = shop(phone="0906100001", payment_account=_account(1))
    assert (await client.post("/api/v1/merchants", json=holder, headers=h)).status_code == 201
    a = shop(phone="0906100002", payment_account=_account(2))
    bodies = [
        a,
        shop(phone="0906100002", payment_account=_account(3)),  # a's phone, earlier in the batch
        shop(phone="0906100004", payment_account=_account(1)),  # the holder's account, stored
        shop(phone="0906100005", payment_account=_account(5), street_id=999_999),  # no such street
        a,  # the same registration again in the batch
        a | {"name": "Khác"},  # a's id with another body
        holder,  # the holder sent again by the same user: a replay
        shop(phone="0906100008", payment_account={**_account(8), "bank_bin": "999999"}),  # no such bank
        shop(phone="0906100009", payment_account=None),
    ]
    principal = await _principal(session)
    outcomes = await writing.register(
        session,
        principal,
        [MerchantCreate.model_validate(b) for b in bodies],
        channel="import",
        audit_context={"import_id": "imp-1", "row": 7},
    )
    got = [(o.status, o.problem.code if o.problem else None) for o in outcomes]
    assert got == [
        ("created", None),
        ("duplicate", "duplicate_phone"),
        ("duplicate", "duplicate_account"),
        ("invalid", "validation_error"),
        ("replayed", None),
        ("duplicate", "duplicate_id"),
        ("replayed", None),
        ("invalid", "validation_error"),
        ("created", None),
    ]
    # each problem names the field, and a duplicate names the shop it duplicates
    assert [e.field for o in outcomes if o.problem for e in o.problem.errors] == [
        "phone",
        "payment_account.account_number",
        "street_id",
        "id",
        "payment_account.bank_bin",
    ]
    assert outcomes[1].problem.extra["existing_merchant_id"] == a["id"]
    assert outcomes[2].problem.extra["existing_merchant_id"] == holder["id"]
    assert outcomes[6].merchant().id == holder["id"]
    ids = [b["id"] for b in bodies]
    assert await _stored(session, ids) == {holder["id"], a["id"], bodies[-1]["id"]}
    audit = select(AuditLog).where(AuditLog.action == "merchant.create", col(AuditLog.entity_id).in_(ids))
    rows = {r.entity_id: r for r in (await session.execute(audit)).scalars()}
    assert rows[a["id"]].context == {"channel": "import", "import_id": "imp-1", "row": 7}
    assert rows[holder["id"]].context == {"channel": "api"}
    assert len(rows) == 3
    await _counters_equal_recount(session)


async def test_all_or_nothing_writes_nothing_when_one_registration_fails(session, shop):
    principal = await _principal(session)
    good = [shop(phone=f"090620000{i}", payment_account=_account(20 + i)) for i in range(3)]
    bad = shop(phone="0906200001", payment_account=_account(29))  # good[1]'s phone
    bodies = [MerchantCreate.model_validate(b) for b in [*good, bad]]
    outcomes = await writing.register(session, principal, bodies, channel="import", all_or_nothing=True)
    assert [o.status for o in outcomes] == ["withheld", "withheld", "withheld", "duplicate"]
    assert await _stored(session, [b["id"] for b in good]) == set()
    audited = select(func.count()).where(col(AuditLog.entity_id).in_([b["id"] for b in good]))
    assert (await session.execute(audited)).scalar_one() == 0
    # without the bad one, the same batch is written whole
    outcomes = await writing.register(session, principal, bodies[:3], channel="import", all_or_nothing=True)
    assert [o.status for o in outcomes] == ["created"] * 3
    assert await _stored(session, [b["id"] for b in good]) == {b["id"] for b in good}


async def test_register_one_raises_the_problem_and_writes_nothing(session, shop):
    principal = await _principal(session)
    body = MerchantCreate.model_validate(shop(unit={"edition": "2025", "code": "99999"}))
    with pytest.raises(AppError) as caught:
        await writing.register_one(session, principal, body)
    assert caught.value.code == "validation_error" and caught.value.errors[0].field == "unit"
    assert await _stored(session, [str(body.id)]) == set()


async def test_a_consent_refused_in_a_batch_costs_only_its_own_registration(session, shop):
    from tests.app.consents.factories import consent_body

    principal = await _principal(session)
    ok = shop(phone="0906300001", payment_account=_account(31), consent=consent_body())
    refused = shop(phone="0906300002", payment_account=None, consent=consent_body())  # no bank to consent to
    plain = shop(phone="0906300003", payment_account=_account(33))
    bodies = [MerchantCreate.model_validate(b) for b in (ok, refused, plain)]
    outcomes = await writing.register(session, principal, bodies, channel="import")
    assert [o.status for o in outcomes] == ["created", "invalid", "created"]
    assert outcomes[1].problem.errors[0].field == "consent.bank_bin"
    assert await _stored(session, [ok["id"], refused["id"], plain["id"]]) == {ok["id"], plain["id"]}
    audited = select(AuditLog.entity_id).where(AuditLog.action == "merchant.create")
    assert refused["id"] not in set((await session.execute(audited)).scalars())
    await _counters_equal_recount(session)


async def test_shop_changed_carries_the_typed_shape_for_new_shops(session, shop, monkeypatch):
    seen: list[events.ShopChanged] = []

    async def spy(session, event):
        seen.append(event)

    monkeypatch.setitem(events._handlers, "test.spy", spy)
    principal = await _principal(session)
    bodies = [
        MerchantCreate.model_validate(shop(phone=f"090640000{i}", payment_account=_account(40 + i))) for i in (1, 2)
    ]
    await writing.register(session, principal, bodies, channel="import")
    assert [e.merchant_id for e in seen] == [str(b.id) for b in bodies]
    for event, body in zip(seen, bodies, strict=True):
        shop_state = event.merchant
        assert isinstance(shop_state, ShopRow)
        read = {name: getattr(shop_state, name) for name in SHOP_STATE}
        assert read["id"] == str(body.id) and read["status"] == "active" and read["has_qr"] is False
        assert read["unit_code"] == "26506" and read["owner_name"] == body.owner_name


@pytest.mark.parametrize("caller", ["sync", "import"])
async def test_every_caller_writes_the_rows_post_merchants_writes(client, auth, session, shop, ba_cu, caller):
    """Parity: the same registration through POST, /sync and the import's call gives the same rows and audit."""
    h = await auth("agent.vungtau")
    common = {"street_id": ba_cu, "location": {"lat": 10.346, "lon": 107.0843, "accuracy_m": 8}, "name": "Cà phê Gió"}
    alone = shop(phone="0906500001", payment_account=_account(51), **common)
    other = shop(phone="0906500002", payment_account=_account(52), **common)
    assert (await client.post("/api/v1/merchants", json=alone, headers=h)).status_code == 201
    if caller == "sync":
        assert [x["status"] for x in await _sync(client, h, [op("upsert_merchant", other)])] == ["created"]
    else:
        principal = await _principal(session, device_id="phone-b")
        (o,) = await writing.register(session, principal, [MerchantCreate.model_validate(other)], channel="import")
        assert o.status == "created"

    async def rows(body):
        m = await session.get(Merchant, body["id"])
        a = await session.get(PaymentAccount, body["id"])
        await session.refresh(m)
        varying = {"id", "phone", "phone_active", "search_text", "create_hash", "possible_duplicate_of", "device_id"}
        kept_m = m.model_dump(exclude=varying | {"created_at", "updated_at"})
        kept_a = a.model_dump(exclude={"merchant_id", "account_number", "active_key", "updated_at"})
        audit = select(AuditLog).where(AuditLog.entity_id == body["id"], AuditLog.action == "merchant.create")
        after = (await session.execute(audit)).scalar_one().after
        return kept_m, kept_a, {k: v for k, v in after.items() if k not in ("phone", "possible_duplicate_of")}

    assert await rows(other) == await rows(alone)
    assert (await session.get(Merchant, other["id"])).possible_duplicate_of == alone["id"]
    await _counters_equal_recount(session)
