"""`phoqr demo-data --province 79`: streets and markets across every commune of a province, so a city's demo
spreads shops over all its wards (each ward's shops around the ward's own point). Streets are keyed by name and
ward (the segment), so running it again reuses them."""

from __future__ import annotations

import random

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.text import fold, nfc
from app.streets.models import Street
from app.streets.repository import StreetRepository
from app.streets.service import natural_key
from app.units.repository import UnitRepository

STREET_NAMES = [
    "Lê Lợi", "Nguyễn Huệ", "Hai Bà Trưng", "Trần Hưng Đạo", "Lý Thường Kiệt", "Nguyễn Trãi", "Lê Duẩn",
    "Phan Chu Trinh", "Võ Thị Sáu", "Nguyễn Thị Minh Khai", "Cách Mạng Tháng Tám", "Điện Biên Phủ",
]  # fmt: skip
STREETS_PER_UNIT = 2


async def province_streets(
    session: AsyncSession, province: str, rng: random.Random
) -> tuple[list[tuple[Street, list[str], list[str]]], dict[str, tuple[float, float]]]:
    """(street, its 2025 units, its 2020 units) for a few streets and a market per commune of the province, and
    each commune's point (the reference data's; the province's first commune's when a commune has none)."""
    units = UnitRepository(session)
    communes = await units.area_communes("2025", [province])
    if not communes:
        return [], {}
    olds: dict[str, list[str]] = {}
    for old, new in (await units.successor_map()).items():
        olds.setdefault(new, []).append(old)
    fallback = next(((u.lat, u.lon) for u in communes if u.lat is not None and u.lon is not None), (10.78, 106.70))
    points = {u.code: (u.lat, u.lon) if u.lat is not None and u.lon is not None else fallback for u in communes}
    repo = StreetRepository(session)
    out = []
    for u in communes:
        places = [("street", f"Đường {name}") for name in rng.sample(STREET_NAMES, STREETS_PER_UNIT)]
        places.append(("market", f"Chợ {u.name.split(' ', 1)[-1]}"))
        wanted = {("2025", u.code)} | {("2020", c) for c in olds.get(u.code, [])}
        for kind, name in places:
            name, segment = nfc(name), u.name
            key = natural_key(kind, name, segment)
            street = await repo.by_natural_key(key)
            if street is None:
                street = Street(kind=kind, name=name, segment=segment, natural_key=key, name_search=fold(name))
                session.add(street)
                await session.flush()
                await repo.set_units(street.id or 0, wanted)
            out.append((street, [u.code], sorted(olds.get(u.code, []))))
    return out, points
