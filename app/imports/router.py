from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import APIRouter, File, Form, Header, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from app.auth import CurrentUser, Writer
from app.core.db import SessionDep
from app.core.deps import SettingsDep
from app.core.errors import AppError, PayloadTooLarge, ValidationFailed
from app.imports import errorfile, refs, service, template
from app.imports.reading import MAX_BYTES
from app.imports.schemas import ImportOut, Mode
from app.units.service import parse_unit_ref, require_unit

router = APIRouter(prefix="/imports", tags=["imports"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UnitQuery = Annotated[str, Query(description="edition:code of the unit, e.g. 2025:26506")]
T = TypeVar("T")
_EITHER = "as a query parameter or a form field (both: they must agree)"


class IdempotencyKeyRequired(AppError):
    status, code = 428, "idempotency_key_required"


def one_value(name: str, in_query: T | None, in_form: T | None, default: T | None = None) -> T | None:
    """`unit`, `mode` and `dry_run` may come as query parameters or as fields of the multipart form (what an HTML
    form or curl -F sends); both agree or it is a 422 naming the field, so no value is silently chosen over another."""
    if in_query is not None and in_form is not None and in_query != in_form:
        raise ValidationFailed(
            name,
            f"'{name}' có hai giá trị khác nhau (tham số truy vấn và trường của biểu mẫu)",
            f"'{name}' has two different values (query parameter and form field)",
        )
    return in_form if in_form is not None else in_query if in_query is not None else default


@router.get("/template.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
async def template_xlsx(session: SessionDep, principal: Writer, unit: UnitQuery) -> Response:
    ref = parse_unit_ref(unit)
    await require_unit(session, *ref)
    body = template.xlsx(await refs.load(session, ref))
    name = f"phoqr-import-{ref[0]}-{ref[1]}.xlsx"
    return Response(body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/template.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
async def template_csv(
    principal: Writer,
    bare: Annotated[bool, Query(description="headers as bare API field names")] = False,
) -> Response:
    return Response(
        template.csv_text(bare=bare).encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="phoqr-import.csv"'},
    )


@router.post(
    "",
    response_model=ImportOut,
    status_code=201,
    responses={
        200: {"model": ImportOut, "description": "replay: the same Idempotency-Key and file"},
        202: {"model": ImportOut, "description": "queued: a large file runs in the background"},
    },
    summary="Upload a spreadsheet of shops (XLSX or CSV): dry run, all_or_nothing or valid_rows",
)
async def create_import(
    request: Request,
    session: SessionDep,
    principal: Writer,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="XLSX or CSV (UTF-8), at most 10 MB and 20,000 rows")],
    unit: Annotated[str | None, Query(description=f"edition:code, e.g. 2025:26506; required, {_EITHER}")] = None,
    mode: Annotated[Mode | None, Query(description=f"all_or_nothing (default) or valid_rows, {_EITHER}")] = None,
    dry_run: Annotated[bool | None, Query(description=f"false by default, {_EITHER}")] = None,
    unit_field: Annotated[str | None, Form(alias="unit")] = None,
    mode_field: Annotated[Mode | None, Form(alias="mode")] = None,
    dry_run_field: Annotated[bool | None, Form(alias="dry_run")] = None,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)] = None,
) -> JSONResponse:
    ref = one_value("unit", parse_unit_ref(unit) if unit else None, parse_unit_ref(unit_field) if unit_field else None)
    if ref is None:
        raise ValidationFailed("unit", "Cần chọn đơn vị (unit)", "The unit is required")
    chosen_mode = one_value("mode", mode, mode_field, "all_or_nothing")
    chosen_dry_run = one_value("dry_run", dry_run, dry_run_field, False)
    if idempotency_key is None:
        raise IdempotencyKeyRequired(
            "Cần tiêu đề Idempotency-Key để tệp chỉ được nhập một lần",
            "An Idempotency-Key header is required so the file is imported once",
        )
    data = await file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise PayloadTooLarge("Tệp lớn hơn 10 MB", "The file is larger than 10 MB")
    job, replayed = await service.submit(
        session,
        principal,
        data=data,
        filename=file.filename or "upload",
        key=idempotency_key,
        unit=ref,
        mode=chosen_mode or "all_or_nothing",
        dry_run=bool(chosen_dry_run),
        background_rows=settings.import_background_rows,
    )
    status = 200 if replayed else (202 if job.status == "queued" else 201)
    out = ImportOut.model_validate(service.summary(job))
    headers = {"Location": f"/api/v1/imports/{job.id}"} | ({"Idempotent-Replayed": "true"} if replayed else {})
    return JSONResponse(out.model_dump(mode="json"), status_code=status, headers=headers)


@router.get("/{import_id}", response_model=ImportOut, summary="Status and progress (rows done of total)")
async def get_import(import_id: str, session: SessionDep, principal: CurrentUser) -> ImportOut:
    return ImportOut.model_validate(service.summary(await service.get(session, principal, import_id)))


@router.get("/{import_id}/errors.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
async def import_errors_xlsx(import_id: str, session: SessionDep, principal: CurrentUser) -> Response:
    job = await service.get(session, principal, import_id)
    return Response(
        errorfile.build(job),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="phoqr-import-{job.id[:8]}-errors.xlsx"'},
    )
