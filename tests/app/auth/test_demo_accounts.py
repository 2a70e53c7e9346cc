"""Outside development (and the test suite), demo accounts sign nobody in, whatever the database holds: a database
set up in development and then served with PHOQR_ENVIRONMENT=production refuses `admin / phoqr-demo`."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.auth.models import User
from app.core.config import Settings
from app.core.db import get_session, make_engine, make_sessionmaker
from app.core.security import encode_token
from app.main import create_app
from tests.app.dashboard.support import sign_in


@pytest.fixture
def production(settings: Settings) -> Settings:
    # no background jobs: they would write to the database the test holds in one transaction
    quiet = {"snapshot_daily": False, "account_checks": False, "webhook_dispatcher": False}
    return settings.model_copy(update={"environment": "production", "demo_users": False, **quiet})


@pytest.fixture
async def prod_client(
    production: Settings, engine: AsyncEngine, session: AsyncSession
) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(production, engine=engine)

    async def _test_session() -> AsyncIterator[AsyncSession]:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise

    application.dependency_overrides[get_session] = _test_session
    transport = httpx.ASGITransport(app=application)
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(transport=transport, base_url="https://test") as c,
    ):
        yield c


async def test_production_refuses_demo_logins_held_in_the_database(prod_client, production, session):
    admin = (await session.execute(select(User).where(User.username == "admin"))).scalar_one()
    assert admin.is_demo and admin.is_active  # the row is there, as a development set-up left it
    admin_id = admin.id
    r = await prod_client.post("/api/v1/auth/token", data={"username": "admin", "password": "phoqr-demo"})
    assert r.status_code == 401 and r.json()["code"] == "invalid_credentials"
    # a token minted before (or forged with the key) for a demo account is refused on every request too
    token, _ = encode_token(production, str(admin_id), "access", ttl=timedelta(minutes=5))
    me = await prod_client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401
    # and the dashboard
    page = await sign_in(prod_client, "admin")
    assert page.status_code == 401


async def test_a_real_account_still_signs_in_in_production(prod_client, session):
    from app.core.security import hash_password

    session.add(
        User(
            username="real.admin",
            full_name="Quản trị",
            role="city_admin",
            password_hash=hash_password("Mat-khau-that-dai-1"),
        )
    )
    await session.commit()
    r = await prod_client.post("/api/v1/auth/token", data={"username": "real.admin", "password": "Mat-khau-that-dai-1"})
    assert r.status_code == 200, r.text


async def test_demo_accounts_sign_in_in_the_test_environment(client):
    r = await client.post("/api/v1/auth/token", data={"username": "admin", "password": "phoqr-demo"})
    assert r.status_code == 200


def test_setup_in_production_creates_no_demo_user(tmp_path: Path) -> None:
    from app import cli

    url = f"sqlite+aiosqlite:///{tmp_path / 'prod.db'}"
    settings = Settings(environment="production", demo_users=False, jwt_secret="p" * 48, database_url=url)
    cli.cmd_setup(settings, argparse.Namespace())

    async def count() -> int:
        engine = make_engine(url)
        try:
            async with make_sessionmaker(engine)() as s:
                return (await s.execute(select(func.count()).select_from(User))).scalar_one()
        finally:
            await engine.dispose()

    import asyncio

    assert asyncio.run(count()) == 0
