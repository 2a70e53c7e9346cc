"""bank hand-off: consent texts and records, bank status, receipts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 18:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString
T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "consent_text",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("purpose", S(length=30), nullable=False),
        sa.Column("text_vi", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("sha256", S(length=64), nullable=False),
        sa.Column("published_at", T(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_consent_text")),
        sa.UniqueConstraint("sha256", name=op.f("uq_consent_text_sha256")),
    )
    op.create_table(
        "consent",
        sa.Column("id", S(length=36), nullable=False),
        sa.Column("merchant_id", S(length=36), nullable=False),
        sa.Column("bank_bin", S(length=6), nullable=False),
        sa.Column("purpose", S(length=30), nullable=False),
        sa.Column("text_version", sa.Integer(), nullable=False),
        sa.Column("text_sha256", S(length=64), nullable=False),
        sa.Column("channel", S(length=20), nullable=False),
        sa.Column("given_by_name", S(length=120), nullable=False),
        sa.Column("given_at", T(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", T(), nullable=False),
        sa.Column("device_id", S(length=100), nullable=True),
        sa.Column("evidence_photo_id", S(length=36), nullable=True),
        sa.Column("withdrawn_at", T(), nullable=True),
        sa.Column("withdrawal_reason", S(length=500), nullable=True),
        sa.Column("withdrawn_by", sa.Integer(), nullable=True),
        sa.Column("active_key", S(length=80), nullable=True),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchant.id"], name=op.f("fk_consent_merchant_id_merchant")),
        sa.ForeignKeyConstraint(
            ["text_version"], ["consent_text.version"], name=op.f("fk_consent_text_version_consent_text")
        ),
        sa.ForeignKeyConstraint(["recorded_by"], ["app_user.id"], name=op.f("fk_consent_recorded_by_app_user")),
        sa.ForeignKeyConstraint(["withdrawn_by"], ["app_user.id"], name=op.f("fk_consent_withdrawn_by_app_user")),
        sa.ForeignKeyConstraint(
            ["evidence_photo_id"], ["merchant_photo.id"], name=op.f("fk_consent_evidence_photo_id_merchant_photo")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent")),
        sa.UniqueConstraint("active_key", name=op.f("uq_consent_active_key")),
    )
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_merchant_id"), ["merchant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_consent_bank_bin"), ["bank_bin"], unique=False)

    op.create_table(
        "bank_status",
        sa.Column("merchant_id", S(length=36), nullable=False),
        sa.Column("bank_bin", S(length=6), nullable=False),
        sa.Column("state", S(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("reason_code", S(length=30), nullable=True),
        sa.Column("reason", S(length=500), nullable=True),
        sa.Column("bank_merchant_id", S(length=50), nullable=True),
        sa.Column("bank_terminal_id", S(length=50), nullable=True),
        sa.Column("at", T(), nullable=False),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchant.id"], name=op.f("fk_bank_status_merchant_id_merchant")),
        sa.PrimaryKeyConstraint("merchant_id", "bank_bin", name=op.f("pk_bank_status")),
    )
    with op.batch_alter_table("bank_status", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_status_state"), ["state"], unique=False)

    op.create_table(
        "bank_receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", S(length=36), nullable=False),
        sa.Column("bank_bin", S(length=6), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("result", S(length=10), nullable=False),
        sa.Column("reason_code", S(length=30), nullable=True),
        sa.Column("reason", S(length=500), nullable=True),
        sa.Column("bank_merchant_id", S(length=50), nullable=True),
        sa.Column("bank_terminal_id", S(length=50), nullable=True),
        sa.Column("digest", S(length=64), nullable=False),
        sa.Column("received_by", sa.Integer(), nullable=True),
        sa.Column("received_at", T(), nullable=False),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchant.id"], name=op.f("fk_bank_receipt_merchant_id_merchant")),
        sa.ForeignKeyConstraint(["received_by"], ["app_user.id"], name=op.f("fk_bank_receipt_received_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_receipt")),
        sa.UniqueConstraint("digest", name=op.f("uq_bank_receipt_digest")),
    )
    with op.batch_alter_table("bank_receipt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_receipt_merchant_id"), ["merchant_id"], unique=False)

    op.create_table(
        "account_name_check",
        sa.Column("merchant_id", S(length=36), nullable=False),
        sa.Column("account_key", S(length=80), nullable=False),
        sa.Column("state", S(length=12), nullable=False),
        sa.Column("bank_account_name", S(length=120), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", T(), nullable=True),
        sa.Column("checked_at", T(), nullable=True),
        sa.Column("detail", S(length=200), nullable=True),
        sa.Column("updated_at", T(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"], ["merchant.id"], name=op.f("fk_account_name_check_merchant_id_merchant")
        ),
        sa.PrimaryKeyConstraint("merchant_id", name=op.f("pk_account_name_check")),
    )
    with op.batch_alter_table("account_name_check", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_name_check_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_account_name_check_next_attempt_at"), ["next_attempt_at"], unique=False)


def downgrade() -> None:
    for table, indexes in (
        ("account_name_check", ("ix_account_name_check_next_attempt_at", "ix_account_name_check_state")),
        ("bank_receipt", ("ix_bank_receipt_merchant_id",)),
        ("bank_status", ("ix_bank_status_state",)),
        ("consent", ("ix_consent_bank_bin", "ix_consent_merchant_id")),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in indexes:
                batch_op.drop_index(batch_op.f(name))
        op.drop_table(table)
    op.drop_table("consent_text")
