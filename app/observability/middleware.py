"""One pure ASGI middleware per request: request id in and out, latency metrics, one access log line.

Pure ASGI rather than `@app.middleware("http")`: it adds no task or body copy per request and still sees the
route FastAPI matched (`scope["route"]`), so latency is labelled by template (`/api/v1/merchants/{merchant_id}`),
never by raw path.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability import metrics
from app.observability.logs import accept_request_id, request_id_var

access_log = logging.getLogger("phoqr.access")
UNMATCHED = "<unmatched>"  # 404s for unknown paths share one label, so scanners cannot blow up cardinality


def route_template(scope: Scope) -> str:
    """The full template of the matched route, e.g. /api/v1/merchants/{merchant_id}.

    An included router's route knows only its own part (/merchants/{merchant_id}); the prefix it was mounted
    under is the raw path minus as many segments as that part has (no route here takes a path containing /)."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if not isinstance(template, str) or not template.startswith("/"):
        return UNMATCHED
    path: str = scope.get("path", "")
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    depth = template.count("/")
    parts = path.split("/")
    if depth > len(parts) - 1:
        return template
    prefix = "/".join(parts[: len(parts) - depth])
    return prefix + template


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = accept_request_id(incoming)
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        token = request_id_var.set(request_id)
        status = 500
        start = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - start
            method, route = scope["method"], route_template(scope)
            metrics.observe_request(method, route, status, elapsed)
            app = scope.get("app")
            engine = getattr(getattr(app, "state", None), "engine", None)
            if engine is not None:
                metrics.observe_pool(engine)
            principal = state.get("principal")
            access_log.info(
                "%s %s %s",
                method,
                route,
                status,
                extra={
                    "fields": {
                        "method": method,
                        "route": route,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                        "user_id": getattr(principal, "id", None),
                    },
                },
            )
            request_id_var.reset(token)
