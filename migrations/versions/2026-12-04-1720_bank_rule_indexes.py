"""Indexes that answer a bank's rule from the index alone (PostgreSQL's INCLUDE): the bank's accounts and
consents in shop order with the columns the rule reads, and the stored view's digest columns beside its key.

At 5,000,000 shops (a bank of 1,000,000) the reconciliation digests and the files' check of the stored view
read the wide rows of three tables (payment_account, consent, bank_view: ~5 GB) and took 4.4 s against a 2 s
goal; these indexes hold the bank's range in ~0.2 GB. On SQLite the same keys without INCLUDE.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 17:20:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VIEW_INCLUDE = ["h0", "h1", "h2", "h3", "unit_code", "street_id", "exotic"]


def upgrade() -> None:
    op.create_index(
        "ix_payment_account_bank_merchant",
        "payment_account",
        ["bank_bin", "merchant_id"],
        postgresql_include=["kind", "account_number"],
    )
    op.create_index(
        "ix_consent_bank_merchant", "consent", ["bank_bin", "merchant_id"], postgresql_include=["purpose", "active_key"]
    )
    op.drop_index("ix_bank_view_bank_merchant", table_name="bank_view")
    op.create_index(
        "ix_bank_view_bank_merchant",
        "bank_view",
        ["bank_bin", "merchant_id"],
        unique=True,
        postgresql_include=VIEW_INCLUDE,
    )


def downgrade() -> None:
    op.drop_index("ix_bank_view_bank_merchant", table_name="bank_view")
    op.create_index("ix_bank_view_bank_merchant", "bank_view", ["bank_bin", "merchant_id"], unique=True)
    op.drop_index("ix_consent_bank_merchant", table_name="consent")
    op.drop_index("ix_payment_account_bank_merchant", table_name="payment_account")
