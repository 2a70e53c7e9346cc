"""Every query of the merchants domain."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    false,
    select,
    true,
    union_all,
)
from sqlmodel import col

from app.auth import Principal, Role
from app.banks.repository import BankRepository
from app.consents.repository import bank_state_clause, consented_merchant_ids
from app.core.db import refcache
from app.core.editions import Edition
from app.core.repository import Repository
from app.merchants.enums import AccountKind, MerchantStatus
from app.merchants.models import Merchant, PaymentAccount, Photo, QRCode

# the tables themselves, for core executemany of plain rows (SQLModel sets __table__; its stubs do not say)
_MERCHANT: Table = Merchant.__table__  # type: ignore[attr-defined]
_ACCOUNT: Table = PaymentAccount.__table__  # type: ignore[attr-defined]


Scope = Literal["all", "units", "bank", "none"]


def visible_scope(principal: Principal) -> Scope:
    """Which of `visible_filter`'s clauses applies to the caller."""
    if principal.sees_all:
        return "all"
    if principal.role == Role.BANK_PARTNER:
        return "bank" if principal.bank_bin else "none"
    return "units" if principal.units_2025 else "none"


def visible_filter(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause limiting a merchant query to what the caller may see (the rule: app.merchants.scope)."""
    scope = visible_scope(principal)
    if scope == "all":
        return true()
    if scope == "none":
        return false()
    if scope == "bank":
        assert principal.bank_bin is not None
        at_bank = select(col(PaymentAccount.merchant_id)).where(
            col(PaymentAccount.bank_bin) == principal.bank_bin,
            col(PaymentAccount.kind).in_((AccountKind.ACCOUNT, AccountKind.CARD)),
        )
        # silence is not consent: a bank sees a shop only while its owner's consent for that bank is in force
        return and_(col(Merchant.id).in_(at_bank), col(Merchant.id).in_(consented_merchant_ids(principal.bank_bin)))
    return col(Merchant.unit_code).in_(sorted(principal.units_2025))


BANKS_TTL = 60.0  # seconds: a bank list changed by `phoqr setup` reaches a running worker within this


class MerchantRepository(Repository[Merchant]):
    model = Merchant

    async def get_visible(self, principal: Principal, merchant_id: str, *, for_update: bool = False) -> Merchant | None:
        """The shop if the caller may see it; `for_update` locks it for the rest of the transaction."""
        stmt = select(Merchant).where(col(Merchant.id) == merchant_id, visible_filter(principal))
        if for_update:
            stmt = stmt.with_for_update()
        return await self.get_one_or_none(stmt)

    async def account(self, merchant_id: str) -> PaymentAccount | None:
        return await self.session.get(PaymentAccount, merchant_id)

    async def accounts(self, ids: list[str]) -> dict[str, PaymentAccount]:
        if not ids:
            return {}
        rows = await self.get_all(select(PaymentAccount).where(col(PaymentAccount.merchant_id).in_(ids)))
        return {a.merchant_id: a for a in rows}

    async def active_qr(self, merchant_id: str) -> QRCode | None:
        return await self.get_one_or_none(select(QRCode).where(col(QRCode.active_for) == merchant_id))

    async def active_qrs(self, ids: list[str]) -> dict[str, QRCode]:
        if not ids:
            return {}
        return {q.merchant_id: q for q in await self.get_all(select(QRCode).where(col(QRCode.active_for).in_(ids)))}

    async def holders(self, phone: str | None, key: str | None) -> list[tuple[Merchant, str | None]]:
        """Active shops holding this phone or this account key, in one query (it runs on every registration).

        Each condition is its own lookup on its unique index, and only the shops they find are joined: an OR across
        the join (`phone_active = ? OR active_key = ?`) can use neither index, and scanned both tables whole on
        every registration (10-25 ms at 15,000 shops, most of PostgreSQL's time in `make load`)."""
        found = []
        if phone:
            found.append(select(col(Merchant.id)).where(col(Merchant.phone_active) == phone))
        if key:
            found.append(select(col(PaymentAccount.merchant_id)).where(col(PaymentAccount.active_key) == key))
        if not found:
            return []
        stmt = (
            select(Merchant, col(PaymentAccount.active_key))
            .outerjoin(PaymentAccount, col(PaymentAccount.merchant_id) == col(Merchant.id))
            .where(col(Merchant.id).in_(union_all(*found) if len(found) > 1 else found[0]))
        )
        return [(m, k) for m, k in (await self.session.execute(stmt)).all()]

    async def near_duplicates(
        self,
        principal: Principal,
        street_id: int,
        exclude: str,
        name_compact: str,
        box: tuple[float, float, float, float] | None,
    ) -> list[Merchant]:
        """Active shops on the street that the caller may see, with this compact name, else inside the
        (lat_min, lat_max, lon_min, lon_max) box. Served by the (street_id, name_compact) and (street_id, lat)
        indexes: the cost does not grow with the street."""
        base = (
            col(Merchant.street_id) == street_id,
            col(Merchant.status) == MerchantStatus.ACTIVE,
            col(Merchant.id) != exclude,
            visible_filter(principal),
        )
        if name_compact:
            same = await self.get_all(
                select(Merchant).where(*base, col(Merchant.name_compact) == name_compact).limit(1)
            )
            if same:
                return same
        if box is None:
            return []
        lat_min, lat_max, lon_min, lon_max = box
        around = select(Merchant).where(
            *base, col(Merchant.lat).between(lat_min, lat_max), col(Merchant.lon).between(lon_min, lon_max)
        )
        return await self.get_all(around.limit(50))

    async def active_bins(self) -> frozenset[str]:
        """Reference data checked on every registration: kept per process for BANKS_TTL seconds (refcache)."""
        bins = await refcache.cached(self.session, "active_bins", BANKS_TTL, BankRepository(self.session).active_bins)
        return bins or frozenset()

    async def search(
        self,
        principal: Principal,
        *,
        street_id: int | None,
        unit: tuple[str, str] | None,
        status: str | None,
        review: str | None,
        has_qr: bool | None,
        q: str | None,
        cursor: str | None,
        limit: int,
        bank_state: str | None = None,
    ) -> tuple[list[Merchant], str | None]:
        """Newest first, keyset-paged on (created_at, id)."""
        stmt = select(Merchant).where(visible_filter(principal))
        if street_id is not None:
            stmt = stmt.where(col(Merchant.street_id) == street_id)
        if unit is not None:
            column = col(Merchant.unit_code) if unit[0] == Edition.Y2025 else col(Merchant.unit_code_2020)
            stmt = stmt.where(column == unit[1])
        if status:
            stmt = stmt.where(col(Merchant.status) == status)
        if review:
            stmt = stmt.where(col(Merchant.review_state) == review)
        if has_qr is not None:
            stmt = stmt.where(col(Merchant.has_qr) == has_qr)
        for term in (q or "").split():
            stmt = stmt.where(col(Merchant.search_text).contains(term, autoescape=True))
        if bank_state:  # with the bank of the shop's current account (a ward's to-do list: rejected)
            stmt = stmt.where(bank_state_clause(col(Merchant.id), bank_state))
        order = [col(Merchant.created_at), col(Merchant.id)]
        return await self.paginate(stmt, order=order, cursor=cursor, limit=limit, descending=True)

    async def photo_by_hash(self, merchant_id: str, sha256: str) -> Photo | None:
        return await self.get_first(
            select(Photo).where(col(Photo.merchant_id) == merchant_id, col(Photo.sha256) == sha256)
        )

    async def photos_of(self, merchant_ids: list[str]) -> dict[str, list[Photo]]:
        """Each shop's photos, oldest first (one query for a whole page of shops)."""
        found: dict[str, list[Photo]] = {}
        if not merchant_ids:
            return found
        stmt = (
            select(Photo).where(col(Photo.merchant_id).in_(merchant_ids)).order_by(col(Photo.created_at), col(Photo.id))
        )
        for photo in (await self.session.execute(stmt)).scalars():
            found.setdefault(photo.merchant_id, []).append(photo)
        return found

    async def photo(self, merchant_id: str, photo_id: str) -> Photo | None:
        photo = await self.session.get(Photo, photo_id)
        return photo if photo is not None and photo.merchant_id == merchant_id else None
