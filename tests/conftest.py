"""Shared fixtures: a database per backend built by `alembic upgrade head`, a rolled-back session per test,
and the app driven through httpx's ASGI transport.

Every test that asks for `client`, `session` or `db_url` runs once on SQLite and once on PostgreSQL
(when PHOQR_TEST_POSTGRES_URL is set; in CI it must be).
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from app.auth.models import User
from app.core.config import Settings
from app.core.db import get_session, make_engine
from app.core.migrate import upgrade
from app.core.security import encode_token
from app.main import create_app
from app.seed import load_demo_users, seed_reference
from tests import contract_recorder

PG_URL = os.environ.get("PHOQR_TEST_POSTGRES_URL", "").strip()
DEMO_PASSWORD = "phoqr-demo"
BACKENDS = ["sqlite", "postgres"] if PG_URL else ["sqlite"]


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("CI") and not PG_URL:
        pytest.exit("CI must run the PostgreSQL half: set PHOQR_TEST_POSTGRES_URL", returncode=3)


_WORKER_PROBLEMS: list[str] = []  # under pytest-xdist: what the workers' recorders found, gathered here


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:  # pytest-xdist's controller: a worker finished
    _WORKER_PROBLEMS.extend(json.loads(getattr(node, "workeroutput", {}).get("contract_problems", "[]")))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Every status and problem code the suite saw must be documented for its operation (issue 11).

    Under pytest-xdist each worker records its own tests' answers and hands its findings to the controller
    (`workeroutput`), which fails the run: a worker's own exit status would not reach the summary."""
    worker = getattr(session.config, "workerinput", None)
    suffix = f"-{worker['workerid']}" if worker else ""
    contract_recorder.write_report(Path(f"var/contract-report{suffix}.json"))
    problems = contract_recorder.undocumented()
    if worker is not None:
        session.config.workeroutput["contract_problems"] = json.dumps(problems)  # type: ignore[attr-defined]
        return
    problems = sorted(set(problems) | set(_WORKER_PROBLEMS))
    if problems and (os.environ.get("CI") or os.environ.get("PHOQR_CONTRACT_CHECK")):
        print("\nAnswers the OpenAPI document does not list:\n  " + "\n  ".join(problems))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _asyncpg_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+asyncpg://", 1) if url.startswith("postgresql://") else url


async def _admin_execute(sql: str) -> None:
    admin = make_url(_asyncpg_url(PG_URL)).set(database="postgres")
    engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.exec_driver_sql(sql)
    await engine.dispose()


def create_database(backend: str, tmp: Path) -> tuple[str, Callable[[], None]]:
    """A brand-new empty database and a function that removes it."""
    if backend == "sqlite":
        path = tmp / f"phoqr-{uuid.uuid4().hex[:8]}.db"
        return f"sqlite+aiosqlite:///{path}", lambda: None
    name = f"phoqr_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin_execute(f'CREATE DATABASE "{name}"'))
    url = make_url(_asyncpg_url(PG_URL)).set(database=name).render_as_string(hide_password=False)
    return url, lambda: asyncio.run(_admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _seed(url: str) -> None:
    engine = make_engine(url)
    async with AsyncSession(engine, expire_on_commit=False) as session:
        await seed_reference(session)
        await load_demo_users(session, DEMO_PASSWORD)
        await session.commit()
    await engine.dispose()


@pytest.fixture(scope="session")
def tmp_root() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="phoqr-tests-") as d:
        yield Path(d)


class _Databases:
    """The session's migrated and seeded databases, one per backend, built on first use."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.urls: dict[str, str] = {}
        self.drops: list[Callable[[], None]] = []

    def url(self, backend: str) -> str:
        if backend not in self.urls:
            url, drop = create_database(backend, self.tmp)
            self.drops.append(drop)
            upgrade(url)
            asyncio.run(_seed(url))
            self.urls[backend] = url
        return self.urls[backend]


@pytest.fixture(scope="session")
def _databases(tmp_root: Path) -> Iterator[_Databases]:
    """Kept outside `db_url` on purpose: pytest tears a parametrized session fixture down whenever the next test
    wants the other parameter, and under pytest-xdist (a module's tests on one worker, sqlite then postgres,
    module after module) that rebuilt both databases for every module. These live until the session ends."""
    databases = _Databases(tmp_root)
    yield databases
    for drop in databases.drops:
        drop()


@pytest.fixture(scope="session", params=BACKENDS)
def db_url(request: pytest.FixtureRequest, _databases: _Databases) -> str:
    """A migrated and seeded database for the whole session, one per backend."""
    return _databases.url(request.param)


@pytest.fixture(scope="session")
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(db_url, pool_size=5)
    yield eng
    await eng.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """Everything a test writes, through the app or directly, is rolled back at its end."""
    async with engine.connect() as conn:
        outer = await conn.begin()
        s = AsyncSession(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield s
        finally:
            await s.close()
            await outer.rollback()


@pytest.fixture
def settings(tmp_root: Path, db_url: str) -> Settings:
    return Settings(
        environment="test",
        database_url=db_url,
        jwt_secret="test-secret-" + "x" * 40,
        media_dir=tmp_root / "media",
        demo_password=DEMO_PASSWORD,
        webhook_dispatcher=False,  # a test that needs deliveries starts its own (tests/webhook_receiver.py)
        import_worker=False,  # tests/app/imports runs queued imports itself
    )


@pytest.fixture
async def app(settings: Settings, engine: AsyncEngine, session: AsyncSession) -> AsyncIterator[object]:
    application = create_app(settings, engine=engine)

    async def _test_session() -> AsyncIterator[AsyncSession]:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise

    application.dependency_overrides[get_session] = _test_session
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: object) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=contract_recorder.Recorder(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.fixture
def auth(session: AsyncSession, settings: Settings) -> Callable[[str], Awaitable[dict[str, str]]]:
    """`await auth("agent.vungtau")` -> Authorization header for that demo user (token minted directly)."""

    async def _headers(username: str) -> dict[str, str]:
        user = (await session.execute(select(User).where(User.username == username))).scalar_one()
        token, _ = encode_token(settings, str(user.id), "access", ttl=timedelta(minutes=5))
        return {"Authorization": f"Bearer {token}"}

    return _headers
