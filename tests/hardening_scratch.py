"""A fresh migrated and seeded database per test module, for tests whose requests must really commit in
parallel transactions (the shared test database rolls every test back, so it cannot show a race)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.migrate import upgrade
from tests.conftest import _seed, create_database


@pytest.fixture(scope="module")
def scratch_url(db_url: str, tmp_root: Path) -> Iterator[str]:
    backend = "sqlite" if db_url.startswith("sqlite") else "postgres"
    url, drop = create_database(backend, tmp_root)
    upgrade(url)
    asyncio.run(_seed(url))
    yield url
    drop()
