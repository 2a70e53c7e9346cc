"""Every query of the bank hand-off: the bank record's rows, the locks a receipt takes, the file's snapshot and
the database-side checks of the files and digests (their SQL text is built by app.bank.handoff.export_sql).

`visible_records_query` is the one definition of what a bank may see: a shop whose payment account (kind
`account` or `card`, with a number) is at the bank's BIN and whose owner's consent for that bank is in force.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, Select, and_, exists, select, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from app.bank.handoff.export_sql import exotic_condition
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


def _at_bank(bank_bin: str) -> tuple[Any, ...]:
    return (
        col(PaymentAccount.bank_bin) == bank_bin,
        col(PaymentAccount.kind).in_(BANK_KINDS),
        col(PaymentAccount.account_number).is_not(None),
    )


def visible_records_query(bank_bin: str) -> Select[*tuple[Any, ...]]:
    """Shops the bank may see, with everything its record needs, in one query."""
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
