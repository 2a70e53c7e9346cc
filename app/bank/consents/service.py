"""Consent endpoints' logic: the shop is loaded with the caller's scope, then app.consents does the rest.

Recording and withdrawing: the field agent or ward officer of the shop's unit (and city_admin). Reading: anyone
who sees the shop; a bank partner reads only the consents given for its own BIN.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal, Role
from app.consents import service as consents
from app.consents.schemas import ConsentIn, ConsentOut
from app.core.errors import NotFound
from app.merchants.access import load_merchant
from app.merchants.repository import MerchantRepository

_BANK_KINDS = ("account", "card")


async def account_bin(session: AsyncSession, merchant_id: str) -> str | None:
    account = await MerchantRepository(session).account(merchant_id)
    return account.bank_bin if account is not None and account.kind in _BANK_KINDS else None


async def give(
    session: AsyncSession, principal: Principal, merchant_id: str, body: ConsentIn
) -> tuple[int, ConsentOut]:
    merchant = await load_merchant(session, principal, merchant_id, write=True, for_update=True)
    return await consents.give(session, principal, merchant, await account_bin(session, merchant.id), body)


async def withdraw(session: AsyncSession, principal: Principal, consent_id: str, reason: str) -> ConsentOut:
    """Locks the shop, then the consent: the order every writer uses (docs/architecture.md, "Lock order")."""
    found = await consents.get_consent(session, consent_id)
    try:
        merchant = await load_merchant(session, principal, found.merchant_id, write=True, for_update=True)
    except NotFound as exc:  # a consent of a shop the caller may not see does not exist for the caller
        raise consents.consent_not_found(consent_id) from exc
    consent = await consents.get_consent(session, consent_id, for_update=True)  # re-read under the shop's lock
    return await consents.withdraw(session, principal, consent, merchant, reason)


async def list_for(session: AsyncSession, principal: Principal, merchant_id: str) -> list[ConsentOut]:
    merchant = await load_merchant(session, principal, merchant_id)
    own_bin = principal.bank_bin if principal.role == Role.BANK_PARTNER else None
    return await consents.consents_of(session, merchant.id, own_bin)
