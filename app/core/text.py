"""Vietnamese text helpers: NFC for storage, a folded form (no diacritics, đ→d, lower case) for search."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator

_SPACES = re.compile(r"\s+")
_D = str.maketrans({"đ": "d", "Đ": "d"})


def nfc(text: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fold(text: str | None) -> str:
    """'Tạp hóa  Đức' -> 'tap hoa duc': what search compares, on SQLite and PostgreSQL alike."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.translate(_D))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.lower()).strip()


def fold_compact(text: str | None) -> str:
    """Folded without spaces or punctuation: 'Tạp Hóa Hương' and 'taphoa huong' compare equal."""
    return "".join(ch for ch in fold(text) if ch.isalnum())


# Bidirectional embeddings, overrides, isolates and marks: they make "moc.knab" read as "bank.com" on screen.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# invisible characters: a name made only of these (and spaces) looks empty to every reader
_INVISIBLE = frozenset("\u00ad\u034f\u115f\u1160\u180e\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\u3164\ufeff")
_LINE_SPACE = frozenset("\t\n\r")


# the characters text_problem refuses, as one C-speed search: control characters (category Cc) but tab and line
# breaks, surrogates (Cs), bidirectional controls
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_BIDI_RE = re.compile("[" + "".join(sorted(_BIDI)) + "]")


def text_problem(value: str) -> str | None:
    """Why text a user sent cannot be stored or shown as it is, or None when it is fine.

    Refused: control characters (NUL breaks PostgreSQL, the rest break CSV, logs and terminals), lone
    surrogates (not encodable as UTF-8), bidirectional controls, and text made only of invisible characters.
    Tab and line breaks are allowed: `nfc` turns them into single spaces.
    """
    control, bidi = _CONTROL.search(value), _BIDI_RE.search(value)
    if control and (bidi is None or control.start() < bidi.start()):
        return "control"
    if bidi:
        return "bidi"
    if value.strip() and all(ch in _INVISIBLE or ch.isspace() for ch in value):
        return "invisible"
    return None


_TEXT_MESSAGES = {
    "control": "không được chứa ký tự điều khiển / must not contain control characters",
    "bidi": "không được chứa ký tự đảo chiều văn bản / must not contain bidirectional control characters",
    "invisible": "phải có ký tự nhìn thấy được / must contain visible characters",
}


def check_text(value: str) -> str:
    """Pydantic after-validator behind `UserText`: refuses what `text_problem` names."""
    reason = text_problem(value)
    if reason is not None:
        raise ValueError(_TEXT_MESSAGES[reason])
    return value


# Every free-text field a user sends: `name: UserText = Field(max_length=200)`.
UserText = Annotated[str, AfterValidator(check_text)]
