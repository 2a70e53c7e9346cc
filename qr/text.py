"""Vietnamese text made fit for a payment QR: bank apps accept ASCII only in EMVCo text fields.

`to_payload_text` strips diacritics (đ→d, Đ→D), keeps the characters bank apps accept, collapses spaces, and
if a limit is given and exceeded, cuts at a word boundary. It never changes text silently: the result lists
every change, so the service can tell the field agent what was shortened.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# letters, digits, space and punctuation every Vietnamese bank app tested by the public libraries accepts
ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .,-/()&+:'#_")
_FAST_OK = re.compile(r"[A-Za-z0-9 .,\-/()&+:'#_]*")
_SPACES = re.compile(r" {2,}")
_D = str.maketrans({"đ": "d", "Đ": "D"})


@dataclass(frozen=True, slots=True)
class TextResult:
    text: str
    changes: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def to_payload_text(text: str, max_len: int | None = None) -> TextResult:
    clean = _FAST_OK.fullmatch(text) and "  " not in text and text == text.strip()
    if clean and (max_len is None or len(text) <= max_len):
        return TextResult(text)
    changes: list[str] = []
    nfd = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text).translate(_D))
    stripped = "".join(ch for ch in nfd if not unicodedata.combining(ch))
    if stripped != text:
        changes.append("diacritics removed")
    kept = "".join(ch if ch in ALLOWED else (" " if ch.isspace() else "") for ch in stripped)
    if len(kept) != len(stripped) or any(ch.isspace() and ch != " " for ch in stripped):
        dropped = sorted({ch for ch in stripped if ch not in ALLOWED and not ch.isspace()})
        if dropped:
            changes.append("removed characters " + "".join(dropped))
    cleaned = _SPACES.sub(" ", kept).strip()
    if max_len is not None and len(cleaned) > max_len:
        cut = cleaned[: max_len + 1].rsplit(" ", 1)[0] if " " in cleaned[: max_len + 1] else cleaned[:max_len]
        cut = cut[:max_len].rstrip()
        changes.append(f"shortened to {len(cut)} characters at a word boundary")
        cleaned = cut
    return TextResult(cleaned, tuple(changes))


def is_payload_text(text: str) -> bool:
    return bool(_FAST_OK.fullmatch(text))
