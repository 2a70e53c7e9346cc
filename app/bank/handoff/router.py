"""What a bank reads and answers: its merchants (list, CSV, XLSX), receipts and reconciliation.

Scope: a bank partner acts for its own BIN only; city_admin and auditor name the bank with `?bin=`.
Records are only consented shops at that BIN (app.bank.handoff.records).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, StreamingResponse

from app.auth import BankPartner, CurrentUser
from app.bank.handoff import exports, listing, receipts, reconciliation
from app.bank.handoff.reconciliation import Group
from app.bank.handoff.schemas import (
    BankRecordPage,
    ReceiptsIn,
    ReceiptsOut,
    ReconciliationIn,
    ReconciliationOut,
    ReconciliationResult,
)
from app.bank.handoff.scope import acting_bin
from app.core.db import SessionDep, utcnow
from app.core.db.replica import ReadSessionDep, ReadStreamSession
from app.core.pagination import CursorQuery, LimitQuery
from app.units.service import parse_unit_ref

router = APIRouter(prefix="/bank", tags=["bank"])
BinQuery = Annotated[str | None, Query(description="city_admin and auditor: the bank's BIN")]
UnitQuery = Annotated[str | None, Query(description="edition:code, e.g. 2025:26506 or 2020:26509")]
# bounded here so a streamed file is refused (422, naming the field) before its first byte, like the JSON list
StreetQuery = Annotated[int | None, Query(ge=1, le=2_147_483_647, description="Only the shops on this street")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/merchants", response_model=BankRecordPage, summary="The bank's consented merchants, as bank records")
async def bank_merchants(
    session: ReadSessionDep,
    principal: CurrentUser,
    bin: BinQuery = None,
    unit: UnitQuery = None,
    street_id: StreetQuery = None,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> JSONResponse:
    bank_bin = acting_bin(principal, bin)
    as_of = utcnow()
    items, nxt = await listing.page(
        session,
        bank_bin,
        unit=parse_unit_ref(unit) if unit else None,
        street_id=street_id,
        cursor=cursor,
        limit=limit,
    )
    # returned as built: the JSON a bank hashes is exactly the record we hashed
    return JSONResponse({"items": items, "next_cursor": nxt, "as_of": jsonable_encoder(as_of)})


@router.get(
    "/merchants.csv",
    summary="The same list as CSV (streamed, UTF-8 with BOM, header row first; as_of in X-As-Of)",
    responses={200: {"content": {"text/csv": {}}}},
)
async def bank_merchants_csv(
    session: ReadStreamSession,
    principal: CurrentUser,
    bin: BinQuery = None,
    unit: UnitQuery = None,
    street_id: StreetQuery = None,
) -> StreamingResponse:
    bank_bin = acting_bin(principal, bin)
    unit_ref = parse_unit_ref(unit) if unit else None
    as_of = await exports.open_snapshot(session)  # the file is this snapshot, whenever its last byte leaves
    return StreamingResponse(
        exports.csv_stream(session, bank_bin, unit_ref, street_id),
        media_type="text/csv; charset=utf-8",
        headers=_download(bank_bin, as_of, "csv"),
    )


@router.get(
    "/merchants.xlsx",
    summary="The same list as XLSX (streamed as it is written; as_of on the first row)",
    responses={200: {"content": {XLSX: {}}}},
)
async def bank_merchants_xlsx(
    session: ReadStreamSession,
    principal: CurrentUser,
    bin: BinQuery = None,
    unit: UnitQuery = None,
    street_id: StreetQuery = None,
) -> StreamingResponse:
    bank_bin = acting_bin(principal, bin)
    unit_ref = parse_unit_ref(unit) if unit else None
    as_of = await exports.open_snapshot(session)
    return StreamingResponse(
        exports.xlsx_stream(session, bank_bin, as_of, unit_ref, street_id),
        media_type=XLSX,
        headers=_download(bank_bin, as_of, "xlsx"),
    )


@router.post("/receipts", response_model=ReceiptsOut, summary="The bank's answer, record by record (≤ 1,000)")
async def bank_receipts(body: ReceiptsIn, session: SessionDep, principal: BankPartner) -> ReceiptsOut:
    bank_bin = acting_bin(principal, None)
    return ReceiptsOut(results=await receipts.record_receipts(session, principal, bank_bin, body.receipts))


@router.get("/reconciliation", response_model=ReconciliationOut, summary="XOR digests of the bank's record_hashes")
async def reconciliation_digests(
    session: ReadSessionDep, principal: CurrentUser, group: Group = "unit", bin: BinQuery = None
) -> ReconciliationOut:
    bank_bin = acting_bin(principal, bin)
    as_of = utcnow()
    count, digest, groups = await reconciliation.digests(session, bank_bin, group)
    return ReconciliationOut(as_of=as_of, group=group, count=count, digest=digest, groups=groups)


@router.post("/reconciliation", response_model=ReconciliationResult, summary="Which groups differ from ours")
async def reconciliation_compare(
    body: ReconciliationIn, session: ReadSessionDep, principal: CurrentUser, bin: BinQuery = None
) -> ReconciliationResult:
    bank_bin = acting_bin(principal, bin)
    ours = await reconciliation.digests(session, bank_bin, reconciliation.infer_group(body))
    match, mismatched = reconciliation.compare(ours, body)
    return ReconciliationResult(match=match, mismatched=mismatched)


def _download(bank_bin: str, as_of: datetime, ext: str) -> dict[str, str]:
    stamp = as_of.strftime("%Y%m%dT%H%M%SZ")
    return {
        "Content-Disposition": f'attachment; filename="phoqr-merchants-{bank_bin}-{stamp}.{ext}"',
        "X-As-Of": as_of.isoformat(timespec="seconds"),
        "Cache-Control": "no-store",
    }
