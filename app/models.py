"""Imports every table so SQLModel.metadata is complete (Alembic and tests import this)."""

from app.audit.models import AuditLog
from app.auth.models import DashboardSession, RefreshToken, User, UserUnit
from app.bank.handoff.models import BankView
from app.bank.outbox.models import BankEvent, BankEventCounter, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.banks.models import Bank
from app.consents.models import AccountNameCheck, BankReceipt, BankStatus, Consent, ConsentText
from app.core.ratelimit import RateLimitHit
from app.coverage.models import CoverageCounter
from app.history.models import CoverageSnapshot, SnapshotRun
from app.idempotency.models import IdempotencyRecord, SyncOperation
from app.imports.models import ImportJob
from app.merchants.models import Merchant, PaymentAccount, Photo, QRCode
from app.streets.models import Street, StreetUnit
from app.units.models import AdminUnit, UnitBoundary, UnitSuccession

__all__ = [
    "AccountNameCheck",
    "AdminUnit",
    "AuditLog",
    "Bank",
    "BankEvent",
    "BankEventCounter",
    "BankReceipt",
    "BankStatus",
    "BankView",
    "Consent",
    "ConsentText",
    "CoverageCounter",
    "CoverageSnapshot",
    "DashboardSession",
    "IdempotencyRecord",
    "ImportJob",
    "Merchant",
    "PaymentAccount",
    "Photo",
    "QRCode",
    "RateLimitHit",
    "RefreshToken",
    "SnapshotRun",
    "Street",
    "StreetUnit",
    "SyncOperation",
    "UnitBoundary",
    "UnitSuccession",
    "User",
    "UserUnit",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
