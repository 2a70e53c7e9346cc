"""Imports every table so SQLModel.metadata is complete (Alembic and tests import this)."""

from app.audit.models import AuditLog
from app.auth.models import LoginFailure, RefreshToken, User, UserUnit
from app.banks.models import Bank
from app.consents.models import AccountNameCheck, BankReceipt, BankStatus, Consent, ConsentText
from app.history.models import CoverageSnapshot, SnapshotRun
from app.idempotency.models import IdempotencyRecord, SyncOperation
from app.coverage.models import CoverageCounter
from app.merchants.models import Merchant, PaymentAccount, Photo, QRCode
from app.streets.models import Street, StreetUnit
from app.units.models import AdminUnit, UnitSuccession

__all__ = [
    "AccountNameCheck",
    "AdminUnit",
    "AuditLog",
    "Bank",
    "BankReceipt",
    "BankStatus",
    "Consent",
    "ConsentText",
    "CoverageCounter",
    "CoverageSnapshot",
    "IdempotencyRecord",
    "LoginFailure",
    "Merchant",
    "PaymentAccount",
    "Photo",
    "QRCode",
    "RefreshToken",
    "SnapshotRun",
    "Street",
    "StreetUnit",
    "SyncOperation",
    "UnitSuccession",
    "User",
    "UserUnit",
]
