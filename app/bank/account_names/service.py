"""Account-name inquiry: does the bank say the shop's account belongs to the name we wrote down?

Registration, a change of account and `qr/existing` mark the shop's check `pending` in their own transaction
(a `ShopChanged` subscriber); nothing waits for the bank there, so a bank that is down never blocks a
registration. `run_due_checks` then asks the bank through the adapter registry outside any transaction, and
stores `matched` / `mismatch` (flagged for the reviewer) / `not_found`, or `unavailable` with a retry time.
Only banks with an adapter of their own (configured in `PHOQR_BANK_ADAPTERS`) are asked; the offline defaults
cannot look a holder up, so shops at other banks carry no check at all. An adapter that still answers
`CapabilityNotSupported` has its check dropped.

Hooks: the app's lifespan runs `run_checks_forever` (see `start_account_checks`), `phoqr account-checks` runs
one pass, and any worker loop may call `run_due_checks(session_factory, registry)`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.bank.account_names.repository import AccountNameRepository
from app.consents.models import AccountNameCheck
from app.core.db import utcnow
from app.core.events import ShopChanged, ShopState, subscribe
from app.merchants.models import PaymentAccount
from integrations import (
    AccountNotFound,
    AccountRef,
    AdapterRegistry,
    CapabilityNotSupported,
    IntegrationError,
    QRRequest,
)
from integrations.names import names_match

SUBSCRIBER = "bank.account_names"
TRIGGERS = frozenset({"merchant.create", "merchant.update", "qr.existing"})
# seconds before asking again after the 1st, 2nd, ... time the bank could not answer; then the last, forever
RETRY_AFTER = (60, 300, 1800, 7200, 21600)
log = logging.getLogger("phoqr.account_names")
SessionFactory = Callable[[], AbstractAsyncContextManager[AsyncSession]]
# the process's adapter registry (set at start-up): which banks can be asked is configuration, not data
_registry: AdapterRegistry | None = None


def use_registry(registry: AdapterRegistry | None) -> None:
    global _registry
    _registry = registry


def _offers_inquiry(registry: AdapterRegistry | None, bank_bin: str) -> bool:
    if registry is None:
        return False
    ref = AccountRef(bank_bin=bank_bin, account_number="0")
    try:
        own = registry.for_request(QRRequest(scheme="vietqr", merchant_name="-", account=ref))
        return own is not registry.for_scheme("vietqr")
    except IntegrationError:
        return False


def holder_matches(ours: str | None, bank: str | None) -> bool:
    """Vietnamese names compared without diacritics, case, spaces or punctuation (đ = d)."""
    return bool(ours and bank) and names_match(ours or "", bank or "")


def _key(account: PaymentAccount | None) -> str | None:
    if account is None or account.kind not in ("account", "card") or not account.bank_bin or not account.account_number:
        return None
    return f"{account.bank_bin}:{account.account_number}"


def _our_name(account: PaymentAccount, merchant: ShopState | None) -> str | None:
    return account.account_name or (merchant.owner_name if merchant is not None else None)


async def on_shop_changed(session: AsyncSession, event: ShopChanged) -> None:
    if event.action not in TRIGGERS:
        return
    repo = AccountNameRepository(session)
    account = await repo.account(event.merchant_id)
    check = None if event.is_new_shop else await repo.get(event.merchant_id)
    await _react(session, event, account, check)


async def on_shops_changed(session: AsyncSession, events: list[ShopChanged]) -> None:
    """`on_shop_changed` for distinct shops at once (a sync batch): accounts and checks read in bulk."""
    events = [e for e in events if e.action in TRIGGERS]
    if not events:
        return
    ids = [e.merchant_id for e in events]
    repo = AccountNameRepository(session)
    accounts = {a.merchant_id: a for a in await repo.accounts(ids)}
    old = [e.merchant_id for e in events if not e.is_new_shop]  # a shop registered just now has no check yet
    checks: dict[str, AccountNameCheck] = {}
    if old:
        checks = {c.merchant_id: c for c in await repo.checks(old)}
    for event in events:
        await _react(session, event, accounts.get(event.merchant_id), checks.get(event.merchant_id), flush=False)
    await session.flush()  # the batch's new and changed checks in one flush


async def _react(
    session: AsyncSession,
    event: ShopChanged,
    account: PaymentAccount | None,
    check: AccountNameCheck | None,
    *,
    flush: bool = True,
) -> None:
    key = _key(account)
    now = utcnow()
    if key is not None and not _offers_inquiry(_registry, key.partition(":")[0]):
        key = None
    if key is None:
        if check is not None:
            await session.delete(check)
            if flush:
                await session.flush()
        return
    assert account is not None
    if check is not None and check.account_key == key:
        if check.bank_account_name is not None and check.state in ("matched", "mismatch"):
            # same account, perhaps a corrected holder name: compare again with what the bank said
            ours = _our_name(account, event.merchant)
            check.state = "matched" if holder_matches(ours, check.bank_account_name) else "mismatch"
            check.updated_at = now
            if flush:
                await session.flush()
        return
    if check is None:
        check = AccountNameCheck(merchant_id=event.merchant_id, account_key=key)
        session.add(check)
    check.account_key, check.state, check.bank_account_name = key, "pending", None
    check.attempts, check.next_attempt_at, check.checked_at, check.detail = 0, now, None, None
    check.updated_at = now
    if flush:
        await session.flush()


def register() -> None:
    subscribe(SUBSCRIBER, on_shop_changed, many=on_shops_changed)


async def _due(session: AsyncSession, now: datetime, limit: int) -> list[tuple[str, str]]:
    return await AccountNameRepository(session).due(now, limit)


async def _ask(registry: AdapterRegistry, key: str) -> tuple[str, str | None, str | None]:
    """(outcome, bank's holder name, detail): outcome is found / not_found / unavailable / unsupported."""
    bank_bin, _, number = key.partition(":")
    ref = AccountRef(bank_bin=bank_bin, account_number=number)
    try:
        adapter = registry.for_request(QRRequest(scheme="vietqr", merchant_name="-", account=ref))
        answer = await adapter.verify_account(ref)
    except CapabilityNotSupported:
        return "unsupported", None, None
    except AccountNotFound as exc:
        return "not_found", None, exc.code
    except IntegrationError as exc:  # down, slow, or answered nonsense: ask again later
        return "unavailable", None, exc.code
    if not answer.exists:
        return "not_found", answer.account_name or None, None
    return "found", answer.account_name, None


async def _store(
    session: AsyncSession, merchant_id: str, key: str, outcome: str, bank_name: str | None, detail: str | None
) -> None:
    repo = AccountNameRepository(session)
    check = await repo.get(merchant_id)
    if check is None or check.account_key != key:
        return  # the account changed while the bank was asked: the new check stands
    now = utcnow()
    if outcome == "unsupported":
        await repo.remove(merchant_id)
        return
    check.attempts += 1
    check.updated_at, check.detail = now, detail
    if outcome == "unavailable":
        check.state = "unavailable"
        check.next_attempt_at = now + timedelta(seconds=RETRY_AFTER[min(check.attempts, len(RETRY_AFTER)) - 1])
    else:
        account = await repo.account(merchant_id)
        merchant = await repo.merchant(merchant_id)
        ours = _our_name(account, merchant) if account is not None else None
        check.bank_account_name, check.checked_at, check.next_attempt_at = bank_name, now, None
        if outcome == "not_found":
            check.state = "not_found"
        else:
            check.state = "matched" if holder_matches(ours, bank_name) else "mismatch"
    await session.flush()


async def run_due_checks(
    session_factory: SessionFactory, registry: AdapterRegistry, *, limit: int = 50, now: datetime | None = None
) -> int:
    """One pass: ask the bank about every due check (none of it inside a transaction). Returns how many."""
    async with session_factory() as session:
        due = await _due(session, now or utcnow(), limit)
        await session.commit()
    for merchant_id, key in due:
        outcome, bank_name, detail = await _ask(registry, key)
        async with session_factory() as session:
            await _store(session, merchant_id, key, outcome, bank_name, detail)
            await session.commit()
    return len(due)


async def run_checks_forever(session_factory: SessionFactory, registry: AdapterRegistry, interval: float) -> None:
    while True:
        try:
            await run_due_checks(session_factory, registry)
        except Exception:  # a database hiccup must not end the loop
            log.exception("account-name checks failed; retrying")
        await asyncio.sleep(interval)


def start_account_checks(
    session_factory: SessionFactory, registry: AdapterRegistry, settings: object
) -> asyncio.Task[None] | None:
    """Called by the app's lifespan: remembers the registry, and runs the checks in the background when
    `account_checks` is on (by default everywhere except tests)."""
    use_registry(registry)
    enabled = getattr(settings, "account_checks", None)
    if enabled is None:
        enabled = getattr(settings, "environment", "") != "test"
    if not enabled:
        return None
    interval = float(getattr(settings, "account_check_seconds", 30.0))
    return asyncio.create_task(run_checks_forever(session_factory, registry, interval), name="account-checks")


async def stop_account_checks(task: asyncio.Task[None] | None) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
