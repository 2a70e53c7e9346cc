"""GET /metrics for Prometheus, outside the API's OpenAPI document.

Who may scrape:
- `PHOQR_METRICS_TOKEN` set: `Authorization: Bearer <token>` from any address, nothing else (401 otherwise);
- not set, development or test: loopback callers only, and only when no proxy forwarded the request
  (a reverse proxy on the same host would otherwise make every visitor look local);
- not set, production: nobody (404), so metrics never leak by default.
"""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import APIRouter, Request, Response

from app.core.deps import SettingsDep
from app.core.errors import NotAuthenticated, NotFound
from app.observability import metrics

router = APIRouter(include_in_schema=False)

_FORWARDING_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


def _is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_access(request: Request, token: str, environment: str) -> None:
    if token:
        given = request.headers.get("authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(value.encode(), token.encode()):
            raise NotAuthenticated("Cần mã truy cập số liệu", "Metrics token required", code="not_authenticated")
        return
    local = _is_loopback(request.client.host if request.client else None)
    forwarded = any(h in request.headers for h in _FORWARDING_HEADERS)
    if environment == "production" or not local or forwarded:
        raise NotFound("Không tìm thấy", "Not found", code="not_found")


@router.get("/metrics")
async def metrics_endpoint(request: Request, settings: SettingsDep) -> Response:
    _check_access(request, settings.metrics_token, settings.environment)
    engine = getattr(request.app.state, "engine", None)
    if engine is not None:
        metrics.observe_pool(engine)
    body, content_type = metrics.render()
    return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})
