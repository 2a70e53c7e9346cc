"""Bulk sync writes plain rows (no ORM instances): they are the rows, audit snapshots and outcomes that the
one-by-one registration makes, and a bulk write that loses a race leaves nothing behind before the per-op path."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select
from sqlmodel import col

from app.audit.models import AuditLog
from app.core.text import fold_compact
from app.merchants.builder import account_row, build_account, build_merchant, merchant_row, search_text
from app.merchants.changes import ShopRow, row_snapshot, snapshot
from app.merchants.enums import AccountKind
from app.merchants.models import Merchant, PaymentAccount
from app.merchants.writing.repository import RegistrationRepository
from tests.app.sync.test_sync import op, shop
from tests.app.sync.test_sync_batching import _counters_equal_recount, _sync

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    "own",
    [
        {"name": "Tạp Hóa  Đức-Hương!", "owner_name": "Nguyễn Thị Hương", "phone": "0901234567", "house_number": "12A"},
        {"name": "Cà phê", "owner_name": None, "phone": None, "house_number": None, "street_id": 7, "lat": 10.3},
        {"name": "Bánh mì", "status": "closed", "phone": "0907654321", "unit_code_2020": "26509"},
    ],
)
def test_a_bulk_shop_row_is_the_row_the_model_would_hold(own):
    columns = {"id": str(uuid.uuid4()), "category": "grocery", "unit_code": "26506", "created_by": 1, "now": AT} | own
    row = merchant_row(**dict(columns))
    m = build_merchant(**dict(columns))
    assert row == m.model_dump()
    assert row["name_compact"] == fold_compact(m.name)
    assert row["search_text"] == search_text(m.name, m.owner_name, m.phone, m.house_number)
    # the audit row's `after`: same keys, values and order (it is stored as JSON text)
    assert json.dumps(row_snapshot(ShopRow(row))) == json.dumps(snapshot(m))


@pytest.mark.parametrize("shop_active", [True, False])
@pytest.mark.parametrize(
    "fields",
    [
        {"bank_bin": "970436", "account_number": "0011001234567", "account_name": "NGUYEN THI HUONG"},
        {"kind": "card", "bank_bin": "970415", "account_number": "9704150000000000"},
        {"kind": AccountKind.VNPAY, "vnpay_merchant_id": "0108799042", "vnpay_terminal_id": None},
        {"bank_bin": "970436", "account_number": "55", "vnpay_merchant_id": "M1", "vnpay_terminal_id": "T1"},
    ],
)
def test_a_bulk_account_row_is_the_row_the_model_would_hold(fields, shop_active):
    row = account_row("m-1", shop_active=shop_active, updated_at=AT, **fields)
    assert row == build_account("m-1", shop_active=shop_active, updated_at=AT, **fields).model_dump()
    assert (row["active_key"] is not None) == shop_active


def _paid(kind: str, n: int) -> dict:
    """The payment fields of a registration: a bank account and VNPAY ids, VNPAY ids only, or none; `n` makes
    the account (and its unique key) differ between two shops."""
    bank = {"bank_bin": "970436", "account_number": f"70010020{n}", "account_name": "NGUYEN THI HUONG"}
    vnpay = {"merchant_id": "0108799042", "terminal_id": f"T0{n}"}
    return {
        "bank+vnpay": {"payment_account": bank, "vnpay": vnpay},
        "vnpay": {"payment_account": None, "vnpay": vnpay},
        "none": {"payment_account": None},
    }[kind]


@pytest.mark.parametrize("paid", ["bank+vnpay", "vnpay", "none"])
async def test_a_shop_registered_in_bulk_reads_back_like_one_registered_alone(client, auth, session, paid):
    h = await auth("agent.vungtau")
    streets = (await client.get("/api/v1/streets", params={"unit": "2025:26506", "limit": 500}, headers=h)).json()
    street = next(s for s in streets["items"] if [u["code"] for u in s["units"] if u["edition"] == "2025"] == ["26506"])
    common = {
        "name": "Tạp hóa Đức  Hương",
        "owner_name": "Nguyễn Thị Hương",
        "house_number": "12A",
        "street_id": street["id"],
        "location": {"lat": 10.3460, "lon": 107.0843, "accuracy_m": 8},
        "non_coverage_reason": None,
    }
    alone = shop(phone="0907100001", **common, **_paid(paid, 1))
    in_bulk = shop(phone="0907100002", **common, **_paid(paid, 2))
    assert (await client.post("/api/v1/merchants", json=alone, headers=h)).status_code == 201
    assert [x["status"] for x in await _sync(client, h, [op("upsert_merchant", in_bulk)])] == ["created"]

    async def read(body):
        out = (await client.get(f"/api/v1/merchants/{body['id']}", headers=h)).json()
        stmt = select(AuditLog).where(AuditLog.entity_id == body["id"], AuditLog.action == "merchant.create")
        audit = (await session.execute(stmt)).scalar_one()
        return out, audit

    async def rows(body):
        """The stored rows, less what differs by design (ids, phone, account identifiers, times, device)."""
        m = (await session.execute(select(Merchant).where(Merchant.id == body["id"]))).scalar_one()
        a = await session.get(PaymentAccount, body["id"])
        varying = {"id", "phone", "phone_active", "search_text", "create_hash", "possible_duplicate_of", "device_id"}
        kept_m = m.model_dump(exclude=varying | {"created_at", "updated_at"})
        kept_a = a.model_dump(exclude={"merchant_id", "account_number", "vnpay_terminal_id", "updated_at"}) if a else {}
        if kept_a.get("active_key"):  # "bin:account" or "vnpay:mid:tid", less the part that differs
            kept_a["active_key"] = kept_a["active_key"].rsplit(":", 1)[0]
        return kept_m, kept_a

    assert await rows(in_bulk) == await rows(alone)
    (got_alone, audit_alone), (got_bulk, audit_bulk) = await read(alone), await read(in_bulk)
    assert got_bulk["possible_duplicate_of"] == alone["id"]  # same name on the same street, found in bulk too
    # what differs by design: ids, phone, account identifiers, times
    for got, n in ((got_alone, 1), (got_bulk, 2)):
        got["id"] = got["phone"] = got["created_at"] = got["updated_at"] = got["possible_duplicate_of"] = None
        if got["payment_account"] is not None:
            assert got["payment_account"].pop("account_number") == f"70010020{n}"
        if got["vnpay"] is not None:
            assert got["vnpay"].pop("terminal_id") == f"T0{n}"
    assert got_bulk == got_alone
    assert (audit_bulk.actor_id, audit_bulk.device_id) == (audit_alone.actor_id, "phone-b")
    assert list(audit_bulk.after) == list(audit_alone.after)  # the same audited columns, in the same order
    same = {"phone", "possible_duplicate_of"}
    assert {k: v for k, v in audit_bulk.after.items() if k not in same} == {
        k: v for k, v in audit_alone.after.items() if k not in same
    }
    await _counters_equal_recount(session)


async def test_a_bulk_write_that_loses_a_race_leaves_nothing_and_every_op_goes_one_by_one(
    client, auth, session, monkeypatch
):
    h = await auth("agent.vungtau")
    holder = shop(phone="0907200001")
    assert (await client.post("/api/v1/merchants", json=holder, headers=h)).status_code == 201

    async def nothing_held(*args):  # the holder registered after the batch looked: the unique index decides
        return []

    # the batch's one read of ids and holders, and the holders read again for what it did not ask
    monkeypatch.setattr(RegistrationRepository, "known", nothing_held)
    monkeypatch.setattr(RegistrationRepository, "holders_many", nothing_held)
    first, late, last = shop(phone="0907200002"), shop(phone="0907200001"), shop(phone="0907200003")
    inserts: list[str] = []
    bind = session.sync_session.bind

    def listener(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO MERCHANT "):
            inserts.append(repr(parameters))

    event.listen(bind, "before_cursor_execute", listener)
    try:
        results = await _sync(client, h, [op("upsert_merchant", x) for x in (first, late, last)])
    finally:
        event.remove(bind, "before_cursor_execute", listener)
    assert any(late["id"] in p for p in inserts)  # the bulk INSERT was tried with it (and refused)
    assert [x["status"] for x in results] == ["created", "duplicate", "created"]
    assert results[1]["errors"][0]["code"] == "duplicate_phone"
    ids = [x["id"] for x in (holder, first, late, last)]
    stored = select(Merchant.id).where(col(Merchant.id).in_(ids))
    assert set((await session.execute(stored)).scalars()) == {holder["id"], first["id"], last["id"]}
    audited = select(AuditLog.entity_id, func.count()).where(
        AuditLog.action == "merchant.create", col(AuditLog.entity_id).in_(ids)
    )
    counts = dict((await session.execute(audited.group_by(AuditLog.entity_id))).all())
    assert counts == {holder["id"]: 1, first["id"]: 1, last["id"]: 1}  # the rolled-back bulk audited nothing
    await _counters_equal_recount(session)


async def test_an_op_id_sent_twice_in_one_batch_answers_from_the_outcome_stored_moments_before(client, auth):
    h = await auth("agent.vungtau")
    first = op("upsert_merchant", shop(phone="0907300001"))
    again = dict(first)
    reused = op("upsert_merchant", shop(phone="0907300002"), op_id=first["op_id"])
    results = await _sync(client, h, [first, again, reused])
    assert [x["status"] for x in results] == ["created", "created", "invalid"]
    assert results[1] == results[0]
    assert results[2]["errors"][0]["code"] == "idempotency_key_reused"
    assert await _sync(client, h, [first, again, reused]) == results
