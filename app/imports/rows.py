"""One spreadsheet row as a registration (`MerchantCreate`), or the errors that say which cell is wrong.

What a spreadsheet does to values is undone here: phones and account numbers stored as numbers (the leading
zero lost), Excel date cells, NFD text, street and bank named by name; then the registration schema validates
the row exactly as it validates a phone's registration. The write path's own checks run when the row is written.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from pydantic import ValidationError

from app.core.i18n import field_message
from app.core.text import fold, nfc
from app.imports.refs import Refs
from app.merchants.schemas import MerchantCreate

VIETNAM = timezone(timedelta(hours=7))
NAMESPACE = uuid.UUID("8e0f7c52-3b8e-4a59-9d0b-5c1d6b0f1a19")
_YES = {"co", "yes", "y", "x", "true", "1", "dong y", "agreed"}
_NO = {"khong", "no", "n", "false", "0", "chua"}
_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
# where an error on a whole object is shown: the column a person fixes
_OBJECT_COLUMN = {
    "payment_account": "payment_account.account_number",
    "consent": "consent.agreed",
    "location": "location.lat",
    "vnpay": "payment_account.account_number",
    "unit": "street_id",
    "unit_2020": "street_id",
}


@dataclass(frozen=True, slots=True)
class RowError:
    sheet: str
    row: int
    column: str | None
    field: str
    code: str
    message: str
    message_en: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class RowProblems(Exception):
    def __init__(
        self, problems: list[tuple[str, str, str, str]], body: dict[str, Any] | None = None
    ) -> None:  # field, code, vi, en; body: what the row's other cells made (to check them too)
        super().__init__(problems)
        self.problems = problems
        self.body = body


def _text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, datetime | date):
        return v.isoformat()
    out = nfc(str(v))
    return out or None


def _digits(v: Any, lost_zero_lengths: tuple[int, ...]) -> str | None:
    """A number cell back to its digits; a leading zero the spreadsheet dropped is put back."""
    text = _text(v)
    if text is None:
        return None
    if isinstance(v, int | float) and not isinstance(v, bool) and len(text) in lost_zero_lengths:
        return "0" + text
    return text


def _phone(v: Any) -> str | None:
    text = _digits(v, (9, 10))
    if text and text.isdigit() and len(text) in (9, 10) and not text.startswith(("0", "84")):
        text = "0" + text  # typed into a text cell after Excel had already eaten the zero
    return text


def _when(v: Any) -> str | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, datetime):
        return (v if v.tzinfo else v.replace(tzinfo=VIETNAM)).isoformat()
    if isinstance(v, date):
        return datetime.combine(v, time(12), VIETNAM).isoformat()
    text = nfc(str(v))
    m = _DATE.match(text)
    if m:
        try:
            return datetime(int(m[3]), int(m[2]), int(m[1]), 12, tzinfo=VIETNAM).isoformat()
        except ValueError as exc:
            raise RowProblems([("consent.given_at", "invalid_date", "Ngày không hợp lệ", "Not a date")]) from exc
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise RowProblems([("consent.given_at", "invalid_date", "Ngày không hợp lệ", "Not a date")]) from exc
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=VIETNAM)).isoformat()


def payload_of(cells: dict[str, Any], refs: Refs, *, seed: str) -> dict[str, Any]:
    """The registration body a row asks for; RowProblems names the cells that cannot become one."""
    problems: list[tuple[str, str, str, str]] = []
    t = {k: _text(v) for k, v in cells.items()}
    body: dict[str, Any] = {"unit": {"edition": refs.unit[0], "code": refs.unit[1]}}
    for name in ("name", "owner_name", "house_number", "non_coverage_reason", "business_registration_number"):
        if t.get(name) is not None:
            body[name] = t[name]
    if t.get("category") is not None:
        body["category"] = refs.category(t["category"] or "") or t["category"]
    if cells.get("phone") is not None:
        body["phone"] = _phone(cells["phone"])
    for name in ("tax_code", "einvoice_method"):
        if t.get(name) is not None:
            body[name] = _digits(cells[name], (11,)) if name == "tax_code" else t[name]
    street_id, street = t.get("street_id"), t.get("street")
    if street_id is not None:
        body["street_id"] = street_id
    if street is not None:
        found = refs.streets_named(street)
        if not found:
            problems.append(
                (
                    "street",
                    "street_not_found",
                    f"Không có tuyến phố '{street}' trong đơn vị",
                    "No such street in the unit",
                )
            )
        elif len(found) > 1:
            problems.append(
                (
                    "street",
                    "street_ambiguous",
                    "Nhiều tuyến phố trùng tên: hãy ghi mã",
                    "Several streets have this name: give the id",
                )
            )
        elif street_id is not None and street_id != str(found[0]):
            problems.append(
                ("street", "street_mismatch", "Tên và mã tuyến phố không khớp", "Street name and id disagree")
            )
        else:
            body["street_id"] = found[0]
    if t.get("location.lat") is not None or t.get("location.lon") is not None:
        body["location"] = {"lat": t.get("location.lat"), "lon": t.get("location.lon")}
    account = {
        "bank_bin": t.get("payment_account.bank_bin"),
        "account_number": _digits(cells.get("payment_account.account_number"), ()),
        "account_name": t.get("payment_account.account_name"),
        "kind": t.get("payment_account.kind"),
    }
    if any(account.values()):
        if account["bank_bin"] is not None:
            bin_ = refs.bank_bin(account["bank_bin"])
            if bin_ is None:
                problems.append(
                    (
                        "payment_account.bank_bin",
                        "bank_not_found",
                        "Không có ngân hàng này (xem trang Ngân hàng)",
                        "Unknown bank (see the Banks sheet)",
                    )
                )
            account["bank_bin"] = bin_ or account["bank_bin"]
        body["payment_account"] = {k: v for k, v in account.items() if v is not None}
    agreed = fold(t.get("consent.agreed"))
    if agreed in _YES:
        consent: dict[str, Any] = {
            "channel": "paper_form",
            "given_by_name": t.get("consent.given_by_name") or t.get("owner_name"),
        }
        version = t.get("consent.text_version")
        if version is None:
            problems.append(
                (
                    "consent.text_version",
                    "consent_text_required",
                    "Cần ghi phiên bản văn bản chủ cửa hàng đã đồng ý",
                    "Give the version of the text the owner agreed to",
                )
            )
        consent["text_version"] = version
        try:
            consent["given_at"] = _when(cells.get("consent.given_at"))
        except RowProblems as exc:
            problems += exc.problems
        body["consent"] = {k: v for k, v in consent.items() if v is not None}
    elif agreed and agreed not in _NO:
        problems.append(("consent.agreed", "invalid_choice", "Ghi 'có' hoặc 'không'", "Write 'yes' or 'no'"))
    if problems:
        raise RowProblems(problems, body | {"id": t.get("id") or str(uuid.UUID(int=0))})
    given = t.get("id")
    body["id"] = given or str(uuid.uuid5(NAMESPACE, seed + json.dumps(body, sort_keys=True, ensure_ascii=False)))
    return body


def _message(err: Any) -> tuple[str, str]:
    msg = str(err.get("msg", ""))
    if err.get("type") == "value_error":
        text = msg.removeprefix("Value error, ")
        vi, _, en = text.partition(" / ")
        return vi, en or vi
    return field_message(err.get("type", ""), msg, "vi"), field_message(err.get("type", ""), msg, "en")


def validate(body: dict[str, Any]) -> MerchantCreate:
    """The registration schema on the row's body; RowProblems with the field of each failure."""
    try:
        return MerchantCreate.model_validate(body)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = [str(p) for p in err["loc"] if not isinstance(p, int)]
            path = ".".join(loc)
            vi, en = _message(err)
            problems.append((path, str(err.get("type", "invalid")), vi, en))
        raise RowProblems(problems) from exc


def check(cells: dict[str, Any], refs: Refs, *, seed: str, present: dict[str, str]) -> MerchantCreate:
    """The row as a registration, or every problem of the row at once: the cells that could not become part of
    one (a street or bank not found) and what the schema finds in the others. A problem shown in a column already
    named by an earlier one is left out (a bank not found is not also a badly formed BIN)."""
    try:
        body = payload_of(cells, refs, seed=seed)
    except RowProblems as exc:
        found = list(exc.problems)
        if exc.body is not None:
            named = {column_field(p[0], present) for p in found}
            try:
                validate(exc.body)
            except RowProblems as more:
                found += [p for p in more.problems if column_field(p[0], present) not in named]
        raise RowProblems(found) from exc
    return validate(body)


def column_field(path: str, present: dict[str, str]) -> str:
    """The column a failing field is shown in: itself, or the column a person fixes for that object."""
    if path in present:
        return path
    head = path.split(".")[0]
    if path == "payment_account.bank_bin" or head not in _OBJECT_COLUMN:
        return path
    return _OBJECT_COLUMN[head]
