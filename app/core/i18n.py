"""User-facing messages in Vietnamese (default) and English, chosen by Accept-Language."""

from __future__ import annotations

from typing import Literal

from app.core.problems import titles

Lang = Literal["vi", "en"]
DEFAULT_LANG: Lang = "vi"

# code -> (vi title, en title): derived from the one registry of problem codes (`app.core.problems.DECLARED`,
# where a new code is declared with its status); a detail is passed by the raiser in both languages when it
# carries data.
TITLES: dict[str, tuple[str, str]] = titles()

FIELD_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("Trường bắt buộc", "Field required"),
    "string_too_long": ("Quá dài", "Too long"),
    "string_too_short": ("Quá ngắn", "Too short"),
    "string_pattern_mismatch": ("Sai định dạng", "Wrong format"),
    "literal_error": ("Giá trị không được chấp nhận", "Value not allowed"),
    "enum": ("Giá trị không được chấp nhận", "Value not allowed"),
    "int_parsing": ("Phải là số nguyên", "Must be an integer"),
    "float_parsing": ("Phải là số", "Must be a number"),
    "uuid_parsing": ("Phải là UUID", "Must be a UUID"),
    "greater_than_equal": ("Giá trị quá nhỏ", "Value too small"),
    "less_than_equal": ("Giá trị quá lớn", "Value too large"),
    "json_invalid": ("JSON không hợp lệ", "Invalid JSON"),
    "extra_forbidden": ("Trường không được phép", "Unknown field"),
}


def pick_lang(accept_language: str | None) -> Lang:
    """Honour q-values; anything but English falls back to Vietnamese."""
    if not accept_language:
        return DEFAULT_LANG
    best: tuple[float, Lang] = (-1.0, DEFAULT_LANG)
    for part in accept_language.split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in ("vi", "en") and q > best[0]:
            best = (q, primary)  # type: ignore[assignment]
    return best[1]


def title(code: str, lang: Lang) -> str:
    vi, en = TITLES.get(code, ("Yêu cầu không hợp lệ", "Bad request"))
    return vi if lang == "vi" else en


def field_message(error_type: str, fallback: str, lang: Lang) -> str:
    pair = FIELD_MESSAGES.get(error_type)
    if pair is None:
        return fallback
    return pair[0] if lang == "vi" else pair[1]
