"""A minimal XLSX (Office Open XML) writer that streams: rows in, zip bytes out, memory flat.

An XLSX file is a zip of XML parts. Python's zipfile writes to an unseekable sink (sizes go in data descriptors),
so each batch of rows becomes compressed bytes that can be sent at once; nothing is kept per row and no
temporary file is needed. Text cells are inline strings (no shared-strings table to hold in memory); every text
cell is text (an account number keeps its leading zeros), numbers are numbers. Row and cell references are
omitted, as the format allows: position follows order.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from typing import Any
from xml.sax.saxutils import escape

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0: written as _xHHHH_
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def _text(value: str) -> str:
    value = escape(_ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", value))
    return f'<c t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>'


def row_xml(values: Iterable[Any]) -> str:
    cells = []
    for v in values:
        if v is None:
            cells.append("<c/>")
        elif isinstance(v, bool):
            cells.append(f'<c t="b"><v>{int(v)}</v></c>')
        elif isinstance(v, int | float):
            cells.append(f"<c><v>{v!r}</v></c>")
        else:
            cells.append(_text(str(v)))
    return "<row>" + "".join(cells) + "</row>"


class _Sink(io.RawIOBase):
    """Where zipfile writes; `take()` hands over what was written since the last call."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._pos = 0

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        data = bytes(b)
        self._parts.append(data)
        self._pos += len(data)
        return len(data)

    def tell(self) -> int:
        return self._pos

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


class StreamingXlsx:
    """`start_sheet`/`add_rows`/`finish`, each returning the bytes to send now."""

    def __init__(self, title: str = "PhoQR") -> None:
        self._sink = _Sink()
        self._zip = zipfile.ZipFile(self._sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self._sheet: Any = None
        self._names: list[str] = []
        self._rows = 0
        self._title = title

    def start_sheet(self, name: str) -> bytes:
        self._end_sheet()
        self._names.append(name)
        info = zipfile.ZipInfo(f"xl/worksheets/sheet{len(self._names)}.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        self._sheet = self._zip.open(info, "w", force_zip64=True)  # a sheet of a million rows may pass 4 GiB
        self._sheet.write(
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{_NS}"><sheetData>'.encode()
        )
        self._rows = 0
        return self._sink.take()

    @property
    def rows_in_sheet(self) -> int:
        return self._rows

    def add_rows(self, rows: Iterable[Iterable[Any]]) -> bytes:
        out = []
        for row in rows:
            out.append(row_xml(row))
            self._rows += 1
        self._sheet.write("".join(out).encode("utf-8"))
        return self._sink.take()

    def add_xml(self, xml: bytes, rows: int) -> bytes:
        """Rows already written as `<row>` XML (app.bank.handoff.export_sql), `rows` of them."""
        self._sheet.write(xml)
        self._rows += rows
        return self._sink.take()

    def _end_sheet(self) -> None:
        if self._sheet is not None:
            self._sheet.write(b"</sheetData></worksheet>")
            self._sheet.close()
            self._sheet = None

    def finish(self) -> bytes:
        head = b"" if self._names else self.start_sheet("Sheet1")
        self._end_sheet()
        sheets = "".join(
            f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(self._names, start=1)
        )
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(self._names) + 1)
        )
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(self._names) + 1)
        )
        n = len(self._names)
        parts = {
            "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>",
            "_rels/.rels": f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
            "xl/workbook.xml": f'<workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>{sheets}</sheets></workbook>',
            "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{_PKG}">{rels}<Relationship Id="rId{n + 1}" '
            f'Type="{_REL}/styles" Target="styles.xml"/></Relationships>',
            "xl/styles.xml": f'<styleSheet xmlns="{_NS}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/>'
            '</font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill '
            'patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/>'
            '<diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
            'borderId="0"/></cellStyleXfs><cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" '
            'xfId="0"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
            "</cellStyles></styleSheet>",
        }
        for name, xml in parts.items():
            self._zip.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + xml)
        self._zip.close()
        return head + self._sink.take()
