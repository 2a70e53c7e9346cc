"""The one revoke path for a shop's QR record (used by app.qrcodes and by closing a shop).

It lives below app.qrcodes so that merchants can revoke a closing shop's QR without importing the domain
that issues QRs; it writes the `qr.revoke` audit row every time.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.auth import Principal
from app.core.db import utcnow
from app.merchants.enums import QRStatus
from app.merchants.models import QRCode

QR_AUDITED = ("id", "merchant_id", "scheme", "source", "payload", "sticker_code", "status", "revoke_reason")


def qr_snapshot(code: QRCode) -> dict[str, Any]:
    return audit.snapshot(code, QR_AUDITED)


async def revoke_qr(session: AsyncSession, principal: Principal, code: QRCode, reason: str) -> None:
    """Revoke `code` (history kept), with a `qr.revoke` audit row. The shop's `has_qr` is the caller's:
    app.qrcodes calls `app.merchants.changes.qr_changed(..., has_qr=False)`, closing a shop sets it itself."""
    before = qr_snapshot(code)
    code.status, code.active_for = QRStatus.REVOKED, None
    code.revoked_at, code.revoked_by, code.revoke_reason = utcnow(), principal.id, reason
    await session.flush()
    await audit.record(session, principal, "qr.revoke", "qr", code.id, before=before, after=qr_snapshot(code))
