"""Builds app/data/units-2020.json.gz, units-2025.json.gz and succession-2020-2025.json.gz.

Sources (each read from its installed package, never fetched at run time):
- edition 2025: `vietnam-provinces` 2025.x (sunshine-tech/VietnamProvinces, MIT; NSO codes);
- edition 2020: `vietnam-provinces` 0.x (same project, the codes before 1 July 2025);
- 2020 -> 2025 mapping: `vietnamadminunits` (tranngocminhhieu/vietnamadminunits, MIT), its converter data
  (`converter_2025.json`, keyed by names) joined to codes through its `dataset.db`.

The two editions of `vietnam-provinces` cannot be installed together, so each source is read by its own
interpreter: `python scripts/build_units.py --venvs /tmp/phoqr-units` makes three throwaway venvs there
(pip, PyPI) and uses them; `--python-2025/--python-2020/--python-converter` name existing interpreters.
Only the standard library is used here, so any Python 3.11 runs it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sqlite3
import subprocess
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "app" / "data"
SPEC = {"2025": "vietnam-provinces>=2025,<2026", "2020": "vietnam-provinces<1", "converter": "vietnamadminunits==1.0.4"}
_SPACES = re.compile(r"\s+")
COMMUNE_KINDS = {"phường": "phuong", "xã": "xa", "thị trấn": "thi_tran", "đặc khu": "dac_khu"}
PROVINCE_KINDS = {"thành phố": "thanh_pho", "tỉnh": "tinh"}


def clean(name: str) -> str:
    """NFC, one space between words (the sources have 'Phường  Rạch Dừa'), one kind of dash ('Chân Mây – Lăng Cô'
    beside 'Bà Rịa - Vũng Tàu')."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", name).replace("–", "-").replace("—", "-")).strip()


def kind_of(name: str, kinds: dict[str, str]) -> str:
    """The kind from the name's prefix (the 0.x data marks every commune 'xã', wards included)."""
    low = name.lower()
    for prefix, kind in sorted(kinds.items(), key=lambda kv: -len(kv[0])):
        if low.startswith(prefix + " "):
            return kind
    raise ValueError(f"no known prefix in {name!r}")


def province(p: dict) -> list[str]:
    """[code, name, kind]; a few 2025 names come without their prefix ('Cao Bằng'): the division type adds it,
    so every province is named 'Tỉnh …' or 'Thành phố …' in both editions."""
    name = clean(p["name"])
    try:
        kind = kind_of(name, PROVINCE_KINDS)
    except ValueError:
        kind = "thanh_pho" if p["division_type"].startswith("thành phố") else "tinh"
        name = ("Thành phố " if kind == "thanh_pho" else "Tỉnh ") + name
    return [f"{p['code']:02d}", name, kind]


def package_dir(python: str, module: str) -> Path:
    out = subprocess.run(  # noqa: S603  (the developer's own interpreter)
        [python, "-c", f"import {module}, os; print(os.path.dirname({module}.__file__))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return Path(out[0])


def version_of(python: str, module: str) -> str:
    code = f"from importlib.metadata import version; print(version({module!r}.replace('_', '-')))"
    run = subprocess.run([python, "-c", code], check=True, capture_output=True, text=True)  # noqa: S603
    return run.stdout.strip()


def make_venvs(base: Path) -> dict[str, str]:
    pythons = {}
    for name, spec in SPEC.items():
        venv = base / name
        if not (venv / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)  # noqa: S603
            subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", spec], check=True)  # noqa: S603
        pythons[name] = str(venv / "bin" / "python")
    return pythons


def edition_2025(pkg: Path) -> dict:
    nested = json.loads((pkg / "data" / "nested-divisions.json").read_text(encoding="utf-8"))
    provinces, communes = [], []
    for p in nested:
        pcode = f"{p['code']:02d}"
        provinces.append(province(p))
        for w in p["wards"]:
            name = clean(w["name"])
            communes.append([f"{w['code']:05d}", name, kind_of(name, COMMUNE_KINDS), pcode])
    return {"provinces": sorted(provinces), "communes": sorted(communes)}


def edition_2020(pkg: Path) -> dict:
    nested = json.loads((pkg / "data" / "nested-divisions.json").read_text(encoding="utf-8"))
    provinces, districts, communes = [], [], []
    for p in nested:
        pcode = f"{p['code']:02d}"
        provinces.append(province(p))
        for d in p["districts"]:
            dcode = f"{d['code']:03d}"
            districts.append([dcode, clean(d["name"]), pcode])
            for w in d["wards"]:
                name = clean(w["name"])
                communes.append([f"{w['code']:05d}", name, kind_of(name, COMMUNE_KINDS), pcode, dcode])
    return {"provinces": sorted(provinces), "districts": sorted(districts), "communes": sorted(communes)}


def same(name: str) -> str:
    """Names compared with their diacritics (Văn Lang and Văn Lăng are two communes), dashes made one."""
    return clean(name).replace("–", "-").lower()


def succession(pkg: Path, e25: dict) -> tuple[list[list], dict[str, list[float]]]:
    """[from_code_2020, to_code_2025, default (0/1)] for every 2020 commune the converter knows, and the
    converter's point for each 2025 commune (its own centre estimate; the demo spreads shops around it)."""
    conv = json.loads((pkg / "data" / "converter_2025.json").read_text(encoding="utf-8"))
    db = sqlite3.connect(pkg / "data" / "dataset.db")
    old = {
        f"{p}_{d}_{w}": code
        for p, d, w, code in db.execute(
            "SELECT provinceKey, districtKey, wardKey, wardCode FROM admin_units_legacy WHERE wardCode IS NOT NULL"
        )
    }
    # The converter's 2025 codes are the draft ones of June 2025 (114 differ from the codes the NSO published):
    # its 2025 communes are matched to the edition's by province and name, the code only when the name is unknown.
    by_name = {(c[3], same(c[1])): c[0] for c in e25["communes"]}
    new, points = {}, {}
    rows = db.execute("SELECT provinceKey, wardKey, wardCode, provinceCode, ward, wardLat, wardLon FROM admin_units")
    for p, w, draft, pcode, name, lat, lon in rows:
        code = by_name.get((pcode, same(name)), draft)
        new[(p, w)] = code
        if lat is not None and lon is not None:
            points[code] = [round(lat, 5), round(lon, 5)]
    links: dict[tuple[str, str], int] = {}
    for prov, wards in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, old_keys in wards.items():
            for key in old_keys:
                if key in old:  # island districts without communes have no 2020 commune to map
                    links[(old[key], new[(prov, ward_key)])] = 1
    for prov, olds in conv["DICT_PROVINCE_WARD_DIVIDED"].items():
        for key, targets in olds.items():
            if key not in old:
                continue
            for t in targets:
                links[(old[key], new[(prov, t["newWardKey"])])] = int(bool(t["isDefaultNewWard"]))
    rows = [[a, b, d] for (a, b), d in sorted(links.items())]
    return rows, points


def write(path: Path, doc: dict) -> None:
    raw = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    # mtime=0: the same sources give the same bytes, so a rebuild shows no diff
    with path.open("wb") as fh, gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, compresslevel=9) as gz:
        gz.write(raw)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--venvs", type=Path, help="make throwaway venvs here and read the packages from them")
    ap.add_argument("--python-2025")
    ap.add_argument("--python-2020")
    ap.add_argument("--python-converter")
    ap.add_argument("--out", type=Path, default=DATA)
    args = ap.parse_args(argv)
    pythons = make_venvs(args.venvs) if args.venvs else {}
    py25 = args.python_2025 or pythons["2025"]
    py20 = args.python_2020 or pythons["2020"]
    pyconv = args.python_converter or pythons["converter"]
    e25 = edition_2025(package_dir(py25, "vietnam_provinces"))
    e20 = edition_2020(package_dir(py20, "vietnam_provinces"))
    links, points = succession(package_dir(pyconv, "vietnamadminunits"), e25)
    codes20 = {c[0] for c in e20["communes"]}
    codes25 = {c[0] for c in e25["communes"]}
    links = [x for x in links if x[0] in codes20 and x[1] in codes25]
    e25["communes"] = [c + points.get(c[0], []) for c in e25["communes"]]
    common = {"licence": "MIT", "built_by": "scripts/build_units.py"}
    write(
        args.out / "units-2025.json.gz",
        {**e25, **common, "edition": "2025", "source": f"vietnam-provinces {version_of(py25, 'vietnam_provinces')}"},
    )
    write(
        args.out / "units-2020.json.gz",
        {**e20, **common, "edition": "2020", "source": f"vietnam-provinces {version_of(py20, 'vietnam_provinces')}"},
    )
    write(
        args.out / "succession-2020-2025.json.gz",
        {
            **common,
            "from_edition": "2020",
            "to_edition": "2025",
            "links": links,
            "source": f"vietnamadminunits {version_of(pyconv, 'vietnamadminunits')} converter_2025",
        },
    )
    mapped = {x[0] for x in links}
    print(
        f"2025: {len(e25['provinces'])} provinces, {len(e25['communes'])} communes; "
        f"2020: {len(e20['provinces'])} provinces, {len(e20['communes'])} communes; "
        f"{len(links)} links, {len(mapped)} of the 2020 communes mapped"
    )


if __name__ == "__main__":
    main()
