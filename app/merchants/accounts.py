"""A shop's payment account: the one upsert shared by registering, patching and `POST .../qr/existing`.

`upsert_account` applies what the caller learned (a bank account/card, and/or VNPAY ids) to the shop's current
account, checks the BIN is an active bank, and sets the unique `active_key` while the shop is active. It does not
add the row to the session: the caller does, after its duplicate checks (one flush then writes shop and account
in foreign-key order).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import utcnow
from app.core.errors import ValidationFailed
from app.merchants.builder import activate
from app.merchants.enums import AccountKind
from app.merchants.models import PaymentAccount
from app.merchants.repository import MerchantRepository


@dataclass(frozen=True, slots=True)
class BankAccount:
    bank_bin: str
    account_number: str
    kind: str = AccountKind.ACCOUNT  # account or card
    account_name: str | None = None
    keep_name: bool = False  # True: leave the stored holder name as it is (a scanned QR carries none)


@dataclass(frozen=True, slots=True)
class VnpayIds:
    merchant_id: str
    terminal_id: str | None = None


def unknown_bank(field: str, bank_bin: str) -> ValidationFailed:
    return ValidationFailed(field, f"Không có ngân hàng mã {bank_bin}", f"No active bank with BIN {bank_bin}")


async def upsert_account(
    session: AsyncSession,
    merchant_id: str,
    current: PaymentAccount | None,
    *,
    bank: BankAccount | None = None,
    vnpay: VnpayIds | None = None,
    shop_active: bool = True,
    field: str = "payment_account.bank_bin",
) -> PaymentAccount | None:
    """`current` with `bank` and/or `vnpay` applied (a new row when there was none); `current` as it is when
    both are None. A BIN that is not an active bank is a 422 on `field`."""
    if bank is None and vnpay is None:
        return current
    account = current or PaymentAccount(merchant_id=merchant_id, kind=AccountKind.ACCOUNT)
    if bank is not None:
        if bank.bank_bin not in await MerchantRepository(session).active_bins():
            raise unknown_bank(field, bank.bank_bin)
        account.kind, account.bank_bin, account.account_number = bank.kind, bank.bank_bin, bank.account_number
        if not bank.keep_name:
            account.account_name = bank.account_name
    if vnpay is not None:
        account.vnpay_merchant_id, account.vnpay_terminal_id = vnpay.merchant_id, vnpay.terminal_id
        if bank is None and not account.bank_bin:
            account.kind = AccountKind.VNPAY
    account.updated_at = utcnow()
    return activate(account, shop_active=shop_active)
