"""Which bank a bank-facing request speaks for.

A bank partner: its own BIN, always (naming another with `?bin=` is 403). city_admin and auditor: the bank they
name with `?bin=` (required). Everyone else: 403. Writing (receipts) is for the bank partner alone.
"""

from __future__ import annotations

import re

from app.auth import Principal, Role
from app.core.errors import Forbidden, ValidationFailed

_BIN = re.compile(r"^\d{6}$")


def acting_bin(principal: Principal, bin_: str | None) -> str:
    if principal.role == Role.BANK_PARTNER:
        if not principal.bank_bin:
            raise Forbidden("Tài khoản ngân hàng chưa gắn mã BIN", "This bank account has no BIN", code="forbidden")
        if bin_ is not None and bin_ != principal.bank_bin:
            raise Forbidden("Chỉ được xem dữ liệu của ngân hàng mình", "Only your own bank's data", code="forbidden")
        return principal.bank_bin
    if principal.role in (Role.CITY_ADMIN, Role.AUDITOR):
        if bin_ is None:
            raise ValidationFailed("bin", "Cần chọn ngân hàng (?bin=)", "Name the bank with ?bin=")
        if not _BIN.match(bin_):
            raise ValidationFailed("bin", "Mã BIN gồm 6 chữ số", "A BIN is 6 digits")
        return bin_
    raise Forbidden("Vai trò của bạn không được làm thao tác này", "Your role may not do this", code="forbidden")
