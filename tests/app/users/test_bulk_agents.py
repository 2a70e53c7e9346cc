"""Field agents from a CSV: checked row by row (problems name row and column, nothing half-created), one-time
passwords shown once and never stored in clear, replays without passwords."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User, UserUnit
from app.idempotency.models import IdempotencyRecord

GOOD = "name,phone,unit\nNguyễn Văn An,0901 234 501,2025:26506\nTrần Thị Bình,+84901234502,26506\n"


def _file(text: str) -> dict:
    return {"file": ("agents.csv", text.encode("utf-8"), "text/csv")}


async def test_bulk_creates_agents_with_passwords_shown_once(client, auth, session):
    h = await auth("officer.vungtau") | {"Idempotency-Key": "bulk-1"}
    r = await client.post("/api/v1/users/bulk", files=_file(GOOD), headers=h)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["count"] == 2 and body["passwords_shown"] is True
    rows = {x["row"]: x for x in body["created"]}
    assert rows[2]["user"]["username"] == "0901234501" and rows[3]["user"]["phone"] == "0901234502"
    assert rows[2]["user"]["units"] == [{"edition": "2025", "code": "26506"}]
    passwords = [x["password"] for x in body["created"]]
    assert all(passwords) and len(set(passwords)) == 2
    users = (await session.execute(select(User).where(User.username.in_(["0901234501", "0901234502"])))).scalars().all()
    assert all(u.role == "field_agent" and u.must_change_password for u in users)
    assert not any(p in u.password_hash for u in users for p in passwords)
    stored = (await session.execute(select(IdempotencyRecord).where(IdempotencyRecord.key == "bulk-1"))).scalar_one()
    assert not any(p in stored.response_body for p in passwords)  # never stored in clear, not even for replays
    # each password signs its agent in
    for x in body["created"]:
        login = await client.post(
            "/api/v1/auth/token", data={"username": x["user"]["username"], "password": x["password"]}
        )
        assert login.status_code == 200

    again = await client.post("/api/v1/users/bulk", files=_file(GOOD), headers=h)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    replay = again.json()
    assert replay["passwords_shown"] is False and "only in the first answer" in replay["note"]
    assert [x["password"] for x in replay["created"]] == [None, None]
    assert [x["user"]["id"] for x in replay["created"]] == [x["user"]["id"] for x in body["created"]]
    count = (await session.execute(select(User).where(User.phone.in_(["0901234501", "0901234502"])))).scalars().all()
    assert len(count) == 2


async def test_every_bad_row_is_named_and_nothing_is_created(client, auth, session):
    text = (
        "name,phone,unit\n"
        '=HYPERLINK("http://x"),0901234511,2025:26506\n'  # line 2: a formula
        "Lê Văn Cường,12345,2025:26506\n"  # line 3: not a phone
        "Phạm Thị Dung,0901234513,2025:2650\n"  # line 4: not a unit
        "Hoàng Văn Em,0901234514,2025:26506\n"  # fine on its own
        "Hoàng Văn Em 2,0901234514,2025:26506\n"  # line 6: same phone as line 5
        "\u202eGià,0901234516,2025:26506\n"  # line 7: bidi override
        "Ông Ba,0901234517,2025:99999\n"  # line 8: no such unit (checked after the shape)
    )
    h = await auth("admin")
    r = await client.post("/api/v1/users/bulk", files=_file(text), headers=h)
    assert r.status_code == 422, r.text
    fields = [e["field"] for e in r.json()["errors"]]
    assert fields == ["rows[2].name", "rows[3].phone", "rows[4].unit", "rows[6].phone", "rows[7].name"]
    none = (await session.execute(select(User).where(User.phone.like("09012345%")))).scalars().all()
    assert none == []
    unit_only = "name,phone,unit\nÔng Ba,0901234517,2025:99999\nBà Tư,0901234518,2025:26506\n"
    r = await client.post("/api/v1/users/bulk", files=_file(unit_only), headers=h)
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["rows[2].unit"]
    assert (await session.execute(select(User).where(User.phone == "0901234518"))).scalar_one_or_none() is None
    taken = "name,phone,unit\nTrùng,0901234519,2025:26506\n"
    assert (await client.post("/api/v1/users/bulk", files=_file(taken), headers=h)).status_code == 201
    again = await client.post("/api/v1/users/bulk", files=_file(taken), headers=h)
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "rows[2].phone"


async def test_the_file_itself_is_checked(client, auth):
    h = await auth("admin")
    for content, field in (
        (b"ten,so,don vi\nA,0901234521,26506\n", "file"),  # not our header
        (b"\xff\xfe n\x00a\x00", "file"),  # not UTF-8
        (b"name,phone,unit\n", "file"),  # no rows
    ):
        r = await client.post("/api/v1/users/bulk", files={"file": ("a.csv", content, "text/csv")}, headers=h)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, r.text


async def test_an_officer_imports_only_into_its_own_units(client, auth, session):
    text = "name,phone,unit\nA,0901234531,2025:26506\nB,0901234532,2025:26526\n"
    r = await client.post("/api/v1/users/bulk", files=_file(text), headers=await auth("officer.vungtau"))
    assert r.status_code == 403 and r.json()["code"] == "units_not_grantable"
    assert [e["field"] for e in r.json()["errors"]] == ["rows[3].unit"]
    created = (await session.execute(select(UserUnit).join(User).where(User.phone == "0901234531"))).all()
    assert created == []
    for who in ("auditor", "agent.vungtau", "bank.vcb"):
        r = await client.post("/api/v1/users/bulk", files=_file(GOOD), headers=await auth(who))
        assert r.status_code == 403, who


async def test_a_single_create_replay_does_not_show_the_password_again(client, auth, session):
    h = await auth("admin") | {"Idempotency-Key": "one-user"}
    body = {
        "username": "replay.agent",
        "full_name": "Lặp lại",
        "role": "field_agent",
        "units": [{"edition": "2025", "code": "26506"}],
    }
    first = await client.post("/api/v1/users", json=body, headers=h)
    assert first.status_code == 201 and first.json()["password"]
    again = await client.post("/api/v1/users", json=body, headers=h)
    assert again.status_code == 201 and again.json()["password"] is None
    assert again.json()["user"]["id"] == first.json()["user"]["id"] and "reset" in again.json()["note"]
    stored = (await session.execute(select(IdempotencyRecord).where(IdempotencyRecord.key == "one-user"))).scalar_one()
    assert first.json()["password"] not in stored.response_body
