from __future__ import annotations

from datetime import timedelta

import pytest
from jose import jwt

from app.core.security import TokenError, decode_token, encode_token

PASSWORD = "phoqr-demo"


async def login(client, username="agent.vungtau", password=PASSWORD, **kw):
    return await client.post("/api/v1/auth/token", data={"username": username, "password": password}, **kw)


async def test_login_me_and_refresh_rotation(client):
    r = await login(client)
    assert r.status_code == 200, r.text
    pair = r.json()
    assert pair["token_type"] == "bearer" and pair["expires_in"] > 0
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.json() == {
        "id": me.json()["id"],
        "username": "agent.vungtau",
        "full_name": "Tổ công nghệ số phường Vũng Tàu",
        "role": "field_agent",
        "units": [{"edition": "2025", "code": "26506"}],
        "bank_bin": None,
    }
    r2 = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert r2.status_code == 200
    new_pair = r2.json()
    assert new_pair["refresh_token"] != pair["refresh_token"]
    # the rotated-out token cannot be used again, and its reuse ends the whole chain (token theft)
    reuse = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert reuse.status_code == 401 and reuse.json()["code"] == "refresh_token_reused"
    chain = await client.post("/api/v1/auth/refresh", json={"refresh_token": new_pair["refresh_token"]})
    assert chain.status_code == 401


async def test_bank_user_me_has_bin(client):
    pair = (await login(client, "bank.vcb")).json()
    me = (await client.get("/api/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})).json()
    assert me["role"] == "bank_partner" and me["bank_bin"] == "970436" and me["units"] == []


async def test_wrong_password_is_problem_in_both_languages(client):
    r = await login(client, password="wrong")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "invalid_credentials" and body["title"] == "Sai tên đăng nhập hoặc mật khẩu"
    en = (await login(client, password="wrong", headers={"Accept-Language": "en-US,en;q=0.9"})).json()
    assert en["title"] == "Wrong username or password"
    unknown = await login(client, username="nobody")
    assert unknown.status_code == 401 and unknown.json()["code"] == "invalid_credentials"


async def test_login_rate_limited_per_username(client, settings):
    settings.login_max_failures = 3
    for _ in range(3):
        assert (await login(client, "auditor", "bad")).status_code == 401
    r = await login(client, "auditor", PASSWORD)  # even the right password waits now
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) >= 1
    assert r.json()["code"] == "too_many_requests"
    # another username from the same address is not locked out by this one's failures
    assert (await login(client, "admin", PASSWORD)).status_code == 200


async def test_login_rate_limited_per_address(client, settings):
    settings.login_max_failures = 2  # per address: 4x = 8 failures across usernames
    for i in range(8):
        await login(client, f"ghost{i}", "bad")
    r = await login(client, "admin", PASSWORD)
    assert r.status_code == 429


@pytest.mark.parametrize("case", ["expired", "tampered", "wrong_key", "alg_none", "refresh_as_access", "garbage"])
async def test_bad_access_tokens_are_refused(client, settings, case):
    good, _ = encode_token(settings, "1", "access", ttl=timedelta(minutes=5))
    if case == "expired":
        token, _ = encode_token(settings, "1", "access", ttl=timedelta(seconds=-5))
    elif case == "tampered":
        head, body, sig = good.split(".")
        token = ".".join([head, body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1], sig])
    elif case == "wrong_key":
        token = jwt.encode(
            {"sub": "1", "typ": "access", "jti": "x", "exp": 9999999999, "iss": "phoqr"},
            "another-key-" + "y" * 40,
            algorithm="HS256",
        )
    elif case == "alg_none":
        import base64
        import json

        def b64(d):
            return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()

        token = (
            b64({"alg": "none", "typ": "JWT"})
            + "."
            + b64({"sub": "1", "typ": "access", "jti": "x", "exp": 9999999999, "iss": "phoqr"})
            + "."
        )
    elif case == "refresh_as_access":
        token, _ = encode_token(settings, "1", "refresh", ttl=timedelta(minutes=5), family="f")
    else:
        token = "not-a-jwt"
    r = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    assert r.json()["code"] == "invalid_token"
    assert r.headers["WWW-Authenticate"] == "Bearer"
    # and the good token still works, so the refusals above are about the token, not the route
    assert (await client.get("/api/v1/me", headers={"Authorization": f"Bearer {good}"})).status_code == 200


def test_decode_pins_algorithm(settings):
    token = jwt.encode(
        {"sub": "1", "typ": "access", "jti": "x", "exp": 9999999999, "iss": "phoqr"},
        settings.jwt_secret,
        algorithm="HS512",
    )
    with pytest.raises(TokenError):
        decode_token(settings, token, "access")


async def test_refresh_with_garbage_and_validation(client):
    r = await client.post("/api/v1/auth/refresh", json={"refresh_token": "x" * 20})
    assert r.status_code == 401
    r = await client.post("/api/v1/auth/refresh", json={})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "refresh_token"
