"""Every setting `.env.example` documents is one the app reads (PHOQR_PUBLIC_BASE_URL once was documented and
never read), and the app keeps no shared client nothing uses (app.state.http once was)."""

from __future__ import annotations

import re
from pathlib import Path

from app.core.config import Settings

ROOT = Path(__file__).resolve().parents[3]


def _documented() -> set[str]:
    names = set()
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        match = re.match(r"#?\s*PHOQR_([A-Z0-9_]+?)(?:__[A-Z0-9_]+)*=", line.strip())
        if match:
            names.add(match.group(1).lower())
    return names


def _source() -> tuple[str, str]:
    config = ROOT / "app" / "core" / "config.py"
    others = [p for d in ("app", "integrations") for p in (ROOT / d).rglob("*.py") if p != config]
    return "\n".join(p.read_text(encoding="utf-8") for p in others), config.read_text(encoding="utf-8")


def test_every_documented_setting_exists_and_is_read():
    source, config = _source()
    fields = set(Settings.model_fields)
    documented = _documented()
    assert documented, "no PHOQR_ setting found in .env.example"
    assert documented <= fields, documented - fields
    unread = []
    for name in sorted(documented):
        used = re.search(rf"[.\"']{name}\b", source)
        # read inside config.py itself (a derived property or validator), beyond its own declaration
        used = used or len(re.findall(rf"\b{name}\b", config)) > 1
        if not used:
            unread.append(name)
    assert unread == []


async def test_the_app_keeps_no_unused_http_client(app):
    assert not hasattr(app.state, "http")
