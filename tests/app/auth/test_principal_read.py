"""Every request reads its caller anew (a deactivation applies to the very next request); that read is the
driver's own statement (asyncpg, aiosqlite), before the request's transaction begins, so on PostgreSQL a request
that reads nothing else sends no BEGIN and no COMMIT (SQLAlchemy sees no statement at all). Behind PgBouncer in
transaction mode it goes through SQLAlchemy inside the transaction (tests/topology)."""

from __future__ import annotations

from sqlalchemy import event, select

from app.auth.models import User


async def test_the_caller_is_read_anew_outside_sqlalchemy(client, auth, session):
    agent, admin = await auth("agent.vungtau"), await auth("admin")
    statements: list[str] = []
    bind = session.sync_session.bind
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(bind, "before_cursor_execute", listener)
    try:
        r = await client.get("/api/v1/me", headers=agent)
    finally:
        event.remove(bind, "before_cursor_execute", listener)
    assert r.status_code == 200 and r.json()["username"] == "agent.vungtau", r.text
    statements = [s for s in statements if "SAVEPOINT" not in s]  # the test's own transaction around the request
    assert statements == [], statements

    uid = (await session.execute(select(User.id).where(User.username == "agent.vungtau"))).scalar_one()
    assert (await client.post(f"/api/v1/users/{uid}/deactivate", headers=admin)).status_code == 200
    refused = await client.get("/api/v1/me", headers=agent)
    assert refused.status_code == 401 and refused.json()["code"] == "invalid_token", refused.text
