"""Deactivation, a reset and a password change end the account's sessions at once: API tokens (access and
refresh) and the dashboard cookie."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditLog
from app.auth.models import RefreshToken, User
from tests.app.dashboard.support import sign_in


async def _login(client, username: str, password: str = "phoqr-demo") -> dict:
    r = await client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return r.json()


async def _uid(session, username: str) -> int:
    return (await session.execute(select(User.id).where(User.username == username))).scalar_one()


async def test_deactivation_ends_tokens_and_dashboard_sessions_at_once(client, web, auth, session):
    pair = await _login(client, "agent.vungtau")
    bearer = {"Authorization": f"Bearer {pair['access_token']}"}
    assert (await sign_in(web, "agent.vungtau")).status_code == 303
    assert (await web.get("/dashboard")).status_code == 200
    target = await _uid(session, "agent.vungtau")
    r = await client.post(f"/api/v1/users/{target}/deactivate", headers=await auth("officer.vungtau"))
    assert r.status_code == 200 and r.json()["is_active"] is False and r.json()["deactivated_at"]
    assert (await client.get("/api/v1/me", headers=bearer)).status_code == 401
    assert (await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})).status_code == 401
    page = await web.get("/dashboard")
    assert page.status_code == 303 and page.headers["location"].startswith("/dashboard/login")
    assert (
        await client.post("/api/v1/auth/token", data={"username": "agent.vungtau", "password": "phoqr-demo"})
    ).status_code == 401
    tokens = (await session.execute(select(RefreshToken).where(RefreshToken.user_id == target))).scalars().all()
    assert tokens and all(t.revoked_at is not None for t in tokens)
    # the deactivated agent is listed as inactive to its officer
    listed = await client.get("/api/v1/users", params={"state": "inactive"}, headers=await auth("officer.vungtau"))
    assert [u["username"] for u in listed.json()["items"]] == ["agent.vungtau"]


async def test_changing_ones_password_ends_the_other_sessions(client, web, session):
    old = await _login(client, "officer.vungtau")
    assert (await sign_in(web, "officer.vungtau")).status_code == 303
    bearer = {"Authorization": f"Bearer {old['access_token']}"}
    wrong = await client.post(
        "/api/v1/me/password", json={"current_password": "nope", "new_password": "Mot-mat-khau-moi-9"}, headers=bearer
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "current_password"
    weak = await client.post(
        "/api/v1/me/password", json={"current_password": "phoqr-demo", "new_password": "short"}, headers=bearer
    )
    assert weak.status_code == 422 and weak.json()["errors"][0]["field"] == "new_password"
    r = await client.post(
        "/api/v1/me/password",
        json={"current_password": "phoqr-demo", "new_password": "Mot-mat-khau-moi-9"},
        headers=bearer,
    )
    assert r.status_code == 200, r.text
    fresh = r.json()
    assert (await client.post("/api/v1/auth/refresh", json={"refresh_token": old["refresh_token"]})).status_code == 401
    assert (await web.get("/dashboard")).status_code == 303  # the dashboard session ended too
    assert (
        await client.post("/api/v1/auth/refresh", json={"refresh_token": fresh["refresh_token"]})
    ).status_code == 200
    assert (
        await client.post("/api/v1/auth/token", data={"username": "officer.vungtau", "password": "phoqr-demo"})
    ).status_code == 401
    await _login(client, "officer.vungtau", "Mot-mat-khau-moi-9")
    audit = (await session.execute(select(AuditLog).where(AuditLog.action == "user.change_password"))).scalars().all()
    assert audit and "Mot-mat-khau-moi-9" not in str([(a.before, a.after) for a in audit])


async def test_a_reset_password_is_shown_once_and_must_be_replaced(client, web, auth, session):
    old = await _login(client, "agent.vungtau")
    target = await _uid(session, "agent.vungtau")
    r = await client.post(f"/api/v1/users/{target}/reset-password", headers=await auth("officer.vungtau"))
    assert r.status_code == 200, r.text
    password = r.json()["password"]
    assert password and r.json()["user"]["must_change_password"] is True
    assert (await client.post("/api/v1/auth/refresh", json={"refresh_token": old["refresh_token"]})).status_code == 401
    row = (await session.execute(select(User).where(User.id == target))).scalar_one()
    assert password not in row.password_hash
    pair = await _login(client, "agent.vungtau", password)
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
    assert me.status_code == 200
