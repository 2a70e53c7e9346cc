"""A withdrawn consent (or an account moved to another bank) stops every copy of the shop at that bank.

When the outbox tells a bank `merchant.consent_withdrawn`, every earlier event of that shop for that bank is
"withdrawn": it carried the shop's data, and the owner's withdrawal (Law 91/2025/QH15) must stop further
processing by the recipient we control. Three exits, one rule, decided on `bank_event` alone (the outbox writes
the withdrawal in the very transaction that withdraws the consent or moves the account):

- webhooks: the event's pending deliveries are cancelled as `cancelled_consent_withdrawn` in the withdrawal's
  own transaction (app.bank.outbox.service, at commit, with `repository.copies_to_stop`), the dispatcher re-checks when
  it claims and again just before it sends, and redelivery is refused (409 `consent_withdrawn`);
- the pull feed serves such an event as `{"merchant_id"}` alone (`redacted_in`); its `seq` stays, so the feed
  stays gapless.

A withdrawal event itself carries only the shop's id and is always delivered. A later consent starts a new
`merchant.created`; the events from before the withdrawal stay withdrawn.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from app.bank.outbox.models import CANCELLED, WITHDRAWN, BankEvent
from app.bank.outbox.repository import OutboxRepository


async def cancel(session: AsyncSession, delivery_ids: Iterable[str]) -> None:
    await OutboxRepository(session).cancel(delivery_ids)


async def redacted_in(session: AsyncSession, bank_bin: str, events: list[BankEvent]) -> set[str]:
    """Ids of those events (all of one bank) that a later withdrawal of their shop has withdrawn."""
    shops = {e.merchant_id for e in events if e.type != WITHDRAWN}
    if not shops:
        return set()
    last_withdrawal = await OutboxRepository(session).last_withdrawals(bank_bin, shops)
    return {e.id for e in events if e.type != WITHDRAWN and last_withdrawal.get(e.merchant_id, -1) > e.seq}


def redacted_data(merchant_id: str) -> dict[str, str]:
    return {"merchant_id": merchant_id}


__all__ = ["CANCELLED", "WITHDRAWN", "cancel", "redacted_data", "redacted_in"]
