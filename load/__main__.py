"""`make load`: two uvicorn workers on PostgreSQL under a bounded run, each figure printed beside its goal.

1. A private PostgreSQL cluster (load/cluster.py) with a scratch database, migrated and seeded.
2. `uvicorn app.main:app --workers 2` on a free loopback port, metrics in multiprocess mode.
3. PHOQR_LOAD_SECONDS (default 60) of 64 field agents (each its own account, working a street at a time)
   registering shops (10 % replays, 3 % duplicates), 8 devices (8 accounts) sending 500-operation /sync batches
   and 4 officers reading coverage; at half time one worker is
   killed with SIGKILL (uvicorn starts a new one). Then: every acknowledged shop must exist, no duplicates.
   Each agent sends from its own phone (load/phone.py: one keep-alive connection, ~0.4 ms of CPU a request).
4. The paced phase, once PostgreSQL is idle again: the 64 agents offering PHOQR_LOAD_PACED_RATE (default 200,
   issue 16's goal) registrations/s in all for PHOQR_LOAD_PACED_SECONDS, no sync: latency unsaturated (p99 goal
   100 ms).
5. Last: the database is stopped for a few seconds under light traffic (503s expected) and started again;
   the run reports how long until requests succeed again. The cluster is dropped at the end, whatever happened.

PHOQR_LOAD_TOPOLOGY=fleet (`make load-fleet`): the same on the topology of issue 20 (load/fleet.py): the cluster
as primary with a streaming replica, a PgBouncer in transaction mode in front of each, banks polling the reads the
replica serves, and one more fault: the replica stopped under traffic and started again.

A benchmark, not a test: it prints what it measured, honestly, beside the goals of issue 10.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from load.cluster import Cluster, free_port, private_cluster
from load.cpu import CpuMeter, children, postmaster_pid
from load.fleet import (
    Fleet,
    bank_readers,
    fleet,
    replica_metrics,
    replica_outage,
    replica_transactions,
    wait_replica_ok,
)
from load.fleet import report as fleet_report
from load.workload import UNITS, Stats, device, field_agent, login, officer, percentile, streets_of

SECONDS = float(os.environ.get("PHOQR_LOAD_SECONDS", "60"))
PACED_RATE = float(os.environ.get("PHOQR_LOAD_PACED_RATE", "200"))  # registrations/s offered in the paced phase
PACED_SECONDS = float(os.environ.get("PHOQR_LOAD_PACED_SECONDS", "15"))
PASSWORD = "phoqr-load-demo"
ROOT = Path(__file__).resolve().parents[1]
FLEET = os.environ.get("PHOQR_LOAD_TOPOLOGY", "single") == "fleet"


def _env(cluster: Cluster, metrics_dir: str) -> dict[str, str]:
    return {
        **os.environ,
        "PHOQR_ENVIRONMENT": "development",
        "PHOQR_DATABASE_URL": cluster.url,
        # each worker keeps 20 connections (and may open 20 more): with 10 kept, the paced phase's first seconds
        # opened and closed overflow connections (a new PostgreSQL backend and its prepared statements each time)
        # and its p99 went from ~30 ms to 300-450 ms there; 2 workers x 20 of the cluster's 200
        "PHOQR_DATABASE_POOL_SIZE": "20",
        "PHOQR_DEMO_PASSWORD": PASSWORD,
        "PHOQR_WEBHOOK_DISPATCHER": "false",
        "PHOQR_SNAPSHOT_DAILY": "false",
        "PHOQR_LOG_LEVEL": "WARNING",  # an access line per request is cheap, but 100k of them is not the point
        "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
    }


def _workers(parent: int) -> list[int]:
    """Live worker processes of the uvicorn supervisor (a killed one stays a zombie until reaped: not counted)."""
    path = Path(f"/proc/{parent}/task/{parent}/children")
    pids = [int(p) for p in path.read_text().split()] if path.exists() else []
    return [p for p in pids if Path(f"/proc/{p}/stat").exists() and " Z " not in Path(f"/proc/{p}/stat").read_text()]


async def _calibrate(
    client: httpx.AsyncClient, token: str, streets: list[int], seconds: float = 3.0
) -> tuple[int, float]:
    """One agent alone, one request at a time: the uncontended latency of a registration on this machine."""
    stats, stop = Stats(), asyncio.Event()
    task = asyncio.create_task(field_agent(client, token, stats, stop, 9999, streets))
    await asyncio.sleep(seconds)
    stop.set()
    await task
    values = stats.latencies["POST /merchants"]
    return len(values), percentile(values, 50)


async def _wait_up(client: httpx.AsyncClient, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if (await client.get("/health")).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.3)
    raise RuntimeError("the server did not answer /health")


async def _clone_users(url: str, template: str, prefix: str, n: int) -> list[str]:
    """n more accounts like `template` (same role, units and password): each agent and device its own user."""
    names = [f"{prefix}{i}" for i in range(n)]
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        for name in names:
            await conn.execute(text(
                "INSERT INTO app_user (username, full_name, password_hash, role, bank_bin, is_active, is_demo, "
                "created_at) SELECT :name, :name, password_hash, role, bank_bin, is_active, is_demo, created_at "
                "FROM app_user WHERE username = :template"
            ), {"name": name, "template": template})  # fmt: skip
            await conn.execute(text(
                "INSERT INTO user_unit (user_id, edition, code) SELECT n.id, u.edition, u.code FROM user_unit u "
                "JOIN app_user t ON t.id = u.user_id AND t.username = :template JOIN app_user n ON n.username = :name"
            ), {"name": name, "template": template})  # fmt: skip
    await engine.dispose()
    return names


def _meter(server: subprocess.Popen[bytes], cluster: Cluster, topo: Fleet | None) -> CpuMeter:
    def database(data_dir: Path) -> list[int]:
        pm = postmaster_pid(data_dir)
        return [pm, *children(pm)] if pm else []

    groups = {"app": lambda: [server.pid, *children(server.pid)], "postgresql": lambda: database(cluster.data_dir)}
    if topo is not None:
        groups["replica"] = lambda: database(topo.replica.data)
        groups["pgbouncer"] = lambda: [p for pid in topo.bouncer_pids for p in (pid, *children(pid))]
    return CpuMeter(groups | {"load generator": lambda: [os.getpid()]})


async def _main_run(
    client: httpx.AsyncClient, server: subprocess.Popen[bytes], stats: Stats, cluster: Cluster, topo: Fleet | None
) -> dict[str, object]:
    url = cluster.url
    agents = await _clone_users(url, "agent.vungtau", "load.agent.", 64)
    devices = await _clone_users(url, "agent.tamthang", "load.device.", 8)
    gate = asyncio.Semaphore(4)  # 64 logins at once from one address queue on its rate-limit lock past 10 s

    async def _login(name: str) -> str:
        async with gate:
            return await login(client, name, PASSWORD)

    agent_tokens = await asyncio.gather(*(_login(u) for u in agents))
    device_tokens = await asyncio.gather(*(_login(u) for u in devices))
    officer_token = await login(client, "officer.vungtau", PASSWORD)
    home = await streets_of(client, agent_tokens[0], UNITS[0])
    away = await streets_of(client, device_tokens[0], UNITS[1])
    calibration = await _calibrate(client, agent_tokens[0], home)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(field_agent(client, t, stats, stop, i, home)) for i, t in enumerate(agent_tokens)]
    tasks += [asyncio.create_task(device(client, t, stats, stop, 1000 + i, away)) for i, t in enumerate(device_tokens)]
    tasks += [asyncio.create_task(officer(client, officer_token, stats, stop, i)) for i in range(4)]
    if topo is not None:  # banks poll their list and feed: the lag-tolerant reads the replica serves
        tasks += bank_readers(client, await login(client, "bank.vcb", PASSWORD), stats, stop)
    started = time.monotonic()
    async with _meter(server, cluster, topo).running() as meter:
        await asyncio.sleep(SECONDS / 2)
        victims = _workers(server.pid)
        killed = victims[0] if victims else None
        if killed:
            os.kill(killed, signal.SIGKILL)
        await asyncio.sleep(SECONDS / 2)
        stop.set()
        await asyncio.gather(*tasks)
    return {
        "agent_tokens": agent_tokens,
        "home": home,
        "cpu": {name: meter.seconds(name) for name in meter.groups},
        "cpu_by_worker": meter.by_process("app"),
        "elapsed": time.monotonic() - started,
        "killed": killed,
        "workers_after": _workers(server.pid),
        "calibration": calibration,
        "load": os.getloadavg()[0],
    }


async def _check_database(url: str, acknowledged: set[str]) -> dict[str, int]:
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        ids = {r[0] for r in (await conn.execute(text("SELECT id FROM merchant"))).all()}
        dup_accounts = (await conn.execute(text(
            "SELECT count(*) FROM (SELECT bank_bin, account_number FROM payment_account pa JOIN merchant m "
            "ON m.id = pa.merchant_id WHERE m.status = 'active' GROUP BY 1, 2 HAVING count(*) > 1) d"
        ))).scalar_one()  # fmt: skip
        dup_phones = (await conn.execute(text(
            "SELECT count(*) FROM (SELECT phone FROM merchant WHERE status = 'active' AND phone IS NOT NULL "
            "GROUP BY 1 HAVING count(*) > 1) d"
        ))).scalar_one()  # fmt: skip
    await engine.dispose()
    return {"shops": len(ids), "lost": len(acknowledged - ids), "dup_accounts": dup_accounts, "dup_phones": dup_phones}


async def _top_statements(url: str, n: int = 8) -> list[tuple[float, int, float, str]]:
    """PostgreSQL's own account of the run: (total ms, calls, ms per call, statement) by total time."""
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        rows = (await conn.execute(text(
            "SELECT total_exec_time, calls, mean_exec_time, regexp_replace(query, '\\s+', ' ', 'g') "
            "FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "ORDER BY total_exec_time DESC LIMIT :n"
        ), {"n": n})).all()  # fmt: skip
    await engine.dispose()
    return [(float(t), int(c), float(m), str(q)) for t, c, m, q in rows]


async def _settle(url: str, limit: float = 60.0) -> tuple[float, list[str]]:
    """Wait (at most `limit` s) until PostgreSQL has nothing running but this query: the autovacuum of the main
    run's 100,000 new rows took the first seconds of the paced phase (p99 400 ms there, 60 ms after). Returns
    the wait and what was running when it began."""
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    started, seen = time.monotonic(), []
    try:
        while time.monotonic() - started < limit:
            async with engine.connect() as conn:
                busy = [str(q)[:60] for (q,) in (await conn.execute(text(
                    "SELECT coalesce(nullif(query, ''), backend_type) FROM pg_stat_activity "
                    "WHERE state = 'active' AND pid <> pg_backend_pid() OR backend_type = 'autovacuum worker'"
                ))).all()]  # fmt: skip
            seen = seen or busy
            if not busy:
                break
            await asyncio.sleep(0.5)
    finally:
        await engine.dispose()
    return time.monotonic() - started, seen


async def _paced_run(
    client: httpx.AsyncClient, run: dict[str, object], meter: CpuMeter
) -> tuple[Stats, float, dict[str, float]]:
    """The same 64 agents at a steady PACED_RATE registrations/s in all (no sync batches): latency when the
    service is not saturated. Beside the main run, where agents send back to back and latency is queueing."""
    stats, stop = Stats(), asyncio.Event()
    tokens: list[str] = run["agent_tokens"]  # type: ignore[assignment]
    home: list[int] = run["home"]  # type: ignore[assignment]
    interval = len(tokens) / PACED_RATE
    tasks = [
        asyncio.create_task(field_agent(client, t, stats, stop, 7000 + i, home, interval)) for i, t in enumerate(tokens)
    ]
    started = time.monotonic()
    async with meter.running():
        await asyncio.sleep(PACED_SECONDS)
        stop.set()
        await asyncio.gather(*tasks)
    return stats, time.monotonic() - started, {name: meter.seconds(name) for name in meter.groups}


async def _database_outage(client: httpx.AsyncClient, cluster: Cluster) -> dict[str, object]:
    """Light traffic while the database is stopped for 5 s and started again."""
    stats, stop = Stats(), asyncio.Event()
    token = await login(client, "agent.vungtau", PASSWORD)
    streets = await streets_of(client, token, UNITS[0])
    tasks = [asyncio.create_task(field_agent(client, token, stats, stop, 5000 + i, streets)) for i in range(4)]
    await asyncio.sleep(2)
    stopped_at = time.monotonic()
    r_health = None
    try:
        cluster.stop()
        await asyncio.sleep(1)
        r_health = await client.get("/health")
        probe = await client.post("/api/v1/merchants", json={}, headers={"Authorization": f"Bearer {token}"})
        await asyncio.sleep(4)
    finally:
        cluster.start()  # started again even if anything above failed
    started_at = time.monotonic()
    recovered_at = None
    while time.monotonic() - started_at < 30:
        r = await client.get("/api/v1/coverage", params={"level": "unit"}, headers={"Authorization": f"Bearer {token}"})
        if r.status_code == 200:
            recovered_at = time.monotonic()
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(2)
    stop.set()
    await asyncio.gather(*tasks)
    during = [s for t, _, s in stats.timeline if stopped_at + 0.5 < t < started_at]
    return {
        "during": {s: during.count(s) for s in sorted(set(during))},
        "health": r_health.status_code if r_health is not None else None,
        "probe": (probe.status_code, probe.headers.get("retry-after"), probe.headers.get("content-type")),
        "recovery_s": None if recovered_at is None else recovered_at - started_at,
        "after_ok": sum(1 for t, _, s in stats.timeline if t > (recovered_at or 1e18) and s < 300),
        "5xx_not_503": stats.server_errors(count_503=False),
    }


def _report(stats: Stats, run: dict[str, object], db: dict[str, int], outage: dict[str, object] | None) -> None:
    elapsed = float(run["elapsed"])  # type: ignore[arg-type]
    rate = stats.registrations / elapsed
    p99_all = max((percentile(v, 99) for k, v in stats.latencies.items() if k == "POST /merchants"), default=0)
    where = "primary + streaming replica, each behind PgBouncer" if FLEET else "PostgreSQL (private cluster)"
    print(f"\nmake load: {elapsed:.0f} s, 2 uvicorn workers, {where}, 64 agents, 8 devices")
    print(f"{'route':34} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for route, values in sorted(stats.latencies.items()):
        print(f"{route:34} {len(values):9d} " + " ".join(f"{percentile(values, p) * 1000:8.1f}" for p in (50, 95, 99)))
    rows = [
        ("registrations/s (API + sync)", f"{rate:.0f}", ">= 500", rate >= 500),
        ("p99 POST /merchants", f"{p99_all * 1000:.0f} ms", "<= 100 ms", p99_all <= 0.1),
        ("5xx (503 included)", str(stats.server_errors()), "0", stats.server_errors() == 0),
        ("duplicate accounts in DB", str(db["dup_accounts"]), "0", db["dup_accounts"] == 0),
        ("duplicate phones in DB", str(db["dup_phones"]), "0", db["dup_phones"] == 0),
        ("acknowledged shops lost", f"{db['lost']} of {len(stats.acknowledged)}", "0", db["lost"] == 0),
    ]
    print(f"\n{'figure':34} {'measured':>16} {'goal':>10}  met")
    for name, measured, goal, ok in rows:
        print(f"{name:34} {measured:>16} {goal:>10}  {'yes' if ok else 'NO'}")
    posts = len(stats.latencies.get("POST /merchants", [])) / elapsed
    print(f"\n64 agents send back to back, each waiting for its answer: latency is queueing, about 64 / "
          f"{posts:.0f} POST/s = {64 / max(posts, 1e-9) * 1000:.0f} ms (Little's law); p99 <= 100 ms at this "
          f"concurrency needs >= 640 POST/s beside the sync batches; the paced phase: unsaturated.")  # fmt: skip
    print(f"replays answered 200: {stats.replays_ok}; duplicates refused 409: {stats.duplicates_refused}; "
          f"503s: {stats.unavailable()}; connection errors: {dict(stats.errors) or 0}")  # fmt: skip
    by_status = sorted((route, status, n) for (route, status), n in stats.statuses.items())
    print("answers:", "; ".join(f"{r} {s}: {n}" for r, s, n in by_status))
    print("sync operations:", dict(stats.sync_results))
    print(f"kill -9 of worker {run['killed']} at half time; workers afterwards: {run['workers_after']}")
    n, p50 = run["calibration"]  # type: ignore[misc]
    print(f"baseline, same run: one agent alone made {n} registrations in 3 s, p50 {p50 * 1000:.1f} ms; "
          f"1-minute load average at the end {run['load']:.1f} on {os.cpu_count()} cores")  # fmt: skip
    cpu: dict[str, float] = run["cpu"]  # type: ignore[assignment]
    servers = [name for name in cpu if name != "load generator"]  # app, PostgreSQL (+ replica, PgBouncer)
    served = sum(cpu[name] for name in servers)
    per_reg = served / max(stats.registrations, 1)
    cores = os.cpu_count() or 1
    print(
        f"CPU over the {elapsed:.0f} s ({cores} cores = {cores * elapsed:.0f} CPU-s): "
        + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in cpu.items())
        + f"; {' + '.join(servers)} per registration {per_reg * 1000:.1f} ms, so at most "
        f"{cores / per_reg:.0f} registrations/s on {cores} cores with this mix and nothing else running"
    )
    by_worker = ", ".join(f"{pid}: {sec:.1f} s" for pid, sec in run["cpu_by_worker"].items())  # type: ignore[attr-defined]
    print(f"app CPU by process (supervisor, workers; a worker started mid-run counts from its start): {by_worker}")
    if outage is not None:
        print(f"database stopped 5 s: /health {outage['health']}, a write answered {outage['probe']}, "
              f"answers during the outage {outage['during']}, recovery {outage['recovery_s']} s, "
              f"{outage['after_ok']} successes after, 5xx other than 503: {outage['5xx_not_503']}")  # fmt: skip


async def main() -> None:
    with (
        private_cluster() as cluster,
        tempfile.TemporaryDirectory(prefix="phoqr-metrics-") as metrics_dir,
        contextlib.ExitStack() as topology,  # the replica and the PgBouncers go before the cluster, whatever happened
    ):
        env = _env(cluster, metrics_dir)
        phoqr = str(Path(sys.executable).parent / "phoqr")
        subprocess.run([phoqr, "setup"], cwd=ROOT, env=env, check=True, capture_output=True)  # on the primary itself
        topo = topology.enter_context(fleet(cluster)) if FLEET else None
        if topo is not None:
            env = topo.env(env)
        port = free_port()
        log = open(Path(metrics_dir).parent / f"phoqr-load-{port}.log", "wb")  # noqa: SIM115
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:app", "--workers", "2", "--host", "127.0.0.1",
             "--port", str(port), "--no-access-log"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            limits = httpx.Limits(max_connections=128, max_keepalive_connections=128)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=30) as client:
                await _wait_up(client)
                if topo is not None:
                    await wait_replica_ok(client)
                    served_before, xacts_before = await replica_metrics(client), replica_transactions(topo.replica)
                stats = Stats()
                run = await _main_run(client, server, stats, cluster, topo)
                if topo is not None:
                    served = await replica_metrics(client)
                    served = {k: v - served_before[k] for k, v in served.items()}
                    replica_xacts = replica_transactions(topo.replica) - xacts_before
                db = await _check_database(cluster.url, stats.acknowledged)
                top = await _top_statements(cluster.url)
                settled = await _settle(cluster.url)
                # the generator's own garbage collector, over the main run's ~10^6 objects it keeps (every
                # acknowledged id, every latency, the timeline), paused its event loop for 100-200 ms at times: a
                # stall measured as the service's latency. Kept objects are frozen out of its sight for the phase
                gc.collect()
                gc.freeze()
                paced, paced_elapsed, paced_cpu = await _paced_run(client, run, _meter(server, cluster, topo))
                metrics = (await client.get("/metrics")).text
                replica_phase = await replica_outage(client, topo, PASSWORD) if topo is not None else None
                outage = await _database_outage(client, cluster)
            _report(stats, run, db, outage)
            if replica_phase is not None:
                fleet_report(served, replica_xacts, replica_phase)
            print(f"before the paced phase: {settled[0]:.1f} s until PostgreSQL was idle (running then: "
                  f"{'; '.join(settled[1]) or 'nothing'})")  # fmt: skip
            values = paced.latencies["POST /merchants"]
            p50, p95, p99 = (percentile(values, p) * 1000 for p in (50, 95, 99))
            print(
                f"paced: the 64 agents offering {PACED_RATE:.0f} registrations/s for {paced_elapsed:.0f} s (no sync): "
                f"{len(values)} POST /merchants, p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms "
                f"(goal p99 <= 100 ms: {'met' if p99 <= 100 else 'NOT met'}), 5xx {paced.server_errors()}; CPU "
                + ", ".join(f"{name} {sec:.1f} s" for name, sec in paced_cpu.items())
            )
            print("PostgreSQL's busiest statements (pg_stat_statements, whole run):")
            for total, calls, mean, query in top:
                print(f"  {total / 1000:7.1f} s {calls:8d} calls {mean:7.2f} ms  {query[:110]}")
            regs = [ln for ln in metrics.splitlines() if ln.startswith("phoqr_registrations_total")]
            print("from /metrics (both workers, multiprocess):", "; ".join(regs) or "none")
            print(f"server log: {log.name}; PostgreSQL log: phoqr-load-postgresql-{cluster.port}.log beside it")
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()


if __name__ == "__main__":
    asyncio.run(main())
