"""The map frames the caller's own units: a province with its communes, a ward with its shops filling the map
(its neighbours grey around it), and a table where no boundary is loaded."""

from __future__ import annotations

import re

from sqlalchemy import delete

from app.units.models import UnitBoundary
from tests.app.dashboard.support import sign_in
from tests.factories import make_merchant, street_id


def areas(html: str) -> dict[str, str]:
    """data-unit -> fill of every drawn unit."""
    return dict((u, f) for f, u in re.findall(r'<path d="[^"]*" fill="([^"]+)"[^>]*data-unit="(\d+)"', html))


def extent(html: str, code: str) -> tuple[float, float]:
    """Width and height of one unit's outline in the map's own units (the viewBox is 600 wide)."""
    d = re.search(rf'<path d="([^"]*)"[^>]*data-unit="{code}"', html)
    assert d is not None
    nums = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", d.group(1))]
    xs, ys = nums[0::2], nums[1::2]
    return max(xs) - min(xs), max(ys) - min(ys)


async def test_a_ward_officer_sees_their_ward_fill_the_map(web, session) -> None:  # type: ignore[no-untyped-def]
    await make_merchant(session, name="Tạp hóa Bản Đồ", street=await street_id(session, "Ba Cu"), has_qr=True)
    await sign_in(web, "officer.vungtau")
    page = await web.get("/dashboard/map")
    assert page.status_code == 200, page.text
    drawn = areas(page.text)
    assert drawn["26506"] != "#d9d9d9"  # their ward, coloured by its coverage
    assert {f for c, f in drawn.items() if c != "26506"} == {"#d9d9d9"}  # neighbours: grey, no figures
    assert "26740" not in drawn  # downtown Sài Gòn is far outside the frame
    width, height = extent(page.text, "26506")
    assert max(width, height) > 400  # the ward fills most of the 600-wide map, not a corner of the city
    assert 'data-row="unit-2025-26506"' in page.text and 'data-row="unit-2025-26526"' not in page.text
    assert (await web.get("/dashboard/map", params={"unit": "2025:79"})).status_code == 404
    assert (await web.get("/dashboard/map", params={"unit": "2025:26740"})).status_code == 404


async def test_a_province_is_drawn_with_its_communes(web, session) -> None:  # type: ignore[no-untyped-def]
    await sign_in(web, "officer.hcmc")
    page = await web.get("/dashboard/map")
    assert page.status_code == 200
    assert 'data-map="province"' in page.text and "Thành phố Hồ Chí Minh" in page.text
    drawn = areas(page.text)
    assert len(drawn) == 168 and "00073" not in drawn
    assert page.text.count('data-row="unit-2025-') == 168
    assert 'class="dot"' not in page.text  # a province is coloured, not dotted
    ward = await web.get("/dashboard/map", params={"unit": "2025:26506"})
    assert ward.status_code == 200 and 'data-zoom="out"' in ward.text and 'data-map="commune"' in ward.text
    assert (await web.get("/dashboard/map", params={"unit": "2025:01"})).status_code == 404  # Hà Nội
    web.cookies.clear()
    await sign_in(web, "admin")  # a city admin of the area (PHOQR_AREA=79): the same province
    assert len(areas((await web.get("/dashboard/map")).text)) == 168


async def test_without_boundaries_the_table_is_the_map(web, session) -> None:  # type: ignore[no-untyped-def]
    await session.execute(delete(UnitBoundary).where(UnitBoundary.code == "26506"))
    await session.commit()
    await sign_in(web, "officer.vungtau")
    page = await web.get("/dashboard/map")
    assert page.status_code == 200
    assert 'data-map="none"' in page.text and "<svg viewBox" not in page.text
    assert 'data-row="unit-2025-26506"' in page.text
    web.cookies.clear()
    await sign_in(web, "officer.hcmc")
    page = await web.get("/dashboard/map")
    assert len(areas(page.text)) == 167 and 'data-outline="none"' in page.text
