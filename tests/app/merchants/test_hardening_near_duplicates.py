"""The near-duplicate check (same street, same folded name, or within 30 m) names only shops the caller may
see, and works by indexed lookups rather than loading every shop on the street."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import inspect


def body(street: dict, unit: str, **over) -> dict:
    b = {
        "id": str(uuid.uuid4()),
        "name": "Tạp hóa Hương",
        "category": "grocery",
        "street_id": street["id"],
        "unit": {"edition": "2025", "code": unit},
        "payment_account": {"bank_bin": "970436", "account_number": str(uuid.uuid4().int)[:12]},
    }
    return b | over


async def _shared_street(client, h) -> tuple[dict, str]:
    streets = (await client.get("/api/v1/streets", params={"unit": "2025:26506", "limit": 500}, headers=h)).json()
    for s in streets["items"]:
        others = {u["code"] for u in s["units"] if u["edition"] == "2025"} - {"26506"}
        if others:
            return s, sorted(others)[0]
    pytest.fail("no street shared by Phường Vũng Tàu and another ward")


async def test_same_name_in_own_ward_is_flagged_other_wards_shop_is_not_named(client, auth):
    admin, agent = await auth("admin"), await auth("agent.vungtau")
    street, other_unit = await _shared_street(client, agent)
    theirs = await client.post("/api/v1/merchants", json=body(street, other_unit, name="Cà phê Mộc"), headers=admin)
    assert theirs.status_code == 201, theirs.text
    mine = await client.post("/api/v1/merchants", json=body(street, "26506", name="CÀ PHÊ  moc"), headers=agent)
    assert mine.status_code == 201, mine.text
    assert mine.json()["possible_duplicate_of"] is None  # the other ward's shop is not the agent's to see
    ours = await client.post("/api/v1/merchants", json=body(street, "26506", name="Cà Phê Mộc!"), headers=agent)
    assert ours.json()["possible_duplicate_of"] == mine.json()["id"]
    # the city sees both wards: for its own registration the other ward's shop counts
    city = await client.post("/api/v1/merchants", json=body(street, other_unit, name="cafe"), headers=admin)
    assert city.json()["possible_duplicate_of"] is None


async def test_within_thirty_metres_is_flagged_further_is_not(client, auth):
    agent = await auth("agent.vungtau")
    street, _ = await _shared_street(client, agent)
    here = {"lat": 10.3460, "lon": 107.0843}
    first = await client.post(
        "/api/v1/merchants", json=body(street, "26506", name="Tiệm A", location=here), headers=agent
    )
    near = {"lat": 10.3460 + 0.0002, "lon": 107.0843}  # about 22 m north
    far = {"lat": 10.3460 + 0.0009, "lon": 107.0843}  # about 100 m north
    r_near = await client.post(
        "/api/v1/merchants", json=body(street, "26506", name="Tiệm B", location=near), headers=agent
    )
    r_far = await client.post(
        "/api/v1/merchants", json=body(street, "26506", name="Tiệm C", location=far), headers=agent
    )
    assert r_near.json()["possible_duplicate_of"] == first.json()["id"]
    assert r_far.json()["possible_duplicate_of"] is None


async def test_lookups_are_served_by_indexes(session):
    def indexes(sync_session):
        return {tuple(i["column_names"]) for i in inspect(sync_session.connection()).get_indexes("merchant")}

    found = await session.run_sync(indexes)
    assert ("street_id", "name_compact") in found
    assert ("street_id", "lat") in found
