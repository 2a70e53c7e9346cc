"""bank hand-off: outbox events, webhook endpoints and deliveries

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 18:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString
T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "bank_event_counter",
        sa.Column("bank_bin", S(length=6), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bank_bin", name=op.f("pk_bank_event_counter")),
    )
    op.create_table(
        "bank_event",
        sa.Column("id", S(length=36), nullable=False),
        sa.Column("bank_bin", S(length=6), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("type", S(length=40), nullable=False),
        sa.Column("merchant_id", S(length=36), nullable=False),
        sa.Column("occurred_at", T(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("record_hash", S(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_event")),
        sa.UniqueConstraint("bank_bin", "seq", name=op.f("uq_bank_event_bank_bin_seq")),
    )
    op.create_index("ix_bank_event_merchant_bank_seq", "bank_event", ["merchant_id", "bank_bin", "seq"])
    op.create_table(
        "webhook_endpoint",
        sa.Column("id", S(length=36), nullable=False),
        sa.Column("bank_bin", S(length=6), nullable=False),
        sa.Column("url", S(length=2000), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("secret_enc", sa.Text(), nullable=False),
        sa.Column("previous_secret_enc", sa.Text(), nullable=True),
        sa.Column("previous_secret_until", T(), nullable=True),
        sa.Column("status", S(length=10), nullable=False),
        sa.Column("disabled_reason", S(length=200), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", T(), nullable=False),
        sa.Column("updated_at", T(), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["app_user.id"], name=op.f("fk_webhook_endpoint_created_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoint")),
    )
    op.create_index(op.f("ix_webhook_endpoint_bank_bin"), "webhook_endpoint", ["bank_bin"])
    op.create_table(
        "webhook_delivery",
        sa.Column("id", S(length=36), nullable=False),
        sa.Column("endpoint_id", S(length=36), nullable=False),
        sa.Column("event_id", S(length=36), nullable=False),
        sa.Column("bank_bin", S(length=6), nullable=False),
        sa.Column("status", S(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", T(), nullable=True),
        sa.Column("lease_token", S(length=36), nullable=True),
        sa.Column("lease_until", T(), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", S(length=300), nullable=True),
        sa.Column("delivered_at", T(), nullable=True),
        sa.Column("created_at", T(), nullable=False),
        sa.Column("updated_at", T(), nullable=False),
        sa.ForeignKeyConstraint(
            ["endpoint_id"], ["webhook_endpoint.id"], name=op.f("fk_webhook_delivery_endpoint_id_webhook_endpoint")
        ),
        sa.ForeignKeyConstraint(["event_id"], ["bank_event.id"], name=op.f("fk_webhook_delivery_event_id_bank_event")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery")),
        sa.UniqueConstraint("endpoint_id", "event_id", name=op.f("uq_webhook_delivery_endpoint_id_event_id")),
    )
    op.create_index(op.f("ix_webhook_delivery_event_id"), "webhook_delivery", ["event_id"])
    op.create_index("ix_webhook_delivery_due", "webhook_delivery", ["status", "next_attempt_at"])
    op.create_table(
        "webhook_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", S(length=36), nullable=False),
        sa.Column("attempt_no", sa.Integer(), nullable=False),
        sa.Column("dispatcher", S(length=80), nullable=False),
        sa.Column("started_at", T(), nullable=False),
        sa.Column("finished_at", T(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", S(length=300), nullable=True),
        sa.Column("next_attempt_at", T(), nullable=True),
        sa.ForeignKeyConstraint(
            ["delivery_id"], ["webhook_delivery.id"], name=op.f("fk_webhook_attempt_delivery_id_webhook_delivery")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempt")),
        sa.UniqueConstraint("delivery_id", "attempt_no", name=op.f("uq_webhook_attempt_delivery_id_attempt_no")),
    )


def downgrade() -> None:
    op.drop_table("webhook_attempt")
    op.drop_index("ix_webhook_delivery_due", table_name="webhook_delivery")
    op.drop_index(op.f("ix_webhook_delivery_event_id"), table_name="webhook_delivery")
    op.drop_table("webhook_delivery")
    op.drop_index(op.f("ix_webhook_endpoint_bank_bin"), table_name="webhook_endpoint")
    op.drop_table("webhook_endpoint")
    op.drop_index("ix_bank_event_merchant_bank_seq", table_name="bank_event")
    op.drop_table("bank_event")
    op.drop_table("bank_event_counter")
