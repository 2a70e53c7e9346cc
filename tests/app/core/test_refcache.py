"""Reference data (active banks, unit levels) is read once per engine and process, not on every registration;
each engine keeps its own; "not found" is never kept; the bank list is read again after its TTL."""

from __future__ import annotations

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import refcache
from app.merchants.repository import MerchantRepository
from app.units.repository import UnitRepository
from tests.app.bank.test_outbox import register


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
