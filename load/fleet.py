"""`make load-fleet` (PHOQR_LOAD_TOPOLOGY=fleet): `make load` on the production topology of issue 20.

The load's private cluster is the primary; a streaming replica of it (`pg_basebackup -R`, its own port and data
directory, load/streaming.py); a PgBouncer 1.18 in transaction mode in front of each (load/pgbouncer.py). The app
talks to the primary through its PgBouncer (PHOQR_DATABASE_POOLER=transaction) and sends its lag-tolerant reads
to the replica through the other (PHOQR_DATABASE_READ_URL). Banks poll their list and feed during the run, so
the replica serves reads under load; the phase here stops the replica for a few seconds under traffic (reads
must keep answering, from the primary) and starts it again (reads must return to it). Everything is removed at
the end whatever happened.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from load.cluster import Cluster
from load.pgbouncer import pgbouncer
from load.streaming import Node, replica_of
from load.workload import UNITS, Stats, bank_reader, field_agent, login, streets_of

# a server that went away is tried again after 1 s (default 15 s: recovery would wait for it), and a client
# waiting for a server connection gives up after 10 s (default 120 s) with an error the app answers 503
BOUNCER = "server_login_retry = 1\nquery_wait_timeout = 10\n"
SERVER_POOL = 20  # server connections per PgBouncer: 2 workers x (pool 10 + overflow 10) clients share them
BANK_READERS = 2


@dataclass
class Fleet:
    replica: Node
    write_url: str  # the primary through its PgBouncer
    read_url: str  # the replica through its PgBouncer
    replica_direct: str
    bouncer_pids: list[int]

    def env(self, env: dict[str, str]) -> dict[str, str]:
        return env | {
            "PHOQR_DATABASE_URL": self.write_url,
            "PHOQR_DATABASE_POOLER": "transaction",
            "PHOQR_DATABASE_READ_URL": self.read_url,
        }


def _allow_replication(cluster: Cluster) -> None:
    """pg_createcluster's pg_hba.conf may not let a replication connection in from 127.0.0.1 without a password:
    put a trust line first (the first matching line decides) and reload."""
    hba = Path(f"/etc/postgresql/{cluster.version}/{cluster.name}/pg_hba.conf")
    text = hba.read_text()
    if not re.search(r"^host\s+replication\s+all\s+127\.0\.0\.1/32\s+trust\s*$", text, re.MULTILINE):
        hba.write_text("host replication all 127.0.0.1/32 trust\n" + text)
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", cluster.version, cluster.name, "reload"],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip


@contextmanager
def fleet(cluster: Cluster) -> Iterator[Fleet]:
    """A replica of the (already migrated and seeded) cluster and a PgBouncer in front of each."""
    _allow_replication(cluster)
    # behind PgBouncer 1.18 the app sends no startup parameters: the server's own timeout is set here (README)
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "-d", "phoqr_load",
         "-c", "ALTER DATABASE phoqr_load SET statement_timeout = '10s'"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    with replica_of(cluster.port) as replica:
        direct = make_url(cluster.url).set(port=replica.port).render_as_string(hide_password=False)
        pids: list[int] = []
        with (
            pgbouncer(cluster.url, pool_size=SERVER_POOL, extra=BOUNCER, pids=pids) as write_url,
            pgbouncer(direct, pool_size=SERVER_POOL, extra=BOUNCER, pids=pids) as read_url,
        ):
            yield Fleet(replica, write_url, read_url, direct, pids)


def replica_transactions(replica: Node, database: str = "phoqr_load") -> int:
    """Transactions the replica itself has run in the load's database (its own pg_stat_database)."""
    sql = f"SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '{database}'"
    cmd = ["psql", "-h", "127.0.0.1", "-p", str(replica.port), "-U", "postgres", "-d", "postgres", "-Atc", sql]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False).stdout.strip()
    return int(out) if out.isdigit() else -1


async def replica_metrics(client: httpx.AsyncClient) -> dict[str, float]:
    """phoqr_replica_reads_total by where served, and phoqr_replica_fallbacks_total, summed over the workers."""
    found = {"replica": 0.0, "primary": 0.0, "fallbacks": 0.0}
    for line in (await client.get("/metrics")).text.splitlines():
        if line.startswith("phoqr_replica_reads_total{"):
            key = "replica" if 'served_by="replica"' in line else "primary"
            found[key] += float(line.rsplit(" ", 1)[1])
        elif line.startswith("phoqr_replica_fallbacks_total{"):
            found["fallbacks"] += float(line.rsplit(" ", 1)[1])
    return found


async def wait_replica_ok(client: httpx.AsyncClient, seconds: float = 60) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        r = await client.get("/health")
        if r.status_code == 200 and r.json().get("replica", {}).get("status") == "ok":
            return time.monotonic() - started
        await asyncio.sleep(0.3)
    raise RuntimeError("the replica did not become usable (/health replica status)")


def bank_readers(
    client: httpx.AsyncClient, token: str, stats: Stats, stop: asyncio.Event, n: int = BANK_READERS
) -> list[asyncio.Task[None]]:
    return [asyncio.create_task(bank_reader(client, token, stats, stop, 3000 + i)) for i in range(n)]


async def replica_outage(client: httpx.AsyncClient, topo: Fleet, password: str) -> dict[str, object]:
    """Writers and bank readers while the replica is stopped for 5 s and started again."""
    stats, stop = Stats(), asyncio.Event()
    agent = await login(client, "agent.vungtau", password)
    bank = await login(client, "bank.vcb", password)
    streets = await streets_of(client, agent, UNITS[0])
    tasks = [asyncio.create_task(field_agent(client, agent, stats, stop, 6000 + i, streets)) for i in range(4)]
    tasks += bank_readers(client, bank, stats, stop, 3)
    await asyncio.sleep(2)
    before = await replica_metrics(client)
    stopped_at = time.monotonic()
    health: dict[str, object] = {}
    try:
        topo.replica.stop("fast")
        await asyncio.sleep(1.5)
        r = await client.get("/health")
        health = {"code": r.status_code, **r.json().get("replica", {})}
        await asyncio.sleep(3.5)
        during = await replica_metrics(client)
    finally:
        topo.replica.start()  # started again even if anything above failed
    started_at = time.monotonic()
    xacts_restart = replica_transactions(topo.replica)
    back_s = None
    while time.monotonic() - started_at < 30:
        if (await replica_metrics(client))["replica"] > during["replica"]:
            back_s = time.monotonic() - started_at
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(3)
    stop.set()
    await asyncio.gather(*tasks)
    after = await replica_metrics(client)
    reads = [(t, s) for t, route, s in stats.timeline if route.startswith("GET /bank")]
    in_stop = [s for t, s in reads if stopped_at < t < started_at]
    return {
        "reads_during": {s: in_stop.count(s) for s in sorted(set(in_stop))},
        "last_reads": [s for _, s in reads[-10:]],
        "health": health,
        "fallbacks": during["fallbacks"] - before["fallbacks"],
        "served_during": {k: during[k] - before[k] for k in ("replica", "primary")},
        "back_s": back_s,
        "served_after": {k: after[k] - during[k] for k in ("replica", "primary")},
        "replica_xacts_after_restart": replica_transactions(topo.replica) - xacts_restart,
        "writes": stats.statuses,
        "5xx_not_503": stats.server_errors(count_503=False),
    }


def report(main: dict[str, float], replica_xacts: int, outage: dict[str, object]) -> None:
    """The replica's figures beside their goals, like the rest of the run."""
    print(
        f"\nfleet: primary and a streaming replica, each behind PgBouncer 1.18 (transaction mode, "
        f"{SERVER_POOL} server connections); 2 uvicorn workers with PHOQR_DATABASE_POOLER=transaction"
    )
    print(
        f"main run, lag-tolerant reads (banks' list and feed): served by the replica {main['replica']:.0f}, by the "
        f"primary {main['primary']:.0f} (fallbacks {main['fallbacks']:.0f}); the replica's own pg_stat_database: "
        f"{replica_xacts} transactions in the load's database"
    )
    during: dict[int, int] = outage["reads_during"]  # type: ignore[assignment]
    ok, unavailable = during.get(200, 0), during.get(503, 0)
    other = sum(n for s, n in during.items() if s not in (200, 503))
    health: dict[str, object] = outage["health"]  # type: ignore[assignment]
    back: float | None = outage["back_s"]  # type: ignore[assignment]
    after: dict[str, float] = outage["served_after"]  # type: ignore[assignment]
    last: list[int] = outage["last_reads"]  # type: ignore[assignment]
    fallbacks: float = outage["fallbacks"]  # type: ignore[assignment]
    xacts: int = outage["replica_xacts_after_restart"]  # type: ignore[assignment]
    errors: int = outage["5xx_not_503"]  # type: ignore[assignment]
    down = health.get("code") == 200 and health.get("status") == "unreachable"
    rows = [
        ("reads while the replica was stopped", f"{ok} ok, {unavailable} x 503", "200s, no other",
         ok > 0 and not other),
        ("fallbacks to the primary (metric)", f"{fallbacks:.0f}", "> 0", fallbacks > 0),
        ("/health while the replica was down", f"{health.get('code')} {health.get('status')}", "200 unreachable", down),
        ("reads back on the replica after start", "never" if back is None else f"{back:.1f} s", "<= 10 s",
         back is not None and back <= 10),
        ("replica transactions after its start", str(xacts), "> 0", xacts > 0),
        ("last 10 bank reads", f"{last.count(200)} x 200", "10 x 200", last == [200] * 10),
        ("5xx other than 503 (replica phase)", str(errors), "0", errors == 0),
    ]  # fmt: skip
    print(f"\n{'replica stopped 5 s, started again':40} {'measured':>18} {'goal':>16}  met")
    for name, measured, goal, met in rows:
        print(f"{name:40} {measured:>18} {goal:>16}  {'yes' if met else 'NO'}")
    served: dict[str, float] = outage["served_during"]  # type: ignore[assignment]
    print(
        f"reads during the stop, by where served: replica {served['replica']:.0f} (in flight when it stopped), "
        f"primary {served['primary']:.0f}; after its start: replica {after['replica']:.0f}, primary "
        f"{after['primary']:.0f}; writes meanwhile: "
        + "; ".join(f"{r} {s}: {n}" for (r, s), n in sorted(outage["writes"].items()) if r == "POST /merchants")  # type: ignore[attr-defined]
    )
