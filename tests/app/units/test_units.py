from __future__ import annotations

import json
from pathlib import Path

VUNG_TAU = json.loads((Path(__file__).parents[3] / "app/data/vung-tau-admin-units.json").read_text("utf-8"))


async def _all(client, headers, **params):
    items, cursor = [], None
    while True:
        r = await client.get(
            "/api/v1/units", params=params | {"limit": 500, **({"cursor": cursor} if cursor else {})}, headers=headers
        )
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return items


async def test_units_by_edition_and_succession(client, auth):
    headers = await auth("agent.vungtau")
    vt_2020 = {u["code"] for u in VUNG_TAU["editions"][0]["units"]}
    old = [u for u in await _all(client, headers, edition="2020", province="77") if u["code"] in vt_2020]
    new = [
        u
        for u in await _all(client, headers, edition="2025", province="79")
        if u["code"] in {"26506", "26526", "26536", "26542", "26545"}
    ]
    assert len(old) == 17 and len(new) == 5
    new_codes = {u["code"] for u in new}
    for unit in old:  # every 2020 ward of Vũng Tàu maps to exactly one 2025 unit
        assert len(unit["successors"]) == 1 and unit["successors"][0]["default"] is True
        assert unit["successors"][0]["edition"] == "2025" and unit["successors"][0]["code"] in new_codes
    vt = next(u for u in new if u["code"] == "26506")
    assert vt["name"] == "Phường Vũng Tàu" and vt["province"] == "Thành phố Hồ Chí Minh" and vt["population"] == 117413
    assert {p["code"] for p in vt["predecessors"]} == {"26506", "26509", "26512", "26515", "26518", "26521", "26508"}
    # the same code names different places in the two editions
    assert next(u for u in old if u["code"] == "26506")["name"] == "Phường 1"


async def test_provinces_and_a_province_s_communes(client, auth):
    headers = await auth("agent.vungtau")
    provinces = await _all(client, headers, edition="2025", level="province")
    assert len(provinces) == 34 and all(p["level"] == "province" for p in provinces)
    assert next(p for p in provinces if p["code"] == "79")["name"] == "Thành phố Hồ Chí Minh"
    assert len(await _all(client, headers, edition="2020", level="province")) == 63
    hcmc = await _all(client, headers, edition="2025", province="79")
    assert len(hcmc) == 168 and {u["level"] for u in hcmc} == {"commune"}
    # keyset pages: in code order, no unit twice, none missed
    first = (
        await client.get("/api/v1/units", params={"edition": "2025", "province": "79", "limit": 100}, headers=headers)
    ).json()
    rest = (
        await client.get(
            "/api/v1/units",
            params={"edition": "2025", "province": "79", "limit": 100, "cursor": first["next_cursor"]},
            headers=headers,
        )
    ).json()
    codes = [u["code"] for u in first["items"] + rest["items"]]
    assert codes == sorted(codes) == [u["code"] for u in hcmc] and rest["next_cursor"] is None


async def test_search_ignores_diacritics_and_names_are_clean(client, auth):
    headers = await auth("agent.vungtau")
    found = await _all(client, headers, edition="2025", q="rach dua")
    assert [u["name"] for u in found if u["code"] == "26536"] == ["Phường Rạch Dừa"]  # the source has two spaces
    assert {u["code"] for u in await _all(client, headers, edition="2025", q="Vung Tau")} >= {"26506"}
    dong = await _all(client, headers, edition="2025", level="province", q="dong nai")
    assert [u["name"] for u in dong] == ["Tỉnh Đồng Nai"]  # đ = d
    assert await _all(client, headers, edition="2025", q="zzzz") == []


async def test_unit_detail_with_province_successors_and_predecessors(client, auth):
    headers = await auth("agent.vungtau")
    r = await client.get("/api/v1/units/2020/26506", headers=headers)
    assert r.status_code == 200
    body = r.json()
    assert body["province"] == {"code": "77", "name": "Tỉnh Bà Rịa - Vũng Tàu"} and body["level"] == "commune"
    assert [(s["edition"], s["code"], s["name"], s["default"]) for s in body["successors"]] == [
        ("2025", "26506", "Phường Vũng Tàu", True)
    ]
    province = (await client.get("/api/v1/units/2025/79", headers=headers)).json()
    assert province["level"] == "province" and province["province"] is None
    missing = await client.get("/api/v1/units/2025/99999", headers=headers)
    assert missing.status_code == 404 and missing.json()["code"] == "unit_not_found"
    bad = await client.get("/api/v1/units/2025/7", headers=headers)
    assert bad.status_code == 422


async def test_a_split_commune_has_several_successors_and_one_default(client, auth):
    from app.units.reference import links

    split = next(link.from_code for link in links() if link.how == "split")
    expected = {(link.to_code, link.default) for link in links() if link.from_code == split}
    headers = await auth("agent.vungtau")
    body = (await client.get(f"/api/v1/units/2020/{split}", headers=headers)).json()
    assert {(s["code"], s["default"]) for s in body["successors"]} == expected
    assert len(expected) > 1 and sum(d for _, d in expected) == 1
    # and the 2025 side names it among its predecessors
    default = next(code for code, d in expected if d)
    preds = (await client.get(f"/api/v1/units/2025/{default}", headers=headers)).json()["predecessors"]
    assert split in {p["code"] for p in preds}


async def test_bad_filters_are_422_naming_the_field(client, auth):
    headers = await auth("agent.vungtau")
    for params, field in (
        ({"province": "7"}, "province"),
        ({"level": "district"}, "level"),
        ({"cursor": "x"}, "cursor"),
    ):
        r = await client.get("/api/v1/units", params=params, headers=headers)
        assert r.status_code == 422 and field in json.dumps(r.json()["errors"]), r.text


async def test_units_need_login(client):
    r = await client.get("/api/v1/units")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "not_authenticated"
