"""Field agents from a CSV (`name,phone,unit`), each with a one-time password shown once in the answer.

The file is checked row by row before anything is written: every problem is reported together, named
`rows[<line>].<column>` (the header is line 1), and a file with any problem creates nobody. The phone number is
the agent's username. A cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) is
refused, so the names can never turn into formulas in a later export.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal, Role
from app.auth.schemas import UnitRef
from app.core.editions import EDITIONS
from app.core.errors import FieldError, Forbidden, ValidationFailed
from app.core.text import nfc, text_problem
from app.units.repository import UnitRepository
from app.users import policy
from app.users.repository import AccountRepository
from app.users.schemas import NOT_REPLAYED, BulkCreated, CreatedRow, UserCreate
from app.users.service import add_user, to_out

MAX_ROWS = 500
MAX_BYTES = 256 * 1024
COLUMNS = ("name", "phone", "unit")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PHONE_JUNK = re.compile(r"[\s.\-()]")


def _problem(errors: list[FieldError]) -> ValidationFailed:
    first = errors[0]
    return ValidationFailed(
        first.field,
        f"Tệp CSV có {len(errors)} lỗi; chưa tạo tài khoản nào",
        f"The CSV has {len(errors)} problem(s); no account was created",
        errors=errors[:100],
    )


def _phone(raw: str) -> str | None:
    digits = _PHONE_JUNK.sub("", raw)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if re.fullmatch(r"0\d{9}", digits) else None


def _unit(raw: str) -> tuple[str, str] | None:
    edition, _, code = raw.strip().rpartition(":")
    edition = edition or "2025"
    return (edition, code) if edition in EDITIONS and re.fullmatch(r"\d{5}", code) else None


def parse(data: bytes) -> list[tuple[int, str, str, tuple[str, str]]]:
    """(line, name, phone, unit) for every row, or a 422 naming each bad row and column."""
    if len(data) > MAX_BYTES:
        raise ValidationFailed("file", "Tệp quá lớn", f"The file is larger than {MAX_BYTES // 1024} KB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed("file", "Tệp phải là CSV UTF-8", "The file must be UTF-8 CSV") from exc
    lines = text.splitlines()
    delimiter = ";" if lines and ";" in lines[0] and "," not in lines[0] else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader, [])]
    if header[: len(COLUMNS)] != list(COLUMNS):
        raise ValidationFailed(
            "file", "Dòng đầu phải là: name,phone,unit", "The first line must be the header name,phone,unit"
        )
    rows: list[tuple[int, str, str, tuple[str, str]]] = []
    errors: list[FieldError] = []
    seen: dict[str, int] = {}
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(rows) + len(errors) >= MAX_ROWS:
            raise ValidationFailed("file", f"Tối đa {MAX_ROWS} dòng", f"At most {MAX_ROWS} rows per file")
        cells = [*cells, "", "", ""][:3]
        name_raw, phone_raw, unit_raw = cells
        bad = len(errors)
        name = nfc(name_raw)
        if name_raw.lstrip(" ").startswith(_FORMULA_START):  # the phone is normalised to digits, the unit checked
            errors.append(
                FieldError(f"rows[{line}].name", "Không được bắt đầu bằng = + - @", "Must not start like a formula")
            )
        elif not name or len(name) > 120 or text_problem(name_raw) is not None:
            errors.append(
                FieldError(
                    f"rows[{line}].name", "Tên trống, quá dài hoặc có ký tự lạ", "Empty, too long or unprintable name"
                )
            )
        phone = _phone(phone_raw)
        if phone is None:
            errors.append(
                FieldError(f"rows[{line}].phone", "Số điện thoại không hợp lệ", "Not a Vietnamese phone number")
            )
        elif phone in seen:
            errors.append(
                FieldError(f"rows[{line}].phone", f"Trùng với dòng {seen[phone]}", f"Same phone as line {seen[phone]}")
            )
        else:
            seen[phone] = line
        unit = _unit(unit_raw)
        if unit is None:
            errors.append(
                FieldError(f"rows[{line}].unit", "Đơn vị phải có dạng 2025:26506", "Unit must look like 2025:26506")
            )
        if len(errors) == bad and phone is not None and unit is not None:
            rows.append((line, name, phone, unit))
    if errors:
        raise _problem(errors)
    if not rows:
        raise ValidationFailed("file", "Tệp không có dòng nào", "The file has no rows")
    return rows


async def create_agents(session: AsyncSession, principal: Principal, data: bytes) -> BulkCreated:
    rows = parse(data)
    errors: list[FieldError] = []
    refused: list[FieldError] = []
    units = UnitRepository(session)
    taken = await AccountRepository(session).existing_usernames([phone for _, _, phone, _ in rows])
    for line, _name, phone, unit in rows:
        if not policy.may_grant(principal, Role.FIELD_AGENT, [unit]):
            refused.append(
                FieldError(f"rows[{line}].unit", "Đơn vị ngoài phạm vi của bạn", "A unit outside your scope")
            )
        elif await units.by_code(*unit) is None:
            errors.append(FieldError(f"rows[{line}].unit", "Không có đơn vị này", "No such administrative unit"))
        if phone in taken:
            errors.append(
                FieldError(f"rows[{line}].phone", "Số này đã có tài khoản", "This phone already has an account")
            )
    if refused:
        raise Forbidden(
            "Chỉ được tạo cộng tác viên trong đơn vị bạn phụ trách",
            "You may only create field agents in your own units",
            code="units_not_grantable",
            errors=refused[:100],
        )
    if errors:
        raise _problem(errors)
    created = []
    for line, name, phone, (edition, code) in rows:
        body = UserCreate(
            username=phone, full_name=name, role="field_agent", units=[UnitRef(edition=edition, code=code)], phone=phone
        )
        user, user_units, password = await add_user(session, body, by=principal, prefix=f"rows[{line}].")
        created.append(CreatedRow(row=line, user=to_out(user, user_units), password=password))
    return BulkCreated(created=created, count=len(created), passwords_shown=True, note=None)


def without_passwords(answer: dict[str, Any]) -> dict[str, Any]:
    """What a replay of the answer shows: the same accounts, no password (they were shown once)."""
    return answer | {
        "created": [row | {"password": None} for row in answer["created"]],
        "passwords_shown": False,
        "note": NOT_REPLAYED,
    }
