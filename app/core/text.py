"""Vietnamese text helpers: NFC for storage, a folded form (no diacritics, đ→d, lower case) for search."""

from __future__ import annotations

import re
import unicodedata

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
