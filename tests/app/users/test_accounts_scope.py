"""Who may manage whom (app/users/policy.py): every forbidden case fails, and the allowed ones work."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.models import User

OWN, OTHER = {"edition": "2025", "code": "26506"}, {"edition": "2025", "code": "26526"}


def agent(username: str, *units: dict, **over: object) -> dict:
    return {"username": username, "full_name": "Cộng tác viên", "role": "field_agent", "units": list(units)} | over


async def uid(session, username: str) -> int:
    return (await session.execute(select(User.id).where(User.username == username))).scalar_one()


async def test_a_ward_officer_creates_field_agents_of_its_own_units_only(client, auth):
    h = await auth("officer.vungtau")
    ok = await client.post("/api/v1/users", json=agent("ctv.vungtau.01", OWN), headers=h)
    assert ok.status_code == 201, ok.text
    assert ok.json()["user"]["units"] == [OWN] and ok.json()["user"]["must_change_password"] is True
    cases = [
        (agent("x.other.unit", OTHER), "units_not_grantable"),
        (agent("x.both.units", OWN, OTHER), "units_not_grantable"),
        (agent("x.officer", OWN, role="ward_officer"), "role_not_grantable"),
        (agent("x.admin", role="city_admin", units=[]), "role_not_grantable"),
        (agent("x.auditor", role="auditor", units=[]), "role_not_grantable"),
        (agent("x.bank", role="bank_partner", units=[], bank_bin="970436"), "role_not_grantable"),
    ]
    for body, code in cases:
        r = await client.post("/api/v1/users", json=body, headers=h)
        assert r.status_code == 403 and r.json()["code"] == code, (body, r.text)


async def test_a_ward_officer_reaches_only_the_agents_of_its_units(client, auth, session):
    h = await auth("officer.vungtau")
    mine, theirs = await uid(session, "agent.vungtau"), await uid(session, "agent.tamthang")
    admin, officer = await uid(session, "admin"), await uid(session, "officer.vungtau")
    listed = await client.get("/api/v1/users", headers=h)
    assert listed.status_code == 200
    users = listed.json()["items"]
    assert {u["username"] for u in users} == {"agent.vungtau"}
    assert all(u["role"] == "field_agent" for u in users)
    for target in (theirs, admin):
        for method, path, body in (
            ("GET", f"/api/v1/users/{target}", None),
            ("PATCH", f"/api/v1/users/{target}", {"full_name": "Đổi tên"}),
            ("POST", f"/api/v1/users/{target}/deactivate", None),
            ("POST", f"/api/v1/users/{target}/reset-password", None),
        ):
            r = await client.request(method, path, json=body, headers=h)
            assert r.status_code == 404 and r.json()["code"] == "user_not_found", (method, path, r.text)
    # its own agent: may rename, may not raise it to officer nor move it out of its units
    assert (
        await client.patch(f"/api/v1/users/{mine}", json={"full_name": "Tổ CNS Vũng Tàu"}, headers=h)
    ).status_code == 200
    up = await client.patch(f"/api/v1/users/{mine}", json={"role": "ward_officer"}, headers=h)
    assert up.status_code == 403 and up.json()["code"] == "role_not_grantable"
    away = await client.patch(f"/api/v1/users/{mine}", json={"units": [OTHER]}, headers=h)
    assert away.status_code == 403 and away.json()["code"] == "units_not_grantable"
    # nobody raises their own rights or locks themselves out
    for method, path, body in (
        ("PATCH", f"/api/v1/users/{officer}", {"units": [OWN, OTHER]}),
        ("PATCH", f"/api/v1/users/{officer}", {"role": "city_admin", "units": []}),
        ("POST", f"/api/v1/users/{officer}/deactivate", None),
        ("POST", f"/api/v1/users/{officer}/reset-password", None),
    ):
        r = await client.request(method, path, json=body, headers=h)
        assert r.status_code == 403 and r.json()["code"] == "own_account", (method, path, r.text)


async def test_a_city_admin_manages_every_account_but_never_its_own_rights(client, auth, session):
    h = await auth("admin")
    me = await uid(session, "admin")
    for body in (
        agent("new.officer", OWN, role="ward_officer"),
        agent("new.admin", role="city_admin", units=[]),
        agent("new.bank", role="bank_partner", units=[], bank_bin="970415"),
        agent("new.auditor", role="auditor", units=[]),
    ):
        r = await client.post("/api/v1/users", json=body, headers=h)
        assert r.status_code == 201, r.text
    officer = await uid(session, "officer.vungtau")
    moved = await client.patch(f"/api/v1/users/{officer}", json={"units": [OWN, OTHER]}, headers=h)
    assert moved.status_code == 200 and moved.json()["units"] == [OWN, OTHER]
    for method, path, body in (
        ("PATCH", f"/api/v1/users/{me}", {"role": "auditor"}),
        ("POST", f"/api/v1/users/{me}/deactivate", None),
        ("POST", f"/api/v1/users/{me}/reset-password", None),
    ):
        r = await client.request(method, path, json=body, headers=h)
        assert r.status_code == 403 and r.json()["code"] == "own_account", (method, path)
    bank = await uid(session, "bank.vcb")
    rebanked = await client.patch(f"/api/v1/users/{bank}", json={"bank_bin": "970415"}, headers=h)
    assert rebanked.status_code == 200 and rebanked.json()["bank_bin"] == "970415"
    agent_id = await uid(session, "agent.tamthang")
    no_bin = await client.patch(f"/api/v1/users/{agent_id}", json={"role": "bank_partner", "units": []}, headers=h)
    assert no_bin.status_code == 422 and no_bin.json()["errors"][0]["field"] == "bank_bin"
    promoted = await client.patch(f"/api/v1/users/{agent_id}", json={"role": "ward_officer"}, headers=h)
    assert promoted.status_code == 200 and promoted.json()["role"] == "ward_officer"
    listed = (await client.get("/api/v1/users", params={"role": "bank_partner"}, headers=h)).json()["items"]
    assert {u["username"] for u in listed} >= {"bank.vcb", "new.bank"}


@pytest.mark.parametrize("who", ["auditor", "agent.vungtau", "bank.vcb"])
async def test_readers_and_others_change_nothing(client, auth, session, who):
    h = await auth(who)
    target = await uid(session, "agent.vungtau")
    for method, path, body in (
        ("POST", "/api/v1/users", agent("x.nope", OWN)),
        ("PATCH", f"/api/v1/users/{target}", {"full_name": "X"}),
        ("POST", f"/api/v1/users/{target}/deactivate", None),
        ("POST", f"/api/v1/users/{target}/reset-password", None),
    ):
        r = await client.request(method, path, json=body, headers=h)
        assert r.status_code == 403, (who, method, path, r.text)
    read = await client.get("/api/v1/users", headers=h)
    assert read.status_code == (200 if who == "auditor" else 403)


async def test_role_shape_and_references_are_422_naming_the_field(client, auth):
    h = await auth("admin")
    cases = [
        (agent("shape.a"), "units"),  # an agent needs a unit
        (agent("shape.b", OWN, role="auditor"), "units"),
        (agent("shape.c", role="bank_partner", units=[]), "bank_bin"),
        (agent("shape.d", OWN, bank_bin="970436"), "bank_bin"),
        (agent("shape.e", role="bank_partner", units=[], bank_bin="999999"), "bank_bin"),
        (agent("shape.f", {"edition": "2025", "code": "99999"}), "units[0]"),
        (agent("Shape With Caps", OWN), "username"),
        (agent("shape.g", OWN, full_name="\u202eabc"), "full_name"),
        (agent("shape.h", OWN, password="short"), "password"),
        (agent("shape.i", OWN, password="shape.i"), "password"),
    ]
    for body, field in cases:
        r = await client.post("/api/v1/users", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["errors"][0]["field"] == field, (body, r.json())
    taken = await client.post("/api/v1/users", json=agent("agent.vungtau", OWN), headers=h)
    assert taken.status_code == 409 and taken.json()["code"] == "username_taken"


async def test_list_filters_and_keyset_pages(client, auth):
    h = await auth("admin")
    for i in range(5):
        r = await client.post(
            "/api/v1/users", json=agent(f"page.agent.{i}", OTHER, full_name=f"Đặng Văn {i}"), headers=h
        )
        assert r.status_code == 201
    seen, cursor = [], None
    while True:
        params = {"unit": "2025:26526", "role": "field_agent", "limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/v1/users", params=params, headers=h)).json()
        seen += [u["username"] for u in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(["agent.tamthang"] + [f"page.agent.{i}" for i in range(5)])
    assert len(seen) == len(set(seen))
    folded = (await client.get("/api/v1/users", params={"q": "dang van"}, headers=h)).json()["items"]
    assert {u["username"] for u in folded} == {f"page.agent.{i}" for i in range(5)}
    bad = await client.get("/api/v1/users", params={"cursor": "not-a-cursor"}, headers=h)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"
    inactive = (await client.get("/api/v1/users", params={"state": "inactive"}, headers=h)).json()["items"]
    assert inactive == []
