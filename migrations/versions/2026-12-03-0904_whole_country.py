"""the whole country: provinces beside communes, default successors of split communes, boundaries, unit_source

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-03 09:30:00+00:00

admin_unit gains `level` (province | commune; existing rows are communes), a folded `name_search` for q= and a
point; unit_succession gains `is_default` (existing links were whole communes, so true); unit_boundary keeps
loaded outlines; merchant gains `unit_source` (how its 2025 commune was decided when its 2020 one was split).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECKS = {
    ("admin_unit", "level"): ("province", "commune"),
    ("merchant", "unit_source"): ("street", "gps", "default_successor"),
    ("unit_boundary", "edition"): ("2020", "2025"),
}


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _listed(values: tuple[str, ...]) -> str:
    return ", ".join(repr(v) for v in values)


def _create_check(table: str, column: str, values: tuple[str, ...]) -> None:
    name = f"ck_{table}_{column}"
    if not _sqlite():
        op.create_check_constraint(op.f(name), table, f"{column} IN ({_listed(values)})")
        return
    for event, suffix in (("INSERT", "ins"), (f"UPDATE OF {column}", "upd")):
        op.execute(
            f"CREATE TRIGGER {name}_{suffix} BEFORE {event} ON {table} "
            f"WHEN NEW.{column} NOT IN ({_listed(values)}) "
            f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {name}'); END"
        )


def _drop_check(table: str, column: str) -> None:
    name = f"ck_{table}_{column}"
    if not _sqlite():
        op.drop_constraint(op.f(name), table, type_="check")
        return
    for suffix in ("ins", "upd"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}_{suffix}")


def upgrade() -> None:
    with op.batch_alter_table("admin_unit", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False, server_default="commune")
        )
        batch_op.add_column(
            sa.Column("name_search", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("lat", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("lon", sa.Float(), nullable=True))
        batch_op.create_index(
            "ix_admin_unit_edition_level_province_code", ["edition", "level", "province_code", "code"], unique=False
        )
    with op.batch_alter_table("unit_succession", schema=None) as batch_op:
        batch_op.add_column(sa.Column("is_default", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.create_index("ix_unit_succession_to", ["to_edition", "to_code"], unique=False)
    with op.batch_alter_table("merchant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit_source", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
    op.create_table(
        "unit_boundary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("geometry", sa.Text(), nullable=False),
        sa.Column("min_lat", sa.Float(), nullable=False),
        sa.Column("max_lat", sa.Float(), nullable=False),
        sa.Column("min_lon", sa.Float(), nullable=False),
        sa.Column("max_lon", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_boundary")),
        sa.UniqueConstraint("edition", "code", name=op.f("uq_unit_boundary_edition_code")),
    )
    with op.batch_alter_table("unit_boundary", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_boundary_min_lat"), ["min_lat"], unique=False)
    for (table, column), values in CHECKS.items():
        _create_check(table, column, values)


def downgrade() -> None:
    for table, column in CHECKS:
        _drop_check(table, column)
    with op.batch_alter_table("unit_boundary", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_boundary_min_lat"))
    op.drop_table("unit_boundary")
    with op.batch_alter_table("merchant", schema=None) as batch_op:
        batch_op.drop_column("unit_source")
    with op.batch_alter_table("unit_succession", schema=None) as batch_op:
        batch_op.drop_index("ix_unit_succession_to")
        batch_op.drop_column("is_default")
    with op.batch_alter_table("admin_unit", schema=None) as batch_op:
        batch_op.drop_index("ix_admin_unit_edition_level_province_code")
        batch_op.drop_column("lon")
        batch_op.drop_column("lat")
        batch_op.drop_column("name_search")
        batch_op.drop_column("level")
