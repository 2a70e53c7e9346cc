"""The bank's files: every record of its list as CSV or XLSX, streamed, with memory flat whatever the count.

Records are read page by page (keyset on merchant id), each page in its own short read transaction so a long
export never holds SQLite's lock. CSV rows are yielded as they are formatted; XLSX rows become compressed zip
bytes page by page (app.bank.xlsx_stream: no temporary file, nothing kept per row). Every text cell goes
through `safe_cell` (no formulas), the first line says when the data was taken, and account numbers stay text.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.bank.records import load_bank_records
from app.bank.xlsx_stream import StreamingXlsx
from app.core.spreadsheet import safe_cell, taken_at_line

PAGE = 2000
SHEET_ROWS = 1_000_000  # an XLSX sheet holds 1,048,576 rows: a longer list continues on the next sheet
COLUMNS = (
    "merchant_id",
    "version",
    "name",
    "category",
    "owner_name",
    "phone",
    "house_number",
    "street",
    "street_id",
    "unit_2025",
    "unit_2020",
    "lat",
    "lon",
    "accuracy_m",
    "bank_bin",
    "account_number",
    "account_name",
    "kind",
    "qr_payload",
    "qr_sticker_code",
    "qr_issued_at",
    "status",
    "consent_id",
    "record_hash",
)


def _unit(u: dict[str, str] | None) -> str | None:
    return f"{u['edition']}:{u['code']}" if u else None


def flat_row(r: dict[str, Any]) -> list[Any]:
    """A record as one spreadsheet row, in COLUMNS order (text cells formula-safe)."""
    a, loc, acc, code = r["address"], r["location"] or {}, r["payment_account"], r["qr"] or {}
    values = [
        r["merchant_id"],
        r["version"],
        r["name"],
        r["category"],
        r["owner_name"],
        r["phone"],
        a["house_number"],
        a["street"],
        a["street_id"],
        _unit(a["unit_2025"]),
        _unit(a["unit_2020"]),
        loc.get("lat"),
        loc.get("lon"),
        loc.get("accuracy_m"),
        acc["bank_bin"],
        acc["account_number"],
        acc["account_name"],
        acc["kind"],
        code.get("payload"),
        code.get("sticker_code"),
        code.get("issued_at"),
        r["status"],
        r["consent_id"],
        r["record_hash"],
    ]
    return [safe_cell(v) for v in values]


async def pages(
    session: AsyncSession, bank_bin: str, unit: tuple[str, str] | None, street_id: int | None
) -> AsyncIterator[list[dict[str, Any]]]:
    after: str | None = None
    while True:
        batch = await load_bank_records(session, bank_bin, unit=unit, street_id=street_id, after=after, limit=PAGE)
        await session.commit()  # end the read transaction between pages
        if batch:
            yield batch
        if len(batch) < PAGE:
            return
        after = batch[-1]["merchant_id"]


class _Line:
    """csv.writer target that hands back what one writerow produced."""

    def __init__(self) -> None:
        self.buf = io.StringIO()

    def write(self, s: str) -> int:
        return self.buf.write(s)

    def take(self) -> str:
        out = self.buf.getvalue()
        self.buf.seek(0)
        self.buf.truncate()
        return out


async def csv_stream(
    session: AsyncSession, bank_bin: str, as_of: datetime, unit: tuple[str, str] | None, street_id: int | None
) -> AsyncIterator[bytes]:
    line = _Line()
    writer = csv.writer(line, lineterminator="\r\n")
    writer.writerow(COLUMNS)  # a CSV starts with its header; as_of is in X-As-Of and the file name
    yield ("\ufeff" + line.take()).encode()  # BOM: Excel opens UTF-8 Vietnamese correctly
    async for batch in pages(session, bank_bin, unit, street_id):
        for record in batch:
            writer.writerow(flat_row(record))
        yield line.take().encode()


async def xlsx_stream(
    session: AsyncSession, bank_bin: str, as_of: datetime, unit: tuple[str, str] | None, street_id: int | None
) -> AsyncIterator[bytes]:
    book = StreamingXlsx()
    header: list[list[Any]] = [[taken_at_line(as_of)], list(COLUMNS)]
    sheets = 1
    yield book.start_sheet("merchants") + book.add_rows(header)
    async for batch in pages(session, bank_bin, unit, street_id):
        rows = [flat_row(r) for r in batch]
        while rows:
            room = SHEET_ROWS + len(header) - book.rows_in_sheet
            if room <= 0:
                sheets += 1
                yield book.start_sheet(f"merchants_{sheets}") + book.add_rows(header)
                continue
            part, rows = rows[:room], rows[room:]
            yield await asyncio.to_thread(book.add_rows, part)  # XML and deflate off the event loop
    yield book.finish()
