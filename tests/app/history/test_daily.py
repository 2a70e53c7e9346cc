"""The running service's daily snapshot: off in tests unless turned on, on at start-up when it is."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.migrate import upgrade
from app.history.daily import seconds_until
from app.history.models import SnapshotRun
from app.history.snapshot import local_today
from app.main import create_app
from tests.conftest import create_database


def test_next_slot_is_in_vietnam_time():
    # 16:00 UTC is 23:00 in Vietnam: 23:55 is 55 minutes away; at 17:00 UTC (00:00 next day) it is 23h55 away
    assert seconds_until(time(23, 55), datetime(2026, 11, 23, 16, 0, tzinfo=UTC)) == 55 * 60
    assert seconds_until(time(23, 55), datetime(2026, 11, 23, 17, 0, tzinfo=UTC)) == (23 * 60 + 55) * 60
    assert local_today(datetime(2026, 11, 23, 17, 0, tzinfo=UTC)).isoformat() == "2026-11-24"


async def test_off_in_tests_by_default(app):
    assert app.state.snapshots is None


def test_service_snapshots_today_at_start_up(tmp_path):
    url, drop = create_database("sqlite", tmp_path)
    try:
        upgrade(url)

        async def scenario() -> list[SnapshotRun]:
            settings = Settings(
                environment="test", database_url=url, jwt_secret="t" * 40, snapshot_daily=True, media_dir=tmp_path
            )
            application = create_app(settings)
            async with application.router.lifespan_context(application):
                task = application.state.snapshots
                assert task is not None and not task.done()
                for _ in range(200):  # the first take runs as soon as the loop is free
                    engine = application.state.engine
                    async with AsyncSession(engine) as s:
                        runs = list((await s.execute(select(SnapshotRun))).scalars())
                    if runs:
                        break
                    await asyncio.sleep(0.05)
            assert task.done()  # cancelled with the app
            return runs

        runs = asyncio.run(scenario())
        assert [(r.day, r.source) for r in runs] == [(local_today(), "service")]
    finally:
        drop()
