"""Every migration walks down to base and up again, on SQLite and PostgreSQL; the reference loader is idempotent."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, inspect, select
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.core.db import make_engine
from app.core.migrate import downgrade, upgrade
from app.seed import load_demo_users, seed_reference
from app.streets.models import Street, StreetUnit
from app.units.models import AdminUnit, UnitSuccession
from tests.conftest import BACKENDS, create_database


async def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    return names - {"alembic_version"}


async def _counts(url: str) -> tuple[int, ...]:
    engine = make_engine(url)
    async with engine.connect() as conn:
        out = []
        for model in (AdminUnit, UnitSuccession, Street, StreetUnit):
            out.append((await conn.execute(select(func.count()).select_from(model))).scalar_one())
    await engine.dispose()
    return tuple(out)


async def _seed(url: str) -> None:
    from sqlalchemy.ext.asyncio import AsyncSession

    engine = make_engine(url)
    async with AsyncSession(engine) as s:
        await seed_reference(s)
        await load_demo_users(s, "pw")
        await s.commit()
    await engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
def test_down_and_up_again(backend, tmp_path):
    url, drop = create_database(backend, tmp_path)
    try:
        upgrade(url)
        assert asyncio.run(_tables(url)) == set(SQLModel.metadata.tables)
        downgrade(url, "base")
        assert asyncio.run(_tables(url)) == set()
        upgrade(url)
        assert asyncio.run(_tables(url)) == set(SQLModel.metadata.tables)
        asyncio.run(_seed(url))
        first = asyncio.run(_counts(url))
        asyncio.run(_seed(url))  # again: updates, never duplicates
        assert asyncio.run(_counts(url)) == first
        assert first[:2] == (22, 17)
    finally:
        drop()
