"""Household-business fields (2026): since 1 July 2025 a household business's tax code is its owner's 12-digit
personal identification number (Circular 86/2024/TT-BTC), so it is checked like one: 12 ASCII digits, a birth
province code (digits 1-3), a century-and-sex digit (4) that agrees with the birth year (digits 5-6)."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum


class EinvoiceMethod(StrEnum):
    NONE = "none"
    TAX_AUTHORITY_CODE = "tax_authority_code"
    CASH_REGISTER = "cash_register"


# province codes of the personal identification number (the 63 provinces before the 2025 merger)
PROVINCES = frozenset(
    [
        "001",
        "002",
        "004",
        "006",
        "008",
        "010",
        "011",
        "012",
        "014",
        "015",
        "017",
        "019",
        "020",
        "022",
        "024",
        "025",
        "026",
        "027",
        "030",
        "031",
        "033",
        "034",
        "035",
        "036",
        "037",
        "038",
        "040",
        "042",
        "044",
        "045",
        "046",
        "048",
        "049",
        "051",
        "052",
        "054",
        "056",
        "058",
        "060",
        "062",
        "064",
        "066",
        "067",
        "068",
        "070",
        "072",
        "074",
        "075",
        "077",
        "079",
        "080",
        "082",
        "083",
        "084",
        "086",
        "087",
        "089",
        "091",
        "092",
        "093",
        "094",
        "095",
        "096",
    ]
)
_DIGITS = re.compile(r"[0-9]{12}")


def check_tax_code(raw: str, today: date | None = None) -> str:
    """The tax code with spaces removed, or ValueError saying what is wrong (Vietnamese / English)."""
    code = re.sub(r"[\s.\-]", "", raw)
    if not _DIGITS.fullmatch(code):
        raise ValueError("mã số thuế là 12 chữ số / a tax code is 12 digits")
    if code[:3] not in PROVINCES:
        raise ValueError("3 chữ số đầu không phải mã tỉnh / the first 3 digits are not a province code")
    century = 1900 + 100 * (int(code[3]) // 2)
    year = century + int(code[4:6])
    this_year = (today or date.today()).year
    if century > 2000 or year > this_year - 15:
        raise ValueError(
            "chữ số thứ 4-6 (thế kỷ, năm sinh) không hợp lệ / digits 4-6 (century, birth year) are not valid"
        )
    return code


def mask_tax_code(code: str | None) -> str | None:
    """What a screen outside the shop's own unit shows: the province digits and the last two."""
    return None if code is None else f"{code[:3]}*******{code[-2:]}"
