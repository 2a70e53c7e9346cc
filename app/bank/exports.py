"""The bank's files: every record of its list as CSV or XLSX, streamed, with memory flat whatever the count.

Records are read page by page (keyset on merchant id), each page in its own short read transaction so a long
export never holds SQLite's lock. CSV rows are yielded as they are formatted. XLSX is written by xlsxwriter in
`constant_memory` mode (rows go to a temporary file as they come; nothing is kept per row) off the event loop,
then the finished file is streamed in chunks and deleted. Every text cell goes through `safe_cell` (no
formulas), the first line says when the data was taken, and account numbers stay text (leading zeros kept).
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any

import xlsxwriter
from sqlalchemy.ext.asyncio import AsyncSession

from app.bank.records import load_bank_records
from app.core.spreadsheet import safe_cell, taken_at_line

PAGE = 2000
CHUNK = 256 * 1024
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
    writer.writerow([taken_at_line(as_of)])
    writer.writerow(COLUMNS)
    yield ("\ufeff" + line.take()).encode()  # BOM: Excel opens UTF-8 Vietnamese correctly
    async for batch in pages(session, bank_bin, unit, street_id):
        for record in batch:
            writer.writerow(flat_row(record))
        yield line.take().encode()


class XlsxBuilder:
    """One workbook in constant-memory mode; rows are appended page by page, then the file is finished."""

    def __init__(self, path: str, as_of: datetime) -> None:
        self.wb = xlsxwriter.Workbook(path, {"constant_memory": True, "tmpdir": os.path.dirname(path)})
        self.wb.set_properties({"title": "PhoQR bank merchants", "comments": taken_at_line(as_of, "en")})
        self.as_of, self.sheet, self.row, self.sheets = as_of, None, 0, 0

    def _new_sheet(self) -> None:
        self.sheets += 1
        self.sheet = self.wb.add_worksheet("merchants" if self.sheets == 1 else f"merchants_{self.sheets}")
        self.sheet.write_string(0, 0, taken_at_line(self.as_of))
        for col, name in enumerate(COLUMNS):
            self.sheet.write_string(1, col, name)
        self.row = 2

    def add(self, records: list[dict[str, Any]]) -> None:
        for record in records:
            if self.sheet is None or self.row - 2 >= SHEET_ROWS:
                self._new_sheet()
            sheet = self.sheet
            assert sheet is not None
            for col, value in enumerate(flat_row(record)):
                if value is None:
                    continue
                if isinstance(value, str):
                    sheet.write_string(self.row, col, value)
                else:
                    sheet.write_number(self.row, col, value)
            self.row += 1

    def close(self) -> None:
        if self.sheet is None:
            self._new_sheet()
        self.wb.close()


def _chunks(path: str) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            yield chunk


async def build_xlsx(
    session: AsyncSession, bank_bin: str, as_of: datetime, unit: tuple[str, str] | None, street_id: int | None
) -> str:
    """The finished workbook's path (a temporary file the caller deletes)."""
    fd, path = tempfile.mkstemp(prefix="phoqr-bank-", suffix=".xlsx")
    os.close(fd)
    try:
        builder = XlsxBuilder(path, as_of)
        async for batch in pages(session, bank_bin, unit, street_id):
            await asyncio.to_thread(builder.add, batch)
        await asyncio.to_thread(builder.close)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    return path


async def stream_file(path: str) -> AsyncIterator[bytes]:
    try:
        chunks = _chunks(path)
        while chunk := await asyncio.to_thread(next, chunks, b""):
            yield chunk
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
