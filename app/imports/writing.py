"""The one place an import writes shops: the project's single write path (`app.merchants.writing.register`),
called once per chunk of registrations.

Every row goes through the same checks and the same ending as a phone's registration (id and replay, placement,
bank, duplicates inside the batch and against the database, near duplicates, consent, audit row, `ShopChanged`
for coverage and the bank outbox). The audit rows carry `channel=import` and the import id; the uploader is the
shop's registrant, so maker-checker holds: the uploader cannot approve the shops they imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.repository import AuditRepository
from app.audit.service import PENDING
from app.auth import Principal
from app.core.errors import FieldError
from app.core.events import REHEARSAL
from app.coverage.counters import BATCH, Batch
from app.merchants import writing as write_path
from app.merchants.schemas import MerchantCreate

CHANNEL: write_path.Channel = "import"


@dataclass(slots=True)
class Outcome:
    """What became of one registration: `created`, `unchanged` (the same shop was already imported by this user
    with the same data) or `invalid` with the write path's code and field errors."""

    status: str
    merchant_id: str
    code: str | None = None
    errors: list[FieldError] = field(default_factory=list)
    detail_vi: str | None = None
    detail_en: str | None = None


def audit_device(import_id: str) -> str:
    return f"{CHANNEL}:{import_id}"


async def write(
    session: AsyncSession,
    principal: Principal,
    bodies: list[MerchantCreate],
    *,
    import_id: str,
    rehearsal: bool = False,
) -> list[Outcome]:
    """One outcome per registration, in order; each registration stands alone (the caller's savepoint decides
    whether the whole file stands). `rehearsal`: a dry run, rolled back by the caller: the rows are checked and
    written exactly as for real (that is what finds every error), but nothing that cannot refuse a row is done:
    no coverage deltas, no audit rows, no `ShopChanged` to the subscribers (bank outbox, account-name checks)."""
    if not bodies:
        return []
    # as a /sync batch does: the coverage deltas and audit rows of the chunk are written together at its end
    counters = session.info[BATCH] = Batch()
    audit_rows: list[dict[str, Any]] = session.info.setdefault(PENDING, [])
    if rehearsal:
        session.info[REHEARSAL] = True
    try:
        outcomes = await write_path.register(
            session,
            principal,
            bodies,
            channel=CHANNEL,
            device_id=audit_device(import_id),
            audit_context={"import_id": import_id},
        )
    finally:
        session.info.pop(BATCH, None)
        session.info.pop(PENDING, None)
        session.info.pop(REHEARSAL, None)
    if not rehearsal:
        await counters.apply(session)
    if audit_rows and not rehearsal:
        await AuditRepository(session).insert_many(audit_rows)
    out = []
    for o in outcomes:
        if o.ok:
            out.append(Outcome("created" if o.status == "created" else "unchanged", o.merchant_id))
        else:
            p = o.problem
            assert p is not None
            out.append(Outcome("invalid", o.merchant_id, p.code, p.errors, p.detail_vi, p.detail_en))
    return out
