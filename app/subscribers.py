"""Every in-transaction `ShopChanged` subscription of the app, registered in one place.

Importing this module registers them all (idempotent: `subscribe` replaces by name). It is imported by
`app/api.py` (so by `create_app()`, every worker and every test app), and by `app/cli.py` (demo-data,
seed); the tests get them through `app.main`. `app.core.events.publish` refuses to run with no subscriber
at all, so a forgotten import fails loudly instead of leaving the coverage counters silently wrong.

A domain that reacts to shop changes exposes `register()` (calling `app.core.events.subscribe(name, handler)`)
and is added to SUBSCRIBERS below. The domain imports app.core.events only; the publisher never imports it.
"""

from __future__ import annotations

from collections.abc import Callable

from app.bank.account_names import service as account_names
from app.bank.handoff import sent_status
from app.bank.outbox import service as outbox
from app.coverage import counters

SUBSCRIBERS: tuple[Callable[[], None], ...] = (
    counters.register,
    outbox.register,
    sent_status.register,
    account_names.register,
)


def register_subscribers() -> None:
    for register in SUBSCRIBERS:
        register()


register_subscribers()
