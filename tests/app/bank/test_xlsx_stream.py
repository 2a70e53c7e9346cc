"""The streaming XLSX writer: what openpyxl reads back is what was written, across sheets, whatever the text."""

from __future__ import annotations

import io

import openpyxl

from app.bank.handoff.xlsx_stream import StreamingXlsx


def test_round_trip_through_openpyxl():
    book = StreamingXlsx()
    chunks = [book.start_sheet("merchants")]
    rows = [
        ["as of"],
        ["id", "name", "n", "x", "empty", "account"],
        ["a1", "Tạp hóa <Hương> & con", 3, 10.34, None, "0011001234567"],
        ["a2", "  spaces kept  ", -1, 1e-3, None, "007"],
        ["a3", "bell\x07 char", 0, 107.0812, None, "'=1+1"],
    ]
    chunks.append(book.add_rows(rows[:3]))
    chunks.append(book.add_rows(rows[3:]))
    chunks.append(book.start_sheet("merchants_2"))
    chunks.append(book.add_rows([["second", 2]]))
    chunks.append(book.finish())
    assert all(isinstance(c, bytes) for c in chunks) and sum(map(len, chunks[:-1])) > 0  # bytes leave early
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(chunks)), read_only=True)
    assert wb.sheetnames == ["merchants", "merchants_2"]
    got = [list(r) for r in wb["merchants"].iter_rows(values_only=True)]
    assert got[0][0] == "as of" and got[1] == rows[1]
    assert got[2] == ["a1", "Tạp hóa <Hương> & con", 3, 10.34, None, "0011001234567"]
    assert got[3] == ["a2", "  spaces kept  ", -1, 0.001, None, "007"]
    assert got[4][1] == "bell_x0007_ char" and got[4][5] == "'=1+1"
    assert [list(r) for r in wb["merchants_2"].iter_rows(values_only=True)] == [["second", 2]]


def test_empty_workbook_opens():
    book = StreamingXlsx()
    data = book.finish()
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert len(wb.sheetnames) == 1
