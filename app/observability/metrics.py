"""Prometheus metrics: one registry per process, or the multiprocess collector when PROMETHEUS_MULTIPROC_DIR is set.

Every name starts with `phoqr_`. Business counters are counted at the HTTP edge from the route template and the
status (a 201 on `POST /api/v1/merchants` is a registration, a 200 replay is not), so no domain has to import
this module; `/sync` reports its per-operation results through `count_sync_results`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# latency buckets around the 100 ms goal; the last finite one catches a hung database (connect timeout 2 s)
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_DURATION = Histogram(
    "phoqr_http_request_duration_seconds",
    "Time to answer a request, by route template (never the raw path), method and status class",
    ["method", "route", "status_class"],
    buckets=_BUCKETS,
)
REGISTRATIONS = Counter("phoqr_registrations_total", "Shops registered (replays not counted), by channel", ["channel"])
QR_ISSUED = Counter("phoqr_qr_issued_total", "QR codes issued or registered, by channel and kind", ["channel", "kind"])
SYNC_OPERATIONS = Counter(
    "phoqr_sync_operations_total", "Offline operations answered by POST /sync, by type and status", ["type", "status"]
)
LOGIN_FAILURES = Counter("phoqr_login_failures_total", "Refused logins, by reason", ["reason"])
DB_POOL_IN_USE = Gauge(
    "phoqr_db_pool_in_use", "Database connections checked out of the pool", multiprocess_mode="livesum"
)
DB_POOL_SIZE = Gauge(
    "phoqr_db_pool_size", "Database connections the pool holds (open, idle or in use)", multiprocess_mode="livesum"
)
# hooks for the bank outbox (issue 8): call observe_outbox_lag / count_delivery_failure from the dispatcher
OUTBOX_LAG = Gauge(
    "phoqr_outbox_lag_seconds", "Age of the oldest undelivered bank outbox event", multiprocess_mode="max"
)
DELIVERY_FAILURES = Counter(
    "phoqr_webhook_delivery_failures_total", "Failed webhook delivery attempts, by reason", ["reason"]
)

# (method, route template, status) -> what that answer means beyond its latency
_EDGE_EVENTS: dict[tuple[str, str, int], tuple[Counter, dict[str, str]]] = {
    ("POST", "/api/v1/merchants", 201): (REGISTRATIONS, {"channel": "api"}),
    ("POST", "/api/v1/merchants/{merchant_id}/qr", 201): (QR_ISSUED, {"channel": "api", "kind": "issued"}),
    ("POST", "/api/v1/merchants/{merchant_id}/qr/existing", 201): (
        QR_ISSUED,
        {"channel": "api", "kind": "existing"},
    ),
    ("POST", "/api/v1/auth/token", 401): (LOGIN_FAILURES, {"reason": "bad_credentials"}),
    ("POST", "/api/v1/auth/token", 429): (LOGIN_FAILURES, {"reason": "rate_limited"}),
}


def status_class(status: int) -> str:
    return f"{status // 100}xx"


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Called once per request by the middleware."""
    HTTP_DURATION.labels(method, route, status_class(status)).observe(seconds)
    hit = _EDGE_EVENTS.get((method, route, status))
    if hit is not None:
        counter, labels = hit
        counter.labels(**labels).inc()


def count_sync_results(results: Iterable[tuple[str, str]]) -> None:
    """(operation type, result status) for each operation of an answered /sync batch."""
    for op_type, status in results:
        SYNC_OPERATIONS.labels(op_type, status).inc()
        if status == "created" and op_type == "upsert_merchant":
            REGISTRATIONS.labels("sync").inc()
        elif status == "created" and op_type == "issue_qr":
            QR_ISSUED.labels("sync", "issued").inc()


def observe_outbox_lag(seconds: float) -> None:
    """Bank outbox: age in seconds of the oldest event not yet delivered (0 when the outbox is empty)."""
    OUTBOX_LAG.set(max(0.0, seconds))


def count_delivery_failure(reason: str) -> None:
    """Bank outbox: one failed webhook delivery attempt; reason is a small fixed set (timeout, http_5xx, ...)."""
    DELIVERY_FAILURES.labels(reason).inc()


def observe_pool(engine: Any) -> None:
    """Pool gauges from a SQLAlchemy engine; pools without a size (NullPool, StaticPool) report what they can."""
    pool = getattr(getattr(engine, "sync_engine", engine), "pool", None)
    if pool is None:
        return
    checked_out = getattr(pool, "checkedout", None)
    if callable(checked_out):
        DB_POOL_IN_USE.set(checked_out())
    checked_in = getattr(pool, "checkedin", None)
    if callable(checked_out) and callable(checked_in):
        DB_POOL_SIZE.set(checked_in() + checked_out())


def render() -> tuple[bytes, str]:
    """The exposition text: this process's registry, or every worker's when multiprocess mode is on."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # unannotated in prometheus_client
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def worker_exited() -> None:
    """Drop this worker's live gauges from the multiprocess files (a kill -9 leaves them until a restart)."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]  # unannotated in prometheus_client
