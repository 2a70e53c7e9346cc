from datetime import UTC, datetime

import pytest

from app.core.spreadsheet import safe_cell, safe_row, taken_at_line


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\tx", "\rx", "＝1"])
def test_formula_leading_text_is_neutralised(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Tạp hóa Hương", "Chợ Xóm Lưới", "", 12, -3, 0.5, None])
def test_other_values_pass_unchanged(value: object) -> None:
    assert safe_cell(value) == value


def test_row_and_stamp() -> None:
    assert safe_row(["=1", "a", 2]) == ["'=1", "a", 2]
    assert "2026-11-23T10:00:00+00:00" in taken_at_line(datetime(2026, 11, 23, 10, tzinfo=UTC))
