"""Consent rows straight into the database, for tests about what a bank sees rather than about consenting."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.consents.models import PURPOSE_BANK_ONBOARDING, Consent
from app.consents.texts import TEXTS
from app.core.db import utcnow


async def make_consent(session: AsyncSession, merchant_id: str, bank_bin: str = "970436") -> Consent:
    text = TEXTS[-1]
    consent = Consent(
        id=str(uuid.uuid4()),
        merchant_id=merchant_id,
        bank_bin=bank_bin,
        purpose=PURPOSE_BANK_ONBOARDING,
        text_version=text.version,
        text_sha256=text.sha256,
        channel="paper_form",
        given_by_name="Nguyễn Thị Hương",
        given_at=utcnow(),
        active_key=f"{merchant_id}:{bank_bin}:{PURPOSE_BANK_ONBOARDING}",
    )
    session.add(consent)
    await session.flush()
    await session.commit()
    session.expunge(consent)
    return consent


async def bank_user(session: AsyncSession, bank_bin: str = "970415", username: str = "bank.vietin") -> str:
    """A bank partner of another BIN than the demo `bank.vcb`; returns its username for `auth`."""
    from app.auth.models import User

    session.add(
        User(username=username, full_name="Ngân hàng khác", password_hash="-", role="bank_partner", bank_bin=bank_bin)
    )
    await session.flush()
    await session.commit()
    return username


def consent_body(**over: object) -> dict:
    body: dict = {
        "text_sha256": TEXTS[-1].sha256,
        "channel": "paper_form",
        "given_by_name": "Nguyễn Thị Hương",
    }
    body.update(over)
    return body
