"""bank_view: each bank's stored view of the shops it may see (the record_hash the outbox computes), so the
bank files copy a stored hash and the reconciliation digests XOR a stored column (issue 20, item 3).

Backfilled here on PostgreSQL by the same SQL the app's rebuild runs (app.bank.handoff.view.rebuild, frozen as
of this revision: the record's RFC 8785 JSON and SHA-256 written by PostgreSQL). Records only the Python path
hashes exactly (app.bank.handoff.export_sql.exotic_condition; none in practice) are left out, and so are the
rows of a SQLite database: the files and digests compute the hash of a record the view lacks, so an empty or
partial view is slower, never wrong.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = sqlmodel.sql.sqltypes.AutoString

# app.bank.handoff.export_sql.view_rebuild_insert(visible_records_query(None) without the exotic records)
BACKFILL = r"""INSERT INTO bank_view (merchant_id, bank_bin, record_hash, h0, h1, h2, h3, unit_code, street_id) SELECT id, bank_bin, h, ('x' || substr(h, 1, 16))::bit(64)::bigint, ('x' || substr(h, 17, 16))::bit(64)::bigint, ('x' || substr(h, 33, 16))::bit(64)::bigint, ('x' || substr(h, 49, 16))::bit(64)::bigint, unit_code, street_id
FROM (SELECT r.id, r.bank_bin, r.unit_code, r.street_id, encode(sha256(convert_to(('{"address":{"house_number":' || COALESCE(to_json(r.house_number)::text, 'null'))
    || (',"street":' || COALESCE(to_json(r.street_name)::text, 'null'))
    || (',"street_id":' || COALESCE((r.street_id)::text, 'null'))
    || (',"unit_2020":' || CASE WHEN r.unit_code_2020 <> '' THEN '{"code":' || COALESCE(to_json(r.unit_code_2020)::text, 'null') || ',"edition":"2020"}' ELSE 'null' END)
    || (',"unit_2025":{"code":' || COALESCE(to_json(r.unit_code)::text, 'null') || ',"edition":"2025"}}')
    || (CASE WHEN r.business_registration_number IS NULL THEN '' ELSE ',"business_registration_number":' || COALESCE(to_json(r.business_registration_number)::text, 'null') END)
    || (',"category":' || COALESCE(to_json(r.category)::text, 'null'))
    || (',"consent_id":' || COALESCE(to_json(r.consent_id)::text, 'null'))
    || (CASE WHEN r.einvoice_method IS NULL THEN '' ELSE ',"einvoice_method":' || COALESCE(to_json(r.einvoice_method)::text, 'null') END)
    || (',"location":' || CASE WHEN r.lat IS NOT NULL AND r.lon IS NOT NULL THEN '{"accuracy_m":' || CASE WHEN r.accuracy_m IS NULL THEN 'null' WHEN r.accuracy_m = trunc(r.accuracy_m) AND abs(r.accuracy_m) <= 9007199254740991 THEN trunc(r.accuracy_m)::bigint::text ELSE (r.accuracy_m)::text END || ',"lat":' || CASE WHEN r.lat IS NULL THEN 'null' WHEN r.lat = trunc(r.lat) AND abs(r.lat) <= 9007199254740991 THEN trunc(r.lat)::bigint::text ELSE (r.lat)::text END || ',"lon":' || CASE WHEN r.lon IS NULL THEN 'null' WHEN r.lon = trunc(r.lon) AND abs(r.lon) <= 9007199254740991 THEN trunc(r.lon)::bigint::text ELSE (r.lon)::text END || '}' ELSE 'null' END)
    || (',"merchant_id":' || COALESCE(to_json(r.id)::text, 'null'))
    || (',"name":' || COALESCE(to_json(r.name)::text, 'null'))
    || (',"owner_name":' || COALESCE(to_json(r.owner_name)::text, 'null'))
    || (',"payment_account":{"account_name":' || COALESCE(to_json(r.account_name)::text, 'null'))
    || (',"account_number":' || COALESCE(to_json(r.account_number)::text, 'null'))
    || (',"bank_bin":' || COALESCE(to_json(r.bank_bin)::text, 'null'))
    || (',"kind":' || COALESCE(to_json(r.kind)::text, 'null') || '}')
    || (',"phone":' || COALESCE(to_json(r.phone)::text, 'null'))
    || (',"qr":' || CASE WHEN r.qr_payload IS NOT NULL THEN '{"issued_at":' || COALESCE(to_json(to_char(r.qr_issued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))::text, 'null') || ',"payload":' || COALESCE(to_json(r.qr_payload)::text, 'null') || ',"sticker_code":' || COALESCE(to_json(r.qr_sticker_code)::text, 'null') || '}' ELSE 'null' END)
    || (',"status":' || COALESCE(to_json(r.status)::text, 'null'))
    || (CASE WHEN r.tax_code IS NULL THEN '' ELSE ',"tax_code":' || COALESCE(to_json(r.tax_code)::text, 'null') END)
    || (',"version":' || COALESCE((r.version)::text, 'null') || '}'), 'UTF8')), 'hex') AS h
FROM (SELECT merchant.id, merchant.version, merchant.name, merchant.category, merchant.owner_name, merchant.phone, merchant.house_number, merchant.street_id, merchant.unit_code, merchant.unit_code_2020, merchant.lat, merchant.lon, merchant.accuracy_m, merchant.status, merchant.tax_code, merchant.business_registration_number, merchant.einvoice_method, payment_account.bank_bin, payment_account.account_number, payment_account.account_name, payment_account.kind, consent.id AS consent_id, street.name AS street_name, qr_code.payload AS qr_payload, qr_code.sticker_code AS qr_sticker_code, qr_code.issued_at AS qr_issued_at
FROM merchant JOIN payment_account ON payment_account.merchant_id = merchant.id JOIN consent ON consent.merchant_id = payment_account.merchant_id AND consent.bank_bin = payment_account.bank_bin AND consent.purpose = 'bank_onboarding' AND consent.active_key IS NOT NULL LEFT OUTER JOIN street ON street.id = merchant.street_id LEFT OUTER JOIN qr_code ON qr_code.active_for = merchant.id
WHERE payment_account.kind IN ('account', 'card') AND payment_account.account_number IS NOT NULL AND (merchant.lat IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8) OR merchant.lat = 0 AND CAST(merchant.lat AS TEXT) = '-0' OR abs(merchant.lat) > 9007199254740991 OR merchant.lat != trunc(merchant.lat) AND (abs(merchant.lat) < 0.0001 OR abs(merchant.lat) >= 1000000000000000.0) OR merchant.lon IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8) OR merchant.lon = 0 AND CAST(merchant.lon AS TEXT) = '-0' OR abs(merchant.lon) > 9007199254740991 OR merchant.lon != trunc(merchant.lon) AND (abs(merchant.lon) < 0.0001 OR abs(merchant.lon) >= 1000000000000000.0) OR merchant.accuracy_m IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8) OR merchant.accuracy_m = 0 AND CAST(merchant.accuracy_m AS TEXT) = '-0' OR abs(merchant.accuracy_m) > 9007199254740991 OR merchant.accuracy_m != trunc(merchant.accuracy_m) AND (abs(merchant.accuracy_m) < 0.0001 OR abs(merchant.accuracy_m) >= 1000000000000000.0) OR merchant.name ~ '[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]' OR merchant.owner_name ~ '[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]' OR merchant.house_number ~ '[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]' OR merchant.phone ~ '[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]' OR merchant.business_registration_number ~ '[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]' OR street.name ~ '[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]' OR payment_account.account_name ~ '[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]' OR payment_account.account_number ~ '[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]' OR qr_code.payload ~ '[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]' OR qr_code.sticker_code ~ '[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]') IS NOT true) AS r) AS t"""


def upgrade() -> None:
    op.create_table(
        "bank_view",
        sa.Column("merchant_id", S(length=36), nullable=False),
        sa.Column("bank_bin", S(length=6), nullable=False),
        sa.Column("record_hash", S(length=64), nullable=False),
        sa.Column("h0", sa.BigInteger(), nullable=False),
        sa.Column("h1", sa.BigInteger(), nullable=False),
        sa.Column("h2", sa.BigInteger(), nullable=False),
        sa.Column("h3", sa.BigInteger(), nullable=False),
        sa.Column("unit_code", S(length=8), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=True),
        sa.Column("exotic", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.PrimaryKeyConstraint("merchant_id", "bank_bin", name=op.f("pk_bank_view")),
    )
    op.create_index("ix_bank_view_bank_merchant", "bank_view", ["bank_bin", "merchant_id"], unique=True)
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(BACKFILL)


def downgrade() -> None:
    op.drop_index("ix_bank_view_bank_merchant", table_name="bank_view")
    op.drop_table("bank_view")
