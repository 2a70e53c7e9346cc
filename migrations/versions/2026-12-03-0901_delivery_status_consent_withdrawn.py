"""webhook deliveries can be cancelled_consent_withdrawn: a withdrawn consent stops every copy

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:30:00+00:00

`webhook_delivery.status` grows from 10 to 32 characters so a delivery stopped by the owner's withdrawal (or by
the shop moving to another bank) is recorded as `cancelled_consent_withdrawn` in the delivery log. Pending
deliveries of events a withdrawal already followed are cancelled that way too, so none is sent after upgrading.
Downgrade folds the new state back into `cancelled`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STOPPED = (
    "UPDATE webhook_delivery SET status = 'cancelled_consent_withdrawn', next_attempt_at = NULL, "
    "lease_token = NULL, lease_until = NULL WHERE status = 'pending' AND event_id IN ("
    "SELECT e.id FROM bank_event e WHERE e.type <> 'merchant.consent_withdrawn' AND EXISTS ("
    "SELECT 1 FROM bank_event w WHERE w.bank_bin = e.bank_bin AND w.merchant_id = e.merchant_id "
    "AND w.type = 'merchant.consent_withdrawn' AND w.seq > e.seq))"
)


def upgrade() -> None:
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.alter_column("status", existing_type=sa.String(length=10), type_=sa.String(length=32))
    op.execute(_STOPPED)


def downgrade() -> None:
    op.execute("UPDATE webhook_delivery SET status = 'cancelled' WHERE status = 'cancelled_consent_withdrawn'")
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.alter_column("status", existing_type=sa.String(length=32), type_=sa.String(length=10))
