from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.core.db.replica import health_fields
from app.core.errors import RETRY_AFTER_SECONDS, problem
from app.core.migrate import schema_revision

router = APIRouter(tags=["health"])
log = logging.getLogger("phoqr.health")


@router.get("/health", summary="Database reachable? Which schema revision? (for load balancers)")
async def health(request: Request) -> JSONResponse:
    try:
        async with request.app.state.engine.connect() as raw:
            conn = await raw.execution_options(read_only=True)
            revision = await schema_revision(conn)
    except Exception as exc:  # any failure to answer means "take me out of rotation"
        log.warning("health check failed: %s", type(exc).__name__)
        return problem(
            request,
            503,
            "database_unavailable",
            extra={"database": "unreachable", "schema_revision": None},
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    # the replica's lag, measured now; a lagging or silent replica does not take this worker out of rotation
    # (its reads go to the primary), it shows here and in phoqr_replica_fallbacks_total
    replica = getattr(request.app.state, "replica", None)
    if replica is not None:
        await replica.measure()
    return JSONResponse({"status": "ok", "database": "ok", "schema_revision": revision} | health_fields(replica))
