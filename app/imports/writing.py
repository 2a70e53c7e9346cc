"""The one place an import writes shops: the project's single write path, called for a batch of registrations.

Every row goes through the same checks and the same ending as a phone's registration (duplicates, placement,
consent, audit row, `ShopChanged` for coverage and the bank outbox). The audit rows name the channel and the
import (`device_id = "import:<id>"`), and the uploader is the shop's registrant, so maker-checker holds: the
uploader cannot approve the shops they imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal
from app.core.errors import AppError, FieldError
from app.merchants import service as merchants
from app.merchants.schemas import MerchantCreate

CHANNEL = "import"


@dataclass(slots=True)
class Outcome:
    """What became of one registration: `created`, `unchanged` (the same shop was already imported) or
    `invalid` with the write path's code and field errors."""

    status: str
    merchant_id: str
    code: str | None = None
    errors: list[FieldError] = field(default_factory=list)
    detail_vi: str | None = None
    detail_en: str | None = None


def audit_device(import_id: str) -> str:
    return f"{CHANNEL}:{import_id}"


async def write(
    session: AsyncSession, principal: Principal, bodies: list[MerchantCreate], *, import_id: str
) -> list[Outcome]:
    """One outcome per registration, in order; each registration stands alone (its own savepoint)."""
    out: list[Outcome] = []
    device = audit_device(import_id)
    for body in bodies:
        try:
            async with session.begin_nested():
                status, shop = await merchants.create(session, principal, body, device_id=device)
            out.append(Outcome("created" if status == 201 else "unchanged", shop.id))
        except AppError as exc:
            out.append(Outcome("invalid", str(body.id), exc.code, exc.errors, exc.detail_vi, exc.detail_en))
    return out
