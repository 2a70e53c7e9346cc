"""audit rows say how a change came: the channel (api, sync, import, demo) and the caller's context

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 09:30:00+00:00

`audit_log.context` (JSON, nullable) holds e.g. {"channel": "import", "import_id": "..."} for the shops the one
write path (`app.merchants.writing`) registers. Plain ADD/DROP COLUMN, no batch mode: SQLite's batch mode would
rebuild the table and lose its append-only triggers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("context", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("audit_log", "context")
