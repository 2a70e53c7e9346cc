"""Importing a spreadsheet of shops once: check the file, validate and write every row, keep the outcome.

A dry run and a real run are the same run: every row goes through the write path inside one SAVEPOINT, which a
dry run (or an all_or_nothing run with any error) rolls back, so the dry run's errors are exactly the real
run's. The import row and its outcome stay outside that savepoint. The same Idempotency-Key with the same file
answers the stored import; with another file (or other options) it is 409 `idempotency_key_reused`.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable, Iterator
from itertools import islice
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal
from app.core.db import utcnow
from app.core.editions import Edition
from app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.imports import reading, refs, writing
from app.imports.models import ImportJob
from app.imports.repository import ImportRepository
from app.imports.rows import RowError, RowProblems, check, column_field
from app.units.service import require_unit

ERRORS_SHOWN = 1_000
CHUNK = 500
Progress = Callable[[str, int], Awaitable[None]]  # (import id, rows done)


def key_hash(user_id: int, key: str) -> str:
    return hashlib.sha256(f"{user_id}\n{key}".encode()).hexdigest()


def _options_hash(data: bytes, unit: tuple[str, str], mode: str, dry_run: bool) -> str:
    """sha256 of the file and the options it was sent with: another file or other options is another request."""
    digest = hashlib.sha256(data)
    digest.update(f"\n{unit[0]}:{unit[1]}\n{mode}\n{int(dry_run)}".encode())
    return digest.hexdigest()


async def submit(
    session: AsyncSession,
    principal: Principal,
    *,
    data: bytes,
    filename: str,
    key: str,
    unit: tuple[str, str],
    mode: str,
    dry_run: bool,
    background_rows: int,
) -> tuple[ImportJob, bool]:
    """(the import, replayed?). Runs it now, or leaves it `queued` for the worker when it has many rows."""
    if not principal.can_write:
        raise Forbidden("Vai trò của bạn không được nhập cửa hàng", "Your role may not import shops")
    if unit[0] != Edition.Y2025:
        raise ValidationFailed("unit", "Đơn vị phải thuộc phiên bản 2025", "The unit must be of edition 2025")
    await require_unit(session, *unit)
    if not principal.covers_unit(unit[1]):
        raise Forbidden("Đơn vị ngoài phạm vi của bạn", "This unit is outside your scope")
    repo = ImportRepository(session)
    hashed, file_hash = key_hash(principal.id, key), _options_hash(data, unit, mode, dry_run)
    stored = await repo.by_key_hash(hashed)
    if stored is not None:
        if stored.file_hash != file_hash:
            raise Conflict(
                "Idempotency-Key này đã dùng cho một tệp khác",
                "This Idempotency-Key was used for another file",
                code="idempotency_key_reused",
            )
        return stored, True
    # every bad-file problem before anything is written; a run now goes on with the rows read here (at most
    # 20,000 rows of values), a background run reads the file again
    sheet = reading.read(data)
    rows = list(sheet.rows)
    rows_total = len(rows)
    job = ImportJob(
        id=str(uuid.uuid4()),
        user_id=principal.id,
        key_hash=hashed,
        file_hash=file_hash,
        filename=filename[:200],
        content=data,
        unit_edition=unit[0],
        unit_code=unit[1],
        mode=mode,
        dry_run=dry_run,
        rows_total=rows_total,
    )
    session.add(job)
    await repo.flush_claim()
    if rows_total <= background_rows:
        sheet.rows = iter(rows)
        await run(session, principal, job, sheet=sheet)
    return job, False


def _chunks(rows: Iterator[tuple[int, list[Any]]]) -> Iterator[list[tuple[int, list[Any]]]]:
    while chunk := list(islice(rows, CHUNK)):
        yield chunk


class _Claims:
    """Phones and accounts already claimed by an earlier row of the file (row number by value)."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], int] = {}

    def clash(self, body: Any, number: int) -> list[tuple[str, str, str, str]]:
        p = body.payment_account
        claims = [("phone", body.phone)]
        if p is not None:
            claims.append(("payment_account.account_number", f"{p.bank_bin}:{p.account_number}"))
        out = []
        for name, value in claims:
            if value is None:
                continue
            first = self.seen.setdefault((name, value), number)
            if first != number:
                out.append((name, "duplicate_in_file", f"Trùng với dòng {first}", f"Same as row {first}"))
        return out


async def run(
    session: AsyncSession,
    principal: Principal,
    job: ImportJob,
    progress: Progress | None = None,
    *,
    sheet: reading.Sheet | None = None,
) -> None:
    """Validate and write every row (inside one savepoint), record errors and counts, finish the import."""
    sheet = sheet or reading.read(job.content)
    unit = (job.unit_edition, job.unit_code)
    reference = await refs.load(session, unit)
    seed = f"{principal.id}|{unit[0]}:{unit[1]}|"
    errors: list[RowError] = []
    claims = _Claims()
    # the import row is left untouched until the end: a background run writes its progress in other
    # transactions, which must not wait for a lock this one holds
    counts = {"rows_done": 0, "rows_ok": 0, "created": 0, "unchanged": 0}

    def fail(number: int, problems: list[tuple[str, str, str, str]]) -> None:
        for path, code, vi, en in problems:
            shown = column_field(path, sheet.letters)
            errors.append(RowError(sheet.name, number, sheet.letters.get(shown), shown, code, vi, en))

    savepoint = await session.begin_nested()
    for chunk in _chunks(sheet.rows):
        bodies, numbers = [], []
        for number, values in chunk:
            cells = {f: (values[i] if i < len(values) else None) for i, f in sheet.columns.items()}
            try:
                body = check(cells, reference, seed=seed, present=sheet.letters)
            except RowProblems as exc:
                fail(number, exc.problems)
                continue
            if clashes := claims.clash(body, number):
                fail(number, clashes)
                continue
            bodies.append(body)
            numbers.append(number)
        for number, outcome in zip(
            numbers,
            await writing.write(session, principal, bodies, import_id=job.id, rehearsal=job.dry_run),
            strict=True,
        ):
            if outcome.status == "invalid":
                problems = [
                    (e.field, outcome.code or "invalid", e.message, e.message_en or e.message) for e in outcome.errors
                ]
                fail(
                    number,
                    problems or [("name", outcome.code or "invalid", outcome.detail_vi or "", outcome.detail_en or "")],
                )
            else:
                counts["rows_ok"] += 1
                counts[outcome.status] += 1
        counts["rows_done"] += len(chunk)
        if progress is not None:
            await progress(job.id, counts["rows_done"])
    rejected = job.mode == "all_or_nothing" and bool(errors)
    if job.dry_run or rejected:
        await savepoint.rollback()  # expires the import row too: its outcome is set below, after
        counts["created"] = counts["unchanged"] = 0
    else:
        await savepoint.commit()
    for name, value in counts.items():
        setattr(job, name, value)
    job.status = "rejected" if rejected else "done"
    job.errors_total = len(errors)
    job.errors = json.dumps([e.as_dict() for e in errors], ensure_ascii=False)
    job.finished_at = utcnow()
    await session.flush()


async def get(session: AsyncSession, principal: Principal, import_id: str) -> ImportJob:
    """The caller's own import (city_admin and auditor see every one); anything else is 404."""
    job = await ImportRepository(session).get(import_id)
    if job is None or (job.user_id != principal.id and not principal.sees_all):
        raise NotFound("Không tìm thấy lần nhập này", "Import not found", code="import_not_found")
    return job


def summary(job: ImportJob) -> dict[str, Any]:
    errors = json.loads(job.errors)
    return {
        "id": job.id,
        "status": job.status,
        "mode": job.mode,
        "dry_run": job.dry_run,
        "unit": {"edition": job.unit_edition, "code": job.unit_code},
        "filename": job.filename,
        "rows_total": job.rows_total,
        "rows_done": job.rows_done,
        "rows_ok": job.rows_ok,
        "created": job.created,
        "unchanged": job.unchanged,
        "errors": errors[:ERRORS_SHOWN],
        "errors_total": job.errors_total,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "problem": json.loads(job.problem) if job.problem else None,
    }
