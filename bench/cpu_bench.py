"""A request's server CPU, read from outside: a live uvicorn process, one client, sequential requests.

The CPU time of the server process (and, on PostgreSQL, of its database backends) is read from /proc/<pid>/stat
(utime + stime) before and after N requests: CPU, not wall time, so a busy neighbour does not count. Goals
(issue 16): POST /merchants <= 4 ms and GET /me <= 1 ms of server CPU, app + database. The baseline is GET /health
on the same server (no token, one `SELECT 1` round trip): what any request costs before PhoQR's own work.
Linux only (/proc); PHOQR_BENCH_POSTGRES_URL as in service_bench.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import IO

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.config import Settings
from app.core.security import encode_token
from bench.common import Row
from bench.service_bench import SECRET, _pg_admin, _pg_exec, _prepare, _shop

N = int(os.environ.get("PHOQR_BENCH_CPU_REQUESTS", "300"))
TARGETS = {"POST /merchants": 4.0, "GET /me": 1.0}
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def server_app() -> object:
    """uvicorn --factory bench.cpu_bench:server_app (reads PHOQR_DATABASE_URL)."""
    from app.main import create_app

    return create_app(Settings(environment="test", database_url=os.environ["PHOQR_DATABASE_URL"], jwt_secret=SECRET))


def ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue  # a backend that ended: its CPU before it did is lost (rare: the pool keeps them)
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _backends(url: str) -> list[int]:
    if not url.startswith("postgresql"):
        return []
    name = make_url(url).database
    engine = create_async_engine(_pg_admin(), isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name}
        )
        pids = [int(r[0]) for r in rows]
    await engine.dispose()
    return pids


def cpu_rows(url: str, label: str) -> list[Row]:
    asyncio.run(_prepare(url))
    port = _port()
    env = {**os.environ, "PHOQR_DATABASE_URL": url, "PHOQR_LOG_LEVEL": "WARNING"}
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "bench.cpu_bench:server_app", "--port", str(port)]
    cmd += ["--no-access-log", "--log-level", "warning"]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=log)
        try:
            return _measure(url, label, proc, log, port)
        finally:
            proc.terminate()
            proc.wait(10)


def _measure(url: str, label: str, proc: subprocess.Popen[bytes], log: IO[bytes], port: int) -> list[Row]:
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base, timeout=30) as c:
        for _ in range(600):
            try:
                if c.get("/health").status_code == 200:
                    break
            except httpx.TransportError:
                if proc.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(log.read().decode()[-2000:]) from None
                time.sleep(0.1)
        uid = asyncio.run(_agent_id(url))  # the token names the seeded field agent of Vũng Tàu
        token, _ = encode_token(Settings(jwt_secret=SECRET), str(uid), "access", ttl=timedelta(hours=1))
        c.headers["Authorization"] = f"Bearer {token}"
        shop_no = iter(range(100_000, 10**8))  # each registration its own phone and account
        calls = {
            "GET /health": lambda: c.get("/health"),
            "GET /me": lambda: c.get("/api/v1/me"),
            "POST /merchants": lambda: c.post("/api/v1/merchants", json=_shop(next(shop_no))),
        }
        for call in calls.values():  # warm: imports, caches, the pool's connections
            for _ in range(20):
                assert call().status_code < 300
        cpu: dict[str, tuple[float, float]] = {}
        for name, call in calls.items():
            backends = asyncio.run(_backends(url))
            app0, db0 = ticks([proc.pid]), ticks(backends)
            for _ in range(N):
                r = call()
                assert r.status_code < 300, (name, r.status_code, r.text[:200])
            app1, db1 = ticks([proc.pid]), ticks(backends)
            cpu[name] = ((app1 - app0) * TICK_MS / N, (db1 - db0) * TICK_MS / N)
    health = sum(cpu["GET /health"])
    return [
        Row(
            f"{label}: {name} server CPU (ms)",
            sum(cpu[name]),
            "ms",
            "GET /health (SELECT 1)",
            health,
            TARGETS[name],
            f"app {cpu[name][0]:.2f} + db {cpu[name][1]:.2f} ms = {sum(cpu[name]) / TARGETS[name]:.1f}x the goal, "
            f"{N} sequential requests",
        )
        for name in TARGETS
    ]


async def _agent_id(url: str) -> int:
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.auth.models import User
    from app.core.db import make_engine

    engine = make_engine(url)
    async with AsyncSession(engine) as s:
        uid = (await s.execute(select(User.id).where(User.username == "agent.vungtau"))).scalar_one()
    await engine.dispose()
    return int(uid or 0)


def run() -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += cpu_rows(f"sqlite+aiosqlite:///{tmp}/cpu.db", "sqlite")
    try:
        asyncio.run(_pg_exec("SELECT 1"))
    except Exception as exc:  # no PostgreSQL here: say so, don't pretend
        print(f"PostgreSQL not reachable ({exc.__class__.__name__}): PostgreSQL CPU figures skipped")
        return rows
    name = f"phoqr_bench_cpu_{uuid.uuid4().hex[:6]}"
    asyncio.run(_pg_exec(f'CREATE DATABASE "{name}"'))
    try:
        rows += cpu_rows(make_url(_pg_admin()).set(database=name).render_as_string(hide_password=False), "pg")
    finally:
        asyncio.run(_pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return rows


if __name__ == "__main__":
    from bench.common import print_table

    print_table(run())
