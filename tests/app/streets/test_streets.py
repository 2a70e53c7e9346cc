from __future__ import annotations


async def test_list_streets_by_unit_both_editions(client, auth):
    h = await auth("agent.vungtau")
    new = (await client.get("/api/v1/streets", params={"unit": "2025:26506", "limit": 500}, headers=h)).json()
    names = {s["name"] for s in new["items"]}
    assert {"Thùy Vân", "Trần Phú", "Chợ Vũng Tàu"} <= names
    assert "Lưu Chí Hiếu" not in names  # Rạch Dừa
    old = (await client.get("/api/v1/streets", params={"unit": "2020:26527", "limit": 500}, headers=h)).json()
    assert {s["name"] for s in old["items"]} == {
        "Thống Nhất",
        "3 Tháng 2",
        "Thi Sách",
        "Trương Công Định",
        "Chợ Trần Bình Trọng",
    }
    markets = (await client.get("/api/v1/streets", params={"kind": "market"}, headers=h)).json()["items"]
    assert len(markets) == 6 and all(m["kind"] == "market" for m in markets)


async def test_search_without_diacritics_and_pagination(client, auth):
    h = await auth("agent.vungtau")
    r = (await client.get("/api/v1/streets", params={"q": "truong cong dinh"}, headers=h)).json()
    assert [s["name"] for s in r["items"]] == ["Trương Công Định"]
    seen, cursor = [], None
    while True:
        params = {"limit": 7} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/v1/streets", params=params, headers=h)).json()
        seen += [s["id"] for s in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 25


async def test_unit_must_name_edition(client, auth):
    h = await auth("agent.vungtau")
    r = await client.get("/api/v1/streets", params={"unit": "26506"}, headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "unit"


async def test_officer_creates_and_patches_model_street(client, auth):
    h = await auth("officer.vungtau")
    body = {
        "name": "Ba Cu",
        "segment": "đoạn từ Lê Lợi đến Trương Công Định",
        "units": [{"edition": "2020", "code": "26506"}],
        "is_model_street": True,
        "target_pct": 100,
        "target_date": "2026-12-31",
        "baseline_shop_count": 80,
    }
    r = await client.post("/api/v1/streets", json=body, headers=h)
    assert r.status_code == 201, r.text
    street = r.json()
    assert street["units"] == [{"edition": "2020", "code": "26506"}, {"edition": "2025", "code": "26506"}]
    assert r.headers["ETag"] == '"1"'
    again = await client.post("/api/v1/streets", json=body, headers=h)
    assert again.status_code == 409 and again.json()["code"] == "duplicate_street"

    url = f"/api/v1/streets/{street['id']}"
    no_match = await client.patch(url, json={"target_pct": 90}, headers=h)
    assert no_match.status_code == 428 and no_match.json()["code"] == "if_match_required"
    ok = await client.patch(url, json={"target_pct": 90}, headers=h | {"If-Match": '"1"'})
    assert ok.status_code == 200 and ok.json()["target_pct"] == 90 and ok.json()["version"] == 2
    stale = await client.patch(url, json={"target_pct": 80}, headers=h | {"If-Match": '"1"'})
    assert stale.status_code == 412 and stale.json()["code"] == "version_conflict"
    model = (await client.get("/api/v1/streets", params={"unit": "2025:26506", "model": "true"}, headers=h)).json()
    assert [s["id"] for s in model["items"]] == [street["id"]]


async def test_street_rules_forbid_outsiders(client, auth):
    body = {"name": "Đường Mới", "units": [{"edition": "2025", "code": "26526"}]}
    for user in ("agent.vungtau", "auditor", "bank.vcb"):
        r = await client.post("/api/v1/streets", json=body, headers=await auth(user))
        assert r.status_code == 403, user
    # an officer of Vũng Tàu may not create or change a street of Tam Thắng
    r = await client.post("/api/v1/streets", json=body, headers=await auth("officer.vungtau"))
    assert r.status_code == 403
    h = await auth("officer.vungtau")
    tt = (await client.get("/api/v1/streets", params={"q": "luu chi hieu"}, headers=h)).json()["items"][0]
    r = await client.patch(
        f"/api/v1/streets/{tt['id']}", json={"is_model_street": True}, headers=h | {"If-Match": '"1"'}
    )
    assert r.status_code == 403
    assert (await client.post("/api/v1/streets", json=body, headers=await auth("admin"))).status_code == 201


async def test_street_validation_names_fields(client, auth):
    h = await auth("officer.vungtau")
    r = await client.post("/api/v1/streets", json={"name": "", "units": [], "target_pct": 140}, headers=h)
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"name", "units", "target_pct"} <= fields
    r = await client.post(
        "/api/v1/streets", json={"name": "X", "units": [{"edition": "2025", "code": "99999"}]}, headers=h
    )
    # a unit named in the body that does not exist is bad input (422 naming it), like an unknown street
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "units.0", r.text
    r = await client.get("/api/v1/streets/999999", headers=h)
    assert r.status_code == 404 and r.json()["code"] == "street_not_found"


async def test_banks_listed_with_renamed(client, auth):
    h = await auth("bank.vcb")
    banks = (await client.get("/api/v1/banks", headers=h)).json()["items"]
    vcb = [b for b in banks if b["bin"] == "970436"]
    assert vcb == [
        {
            "bin": "970436",
            "short_name": "VCB",
            "name": "Vietcombank",
            "legal_name": "Ngân hàng TMCP Ngoại Thương Việt Nam",
            "swift": "BFTVVNVX",
            "accepts_transfers_in_app": True,
            "status": "active",
        }
    ]
    renamed = (await client.get("/api/v1/banks", params={"status": "renamed"}, headers=h)).json()["items"]
    assert {b["short_name"] for b in renamed} == {"DONGABANK", "OCEANBANK", "LPB"}
