"""The columns of each table of the report, with Vietnamese headings and print widths."""

from __future__ import annotations

from app.reports.model import Column

FIGURES = [
    Column("shops", "Số cửa hàng", "int", 11),
    Column("with_qr", "Có QR", "int", 9),
    Column("denominator", "Mẫu số (max gốc, hiện có)", "int", 13),
    Column("pct", "Tỷ lệ có QR", "pct", 10),
]
CHANGE = [
    Column("prev_with_qr", "Có QR kỳ trước", "int", 10),
    Column("prev_pct", "Tỷ lệ kỳ trước", "pct", 10),
    Column("change_with_qr", "Tăng/giảm QR", "int", 10),
    Column("change_pct", "Tăng/giảm tỷ lệ", "change_pct", 11),
]


def unit_columns() -> list[Column]:
    return [
        Column("code", "Mã đơn vị", "text", 12),
        Column("name", "Đơn vị", "text", 34),
        *FIGURES,
        Column("target_pct", "Mục tiêu", "pct", 9),
        Column("target_date", "Hạn", "date", 11),
        Column("gap", "Còn thiếu (cửa hàng)", "int", 11),
        *CHANGE,
    ]


def street_columns() -> list[Column]:
    return [
        Column("unit", "Đơn vị", "text", 20),
        Column("street_id", "Mã tuyến", "int", 8),
        Column("name", "Tuyến phố / chợ", "text", 28),
        Column("segment", "Đoạn", "text", 24),
        Column("kind", "Loại", "text", 9),
        Column("model", "Tuyến mẫu", "text", 10),
        *FIGURES,
        Column("target_pct", "Mục tiêu", "pct", 9),
        Column("target_date", "Hạn", "date", 11),
        Column("gap", "Còn thiếu (cửa hàng)", "int", 11),
        *CHANGE,
    ]


def category_columns() -> list[Column]:
    return [
        Column("unit", "Đơn vị", "text", 20),
        Column("category", "Ngành hàng", "text", 34),
        Column("plan", "Chỉ tiêu KH 774", "text", 11),
        *FIGURES,
        Column("gap", "Còn thiếu (cửa hàng)", "int", 11),
        *CHANGE,
    ]
