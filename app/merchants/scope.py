"""The one scope rule for shops, as a WHERE clause (used by every query that lists or loads shops).

- city_admin and auditor see every shop; auditor changes nothing.
- field_agent and ward_officer see and change only shops in their (2025) units.
- bank_partner sees only shops whose payment account is at its BIN, and changes nothing.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select, true

from app.auth import Principal, Role
from app.merchants.models import Merchant, PaymentAccount


def visible_filter(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause limiting a merchant query to what the caller may see."""
    if principal.sees_all:
        return true()
    if principal.role == Role.BANK_PARTNER:
        if not principal.bank_bin:
            return false()
        return Merchant.id.in_(select(PaymentAccount.merchant_id).where(PaymentAccount.bank_bin == principal.bank_bin))
    if not principal.units_2025:
        return false()
    return Merchant.unit_code.in_(sorted(principal.units_2025))
