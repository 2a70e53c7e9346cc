"""The values of one worksheet of an XLSX file, streamed by expat: what openpyxl's read-only `iter_rows(
values_only=True)` gives, at a fraction of its cost.

openpyxl builds an element tree for every cell and a descriptor object for every shared string, and its read-only
worksheet parses the whole sheet once more to find its size when the file has no `<dimension>` (openpyxl's own
files): at 5,000 rows that was a third of an import's time. Here expat calls a handful of small functions per
cell and nothing is kept but the values. The semantics are openpyxl's (tests/app/imports/test_xlsx_rows.py reads
every test workbook both ways and compares): numbers as int or float, a number in a date-formatted cell as a
`datetime` (1900 or 1904 calendar), shared and inline strings without their formatting runs or phonetic guides,
booleans, ISO dates (`t="d"`), error values as their text, an empty `<v>` as None; rows numbered by their `r`
attribute, a missing row given as an empty row. A document type declaration (never in a real workbook, the way
entity expansion attacks come in) is refused; cells right of column 256 (`MAX_COLUMNS`) are not read.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from xml.parsers import expat

from openpyxl.styles.stylesheet import Stylesheet
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, from_ISO8601
from openpyxl.xml.functions import fromstring

CHUNK = 1 << 16
# cells to the right of this column are not read: the template has about thirty columns, and a cell at XFD on
# every row would otherwise make each of 20,000 rows a list of 16,384 values (gigabytes from a 10 MB file)
MAX_COLUMNS = 256
Row = tuple[int, list[Any]]


class XlsxRefused(ValueError):
    """The XML is not one a spreadsheet writes (a DTD, broken XML)."""


_LOCAL: dict[str, str] = {}


def _local(name: str) -> str:
    """`x:c` -> `c` (a prefixed name), remembered: a sheet repeats the same few names a hundred thousand times."""
    local = _LOCAL.get(name)
    if local is None:
        local = _LOCAL[name] = name.rpartition(":")[2]
    return local


def _no_dtd(*_: Any) -> None:
    raise XlsxRefused("a document type declaration in a workbook part")


def _parser() -> Any:
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _no_dtd
    parser.EntityDeclHandler = _no_dtd
    return parser


def _feed(parser: Any, stream: Any) -> Iterator[None]:
    """Feed a part to expat a chunk at a time; yields after each chunk so the caller can hand out what it found."""
    try:
        while chunk := stream.read(CHUNK):
            parser.Parse(chunk, False)
            yield
        parser.Parse(b"", True)
        yield
    except expat.ExpatError as exc:
        raise XlsxRefused(str(exc)) from exc


def shared_strings(archive: zipfile.ZipFile, path: str | None) -> list[str]:
    """The shared string table: each `<si>` as its plain text (`<t>`, or its runs' `<t>` joined; `<rPh>` left out)."""
    if path is None or path not in archive.namelist():
        return []
    strings: list[str] = []
    parts: list[str] = []
    state = {"t": False, "rph": 0}

    def start(name: str, _attrs: dict[str, str]) -> None:
        tag = _local(name)
        if tag == "t" and not state["rph"]:
            state["t"] = True
        elif tag == "rPh":
            state["rph"] += 1

    def end(name: str) -> None:
        tag = _local(name)
        if tag == "t":
            state["t"] = False
        elif tag == "rPh":
            state["rph"] -= 1
        elif tag == "si":
            strings.append("".join(parts).replace("x005F_", ""))
            parts.clear()

    def text(data: str) -> None:
        if state["t"]:
            parts.append(data)

    parser = _parser()
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
    with archive.open(path) as stream:
        for _ in _feed(parser, stream):
            pass
    return strings


def date_styles(archive: zipfile.ZipFile) -> tuple[set[int], set[int]]:
    """(styles whose number format is a date, those that are a duration), as openpyxl indexes them."""
    try:
        src = archive.read("xl/styles.xml")
    except KeyError:
        return set(), set()
    # openpyxl's stub knows neither attribute
    sheet: Any = Stylesheet.from_tree(fromstring(src))  # type: ignore[arg-type]
    return set(sheet.date_formats), set(sheet.timedelta_formats)


def epoch(workbook_xml: Any) -> datetime:
    """The workbook's calendar: 1904 when `<workbookPr date1904="1">`."""
    for node in workbook_xml.iter():
        if node.tag.rpartition("}")[2] == "workbookPr" and node.get("date1904") in {"1", "true"}:
            return CALENDAR_MAC_1904
    return CALENDAR_WINDOWS_1900


def _number(text: str) -> int | float:
    return float(text) if ("." in text or "E" in text or "e" in text) else int(text)


class _Sheet:
    """expat's handlers for a worksheet: finished rows collect in `done` until the reader hands them out."""

    def __init__(self, strings: list[str], dates: set[int], durations: set[int], base: datetime) -> None:
        self.strings, self.dates, self.durations, self.base = strings, dates, durations, base
        self.done: list[Row] = []
        self.number = 0  # the row being read
        self.emitted = 0  # the last row number handed out
        self.row: list[Any] = []
        self.column = 0
        self.kind, self.style = "n", 0
        self.parts: list[str] = []
        self.collect = False
        self.inline = False
        self.rph = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = _local(name)
        if tag == "c":
            ref = attrs.get("r")
            if ref:
                self.column = column_index_from_string(ref.rstrip("0123456789"))
            else:
                self.column += 1
            self.kind = attrs.get("t", "n")
            self.style = int(attrs.get("s") or 0)
            self.parts.clear()
            self.inline = False
        elif tag == "v":
            self.collect = True
        elif tag == "row":
            r = attrs.get("r")
            self.number = int(r) if r else self.number + 1
            self.row = []
            self.column = 0
        elif tag == "is":
            self.inline = True
        elif tag == "t" and self.inline and not self.rph:
            self.collect = True
        elif tag == "rPh":
            self.rph += 1

    def end(self, name: str) -> None:
        tag = _local(name)
        if tag == "v" or tag == "t":
            self.collect = False
        elif tag == "c":
            value = self._value()
            self.inline = False
            if value is not None and self.column <= MAX_COLUMNS:
                row = self.row
                if len(row) < self.column:
                    row.extend([None] * (self.column - len(row)))
                row[self.column - 1] = value
        elif tag == "row":
            for missing in range(self.emitted + 1, self.number):
                self.done.append((missing, []))
            self.done.append((self.number, self.row))
            self.emitted = max(self.emitted, self.number)
        elif tag == "rPh":
            self.rph -= 1

    def text(self, data: str) -> None:
        if self.collect:
            self.parts.append(data)

    def _value(self) -> Any:
        kind = self.kind
        if kind == "inlineStr":
            return "".join(self.parts) if self.inline else None
        text = "".join(self.parts)
        if not text:
            return None
        if kind == "n":
            number = _number(text)
            if self.style in self.dates:
                try:
                    return from_excel(number, self.base, timedelta=self.style in self.durations)
                except (OverflowError, ValueError):
                    return "#VALUE!"
            return number
        if kind == "s":
            return self.strings[int(text)]
        if kind == "b":
            return bool(int(text))
        if kind == "d":
            return from_ISO8601(text)  # type: ignore[no-untyped-call]
        return text  # "str" (a formula's cached text), "e" (an error value)


def rows(
    archive: zipfile.ZipFile,
    path: str,
    strings: list[str],
    dates: set[int],
    durations: set[int],
    base: datetime,
) -> Iterator[Row]:
    """(row number, values) from row 1, a chunk of the part at a time: memory stays flat in the sheet's size."""
    sheet = _Sheet(strings, dates, durations, base)
    parser = _parser()
    parser.StartElementHandler, parser.EndElementHandler = sheet.start, sheet.end
    parser.CharacterDataHandler = sheet.text
    with archive.open(path) as stream:
        for _ in _feed(parser, stream):
            if sheet.done:
                yield from sheet.done
                sheet.done.clear()
