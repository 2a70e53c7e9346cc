"""A street change needs authority over every unit the street touches, before and after the change (a ward
officer could change a street shared with another ward, or create one spanning units that are not theirs)."""

from __future__ import annotations

import pytest

OWN = {"edition": "2025", "code": "26506"}  # officer.vungtau's ward
OTHER = {"edition": "2025", "code": "26526"}  # Tam Thắng: not theirs


async def _shared_street(client, h) -> dict:
    streets = (await client.get("/api/v1/streets", params={"unit": "2025:26506", "limit": 500}, headers=h)).json()
    for s in streets["items"]:
        codes = {u["code"] for u in s["units"] if u["edition"] == "2025"}
        if "26506" in codes and len(codes) > 1:
            return s
    pytest.fail("the seed has no street shared by Phường Vũng Tàu and another ward")


async def _own_street(client, h, name="Đường Riêng Phường") -> dict:
    r = await client.post("/api/v1/streets", json={"name": name, "units": [OWN]}, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


async def test_officer_cannot_change_a_street_shared_with_another_ward(client, auth):
    h = await auth("officer.vungtau")
    street = await _shared_street(client, h)
    r = await client.patch(
        f"/api/v1/streets/{street['id']}",
        json={"baseline_shop_count": 3},
        headers=h | {"If-Match": f'"{street["version"]}"'},
    )
    assert r.status_code == 403, r.text
    r = await client.patch(
        f"/api/v1/streets/{street['id']}", json={"units": [OWN]}, headers=h | {"If-Match": f'"{street["version"]}"'}
    )
    assert r.status_code == 403, r.text  # removing the other ward's unit


async def test_officer_cannot_create_a_street_spanning_another_ward(client, auth):
    h = await auth("officer.vungtau")
    r = await client.post("/api/v1/streets", json={"name": "Đường Liên Phường", "units": [OWN, OTHER]}, headers=h)
    assert r.status_code == 403, r.text


async def test_officer_cannot_extend_their_street_into_another_ward(client, auth):
    h = await auth("officer.vungtau")
    street = await _own_street(client, h)
    r = await client.patch(
        f"/api/v1/streets/{street['id']}",
        json={"units": [OWN, OTHER]},
        headers=h | {"If-Match": f'"{street["version"]}"'},
    )
    assert r.status_code == 403, r.text


async def test_officer_changes_own_street_and_city_admin_changes_shared_ones(client, auth):
    officer, admin = await auth("officer.vungtau"), await auth("admin")
    own = await _own_street(client, officer)
    r = await client.patch(
        f"/api/v1/streets/{own['id']}", json={"target_pct": 80}, headers=officer | {"If-Match": f'"{own["version"]}"'}
    )
    assert r.status_code == 200, r.text
    shared = await _shared_street(client, officer)
    r = await client.patch(
        f"/api/v1/streets/{shared['id']}",
        json={"baseline_shop_count": 3},
        headers=admin | {"If-Match": f'"{shared["version"]}"'},
    )
    assert r.status_code == 200, r.text
    r = await client.post("/api/v1/streets", json={"name": "Đường Liên Phường", "units": [OWN, OTHER]}, headers=admin)
    assert r.status_code == 201, r.text
