"""Per-bank `seq` under concurrent writers, some of which roll back: no gap, no duplicate (committed database)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from app.bank.outbox import service as outbox
from app.bank.outbox.models import BankEvent
from tests.conftest import BACKENDS
from tests.webhook_receiver import LiveBank, live_database, live_engine, live_settings


@pytest.fixture(scope="module", params=BACKENDS)
def live_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from live_database(request.param, tmp_path_factory.mktemp("live"))


@pytest.fixture
async def bank(live_url: str, tmp_path: Path) -> AsyncIterator[LiveBank]:
    async with live_engine(live_url) as engine:
        yield LiveBank(engine, live_settings(live_url, tmp_path))


async def test_concurrent_writers_with_rollbacks_leave_a_gapless_sequence(bank):
    bin_, _ = await bank.new_bank()
    started = asyncio.Event()

    async def writer(i: int) -> str | None:
        async with bank.sessionmaker() as s:
            await started.wait()
            event = await outbox.append(s, bin_, "merchant.updated", str(uuid.uuid4()), {"i": i})
            await asyncio.sleep(0.01)  # hold the bank's counter a moment, so the others queue behind it
            if i % 3 == 0:
                await s.rollback()  # the change failed: its event and its number go with it
                return None
            await s.commit()
            return event.id

    tasks = [asyncio.create_task(writer(i)) for i in range(30)]
    started.set()
    committed = {x for x in await asyncio.gather(*tasks) if x}

    async with bank.sessionmaker() as s:
        rows = (await s.execute(select(BankEvent.id, BankEvent.seq).where(BankEvent.bank_bin == bin_))).all()
    assert {r.id for r in rows} == committed and len(committed) == 20
    assert sorted(r.seq for r in rows) == list(range(1, 21))
