"""`phoqr prune`: an uploaded file and its errors (the error file) go PHOQR_RETENTION_IMPORT_DAYS after the import
finished; the outcome stays (a replay still answers it), unfinished imports keep their file."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.db import utcnow
from app.imports.models import ImportJob
from app.imports.retention import prune_import_files
from tests.app.imports.books import csv_bytes, shop, xlsx
from tests.app.imports.test_upload import Auth, upload


async def test_files_and_errors_go_after_their_days_the_outcome_stays(
    client: httpx.AsyncClient, auth: Auth, session: AsyncSession
) -> None:
    assert Settings.model_fields["retention_import_days"].default == 30
    h = await auth("officer.vungtau")
    bad = xlsx([shop(1), shop(2) | {"phone": "12"}])  # one error: an error file to prune
    imports: dict[str, tuple[str, str]] = {}
    for name, status, age, data in [
        ("old", "rejected", 31, bad),
        ("recent", "done", 29, xlsx([shop(3)])),
        ("old_running", "running", 400, xlsx([shop(4)])),
        ("old_queued", "queued", 400, xlsx([shop(5)])),
    ]:
        key = f"retention-{name}"
        r = await upload(client, h, data, key=key, dry_run=True)
        assert r.status_code == 201, r.text
        imports[name] = (r.json()["id"], key)
        ended = utcnow() - timedelta(days=age)
        values = {
            "status": status,
            "created_at": ended,
            "finished_at": None if status in ("queued", "running") else ended,
        }
        await session.execute(update(ImportJob).where(ImportJob.id == r.json()["id"]).values(values))
    old_id, old_key = imports["old"]
    before = (await client.get(f"/api/v1/imports/{old_id}", headers=h)).json()
    assert before["errors_total"] == 1 and before["errors"]
    assert (await client.get(f"/api/v1/imports/{old_id}/errors.xlsx", headers=h)).status_code == 200

    now = utcnow()
    assert await prune_import_files(session, now, 30, batch=1000) == 1
    assert await prune_import_files(session, now, 30, batch=1000) == 0  # already pruned
    await session.commit()  # as `phoqr prune` does (a refused request below rolls back what is not committed)
    session.expire_all()
    for name, (import_id, _) in imports.items():
        job = await session.get(ImportJob, import_id)
        assert job is not None
        assert (job.pruned_at is not None) == (name == "old"), name
        assert (job.content == b"" and job.errors == "[]") == (name == "old"), (name, job.errors[:40])

    gone = await client.get(f"/api/v1/imports/{old_id}/errors.xlsx", headers=h | {"Accept-Language": "en"})
    assert gone.status_code == 410 and gone.json()["code"] == "import_file_pruned", gone.text
    after = (await client.get(f"/api/v1/imports/{old_id}", headers=h)).json()
    assert (after["status"], after["errors_total"], after["errors"]) == ("rejected", 1, [])  # counts kept
    replay = await upload(client, h, bad, key=old_key, dry_run=True)  # the same key and file: the stored answer
    assert replay.status_code == 200 and replay.json()["id"] == old_id
    assert (await client.get(f"/api/v1/imports/{imports['recent'][0]}/errors.xlsx", headers=h)).status_code == 200


async def test_prune_goes_in_batches(client: httpx.AsyncClient, auth: Auth, session: AsyncSession) -> None:
    h = await auth("officer.vungtau")
    for i in range(3):
        r = await upload(client, h, csv_bytes([shop(10 + i)]), name="s.csv", dry_run=True)
        await session.execute(
            update(ImportJob).where(ImportJob.id == r.json()["id"]).values(finished_at=utcnow() - timedelta(days=60))
        )
    now = utcnow()
    assert [await prune_import_files(session, now, 30, batch=2) for _ in range(3)] == [2, 1, 0]
