"""A background import whose process died mid-run (status `running`, nothing written: its one transaction was
rolled back) is queued again and run from the start, each shop once; after MAX_ATTEMPTS it is failed with the
reason and the file can be uploaded again. A live run is never taken over."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.imports import jobs, recovery
from tests.app.imports.books import csv_bytes, shop
from tests.app.imports.test_upload import Auth, count, upload


def worker_sessions(connection: object) -> async_sessionmaker[AsyncSession]:
    # the worker's sessions share the test's connection (savepoints), so the test still rolls everything back
    return async_sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)  # type: ignore[call-overload]


async def queued_import(client: httpx.AsyncClient, h: dict[str, str], app: object) -> str:
    app.state.settings.import_background_rows = 5  # type: ignore[attr-defined]
    r = await upload(client, h, csv_bytes([shop(i) for i in range(1, 11)]), name="big.csv", mode="valid_rows")
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


async def status_of(client: httpx.AsyncClient, h: dict[str, str], import_id: str) -> dict:  # type: ignore[type-arg]
    return (await client.get(f"/api/v1/imports/{import_id}", headers=h)).json()  # type: ignore[no-any-return]


async def test_a_crashed_run_is_queued_again_and_imports_each_shop_once(
    client: httpx.AsyncClient, auth: Auth, session: AsyncSession, app: object
) -> None:
    h = await auth("officer.vungtau")
    import_id = await queued_import(client, h, app)
    maker = worker_sessions(await session.connection())
    assert await jobs._claim(maker) == (import_id, 1)  # claimed, then the process died before it wrote a row
    assert (await status_of(client, h, import_id))["status"] == "running"
    assert await recovery.recover(maker) == {import_id: "queued"}
    assert await recovery.recover(maker) == {}  # nothing left to take over
    assert await jobs.run_one(maker) == import_id
    session.expire_all()
    done = await status_of(client, h, import_id)
    assert (done["status"], done["rows_done"], done["created"]) == ("done", 10, 10)
    assert await count(session) == 10  # each shop once


async def test_a_run_that_lost_its_claim_leaves_the_import_to_its_new_run(
    client: httpx.AsyncClient, auth: Auth, session: AsyncSession, app: object
) -> None:
    h = await auth("officer.vungtau")
    import_id = await queued_import(client, h, app)
    maker = worker_sessions(await session.connection())
    assert await jobs._claim(maker) == (import_id, 1)
    await recovery.recover(maker)  # swept between the claim and the run's lock
    await jobs._run(maker, import_id, 1)  # the first run goes on: it must not import
    assert await count(session) == 0
    assert (await status_of(client, h, import_id))["status"] == "queued"
    assert await jobs.run_one(maker) == import_id  # attempt 2 does it
    session.expire_all()
    assert (await status_of(client, h, import_id))["created"] == 10 and await count(session) == 10


async def test_after_repeated_crashes_it_fails_with_the_reason_and_can_be_uploaded_again(
    client: httpx.AsyncClient, auth: Auth, session: AsyncSession, app: object
) -> None:
    h = await auth("officer.vungtau")
    import_id = await queued_import(client, h, app)
    maker = worker_sessions(await session.connection())
    for attempt in range(1, recovery.MAX_ATTEMPTS + 1):
        assert await jobs._claim(maker) == (import_id, attempt)
        expected = "queued" if attempt < recovery.MAX_ATTEMPTS else "failed"
        assert await recovery.recover(maker) == {import_id: expected}
    session.expire_all()
    failed = await status_of(client, h, import_id)
    assert failed["status"] == "failed" and failed["finished_at"] is not None
    assert failed["problem"]["code"] == "import_interrupted" and "new Idempotency-Key" in failed["problem"]["detail_en"]
    assert await jobs.run_one(maker) is None  # not retried again
    again = await upload(client, h, csv_bytes([shop(i) for i in range(1, 11)]), name="big.csv", mode="valid_rows")
    assert again.status_code == 202 and again.json()["id"] != import_id
    assert await jobs.run_one(maker) == again.json()["id"]
    assert await count(session) == 10


async def test_a_live_run_is_not_taken_over(
    client: httpx.AsyncClient, auth: Auth, session: AsyncSession, app: object
) -> None:
    h = await auth("officer.vungtau")
    import_id = await queued_import(client, h, app)
    connection = await session.connection()
    maker = worker_sessions(connection)
    await jobs._claim(maker)
    if session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
        # another process's run: its own connection holds the import's lock
        async with connection.engine.connect() as other, other.begin():
            lock = func.pg_advisory_xact_lock(recovery.IMPORT_LOCK, func.hashtext(import_id))
            await other.execute(select(lock))
            assert await recovery.recover(maker) == {}
        assert await recovery.recover(maker) == {import_id: "queued"}  # that process is gone
    else:
        recovery.RUNNING.add(import_id)  # SQLite: this process is running it
        try:
            assert await recovery.recover(maker) == {}
        finally:
            recovery.RUNNING.discard(import_id)
        assert await recovery.recover(maker) == {import_id: "queued"}


async def test_the_worker_sweeps_when_it_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    async def sweep(_maker: object) -> dict[str, str]:
        calls.append("recover")
        return {}

    async def nothing(_maker: object) -> None:
        calls.append("run")

    monkeypatch.setattr(recovery, "recover", sweep)
    monkeypatch.setattr(jobs, "run_one", nothing)
    stop = jobs.start_in_background(object(), interval=0.01)  # type: ignore[arg-type]
    await asyncio.sleep(0.1)
    await stop()
    assert calls[0] == "recover" and calls.count("recover") == 1 and "run" in calls  # once a minute after
