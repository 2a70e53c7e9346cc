"""Registering the QR a shop already shows, loading a QR for its viewer, and revoking.

Issuing through a bank adapter is `app.qrcodes.issuing`; how a QR is shown (API shape, sticker) is
`app.qrcodes.presentation`. Both are re-exported here for callers that know this module (`/sync`, demo data).
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

import qr
from app.auth import Principal
from app.core.errors import AppError, Conflict, FieldError, NotFound, ValidationFailed
from app.merchants.access import load_merchant
from app.merchants.accounts import BankAccount, VnpayIds, upsert_account
from app.merchants.changes import qr_changed
from app.merchants.enums import AccountKind
from app.merchants.placement import refuse_hard_duplicates
from app.merchants.qr_records import revoke_qr
from app.merchants.repository import MerchantRepository
from app.qrcodes.issuing import STICKER_ALPHABET, activate, issue, refuse_closed
from app.qrcodes.models import QRCode
from app.qrcodes.presentation import payload_hash, qr_format_problem, to_out
from app.qrcodes.repository import QRRepository
from app.qrcodes.schemas import QROut

__all__ = [
    "STICKER_ALPHABET",
    "QRCode",
    "issue",
    "load_qr",
    "payload_hash",
    "qr_format_problem",
    "register_existing",
    "revoke",
    "to_out",
]


async def register_existing(session: AsyncSession, principal: Principal, merchant_id: str, payload: str) -> QROut:
    """The shop already shows a bank QR: decode it, check it against the shop, and make it the shop's QR."""
    m = await load_merchant(session, principal, merchant_id, write=True, for_update=True)
    refuse_closed(m)
    try:
        parsed = qr.parse(payload)
    except qr.QRFormatError as exc:
        raise qr_format_problem(exc) from exc
    if parsed.scheme not in ("vietqr", "vnpay"):
        raise ValidationFailed(
            "payload", "Không phải mã VietQR hay VNPAY-QR", "Not a VietQR or VNPAY-QR code", code="qr_unsupported"
        )
    if parsed.amount is not None:
        # a sticker with an amount would charge every customer the same sum
        raise ValidationFailed(
            "payload",
            "Mã QR dán tại quầy không được có sẵn số tiền",
            "A shop's sticker QR must not carry a fixed amount",
            code="qr_dynamic_amount",
        )
    repo = MerchantRepository(session)
    account = await repo.account(m.id)
    if parsed.scheme == "vietqr":
        if account is not None and account.bank_bin and account.account_number:
            if (account.bank_bin, account.account_number) != (parsed.bank_bin, parsed.account):
                raise Conflict(
                    "Mã QR không trả vào tài khoản đã đăng ký của cửa hàng",
                    "The QR pays another account than the one registered for the shop",
                    code="qr_account_mismatch",
                    errors=[FieldError("payload", "Sai tài khoản", "Wrong account")],
                )
        elif parsed.bank_bin and parsed.account:  # the shop's account is taken from the QR (no holder name in it)
            kind = AccountKind.CARD if parsed.service_code == "QRIBFTTC" else AccountKind.ACCOUNT
            bank = BankAccount(parsed.bank_bin, parsed.account, kind, keep_name=True)
            account = await upsert_account(session, m.id, account, bank=bank, field="payload")
    elif account is not None and account.vnpay_merchant_id and account.vnpay_merchant_id != parsed.merchant_id:
        raise Conflict(
            "Mã VNPAY-QR không khớp mã đại lý đã đăng ký",
            "The VNPAY merchant id does not match",
            code="qr_account_mismatch",
        )
    elif (account is None or not account.vnpay_merchant_id) and parsed.merchant_id:
        vnpay = VnpayIds(parsed.merchant_id, parsed.terminal_label)
        account = await upsert_account(session, m.id, account, vnpay=vnpay, field="payload")
    if account is None:  # parse() guarantees the ids of its scheme, so an account was found or made above
        raise ValidationFailed("payload", "Mã QR thiếu tài khoản", "The QR names no account", code="qr_missing_field")
    await refuse_hard_duplicates(session, principal, m.id, None, account.active_key)
    for other in await QRRepository(session).by_payload_hash(payload_hash(payload)):
        if other.status == "active" and other.merchant_id != m.id:
            raise Conflict(
                "Mã QR này đã thuộc cửa hàng khác", "This QR is registered to another shop", code="duplicate_account"
            )
    session.add(account)
    code = QRCode(
        id=str(uuid.uuid4()),
        merchant_id=m.id,
        scheme=parsed.scheme,
        source="existing",
        payload=payload.strip(),
        payload_hash="",
        sticker_code="",
        status="active",
        active_for=m.id,
        bank_bin=parsed.bank_bin,
        account_number=parsed.account,
        account_name=account.account_name,
        vnpay_merchant_id=parsed.merchant_id,
        adapter=None,
        issued_by=principal.id,
    )
    out = await activate(session, principal, m, code)
    return out.model_copy(update={"warnings": list(parsed.warnings)})


async def load_qr(session: AsyncSession, principal: Principal, qr_id: str, *, write: bool = False) -> QRCode:
    code = await QRRepository(session).get(qr_id)
    if code is None:
        raise NotFound("Không tìm thấy mã QR", "QR code not found", code="qr_not_found")
    try:
        await load_merchant(session, principal, code.merchant_id, write=write)
    except AppError as exc:
        if exc.status == 404:
            raise NotFound("Không tìm thấy mã QR", "QR code not found", code="qr_not_found") from exc
        raise
    return code


async def revoke(session: AsyncSession, principal: Principal, qr_id: str, reason: str) -> QROut:
    code = await load_qr(session, principal, qr_id, write=True)
    if code.status == "revoked":
        return to_out(code)
    m = await load_merchant(session, principal, code.merchant_id, write=True, for_update=True)
    await revoke_qr(session, principal, code, reason.strip())
    await qr_changed(session, m, "qr.revoke", has_qr=False)
    return to_out(code)
