"""Cells a person opens in Excel or LibreOffice: never a formula, whatever a shop or street is called."""

from __future__ import annotations

from datetime import datetime
from typing import Any

# A cell starting with one of these is read as a formula (or DDE) by spreadsheet programs (OWASP CSV injection).
FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would evaluate gets a leading apostrophe; numbers, dates and None pass through."""
    if isinstance(value, str) and value.startswith(FORMULA_LEAD):
        return "'" + value
    return value


def safe_row(values: list[Any] | tuple[Any, ...]) -> list[Any]:
    return [safe_cell(v) for v in values]


def taken_at_line(as_of: datetime, lang: str = "vi") -> str:
    """The first line of every export: when the data was taken (UTC, ISO 8601)."""
    stamp = as_of.isoformat(timespec="seconds")
    return f"Số liệu lấy lúc (as of): {stamp}" if lang == "vi" else f"Data as of: {stamp}"
