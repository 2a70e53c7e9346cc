"""The one write path for new shops: validated registrations (`MerchantCreate`) in, rows and outcomes out.

    async def register(
        session: AsyncSession,
        principal: Principal,
        bodies: Sequence[MerchantCreate],
        *,
        channel: Channel = "api",                       # "api" | "sync" | "import" | "demo"
        device_id: str | None = None,                   # None: the principal's device
        audit_context: Mapping[str, Any] | None = None, # e.g. {"import_id": "..."}; stored with {"channel": ...}
        all_or_nothing: bool = False,
    ) -> list[Outcome]                                  # one per body, in order

    async def register_one(session, principal, body, *, channel="api", device_id=None, audit_context=None)
        -> Outcome                                      # created or replayed; raises the problem (AppError)

`POST /merchants` (`app.merchants.service.create`), `/sync` (`app.sync.bulk`) and the spreadsheet import call
it; one registration is a batch of one. For the whole batch, with a handful of queries, it decides each
registration's outcome in this order (the order the checks of a single registration always had):

1. the id: new; `replayed` when the same id and body were registered by the same user (stored, or earlier in
   the batch); else `duplicate` (409 `duplicate_id`);
2. the place (`placement.place`: street, units, the caller's scope) and the bank of the payment account: a
   problem naming the field (`invalid`, 422/403);
3. hard duplicates (`app.merchants.writing.duplicates`): the phone, then the account, held by a stored active shop or an
   earlier shop of the batch: `duplicate` (409 `duplicate_phone` / `duplicate_account`, naming the shop);
4. near duplicates: flagged in `possible_duplicate_of`, still `created`.

Then it writes the `created` ones: one core INSERT executemany per table, an audit row each (`merchant.create`,
context `{"channel": channel, **audit_context}`) and a `ShopChanged` each (its `merchant` the inserted
`ShopRow`), the subscribers' lookups made once for all. A registration carrying the owner's consent is written
alone in its own SAVEPOINT with `consents.give` (a refused consent is that registration's problem, `consent.*`).
A concurrent request that took an id, phone or account between the checks and the INSERT (a unique index)
sends the batch one by one, each in its own SAVEPOINT, so the losers get their 409 and nothing is half-written.

`all_or_nothing=True`: when any registration is not created or replayed, nothing is written and the created
ones come back `withheld`; the caller answers with the problems. `False`: the valid ones are written, the others
come back with their problem.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal
from app.core.editions import Edition
from app.core.errors import AppError
from app.merchants.accounts import unknown_bank
from app.merchants.builder import account_row, key_of_account, merchant_row
from app.merchants.changes import ShopRow
from app.merchants.enums import AccountKind
from app.merchants.models import Merchant
from app.merchants.placement import Placement, place
from app.merchants.repository import MerchantRepository
from app.merchants.schemas import MerchantCreate
from app.merchants.writing.duplicates import Claim, Known, flag_near_duplicates, hard_duplicates
from app.merchants.writing.outcomes import CONSTRAINT_PROBLEMS, Outcome, Status, Writer, fail, id_taken
from app.merchants.writing.repository import RegistrationRepository

Channel = Literal["api", "sync", "import", "demo"]


# fields added after shops were registered: left out of the hash while unset, so a registration sent before
# they existed and replayed after still answers 200
_LATER_FIELDS = ("tax_code", "business_registration_number", "einvoice_method")


def body_hash(body: MerchantCreate) -> str:
    data = body.model_dump(mode="json")
    for name in _LATER_FIELDS:
        if data.get(name) is None:
            data.pop(name, None)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def located(body: Any) -> tuple[float, float] | None:
    """The shop's GPS point from a request body, when it has one."""
    loc = getattr(body, "location", None)
    return (loc.lat, loc.lon) if loc else None


def registration_columns(
    body: MerchantCreate, where: Placement, *, create_hash: str, created_by: int, device_id: str | None
) -> dict[str, Any]:
    """The own columns of the shop a registration asks for, placed where `place` resolved it."""
    loc = body.location
    return {
        "id": str(body.id),
        "name": body.name,
        "category": body.category,
        "owner_name": body.owner_name,
        "phone": body.phone,
        "house_number": body.house_number,
        "street_id": where.street_id,
        "unit_code": where.unit_code,
        "unit_code_2020": where.unit_code_2020,
        "unit_source": where.unit_source,
        "lat": loc.lat if loc else None,
        "lon": loc.lon if loc else None,
        "accuracy_m": loc.accuracy_m if loc else None,
        "non_coverage_reason": body.non_coverage_reason,
        "tax_code": body.tax_code,
        "business_registration_number": body.business_registration_number,
        "einvoice_method": body.einvoice_method,
        "create_hash": create_hash,
        "created_by": created_by,
        "device_id": device_id,
    }


def _account(body: MerchantCreate, active_bins: frozenset[str]) -> dict[str, Any] | None:
    """The new payment account's columns, as `upsert_account` sets them on a new row; 422 for an unknown BIN."""
    p, v = body.payment_account, body.vnpay
    fields: dict[str, Any] = {}
    if p is not None:
        if p.bank_bin not in active_bins:
            raise unknown_bank("payment_account.bank_bin", p.bank_bin)
        fields.update(kind=p.kind, bank_bin=p.bank_bin, account_number=p.account_number, account_name=p.account_name)
    if v is not None:
        fields.update(vnpay_merchant_id=v.merchant_id, vnpay_terminal_id=v.terminal_id)
        if p is None:
            fields["kind"] = AccountKind.VNPAY
    return account_row(str(body.id), shop_active=True, **fields) if fields else None


def _claimed(body: MerchantCreate) -> tuple[str | None, str | None]:
    """The phone and account key a registration would hold, from its body (as `_build` and `_claim` make them)."""
    p, v = body.payment_account, body.vnpay
    if p is None and v is None:
        return body.phone, None
    kind = p.kind if p is not None else AccountKind.VNPAY
    key = key_of_account(
        kind,
        p.bank_bin if p else None,
        p.account_number if p else None,
        v.merchant_id if v else None,
        v.terminal_id if v else None,
    )
    return body.phone, key


async def _read_known(
    session: AsyncSession, bodies: Sequence[MerchantCreate], outcomes: list[Outcome]
) -> tuple[dict[str, Merchant], Known]:
    """One round trip for steps 1 and 3: the stored shops with the batch's ids, and the holders of its phones and
    account keys (step 3 reads again only for a phone or key not asked here)."""
    ids = sorted({o.merchant_id for o in outcomes})
    claimed = [_claimed(b) for b in bodies]
    phones = sorted({p for p, _ in claimed if p})
    keys = sorted({k for _, k in claimed if k})
    rows = await RegistrationRepository(session).known(ids, phones, keys)
    wanted = set(ids)
    stored = {m.id: m for m, _ in rows if m.id in wanted}
    return stored, Known(frozenset(phones), frozenset(keys), rows)


def _check_ids(
    principal: Principal, digests: list[str], outcomes: list[Outcome], stored: dict[str, Merchant]
) -> dict[int, int]:
    """Step 1; returns index -> index of the earlier registration of the batch it repeats (same id and body).
    `stored`: the stored shops among the batch's ids."""
    first: dict[str, int] = {}
    repeats: dict[int, int] = {}
    for o in outcomes:
        j = first.setdefault(o.merchant_id, o.index)
        if j != o.index:
            if digests[j] == digests[o.index]:
                repeats[o.index] = j
            else:
                fail(o, id_taken())
    for merchant_id, m in stored.items():
        o = outcomes[first[merchant_id]]
        if m.create_hash == digests[o.index] and m.created_by == principal.id:
            o.status, o.stored = "replayed", m
        else:
            fail(o, id_taken())
    return repeats


async def _build(
    session: AsyncSession,
    principal: Principal,
    bodies: Sequence[MerchantCreate],
    digests: list[str],
    outcomes: list[Outcome],
    device_id: str | None,
) -> None:
    """Step 2: each new registration placed, its rows built, or its problem."""
    places: dict[str, Placement | AppError] = {}
    active_bins = await MerchantRepository(session).active_bins()
    for o in outcomes:
        body = bodies[o.index]
        point = located(body) if body.unit_2020 or (body.unit and body.unit.edition == Edition.Y2020) else None
        where_key = repr((body.street_id, body.unit, body.unit_2020, point))  # a split old ward: the point decides
        if where_key not in places:
            try:
                places[where_key] = await place(session, principal, body.street_id, body.unit, body.unit_2020, point)
            except AppError as exc:
                places[where_key] = exc
        where = places[where_key]
        if isinstance(where, AppError):
            fail(o, where)
            continue
        try:
            o.account = _account(body, active_bins)
        except AppError as exc:
            fail(o, exc)
            continue
        columns = registration_columns(
            body, where, create_hash=digests[o.index], created_by=principal.id, device_id=device_id
        )
        o.row = ShopRow(merchant_row(**columns))


def _claim(o: Outcome) -> Claim:
    assert o.row is not None
    a = o.account
    key = None
    if a is not None:
        key = key_of_account(
            a["kind"], a["bank_bin"], a["account_number"], a["vnpay_merchant_id"], a["vnpay_terminal_id"]
        )
    return Claim(o.index, o.merchant_id, o.row.name, o.row["phone"], key)


async def register(
    session: AsyncSession,
    principal: Principal,
    bodies: Sequence[MerchantCreate],
    *,
    channel: Channel = "api",
    device_id: str | None = None,
    audit_context: Mapping[str, Any] | None = None,
    all_or_nothing: bool = False,
) -> list[Outcome]:
    """Register the new shops `bodies` ask for; one `Outcome` per body, in order (see the module docstring)."""
    outcomes = [Outcome(i, str(b.id)) for i, b in enumerate(bodies)]
    digests = [body_hash(b) for b in bodies]
    stored, known = await _read_known(session, bodies, outcomes)
    repeats = _check_ids(principal, digests, outcomes, stored)
    new = [o for o in outcomes if o.status == "created" and o.index not in repeats]
    await _build(session, principal, bodies, digests, new, device_id or principal.device_id)
    new = [o for o in new if o.status == "created"]
    for index, problem in (await hard_duplicates(session, principal, [_claim(o) for o in new], known)).items():
        fail(outcomes[index], problem)
    new = [o for o in new if o.status == "created"]
    await flag_near_duplicates(session, principal, [o.row for o in new if o.row is not None])
    if all_or_nothing and any(not o.ok for o in outcomes):
        new = []
    context = {"channel": channel, **(audit_context or {})}
    writer = Writer(session, principal, device_id, context)
    if all_or_nothing and len(new) > 1:
        await writer.all_of(new, bodies)
    else:
        await writer.each(new, bodies)
    writing = {o.index for o in new}
    for o in outcomes:
        if o.status == "created" and o.index not in writing:
            o.status = "withheld"
    for index, j in repeats.items():
        o, earlier = outcomes[index], outcomes[j]
        if earlier.ok:
            o.status, o.stored, o.row, o.account = "replayed", earlier.stored, earlier.row, earlier.account
        else:
            o.status, o.problem = earlier.status, earlier.problem
    return outcomes


async def register_one(
    session: AsyncSession,
    principal: Principal,
    body: MerchantCreate,
    *,
    channel: Channel = "api",
    device_id: str | None = None,
    audit_context: Mapping[str, Any] | None = None,
) -> Outcome:
    """A batch of one: the outcome when the shop is created or replayed, else its problem raised."""
    (o,) = await register(
        session,
        principal,
        [body],
        channel=channel,
        device_id=device_id,
        audit_context=audit_context,
        all_or_nothing=True,
    )
    if o.problem is not None:
        raise o.problem
    return o


__all__ = ["CONSTRAINT_PROBLEMS", "Channel", "Outcome", "Status", "body_hash", "register", "register_one"]
