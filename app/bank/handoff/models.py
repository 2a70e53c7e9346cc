"""The bank's stored view: what each bank may see of each shop, as the `record_hash` of that record.

One row per (shop, bank) while the bank may see the shop (`repository.visible_records_query`); none otherwise.
Written in the transaction of every change that can change the record (app.bank.handoff.view), so the files
copy the hash instead of rebuilding the record's RFC 8785 JSON and SHA-256 per row, and the digests XOR a
stored column. The hash is kept twice: as the hex text the files print and as four signed 64-bit slices
(`h0` is the first 16 hex digits) that PostgreSQL's `bit_xor` adds up. `unit_code` and `street_id` are the
record's, for the digests' groups. `exotic`: the record holds a value only the Python path writes exactly in a
file (app.bank.handoff.export_sql.exotic_condition, decided in Python by `view.is_exotic`), so a file with one
is written by the Python path without scanning every row for such values first. `csv_line`: the record as one
line of the bank's CSV file (COPY's CSV quoting, no line end; `view.csv_line` and `export_sql.with_csv_line` write
the same bytes), so the file of a bank whose view is exact is the lines of one index range, in shop order.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Text, false
from sqlmodel import Field, SQLModel


class BankView(SQLModel, table=True):
    __tablename__ = "bank_view"
    # the digests' columns in the index too (PostgreSQL): a bank's digests read the index, not the wide rows
    __table_args__ = (
        Index(
            "ix_bank_view_bank_merchant",
            "bank_bin",
            "merchant_id",
            unique=True,
            postgresql_include=["h0", "h1", "h2", "h3", "unit_code", "street_id", "exotic"],
        ),
    )

    merchant_id: str = Field(primary_key=True, max_length=36)
    bank_bin: str = Field(primary_key=True, max_length=6)
    record_hash: str = Field(max_length=64)
    h0: int = Field(sa_column=Column(BigInteger, nullable=False))
    h1: int = Field(sa_column=Column(BigInteger, nullable=False))
    h2: int = Field(sa_column=Column(BigInteger, nullable=False))
    h3: int = Field(sa_column=Column(BigInteger, nullable=False))
    unit_code: str = Field(max_length=8)
    street_id: int | None = None
    exotic: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    csv_line: str = Field(sa_column=Column(Text, nullable=False))
