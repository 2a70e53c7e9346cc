"""The one scope rule for shops, as a WHERE clause (used by every query that lists or loads shops).

- city_admin and auditor see every shop; auditor changes nothing.
- field_agent and ward_officer see and change only shops in their (2025) units.
- bank_partner sees only shops whose payment account is at its BIN and whose owner has consented to hand them
  to that bank (app.consents), and changes nothing.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, select, true
from sqlmodel import col

from app.auth import Principal, Role
from app.consents.repository import consented_merchant_ids
from app.merchants.enums import AccountKind
from app.merchants.models import Merchant, PaymentAccount


def visible_filter(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause limiting a merchant query to what the caller may see."""
    if principal.sees_all:
        return true()
    if principal.role == Role.BANK_PARTNER:
        if not principal.bank_bin:
            return false()
        at_bank = select(col(PaymentAccount.merchant_id)).where(
            col(PaymentAccount.bank_bin) == principal.bank_bin,
            col(PaymentAccount.kind).in_((AccountKind.ACCOUNT, AccountKind.CARD)),
        )
        # silence is not consent: a bank sees a shop only while its owner's consent for that bank is in force
        return and_(col(Merchant.id).in_(at_bank), col(Merchant.id).in_(consented_merchant_ids(principal.bank_bin)))
    if not principal.units_2025:
        return false()
    return col(Merchant.unit_code).in_(sorted(principal.units_2025))
