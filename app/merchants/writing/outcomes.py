"""How the write path (`app.merchants.writing`) answers each registration and writes the ones it created.

`Outcome` is what became of one registration; `Writer` inserts the created ones (one executemany, or one by one
in SAVEPOINTs when a concurrent request won a unique index meanwhile, or with the owner's consent) and ends each
in `finish_creates`. Split from `writing` only to keep both files short: `writing` is the entry point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from app.audit.service import PENDING
from app.auth import Principal
from app.consents import service as consents
from app.core.db.integrity import violated
from app.core.errors import AppError, FieldError
from app.core.problems import problem
from app.merchants.changes import ShopRow, finish_creates
from app.merchants.enums import AccountKind
from app.merchants.models import Merchant, PaymentAccount
from app.merchants.repository import MerchantRepository
from app.merchants.schemas import MerchantCreate
from app.merchants.writing.repository import RegistrationRepository

Status = Literal["created", "replayed", "duplicate", "invalid", "withheld"]


@dataclass(slots=True)
class Outcome:
    """What became of one registration. `row`/`account`: the columns written (created) or that would have been
    (withheld); `stored`: the shop as stored (replayed of an earlier request); `problem`: why not (duplicate,
    invalid), its `extra` naming the existing shop when the caller may see it."""

    index: int
    merchant_id: str
    status: Status = "created"
    problem: AppError | None = None
    row: ShopRow | None = None
    account: dict[str, Any] | None = None
    stored: Merchant | None = None
    # the written account as a row of the session (`Writer._insert_alone`), built once for its readers
    account_obj: PaymentAccount | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("created", "replayed")

    def merchant(self) -> Merchant:
        """The shop as a (detached) row: the stored one on a replay, else the columns written."""
        if self.stored is not None:
            return self.stored
        assert self.row is not None
        return Merchant(**self.row)

    def payment_account(self) -> PaymentAccount | None:
        if self.account_obj is None and self.account is not None:
            self.account_obj = PaymentAccount(**self.account)
        return self.account_obj


def _conflict(code: str, field: str, vi: str, en: str) -> AppError:
    return problem(code).error(vi, en, errors=[FieldError(field, "Đã đăng ký", "Already registered")])


def id_taken() -> AppError:
    return _conflict("duplicate_id", "id", "Mã cửa hàng này đã được dùng cho dữ liệu khác", "This merchant id is used")


# a concurrent registration won a unique index between our check and our write: which one says what it was
CONSTRAINT_PROBLEMS = {
    "uq_merchant_phone_active": lambda: _conflict(
        "duplicate_phone", "phone", "Số điện thoại vừa được đăng ký", "Phone registered concurrently"
    ),
    "uq_payment_account_active_key": lambda: _conflict(
        "duplicate_account",
        "payment_account.account_number",
        "Tài khoản vừa được đăng ký cho cửa hàng khác",
        "Account registered concurrently",
    ),
    "pk_merchant": id_taken,
}


def fail(o: Outcome, problem: AppError) -> None:
    o.status = "duplicate" if problem.code.startswith("duplicate_") else "invalid"
    o.problem, o.row, o.account = problem, None, None


class _AllOrNothing(Exception):
    """Rolls back the SAVEPOINT of an all-or-nothing batch when one of its registrations failed in the write."""


@dataclass(slots=True)
class Writer:
    session: AsyncSession
    principal: Principal
    device_id: str | None
    context: dict[str, Any]

    async def each(self, new: list[Outcome], bodies: Sequence[MerchantCreate]) -> None:
        """Write `new`; those that fail in the write get their problem (the others stand)."""
        plain = [o for o in new if bodies[o.index].consent is None]
        written = plain
        if len(plain) > 1:
            try:
                async with self.session.begin_nested():
                    await self._insert(plain)
            except IntegrityError:
                # a concurrent request registered one of these meanwhile: one by one, so only its rival loses
                written = [o for o in plain if await self._insert_alone(o)]
        elif plain and not await self._insert_alone(plain[0]):
            written = []
        if written:
            rows = [o.row for o in written if o.row is not None]
            await finish_creates(self.session, self.principal, rows, device_id=self.device_id, context=self.context)
        for o in new:
            if bodies[o.index].consent is not None:
                await self._with_consent(o, bodies[o.index])

    async def all_of(self, new: list[Outcome], bodies: Sequence[MerchantCreate]) -> None:
        try:
            async with self.session.begin_nested():
                await self.each(new, bodies)
                if any(not o.ok for o in new):
                    raise _AllOrNothing
        except _AllOrNothing:
            for o in new:
                if o.ok:
                    o.status = "withheld"

    async def _insert(self, shops: list[Outcome]) -> None:
        repo = RegistrationRepository(self.session)
        await repo.insert_new([o.row for o in shops if o.row], [o.account for o in shops if o.account])

    async def _insert_alone(self, o: Outcome) -> bool:
        """Insert one shop; False (and its problem set) when a concurrent one won a unique index."""
        assert o.row is not None
        lost = await RegistrationRepository(self.session).insert_one(o.row, o.account)
        if lost is not None:
            await self._lost(o, CONSTRAINT_PROBLEMS[lost]())
            return False
        self._known(o)
        return True

    def _known(self, o: Outcome) -> None:
        """The account just inserted, made a persistent row of the session as if read back (every column is set):
        the subscribers' `session.get(PaymentAccount, id)` (bank outbox, account-name check) then find it without
        a query, and the answer reads the same object. Not inside an enclosing SAVEPOINT (an all-or-nothing
        batch): its rollback would leave the row in the session, not in the database."""
        account = o.payment_account()
        if account is not None and not self.session.in_nested_transaction():
            make_transient_to_detached(account)
            self.session.add(account)

    async def _lost(self, o: Outcome, problem: AppError) -> None:
        if problem.code == "duplicate_id":
            # the same id registered by a concurrent request that has committed: the same registration again is a
            # replay like any other, anything else stays a conflict
            stored = await MerchantRepository(self.session).get(o.merchant_id)
            same = stored is not None and o.row is not None and stored.create_hash == o.row["create_hash"]
            if same and stored is not None and stored.created_by == self.principal.id:
                o.status, o.stored, o.row, o.account = "replayed", stored, None, None
                return
        fail(o, problem)

    async def _with_consent(self, o: Outcome, body: MerchantCreate) -> None:
        """Shop, audit, `ShopChanged` and the owner's consent, standing or falling together."""
        assert o.row is not None and body.consent is not None
        pending: list[Any] = self.session.info.get(PENDING, [])
        mark = len(pending)
        paid = o.account is not None and o.account["kind"] in (AccountKind.ACCOUNT, AccountKind.CARD)
        bank_bin = o.account["bank_bin"] if paid and o.account is not None else None
        try:
            async with self.session.begin_nested():
                await self._insert([o])
                await finish_creates(
                    self.session, self.principal, [o.row], device_id=self.device_id, context=self.context
                )
                await consents.give(
                    self.session,
                    self.principal,
                    o.row,
                    bank_bin,
                    body.consent,
                    field_prefix="consent.",
                    device_id=self.device_id,
                )
        except IntegrityError as exc:
            del pending[mark:]
            problem = CONSTRAINT_PROBLEMS.get(violated(exc) or "")
            if problem is None:
                raise
            await self._lost(o, problem())
        except AppError as exc:
            del pending[mark:]
            fail(o, exc)


__all__ = ["CONSTRAINT_PROBLEMS", "Outcome", "Status", "Writer", "fail", "id_taken"]
