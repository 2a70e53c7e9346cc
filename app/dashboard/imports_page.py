"""The import page: an officer uploads a spreadsheet of shops, sees the errors table, downloads the error file
and follows a large import's progress (the page refreshes itself with a meta tag while it runs: no script)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from app.core.db import SessionDep
from app.core.deps import SettingsDep
from app.core.editions import Edition
from app.core.errors import AppError, PayloadTooLarge
from app.dashboard import PREFIX
from app.dashboard import session as dash_session
from app.dashboard.web import PageError, PagePrincipal, current_session, guarded, link, render
from app.imports import errorfile, refs, service, template
from app.imports.reading import MAX_BYTES
from app.units.service import parse_unit_ref

router = APIRouter(prefix=PREFIX + "/imports", include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN = 200


def _units(principal: PagePrincipal) -> list[str]:
    return sorted(f"{e}:{c}" for e, c in principal.units if e == Edition.Y2025) or ["2025:26506"]


@router.get("", name="dashboard.imports")
async def imports_page(
    request: Request, session: SessionDep, principal: PagePrincipal, id: str | None = None
) -> Response:
    job = await guarded(service.get(session, principal, id)) if id else None
    summary = service.summary(job) if job else None
    return render(
        request,
        "imports.html",
        nav="imports",
        units=_units(principal),
        key=str(uuid.uuid4()),  # one per form: sending it twice answers the same import
        job=summary,
        shown=(summary["errors"][:SHOWN] if summary else []),
        running=bool(summary and summary["status"] in ("queued", "running")),
        problem=None,
    )


@router.post("", name="dashboard.imports_upload")
async def upload(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PagePrincipal,
    file: Annotated[UploadFile, File()],
    unit: Annotated[str, Form(max_length=20)],
    key: Annotated[str, Form(min_length=1, max_length=100)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    mode: Annotated[str, Form(max_length=20)] = "all_or_nothing",
    dry_run: Annotated[str | None, Form(max_length=5)] = None,
) -> Response:
    if not dash_session.csrf_ok(current_session(request, settings), csrf_token):
        return render(request, "error.html", status=403, message_key="csrf")
    data = await file.read(MAX_BYTES + 1)
    try:
        if len(data) > MAX_BYTES:
            raise PayloadTooLarge("Tệp lớn hơn 10 MB", "The file is larger than 10 MB", code="payload_too_large")
        job, _ = await service.submit(
            session,
            principal,
            data=data,
            filename=file.filename or "upload",
            key=f"dashboard:{key}",
            unit=parse_unit_ref(unit),
            mode="valid_rows" if mode == "valid_rows" else "all_or_nothing",
            dry_run=dry_run is not None,
            background_rows=settings.import_background_rows,
        )
    except AppError as exc:
        lang = "en" if request.query_params.get("lang") == "en" else "vi"
        detail = exc.detail_en if lang == "en" else exc.detail_vi
        return render(
            request,
            "imports.html",
            status=exc.status,
            nav="imports",
            units=_units(principal),
            key=str(uuid.uuid4()),
            job=None,
            shown=[],
            running=False,
            problem=detail or exc.code,
        )
    return RedirectResponse(link(request, "dashboard.imports", id=job.id), status_code=303)


@router.get("/template.xlsx", name="dashboard.import_template")
async def template_file(session: SessionDep, principal: PagePrincipal, unit: str = "2025:26506") -> Response:
    try:
        ref = parse_unit_ref(unit)
    except AppError as exc:
        raise PageError(404, "not_found") from exc
    body = template.xlsx(await refs.load(session, ref))
    name = f"phoqr-import-{ref[0]}-{ref[1]}.xlsx"
    return Response(body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/{import_id}/errors.xlsx", name="dashboard.import_errors")
async def error_file(import_id: str, session: SessionDep, principal: PagePrincipal) -> Response:
    job = await guarded(service.get(session, principal, import_id))
    name = f"phoqr-import-{job.id[:8]}-errors.xlsx"
    return Response(
        errorfile.build(job), media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
