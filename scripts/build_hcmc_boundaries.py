"""Build app/data/boundaries-2025-79.geojson: Hồ Chí Minh City's 168 wards (edition 2025), simplified.

Source: thanglequoc/vietnamese-provinces-database (MIT licence, © 2021 Thang Le Quoc), its per-ward GeoJSON
of 11 March 2026 under dataset-generation-scripts/resources/gis/geojson_11Mar2026/29_ho_chi_minh/wards/. The
files carry no official code (only the dataset's own `matinhxa`), so each is matched to a 2025 unit of
province 79 by its file name (`101_phu_lam_phuong.geojson`: name and kind), checked against the project's
units-2025 data; the build stops if any ward is missing, unmatched or matched twice.

Shapes are repaired (make_valid: some rings self-intersect), then simplified *together* with shapely's
coverage_simplify, which moves each shared border once, so neighbours still touch and never overlap; then
coordinates are rounded to 5 decimals (about 1 m: a shared vertex rounds the same on both sides).

    python scripts/build_hcmc_boundaries.py [--repo /work/.mirror/thanglequoc+vietnamese-provinces-database/repo]
        [--rev HEAD] [--tolerance 0.0002] [--out app/data/boundaries-2025-79.geojson]

`--repo` is a clone (bare or not) of the dataset; files are read with `git show REV:PATH`, nothing is checked out.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.text import fold  # noqa: E402
from app.units.boundaries import repair  # noqa: E402
from app.units.reference import edition  # noqa: E402

WARDS = "dataset-generation-scripts/resources/gis/geojson_11Mar2026/29_ho_chi_minh/wards/"
PROVINCE = "79"
KINDS = {"phuong": "Phường", "xa": "Xã", "dac_khu": "Đặc khu"}
MAX_BYTES = 1_500_000


def _git(repo: Path, *args: str) -> bytes:
    # our own arguments only (a path and a revision from the command line): no shell
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True).stdout  # noqa: S603, S607


def ward_files(repo: Path, rev: str) -> list[str]:
    out = _git(repo, "ls-tree", "-z", "--name-only", rev, WARDS)
    return sorted(p.decode("utf-8") for p in out.split(b"\0") if p.endswith(b".geojson"))


def key_of_file(path: str) -> tuple[str, str]:
    """'…/100_phu_hoa_đong_xa.geojson' -> ('xa', 'phu hoa dong')."""
    stem = fold(path.rsplit("/", 1)[-1].removesuffix(".geojson").split("_", 1)[1])
    for kind in sorted(KINDS, key=len, reverse=True):  # dac_khu before xa
        if stem.endswith("_" + kind):
            return kind, stem.removesuffix("_" + kind).replace("_", " ")
    raise SystemExit(f"no kind in file name: {path}")


def units_79() -> dict[tuple[str, str], list[tuple[str, str, shapely.Point]]]:
    """(kind, folded name without its kind) -> [(code, name, point)] for the 2025 communes of province 79.
    Folding makes a few names meet (Xã Thanh An and Xã Thạnh An): the unit's point then tells them apart."""
    out: dict[tuple[str, str], list[tuple[str, str, shapely.Point]]] = {}
    for code, name, kind, province, lat, lon in edition("2025")["communes"]:
        if province != PROVINCE:
            continue
        bare = name.removeprefix(KINDS[kind] + " ")
        out.setdefault((kind, fold(bare)), []).append((code, name, shapely.Point(lon, lat)))
    return out


def _rounded(geometry: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geometry, lambda xy: xy.round(5))


def build(repo: Path, rev: str, tolerance: float) -> dict:
    units = units_79()
    matched: dict[str, tuple[str, shapely.Geometry]] = {}
    repaired = 0
    for path in ward_files(repo, rev):
        key = key_of_file(path)
        # a few file names are cut short ("53_cho_phuong" is Phường Chợ Lớn or Chợ Quán): the point decides
        candidates = units.get(key) or [
            u for (k, n), us in units.items() if k == key[0] and n.startswith(key[1] + " ") for u in us
        ]
        if not candidates:
            raise SystemExit(f"no 2025 unit of province {PROVINCE} for {path} ({key})")
        doc = json.loads(_git(repo, "show", f"{rev}:{path}"))
        parts = [shape(f["geometry"]) for f in doc["features"] if f.get("geometry")]
        geometry, fixed = repair(shapely.union_all(parts) if len(parts) > 1 else parts[0])
        repaired += fixed
        code, name, _ = min(candidates, key=lambda u: geometry.distance(u[2]))
        if code in matched:
            raise SystemExit(f"{code} {name} matched twice ({path})")
        matched[code] = (name, geometry)
    missing = sorted({u[0] for us in units.values() for u in us} - set(matched))
    if missing:
        raise SystemExit(f"no shape for {len(missing)} wards: {missing[:10]}")
    codes = sorted(matched)
    simplified = shapely.coverage_simplify([matched[c][1] for c in codes], tolerance)
    features = []
    for code, geometry in zip(codes, simplified, strict=True):
        geometry = _rounded(geometry)
        if not geometry.is_valid:
            geometry, _ = repair(geometry)
        features.append(
            {
                "type": "Feature",
                "properties": {"code": code, "name": matched[code][0], "edition": "2025", "province": PROVINCE},
                "geometry": mapping(geometry),
            }
        )
    print(f"{len(features)} wards, {repaired} repaired, tolerance {tolerance}", file=sys.stderr)
    return {
        "type": "FeatureCollection",
        "source": (
            "thanglequoc/vietnamese-provinces-database (MIT licence, (c) 2021 Thang Le Quoc), "
            f"{WARDS} at {_git(repo, 'rev-parse', rev).decode().strip()}; "
            "simplified by scripts/build_hcmc_boundaries.py"
        ),
        "features": features,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--repo", type=Path, default=Path("/work/.mirror/thanglequoc+vietnamese-provinces-database/repo")
    )
    parser.add_argument("--rev", default="HEAD")
    parser.add_argument("--tolerance", type=float, default=0.0002)
    parser.add_argument("--out", type=Path, default=ROOT / "app" / "data" / "boundaries-2025-79.geojson")
    args = parser.parse_args()
    text = json.dumps(build(args.repo, args.rev, args.tolerance), ensure_ascii=False, separators=(",", ":"))
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        raise SystemExit(f"{size} bytes is over {MAX_BYTES}: raise --tolerance")
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({size} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
