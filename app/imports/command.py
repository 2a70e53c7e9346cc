"""`phoqr import FILE --unit 2025:26506 --user officer.vungtau [--dry-run]`: the same import as the API, run as
that user (their role and units apply), inline whatever the size. The Idempotency-Key defaults to the file's
sha256, so running the same command twice imports the file once."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.repository import UserRepository
from app.auth.service import load_principal
from app.core.config import get_settings
from app.core.errors import AppError
from app.imports import service
from app.units.service import parse_unit_ref


async def import_file(
    session: AsyncSession,
    data: bytes,
    filename: str,
    *,
    unit: str,
    username: str,
    mode: str = "all_or_nothing",
    dry_run: bool = False,
    key: str | None = None,
) -> dict[str, Any]:
    user = await UserRepository(session).by_username(username)
    principal = await load_principal(session, get_settings(), user.id) if user and user.id else None
    if principal is None:
        raise AppError(f"Không có tài khoản đang hoạt động '{username}'", f"No active user '{username}'")
    job, _ = await service.submit(
        session,
        principal,
        data=data,
        filename=filename,
        key=key or f"cli:{hashlib.sha256(data).hexdigest()}:{mode}:{int(dry_run)}",
        unit=parse_unit_ref(unit),
        mode=mode,
        dry_run=dry_run,
        background_rows=10**9,
    )
    return service.summary(job)


def report(summary: dict[str, Any], shown: int = 50) -> str:
    lines = [
        f"import {summary['id']}: {summary['status']}{' (dry run)' if summary['dry_run'] else ''}",
        f"rows {summary['rows_total']}, valid {summary['rows_ok']}, created {summary['created']}, "
        f"unchanged {summary['unchanged']}, errors {summary['errors_total']}",
    ]
    for e in summary["errors"][:shown]:
        lines.append(f"  {e['sheet']}!{e['column'] or '?'}{e['row']} {e['field']}: {e['message_en']} ({e['code']})")
    if summary["errors_total"] > shown:
        lines.append(f"  ... {summary['errors_total'] - shown} more: GET /api/v1/imports/{summary['id']}/errors.xlsx")
    return "\n".join(lines)
