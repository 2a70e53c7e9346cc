"""spreadsheet imports, and the household-business fields of a shop

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-03 09:20:00+00:00

`import_job` keeps each upload (the file, for the error file; sha256 of user + Idempotency-Key, unique, and of
the file), its status and progress. A shop gains `tax_code` (the owner's 12-digit personal id, a household
business's tax code since 1 July 2025), `business_registration_number` and `einvoice_method`, all optional.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0014"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString
T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "import_job",
        sa.Column("id", S(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", S(length=64), nullable=False),
        sa.Column("file_hash", S(length=64), nullable=False),
        sa.Column("filename", S(length=200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("unit_edition", S(length=4), nullable=False),
        sa.Column("unit_code", S(length=8), nullable=False),
        sa.Column("mode", S(length=16), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("status", S(length=10), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("rows_ok", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("errors_total", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Text(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("created_at", T(), nullable=False),
        sa.Column("finished_at", T(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_import_job_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_job")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_import_job_key_hash")),
    )
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_job_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_import_job_status"), ["status"], unique=False)
    with op.batch_alter_table("merchant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tax_code", S(length=12), nullable=True))
        batch_op.add_column(sa.Column("business_registration_number", S(length=40), nullable=True))
        batch_op.add_column(sa.Column("einvoice_method", S(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("merchant", schema=None) as batch_op:
        batch_op.drop_column("einvoice_method")
        batch_op.drop_column("business_registration_number")
        batch_op.drop_column("tax_code")
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_job_status"))
        batch_op.drop_index(batch_op.f("ix_import_job_user_id"))
    op.drop_table("import_job")
