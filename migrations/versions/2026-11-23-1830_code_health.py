"""code health: rate-limit table, enum CHECK constraints

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 18:30:00+00:00

- `rate_limit_hit` (app.core.ratelimit) replaces `login_failure`: login failures and the public /qr/verify limit
  count in it under separate keys; rows of the last window are carried over (keys renamed).
- Enumerated columns refuse values outside their set. PostgreSQL: CHECK constraints. SQLite: the same rule as
  BEFORE INSERT/UPDATE triggers named like the constraint, because adding a CHECK there means rebuilding the
  table, and dropping `merchant` or `app_user` while foreign keys are enforced would cascade into their children.
  The value lists are written out here (a migration must not change when the app's enums do).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("merchant", "status"): ("active", "closed"),
    ("merchant", "review_state"): ("pending", "approved", "rejected"),
    ("merchant", "category"): (
        "grocery",
        "general_store",
        "market_stall",
        "restaurant",
        "eatery",
        "cafe",
        "supermarket",
        "hotel",
        "pharmacy",
        "other",
    ),
    ("merchant", "non_coverage_reason"): ("refused", "no_bank_account", "not_eligible"),
    ("payment_account", "kind"): ("account", "card", "vnpay"),
    ("qr_code", "scheme"): ("vietqr", "vnpay"),
    ("qr_code", "status"): ("active", "revoked"),
    ("qr_code", "source"): ("issued", "existing"),
    ("app_user", "role"): ("field_agent", "ward_officer", "city_admin", "bank_partner", "auditor"),
    ("street", "kind"): ("street", "market"),
    ("bank", "status"): ("active", "renamed"),
    ("admin_unit", "edition"): ("2020", "2025"),
    ("street_unit", "edition"): ("2020", "2025"),
    ("user_unit", "edition"): ("2020", "2025"),
}


def _condition(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _create_checks() -> None:
    for (table, column), values in ENUMS.items():
        name = f"ck_{table}_{column}"
        if not _sqlite():
            op.create_check_constraint(op.f(name), table, _condition(column, values))
            continue
        for event, suffix in (("INSERT", "ins"), (f"UPDATE OF {column}", "upd")):
            op.execute(
                f"CREATE TRIGGER {name}_{suffix} BEFORE {event} ON {table} "
                f"WHEN NEW.{column} NOT IN ({', '.join(repr(v) for v in values)}) "
                f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {name}'); END"
            )


def _drop_checks() -> None:
    for table, column in ENUMS:
        name = f"ck_{table}_{column}"
        if not _sqlite():
            op.drop_constraint(op.f(name), table, type_="check")
            continue
        for suffix in ("ins", "upd"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}_{suffix}")


def upgrade() -> None:
    op.create_table(
        "rate_limit_hit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_hit")),
    )
    with op.batch_alter_table("rate_limit_hit", schema=None) as batch_op:
        batch_op.create_index("ix_rate_limit_hit_key_at", ["key", "at"], unique=False)
    op.execute(
        "INSERT INTO rate_limit_hit (key, at) SELECT CASE WHEN key LIKE 'verify:%' THEN key "
        "ELSE 'login-' || key END, at FROM login_failure"
    )
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_failure_key"))
        batch_op.drop_index(batch_op.f("ix_login_failure_at"))
    op.drop_table("login_failure")
    _create_checks()


def downgrade() -> None:
    _drop_checks()
    op.create_table(
        "login_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failure")),
    )
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_failure_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_failure_key"), ["key"], unique=False)
    op.execute(
        "INSERT INTO login_failure (key, at) SELECT CASE WHEN key LIKE 'login-%' THEN substr(key, 7) "
        "ELSE key END, at FROM rate_limit_hit"
    )
    with op.batch_alter_table("rate_limit_hit", schema=None) as batch_op:
        batch_op.drop_index("ix_rate_limit_hit_key_at")
    op.drop_table("rate_limit_hit")
