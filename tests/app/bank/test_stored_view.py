"""The stored view (app.bank.handoff.view) equals the bank records computed afresh after every kind of change,
on SQLite and PostgreSQL; the files and digests read it (PostgreSQL) and compute what it lacks; its rebuild and
the migration's backfill write the same rows as the changes did."""

from __future__ import annotations

import importlib.util
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.bank.handoff import exports, view
from app.bank.handoff.reconciliation import digests
from app.bank.handoff.records import load_bank_records
from app.bank.handoff.repository import HandoffRepository
from tests.app.bank.test_outbox import VCB, VIETIN, feed, patch, register, shop_body
from tests.app.consents.factories import bank_user, consent_body

ROOT = Path(__file__).resolve().parents[3]


async def fresh(session: AsyncSession) -> list[tuple[str, str, str, str, int | None, str]]:
    """The view as it should be: every bank's records computed now by the Python reference path."""
    rows = []
    for bank_bin in await HandoffRepository(session).bins_with_accounts():
        for r in await load_bank_records(session, bank_bin):
            a = r["address"]
            line = view.csv_line(r)
            rows.append((r["merchant_id"], bank_bin, r["record_hash"], a["unit_2025"]["code"], a["street_id"], line))
    return sorted(rows)


async def assert_fresh(session: AsyncSession, step: str) -> int:
    stored, expected = await HandoffRepository(session).view_rows(), await fresh(session)
    assert stored == expected, step
    return len(stored)


async def test_the_view_follows_every_kind_of_change(client, auth, session):
    agent, officer, vcb = await auth("agent.vungtau"), await auth("officer.vungtau"), await auth("bank.vcb")
    await bank_user(session)
    street = await client.post(
        "/api/v1/streets",
        json={"name": "Đường Thử View", "units": [{"edition": "2025", "code": "26506"}]},
        headers=officer,
    )
    assert street.status_code == 201, street.text

    a = await register(client, agent)
    assert await assert_fresh(session, "registered with consent") == 1
    b = await register(client, agent, consent=False, street_id=street.json()["id"])
    assert await assert_fresh(session, "registered without consent") == 1
    given = await client.post(f"/api/v1/merchants/{b['id']}/consents", json=consent_body(), headers=agent)
    assert given.status_code in (200, 201), given.text
    b["consent_id"] = given.json()["id"]
    assert await assert_fresh(session, "consent given") == 2

    await patch(client, agent, a["id"], {"name": "Tạp hóa Hương Mới", "house_number": "14"})
    await assert_fresh(session, "edited")
    review = await client.post(f"/api/v1/merchants/{a['id']}/review", json={"decision": "approve"}, headers=officer)
    assert review.status_code == 200, review.text
    await assert_fresh(session, "reviewed")
    qr = await client.post(f"/api/v1/merchants/{a['id']}/qr", json={"scheme": "vietqr"}, headers=agent)
    assert qr.status_code in (200, 201), qr.text
    await assert_fresh(session, "QR issued")
    revoked = await client.request("DELETE", f"/api/v1/qr/{qr.json()['id']}", json={"reason": "dán sai"}, headers=agent)
    assert revoked.status_code in (200, 204), revoked.text
    await assert_fresh(session, "QR revoked")

    # the street's name is in its shops' records: a rename reaches the view and the bank's feed
    renamed = await client.patch(
        f"/api/v1/streets/{street.json()['id']}",
        json={"name": "Đường Thử View Mới"},
        headers=officer | {"If-Match": f'"{street.json()["version"]}"'},
    )
    assert renamed.status_code == 200, renamed.text
    await assert_fresh(session, "street renamed")
    last = (await feed(client, vcb))[-1]
    assert (last["type"], last["data"]["merchant_id"]) == ("merchant.updated", b["id"])
    assert last["data"]["address"]["street"] == "Đường Thử View Mới"

    await patch(client, agent, b["id"], {"unit": {"edition": "2025", "code": "26506"}, "street_id": None})
    await assert_fresh(session, "moved off the street")

    # the account moves to a bank without consent (gone from the view), then that bank gets consent
    moved = {"bank_bin": VIETIN, "account_number": "7770001112", "account_name": "NGUYEN THI HUONG"}
    await patch(client, agent, a["id"], {"payment_account": moved})
    assert await assert_fresh(session, "account moved") == 1
    given = await client.post(
        f"/api/v1/merchants/{a['id']}/consents", json=consent_body(bank_bin=VIETIN), headers=agent
    )
    assert given.status_code in (200, 201), given.text
    assert await assert_fresh(session, "consent at the new bank") == 2

    withdrawn = await client.post(
        f"/api/v1/consents/{b['consent_id']}/withdraw", json={"reason": "chủ đổi ý"}, headers=agent
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert await assert_fresh(session, "consent withdrawn") == 1

    c = await register(client, agent)
    receipt = {"receipts": [{"merchant_id": c["id"], "version": c["version"], "result": "accepted"}]}
    r = await client.post("/api/v1/bank/receipts", json=receipt, headers=vcb)
    assert r.status_code == 200, r.text
    await assert_fresh(session, "bank receipt")

    # a /sync batch: a new shop and an edit of a seen one
    current = (await client.get(f"/api/v1/merchants/{c['id']}", headers=agent)).json()
    edit = shop_body(id=c["id"], name="Quán đổi qua sync", base_version=current["version"], phone=current["phone"])
    edit["payment_account"]["account_number"] = current["payment_account"]["account_number"]
    ops = [
        {"op_id": str(uuid.uuid4()), "type": "upsert_merchant", "payload": shop_body()},
        {"op_id": str(uuid.uuid4()), "type": "upsert_merchant", "payload": edit},
    ]
    r = await client.post("/api/v1/sync", json={"device_id": "view", "operations": ops}, headers=agent)
    assert r.status_code == 200, r.text
    assert [x["status"] for x in r.json()["results"]][1] in ("updated", "unchanged"), r.text
    await assert_fresh(session, "sync batch")

    closed = await client.post(f"/api/v1/merchants/{c['id']}/close", json={"reason": "nghỉ bán"}, headers=agent)
    assert closed.status_code == 200, closed.text
    assert await assert_fresh(session, "closed (a closed shop stays visible)") == 2

    # the rebuild (bulk writes, the benchmarks' fills) writes the rows the changes wrote
    before = await HandoffRepository(session).view_rows()
    await view.rebuild(session)
    assert await HandoffRepository(session).view_rows() == before


def _migration_backfill() -> str:
    [path] = (ROOT / "migrations" / "versions").glob("*_bank_view_csv_line.py")
    spec = importlib.util.spec_from_file_location("bank_view_migration", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    backfill: str = module.REBUILD
    return backfill


async def _csv_hashes(session: AsyncSession, bank_bin: str) -> dict[str, str]:
    await exports.open_snapshot(session)
    body = b"".join([chunk async for chunk in exports.csv_stream(session, bank_bin, None, None)]).decode()
    lines = [line.split(",") for line in body.lstrip("\ufeff").splitlines()]
    at = lines[0].index("record_hash")
    return {cells[0]: cells[at] for cells in lines[1:]}


async def test_files_and_digests_read_the_view_and_compute_what_it_lacks(client, auth, session):
    if session.bind.dialect.name != "postgresql":  # type: ignore[union-attr]
        pytest.skip("the files and digests read the stored view on PostgreSQL (SQLite: the Python path)")
    agent = await auth("agent.vungtau")
    shops = [await register(client, agent) for _ in range(3)]
    reference = {r["merchant_id"]: r["record_hash"] for r in await load_bank_records(session, VCB)}
    assert await _csv_hashes(session, VCB) == reference
    expected = await digests(session, VCB, "unit")

    # the migration's frozen backfill writes the rows the changes wrote
    rows = await HandoffRepository(session).view_rows()
    await session.execute(text("DELETE FROM bank_view"))
    await (await session.connection()).exec_driver_sql(_migration_backfill())
    assert await HandoffRepository(session).view_rows() == rows

    # the files and digests take the stored hash and line: a row altered behind the app's back shows through
    bad = "f" * 64
    await session.execute(
        text(
            "UPDATE bank_view SET record_hash = CAST(:h AS text), h0 = -1, h1 = -1, h2 = -1, h3 = -1, "
            "csv_line = replace(csv_line, record_hash, CAST(:h AS text)) WHERE merchant_id = :m"
        ),
        {"h": bad, "m": shops[0]["id"]},
    )
    assert (await _csv_hashes(session, VCB))[shops[0]["id"]] == bad
    count, total, _ = await digests(session, VCB, "unit")
    assert count == 3 and total == f"{int(expected[1], 16) ^ int(reference[shops[0]['id']], 16) ^ int(bad, 16):064x}"

    # a record the view lacks is hashed at read time: same file, same digests
    await view.refresh(session, [shops[0]["id"]])
    await session.execute(text("DELETE FROM bank_view WHERE merchant_id = :m"), {"m": shops[1]["id"]})
    assert len(await HandoffRepository(session).view_rows()) == 2
    assert await _csv_hashes(session, VCB) == reference
    assert await digests(session, VCB, "unit") == expected
    assert await digests(session, VCB, "street") == await _python_digests(session, VCB)


async def _python_digests(session: AsyncSession, bank_bin: str) -> tuple[int, str, list]:
    from collections import defaultdict

    from app.bank.handoff.reconciliation import group_key
    from app.bank.handoff.schemas import GroupDigest

    total, acc = 0, defaultdict(lambda: [0, 0])
    records = await load_bank_records(session, bank_bin)
    for r in records:
        h = int(r["record_hash"], 16)
        total ^= h
        acc[group_key(r, "street")][0] += 1
        acc[group_key(r, "street")][1] ^= h
    groups = [GroupDigest(key=k, count=c, digest=f"{d:064x}") for k, (c, d) in sorted(acc.items())]
    return len(records), f"{total:064x}", groups


async def test_the_view_and_the_digests_keep_only_what_the_rule_allows(client, auth, session):
    """A view row left behind (a path that skipped the outbox) is not counted: the digests apply the rule."""
    if session.bind.dialect.name != "postgresql":  # type: ignore[union-attr]
        pytest.skip("the digests read the stored view on PostgreSQL")
    agent = await auth("agent.vungtau")
    shop = await register(client, agent)
    await register(client, agent)
    expected = await _python_digests(session, VCB)
    await session.execute(
        text("UPDATE consent SET active_key = NULL WHERE id = :c"), {"c": shop["consent_id"]}
    )  # behind the outbox's back
    assert len(await HandoffRepository(session).view_rows(VCB)) == 2
    count, _, _ = await digests(session, VCB, "street")
    assert count == 1 and count != expected[0]
    assert await digests(session, VCB, "street") == await _python_digests(session, VCB)


async def test_the_view_knows_which_records_only_the_python_path_writes(client, auth, session):
    """`view.is_exotic` (decided in Python when the view is written) agrees with the SQL `exotic_query` the files
    used to run over every record, and a file with such a record is written by the Python path."""
    if session.bind.dialect.name != "postgresql":  # type: ignore[union-attr]
        pytest.skip("the SQL side of the check is PostgreSQL's")
    from app.bank.handoff.repository import exotic_query, narrowed, visible_records_query

    agent = await auth("agent.vungtau")
    shops = [await register(client, agent) for _ in range(4)]
    odd = {shops[0]["id"]: "lat = 1e-7, lon = 107.1", shops[1]["id"]: "name = 'Quán' || chr(1)"}
    for merchant_id, change in odd.items():
        await session.execute(text(f"UPDATE merchant SET {change} WHERE id = :m"), {"m": merchant_id})
    await session.execute(text("UPDATE merchant SET lat = 10.5, lon = 107.25 WHERE id = :m"), {"m": shops[2]["id"]})
    await view.refresh(session, [s["id"] for s in shops])
    flagged = {m for m, *_ in await HandoffRepository(session).view_rows() if await _is_exotic_in_sql(session, m)}
    assert flagged == set(odd)
    stored = dict(
        (await session.execute(text("SELECT merchant_id, exotic FROM bank_view WHERE bank_bin = :b"), {"b": VCB})).all()
    )
    assert {m for m, e in stored.items() if e} == set(odd)
    whole = narrowed(visible_records_query(VCB), None, None)
    assert (await session.execute(exotic_query(whole))).scalar_one()
    reference = {r["merchant_id"]: r["record_hash"] for r in await load_bank_records(session, VCB)}
    assert await _csv_hashes(session, VCB) == reference  # written by the Python path: exact


async def _is_exotic_in_sql(session: AsyncSession, merchant_id: str) -> bool:
    from sqlmodel import col

    from app.bank.handoff.repository import exotic_query, narrowed, visible_records_query
    from app.merchants.models import Merchant

    stmt = narrowed(visible_records_query(VCB), None, None).where(col(Merchant.id) == merchant_id)
    return bool((await session.execute(exotic_query(stmt))).scalar_one())
