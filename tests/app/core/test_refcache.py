"""Reference data (active banks, unit levels, 2020 successions) is read once per engine and process, not on every
registration; each engine keeps its own; "not found" is never kept; the bank list is read again after its TTL.
And a registration on a street reads each thing once: the street with its units, the ids with the holders."""

from __future__ import annotations

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import refcache
from app.merchants.repository import MerchantRepository
from app.units.repository import UnitRepository
from tests.app.bank.test_outbox import register, shop_body


async def test_a_registration_reads_the_bank_list_and_the_unit_once(client, auth, session):
    agent = await auth("agent.vungtau")
    await register(client, agent, consent=False)  # warms the cache of this engine
    statements: list[str] = []
    bind = session.sync_session.bind
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(bind, "before_cursor_execute", listener)
    try:
        await register(client, agent, consent=False)
    finally:
        event.remove(bind, "before_cursor_execute", listener)
    assert statements, "the listener saw the registration"
    assert not [s for s in statements if "FROM bank " in s or "FROM admin_unit" in s], statements


async def test_a_registration_on_a_street_reads_each_thing_once(client, auth, session):
    agent = await auth("agent.vungtau")
    streets = await client.get("/api/v1/streets", params={"unit": "2025:26506", "limit": 500}, headers=agent)
    street = next(s["id"] for s in streets.json()["items"] if s["kind"] == "street")
    on_street = {"street_id": street}
    assert (await client.post("/api/v1/merchants", json=shop_body(**on_street), headers=agent)).status_code == 201
    statements: list[str] = []
    bind = session.sync_session.bind
    listener = lambda *args: statements.append(" ".join(args[2].split()))  # noqa: E731
    event.listen(bind, "before_cursor_execute", listener)
    try:
        r = await client.post("/api/v1/merchants", json=shop_body(**on_street), headers=agent)
    finally:
        event.remove(bind, "before_cursor_execute", listener)
    assert r.status_code == 201 and r.json()["street_id"] == street, r.text
    reads = [s for s in statements if s.startswith("SELECT")]
    assert not [s for s in reads if "unit_succession" in s or "FROM bank " in s or "FROM admin_unit" in s], reads
    assert len([s for s in reads if "FROM street " in s or "FROM street_unit" in s]) == 1, reads
    # the id check and the phone/account holders: one read of merchant before the INSERT, and the name check
    before_insert = reads[: next(i for i, s in enumerate(reads) if "merchant.name_compact IN" in s)]
    assert len([s for s in before_insert if "FROM merchant" in s]) == 1, before_insert
    assert len(statements) <= 10, statements  # principal, known, street, names, shop, account, counter, audit


async def test_cached_many_reads_only_what_is_missing_and_keeps_empty_answers(session: AsyncSession, monkeypatch):
    refcache.forget(session)
    asked: list[list[str]] = []

    async def load(keys: list[str]) -> dict[str, tuple[str, ...]]:
        asked.append(keys)
        return {k: (k.upper(),) if k != "none" else () for k in keys}

    assert await refcache.cached_many(session, "t", ["a", "none"], 60, load) == {"a": ("A",), "none": ()}
    assert await refcache.cached_many(session, "t", ["a", "b", "none"], 60, load) == {
        "a": ("A",),
        "b": ("B",),
        "none": (),
    }
    assert asked == [["a", "none"], ["b"]]  # an empty answer is kept too
    clock = [refcache.time.monotonic()]
    monkeypatch.setattr(refcache.time, "monotonic", lambda: clock[0])
    clock[0] += 61
    await refcache.cached_many(session, "t", ["a"], 60, load)
    assert asked[-1] == ["a"]  # read again after its TTL
    refcache.forget(session)


async def test_not_found_is_not_kept_and_found_is(session: AsyncSession):
    units = UnitRepository(session)
    assert await units.level_of("2025", "99999") is None
    await session.execute(
        text(
            "INSERT INTO admin_unit (edition, code, name, kind, level, name_search, province_code, "
            "province_name, valid_from) VALUES ('2025', '99999', 'Phường Thử', 'ward', 'commune', 'phuong thu', "
            "'79', 'TP Hồ Chí Minh', '2025-07-01')"
        )
    )
    assert await units.level_of("2025", "99999") == "commune"  # loaded after a miss: found
    await session.execute(text("DELETE FROM admin_unit WHERE code = '99999'"))
    assert await units.level_of("2025", "99999") == "commune"  # a level, once found, is kept
    refcache.forget(session)
    assert await units.level_of("2025", "99999") is None


async def test_the_bank_list_is_read_again_after_its_ttl(session: AsyncSession, monkeypatch):
    refcache.forget(session)
    repo = MerchantRepository(session)
    before = await repo.active_bins()
    await session.execute(text("UPDATE bank SET status = 'renamed' WHERE bin = '970436'"))
    assert await repo.active_bins() == before  # kept
    clock = [refcache.time.monotonic()]
    monkeypatch.setattr(refcache.time, "monotonic", lambda: clock[0])
    clock[0] += 61
    assert "970436" in before and "970436" not in await repo.active_bins()
    refcache.forget(session)


async def test_each_engine_keeps_its_own(session: AsyncSession):
    from app.core.db import make_engine

    other = make_engine("sqlite+aiosqlite:///:memory:")
    async with AsyncSession(other) as elsewhere:
        calls: list[str] = []

        async def load() -> str:
            calls.append("x")
            return "there"

        assert await refcache.cached(session, "k", None, lambda: _value("here")) == "here"
        assert await refcache.cached(elsewhere, "k", None, load) == "there"
        assert await refcache.cached(session, "k", None, load) == "here" and calls == ["x"]
    await other.dispose()
    refcache.forget(session)


async def _value(v: str) -> str:
    return v
