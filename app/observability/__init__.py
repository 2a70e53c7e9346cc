"""Operations: Prometheus metrics at /metrics, JSON logs, request ids. Imports only app.core.

Metrics (`app/observability/metrics.py`), all prefixed `phoqr_`:
- `phoqr_http_request_duration_seconds{method,route,status_class}` histogram, route = template, unknown = <unmatched>
- `phoqr_registrations_total{channel=api|sync}`, `phoqr_qr_issued_total{channel,kind}`
- `phoqr_sync_operations_total{type,status}` (the sync router calls `count_sync_results`)
- `phoqr_login_failures_total{reason=bad_credentials|rate_limited}`
- `phoqr_db_pool_in_use`, `phoqr_db_pool_size` gauges (summed over live workers)
- for the bank outbox dispatcher (issue 8), ready to call:
  `observe_outbox_lag(seconds)` -> `phoqr_outbox_lag_seconds`,
  `count_delivery_failure(reason)` -> `phoqr_webhook_delivery_failures_total{reason}`

Several workers: set `PROMETHEUS_MULTIPROC_DIR` to an empty directory (wiped at each start) before the workers
start; every worker then writes its figures there and /metrics serves them all summed.
"""

from app.observability.logs import accept_request_id, configure_logging, request_id_var
from app.observability.metrics import count_delivery_failure, count_sync_results, observe_outbox_lag
from app.observability.middleware import ObservabilityMiddleware

__all__ = [
    "ObservabilityMiddleware",
    "accept_request_id",
    "configure_logging",
    "count_delivery_failure",
    "count_sync_results",
    "observe_outbox_lag",
    "request_id_var",
]
