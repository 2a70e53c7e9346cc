"""`phoqr` command: migrate, seed reference data, demo users, accounts (`phoqr users`), serve."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

import app.models
import app.subscribers  # noqa: F401  (ShopChanged subscribers: demo data and seeds keep coverage right)
from app.core.config import Settings, get_settings, refuse_undeclared_environment
from app.core.db import make_engine, make_sessionmaker
from app.core.migrate import upgrade

T = TypeVar("T")


def _ensure_sqlite_dir(settings: Settings) -> None:
    if settings.is_sqlite and ":///" in settings.database_url:
        path = settings.database_url.split(":///", 1)[1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


async def _in_session(settings: Settings, fn: Callable[[AsyncSession], Awaitable[T]]) -> T:
    engine = make_engine(settings.database_url, pooler=settings.database_pooler)
    try:
        async with make_sessionmaker(engine)() as session:
            result = await fn(session)
            await session.commit()
            return result
    finally:
        await engine.dispose()


def cmd_migrate(settings: Settings, _: argparse.Namespace) -> None:
    _ensure_sqlite_dir(settings)
    upgrade(settings.database_url, pooler=settings.database_pooler)
    print("database migrated to head")


def cmd_seed(settings: Settings, _: argparse.Namespace) -> None:
    from app.seed import seed_reference

    counts = asyncio.run(_in_session(settings, seed_reference))
    print("reference data loaded: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


def cmd_demo_users(settings: Settings, _: argparse.Namespace) -> None:
    from app.seed import load_demo_users

    if not settings.demo_users or settings.environment == "production":
        print("demo users are disabled (PHOQR_DEMO_USERS=false or production)")
        return
    names = asyncio.run(_in_session(settings, lambda s: load_demo_users(s, settings.demo_password)))
    print(f"demo users ready: {', '.join(names)} (password: {settings.demo_password})")


def cmd_setup(settings: Settings, args: argparse.Namespace) -> None:
    cmd_migrate(settings, args)
    cmd_seed(settings, args)
    cmd_demo_users(settings, args)


def cmd_demo_data(settings: Settings, args: argparse.Namespace) -> None:
    from app.demo import generate
    from app.demo.history import backfill_history

    async def fill(session: AsyncSession) -> dict[str, int]:
        counts = await generate(session, args.merchants, seed=args.seed, province=args.province)
        return counts | await backfill_history(session, days=args.history_days, seed=args.seed)

    counts = asyncio.run(_in_session(settings, fill))
    print("demo data added: " + ", ".join(f"{k}={v}" for k, v in counts.items()))


def cmd_snapshot(settings: Settings, args: argparse.Namespace) -> None:
    from app.core.errors import AppError
    from app.history.snapshot import take_snapshot

    try:
        r = asyncio.run(_in_session(settings, lambda s: take_snapshot(s, args.date, source="cli")))
    except AppError as exc:
        sys.exit(f"snapshot refused: {exc.detail_en}")
    print(f"snapshot {r.snapshot_id} for {r.day}: {r.status} ({r.rows} rows, {r.with_qr}/{r.shops} shops with QR)")


def cmd_serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    try:
        refuse_undeclared_environment(settings)
    except ValueError as exc:
        sys.exit(f"refusing to start: {exc}")
    base = f"http://{settings.host}:{settings.port}"
    print(f"\nPhoQR on {base}  (docs: {base}/docs)", flush=True)
    if settings.demo_logins:
        print(
            f"Log in: curl -s -X POST {base}/api/v1/auth/token -d username=agent.vungtau "
            f"-d password={settings.demo_password}\n"
            "Demo users: admin, officer.vungtau, agent.vungtau, agent.tamthang, bank.vcb, auditor\n",
            flush=True,
        )
    else:  # demo accounts sign nobody in here: say how to make a real one
        print("Accounts: phoqr users create <username> --full-name ... --role city_admin\n", flush=True)
    uvicorn.run(
        "app.main:app",
        host=settings.host,
        port=settings.port,
        workers=args.workers,
        log_level="info",
        **proxy_options(settings),
    )


def proxy_options(settings: Settings) -> dict[str, Any]:
    """X-Forwarded-For is believed only from PHOQR_TRUSTED_PROXIES (none by default). Uvicorn's own default
    trusts any proxy on 127.0.0.1, which lets anything local choose the client address rate limits count."""
    trusted = [p.strip() for p in settings.trusted_proxies.split(",") if p.strip()]
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted or [], "server_header": False}


def cmd_worker(settings: Settings, args: argparse.Namespace) -> None:
    from app.bank.webhooks.dispatcher import run_worker

    if settings.is_sqlite and args.dispatchers > 1:
        sys.exit("SQLite: run one dispatcher (several need PostgreSQL)")
    print(f"webhook dispatcher running ({args.dispatchers}); Ctrl-C stops it", flush=True)
    asyncio.run(run_worker(settings, dispatchers=args.dispatchers))


def cmd_account_checks(settings: Settings, args: argparse.Namespace) -> None:
    """One pass of the account-name inquiry (the service also runs it in the background)."""
    from app.bank.account_names.service import run_due_checks
    from integrations import build_registry

    async def run() -> int:
        engine = make_engine(settings.database_url, pooler=settings.database_pooler)
        registry = build_registry(settings.bank_configs)
        try:
            return await run_due_checks(make_sessionmaker(engine), registry, limit=args.limit)
        finally:
            await registry.aclose()
            await engine.dispose()

    print(f"account-name checks run: {asyncio.run(run())}")


def cmd_prune(settings: Settings, args: argparse.Namespace) -> None:
    """Retention (README, "Growth"): finished webhook deliveries, old sync operations, expired idempotency keys,
    the files (and errors) of finished imports."""
    from app.bank.webhooks.retention import prune_deliveries
    from app.core.db import utcnow
    from app.idempotency.retention import prune_idempotency_records, prune_sync_operations
    from app.imports.retention import prune_import_files

    now = utcnow()
    jobs = {
        "webhook deliveries": lambda s: prune_deliveries(s, now, settings.retention_delivery_days, args.batch),
        "sync operations": lambda s: prune_sync_operations(s, now, settings.retention_sync_days, args.batch),
        "idempotency records": lambda s: prune_idempotency_records(s, now, args.batch),
        "import files": lambda s: prune_import_files(s, now, settings.retention_import_days, args.batch),
    }
    for name, job in jobs.items():
        total = 0
        while n := asyncio.run(_in_session(settings, job)):  # one transaction per batch
            total += n
        print(f"{name}: {total} deleted")


def cmd_load_boundaries(settings: Settings, args: argparse.Namespace) -> None:
    from app.core.errors import AppError
    from app.units.boundaries import load_boundaries

    try:
        loaded = asyncio.run(_in_session(settings, lambda s: load_boundaries(s, Path(args.path), args.edition)))
    except AppError as exc:
        sys.exit(f"cannot load {args.path}: {exc.detail_en or exc}")
    print(f"boundaries loaded: {loaded.shapes} (repaired {loaded.repaired})")
    if loaded.unknown:
        print(f"skipped, no such unit in edition {args.edition}: {', '.join(loaded.unknown[:20])}")


def cmd_import(settings: Settings, args: argparse.Namespace) -> None:
    """A spreadsheet of shops, imported as a user (exit status 1 when any row has an error)."""
    from app.core.errors import AppError
    from app.imports.command import import_file, report

    data = args.file.read_bytes()

    async def run(session: AsyncSession) -> dict[str, Any]:
        return await import_file(
            session,
            data,
            args.file.name,
            unit=args.unit,
            username=args.user,
            mode=args.mode,
            dry_run=args.dry_run,
            key=args.key,
        )

    try:
        summary = asyncio.run(_in_session(settings, run))
    except AppError as exc:
        sys.exit(f"{exc.code}: {exc.detail_en}" + "".join(f"\n  {e.field}: {e.message_en}" for e in exc.errors))
    print(report(summary))
    if summary["errors_total"]:
        sys.exit(1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="phoqr", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="alembic upgrade head").set_defaults(fn=cmd_migrate)
    sub.add_parser("seed", help="load units, streets, markets, banks (idempotent)").set_defaults(fn=cmd_seed)
    sub.add_parser("demo-users", help="create/refresh the demo users").set_defaults(fn=cmd_demo_users)
    sub.add_parser("setup", help="migrate + seed + demo users").set_defaults(fn=cmd_setup)
    demo = sub.add_parser("demo-data", help="fill realistic demo shops, QRs and model streets")
    demo.add_argument("--merchants", type=int, default=2000)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--province", help="a province code (e.g. 79): shops across all its wards (default: Vũng Tàu)")
    demo.add_argument("--history-days", type=int, default=90, help="days of coverage history to backfill")
    demo.set_defaults(fn=cmd_demo_data)
    snap = sub.add_parser("snapshot", help="snapshot today's coverage (idempotent per day)")
    snap.add_argument("--date", type=date.fromisoformat, default=None, help="YYYY-MM-DD: today (default) or yesterday")
    snap.set_defaults(fn=cmd_snapshot)
    serve = sub.add_parser("serve", help="run the API with uvicorn")
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(fn=cmd_serve)
    worker = sub.add_parser("worker", help="deliver bank webhooks (without serving the API)")
    worker.add_argument("--dispatchers", type=int, default=1, help="concurrent dispatchers in this process")
    worker.set_defaults(fn=cmd_worker)
    checks = sub.add_parser("account-checks", help="ask the banks about pending account-name checks (one pass)")
    checks.add_argument("--limit", type=int, default=500)
    checks.set_defaults(fn=cmd_account_checks)
    prune = sub.add_parser("prune", help="delete what retention no longer keeps (README: Growth)")
    prune.add_argument("--batch", type=int, default=5000, help="rows per transaction")
    prune.set_defaults(fn=cmd_prune)
    from app.users.console import add_commands as add_user_commands

    add_user_commands(sub)
    units = sub.add_parser("units", help="administrative units").add_subparsers(dest="units_command", required=True)
    bounds = units.add_parser("load-boundaries", help="load provinces' or communes' outlines from a GeoJSON file")
    bounds.add_argument("path", help="GeoJSON FeatureCollection; each feature's properties carry the unit's code")
    bounds.add_argument("--edition", choices=["2020", "2025"], default="2025")
    bounds.set_defaults(fn=cmd_load_boundaries)
    imp = sub.add_parser("import", help="import a spreadsheet of shops (XLSX or CSV) as a user")
    imp.add_argument("file", type=Path)
    imp.add_argument("--unit", required=True, help="edition:code, e.g. 2025:26506")
    imp.add_argument("--user", required=True, help="the username the shops are registered by")
    imp.add_argument("--mode", choices=["all_or_nothing", "valid_rows"], default="all_or_nothing")
    imp.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
    imp.add_argument("--key", default=None, help="Idempotency-Key (default: the file's sha256)")
    imp.set_defaults(fn=cmd_import)
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
    except ValueError as exc:
        sys.exit(f"refusing to start: {exc}")
    args.fn(settings, args)


if __name__ == "__main__":
    main()
