from __future__ import annotations


async def test_units_by_edition_and_succession(client, auth):
    headers = await auth("agent.vungtau")
    old = (await client.get("/api/v1/units", params={"edition": "2020"}, headers=headers)).json()["items"]
    new = (await client.get("/api/v1/units", params={"edition": "2025"}, headers=headers)).json()["items"]
    assert len(old) == 17 and len(new) == 5
    new_codes = {u["code"] for u in new}
    for unit in old:  # every 2020 ward maps to exactly one 2025 unit
        assert len(unit["successors"]) == 1
        assert unit["successors"][0]["edition"] == "2025" and unit["successors"][0]["code"] in new_codes
    vt = next(u for u in new if u["code"] == "26506")
    assert vt["name"] == "Phường Vũng Tàu"
    assert {p["code"] for p in vt["predecessors"]} == {"26506", "26509", "26512", "26515", "26518", "26521", "26508"}
    # the same code names different places in the two editions
    assert next(u for u in old if u["code"] == "26506")["name"] == "Phường 1"


async def test_units_need_login(client):
    r = await client.get("/api/v1/units")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "not_authenticated"
