"""Every query of the consents domain."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, column, exists, not_, select, table, tuple_
from sqlalchemy.orm.util import identity_key
from sqlmodel import col

from app.banks.models import Bank
from app.consents.models import PURPOSE_BANK_ONBOARDING, AccountNameCheck, BankStatus, Consent, ConsentText
from app.core.repository import Repository

# the photo and payment account tables belong to merchants, above this domain: named here, not imported
_photo = table("merchant_photo", column("id"), column("merchant_id"))
_account = table("payment_account", column("merchant_id"), column("bank_bin"), column("kind"))
_BANK_KINDS = ("account", "card")


class ConsentRepository(Repository[Consent]):
    model = Consent

    async def text_versions(self) -> set[int]:
        return set((await self.session.execute(select(col(ConsentText.version)))).scalars())

    async def texts(self) -> list[ConsentText]:
        return list((await self.session.execute(select(ConsentText).order_by(col(ConsentText.version)))).scalars())

    async def text_by_hash(self, sha256: str) -> ConsentText | None:
        stmt = select(ConsentText).where(col(ConsentText.sha256) == sha256)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def text_by_version(self, version: int) -> ConsentText | None:
        return await self.session.get(ConsentText, version)

    async def bank_is_active(self, bank_bin: str) -> bool:
        stmt = select(col(Bank.bin)).where(col(Bank.bin) == bank_bin, col(Bank.status) == "active").limit(1)
        return (await self.session.execute(stmt)).scalar_one_or_none() is not None

    async def photo_of(self, merchant_id: str, photo_id: str) -> bool:
        stmt = select(_photo.c.id).where(and_(_photo.c.id == photo_id, _photo.c.merchant_id == merchant_id))
        return (await self.session.execute(stmt)).scalar_one_or_none() is not None

    async def active(self, key: str) -> Consent | None:
        return (await self.session.execute(select(Consent).where(col(Consent.active_key) == key))).scalar_one_or_none()

    async def get(self, consent_id: str, *, for_update: bool = False) -> Consent | None:
        stmt = select(Consent).where(col(Consent.id) == consent_id)
        if for_update:  # locked and re-read, even when this session loaded the row before
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def of_merchant(self, merchant_id: str, bank_bin: str | None = None) -> list[Consent]:
        stmt = select(Consent).where(col(Consent.merchant_id) == merchant_id)
        if bank_bin is not None:
            stmt = stmt.where(col(Consent.bank_bin) == bank_bin)
        rows = await self.session.execute(stmt.order_by(col(Consent.recorded_at).desc(), col(Consent.id)))
        return list(rows.scalars())


def consented_merchant_ids(bank_bin: str) -> Select[str]:
    """Shops whose owner's consent to hand them to this bank is in force (for scope filters)."""
    return select(col(Consent.merchant_id)).where(
        col(Consent.bank_bin) == bank_bin,
        col(Consent.purpose) == PURPOSE_BANK_ONBOARDING,
        col(Consent.active_key).is_not(None),
    )


def bank_state_clause(merchant_id_column: Any, state: str) -> ColumnElement[bool]:
    """Shops whose status with the bank of their current account is `state`."""
    stmt = (
        select(col(BankStatus.merchant_id))
        .join(
            _account,
            and_(
                _account.c.merchant_id == col(BankStatus.merchant_id), _account.c.bank_bin == col(BankStatus.bank_bin)
            ),
        )
        .where(col(BankStatus.merchant_id) == merchant_id_column, _account.c.kind.in_(_BANK_KINDS))
    )
    if state == "not_sent":
        return not_(exists(stmt))
    return exists(stmt.where(col(BankStatus.state) == state))


class StandingRepository(Repository[BankStatus]):
    """A shop's standing with its bank: `bank_status` rows and account-name checks."""

    model = BankStatus

    async def statuses(self, keys: Sequence[tuple[str, str]]) -> list[BankStatus]:
        """The rows of these (shop, BIN) pairs."""
        stmt = select(BankStatus).where(tuple_(col(BankStatus.merchant_id), col(BankStatus.bank_bin)).in_(keys))
        return await self.get_all(stmt)

    async def checks(self, merchant_ids: Sequence[str]) -> list[AccountNameCheck]:
        return await self.get_all(select(AccountNameCheck).where(col(AccountNameCheck.merchant_id).in_(merchant_ids)))

    async def check(self, merchant_id: str) -> AccountNameCheck | None:
        return await self.session.get(AccountNameCheck, merchant_id)

    def check_in_session(self, merchant_id: str) -> AccountNameCheck | None:
        """The check only if this session holds it, no query: for a shop registered in this transaction, whose
        check (if its bank offers the inquiry) the account-name subscriber wrote and flushed in this session."""
        found = self.session.sync_session.identity_map.get(identity_key(AccountNameCheck, merchant_id))
        return found if isinstance(found, AccountNameCheck) else None
