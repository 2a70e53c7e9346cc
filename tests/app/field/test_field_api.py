"""The API additions the field app reads: the agent's work list (one request, ETag/304), photos in a shop's
answer, the shop a sync duplicate duplicates, and a QR read from a photo."""

from __future__ import annotations

import io
import uuid

import qr
from tests.factories import shop_body, street_id


async def test_work_list_is_the_agents_units_model_streets_first(client, auth, session) -> None:
    from app.streets.models import Street

    model = await session.get(Street, await street_id(session, "Trần Phú"))
    model.is_model_street = True
    await session.flush()
    r = await client.get("/api/v1/field/work", headers=await auth("agent.vungtau"))
    assert r.status_code == 200, r.text
    work = r.json()
    assert [(u["edition"], u["code"]) for u in work["units"]] == [("2025", "26506")]
    assert {s["unit"] for s in work["streets"]} == {"26506"}
    flags = [s["is_model_street"] for s in work["streets"]]
    assert flags == sorted(flags, reverse=True) and work["streets"][0]["name"] == "Trần Phú"  # model streets first
    assert len(work["streets"]) > 10  # every street of the unit, those with no shop yet too
    cov = await client.get(
        "/api/v1/coverage", params={"level": "street", "unit": "2025:26506"}, headers=await auth("agent.vungtau")
    )
    rows = {row["street"]["id"]: row for row in cov.json()["rows"]}
    assert rows  # a street with shops and the model street
    for s in work["streets"]:
        row = rows.get(s["id"], {"shops": 0, "with_qr": 0, "pct": None})  # no shop yet: not in the coverage rows
        assert (s["shops"], s["with_qr"], s["pct"]) == (row["shops"], row["with_qr"], row["pct"])
        assert s["without_qr"] == s["shops"] - s["with_qr"]
    assert "grocery" in work["categories"]
    assert any(b["bin"] == "970436" for b in work["banks"])
    assert work["consent_texts"][0]["sha256"] and work["consent_texts"][0]["text_vi"]
    other = (await client.get("/api/v1/field/work", headers=await auth("agent.tamthang"))).json()
    assert [u["code"] for u in other["units"]] == ["26526"]
    assert other["streets"] and {s["unit"] for s in other["streets"]} == {"26526"}


async def test_work_list_revalidates_with_its_etag(client, auth) -> None:
    headers = await auth("agent.vungtau")
    first = await client.get("/api/v1/field/work", headers=headers)
    tag = first.headers["ETag"]
    assert tag.startswith('"') and first.headers["Cache-Control"] == "private, no-cache"
    same = await client.get("/api/v1/field/work", headers={**headers, "If-None-Match": tag})
    assert same.status_code == 304 and same.content == b"" and same.headers["ETag"] == tag
    listed = await client.get("/api/v1/field/work", headers={**headers, "If-None-Match": f'"nope", W/{tag}'})
    assert listed.status_code == 304
    # a new shop changes the figures, so the old copy is stale
    r = await client.post("/api/v1/merchants", json=shop_body(), headers=headers)
    assert r.status_code == 201, r.text
    changed = await client.get("/api/v1/field/work", headers={**headers, "If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag


async def test_work_list_is_for_the_roles_that_register(client, auth) -> None:
    for user in ("bank.vcb", "auditor"):
        r = await client.get("/api/v1/field/work", headers=await auth(user))
        assert r.status_code == 403, (user, r.text)
    assert (await client.get("/api/v1/field/work")).status_code == 401
    assert (await client.get("/api/v1/field/work", headers=await auth("officer.vungtau"))).status_code == 200


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 60)).save(out, "JPEG")
    return out.getvalue()


async def test_a_shops_answer_lists_its_photos(client, auth) -> None:
    headers = await auth("agent.vungtau")
    body = shop_body()
    assert (await client.post("/api/v1/merchants", json=body, headers=headers)).status_code == 201
    assert (await client.get(f"/api/v1/merchants/{body['id']}", headers=headers)).json()["photos"] == []
    up = await client.post(
        f"/api/v1/merchants/{body['id']}/photos", files={"file": ("p.jpg", _jpeg(), "image/jpeg")}, headers=headers
    )
    assert up.status_code == 201, up.text
    shop = (await client.get(f"/api/v1/merchants/{body['id']}", headers=headers)).json()
    assert [(p["id"], p["content_type"]) for p in shop["photos"]] == [(up.json()["id"], "image/jpeg")]
    assert set(shop["photos"][0]) == {"id", "url", "content_type", "created_at"}
    assert (await client.get(shop["photos"][0]["url"], headers=headers)).content == _jpeg()
    listed = await client.get("/api/v1/merchants", params={"q": body["name"], "limit": 500}, headers=headers)
    mine = [m for m in listed.json()["items"] if m["id"] == body["id"]]
    assert mine[0]["photos"] == shop["photos"]


async def test_a_sync_duplicate_names_the_shop_it_duplicates(client, auth) -> None:
    headers = await auth("agent.vungtau")
    first = shop_body(phone="0912345678")
    assert (await client.post("/api/v1/merchants", json=first, headers=headers)).status_code == 201
    twin = shop_body(phone="0912 345 678")
    r = await client.post(
        "/api/v1/sync",
        json={
            "device_id": "t",
            "operations": [{"op_id": str(uuid.uuid4()), "type": "upsert_merchant", "payload": twin}],
        },
        headers=headers,
    )
    result = r.json()["results"][0]
    assert (result["status"], result["duplicate_of"], result["errors"][0]["field"]) == (
        "duplicate",
        first["id"],
        "phone",
    )
    # another unit's agent learns nothing about a shop outside its scope
    other = shop_body(phone="0912345678", unit={"edition": "2025", "code": "26526"})
    r = await client.post(
        "/api/v1/sync",
        json={
            "device_id": "t",
            "operations": [{"op_id": str(uuid.uuid4()), "type": "upsert_merchant", "payload": other}],
        },
        headers=await auth("agent.tamthang"),
    )
    assert r.json()["results"][0]["status"] == "duplicate" and r.json()["results"][0]["duplicate_of"] is None


async def test_a_qr_is_read_from_a_photo(client, auth) -> None:
    headers = await auth("agent.vungtau")
    payload = qr.build_vietqr("970436", "0011001234567")
    image = qr.render_png(payload, scale=6)
    r = await client.post("/api/v1/qr/decode/image", files={"file": ("qr.png", image, "image/png")}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["payload"] == payload and r.json()["decoded"]["account"] == "0011001234567"
    blank = await client.post(
        "/api/v1/qr/decode/image", files={"file": ("x.jpg", _jpeg(), "image/jpeg")}, headers=headers
    )
    assert blank.status_code == 422 and blank.json()["code"] == "qr_not_in_image"
    assert blank.json()["errors"][0]["field"] == "file"
    text = await client.post(
        "/api/v1/qr/decode/image", files={"file": ("x.png", b"not an image", "image/png")}, headers=headers
    )
    assert text.status_code == 415
    anonymous = await client.post("/api/v1/qr/decode/image", files={"file": ("qr.png", image, "image/png")})
    assert anonymous.status_code == 401
