"""Text with control characters reaching endpoints outside the merchant and street schemas: never a 500."""

from __future__ import annotations


async def test_nul_in_login_form_is_refused_not_500(client):
    r = await client.post("/api/v1/auth/token", data={"username": "agent\x00vungtau", "password": "x"})
    assert r.status_code in (401, 422), r.text
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_nul_in_qr_texts_is_422(client, auth):
    r = await client.post("/api/v1/qr/verify", json={"payload": "000201\x00"})
    assert r.status_code == 422, r.text
    h = await auth("agent.vungtau")
    r = await client.post("/api/v1/qr/decode", json={"payload": "\u202e000201"}, headers=h)
    assert r.status_code == 422, r.text
