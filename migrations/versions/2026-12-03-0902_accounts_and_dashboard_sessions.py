"""accounts a city runs: phone, creator, must-change-password, deactivation time; server-side dashboard sessions

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 09:30:00+00:00

A dashboard cookie now names a row of `dashboard_session` (by the SHA-256 of its random id), so signing out,
deactivating a user or changing a password ends the session at once. Cookies issued before this revision name
no row and simply ask their holder to sign in again.
"""

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_D = str.maketrans({"đ": "d", "Đ": "d"})


def _fold(text: str | None) -> str:
    """app.core.text.fold as of this revision (a migration must not change when the app does)."""
    decomposed = unicodedata.normalize("NFD", (text or "").translate(_D))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", stripped.lower()).strip()


# plain ALTER TABLE, never batch mode: rebuilding app_user on SQLite would drop the triggers that stand in for its
# CHECK constraints there (migration 0002)
def upgrade() -> None:
    op.add_column("app_user", sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=15), nullable=True))
    op.add_column("app_user", sa.Column("created_by", sa.Integer(), nullable=True))
    op.add_column(
        "app_user", sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("app_user", sa.Column("deactivated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column(
        "app_user",
        sa.Column("name_search", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False, server_default=""),
    )
    users = sa.table("app_user", sa.column("id", sa.Integer), sa.column("full_name", sa.String))
    search = sa.table("app_user", sa.column("id", sa.Integer), sa.column("name_search", sa.String))
    bind = op.get_bind()
    for uid, name in bind.execute(sa.select(users.c.id, users.c.full_name)).all():
        bind.execute(sa.update(search).where(search.c.id == uid).values(name_search=_fold(name)))
    op.create_table(
        "dashboard_session",
        sa.Column("id_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_dashboard_session_user_id_app_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_dashboard_session")),
    )
    with op.batch_alter_table("dashboard_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dashboard_session_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dashboard_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dashboard_session_user_id"))
    op.drop_table("dashboard_session")
    for column in ("name_search", "deactivated_at", "must_change_password", "created_by", "phone"):
        op.drop_column("app_user", column)  # SQLite 3.35+ drops a column in place
