"""Review (maker-checker) and closing a shop."""

from __future__ import annotations

from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.auth import Principal
from app.core.db import utcnow
from app.core.errors import Forbidden, ValidationFailed
from app.coverage.counters import key_of
from app.merchants.access import load_merchant
from app.merchants.models import PaymentAccount
from app.merchants.schemas import CloseIn, MerchantOut, ReviewIn
from app.merchants.service import AUDITED, finish_change, render
from app.qrcodes.models import QRCode


async def review(session: AsyncSession, principal: Principal, merchant_id: str, body: ReviewIn) -> MerchantOut:
    m = await load_merchant(session, principal, merchant_id, write=True, for_update=True)
    if m.created_by == principal.id:
        raise Forbidden(
            "Không được tự duyệt hồ sơ mình đăng ký", "You cannot review a shop you registered", code="self_review"
        )
    reason = (body.reason or "").strip() or None
    if body.decision == "reject" and not reason:
        raise ValidationFailed("reason", "Từ chối cần có lý do", "A rejection needs a reason")
    before = audit.snapshot(m, AUDITED)
    m.review_state = "approved" if body.decision == "approve" else "rejected"
    m.review_reason, m.reviewed_by, m.reviewed_at = reason, principal.id, utcnow()
    m.version += 1
    m.updated_at = utcnow()
    await session.flush()
    await audit.record(
        session, principal, f"review.{body.decision}", "review", m.id, before=before, after=audit.snapshot(m, AUDITED)
    )
    return await render(session, m)


async def close(
    session: AsyncSession, principal: Principal, merchant_id: str, body: CloseIn, device_id: str | None = None
) -> MerchantOut:
    """The shop is gone: out of every denominator, its phone and account free again, its QR revoked."""
    m = await load_merchant(session, principal, merchant_id, write=True, for_update=True)
    if m.status == "closed":
        return await render(session, m)
    before, key_before, now = audit.snapshot(m, AUDITED), key_of(m), utcnow()
    m.status, m.close_reason, m.closed_at = "closed", body.reason.strip(), now
    m.phone_active, m.has_qr = None, False
    m.version += 1
    m.updated_at = now
    await session.execute(sql_update(PaymentAccount).where(PaymentAccount.merchant_id == m.id).values(active_key=None))
    await session.execute(
        sql_update(QRCode)
        .where(QRCode.active_for == m.id)
        .values(
            status="revoked", active_for=None, revoked_at=now, revoked_by=principal.id, revoke_reason="merchant closed"
        )
    )
    await session.flush()
    return await finish_change(session, principal, m, "merchant.close", before, key_before, device_id)
