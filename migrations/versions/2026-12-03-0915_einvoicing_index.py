"""a partial index of the active shops that issue e-invoices, per unit; an import's attempts and pruning

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 09:15:00+00:00

The dashboard shows, per unit, the share of shops with an e-invoice method (`einvoice_method` set and not
`none`) beside QR coverage. The count reads this index only: it holds just those shops, so it costs the same
whatever the number of shops that do not invoice.

`import_job.attempts` counts the background runs of an import, so a run whose process died is told from the
one that took it over (app.imports.recovery); `import_job.pruned_at` says the uploaded file and its errors were
dropped after the retention period (app.imports.retention), the outcome and counts kept.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EINVOICING = sa.text("status = 'active' AND einvoice_method IN ('tax_authority_code', 'cash_register')")


def upgrade() -> None:
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("pruned_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
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
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.drop_column("pruned_at")
        batch_op.drop_column("attempts")
