"""Every domain router, mounted under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

from app.banks.router import router as banks_router
from app.streets.router import router as streets_router
from app.units.router import router as units_router
from app.users.router import router as users_router

api_router = APIRouter(prefix="/api/v1")
for r in (users_router, units_router, streets_router, banks_router):
    api_router.include_router(r)
