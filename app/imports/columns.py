"""The columns of the Shops sheet: one per registration field, each header ending with the API field name.

A header is read either labelled (`Tên cửa hàng * (name)`: the field name is what is inside the last
parentheses) or bare (`name`), so a program writing the CSV and a person filling the template agree. Unknown
headers and the error column of an error file (`Lỗi (errors)`) are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.core.text import nfc

SHOPS_SHEET = "Shops"
ERRORS_HEADER = "Lỗi (errors)"
ERRORS_FIELD = "errors"


@dataclass(frozen=True, slots=True)
class Column:
    field: str
    vi: str
    en: str
    required: bool = False
    note_vi: str = ""
    note_en: str = ""

    @property
    def header(self) -> str:
        return f"{self.vi}{' *' if self.required else ''} ({self.field})"


COLUMNS: tuple[Column, ...] = (
    Column("name", "Tên cửa hàng", "Shop name", True, "Tên trên biển hiệu", "As on the sign"),
    Column("category", "Loại hình", "Category", True, "Chọn mã ở trang Danh mục", "A code from the Categories sheet"),
    Column("owner_name", "Chủ cửa hàng", "Owner"),
    Column("phone", "Số điện thoại", "Phone", False, "10-11 chữ số, có thể mất số 0 đầu", "10-11 digits"),
    Column("house_number", "Số nhà", "House number"),
    Column("street_id", "Mã tuyến phố", "Street id", False, "Mã ở trang Tuyến phố", "An id from the Streets sheet"),
    Column("street", "Tên tuyến phố", "Street name", False, "Hoặc tên tuyến phố/chợ", "Or the street/market name"),
    Column("location.lat", "Vĩ độ", "Latitude", False, "Ví dụ 10.3461", "e.g. 10.3461"),
    Column("location.lon", "Kinh độ", "Longitude", False, "Ví dụ 107.0843", "e.g. 107.0843"),
    Column("payment_account.bank_bin", "Ngân hàng", "Bank", False, "BIN hoặc tên viết tắt", "BIN or short name"),
    Column("payment_account.account_number", "Số tài khoản", "Account number", False, "Chữ số", "Digits"),
    Column("payment_account.account_name", "Tên chủ tài khoản", "Account holder"),
    Column("payment_account.kind", "Loại tài khoản", "Account kind", False, "account hoặc card", "account or card"),
    Column(
        "non_coverage_reason",
        "Lý do chưa có QR",
        "Why no QR",
        False,
        "refused, no_bank_account, not_eligible",
        "refused, no_bank_account, not_eligible",
    ),
    Column("consent.agreed", "Chủ đồng ý chia sẻ", "Owner agreed", False, "có / không", "yes / no"),
    Column("consent.text_version", "Phiên bản văn bản đồng ý", "Consent text version", False, "Trang Đồng ý", ""),
    Column("consent.given_by_name", "Người đồng ý", "Agreed by", False, "Mặc định: chủ cửa hàng", "Default: owner"),
    Column("consent.given_at", "Ngày đồng ý", "Agreed on", False, "Ngày (dd/mm/yyyy)", "A date"),
    Column("tax_code", "Mã số thuế (số định danh)", "Tax code (personal id)", False, "12 chữ số", "12 digits"),
    Column("business_registration_number", "Số đăng ký hộ kinh doanh", "Household business registration no."),
    Column(
        "einvoice_method",
        "Hóa đơn điện tử",
        "E-invoice method",
        False,
        "none, tax_authority_code, cash_register",
        "none, tax_authority_code, cash_register",
    ),
    Column("id", "Mã cửa hàng (UUID)", "Shop id (UUID)", False, "Để trống: hệ thống tự tạo", "Blank: generated"),
)
BY_FIELD = {c.field: c for c in COLUMNS}
_PAREN = re.compile(r"\(([^()]*)\)\s*$")


def field_of(header: object) -> str | None:
    """The API field a header names (labelled or bare), `errors` for an error file's column, else None."""
    if header is None:
        return None
    text = nfc(str(header))
    found = _PAREN.search(text)
    name = (found.group(1) if found else text).strip()
    if name == ERRORS_FIELD:
        return ERRORS_FIELD
    return name if name in BY_FIELD else None
