"""A large file is queued by the upload and run by the worker, which reports its progress."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.imports import jobs, service
from tests.app.imports.books import csv_bytes, shop
from tests.app.imports.test_upload import Auth, count, upload


async def test_a_large_file_runs_in_the_background(
    client: httpx.AsyncClient, auth: Auth, session: AsyncSession, app: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.state.settings.import_background_rows = 5  # type: ignore[attr-defined]
    monkeypatch.setattr(service, "CHUNK", 4)
    h = await auth("officer.vungtau")
    r = await upload(client, h, csv_bytes([shop(i) for i in range(1, 11)]), name="big.csv", mode="valid_rows")
    assert r.status_code == 202, r.text
    assert (r.json()["status"], r.json()["rows_total"], r.json()["rows_done"]) == ("queued", 10, 0)
    assert await count(session) == 0

    seen: list[int] = []
    real_set = jobs._set

    async def spy(maker: object, import_id: str, **values: object) -> None:
        if "rows_done" in values:
            seen.append(int(values["rows_done"]))  # type: ignore[call-overload]
        await real_set(maker, import_id, **values)  # type: ignore[arg-type]

    monkeypatch.setattr(jobs, "_set", spy)
    # the worker's sessions share the test's connection (savepoints), so the test still rolls everything back
    maker = async_sessionmaker(
        bind=await session.connection(), join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    assert await jobs.run_one(maker) == r.json()["id"]
    assert await jobs.run_one(maker) is None  # nothing else queued
    if session.bind.dialect.name != "sqlite":
        assert seen == [4, 8, 10]
    session.expire_all()
    done = await client.get(f"/api/v1/imports/{r.json()['id']}", headers=h)
    assert (done.json()["status"], done.json()["rows_done"], done.json()["created"]) == ("done", 10, 10)
    assert await count(session) == 10
