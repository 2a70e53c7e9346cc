"""A shop's `bank_status` with the bank of its current account: not_sent → sent → accepted | rejected.

Interfaces:
    async def mark_sent(session, merchant_id, bank_bin, version) -> None
        # the record at `version` went to the bank (an event for it exists); keeps the bank's own ids
    async def statuses(session, pairs: list[tuple[merchant_id, bank_bin | None]]) -> dict[merchant_id, BankStatusOut]
    (`repository.bank_state_clause(merchant_id_column, state)`: the SQL condition for GET /merchants?bank_state=)
    async def standing(session, pairs) / standing_of(session, merchant_id, bank_bin)   # for the shop output
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.consents.models import AccountNameCheck, BankStatus
from app.consents.repository import StandingRepository
from app.consents.schemas import AccountCheckOut, BankStatusOut
from app.core.db import utcnow

STATES = ("not_sent", "sent", "accepted", "rejected")


async def mark_sent(
    session: AsyncSession, merchant_id: str, bank_bin: str, version: int, at: datetime | None = None
) -> None:
    row = await StandingRepository(session).get((merchant_id, bank_bin))
    if row is None:
        row = BankStatus(merchant_id=merchant_id, bank_bin=bank_bin, state="sent", version=version, at=at or utcnow())
        session.add(row)
    elif row.version != version:
        row.state, row.version, row.at = "sent", version, at or utcnow()
        row.reason_code = row.reason = None  # the bank's own ids stay: they name the shop, not a version
    else:
        return  # this version was sent already (or the bank has answered it)
    await session.flush()


def to_out(row: BankStatus | None, bank_bin: str | None) -> BankStatusOut:
    if row is None:
        return BankStatusOut(state="not_sent", bank_bin=bank_bin)
    return BankStatusOut(
        state=row.state,
        bank_bin=row.bank_bin,
        version=row.version,
        reason_code=row.reason_code,
        reason=row.reason,
        bank_merchant_id=row.bank_merchant_id,
        bank_terminal_id=row.bank_terminal_id,
        at=row.at,
    )


async def statuses(session: AsyncSession, pairs: list[tuple[str, str | None]]) -> dict[str, BankStatusOut]:
    """Each shop's status with the bank of its current account (`not_sent` without one)."""
    keys = [(m, b) for m, b in pairs if b]
    rows: dict[tuple[str, str], BankStatus] = {}
    if keys:
        rows = {(r.merchant_id, r.bank_bin): r for r in await StandingRepository(session).statuses(keys)}
    return {m: to_out(rows.get((m, b)) if b else None, b) for m, b in pairs}


async def standing(
    session: AsyncSession, pairs: list[tuple[str, str | None]]
) -> tuple[dict[str, BankStatusOut], dict[str, AccountCheckOut]]:
    """For the shop output: each shop's bank_status, and its account-name check where there is one."""
    checks: dict[str, AccountCheckOut] = {}
    ids = [m for m, _ in pairs]
    if ids:
        checks = {c.merchant_id: check_out(c) for c in await StandingRepository(session).checks(ids)}
    return await statuses(session, pairs), checks


async def standing_of(
    session: AsyncSession,
    merchant_id: str,
    bank_bin: str | None,
    *,
    never_sent: bool = False,
    registered_now: bool = False,
) -> tuple[BankStatusOut, AccountCheckOut | None]:
    """The same for one shop, by primary key (rows written in this transaction are found without a query).

    `never_sent`: the shop was registered in this transaction without the owner's consent, so no bank may see it
    and it has no status row (only `mark_sent` and a bank's receipt write one): not read. `registered_now`: the
    shop was registered in this transaction, so its account-name check, if any, is in the session: not read."""
    repo = StandingRepository(session)
    status = await repo.get((merchant_id, bank_bin)) if bank_bin and not never_sent else None
    check = repo.check_in_session(merchant_id) if registered_now else await repo.check(merchant_id)
    return to_out(status, bank_bin), (check_out(check) if check is not None else None)


def check_out(c: AccountNameCheck) -> AccountCheckOut:
    return AccountCheckOut(
        state=c.state,
        bank_account_name=c.bank_account_name,
        checked_at=c.checked_at,
        attempts=c.attempts,
    )
