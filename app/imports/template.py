"""The template an officer fills: Instructions, Shops (one column per field), reference sheets and dropdowns.

The dropdowns read ranges of the reference sheets, and the upload resolves values against the same lists
(`app.imports.refs`), so what the template offers is what the import accepts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from app.core.spreadsheet import safe_cell, safe_row
from app.imports.columns import COLUMNS, SHOPS_SHEET
from app.imports.reading import MAX_ROWS
from app.imports.refs import CATEGORY_VI, EINVOICE_VI, NON_COVERAGE_VI, Refs

STREETS, CATEGORIES, BANKS, CONSENT = (
    "Tuyen pho (Streets)",
    "Danh muc (Categories)",
    "Ngan hang (Banks)",
    "Dong y (Consent)",
)
REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")
BOLD = Font(bold=True)

INSTRUCTIONS = [
    ("Hướng dẫn nhập danh sách cửa hàng", "How to import a list of shops"),
    ("Điền mỗi cửa hàng một dòng ở trang Shops, từ dòng 2.", "Fill one shop per row on the Shops sheet, from row 2."),
    ("Cột có dấu * là bắt buộc: tên cửa hàng và loại hình.", "Columns marked * are required: name and category."),
    (
        "Tên trong ngoặc ở cuối mỗi tiêu đề là tên trường của API: đừng sửa tiêu đề.",
        "The name in parentheses ending each header is the API field: keep the headers.",
    ),
    (
        "Tuyến phố: ghi mã (street_id) hoặc tên (street), xem trang Tuyến phố. Không phân biệt dấu.",
        "Street: give its id (street_id) or its name (street), see the Streets sheet. Diacritics are ignored.",
    ),
    ("Ngân hàng: BIN hoặc tên viết tắt, xem trang Ngân hàng.", "Bank: BIN or short name, see the Banks sheet."),
    (
        "Chỉ ghi 'có' ở cột Chủ đồng ý khi chủ cửa hàng đã ký đồng ý, kèm phiên bản văn bản (trang Đồng ý).",
        "Write 'yes' in Owner agreed only where the owner signed, with the text version (Consent sheet).",
    ),
    (
        "Mã số thuế hộ kinh doanh là số định danh cá nhân 12 chữ số của chủ hộ.",
        "A household business's tax code is the owner's 12-digit personal identification number.",
    ),
    (
        "Không dùng công thức, không gộp ô ở dòng tiêu đề. Tối đa 20.000 dòng, 10 MB.",
        "No formulas, no merged header cells. At most 20,000 rows, 10 MB.",
    ),
    (
        "Tải lên với 'chạy thử' trước: hệ thống báo mọi lỗi theo dòng và cột, và trả lại tệp có cột Lỗi để sửa.",
        "Upload as a dry run first: every error comes back by row and column, with the file plus an errors column.",
    ),
    (
        "Cửa hàng được nhập sẽ chờ duyệt; người nhập không được tự duyệt.",
        "Imported shops wait for review; the uploader cannot approve them.",
    ),
]


def _reference(book: Workbook, title: str, header: list[str], rows: Sequence[Sequence[object]]) -> str:
    """A reference sheet; returns the absolute range of its first data column's values (for dropdowns)."""
    ws = book.create_sheet(title)
    ws.append(header)
    for cell in ws[1]:
        cell.font = BOLD
    for row in rows:
        ws.append(safe_row(list(row)))
    return f"'{title}'!$A$2:$A${max(2, len(rows) + 1)}"


def _dropdown(ws: Worksheet, field: str, source: str) -> None:
    index = next(i for i, c in enumerate(COLUMNS) if c.field == field) + 1
    letter = get_column_letter(index)
    dv = DataValidation(type="list", formula1=source, allow_blank=True, showErrorMessage=False)
    dv.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    ws.add_data_validation(dv)


def xlsx(refs: Refs) -> bytes:
    book = Workbook()
    intro = book.active
    assert intro is not None
    intro.title = "Huong dan (Instructions)"
    intro.append(["Tiếng Việt", "English"])
    for vi, en in INSTRUCTIONS:
        intro.append([vi, en])
    intro.append([f"Đơn vị: {refs.unit[0]}:{refs.unit[1]}", f"Unit: {refs.unit[0]}:{refs.unit[1]}"])
    intro.column_dimensions["A"].width = intro.column_dimensions["B"].width = 90
    shops = book.create_sheet(SHOPS_SHEET)
    shops.append([c.header for c in COLUMNS])
    for i, col in enumerate(COLUMNS, start=1):
        cell = shops.cell(row=1, column=i)
        cell.font = BOLD
        if col.required:
            cell.fill = REQUIRED_FILL
        note = f"{col.vi} / {col.en}" + (" (bắt buộc / required)" if col.required else "")
        if col.note_vi or col.note_en:
            note += f"\n{col.note_vi} / {col.note_en}"
        cell.comment = Comment(note, "PhoQR")
        shops.column_dimensions[get_column_letter(i)].width = max(14, min(40, len(col.header)))
    shops.freeze_panes = "A2"
    streets = [
        [sid, name + (f" {segment}" if segment else ""), kind, segment] for sid, kind, name, segment in refs.streets
    ]
    street_ids = _reference(book, STREETS, ["street_id", "street", "kind", "segment"], streets)
    street_names = street_ids.replace("$A$", "$B$")
    categories = _reference(
        book, CATEGORIES, ["category", "Tên (vi)"], [[c.value, vi] for c, vi in CATEGORY_VI.items()]
    )
    banks = _reference(book, BANKS, ["short_name", "bin", "name"], [[s, b, n] for b, s, n in refs.banks])
    texts = _reference(book, CONSENT, ["text_version", "purpose", "sha256"], [list(t) for t in refs.texts])
    lists = book.create_sheet("Lists")
    for row in [["einvoice_method", "non_coverage_reason", "consent.agreed", "payment_account.kind"]]:
        lists.append(row)
    einvoice, non_cov = list(EINVOICE_VI), [str(k) for k in NON_COVERAGE_VI]
    agreed, kinds = ["có", "không"], ["account", "card"]
    for i in range(max(len(einvoice), len(non_cov), len(agreed), len(kinds))):
        lists.append([(x[i] if i < len(x) else None) for x in (einvoice, non_cov, agreed, kinds)])
    lists.sheet_state = "hidden"
    _dropdown(shops, "category", categories)
    _dropdown(shops, "street_id", street_ids)
    _dropdown(shops, "street", street_names)
    _dropdown(shops, "payment_account.bank_bin", banks)
    _dropdown(shops, "consent.text_version", texts)
    _dropdown(shops, "einvoice_method", f"Lists!$A$2:$A${len(einvoice) + 1}")
    _dropdown(shops, "non_coverage_reason", f"Lists!$B$2:$B${len(non_cov) + 1}")
    _dropdown(shops, "consent.agreed", "Lists!$C$2:$C$3")
    _dropdown(shops, "payment_account.kind", "Lists!$D$2:$D$3")
    book.active = 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_text(*, bare: bool = False) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([safe_cell(c.field if bare else c.header) for c in COLUMNS])
    return out.getvalue()
