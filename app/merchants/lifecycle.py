"""Review (maker-checker) and closing a shop."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal
from app.core.db import utcnow
from app.core.errors import Forbidden, ValidationFailed
from app.merchants.access import load_merchant
from app.merchants.changes import finish_change, snapshot
from app.merchants.enums import MerchantStatus, ReviewDecision, ReviewState
from app.merchants.presentation import render
from app.merchants.qr_records import revoke_qr
from app.merchants.repository import MerchantRepository
from app.merchants.schemas import CloseIn, MerchantOut, ReviewIn


async def review(session: AsyncSession, principal: Principal, merchant_id: str, body: ReviewIn) -> MerchantOut:
    m = await load_merchant(session, principal, merchant_id, write=True, for_update=True)
    if m.created_by == principal.id:
        raise Forbidden(
            "Không được tự duyệt hồ sơ mình đăng ký", "You cannot review a shop you registered", code="self_review"
        )
    reason = (body.reason or "").strip() or None
    if body.decision == ReviewDecision.REJECT and not reason:
        raise ValidationFailed("reason", "Từ chối cần có lý do", "A rejection needs a reason")
    before = snapshot(m)
    m.review_state = ReviewState.APPROVED if body.decision == ReviewDecision.APPROVE else ReviewState.REJECTED
    m.review_reason, m.reviewed_by, m.reviewed_at = reason, principal.id, utcnow()
    m.version += 1
    m.updated_at = utcnow()
    await session.flush()
    await finish_change(session, principal, m, f"review.{body.decision}", before, entity_type="review")
    return await render(session, m)


async def close(
    session: AsyncSession, principal: Principal, merchant_id: str, body: CloseIn, device_id: str | None = None
) -> MerchantOut:
    """The shop is gone: out of every denominator, its phone and account free again, its QR revoked."""
    m = await load_merchant(session, principal, merchant_id, write=True, for_update=True)
    if m.status == MerchantStatus.CLOSED:
        return await render(session, m)
    repo = MerchantRepository(session)
    before, now = snapshot(m), utcnow()
    m.status, m.close_reason, m.closed_at = MerchantStatus.CLOSED, body.reason.strip(), now
    m.phone_active, m.has_qr = None, False
    m.version += 1
    m.updated_at = now
    account = await repo.account(m.id)
    if account is not None:
        account.active_key = None
    code = await repo.active_qr(m.id)
    if code is not None:  # through the one revoke path, so the QR's own audit trail says why it ended
        await revoke_qr(session, principal, code, "merchant closed")
    await session.flush()
    await finish_change(session, principal, m, "merchant.close", before, device_id=device_id)
    return await render(session, m)
