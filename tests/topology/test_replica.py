"""Lag-tolerant reads from a real streaming replica (pg_basebackup -R of a private primary), and the fallback.

One primary, one replica, two app servers on them: A tolerates any lag (so what it reads can be seen to come
from the replica), B tolerates 1 s. With the replica's replay paused, A's bank list misses a shop the primary
already has, while A's own answers about that shop (primary) show it; B, once the lag passes 1 s, reads from
the primary. Then the replica is stopped under A's traffic: after the reads in flight, every read is answered
from the primary, never a 500, and /health and the metrics say why.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import threading
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from app.core.migrate import upgrade
from load.streaming import primary_with_replica, server_bindir, wait_until
from tests.app.consents.factories import consent_body
from tests.conftest import DEMO_PASSWORD, _seed
from tests.factories import shop_body
from tests.live_server import live_server

pytestmark = pytest.mark.skipif(
    server_bindir() is None or (os.geteuid() == 0 and not Path("/usr/sbin/runuser").exists()),
    reason="needs PostgreSQL's server binaries (/usr/lib/postgresql/*/bin) to build a private primary and replica",
)


def _psql(port: int, sql: str, db: str = "postgres") -> str:
    cmd = ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", db, "-Atc", sql]
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=30).stdout.strip()


def _metric(base: str, name: str, label: str) -> float:
    text = httpx.get(f"{base}/metrics", timeout=10).text
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name + "{") and label in line
    )


def _login(base: str, username: str) -> dict[str, str]:
    r = httpx.post(f"{base}/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD}, timeout=30)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _register(base: str, agent: dict[str, str]) -> str:
    body = shop_body()
    r = httpx.post(f"{base}/api/v1/merchants", json=body, headers=agent, timeout=30)
    assert r.status_code == 201, r.text
    c = httpx.post(f"{base}/api/v1/merchants/{body['id']}/consents", json=consent_body(), headers=agent, timeout=30)
    assert c.status_code == 201, c.text
    return str(body["id"])


def _bank_ids(base: str, bank: dict[str, str]) -> set[str]:
    r = httpx.get(f"{base}/api/v1/bank/merchants", params={"limit": 500}, headers=bank, timeout=30)
    assert r.status_code == 200, r.text
    return {i["merchant_id"] for i in r.json()["items"]}


def test_reads_from_a_streaming_replica_and_the_fallback(tmp_path: Path) -> None:
    with primary_with_replica() as pair:
        _psql(pair.primary.port, "CREATE DATABASE phoqr")
        primary = make_url(pair.primary.url).set(database="phoqr").render_as_string(hide_password=False)
        replica = make_url(pair.replica.url).set(database="phoqr").render_as_string(hide_password=False)
        upgrade(primary)
        asyncio.run(_seed(primary))
        common = {"demo_password": DEMO_PASSWORD, "webhook_dispatcher": False, "database_read_url": replica}
        with (
            live_server(primary, tmp_path / "a", replica_max_lag_seconds=3600, **common) as a,  # type: ignore[arg-type]
            live_server(primary, tmp_path / "b", replica_max_lag_seconds=1, **common) as b,  # type: ignore[arg-type]
        ):
            agent, bank = _login(a, "agent.vungtau"), _login(a, "bank.vcb")
            health = httpx.get(f"{a}/health", timeout=30).json()
            assert health["replica"]["status"] == "ok", health

            first = _register(a, agent)
            wait_until(lambda: first in _bank_ids(a, bank))  # replayed on the replica, read from it

            # the replica stops replaying: the primary moves on, the replica's readers do not see it
            _psql(pair.replica.port, "SELECT pg_wal_replay_pause()", "phoqr")
            served_before = _metric(a, "phoqr_replica_reads_total", 'served_by="replica"')
            second = _register(a, agent)
            assert second not in _bank_ids(a, bank)  # A reads the replica (any lag is fine for A)
            assert _metric(a, "phoqr_replica_reads_total", 'served_by="replica"') > served_before
            # the caller's own write is read back from the primary
            own = httpx.get(f"{a}/api/v1/merchants/{second}", headers=agent, timeout=30)
            assert own.status_code == 200, own.text

            # B allows 1 s: once the replica is that far behind, B's readers get the primary, and it says so
            wait_until(lambda: httpx.get(f"{b}/health", timeout=30).json()["replica"]["status"] == "lagging")
            assert second in _bank_ids(b, bank)
            assert _metric(b, "phoqr_replica_fallbacks_total", 'reason="lagging"') > 0
            _psql(pair.replica.port, "SELECT pg_wal_replay_resume()", "phoqr")
            wait_until(lambda: second in _bank_ids(a, bank))

            # the replica stops under traffic
            answers: list[tuple[int, str]] = []
            stop = threading.Event()

            def reader() -> None:
                with httpx.Client(base_url=a, headers=bank, timeout=30) as c:
                    while not stop.is_set():
                        r = c.get("/api/v1/bank/merchants", params={"limit": 500})
                        answers.append((r.status_code, r.headers.get("content-type", "")))

            threads = [threading.Thread(target=reader) for _ in range(3)]
            for t in threads:
                t.start()
            wait_until(lambda: len(answers) >= 10)
            pair.replica.stop("fast")
            stopped_at = len(answers)
            wait_until(lambda: len(answers) >= stopped_at + 30)
            stop.set()
            for t in threads:
                t.join(timeout=30)

            assert all(s in (200, 503) for s, _ in answers), sorted({s for s, _ in answers})
            assert all("problem+json" in ct for s, ct in answers if s == 503)
            assert [s for s, _ in answers[-10:]] == [200] * 10  # back to full service, from the primary
            assert {first, second} <= _bank_ids(a, bank)
            assert httpx.get(f"{a}/health", timeout=30).json()["replica"]["status"] == "unreachable"
            assert _metric(a, "phoqr_replica_fallbacks_total", 'reason="unreachable"') > 0
