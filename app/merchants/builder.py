"""The one place a shop row and its payment account get their derived columns.

`search_text` (what `q` searches: folded name, owner, phone, house number), `name_search`, `phone_active`
(the phone held only while active) and `account_key` (the unique "bin:account" / "vnpay:mid:tid" an active
shop holds) are computed here for every writer: the merchant service, `phoqr demo-data` and the tests'
factories, so the three can never disagree.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import PydanticUndefined
from sqlmodel import SQLModel

from app.core.db import utcnow
from app.core.text import fold
from app.merchants.enums import AccountKind, MerchantStatus
from app.merchants.models import Merchant, PaymentAccount


def _defaults(model: type[SQLModel]) -> dict[str, Any]:
    """The plain default of every column that has one: what `Model(**fields)` would fill in."""
    return {n: f.default for n, f in model.model_fields.items() if f.default is not PydanticUndefined}


# bulk writers (sync) build whole rows as dicts: every column, as the model's constructor would set it
_MERCHANT_DEFAULTS = _defaults(Merchant)
_ACCOUNT_DEFAULTS = _defaults(PaymentAccount)


def search_text(name: str | None, owner_name: str | None, phone: str | None, house_number: str | None) -> str:
    return " ".join(fold(x) for x in (name, owner_name, phone, house_number) if x)


def derived(
    name: str, owner_name: str | None, phone: str | None, house_number: str | None, status: str
) -> dict[str, Any]:
    """A shop's derived columns from its own columns."""
    name_search = fold(name)  # folded once: `search_text` and `fold_compact` would fold the name again
    others = [fold(x) for x in (owner_name, phone, house_number) if x]
    return {
        "name_search": name_search,
        "name_compact": "".join(ch for ch in name_search if ch.isalnum()),  # fold_compact(name)
        "search_text": " ".join([name_search, *others] if name else others),  # search_text(name, ...)
        "phone_active": phone if status == MerchantStatus.ACTIVE else None,
    }


def derive(m: Merchant) -> Merchant:
    """Recompute a shop's derived columns after its own columns changed."""
    for column, value in derived(m.name, m.owner_name, m.phone, m.house_number, m.status).items():
        setattr(m, column, value)
    return m


def merchant_row(**fields: Any) -> dict[str, Any]:
    """A new shop from its own columns (id, name, category, unit_code, ...) as a dict of every column, defaults
    and derived columns filled in: the row `build_merchant` makes, for a bulk INSERT without ORM instances."""
    now = fields.pop("now", None) or utcnow()
    row = {**_MERCHANT_DEFAULTS, "created_at": now, "updated_at": now, **fields}
    row.update(derived(row["name"], row["owner_name"], row["phone"], row["house_number"], row["status"]))
    return row


def build_merchant(**fields: Any) -> Merchant:
    """A new shop row from its own columns (id, name, category, unit_code, ...); derived columns filled in."""
    return Merchant(**merchant_row(**fields))


def key_of_account(
    kind: str,
    bank_bin: str | None,
    account_number: str | None,
    vnpay_merchant_id: str | None,
    vnpay_terminal_id: str | None,
) -> str:
    if kind == AccountKind.VNPAY:
        return f"vnpay:{vnpay_merchant_id}:{vnpay_terminal_id or ''}"
    return f"{bank_bin}:{account_number}"


def account_key(account: PaymentAccount | None) -> str | None:
    if account is None:
        return None
    a = account
    return key_of_account(a.kind, a.bank_bin, a.account_number, a.vnpay_merchant_id, a.vnpay_terminal_id)


def activate(account: PaymentAccount, *, shop_active: bool) -> PaymentAccount:
    """An active shop holds its account key (unique), a closed one lets it go."""
    account.active_key = account_key(account) if shop_active else None
    return account


def build_account(merchant_id: str, *, shop_active: bool = True, **fields: Any) -> PaymentAccount:
    fields.setdefault("kind", AccountKind.ACCOUNT)
    fields.setdefault("updated_at", utcnow())
    return activate(PaymentAccount(merchant_id=merchant_id, **fields), shop_active=shop_active)


def account_row(merchant_id: str, *, shop_active: bool = True, **fields: Any) -> dict[str, Any]:
    """`build_account` as a dict of every column, for a bulk INSERT."""
    row = {**_ACCOUNT_DEFAULTS, "kind": AccountKind.ACCOUNT, "updated_at": utcnow(), **fields}
    row["merchant_id"] = merchant_id
    keyed = (row["kind"], row["bank_bin"], row["account_number"], row["vnpay_merchant_id"], row["vnpay_terminal_id"])
    row["active_key"] = key_of_account(*keyed) if shop_active else None
    return row
