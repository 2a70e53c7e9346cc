"""Issue 15 §3: a streamed export checks its query before its first byte: 422 problem naming the field, like
the JSON list, never 200 followed by a dropped connection."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "path", ["/api/v1/bank/merchants", "/api/v1/bank/merchants.csv", "/api/v1/bank/merchants.xlsx"]
)
@pytest.mark.parametrize("street", ["99999999999", "0", "-5"])
async def test_an_impossible_street_is_refused_before_streaming(client, auth, path, street):
    vcb = await auth("bank.vcb")
    r = await client.get(f"{path}?street_id={street}", headers=vcb)
    assert r.status_code == 422, (r.status_code, r.text[:200])
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"].endswith("street_id")


@pytest.mark.parametrize("path", ["/api/v1/bank/merchants.csv", "/api/v1/bank/merchants.xlsx"])
async def test_a_bad_unit_is_refused_before_streaming(client, auth, path):
    vcb = await auth("bank.vcb")
    r = await client.get(f"{path}?unit=nonsense", headers=vcb)
    assert r.status_code in (404, 422) and r.headers["content-type"].startswith("application/problem+json")
