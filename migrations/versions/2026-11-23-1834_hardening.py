"""hardening: audit TRUNCATE refused, indexed near-duplicate lookups

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 18:30:00+00:00
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_D = str.maketrans({"đ": "d", "Đ": "d"})


def _fold_compact(text: str | None) -> str:
    """app.core.text.fold_compact as of this revision (a migration must not change when the app does)."""
    decomposed = unicodedata.normalize("NFD", (text or "").translate(_D))
    return "".join(ch for ch in decomposed.lower() if not unicodedata.combining(ch) and ch.isalnum())


def upgrade() -> None:
    with op.batch_alter_table("merchant", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("name_compact", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False, server_default="")
        )
    merchant = sa.table("merchant", sa.column("id", sa.String), sa.column("name", sa.String))
    compact = sa.table("merchant", sa.column("id", sa.String), sa.column("name_compact", sa.String))
    bind = op.get_bind()
    rows = bind.execute(sa.select(merchant.c.id, merchant.c.name)).all()
    update = sa.update(compact).where(compact.c.id == sa.bindparam("mid")).values(name_compact=sa.bindparam("nc"))
    for start in range(0, len(rows), 1000):
        chunk = rows[start : start + 1000]
        bind.execute(update, [{"mid": r.id, "nc": _fold_compact(r.name)} for r in chunk])
    with op.batch_alter_table("merchant", schema=None) as batch_op:
        # near-duplicate lookups: the same folded name on a street, and shops within a latitude band on it
        batch_op.create_index("ix_merchant_street_name_compact", ["street_id", "name_compact"], unique=False)
        batch_op.create_index("ix_merchant_street_lat", ["street_id", "lat"], unique=False)
    if bind.dialect.name == "postgresql":
        # the row triggers of revision 0001 do not fire on TRUNCATE: a statement trigger refuses it too
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
    with op.batch_alter_table("merchant", schema=None) as batch_op:
        batch_op.drop_index("ix_merchant_street_lat")
        batch_op.drop_index("ix_merchant_street_name_compact")
        batch_op.drop_column("name_compact")
