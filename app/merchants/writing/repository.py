"""The queries of the one write path (`app.merchants.writing`): what a batch of registrations reads before it
decides (the stored ids and the holders of its phones and account keys, the same names on its streets) and how it
writes the new shops and their accounts. Each statement a registration runs is built once per process."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BindParameter, Select, Table, bindparam, delete, insert, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col

from app.auth import Principal
from app.core.repository import Repository
from app.merchants.enums import MerchantStatus
from app.merchants.models import Merchant, PaymentAccount
from app.merchants.repository import visible_filter, visible_scope

# the tables themselves, for core executemany of plain rows (SQLModel sets __table__; its stubs do not say)
_MERCHANT: Table = Merchant.__table__  # type: ignore[attr-defined]
_ACCOUNT: Table = PaymentAccount.__table__  # type: ignore[attr-defined]
FEW_NAMES = 8  # same_names: up to this many names are bound as parameters, more are written as literals

# insert_one's statements per dialect: a new row unless a unique index holds it already, its key returned
_INSERT_ONE = {
    name: (
        upsert(_MERCHANT).on_conflict_do_nothing().returning(_MERCHANT.c.id),
        upsert(_ACCOUNT).on_conflict_do_nothing().returning(_ACCOUNT.c.merchant_id),
    )
    for name, upsert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}


def _holders(phones: bool, keys: bool, ids: bool = False) -> Select[Merchant, str | None]:
    """The shops holding any of the bound phones or account keys (and, `ids`, the shops with these ids), each with
    its account key: every lookup on its own unique index, only the shops found joined."""
    found = []
    if ids:
        found.append(select(col(Merchant.id)).where(col(Merchant.id).in_(bindparam("ids", expanding=True))))
    if phones:
        found.append(
            select(col(Merchant.id)).where(col(Merchant.phone_active).in_(bindparam("phones", expanding=True)))
        )
    if keys:
        found.append(
            select(col(PaymentAccount.merchant_id)).where(
                col(PaymentAccount.active_key).in_(bindparam("keys", expanding=True))
            )
        )
    return (
        select(Merchant, col(PaymentAccount.active_key))
        .outerjoin(PaymentAccount, col(PaymentAccount.merchant_id) == col(Merchant.id))
        .where(col(Merchant.id).in_(union_all(*found) if len(found) > 1 else found[0]))
    )


# built once (asked on every registration), by which lists are bound: (phones, keys, ids)
_HOLDERS = {
    (phones, keys, ids): _holders(phones, keys, ids)
    for phones in (False, True)
    for keys in (False, True)
    for ids in (False, True)
    if phones or keys or ids
}


def _same_names(literal: bool, units: bool = False) -> Select[int | None, str, str]:
    """`same_names`'s statement: the streets, names (and the caller's units) bound at execution.

    A batch's names are written into the statement as literals: PostgreSQL then holds them in a hash table, one
    probe per shop. As parameters (a prepared statement's generic plan) each shop of the street was compared with
    each of the 500 names whenever the planner picked the street's other index, which it does on an empty table's
    statistics (the first import of a new deployment): 120 ms a chunk. A few names (a single registration has
    one) stay parameters: a statement text of its own per name made every POST /merchants prepare a new statement
    (a round trip, a parse and a plan), and a few names cost little on any plan."""
    names: BindParameter[list[str]] = bindparam("names", expanding=True, literal_execute=literal)
    stmt = select(col(Merchant.street_id), col(Merchant.name_compact), col(Merchant.id)).where(
        col(Merchant.street_id).in_(bindparam("streets", expanding=True)),
        col(Merchant.status) == MerchantStatus.ACTIVE,
        col(Merchant.name_compact).in_(names),
    )
    return stmt.where(col(Merchant.unit_code).in_(bindparam("units", expanding=True))) if units else stmt


_SAME_NAMES = {(units, literal): _same_names(literal, units) for units in (False, True) for literal in (False, True)}


class RegistrationRepository(Repository[Merchant]):
    model = Merchant

    async def holders_many(self, phones: list[str], keys: list[str]) -> list[tuple[Merchant, str | None]]:
        """`holders` of a batch: the active shops holding any of these phones or account keys, in one query."""
        if not phones and not keys:
            return []
        params = ({"phones": phones} if phones else {}) | ({"keys": keys} if keys else {})
        rows = await self.session.execute(_HOLDERS[bool(phones), bool(keys), False], params)
        return [(m, k) for m, k in rows.all()]

    async def known(self, ids: list[str], phones: list[str], keys: list[str]) -> list[tuple[Merchant, str | None]]:
        """`existing` and `holders_many` in one round trip: the stored shops with these ids, and the active ones
        holding these phones or account keys, each once with its account key (the caller tells them apart)."""
        if not ids and not phones and not keys:
            return []
        params = (
            ({"ids": ids} if ids else {}) | ({"phones": phones} if phones else {}) | ({"keys": keys} if keys else {})
        )
        rows = await self.session.execute(_HOLDERS[bool(phones), bool(keys), bool(ids)], params)
        return [(m, k) for m, k in rows.all()]

    async def same_names(
        self, principal: Principal, streets: set[int], names: set[str]
    ) -> list[tuple[int | None, str, str]]:
        """(street_id, compact name, id) of the visible active shops with one of these names on one of these
        streets: the name half of `near_duplicates` for a whole batch."""
        literal = len(names) > FEW_NAMES
        params: dict[str, Any] = {"streets": sorted(streets), "names": sorted(names)}
        scope = visible_scope(principal)
        if scope == "none":
            return []
        if scope == "bank":  # a bank's rule is a subquery of its own: built for the call (banks do not register)
            stmt = _same_names(literal).where(visible_filter(principal))
        else:  # built once (building it cost a tenth of a registration's CPU)
            stmt = _SAME_NAMES[scope == "units", literal]
            if scope == "units":
                params["units"] = sorted(principal.units_2025)
        return [(s, n, i) for s, n, i in (await self.session.execute(stmt, params)).all()]

    async def insert_new(self, shops: list[dict[str, Any]], accounts: list[dict[str, Any]]) -> None:
        """New shops and their payment accounts as plain rows: one core executemany per table, shops first (foreign
        keys), no ORM instance and nothing in the identity map."""
        await self.session.execute(insert(_MERCHANT), shops)
        if accounts:
            await self.session.execute(insert(_ACCOUNT), accounts)

    async def insert_one(self, shop: dict[str, Any], account: dict[str, Any] | None) -> str | None:
        """One new shop and its account, without a SAVEPOINT (two round trips fewer per registration): written
        unless a unique index already holds the shop's id or phone, or the account (a concurrent registration won
        between the duplicate checks and this write). None when written; else the name of the constraint that
        lost, and nothing of the shop stays written (its row, inserted first, is deleted if the account lost)."""
        # built once per dialect, the values as parameters: built per call they cost a twentieth of a registration
        new_shop, new_account = _INSERT_ONE[self.session.get_bind().dialect.name]
        merchant_id = _MERCHANT.c.id
        if (await self.session.execute(new_shop, shop)).first() is None:
            held = (await self.session.execute(select(merchant_id).where(merchant_id == shop["id"]))).first()
            return "pk_merchant" if held is not None else "uq_merchant_phone_active"
        if account is not None and (await self.session.execute(new_account, account)).first() is None:
            await self.session.execute(delete(_MERCHANT).where(merchant_id == shop["id"]))
            return "uq_payment_account_active_key"
        return None
