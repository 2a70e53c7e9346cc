"""The country's reference files (scripts/build_units.py): counts, clean names, a sample of the mapping checked
against the sources (Nghị quyết 1685/NQ-UBTVQH15 and the packages' own rows), Vũng Tàu unchanged."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from app.units.reference import edition, links, unit_rows

VUNG_TAU = json.loads((Path(__file__).parents[3] / "app/data/vung-tau-admin-units.json").read_text("utf-8"))


def test_counts_of_both_editions() -> None:
    assert (len(edition("2025")["provinces"]), len(edition("2025")["communes"])) == (34, 3321)
    assert len(edition("2020")["provinces"]) == 63
    assert 10_000 <= len(edition("2020")["communes"]) <= 10_100
    # every 2025 commune has a province of its edition, every code is unique
    for name in ("2020", "2025"):
        provinces = {p[0] for p in edition(name)["provinces"]}
        codes = [c[0] for c in edition(name)["communes"]]
        assert len(codes) == len(set(codes)) and {c[3] for c in edition(name)["communes"]} == provinces


def test_mapping_covers_the_old_communes_and_each_split_has_one_default() -> None:
    mapped = {link.from_code for link in links()}
    assert len(mapped) >= 10_000  # the few left are communes dissolved before the reform
    parts = Counter(link.from_code for link in links())
    for code, n in parts.items():
        mine = [link for link in links() if link.from_code == code] if n > 1 else []
        assert not mine or sum(link.default for link in mine) == 1
    assert sum(1 for n in parts.values() if n > 1) > 400  # the converter marks ~470 split communes
    codes_2025 = {c[0] for c in edition("2025")["communes"]}
    assert {link.to_code for link in links()} <= codes_2025


@pytest.mark.parametrize(
    ("old", "new", "default", "how"),
    [
        ("00082", "00073", True, "whole"),  # Phường Trần Hưng Đạo (Hoàn Kiếm) -> Phường Cửa Nam (NSO code 00073)
        ("25747", "25747", True, "whole"),  # Phường Phú Cường (Bình Dương) -> Phường Thủ Dầu Một, now in 79
        ("09619", "09661", True, "split"),  # Thị trấn Tây Đằng, split: Xã Minh Châu by default ...
        ("09619", "09619", False, "split"),  # ... and a part to Xã Quảng Oai
    ],
)
def test_a_sample_of_the_mapping(old: str, new: str, default: bool, how: str) -> None:
    found = [link for link in links() if (link.from_code, link.to_code) == (old, new)]
    assert [(link.default, link.how) for link in found] == [(default, how)]


def test_names_are_clean_and_prefixes_consistent() -> None:
    for name in ("2020", "2025"):
        for row in unit_rows(name):
            assert row["name"] == unicodedata.normalize("NFC", row["name"]) and "  " not in row["name"]
            assert row["name"] == row["name"].strip() and all(c.isascii() for c in row["name_search"] if c.isalpha())
        provinces = [r["name"] for r in unit_rows(name) if r["level"] == "province"]
        assert all(n.startswith(("Tỉnh ", "Thành phố ")) for n in provinces)
    by_code = {r["code"]: r for r in unit_rows("2025")}
    assert by_code["26536"]["name"] == "Phường Rạch Dừa"  # "Phường  Rạch Dừa" in the source
    assert by_code["04"]["name"] == "Tỉnh Cao Bằng"  # "Cao Bằng" in the source
    assert by_code["79"]["kind"] == "thanh_pho" and by_code["04"]["kind"] == "tinh"


def test_vung_tau_comes_out_identical() -> None:
    for ed in VUNG_TAU["editions"]:
        rows = {r["code"]: r for r in unit_rows(ed["edition"])}
        assert rows[ed["province"]["code"]]["name"] == ed["province"]["name"]
        for unit in ed["units"]:
            row = rows[unit["code"]]
            assert (row["name"], row["kind"], row["province_code"]) == (
                unit["name"],
                unit["kind"],
                ed["province"]["code"],
            )
            if ed.get("district"):
                assert (row["district_code"], row["district_name"]) == (ed["district"]["code"], ed["district"]["name"])
    theirs = {
        (s["from_edition"], s["from_code"], s["to_edition"], s["to_code"], s["how"]) for s in VUNG_TAU["succession"]
    }
    olds = {u["code"] for u in VUNG_TAU["editions"][0]["units"]}
    ours = {("2020", link.from_code, "2025", link.to_code, link.how) for link in links() if link.from_code in olds}
    assert ours == theirs and all(link.default for link in links() if link.from_code in olds)
