"""create_app(): lifespan (engine, bank adapters, background workers), middleware, routers, error handlers."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api import PREFIX, ROUTERS
from app.bank.account_names.service import start_account_checks, stop_account_checks
from app.bank.webhooks.dispatcher import start_in_background as start_webhook_dispatcher
from app.bank.webhooks.doc import document_webhooks
from app.core.config import Settings, get_settings, refuse_undeclared_environment
from app.core.db import make_engine, make_sessionmaker
from app.core.db.replica import ReadReplica
from app.core.errors import install_error_handlers
from app.core.http.docs import install_docs
from app.core.http.guards import RequestGuard
from app.core.http.openapi import install_openapi, operation_id
from app.dashboard import mount as mount_dashboard
from app.field import mount as mount_field
from app.health import router as health_router
from app.history.daily import start_daily_snapshots, stop_daily_snapshots
from app.imports.jobs import start_in_background as start_import_worker
from app.observability import ObservabilityMiddleware, configure_logging
from app.observability.metrics import worker_exited
from app.observability.router import router as metrics_router
from integrations import build_registry

log = logging.getLogger("phoqr")

GC_YOUNG_THRESHOLD = 50_000


def create_app(settings: Settings | None = None, *, engine: AsyncEngine | None = None) -> FastAPI:
    settings = settings or get_settings()
    if settings.environment != "test":  # tests capture logs their own way
        configure_logging(settings.log_level, json_format=settings.log_json)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        refuse_undeclared_environment(settings)
        own_engine = engine is None
        app.state.engine = engine or make_engine(
            settings.database_url,
            echo=settings.database_echo,
            pool_size=settings.database_pool_size,
            connect_timeout=settings.database_connect_timeout,
            statement_timeout=settings.database_statement_timeout,
            pooler=settings.database_pooler,
        )
        app.state.sessionmaker = make_sessionmaker(app.state.engine)
        app.state.replica = read_replica(settings)
        app.state.adapters = build_registry(settings.bank_configs)
        app.state.snapshots = start_daily_snapshots(app.state.sessionmaker, settings)
        # account-name inquiries with the banks that offer them, retried while a bank is down
        app.state.account_checks = start_account_checks(app.state.sessionmaker, app.state.adapters, settings)
        # bank webhooks go out from every `phoqr serve` worker (claims are safe to share); off: `phoqr worker`
        stop_webhooks = (
            start_webhook_dispatcher(app.state.sessionmaker, settings) if settings.webhook_dispatcher else None
        )
        # large spreadsheet imports, queued by POST /imports
        stop_imports = start_import_worker(app.state.sessionmaker) if settings.import_worker else None
        # a young-generation collection every 50,000 allocations instead of every 700: a registration allocates
        # ~10,000 objects and a 500-row import chunk millions, nearly all freed by reference counting; collecting
        # that often cost an import of 5,000 rows ~15 % of its CPU (bench import_bench), for garbage that is gone
        # anyway. Older generations keep their defaults.
        gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
        if settings.environment != "test":  # the test suite builds many apps in one process: nothing to freeze
            # what start-up loaded (modules, the app, reference data) lives as long as the worker: out of the
            # collector's sight, a full collection walks only what requests allocate (~130 ms down to ~10 ms,
            # which a 500-operation /sync batch triggered every second or third time)
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            if stop_webhooks is not None:
                await stop_webhooks()
            if stop_imports is not None:
                await stop_imports()
            await stop_daily_snapshots(app.state.snapshots)
            await stop_account_checks(app.state.account_checks)
            await app.state.adapters.aclose()
            if own_engine:
                await app.state.engine.dispose()
            if app.state.replica is not None:
                await app.state.replica.engine.dispose()
            worker_exited()

    app = FastAPI(
        title="PhoQR",
        version="0.1.0",
        summary="Shops of Vũng Tàu go cashless, street by street: registration, VietQR/VNPAY-QR, coverage.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served by install_docs from this process, not from a CDN
        redoc_url=None,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,  # also names request bodies: Body_merchants_upload_photo
    )
    app.state.settings = settings
    install_error_handlers(app)

    app.include_router(health_router)
    app.include_router(metrics_router)
    for router in ROUTERS:
        app.include_router(router, prefix=PREFIX)
    mount_dashboard(app)
    mount_field(app)
    document_webhooks(app.webhooks)
    install_openapi(app)
    install_docs(app)
    # URL, body size and auth-first checks; security and Content-Language headers. All our middleware is pure ASGI:
    # `@app.middleware("http")` runs the rest of the app in a separate task with a body stream per request
    app.add_middleware(RequestGuard, settings=settings)
    # added last so it is outermost: it times and logs everything, including other middleware's refusals
    app.add_middleware(ObservabilityMiddleware)
    return app


def read_replica(settings: Settings) -> ReadReplica | None:
    """The replica of PHOQR_DATABASE_READ_URL (same pool, timeouts and pooler settings as the primary), or None."""
    if not settings.database_read_url:
        return None
    engine = make_engine(
        settings.database_read_url,
        pool_size=settings.database_pool_size,
        connect_timeout=settings.database_connect_timeout,
        statement_timeout=settings.database_statement_timeout,
        pooler=settings.database_pooler,
    )
    return ReadReplica(engine, settings.replica_max_lag_seconds, settings.database_connect_timeout)


app = create_app()
