"""Issuing a shop's QR through its bank adapter, registering the QR it already shows, and revoking.

Nothing is marked active until the rendered image has been scanned back (zxing-cpp) to exactly the payload
and the payload decodes to exactly the registered account: a sticker that pays someone else never leaves here.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

import qr
from app.audit import service as audit
from app.auth import Principal
from app.core.errors import AppError, BadGateway, Conflict, FieldError, ServiceUnavailable, ValidationFailed
from app.merchants.access import load_merchant
from app.merchants.changes import qr_changed
from app.merchants.models import Merchant, PaymentAccount
from app.merchants.placement import refuse_hard_duplicates
from app.merchants.qr_records import QR_AUDITED as AUDITED
from app.merchants.qr_records import revoke_qr as _revoke
from app.merchants.repository import MerchantRepository
from app.merchants.service import account_key
from app.qrcodes.models import QRCode
from app.qrcodes.repository import QRRepository
from app.qrcodes.schemas import QROut
from integrations import (
    AccountRef,
    AdapterRegistry,
    BankUnavailable,
    IntegrationError,
    InvalidQRRequest,
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


def payload_hash(payload: str) -> str:
    """Same hash for the same QR however it was scanned (surrounding spaces, lowercase CRC)."""
    p = payload.strip()
    return hashlib.sha256((p[:-4] + p[-4:].upper()).encode()).hexdigest()


def to_out(code: QRCode, notes: tuple[str, ...] = (), warnings: tuple[str, ...] = ()) -> QROut:
    base = f"/api/v1/qr/{code.id}"
    return QROut(
        id=code.id,
        merchant_id=code.merchant_id,
        scheme=code.scheme,
        source=code.source,
        payload=code.payload,
        sticker_code=code.sticker_code,
        status=code.status,
        account_name=code.account_name,
        issued_at=code.issued_at,
        revoked_at=code.revoked_at,
        revoke_reason=code.revoke_reason,
        image_url=f"{base}.png",
        svg_url=f"{base}.svg",
        sticker_url=f"{base}/sticker.pdf",
        notes=list(notes),
        warnings=list(warnings),
    )


def qr_format_problem(exc: qr.QRFormatError, field: str = "payload") -> ValidationFailed:
    return ValidationFailed(
        field,
        f"Mã QR không hợp lệ ở trường {exc.field}: {exc.reason}",
        f"Invalid QR at field {exc.field}: {exc.reason}",
        code=exc.code,
        extra={"tag": exc.field},
    )


async def _sticker_code(session: AsyncSession) -> str:
    repo = QRRepository(session)
    while True:
        raw = "".join(secrets.choice(STICKER_ALPHABET) for _ in range(6))
        code = f"VT-{raw[:4]}-{raw[4:]}"
        if not await repo.sticker_code_taken(code):
            return code


def _request_for(m: Merchant, account: PaymentAccount | None, scheme: str) -> QRRequest:
    if scheme == "vietqr":
        if account is None or not account.bank_bin or not account.account_number:
            raise ValidationFailed(
                "payment_account", "Cửa hàng chưa có tài khoản ngân hàng", "The shop has no bank account registered"
            )
        kind = "card" if account.kind == "card" else "account"
        ref = AccountRef(account.bank_bin, account.account_number, kind, account.account_name)
        return QRRequest("vietqr", m.name, account=ref)
    if account is None or not account.vnpay_merchant_id:
        raise ValidationFailed(
            "vnpay.merchant_id", "Cửa hàng chưa có mã đại lý VNPAY", "The shop has no VNPAY merchant id"
        )
    return QRRequest(
        "vnpay", m.name, merchant_city="VUNG TAU", vnpay=VnpayRef(account.vnpay_merchant_id, account.vnpay_terminal_id)
    )


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


async def _activate(
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
        await _revoke(session, principal, previous, "reissued")
    code.payload_hash = payload_hash(code.payload)
    code.sticker_code = await _sticker_code(session)
    session.add(code)
    await session.flush()
    await audit.record(session, principal, "qr.issue", "qr", code.id, after=audit.snapshot(code, AUDITED))
    # the shop's has_qr and ShopChanged (coverage, bank outbox) through merchants' one ending
    await qr_changed(session, m, "qr.issue" if code.source == "issued" else "qr.existing", has_qr=True)
    return to_out(code, notes)


async def issue(
    session: AsyncSession, principal: Principal, adapters: AdapterRegistry, merchant_id: str, scheme: str
) -> QROut:
    m = await load_merchant(session, principal, merchant_id, write=True, for_update=True)
    if m.status != "active":
        raise Conflict("Cửa hàng đã đóng", "The shop is closed", code="invalid_state")
    account = await MerchantRepository(session).account(m.id)
    request = _request_for(m, account, scheme)
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
    code = QRCode(
        id=str(uuid.uuid4()),
        merchant_id=m.id,
        scheme=scheme,
        source="issued",
        payload=issued.payload,
        payload_hash="",
        sticker_code="",
        status="active",
        active_for=m.id,
        bank_bin=request.account.bank_bin if request.account else None,
        account_number=request.account.account_number if request.account else None,
        account_name=issued.account_name or (account.account_name if account else None),
        vnpay_merchant_id=request.vnpay.merchant_id if request.vnpay else None,
        adapter=issued.adapter,
        issued_by=principal.id,
    )
    return await _activate(session, principal, m, code, issued.notes)


async def register_existing(session: AsyncSession, principal: Principal, merchant_id: str, payload: str) -> QROut:
    """The shop already shows a bank QR: decode it, check it against the shop, and make it the shop's QR."""
    m = await load_merchant(session, principal, merchant_id, write=True, for_update=True)
    if m.status != "active":
        raise Conflict("Cửa hàng đã đóng", "The shop is closed", code="invalid_state")
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
        else:
            account = account or PaymentAccount(merchant_id=m.id, kind="account")
            account.kind = "card" if parsed.service_code == "QRIBFTTC" else "account"
            account.bank_bin, account.account_number = parsed.bank_bin, parsed.account
    elif account is not None and account.vnpay_merchant_id and account.vnpay_merchant_id != parsed.merchant_id:
        raise Conflict(
            "Mã VNPAY-QR không khớp mã đại lý đã đăng ký",
            "The VNPAY merchant id does not match",
            code="qr_account_mismatch",
        )
    elif account is None or not account.vnpay_merchant_id:
        account = account or PaymentAccount(merchant_id=m.id, kind="vnpay")
        account.vnpay_merchant_id, account.vnpay_terminal_id = parsed.merchant_id, parsed.terminal_label
    account.active_key = account_key(account)
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
    out = await _activate(session, principal, m, code)
    return out.model_copy(update={"warnings": list(parsed.warnings)})


async def load_qr(session: AsyncSession, principal: Principal, qr_id: str, *, write: bool = False) -> QRCode:
    from app.core.errors import NotFound

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
    await _revoke(session, principal, code, reason.strip())
    await qr_changed(session, m, "qr.revoke", has_qr=False)
    return to_out(code)
