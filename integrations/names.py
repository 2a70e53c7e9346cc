"""Vietnamese names compared the way a payer compares them: without diacritics, case or extra spaces.

Banks keep holders as 'NGUYEN THI HUONG'; a field agent types 'Nguyễn Thị Hương'. Both are the same person:

>>> names_match("Nguyễn Thị Hương", "NGUYEN THI HUONG")
True
>>> names_match("Đặng Văn Đức", "dang  van duc")
True
>>> names_match("Nguyễn Thị Hương", "NGUYEN THI HUONG ANH")
False
>>> normalize_name("  Lê   Văn Bảy ")
'LE VAN BAY'
"""

from __future__ import annotations

import unicodedata

_D = str.maketrans({"đ": "d", "Đ": "D"})


def normalize_name(name: str) -> str:
    """Upper case ASCII letters and digits, one space between words: how bank apps show a holder."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", name).translate(_D))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = "".join(ch if ch.isalnum() else " " for ch in bare.upper()).split()
    return " ".join(words)


def names_match(a: str, b: str) -> bool:
    """Same name once diacritics, case, punctuation and spacing are set aside; an empty name matches nothing."""
    left = normalize_name(a)
    return bool(left) and left == normalize_name(b)
