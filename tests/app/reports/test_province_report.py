"""The periodic report at level=province and for a province's scope: provinces add up to their communes."""

from __future__ import annotations

import io

import openpyxl

from app.units.repository import UnitRepository
from tests.app.history.support import shops, snap
from tests.app.reports.test_reports import CURRENT, Q, counts, population, table

DEN = "Mẫu số (max gốc, hiện có)"


async def _units(client, headers, **params):
    r = await client.get("/api/v1/reports/coverage.xlsx", params=Q | params, headers=headers)
    assert r.status_code == 200, r.text
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    _, rows = table(wb["Đơn vị"], "Mã đơn vị")
    return wb, rows[:-1], rows[-1]


async def _with_hanoi(session):
    await population(session)
    await shops(session, 3, unit="00073", old="00073", qr=2)  # Phường Cửa Nam, Hà Nội
    await snap(session, CURRENT)  # retaken: the last snapshot of the day is its level


async def test_province_rows_are_the_sums_of_their_communes(client, auth, session):
    await _with_hanoi(session)
    h = await auth("admin")
    _, provinces, total = await _units(client, h, level="province")
    assert [p["Mã đơn vị"] for p in provinces] == ["2025:01", "2025:79"]
    assert provinces[1]["Đơn vị"] == "Thành phố Hồ Chí Minh"
    _, communes, _ = await _units(client, h)
    for p in provinces:
        province = p["Mã đơn vị"].split(":")[1]
        mine = [c for c in communes if c["Mã đơn vị"] in await _codes(session, province)]
        for key in ("Số cửa hàng", "Có QR", DEN, "Có QR kỳ trước"):
            assert (p[key] or 0) == sum(c[key] or 0 for c in mine), (province, key)
    assert counts(provinces[0]) == (3, 2) and counts(total) == (22, 14)
    for key in ("Số cửa hàng", "Có QR", DEN):
        assert total[key] == sum(p[key] for p in provinces)
    # a province's own report: its 168 wards, adding up to its row above
    wb, wards, ward_total = await _units(client, h, unit="2025:79")
    assert len(wards) == 168 and counts(ward_total) == counts(provinces[1])
    assert ward_total[DEN] == provinces[1][DEN]
    assert wb.sheetnames == ["Đơn vị", "Tuyến phố", "Ngành hàng"]
    _, streets = table(wb["Tuyến phố"], "Đơn vị")
    assert counts(streets[-1]) == counts(ward_total)


async def test_edition_2020_provinces_are_the_old_ones(client, auth, session):
    await _with_hanoi(session)
    h = await auth("admin")
    _, provinces, total = await _units(client, h, level="province", edition="2020")
    # the area's old communes were in Bình Dương (74), Bà Rịa - Vũng Tàu (77) and Hồ Chí Minh City (79);
    # Vũng Tàu's shops are in 77, and every shop here has its old ward
    assert [(p["Mã đơn vị"], counts(p)) for p in provinces] == [
        ("2020:01", (3, 2)),
        ("2020:74", (0, 0)),
        ("2020:77", (19, 12)),
        ("2020:79", (0, 0)),
    ]
    assert counts(total) == (22, 14)
    _, brvt, brvt_total = await _units(client, h, unit="2020:77", edition="2020")
    assert counts(brvt_total) == (19, 12) and {w["Mã đơn vị"] for w in brvt} >= {"2020:26506", "2020:26527"}


async def test_a_province_officer_reads_the_province_and_banks_are_forbidden(client, auth, session):
    await _with_hanoi(session)
    _, rows, total = await _units(client, await auth("officer.hcmc"), unit="2025:79", level="province")
    assert [r["Mã đơn vị"] for r in rows] == ["2025:79"] and counts(total) == (19, 12)
    r = await client.get(
        "/api/v1/reports/coverage.csv", params=Q | {"level": "province"}, headers=await auth("bank.vcb")
    )
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = await client.get("/api/v1/reports/coverage.csv", params=Q | {"level": "district"}, headers=await auth("admin"))
    assert r.status_code == 422


async def _codes(session, province: str) -> set[str]:
    return {f"2025:{c}" for c in await UnitRepository(session).communes_of("2025", [province])}
