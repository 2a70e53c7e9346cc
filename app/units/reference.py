"""The country's administrative units, read from the versioned files scripts/build_units.py writes.

`units-2025.json.gz`, `units-2020.json.gz` (provinces and communes with their official codes) and
`succession-2020-2025.json.gz` (every 2020 commune to the 2025 commune(s) it went into; a split commune has one
default). Vũng Tàu's own file (app/data/vung-tau-admin-units.json) comes out of them identical; it still adds
the populations and the district of the former city.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from app.core.editions import Edition
from app.core.text import fold, nfc

DATA = Path(__file__).resolve().parents[1] / "data"
VALID = {"2020": (date(2020, 1, 1), date(2025, 6, 30)), "2025": (date(2025, 7, 1), None)}


@dataclass(frozen=True, slots=True)
class Link:
    from_code: str
    to_code: str
    default: bool
    how: str  # whole (the commune went whole into one) or split (a part of it)


def _read(name: str) -> dict[str, Any]:
    with gzip.open(DATA / name, "rt", encoding="utf-8") as fh:
        doc: dict[str, Any] = json.load(fh)
    return doc


@cache
def edition(name: str) -> dict[str, Any]:
    """{"provinces": [[code, name, kind]], "communes": [[code, name, kind, province, (district | lat, lon)]]}"""
    return _read(f"units-{name}.json.gz")


@cache
def links() -> tuple[Link, ...]:
    rows = _read("succession-2020-2025.json.gz")["links"]
    parts: dict[str, int] = {}
    for a, _, _ in rows:
        parts[a] = parts.get(a, 0) + 1
    return tuple(Link(a, b, bool(d), "split" if parts[a] > 1 else "whole") for a, b, d in rows)


def unit_rows(name: str) -> list[dict[str, Any]]:
    """Every unit of an edition as admin_unit column values (names NFC with single spaces, folded for search)."""
    doc = edition(name)
    valid_from, valid_to = VALID[name]
    provinces = {p[0]: nfc(p[1]) for p in doc["provinces"]}
    districts = {d[0]: nfc(d[1]) for d in doc.get("districts", [])}
    common = {"edition": name, "valid_from": valid_from, "valid_to": valid_to}
    rows = [
        {
            **common,
            "code": code,
            "name": provinces[code],
            "kind": kind,
            "level": "province",
            "province_code": code,
            "province_name": provinces[code],
            "district_code": None,
            "district_name": None,
            "lat": None,
            "lon": None,
        }
        for code, _, kind in doc["provinces"]
    ]
    for c in doc["communes"]:
        code, label, kind, province = c[0], nfc(c[1]), c[2], c[3]
        district = c[4] if name == Edition.Y2020 else None
        point = c[4:6] if name == Edition.Y2025 and len(c) >= 6 else [None, None]
        rows.append(
            {
                **common,
                "code": code,
                "name": label,
                "kind": kind,
                "level": "commune",
                "province_code": province,
                "province_name": provinces[province],
                "district_code": district,
                "district_name": districts.get(district) if district else None,
                "lat": point[0],
                "lon": point[1],
            }
        )
    for row in rows:
        row["name_search"] = fold(row["name"])
    return rows
