"""Giving and withdrawing the owner's consent to hand the shop to its bank (Law 91/2025/QH15).

Silence is not consent: a shop reaches a bank only through a row here that is in force. Every change is
audited and announced as `ShopChanged` (`consent.give` / `consent.withdraw`) so the bank outbox hears it in the
same transaction. The caller has loaded the shop with the writer's scope already (this domain sits below
merchants and never loads a shop itself); `merchant` is that row, `account_bin` the BIN of its bank account.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.auth import Principal
from app.consents.models import Consent, ConsentText
from app.consents.repository import ConsentRepository
from app.consents.schemas import ConsentIn, ConsentOut
from app.core.db import utcnow
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.events import ShopChanged, publish

_CLOCK_SKEW = timedelta(minutes=10)


def to_out(c: Consent) -> ConsentOut:
    return ConsentOut(
        id=c.id,
        merchant_id=c.merchant_id,
        bank_bin=c.bank_bin,
        purpose=c.purpose,
        text_version=c.text_version,
        text_sha256=c.text_sha256,
        channel=c.channel,
        given_by_name=c.given_by_name,
        given_at=c.given_at,
        recorded_by=c.recorded_by,
        recorded_at=c.recorded_at,
        evidence_photo_id=c.evidence_photo_id,
        withdrawn_at=c.withdrawn_at,
        withdrawal_reason=c.withdrawal_reason,
        withdrawn_by=c.withdrawn_by,
        active=c.active_key is not None,
    )


def active_key(merchant_id: str, bank_bin: str, purpose: str) -> str:
    return f"{merchant_id}:{bank_bin}:{purpose}"


async def texts(session: AsyncSession) -> list[ConsentText]:
    return await ConsentRepository(session).texts()


async def _text(session: AsyncSession, body: ConsentIn, prefix: str) -> ConsentText:
    if body.text_sha256 is not None:
        found = await ConsentRepository(session).text_by_hash(body.text_sha256)
        if found is None:
            raise ValidationFailed(
                f"{prefix}text_sha256", "Không có văn bản đồng ý với mã băm này", "No consent text has this hash"
            )
        if body.text_version is not None and body.text_version != found.version:
            raise ValidationFailed(
                f"{prefix}text_version",
                f"Mã băm thuộc phiên bản {found.version}",
                f"The hash belongs to version {found.version}",
            )
    elif body.text_version is not None:
        found = await ConsentRepository(session).text_by_version(body.text_version)
        if found is None:
            raise ValidationFailed(
                f"{prefix}text_version", "Không có phiên bản văn bản này", "No consent text has this version"
            )
    else:  # which words did the owner agree to?
        raise ValidationFailed(
            f"{prefix}text_sha256", "Cần text_sha256 hoặc text_version", "Name the text by text_sha256 or text_version"
        )
    if found.purpose != body.purpose:
        raise ValidationFailed(f"{prefix}purpose", "Văn bản không dành cho mục đích này", "Text is for another purpose")
    return found


async def _check_bank(session: AsyncSession, bank_bin: str, field: str) -> None:
    if not await ConsentRepository(session).bank_is_active(bank_bin):
        raise ValidationFailed(field, f"Không có ngân hàng mã {bank_bin}", f"No active bank with BIN {bank_bin}")


async def _check_photo(session: AsyncSession, merchant_id: str, photo_id: str, field: str) -> None:
    if not await ConsentRepository(session).photo_of(merchant_id, photo_id):
        raise ValidationFailed(field, "Ảnh không thuộc cửa hàng này", "No photo of this shop has this id")


def _same(existing: Consent, body: ConsentIn, text: ConsentText) -> bool:
    return (
        existing.text_version == text.version
        and existing.channel == body.channel
        and existing.given_by_name == body.given_by_name
        and existing.evidence_photo_id == body.evidence_photo_id
        and (body.given_at is None or existing.given_at == body.given_at)
    )


async def active_consent(session: AsyncSession, merchant_id: str, bank_bin: str, purpose: str) -> Consent | None:
    return await ConsentRepository(session).active(active_key(merchant_id, bank_bin, purpose))


async def give(
    session: AsyncSession,
    principal: Principal,
    merchant: Any,
    account_bin: str | None,
    body: ConsentIn,
    *,
    field_prefix: str = "",
    device_id: str | None = None,
) -> tuple[int, ConsentOut]:
    """201 and the new consent; 200 and the consent in force when the same consent is sent again. A different
    consent for the same bank (e.g. a newer text) supersedes the one in force."""
    if merchant.status != "active":
        raise Conflict("Cửa hàng đã đóng", "The shop is closed", code="merchant_closed")
    bank_bin = body.bank_bin or account_bin
    if bank_bin is None:
        raise ValidationFailed(
            f"{field_prefix}bank_bin", "Cửa hàng chưa có tài khoản ngân hàng: cần bank_bin", "Name the bank_bin"
        )
    await _check_bank(session, bank_bin, f"{field_prefix}bank_bin")
    text = await _text(session, body, field_prefix)
    if body.evidence_photo_id is not None:
        await _check_photo(session, merchant.id, body.evidence_photo_id, f"{field_prefix}evidence_photo_id")
    now = utcnow()
    if body.given_at is not None and body.given_at > now + _CLOCK_SKEW:
        raise ValidationFailed(f"{field_prefix}given_at", "Thời điểm ở tương lai", "given_at is in the future")
    current = await active_consent(session, merchant.id, bank_bin, body.purpose)
    if current is not None and _same(current, body, text):
        return 200, to_out(current)
    if current is not None:
        before = audit.snapshot(current)
        current.withdrawn_at, current.withdrawn_by, current.active_key = now, principal.id, None
        current.withdrawal_reason = "superseded"
        await session.flush()  # free the active key before the new consent takes it
        await audit.record(
            session, principal, "consent.withdraw", "consent", current.id, before=before, after=audit.snapshot(current)
        )
    consent = Consent(
        id=str(uuid.uuid4()),
        merchant_id=merchant.id,
        bank_bin=bank_bin,
        purpose=body.purpose,
        text_version=text.version,
        text_sha256=text.sha256,
        channel=body.channel,
        given_by_name=body.given_by_name,
        given_at=body.given_at or now,
        recorded_by=principal.id,
        recorded_at=now,
        device_id=device_id or principal.device_id,
        evidence_photo_id=body.evidence_photo_id,
        active_key=active_key(merchant.id, bank_bin, body.purpose),
    )
    session.add(consent)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent request recorded a consent between the check and the write
        raise Conflict("Sự đồng ý vừa được ghi nhận", "Consent recorded concurrently; retry", code="conflict") from exc
    await audit.record(
        session, principal, "consent.give", "consent", consent.id, after=audit.snapshot(consent), device_id=device_id
    )
    await publish(
        session,
        ShopChanged(
            merchant.id,
            "consent.give",
            merchant,
            before={"consent_id": current.id if current else None, "bank_bin": bank_bin},
        ),
    )
    return 201, to_out(consent)


async def get_consent(session: AsyncSession, consent_id: str, *, for_update: bool = False) -> Consent:
    found = await ConsentRepository(session).get(consent_id, for_update=for_update)
    if found is None:
        raise consent_not_found(consent_id)
    return found


def consent_not_found(consent_id: str) -> NotFound:
    return NotFound(
        f"Không tìm thấy sự đồng ý {consent_id}", f"Consent {consent_id} not found", code="consent_not_found"
    )


async def withdraw(
    session: AsyncSession, principal: Principal, consent: Consent, merchant: Any, reason: str
) -> ConsentOut:
    """From now on the shop is not handed to that bank. Withdrawing again changes nothing."""
    if consent.active_key is None:
        return to_out(consent)
    before = audit.snapshot(consent)
    consent.withdrawn_at, consent.withdrawn_by, consent.withdrawal_reason = utcnow(), principal.id, reason
    consent.active_key = None
    await session.flush()
    await audit.record(
        session, principal, "consent.withdraw", "consent", consent.id, before=before, after=audit.snapshot(consent)
    )
    await publish(
        session,
        ShopChanged(
            merchant.id, "consent.withdraw", merchant, before={"consent_id": consent.id, "bank_bin": consent.bank_bin}
        ),
    )
    return to_out(consent)


async def consents_of(session: AsyncSession, merchant_id: str, bank_bin: str | None = None) -> list[ConsentOut]:
    return [to_out(c) for c in await ConsentRepository(session).of_merchant(merchant_id, bank_bin)]
