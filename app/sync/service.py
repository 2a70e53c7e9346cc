"""The phone's offline queue, replayed: each operation stands alone and a replay changes nothing.

Every operation runs in its own SAVEPOINT, so one bad operation never rolls back the others, and its outcome
is stored under (user, op_id): sending the same batch again answers the same results without touching data.
The operations call the very services the HTTP endpoints call; sure new shops are registered together first
(`app.sync.bulk`), everything else runs one by one.

`issue_qr` asks the bank inside the batch's transaction. `app.qrcodes.issuing.issue_between_transactions` is
not used here: it ends the transaction before the outside call, which would release the batch's advisory lock
and commit the operations before it while their stored results and audit rows are still pending.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.repository import AuditRepository
from app.audit.service import PENDING
from app.auth import Principal
from app.core.db import utcnow
from app.core.errors import AppError, database_busy, database_unavailable
from app.core.text import UserText
from app.coverage.counters import BATCH, Batch
from app.idempotency.repository import SyncOperationRepository
from app.merchants import lifecycle, writing
from app.merchants import service as merchants
from app.merchants.access import load_merchant
from app.merchants.schemas import CloseIn, MerchantCreate, MerchantPatch
from app.observability import count_sync_results
from app.qrcodes import service as qrcodes
from app.sync import bulk
from app.sync.schemas import OpError, OpResult, SyncIn, SyncOperation, SyncOut
from integrations import AdapterRegistry

log = logging.getLogger("phoqr.sync")
# pg_advisory_xact_lock(namespace, user): one batch per user at a time, so a replay sent while the first attempt
# is still running waits for it and then answers its stored results instead of failing on (user, op_id)
SYNC_LOCK_NAMESPACE = 0x53594E43

STATUS_BY_CODE = {
    "duplicate_account": "duplicate",
    "duplicate_phone": "duplicate",
    "duplicate_id": "duplicate",
    "version_conflict": "conflict",
}


@dataclass(frozen=True, slots=True)
class StoredResult:
    """An outcome stored earlier in this batch: what a later op with the same op_id reads of a stored row."""

    request_hash: str
    result: str


class IssueQROp(BaseModel):
    model_config = ConfigDict(extra="forbid")
    merchant_id: UserText = Field(min_length=1, max_length=36)
    scheme: Literal["vietqr", "vnpay"] = "vietqr"


class CloseOp(CloseIn):
    merchant_id: UserText = Field(min_length=1, max_length=36)


class BaseVersion(BaseModel):
    base_version: int | None = Field(None, ge=0, le=2**31 - 1)


def op_hash(op: SyncOperation) -> str:
    return hashlib.sha256(json.dumps([op.type, op.payload], sort_keys=True, default=str).encode()).hexdigest()


async def _upsert(session: AsyncSession, principal: Principal, op: SyncOperation, device: str) -> OpResult:
    payload = dict(op.payload)
    base_version = BaseVersion.model_validate({"base_version": payload.pop("base_version", None)}).base_version
    body = MerchantCreate.model_validate(payload)
    merchant_id = str(body.id)
    existing = await merchants.MerchantRepository(session).get(merchant_id)
    if existing is None:
        await writing.register_one(session, principal, body, channel="sync", device_id=device)
        return OpResult(op_id=op.op_id, status="created", merchant_id=merchant_id)
    current = await load_merchant(session, principal, merchant_id)  # 404 outside the caller's scope
    if base_version is None:
        if current.create_hash == merchants.body_hash(body):
            return OpResult(op_id=op.op_id, status="unchanged", merchant_id=merchant_id)
        base_version = -1  # a second "create" with other data is a conflict the phone must resolve
    changes = MerchantPatch.model_validate({k: v for k, v in payload.items() if k != "id"})
    await merchants.update(session, principal, merchant_id, changes, int(base_version), device_id=device)
    return OpResult(op_id=op.op_id, status="updated", merchant_id=merchant_id)


async def _apply(
    session: AsyncSession, principal: Principal, adapters: AdapterRegistry, op: SyncOperation, device: str
) -> OpResult:
    if op.type == "upsert_merchant":
        return await _upsert(session, principal, op, device)
    if op.type == "issue_qr":
        body = IssueQROp.model_validate(op.payload)
        out = await qrcodes.issue(session, principal, adapters, body.merchant_id, body.scheme)
        return OpResult(op_id=op.op_id, status="created", merchant_id=body.merchant_id, qr=out)
    body_close = CloseOp.model_validate(op.payload)
    before = await load_merchant(session, principal, body_close.merchant_id)
    if before.status == "closed":
        return OpResult(op_id=op.op_id, status="unchanged", merchant_id=before.id)
    await lifecycle.close(session, principal, body_close.merchant_id, body_close, device_id=device)
    return OpResult(op_id=op.op_id, status="updated", merchant_id=body_close.merchant_id)


def _merchant_id(op: SyncOperation) -> str | None:
    value = op.payload.get("id") or op.payload.get("merchant_id")
    return str(value) if value else None


async def _failed(session: AsyncSession, principal: Principal, op: SyncOperation, exc: Exception) -> OpResult:
    merchant_id = _merchant_id(op)
    if isinstance(exc, ValidationError):
        errors = [
            OpError(field=".".join(str(p) for p in e["loc"]), message=e["msg"], code="validation_error")
            for e in exc.errors()
        ]
        return OpResult(op_id=op.op_id, status="invalid", merchant_id=merchant_id, errors=errors)
    assert isinstance(exc, AppError)
    errors = [OpError(field=e.field, message=e.message_en or e.message, code=exc.code) for e in exc.errors] or [
        OpError(field=None, message=exc.detail_en or exc.code, code=exc.code)
    ]
    status = STATUS_BY_CODE.get(exc.code, "invalid")
    result = OpResult(op_id=op.op_id, status=status, merchant_id=merchant_id, errors=errors)
    if status == "duplicate":
        result.duplicate_of = exc.extra.get("existing_merchant_id")
    if status == "conflict" and merchant_id:
        try:  # the server's copy, so the phone can resolve the conflict
            result.server_copy = await merchants.get(session, principal, merchant_id)
        except AppError:
            result.server_copy = None
    return result


async def _answer(session: AsyncSession, principal: Principal, op: SyncOperation, o: writing.Outcome) -> OpResult:
    """A registration the write path decided together with the batch's others, answered as the per-op path would."""
    if o.problem is not None:
        return await _failed(session, principal, op, o.problem)
    return OpResult(op_id=op.op_id, status="created", merchant_id=o.merchant_id)


async def run(session: AsyncSession, principal: Principal, adapters: AdapterRegistry, body: SyncIn) -> SyncOut:
    op_ids = [op.op_id for op in body.operations]
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        # SQLite needs no lock: BEGIN IMMEDIATE already runs one writer at a time
        await SyncOperationRepository(session).lock_user(SYNC_LOCK_NAMESPACE, principal.id)
    stored = await SyncOperationRepository(session).stored(principal.id, op_ids)
    results: list[OpResult] = []
    records: list[dict[str, Any]] = []
    # counters and audit rows of the whole batch are written together at its end: a third of the statements
    counters = session.info[BATCH] = Batch()
    audit_rows: list[dict[str, Any]] = session.info.setdefault(PENDING, [])
    try:
        together = await bulk.register_together(session, principal, body.operations, body.device_id, stored)
        ready = {
            op.op_id: await _answer(session, principal, op, together[op.op_id])
            for op in body.operations
            if op.op_id in together
        }
        await _run_ops(session, principal, adapters, body, stored, results, records, ready)
    finally:
        session.info.pop(BATCH, None)
        session.info.pop(PENDING, None)
    await counters.apply(session)
    # one executemany per table instead of one INSERT per operation
    await AuditRepository(session).insert_many(audit_rows)
    await SyncOperationRepository(session).insert_many(records)
    _count(body, results, records)
    return SyncOut(results=results, server_time=utcnow())


def _count(body: SyncIn, results: list[OpResult], records: list[dict[str, Any]]) -> None:
    """Metrics for the operations this request carried out (one stored record each, or an internal error), never
    for the answers it replayed: a phone sending its batch again registers nothing again."""
    types = {op.op_id: op.type for op in body.operations}
    first: dict[str, OpResult] = {}
    for r in results:
        first.setdefault(r.op_id, r)
    done = [r["op_id"] for r in records]
    failed = [r.op_id for r in results if r.errors and r.errors[0].code == "internal_error"]
    count_sync_results((types[op_id], first[op_id].status) for op_id in done + failed)


async def _run_ops(
    session: AsyncSession,
    principal: Principal,
    adapters: AdapterRegistry,
    body: SyncIn,
    stored: dict[str, Any],
    results: list[OpResult],
    records: list[dict[str, Any]],
    ready: dict[str, OpResult],
) -> None:
    counters: Batch = session.info[BATCH]
    audit_rows: list[dict[str, Any]] = session.info[PENDING]
    for op in body.operations:
        digest = op_hash(op)
        previous = stored.get(op.op_id)
        if previous is not None:
            if previous.request_hash == digest:
                results.append(OpResult.model_validate_json(previous.result))
            else:
                results.append(
                    OpResult(
                        op_id=op.op_id,
                        status="invalid",
                        merchant_id=_merchant_id(op),
                        errors=[
                            OpError(
                                field="op_id",
                                message="op_id already used for another operation",
                                code="idempotency_key_reused",
                            )
                        ],
                    )
                )
            continue
        result = ready.get(op.op_id)  # registered in bulk with the batch's other sure new shops
        if result is None:
            result = await _one(session, principal, adapters, op, body.device_id, counters, audit_rows)
        if result.status == "invalid" and result.errors and result.errors[0].code == "internal_error":
            results.append(result)  # not stored, so a replay can succeed
            continue
        record = StoredResult(request_hash=digest, result=result.model_dump_json())
        records.append(
            {
                "user_id": principal.id,
                "device_id": body.device_id,
                "op_id": op.op_id,
                "request_hash": record.request_hash,
                "result": record.result,
                "created_at": utcnow(),
            }
        )
        stored[op.op_id] = record  # read like a stored row if the op_id comes again later in the batch
        results.append(result)


async def _one(
    session: AsyncSession,
    principal: Principal,
    adapters: AdapterRegistry,
    op: SyncOperation,
    device: str,
    counters: Batch,
    audit_rows: list[dict[str, Any]],
) -> OpResult:
    """One operation in its own SAVEPOINT; what a failed one counted or audited is cut back off."""
    mark, audit_mark = counters.mark(), len(audit_rows)
    try:
        async with session.begin_nested():
            return await _apply(session, principal, adapters, op, device)
    except (AppError, ValidationError) as exc:
        counters.rollback(mark)
        del audit_rows[audit_mark:]
        return await _failed(session, principal, op, exc)
    except Exception as exc:
        if database_unavailable(exc) or database_busy(exc):
            # no operation can stand without the database, and a deadlock aborted the whole transaction: the
            # batch answers 503 + Retry-After and the phone sends it again (stored results make that harmless)
            raise
        # a bug or a misbehaving bank: this operation fails alone
        log.exception("sync operation %s (%s) failed unexpectedly", op.op_id, op.type)
        counters.rollback(mark)
        del audit_rows[audit_mark:]
        return OpResult(
            op_id=op.op_id,
            status="invalid",
            merchant_id=_merchant_id(op),
            errors=[OpError(field=None, message="internal error, retry later", code="internal_error")],
        )
