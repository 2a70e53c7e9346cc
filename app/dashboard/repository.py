"""The dashboard's own queries: lists of shops (never counts; the figures come from the coverage service).

Every query is limited by `visible_filter`, the same scope rule the JSON API applies to shops.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, literal_column, select
from sqlalchemy.orm import Mapped
from sqlmodel import col

from app.auth import Principal
from app.auth.models import User
from app.consents.models import BankStatus
from app.core.editions import Edition
from app.core.repository import Repository
from app.merchants.access import visible_filter
from app.merchants.models import Merchant, PaymentAccount
from app.qrcodes.models import QRCode
from app.streets.models import Street, StreetUnit


@dataclass(frozen=True, slots=True)
class ShopLine:
    id: str
    name: str
    house_number: str | None
    category: str
    has_qr: bool
    sticker_code: str | None
    review_state: str
    possible_duplicate_of: str | None
    lat: float | None
    lon: float | None
    created_at: datetime
    street_id: int | None
    street_name: str | None
    unit_code: str


_SHOP_COLUMNS = (
    col(Merchant.id),
    col(Merchant.name),
    col(Merchant.house_number),
    col(Merchant.category),
    col(Merchant.has_qr),
    col(QRCode.sticker_code),
    col(Merchant.review_state),
    col(Merchant.possible_duplicate_of),
    col(Merchant.lat),
    col(Merchant.lon),
    col(Merchant.created_at),
    col(Merchant.street_id),
    col(Street.name),
    col(Merchant.unit_code),
)


def _shops_stmt(principal: Principal) -> Select[*tuple[Any, ...]]:
    return (
        select(*_SHOP_COLUMNS)
        .outerjoin(QRCode, col(QRCode.active_for) == col(Merchant.id))
        .outerjoin(Street, col(Street.id) == col(Merchant.street_id))
        .where(visible_filter(principal), col(Merchant.status) == "active")
    )


@dataclass(frozen=True, slots=True)
class BankState:
    """A shop's standing with the bank its account is at (`bank_status`, once banks answer; no row = not sent)."""

    state: str
    reason_code: str | None = None
    reason: str | None = None
    at: datetime | None = None


S = TypeVar("S", bound=Select[*tuple[Any, ...]])


def _bank_joined(stmt: S) -> S:
    """The shop's current account and that bank's answer about it."""
    return stmt.join(PaymentAccount, col(PaymentAccount.merchant_id) == col(Merchant.id)).join(
        BankStatus,
        (col(BankStatus.merchant_id) == col(Merchant.id)) & (col(BankStatus.bank_bin) == col(PaymentAccount.bank_bin)),
    )


def _unit_filter(unit: tuple[str, str] | None) -> ColumnElement[bool]:
    if unit is None:
        return literal_column("1") == 1
    column = col(Merchant.unit_code) if unit[0] == Edition.Y2025 else col(Merchant.unit_code_2020)
    return column == unit[1]


class DashboardRepository(Repository[Merchant]):
    model = Merchant

    async def _lines(self, stmt: Select[*tuple[Any, ...]]) -> list[ShopLine]:
        return [ShopLine(*row) for row in (await self.session.execute(stmt)).all()]

    async def street(self, street_id: int) -> tuple[Street, list[tuple[str, str]]] | None:
        street = await self.session.get(Street, street_id)
        if street is None:
            return None
        rows = await self.session.execute(
            select(col(StreetUnit.edition), col(StreetUnit.code)).where(col(StreetUnit.street_id) == street_id)
        )
        return street, [(e, c) for e, c in rows.all()]

    async def street_shops(
        self, principal: Principal, street_id: int, unit: tuple[str, str] | None, *, limit: int, offset: int
    ) -> list[ShopLine]:
        stmt = (
            _shops_stmt(principal)
            .where(col(Merchant.street_id) == street_id, _unit_filter(unit))
            .order_by(col(Merchant.name_search), col(Merchant.id))
            .limit(limit)
            .offset(offset)
        )
        return await self._lines(stmt)

    async def street_points(
        self, principal: Principal, street_id: int, unit: tuple[str, str] | None, limit: int
    ) -> list[tuple[float, float, bool]]:
        stmt = (
            select(col(Merchant.lon), col(Merchant.lat), col(Merchant.has_qr))
            .where(
                visible_filter(principal),
                col(Merchant.status) == "active",
                col(Merchant.street_id) == street_id,
                _unit_filter(unit),
                col(Merchant.lat).is_not(None),
            )
            .limit(limit)
        )
        return [(x, y, q) for x, y, q in (await self.session.execute(stmt)).all() if x is not None and y is not None]

    async def points(self, principal: Principal, units: list[str], limit: int) -> list[tuple[float, float, bool]]:
        """The newest shops with a location in these 2025 units (a map of 100,000 dots says nothing more)."""
        stmt = (
            select(col(Merchant.lon), col(Merchant.lat), col(Merchant.has_qr))
            .where(
                visible_filter(principal),
                col(Merchant.status) == "active",
                col(Merchant.unit_code).in_(units),
                col(Merchant.lat).is_not(None),
            )
            .order_by(col(Merchant.created_at).desc())
            .limit(limit)
        )
        return [(x, y, q) for x, y, q in (await self.session.execute(stmt)).all() if x is not None and y is not None]

    async def pending_reviews(self, principal: Principal, units: list[str], limit: int) -> list[ShopLine]:
        stmt = (
            _shops_stmt(principal)
            .where(col(Merchant.review_state) == "pending", col(Merchant.unit_code).in_(units))
            .order_by(col(Merchant.created_at), col(Merchant.id))
            .limit(limit)
        )
        return await self._lines(stmt)

    async def duplicates(self, principal: Principal, units: list[str], limit: int) -> list[ShopLine]:
        stmt = (
            _shops_stmt(principal)
            .where(col(Merchant.possible_duplicate_of).is_not(None), col(Merchant.unit_code).in_(units))
            .order_by(col(Merchant.created_at).desc(), col(Merchant.id))
            .limit(limit)
        )
        return await self._lines(stmt)

    async def names(self, merchant_ids: list[str]) -> dict[str, str]:
        if not merchant_ids:
            return {}
        rows = await self.session.execute(
            select(col(Merchant.id), col(Merchant.name)).where(col(Merchant.id).in_(merchant_ids))
        )
        return dict(rows.all())

    async def bank_states(self, merchant_ids: list[str]) -> dict[str, BankState]:
        """The bank's answer about each of these shops (none for a shop not sent yet)."""
        if not merchant_ids:
            return {}
        stmt = _bank_joined(
            select(
                col(Merchant.id),
                col(BankStatus.state),
                col(BankStatus.reason_code),
                col(BankStatus.reason),
                col(BankStatus.at),
            )
        ).where(col(Merchant.id).in_(merchant_ids))
        return {i: BankState(s, c, r, a) for i, s, c, r, a in (await self.session.execute(stmt)).all()}

    async def bank_rejected(
        self, principal: Principal, units: list[str], limit: int
    ) -> list[tuple[ShopLine, BankState]]:
        """Shops whose bank refused them, newest answer first."""
        stmt = (
            _bank_joined(_shops_stmt(principal))
            .add_columns(col(BankStatus.state), col(BankStatus.reason_code), col(BankStatus.reason), col(BankStatus.at))
            .where(col(BankStatus.state) == "rejected", col(Merchant.unit_code).in_(units))
            .order_by(col(BankStatus.at).desc(), col(Merchant.id))
            .limit(limit)
        )
        n = len(_SHOP_COLUMNS)
        return [(ShopLine(*row[:n]), BankState(*row[n:])) for row in (await self.session.execute(stmt)).all()]

    def _bucket(self, column: Mapped[datetime], period: str) -> ColumnElement[str]:
        if self.session.get_bind().dialect.name == "postgresql":
            return func.to_char(func.date_trunc(period, column), "YYYY-MM-DD")
        if period == "week":  # Monday of the week, as PostgreSQL's date_trunc('week') gives
            return func.date(column, "-6 days", "weekday 1")
        return func.strftime("%Y-%m-01", column)

    async def registrations(
        self, principal: Principal, units: list[str], period: str, since: datetime
    ) -> list[tuple[int | None, str, str, int]]:
        """(agent id, unit, period start, shops registered) since a date, in these units."""
        bucket = self._bucket(col(Merchant.created_at), period).label("b")
        stmt = (
            select(col(Merchant.created_by), col(Merchant.unit_code), bucket, func.count())
            .where(visible_filter(principal), col(Merchant.unit_code).in_(units), col(Merchant.created_at) >= since)
            .group_by(col(Merchant.created_by), col(Merchant.unit_code), bucket)
        )
        return [(a, u, str(b), int(n)) for a, u, b, n in (await self.session.execute(stmt)).all()]

    async def qr_issued(
        self, principal: Principal, units: list[str], period: str, since: datetime
    ) -> list[tuple[int | None, str, str, int]]:
        """(issuing user, shop's unit, period start, QRs issued or registered) since a date."""
        bucket = self._bucket(col(QRCode.issued_at), period).label("b")
        stmt = (
            select(col(QRCode.issued_by), col(Merchant.unit_code), bucket, func.count())
            .join(Merchant, col(Merchant.id) == col(QRCode.merchant_id))
            .where(visible_filter(principal), col(Merchant.unit_code).in_(units), col(QRCode.issued_at) >= since)
            .group_by(col(QRCode.issued_by), col(Merchant.unit_code), bucket)
        )
        return [(a, u, str(b), int(n)) for a, u, b, n in (await self.session.execute(stmt)).all()]

    async def users(self, ids: set[int]) -> dict[int, tuple[str, str]]:
        if not ids:
            return {}
        rows = await self.session.execute(
            select(col(User.id), col(User.username), col(User.full_name)).where(col(User.id).in_(ids))
        )
        return {i: (u, f) for i, u, f in rows.all() if i is not None}
