"""coverage counters in shards: concurrent registrations on one street stop queueing on one row

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 22:15:00+00:00

Every counter key (unit, 2020 unit, street, category) may now have up to `app.coverage.counters.SHARDS` rows; a
transaction moves the row of its own shard and readers sum them. Existing rows become shard 0, so coverage reads
the same before and after.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = ["unit_code", "unit_code_2020", "street_id", "category"]


def upgrade() -> None:
    with op.batch_alter_table("coverage_counter", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shard", sa.SmallInteger(), nullable=False, server_default="0"))
        batch_op.drop_constraint("pk_coverage_counter", type_="primary")
        batch_op.create_primary_key("pk_coverage_counter", [*KEY, "shard"])


def downgrade() -> None:
    # fold the shards back into one row per key first, or the old primary key could not hold them
    op.execute(
        "CREATE TEMPORARY TABLE coverage_counter_folded AS SELECT unit_code, unit_code_2020, street_id, category, "
        "SUM(shops) AS shops, SUM(with_qr) AS with_qr FROM coverage_counter "
        "GROUP BY unit_code, unit_code_2020, street_id, category"
    )
    op.execute("DELETE FROM coverage_counter")
    op.execute(
        "INSERT INTO coverage_counter (unit_code, unit_code_2020, street_id, category, shops, with_qr, shard) "
        "SELECT unit_code, unit_code_2020, street_id, category, shops, with_qr, 0 FROM coverage_counter_folded"
    )
    op.execute("DROP TABLE coverage_counter_folded")
    with op.batch_alter_table("coverage_counter", schema=None) as batch_op:
        batch_op.drop_constraint("pk_coverage_counter", type_="primary")
        batch_op.create_primary_key("pk_coverage_counter", KEY)
        batch_op.drop_column("shard")
