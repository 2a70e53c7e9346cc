"""text_problem's C-speed search refuses exactly what the character-by-character rule refuses."""

from __future__ import annotations

import unicodedata

from app.core.text import _BIDI, text_problem

_LINE_SPACE = "\t\n\r"


def _by_category(value: str) -> str | None:
    for ch in value:
        cat = unicodedata.category(ch)
        if (cat == "Cc" and ch not in _LINE_SPACE) or cat == "Cs":
            return "control"
        if ch in _BIDI:
            return "bidi"
    return None


def test_every_code_point_is_judged_as_its_unicode_category_says() -> None:
    # every Cc, Cs and bidirectional control is in the BMP: all of it, and a sample of the planes above
    for cp in [*range(0x10000), *range(0x10000, 0x110000, 97), 0x10FFFF]:
        ch = chr(cp)
        assert (text_problem(f"a{ch}b") or None) == _by_category(ch), hex(cp)


def test_the_first_offending_character_names_the_problem() -> None:
    assert text_problem("a\u202eb\x00") == "bidi"
    assert text_problem("a\x00b\u202e") == "control"
    assert text_problem("Tạp hóa\tĐức\n") is None
