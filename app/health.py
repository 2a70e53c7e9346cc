from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.core.errors import RETRY_AFTER_SECONDS, problem

router = APIRouter(tags=["health"])
log = logging.getLogger("phoqr.health")


@router.get("/health", summary="Database reachable? Which schema revision? (for load balancers)")
async def health(request: Request) -> JSONResponse:
    try:
        async with request.app.state.engine.connect() as raw:
            conn = await raw.execution_options(read_only=True)
            revision = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    except Exception as exc:  # any failure to answer means "take me out of rotation"
        log.warning("health check failed: %s", type(exc).__name__)
        return problem(
            request,
            503,
            "database_unavailable",
            extra={"database": "unreachable", "schema_revision": None},
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return JSONResponse({"status": "ok", "database": "ok", "schema_revision": revision})
