"""Text a user sends is refused with 422 when it would break storage, display or search: control characters
(NUL gave 500 on PostgreSQL), bidirectional overrides, invisible-only names, full-width digits in phones."""

from __future__ import annotations

import pytest

from tests.factories import shop_body as shop

BAD_NAMES = ["Tạp hóa\x00Hương", "Tạp hóa \u202eHương", "\u200b", "\u200b \u200d", "Tạp\x07hóa"]


@pytest.mark.parametrize("name", BAD_NAMES)
async def test_shop_name_with_control_bidi_or_only_invisible_characters_is_422(client, auth, name):
    h = await auth("agent.vungtau")
    r = await client.post("/api/v1/merchants", json=shop(name=name), headers=h)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in r.json()["errors"]] == ["name"]


async def test_every_user_text_field_refuses_nul(client, auth):
    h = await auth("agent.vungtau")
    for field, value in (
        ("owner_name", "Hương\x00"),
        ("house_number", "12\x00"),
        ("payment_account", {"bank_bin": "970436", "account_number": "0011001", "account_name": "A\x00"}),
    ):
        r = await client.post("/api/v1/merchants", json=shop(**{field: value}), headers=h)
        assert r.status_code == 422, (field, r.text)
    officer = await auth("officer.vungtau")
    street = {"name": "Đường\x00Mới", "units": [{"edition": "2025", "code": "26506"}]}
    r = await client.post("/api/v1/streets", json=street, headers=officer)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "name"
    r = await client.post("/api/v1/streets", json=street | {"name": "Đường Mới", "note": "\u202e"}, headers=officer)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "note"


async def test_zero_width_joiner_inside_visible_text_is_kept(client, auth):
    h = await auth("agent.vungtau")
    r = await client.post("/api/v1/merchants", json=shop(name="Cà phê 👨\u200d👩"), headers=h)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/merchants/%00", "path"),
        ("/api/v1/merchants?q=a%00b", "q"),
        ("/api/v1/streets?q=%E2%80%AEabc", "q"),
        ("/api/v1/merchants/abc%1Bdef", "path"),
    ],
)
async def test_control_characters_in_path_or_query_are_422(client, auth, url, field):
    h = await auth("agent.vungtau")
    r = await client.get(url, headers=h)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == field


async def test_nul_in_sync_batch_fails_only_its_operation(client, auth):
    h = await auth("agent.vungtau")
    good, bad = shop(), shop(name="Tạp hóa\x00")
    ops = [
        {"op_id": "a", "type": "upsert_merchant", "payload": good},
        {"op_id": "b", "type": "upsert_merchant", "payload": bad},
    ]
    r = await client.post("/api/v1/sync", json={"device_id": "p1", "operations": ops}, headers=h)
    assert r.status_code == 200, r.text
    assert [x["status"] for x in r.json()["results"]] == ["created", "invalid"]
    assert r.json()["results"][1]["errors"][0]["field"] == "name"
    assert (await client.get(f"/api/v1/merchants/{good['id']}", headers=h)).status_code == 200


async def test_nul_in_sync_op_id_or_device_is_422(client, auth):
    h = await auth("agent.vungtau")
    ops = [{"op_id": "a\x00", "type": "upsert_merchant", "payload": shop()}]
    r = await client.post("/api/v1/sync", json={"device_id": "p1", "operations": ops}, headers=h)
    assert r.status_code == 422
    ops[0]["op_id"] = "a"
    r = await client.post("/api/v1/sync", json={"device_id": "p\x001", "operations": ops}, headers=h)
    assert r.status_code == 422


@pytest.mark.parametrize("phone", ["٠٩٠١٢٣٤٥٦٧", "09٠1234567", "0901२34567"])
async def test_phone_with_non_ascii_digits_is_refused(client, auth, phone):
    h = await auth("agent.vungtau")
    r = await client.post("/api/v1/merchants", json=shop(phone=phone), headers=h)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "phone"


@pytest.mark.parametrize("phone", ["０９０５５５１２３４", "09０5551234"])
async def test_full_width_phone_is_stored_ascii_and_caught_as_duplicate(client, auth, phone):
    h = await auth("agent.vungtau")
    first = await client.post("/api/v1/merchants", json=shop(phone="0905551234"), headers=h)
    assert first.status_code == 201, first.text
    r = await client.post("/api/v1/merchants", json=shop(phone=phone), headers=h)
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "duplicate_phone"


async def test_phone_ascii_forms_still_normalise(client, auth):
    h = await auth("agent.vungtau")
    r = await client.post("/api/v1/merchants", json=shop(phone="+84 903.333.444"), headers=h)
    assert r.status_code == 201 and r.json()["phone"] == "0903333444"
