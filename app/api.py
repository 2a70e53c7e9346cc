"""Every domain router, mounted under /api/v1, and every event subscription (app.subscribers)."""

from __future__ import annotations

from fastapi import APIRouter

import app.subscribers  # noqa: F401  (ShopChanged subscribers active wherever the API is)
from app.audit.router import router as audit_router
from app.auth.router import router as users_router
from app.bank.consents.router import router as consents_router
from app.bank.handoff.router import router as bank_handoff_router
from app.bank.webhooks.router import router as bank_webhooks_router
from app.banks.router import router as banks_router
from app.coverage.router import router as coverage_router
from app.field.router import router as field_router
from app.history.router import router as history_router
from app.imports.router import router as imports_router
from app.merchants.router import router as merchants_router
from app.qrcodes.router import router as qrcodes_router
from app.reports.router import router as reports_router
from app.streets.router import router as streets_router
from app.sync.router import router as sync_router
from app.units.router import router as units_router
from app.users.router import router as accounts_router

PREFIX = "/api/v1"
# each included straight into the app under PREFIX (app.main): FastAPI matches a request through every level of
# included routers on every request, and a router of routers was one level more (~6 % of GET /me's CPU, SQLite)
ROUTERS: tuple[APIRouter, ...] = (
    users_router,
    units_router,
    streets_router,
    banks_router,
    merchants_router,
    qrcodes_router,
    sync_router,
    coverage_router,
    history_router,
    reports_router,
    audit_router,
    bank_webhooks_router,
    consents_router,
    bank_handoff_router,
    accounts_router,
    field_router,
    imports_router,
)
