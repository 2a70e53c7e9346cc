"""The bank's files: every record of its list as CSV or XLSX, streamed, with memory flat whatever the count.

One file is one read transaction (`open_snapshot`): on PostgreSQL REPEATABLE READ, so every row is as of the
same instant, `as_of`, however long the file streams (SQLite: a deferred read transaction, a snapshot in WAL
mode that blocks no writer). On PostgreSQL the lines are written by the database (`COPY ... TO STDOUT`,
app.bank.handoff.export_sql), each record's hash taken from the stored view (app.bank.handoff.view), and passed on
as they arrive; elsewhere, or when a record holds a value only the Python
path writes exactly, records come from one server-side cursor and are formatted here. XLSX rows become
compressed zip bytes as they come (app.bank.handoff.xlsx_stream: no temporary file, nothing kept per row). Every text
cell goes through `safe_cell` (no formulas), account numbers stay text, a CSV starts with its header row (when
the data was taken is in the X-As-Of header and the file name) and a sheet with the title line, then the header.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from app.bank.handoff import export_sql
from app.bank.handoff.records import build_record
from app.bank.handoff.repository import (
    HandoffRepository,
    narrowed,
    not_in_view,
    stored_lines_query,
    visible_records_query,
    with_stored_hash,
)
from app.bank.handoff.xlsx_stream import StreamingXlsx
from app.core.spreadsheet import safe_cell, taken_at_line

PAGE = 2000
CHUNK = 1 << 20  # bytes handed on at once from COPY (CSV to the client, XML to the compressor)
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
    # household business (empty when the shop has none); after record_hash so earlier columns keep their place
    "tax_code",
    "business_registration_number",
    "einvoice_method",
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
        r.get("tax_code"),
        r.get("business_registration_number"),
        r.get("einvoice_method"),
    ]
    return [safe_cell(v) for v in values]


async def open_snapshot(session: AsyncSession) -> datetime:
    """Begin the file's one read transaction; returns `as_of`, the instant its snapshot was taken."""
    return await HandoffRepository(session).open_snapshot()


def _records(bank_bin: str, unit: tuple[str, str] | None, street_id: int | None) -> Select[Any]:
    return narrowed(visible_records_query(bank_bin), unit, street_id)


async def _by_database(
    session: AsyncSession, stmt: Select[Any], bank_bin: str, unit: tuple[str, str] | None, street_id: int | None
) -> str | None:
    """How PostgreSQL writes the file: "view" (the stored lines, when the view holds exactly the file's records
    and none of them is exotic), "join" (each record joined afresh, the view's hash and line where it has them),
    or None: the Python path, on SQLite or when one of the records holds a value only it writes exactly (known
    from the stored view, and looked for only among the records the view lacks)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    repo = HandoffRepository(session)
    missing, exotic, exact = await repo.view_state(bank_bin, unit, street_id)
    if exotic or (missing and await repo.has_exotic(not_in_view(stmt))):
        return None
    return "view" if exact else "join"


async def record_batches(
    session: AsyncSession, bank_bin: str, unit: tuple[str, str] | None = None, street_id: int | None = None
) -> AsyncIterator[list[dict[str, Any]]]:
    """Every record of the bank's list in merchant id order, PAGE at a time, from one server-side cursor."""
    async for batch in _cursor_batches(session, _records(bank_bin, unit, street_id)):
        yield batch


async def _cursor_batches(session: AsyncSession, stmt: Select[Any]) -> AsyncIterator[list[dict[str, Any]]]:
    """Every record of `stmt` in merchant id order from one server-side cursor, PAGE at a time."""
    async for rows in HandoffRepository(session).stream_rows(stmt, PAGE):
        yield [build_record(row) for row in rows]


async def _copy(session: AsyncSession, query: str, **options: str) -> AsyncIterator[bytes]:
    """The output of `COPY (query) TO STDOUT`, in chunks of about CHUNK bytes, with backpressure."""
    raw = (await (await session.connection()).get_raw_connection()).driver_connection
    queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=8)

    async def into_queue(data: bytes) -> None:
        await queue.put(bytes(data))

    async def run() -> None:
        try:
            await raw.copy_from_query(query, output=into_queue, timeout=None, **options)  # type: ignore[union-attr]
        finally:
            await queue.put(None)

    task = asyncio.create_task(run())
    pending: list[bytes] = []
    size = 0
    try:
        while (data := await queue.get()) is not None:
            pending.append(data)
            size += len(data)
            if size >= CHUNK:
                yield b"".join(pending)
                pending, size = [], 0
        await task  # raises what COPY raised
        if pending:
            yield b"".join(pending)
    finally:
        if not task.done():
            task.cancel()


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
    session: AsyncSession, bank_bin: str, unit: tuple[str, str] | None, street_id: int | None
) -> AsyncIterator[bytes]:
    line = _Line()
    writer = csv.writer(line, lineterminator="\n")  # as COPY writes them
    writer.writerow(COLUMNS)  # a CSV starts with its header; as_of is in X-As-Of and the file name
    yield ("\ufeff" + line.take()).encode()  # BOM: Excel opens UTF-8 Vietnamese correctly
    stmt = _records(bank_bin, unit, street_id)
    how = await _by_database(session, stmt, bank_bin, unit, street_id)
    if how is not None:
        if how == "view":
            query = export_sql.lines_select(stored_lines_query(bank_bin, unit[1] if unit else None, street_id))
        else:
            query = export_sql.csv_select(with_stored_hash(stmt))
        async for chunk in _text_lines(_copy(session, query, **export_sql.LINE_COPY)):
            yield chunk
        return
    async for batch in _cursor_batches(session, stmt):
        for record in batch:
            writer.writerow(flat_row(record))
        yield line.take().encode()


_ESCAPED = re.compile(rb"\\(.)", re.DOTALL)
_UNESCAPE = {b"\\": b"\\", b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}


async def _text_lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """COPY (FORMAT text) of one column back to the column's values, one per line: a value's backslash, tab,
    CR, LF (a quoted CSV cell may hold one), backspace, form feed and vertical tab come escaped. Only whole
    lines are undone, so an escape split between two chunks is read whole."""
    rest = b""
    async for chunk in chunks:
        data = rest + chunk
        cut = data.rfind(b"\n") + 1
        whole, rest = data[:cut], data[cut:]
        if whole:
            yield _unescape(whole)
    if rest:
        yield _unescape(rest)


def _unescape(data: bytes) -> bytes:
    return _ESCAPED.sub(lambda m: _UNESCAPE[m.group(1)], data) if b"\\" in data else data


async def xlsx_stream(
    session: AsyncSession, bank_bin: str, as_of: datetime, unit: tuple[str, str] | None, street_id: int | None
) -> AsyncIterator[bytes]:
    book = StreamingXlsx()
    header: list[list[Any]] = [[taken_at_line(as_of)], list(COLUMNS)]
    sheets = 1
    yield book.start_sheet("merchants") + book.add_rows(header)

    def room() -> int:
        return SHEET_ROWS + len(header) - book.rows_in_sheet

    def next_sheet() -> bytes:
        nonlocal sheets
        sheets += 1
        return book.start_sheet(f"merchants_{sheets}") + book.add_rows(header)

    stmt = _records(bank_bin, unit, street_id)
    if await _by_database(session, stmt, bank_bin, unit, street_id) is not None:
        async for chunk in _copy(session, export_sql.xlsx_select(with_stored_hash(stmt)), **export_sql.XLSX_COPY):
            while chunk:  # one row per line: a sheet ends after its SHEET_ROWS-th line
                if room() <= 0:
                    yield next_sheet()
                cut, rows = _lines(chunk, room())
                yield await asyncio.to_thread(book.add_xml, chunk[:cut], rows)
                chunk = chunk[cut:]
    else:
        async for batch in _cursor_batches(session, stmt):
            rows_left = [flat_row(r) for r in batch]
            while rows_left:
                if room() <= 0:
                    yield next_sheet()
                part, rows_left = rows_left[: room()], rows_left[room() :]
                yield await asyncio.to_thread(book.add_rows, part)  # XML and deflate off the event loop
    yield book.finish()


def _lines(chunk: bytes, most: int) -> tuple[int, int]:
    """(bytes, lines) of the first `most` complete lines of chunk (all of it when it holds fewer)."""
    count = chunk.count(b"\n")
    if count <= most:
        return len(chunk), count
    cut = -1
    for _ in range(most):
        cut = chunk.index(b"\n", cut + 1)
    return cut + 1, most
