"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 04:15:54.862447+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "admin_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("province_code", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("province_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("district_code", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("district_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("baseline_shop_count", sa.Integer(), nullable=True),
        sa.Column("target_pct", sa.Integer(), nullable=True),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_unit")),
        sa.UniqueConstraint("edition", "code", name=op.f("uq_admin_unit_edition_code")),
    )
    with op.batch_alter_table("admin_unit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_unit_edition"), ["edition"], unique=False)

    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("full_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("bank_bin", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("username", name=op.f("uq_app_user_username")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_username", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("actor_role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("device_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("entity_type", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("entity_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("request_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)

    op.create_table(
        "bank",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bin", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("short_name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("legal_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("swift", sqlmodel.sql.sqltypes.AutoString(length=11), nullable=True),
        sa.Column("accepts_transfers_in_app", sa.Boolean(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank")),
        sa.UniqueConstraint("bin", "short_name", "status", name=op.f("uq_bank_bin_short_name_status")),
    )
    with op.batch_alter_table("bank", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_bin"), ["bin"], unique=False)

    op.create_table(
        "coverage_counter",
        sa.Column("unit_code", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("unit_code_2020", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("shops", sa.Integer(), nullable=False),
        sa.Column("with_qr", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "unit_code", "unit_code_2020", "street_id", "category", name=op.f("pk_coverage_counter")
        ),
    )
    op.create_table(
        "idempotency_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("path", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("request_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_record")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_idempotency_record_user_id_key")),
    )
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idempotency_record_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_idempotency_record_user_id"), ["user_id"], unique=False)

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

    op.create_table(
        "street",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("segment", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("natural_key", sqlmodel.sql.sqltypes.AutoString(length=520), nullable=False),
        sa.Column("name_search", sqlmodel.sql.sqltypes.AutoString(length=520), nullable=False),
        sa.Column("is_model_street", sa.Boolean(), nullable=False),
        sa.Column("target_pct", sa.Integer(), nullable=True),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("baseline_shop_count", sa.Integer(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_street")),
        sa.UniqueConstraint("natural_key", name=op.f("uq_street_natural_key")),
    )
    with op.batch_alter_table("street", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_street_is_model_street"), ["is_model_street"], unique=False)
        batch_op.create_index(batch_op.f("ix_street_name_search"), ["name_search"], unique=False)

    op.create_table(
        "sync_operation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("op_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("request_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_operation")),
        sa.UniqueConstraint("user_id", "op_id", name=op.f("uq_sync_operation_user_id_op_id")),
    )
    with op.batch_alter_table("sync_operation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_operation_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_sync_operation_user_id"), ["user_id"], unique=False)

    op.create_table(
        "unit_succession",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_edition", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.Column("from_code", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("to_edition", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.Column("to_code", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("how", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_succession")),
        sa.UniqueConstraint(
            "from_edition",
            "from_code",
            "to_edition",
            "to_code",
            name=op.f("uq_unit_succession_from_edition_from_code_to_edition_to_code"),
        ),
    )
    op.create_table(
        "merchant",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("name_search", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("owner_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("phone_active", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("house_number", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("street_id", sa.Integer(), nullable=True),
        sa.Column("unit_code", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("unit_code_2020", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("close_reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("review_state", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("review_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("non_coverage_reason", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("possible_duplicate_of", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("search_text", sqlmodel.sql.sqltypes.AutoString(length=600), nullable=False),
        sa.Column("has_qr", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("create_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("device_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["app_user.id"], name=op.f("fk_merchant_created_by_app_user")),
        sa.ForeignKeyConstraint(["reviewed_by"], ["app_user.id"], name=op.f("fk_merchant_reviewed_by_app_user")),
        sa.ForeignKeyConstraint(["street_id"], ["street.id"], name=op.f("fk_merchant_street_id_street")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant")),
        sa.UniqueConstraint("phone_active", name=op.f("uq_merchant_phone_active")),
    )
    with op.batch_alter_table("merchant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_merchant_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_merchant_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_merchant_created_by"), ["created_by"], unique=False)
        batch_op.create_index(batch_op.f("ix_merchant_has_qr"), ["has_qr"], unique=False)
        batch_op.create_index(batch_op.f("ix_merchant_name_search"), ["name_search"], unique=False)
        batch_op.create_index(batch_op.f("ix_merchant_review_state"), ["review_state"], unique=False)
        batch_op.create_index(batch_op.f("ix_merchant_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_merchant_street_id"), ["street_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_merchant_unit_code"), ["unit_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_merchant_unit_code_2020"), ["unit_code_2020"], unique=False)

    op.create_table(
        "refresh_token",
        sa.Column("jti", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("family", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_refresh_token_user_id_app_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_refresh_token")),
    )
    with op.batch_alter_table("refresh_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refresh_token_family"), ["family"], unique=False)
        batch_op.create_index(batch_op.f("ix_refresh_token_user_id"), ["user_id"], unique=False)

    op.create_table(
        "street_unit",
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.Column("edition", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["street_id"], ["street.id"], name=op.f("fk_street_unit_street_id_street"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("street_id", "edition", "code", name=op.f("pk_street_unit")),
    )
    op.create_table(
        "user_unit",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("edition", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_user_unit_user_id_app_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "edition", "code", name=op.f("pk_user_unit")),
    )
    op.create_table(
        "merchant_photo",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("merchant_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("storage_path", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_merchant_photo_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["uploaded_by"], ["app_user.id"], name=op.f("fk_merchant_photo_uploaded_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merchant_photo")),
    )
    with op.batch_alter_table("merchant_photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_merchant_photo_merchant_id"), ["merchant_id"], unique=False)

    op.create_table(
        "payment_account",
        sa.Column("merchant_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("bank_bin", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True),
        sa.Column("account_number", sqlmodel.sql.sqltypes.AutoString(length=19), nullable=True),
        sa.Column("account_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("vnpay_merchant_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("vnpay_terminal_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("active_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
            name=op.f("fk_payment_account_merchant_id_merchant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("merchant_id", name=op.f("pk_payment_account")),
        sa.UniqueConstraint("active_key", name=op.f("uq_payment_account_active_key")),
    )
    with op.batch_alter_table("payment_account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_account_bank_bin"), ["bank_bin"], unique=False)

    op.create_table(
        "qr_code",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("merchant_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("scheme", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("payload", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
        sa.Column("payload_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("sticker_code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("active_for", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("bank_bin", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True),
        sa.Column("account_number", sqlmodel.sql.sqltypes.AutoString(length=19), nullable=True),
        sa.Column("account_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("vnpay_merchant_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("adapter", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("issued_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("revoked_by", sa.Integer(), nullable=True),
        sa.Column("revoke_reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.ForeignKeyConstraint(["issued_by"], ["app_user.id"], name=op.f("fk_qr_code_issued_by_app_user")),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchant.id"], name=op.f("fk_qr_code_merchant_id_merchant")),
        sa.ForeignKeyConstraint(["revoked_by"], ["app_user.id"], name=op.f("fk_qr_code_revoked_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qr_code")),
        sa.UniqueConstraint("active_for", name=op.f("uq_qr_code_active_for")),
        sa.UniqueConstraint("sticker_code", name=op.f("uq_qr_code_sticker_code")),
    )
    with op.batch_alter_table("qr_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_qr_code_merchant_id"), ["merchant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_qr_code_payload_hash"), ["payload_hash"], unique=False)
    _create_guards()


AUDIT_GUARD_PG = (
    """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$""",
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
)


def _create_guards() -> None:
    """Audit rows can be added, never changed; on PostgreSQL, trigram search over folded merchant text."""
    if op.get_bind().dialect.name == "postgresql":
        for statement in AUDIT_GUARD_PG:
            op.execute(statement)
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_merchant_search_trgm ON merchant USING gin (search_text gin_trgm_ops)")
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )


def _drop_guards() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_merchant_search_trgm")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")


def downgrade() -> None:
    _drop_guards()
    with op.batch_alter_table("qr_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qr_code_payload_hash"))
        batch_op.drop_index(batch_op.f("ix_qr_code_merchant_id"))

    op.drop_table("qr_code")
    with op.batch_alter_table("payment_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_account_bank_bin"))

    op.drop_table("payment_account")
    with op.batch_alter_table("merchant_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merchant_photo_merchant_id"))

    op.drop_table("merchant_photo")
    op.drop_table("user_unit")
    op.drop_table("street_unit")
    with op.batch_alter_table("refresh_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refresh_token_user_id"))
        batch_op.drop_index(batch_op.f("ix_refresh_token_family"))

    op.drop_table("refresh_token")
    with op.batch_alter_table("merchant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merchant_unit_code_2020"))
        batch_op.drop_index(batch_op.f("ix_merchant_unit_code"))
        batch_op.drop_index(batch_op.f("ix_merchant_street_id"))
        batch_op.drop_index(batch_op.f("ix_merchant_status"))
        batch_op.drop_index(batch_op.f("ix_merchant_review_state"))
        batch_op.drop_index(batch_op.f("ix_merchant_name_search"))
        batch_op.drop_index(batch_op.f("ix_merchant_has_qr"))
        batch_op.drop_index(batch_op.f("ix_merchant_created_by"))
        batch_op.drop_index(batch_op.f("ix_merchant_created_at"))
        batch_op.drop_index(batch_op.f("ix_merchant_category"))

    op.drop_table("merchant")
    op.drop_table("unit_succession")
    with op.batch_alter_table("sync_operation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_operation_user_id"))
        batch_op.drop_index(batch_op.f("ix_sync_operation_created_at"))

    op.drop_table("sync_operation")
    with op.batch_alter_table("street", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_street_name_search"))
        batch_op.drop_index(batch_op.f("ix_street_is_model_street"))

    op.drop_table("street")
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_failure_key"))
        batch_op.drop_index(batch_op.f("ix_login_failure_at"))

    op.drop_table("login_failure")
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_record_user_id"))
        batch_op.drop_index(batch_op.f("ix_idempotency_record_expires_at"))

    op.drop_table("idempotency_record")
    op.drop_table("coverage_counter")
    with op.batch_alter_table("bank", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bank_bin"))

    op.drop_table("bank")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))
        batch_op.drop_index(batch_op.f("ix_audit_log_actor_id"))

    op.drop_table("audit_log")
    op.drop_table("app_user")
    with op.batch_alter_table("admin_unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_unit_edition"))

    op.drop_table("admin_unit")
