"""The closed sets of values a shop, its account and its QR record take: one spelling, checked by the database
too (CHECK constraints built from these enums in migration 0002)."""

from __future__ import annotations

from enum import StrEnum


class MerchantStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class ReviewState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ReviewDecision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class Category(StrEnum):
    GROCERY = "grocery"
    GENERAL_STORE = "general_store"
    MARKET_STALL = "market_stall"
    RESTAURANT = "restaurant"
    EATERY = "eatery"
    CAFE = "cafe"
    SUPERMARKET = "supermarket"
    HOTEL = "hotel"
    PHARMACY = "pharmacy"
    OTHER = "other"


class NonCoverage(StrEnum):
    REFUSED = "refused"
    NO_BANK_ACCOUNT = "no_bank_account"
    NOT_ELIGIBLE = "not_eligible"


class AccountKind(StrEnum):
    ACCOUNT = "account"
    CARD = "card"
    VNPAY = "vnpay"


class QRScheme(StrEnum):
    VIETQR = "vietqr"
    VNPAY = "vnpay"


class QRStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"


class QRSource(StrEnum):
    ISSUED = "issued"
    EXISTING = "existing"


def values(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)
