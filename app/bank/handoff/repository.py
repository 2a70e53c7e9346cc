# Over 300 lines: every query of the hand-off, the stored view's with the records' they are checked against.
"""Every query of the bank hand-off: the bank record's rows, the locks a receipt takes, the file's snapshot and
the database-side checks of the files and digests (their SQL text is built by app.bank.handoff.export_sql).

`visible_records_query` is the one definition of what a bank may see: a shop whose payment account (kind
`account` or `card`, with a number) is at the bank's BIN and whose owner's consent for that bank is in force.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, Select, Text, and_, cast, delete, exists, func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from app.bank.handoff.export_sql import exotic_condition
from app.bank.handoff.models import BankView
from app.consents.models import PURPOSE_BANK_ONBOARDING, BankReceipt, Consent
from app.core.db import utcnow
from app.core.editions import Edition
from app.core.repository import Repository
from app.merchants.models import Merchant, PaymentAccount
from app.qrcodes.models import QRCode
from app.streets.models import Street

BANK_KINDS = ("account", "card")


# the one rule of what a bank may see: a bank account (or card) held at that bank, with the owner's active consent
# to hand the shop to that bank; both queries below join it, so the list, the files and the scope agree
_ACTIVE_CONSENT = and_(
    col(Consent.merchant_id) == col(PaymentAccount.merchant_id),
    col(Consent.bank_bin) == col(PaymentAccount.bank_bin),
    col(Consent.purpose) == PURPOSE_BANK_ONBOARDING,
    col(Consent.active_key).is_not(None),
)


def _at_bank(bank_bin: str | None) -> tuple[Any, ...]:
    return (
        *(() if bank_bin is None else (col(PaymentAccount.bank_bin) == bank_bin,)),
        col(PaymentAccount.kind).in_(BANK_KINDS),
        col(PaymentAccount.account_number).is_not(None),
    )


def visible_records_query(bank_bin: str | None) -> Select[*tuple[Any, ...]]:
    """Shops the bank may see, with everything its record needs, in one query (bank_bin None: every bank's)."""
    return (
        select(
            col(Merchant.id),
            col(Merchant.version),
            col(Merchant.name),
            col(Merchant.category),
            col(Merchant.owner_name),
            col(Merchant.phone),
            col(Merchant.house_number),
            col(Merchant.street_id),
            col(Merchant.unit_code),
            col(Merchant.unit_code_2020),
            col(Merchant.lat),
            col(Merchant.lon),
            col(Merchant.accuracy_m),
            col(Merchant.status),
            col(Merchant.tax_code),
            col(Merchant.business_registration_number),
            col(Merchant.einvoice_method),
            col(PaymentAccount.bank_bin),
            col(PaymentAccount.account_number),
            col(PaymentAccount.account_name),
            col(PaymentAccount.kind),
            col(Consent.id).label("consent_id"),
            col(Street.name).label("street_name"),
            col(QRCode.payload).label("qr_payload"),
            col(QRCode.sticker_code).label("qr_sticker_code"),
            col(QRCode.issued_at).label("qr_issued_at"),
        )
        .join(PaymentAccount, col(PaymentAccount.merchant_id) == col(Merchant.id))
        .join(Consent, _ACTIVE_CONSENT)
        .outerjoin(Street, col(Street.id) == col(Merchant.street_id))
        .outerjoin(QRCode, col(QRCode.active_for) == col(Merchant.id))
        .where(*_at_bank(bank_bin))
    )


def visible_ids_query(bank_bin: str) -> Select[Any]:
    """Ids of the shops a bank may see (for scope filters elsewhere, e.g. GET /merchants)."""
    return select(col(PaymentAccount.merchant_id)).join(Consent, _ACTIVE_CONSENT).where(*_at_bank(bank_bin))


def _view_of_row() -> Any:
    return and_(col(BankView.merchant_id) == col(Merchant.id), col(BankView.bank_bin) == col(PaymentAccount.bank_bin))


def with_stored_hash(stmt: Select[Any]) -> Select[Any]:
    """`visible_records_query` with the stored view's hash and CSV line (`stored_hash`, `stored_line`; null where
    the view has no row)."""
    stored: tuple[Any, ...] = (
        col(BankView.record_hash).label("stored_hash"),
        col(BankView.csv_line).label("stored_line"),
    )
    return stmt.outerjoin(BankView, _view_of_row()).add_columns(*stored)


def not_in_view(stmt: Select[Any]) -> Select[Any]:
    """`visible_records_query` limited to the records the stored view lacks (computed at read time)."""
    return stmt.where(~exists(select(col(BankView.merchant_id)).where(_view_of_row())))


def _accounts_with_view(bank_bin: str) -> Select[Any]:
    """The bank's visible accounts (the rule, without the shops' columns) and their view rows (null if none)."""
    in_view = and_(
        col(BankView.merchant_id) == col(PaymentAccount.merchant_id),
        col(BankView.bank_bin) == col(PaymentAccount.bank_bin),
    )
    return (
        select()
        .select_from(PaymentAccount)
        .join(Consent, _ACTIVE_CONSENT)
        .outerjoin(BankView, in_view)
        .where(*_at_bank(bank_bin))
    )


def stored_digest_query(bank_bin: str, group: str) -> Select[Any]:
    """Per unit or street: count and XOR of the stored hashes of the records the bank may see (the visibility
    rule applied to the view's rows too, so a row left behind by a missed path is not counted); the records the
    view lacks make one row with a null key, counted in its second column."""
    key = (
        ("2025:" + col(BankView.unit_code))
        if group == "unit"
        else func.coalesce(cast(col(BankView.street_id), Text), "none")
    ).label("key")
    xors = (func.bit_xor(c) for c in (BankView.h0, BankView.h1, BankView.h2, BankView.h3))
    columns: tuple[Any, ...] = (key, func.count(col(BankView.merchant_id)), func.count(), *xors)
    return _accounts_with_view(bank_bin).add_columns(*columns).group_by(key)


def view_state_query(bank_bin: str, unit: tuple[str, str] | None, street_id: int | None) -> Select[Any]:
    """Of the records a file holds: how many the view lacks, whether one of the stored is exotic, and how many
    of the view's rows the rule allows (`stored_lines_query` returns exactly them when it equals that query's
    count: no row left behind)."""
    stmt = _accounts_with_view(bank_bin).add_columns(
        func.count() - func.count(col(BankView.merchant_id)),
        func.coalesce(func.bool_or(col(BankView.exotic)), False),
        func.count(col(BankView.merchant_id)),
    )
    if unit is not None or street_id is not None:
        stmt = narrowed(stmt.join(Merchant, col(Merchant.id) == col(PaymentAccount.merchant_id)), unit, street_id)
    return stmt


def stored_lines_query(bank_bin: str, unit_code: str | None, street_id: int | None) -> Select[Any]:
    """The stored CSV lines of the bank's view rows (of one 2025 unit and/or street), in shop order."""
    stmt = select(col(BankView.csv_line)).where(col(BankView.bank_bin) == bank_bin)
    if unit_code is not None:
        stmt = stmt.where(col(BankView.unit_code) == unit_code)
    if street_id is not None:
        stmt = stmt.where(col(BankView.street_id) == street_id)
    return stmt.order_by(col(BankView.merchant_id))


def narrowed(stmt: Select[Any], unit: tuple[str, str] | None, street_id: int | None) -> Select[Any]:
    """`visible_records_query` limited to one unit (either edition) and/or one street."""
    if unit is not None:
        column = col(Merchant.unit_code) if unit[0] == Edition.Y2025 else col(Merchant.unit_code_2020)
        stmt = stmt.where(column == unit[1])
    if street_id is not None:
        stmt = stmt.where(col(Merchant.street_id) == street_id)
    return stmt


def exotic_query(stmt: Select[Any]) -> Select[Any]:
    """Is there a record `csv_select`/`xlsx_select` would not write exactly as the Python path? (then use that)"""
    return select(exists(stmt.order_by(None).where(exotic_condition())))


class HandoffRepository(Repository[Merchant]):
    model = Merchant

    async def record_rows(
        self,
        bank_bin: str,
        ids: list[str] | None,
        *,
        unit: tuple[str, str] | None = None,
        street_id: int | None = None,
        after: str | None = None,
        limit: int | None = None,
    ) -> Sequence[Row[Any]]:
        """Rows of `visible_records_query`, in merchant id order: of `ids` only (if given), narrowed, after a
        merchant id, `limit` of them."""
        stmt = visible_records_query(bank_bin)
        if ids is not None:
            # the ids drive every join (the merchant, account and consent primary or merchant indexes), whatever
            # the planner believes of the bank's size: with stale statistics it scanned merchants once per account
            stmt = stmt.where(
                col(Merchant.id).in_(ids), col(PaymentAccount.merchant_id).in_(ids), col(Consent.merchant_id).in_(ids)
            )
        stmt = narrowed(stmt, unit, street_id)
        if after is not None:
            # the bound on every joined table too: the planner merges the three by merchant id but does not carry
            # `merchant.id > after` over the join, so each page read the accounts and consents from the start
            # (1.4 s a page at 1,000,000 shops, the whole export quadratic); bounded, 15 ms a page
            stmt = stmt.where(
                col(Merchant.id) > after, col(PaymentAccount.merchant_id) > after, col(Consent.merchant_id) > after
            )
        stmt = stmt.order_by(col(Merchant.id))
        if limit is not None:
            stmt = stmt.limit(limit)
        return (await self.session.execute(stmt)).all()

    async def account(self, merchant_id: str) -> PaymentAccount | None:
        return await self.session.get(PaymentAccount, merchant_id)

    async def accounts(self, merchant_ids: Sequence[str]) -> list[PaymentAccount]:
        return await self.get_all(select(PaymentAccount).where(col(PaymentAccount.merchant_id).in_(merchant_ids)))

    async def stream_rows(self, stmt: Select[Any], page: int) -> AsyncIterator[Sequence[Row[Any]]]:
        """The rows of `stmt` in merchant id order from one server-side cursor, `page` at a time."""
        result = await self.session.stream(stmt.order_by(col(Merchant.id)).execution_options(yield_per=page))
        async for rows in result.partitions(page):
            yield rows

    async def has_exotic(self, stmt: Select[Any]) -> bool:
        return bool((await self.session.execute(exotic_query(stmt))).scalar())

    async def digest_rows(self, sql: str) -> list[tuple[Any, ...]]:
        """The rows of `export_sql.digests_select`: key, count and the four 64-bit slices of the XOR."""
        return [tuple(row) for row in (await self.session.execute(text(sql))).all()]

    async def open_snapshot(self) -> datetime:
        """Begin the file's one read transaction; returns `as_of`, the instant its snapshot was taken.

        A session bound to a connection its caller manages (the tests' rolled-back transaction) keeps that one."""
        session = self.session
        postgres = session.get_bind().dialect.name == "postgresql"
        if not isinstance(session.bind, AsyncConnection):
            await session.commit()  # whatever the request read before ends here: the file gets its own transaction
            options = {"isolation_level": "REPEATABLE READ"} if postgres else {"read_only": True}
            await session.connection(execution_options=options)
        if not postgres:
            await session.execute(text("SELECT 1 FROM merchant LIMIT 1"))  # SQLite takes its snapshot at the 1st read
            return utcnow()
        # the snapshot is taken at the transaction's first statement, this one; a file may stream for minutes
        taken = (await session.execute(text("SELECT clock_timestamp()"))).scalar_one()
        await session.execute(text("SET LOCAL statement_timeout = 0"))
        return taken.astimezone(UTC) if isinstance(taken, datetime) else utcnow()

    async def lock_merchants(self, ids: Sequence[str]) -> list[Merchant]:
        """The shops, locked in id order (the lock order of every writer), read fresh under the lock."""
        return await self.get_all(
            select(Merchant)
            .where(col(Merchant.id).in_(sorted(ids)))
            .order_by(col(Merchant.id))
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    async def receipt_seen(self, digest: str) -> bool:
        return (
            await self.session.execute(select(col(BankReceipt.id)).where(col(BankReceipt.digest) == digest))
        ).first() is not None

    # the stored view (app.bank.handoff.view)

    async def replace_views(self, merchant_ids: Sequence[str], rows: list[dict[str, Any]]) -> None:
        """The shops' view rows become `rows` (none for a shop no bank may see)."""
        if merchant_ids:
            await self.session.execute(delete(BankView).where(col(BankView.merchant_id).in_(sorted(merchant_ids))))
        if rows:
            insert = pg_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert
            stmt = insert(BankView).values(rows)
            names = ("record_hash", "h0", "h1", "h2", "h3", "unit_code", "street_id", "exotic", "csv_line")
            # a concurrent change of the same shop wrote it between our delete and this insert: the later wins
            await self.session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["merchant_id", "bank_bin"], set_={n: getattr(stmt.excluded, n) for n in names}
                )
            )

    async def analyze_sources(self) -> None:
        """Fresh planner statistics of the tables a bank record joins (PostgreSQL)."""
        await self.session.execute(text("ANALYZE merchant, payment_account, consent, qr_code, street"))

    async def clear_views(self) -> None:
        await self.session.execute(delete(BankView))

    async def execute_sql(self, sql: str) -> None:
        """A statement app.bank.handoff.export_sql wrote (the view's rebuild)."""
        await self.session.execute(text(sql))

    async def exotic_ids(self, stmt: Select[Any]) -> list[str]:
        """Ids of the records of `stmt` only the Python path writes exactly."""
        found = await self.session.execute(stmt.with_only_columns(col(Merchant.id)).where(exotic_condition()))
        return list(found.scalars())

    async def bins_with_accounts(self) -> list[str]:
        stmt = select(col(PaymentAccount.bank_bin)).where(*_at_bank(None)).distinct()
        return sorted(b for b in (await self.session.execute(stmt)).scalars() if b)

    async def visible_on_street(self, street_id: int) -> list[str]:
        """Shops of the street some bank may see (their records carry the street's name)."""
        stmt = visible_records_query(None).where(col(Merchant.street_id) == street_id)
        return list((await self.session.execute(stmt.with_only_columns(col(Merchant.id)))).scalars())

    async def view_rows(self, bank_bin: str | None = None) -> list[tuple[str, str, str, str, int | None, str]]:
        """(shop, BIN, record_hash, unit_code, street_id, csv_line) of the stored view, in shop order (tests
        compare)."""
        stmt = select(
            col(BankView.merchant_id),
            col(BankView.bank_bin),
            col(BankView.record_hash),
            col(BankView.unit_code),
            col(BankView.street_id),
            col(BankView.csv_line),
        ).order_by(col(BankView.merchant_id), col(BankView.bank_bin))
        if bank_bin is not None:
            stmt = stmt.where(col(BankView.bank_bin) == bank_bin)
        return [(m, b, h, u, s, line) for m, b, h, u, s, line in (await self.session.execute(stmt)).all()]

    async def stored_digest_rows(self, bank_bin: str, group: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in (await self.session.execute(stored_digest_query(bank_bin, group))).all()]

    async def view_state(
        self, bank_bin: str, unit: tuple[str, str] | None, street_id: int | None
    ) -> tuple[int, bool, bool]:
        """(records the view lacks, one stored is exotic, the stored lines are exactly the file's records)."""
        missing, exotic, allowed = (await self.session.execute(view_state_query(bank_bin, unit, street_id))).one()
        exact = False
        if not missing and (unit is None or unit[0] == Edition.Y2025):
            lines = stored_lines_query(bank_bin, unit[1] if unit else None, street_id)
            stored = (await self.session.execute(lines.with_only_columns(func.count()).order_by(None))).scalar_one()
            exact = stored == allowed
        return int(missing), bool(exotic), exact
