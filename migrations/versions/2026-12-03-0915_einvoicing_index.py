"""a partial index of the active shops that issue e-invoices, per unit

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 09:15:00+00:00

The dashboard shows, per unit, the share of shops with an e-invoice method (`einvoice_method` set and not
`none`) beside QR coverage. The count reads this index only: it holds just those shops, so it costs the same
whatever the number of shops that do not invoice.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EINVOICING = sa.text("status = 'active' AND einvoice_method IN ('tax_authority_code', 'cash_register')")


def upgrade() -> None:
    op.create_index(
        "ix_merchant_einvoicing",
        "merchant",
        ["unit_code", "unit_code_2020"],
        unique=False,
        sqlite_where=EINVOICING,
        postgresql_where=EINVOICING,
    )


def downgrade() -> None:
    op.drop_index("ix_merchant_einvoicing", table_name="merchant")
