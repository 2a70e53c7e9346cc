"""The one place a shop row and its payment account get their derived columns.

`search_text` (what `q` searches: folded name, owner, phone, house number), `name_search`, `phone_active`
(the phone held only while active) and `account_key` (the unique "bin:account" / "vnpay:mid:tid" an active
shop holds) are computed here for every writer: the merchant service, `phoqr demo-data` and the tests'
factories, so the three can never disagree.
"""

from __future__ import annotations

from typing import Any

from app.core.db import utcnow
from app.core.text import fold, fold_compact
from app.merchants.enums import AccountKind, MerchantStatus
from app.merchants.models import Merchant, PaymentAccount


def search_text(name: str | None, owner_name: str | None, phone: str | None, house_number: str | None) -> str:
    return " ".join(fold(x) for x in (name, owner_name, phone, house_number) if x)


def derive(m: Merchant) -> Merchant:
    """Recompute a shop's derived columns after its own columns changed."""
    m.name_search = fold(m.name)
    m.name_compact = fold_compact(m.name)
    m.search_text = search_text(m.name, m.owner_name, m.phone, m.house_number)
    m.phone_active = m.phone if m.status == MerchantStatus.ACTIVE else None
    return m


def build_merchant(**fields: Any) -> Merchant:
    """A new shop row from its own columns (id, name, category, unit_code, ...); derived columns filled in."""
    now = fields.pop("now", None) or utcnow()
    fields.setdefault("created_at", now)
    fields.setdefault("updated_at", now)
    return derive(Merchant(**fields))


def account_key(account: PaymentAccount | None) -> str | None:
    if account is None:
        return None
    if account.kind == AccountKind.VNPAY:
        return f"vnpay:{account.vnpay_merchant_id}:{account.vnpay_terminal_id or ''}"
    return f"{account.bank_bin}:{account.account_number}"


def activate(account: PaymentAccount, *, shop_active: bool) -> PaymentAccount:
    """An active shop holds its account key (unique), a closed one lets it go."""
    account.active_key = account_key(account) if shop_active else None
    return account


def build_account(merchant_id: str, *, shop_active: bool = True, **fields: Any) -> PaymentAccount:
    fields.setdefault("kind", AccountKind.ACCOUNT)
    fields.setdefault("updated_at", utcnow())
    return activate(PaymentAccount(merchant_id=merchant_id, **fields), shop_active=shop_active)
