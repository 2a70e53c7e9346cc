"""Issuing a shop's QR through its bank adapter, and making a QR record the shop's one active QR.

An HTTP bank can take seconds to answer, so the bank is never called inside a database transaction when the
caller allows it (`issue_between_transactions`, used by `POST /merchants/{id}/qr`): what the request needs is
read and the transaction ended (on SQLite an open transaction holds the write lock for every writer), the
bank is called, and a second short transaction locks the shop, checks that neither its payment account nor
its active QR changed meanwhile, and writes the QR. Two issues racing for one shop leave one active QR: the
loser receives the winner's QR when the bank gave both the same payload, else a clean 409 to retry.
Nothing is marked active until the rendered image scans back (zxing-cpp) to exactly the payload and the
payload decodes to exactly the registered account: a sticker that pays someone else never leaves here.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

import qr
from app.audit import service as audit
from app.auth import Principal
from app.core.errors import AppError, BadGateway, Conflict, ServiceUnavailable, ValidationFailed
from app.merchants.access import load_merchant
from app.merchants.changes import qr_changed
from app.merchants.models import Merchant, PaymentAccount
from app.merchants.qr_records import QR_AUDITED, revoke_qr
from app.merchants.repository import MerchantRepository
from app.qrcodes.models import QRCode
from app.qrcodes.presentation import payload_hash, to_out
from app.qrcodes.repository import QRRepository
from app.qrcodes.schemas import QROut
from integrations import (
    AccountRef,
    AdapterRegistry,
    BankUnavailable,
    IntegrationError,
    InvalidQRRequest,
    IssuedQR,
    QRRequest,
    VnpayRef,
)

STICKER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over a phone line
API_FIELDS = {
    "38.01.00": "payment_account.bank_bin",
    "38.01.01": "payment_account.account_number",
    "38.02": "payment_account.kind",
    "26.01": "vnpay.merchant_id",
    "59": "name",
    "62.07": "vnpay.terminal_id",
}


class RenderFailed(AppError):
    status, code = 500, "qr_render_failed"


@dataclass(frozen=True, slots=True)
class IssuePlan:
    """What the bank is asked, and the state of the shop it was asked for (checked again before writing)."""

    merchant_id: str
    scheme: str
    request: QRRequest
    account_name: str | None
    active_qr_id: str | None


def refuse_closed(m: Merchant) -> None:
    if m.status != "active":
        raise Conflict("Cửa hàng đã đóng", "The shop is closed", code="invalid_state")


def _request_for(m: Merchant, account: PaymentAccount | None, scheme: str) -> QRRequest:
    if scheme == "vietqr":
        if account is None or not account.bank_bin or not account.account_number:
            raise ValidationFailed(
                "payment_account", "Cửa hàng chưa có tài khoản ngân hàng", "The shop has no bank account registered"
            )
        kind: Literal["account", "card"] = "card" if account.kind == "card" else "account"
        ref = AccountRef(account.bank_bin, account.account_number, kind, account.account_name)
        return QRRequest("vietqr", m.name, account=ref)
    if account is None or not account.vnpay_merchant_id:
        raise ValidationFailed(
            "vnpay.merchant_id", "Cửa hàng chưa có mã đại lý VNPAY", "The shop has no VNPAY merchant id"
        )
    return QRRequest(
        "vnpay", m.name, merchant_city="VUNG TAU", vnpay=VnpayRef(account.vnpay_merchant_id, account.vnpay_terminal_id)
    )


async def plan_issue(session: AsyncSession, principal: Principal, merchant_id: str, scheme: str) -> IssuePlan:
    """Read what the bank needs; writes nothing and locks nothing of its own."""
    m = await load_merchant(session, principal, merchant_id, write=True)
    refuse_closed(m)
    account = await MerchantRepository(session).account(m.id)
    request = _request_for(m, account, scheme)
    active = await QRRepository(session).active_for(m.id)
    return IssuePlan(m.id, scheme, request, account.account_name if account else None, active.id if active else None)


async def ask_bank(adapters: AdapterRegistry, request: QRRequest) -> IssuedQR:
    """The adapter's QR, its errors as problems, and proof that it pays the registered account."""
    try:
        issued = await adapters.for_request(request).issue_qr(request)
    except InvalidQRRequest as exc:
        field = API_FIELDS.get(exc.field or "", exc.field or "payment_account")
        raise ValidationFailed(
            field,
            f"Không tạo được mã QR: {exc.message}",
            f"Cannot build the QR: {exc.message}",
            extra={"tag": exc.field},
        ) from exc
    except BankUnavailable as exc:
        raise ServiceUnavailable(
            "Ngân hàng tạm thời không phản hồi, thử lại sau",
            "The bank is temporarily unavailable; retry later",
            headers={"Retry-After": "30"},
        ) from exc
    except IntegrationError as exc:
        raise BadGateway(
            f"Ngân hàng từ chối: {exc.message}", f"The bank refused: {exc.message}", extra={"bank_code": exc.bank_code}
        ) from exc
    _check_pays_registered(issued.payload, request)
    return issued


def _check_pays_registered(payload: str, request: QRRequest) -> qr.PaymentQR:
    parsed = qr.parse(payload)
    if request.scheme == "vietqr" and request.account is not None:
        ok = (parsed.scheme, parsed.bank_bin, parsed.account) == (
            "vietqr",
            request.account.bank_bin,
            request.account.account_number,
        )
    else:
        ok = parsed.scheme == "vnpay" and request.vnpay is not None and parsed.merchant_id == request.vnpay.merchant_id
    if not ok:
        raise BadGateway(
            "Mã QR nhận được không trả tiền vào tài khoản đã đăng ký",
            "The QR received does not pay the registered account",
            code="qr_account_mismatch",
        )
    return parsed


async def record_issued(
    session: AsyncSession, principal: Principal, plan: IssuePlan, issued: IssuedQR
) -> tuple[QROut, bool]:
    """Lock the shop, check nothing changed since `plan`, write the QR: (the shop's QR, whether it is new)."""
    m = await load_merchant(session, principal, plan.merchant_id, write=True, for_update=True)
    refuse_closed(m)
    current = await QRRepository(session).active_for(m.id)
    if current is not None and current.id != plan.active_qr_id:
        # another issue or registration finished while the bank was asked
        if current.source == "issued" and current.scheme == plan.scheme and current.payload == issued.payload:
            return to_out(current), False
        raise Conflict(
            "Mã QR của cửa hàng vừa được thay đổi bởi yêu cầu khác; hãy tải lại",
            "The shop's QR was changed by another request meanwhile; reload it",
            code="qr_changed_concurrently",
        )
    account = await MerchantRepository(session).account(m.id)
    if _request_for(m, account, plan.scheme) != plan.request:
        raise Conflict(
            "Tài khoản thanh toán của cửa hàng vừa thay đổi; hãy thử lại",
            "The shop's payment account changed meanwhile; retry",
            code="qr_changed_concurrently",
        )
    request = plan.request
    code = QRCode(
        id=str(uuid.uuid4()),
        merchant_id=m.id,
        scheme=plan.scheme,
        source="issued",
        payload=issued.payload,
        payload_hash="",
        sticker_code="",
        status="active",
        active_for=m.id,
        bank_bin=request.account.bank_bin if request.account else None,
        account_number=request.account.account_number if request.account else None,
        account_name=issued.account_name or plan.account_name,
        vnpay_merchant_id=request.vnpay.merchant_id if request.vnpay else None,
        adapter=issued.adapter,
        issued_by=principal.id,
    )
    return await activate(session, principal, m, code, issued.notes), True


async def issue(
    session: AsyncSession, principal: Principal, adapters: AdapterRegistry, merchant_id: str, scheme: str
) -> QROut:
    """Issue inside the caller's transaction (a `/sync` batch): the bank is asked while it stays open."""
    plan = await plan_issue(session, principal, merchant_id, scheme)
    issued = await ask_bank(adapters, plan.request)
    out, _ = await record_issued(session, principal, plan, issued)
    return out


async def issue_between_transactions(
    session: AsyncSession, principal: Principal, adapters: AdapterRegistry, merchant_id: str, scheme: str
) -> tuple[QROut, bool]:
    """Issue with no transaction open while the bank is asked. The request must not have written anything
    before (its reads are committed, which on SQLite frees the write lock); returns (QR, newly issued)."""
    plan = await plan_issue(session, principal, merchant_id, scheme)
    await end_read_phase(session)
    issued = await ask_bank(adapters, plan.request)
    return await record_issued(session, principal, plan, issued)


async def end_read_phase(session: AsyncSession) -> None:
    """End the request's transaction before a slow outside call; later statements start a fresh one that the
    session dependency commits as usual. Loaded rows are expired so they are read again, locked, afterwards."""
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("unflushed changes before a bank call: they would be committed half-way")
    await session.commit()
    session.expire_all()


async def _sticker_code(session: AsyncSession) -> str:
    repo = QRRepository(session)
    while True:
        raw = "".join(secrets.choice(STICKER_ALPHABET) for _ in range(6))
        code = f"VT-{raw[:4]}-{raw[4:]}"
        if not await repo.sticker_code_taken(code):
            return code


async def activate(
    session: AsyncSession, principal: Principal, m: Merchant, code: QRCode, notes: tuple[str, ...] = ()
) -> QROut:
    """Revoke the previous QR (history kept) and make `code` the shop's one active QR."""
    png = qr.render_png(code.payload)
    try:
        qr.verify_rendered(code.payload, png)
    except qr.RenderVerificationError as exc:
        raise RenderFailed("Ảnh QR không quét lại đúng nội dung", "The rendered QR did not scan back") from exc
    previous = await QRRepository(session).active_for(m.id)
    if previous is not None:
        await revoke_qr(session, principal, previous, "reissued")
    code.payload_hash = payload_hash(code.payload)
    code.sticker_code = await _sticker_code(session)
    session.add(code)
    await session.flush()
    await audit.record(session, principal, "qr.issue", "qr", code.id, after=audit.snapshot(code, QR_AUDITED))
    # the shop's has_qr and ShopChanged (coverage, bank outbox) through merchants' one ending
    await qr_changed(session, m, "qr.issue" if code.source == "issued" else "qr.existing", has_qr=True)
    return to_out(code, notes)
