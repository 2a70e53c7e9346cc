"""ward dashboard: daily coverage snapshots and dated model-street lists

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 18:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "coverage_snapshot_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("taken_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("source", S(length=10), nullable=False),
        sa.Column("shops", sa.Integer(), nullable=False),
        sa.Column("with_qr", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coverage_snapshot_run")),
        sa.UniqueConstraint("day", name=op.f("uq_coverage_snapshot_run_day")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "coverage_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("level", S(length=8), nullable=False),
        sa.Column("edition", S(length=4), nullable=False),
        sa.Column("unit_code", S(length=8), nullable=False),
        sa.Column("code", S(length=20), nullable=False),
        sa.Column("shops", sa.Integer(), nullable=False),
        sa.Column("with_qr", sa.Integer(), nullable=False),
        sa.Column("baseline_shop_count", sa.Integer(), nullable=True),
        sa.Column("target_pct", sa.Integer(), nullable=True),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("is_model_street", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["coverage_snapshot_run.id"],
            name=op.f("fk_coverage_snapshot_run_id_coverage_snapshot_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coverage_snapshot")),
        sa.UniqueConstraint(
            "day",
            "level",
            "edition",
            "unit_code",
            "code",
            name=op.f("uq_coverage_snapshot_day_level_edition_unit_code_code"),
        ),
    )
    with op.batch_alter_table("coverage_snapshot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coverage_snapshot_run_id"), ["run_id"], unique=False)
        batch_op.create_index("ix_coverage_snapshot_series", ["level", "code", "day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("coverage_snapshot", schema=None) as batch_op:
        batch_op.drop_index("ix_coverage_snapshot_series")
        batch_op.drop_index(batch_op.f("ix_coverage_snapshot_run_id"))
    op.drop_table("coverage_snapshot")
    op.drop_table("coverage_snapshot_run")
