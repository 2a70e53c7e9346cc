"""Who may call what, as rules over the OpenAPI document rather than a list of endpoints.

A rule matches "METHOD /path/template" by regular expression and names the roles the operation is for. What a
role then sees of a given resource follows from the resource's kind (found from the path parameter's name):
- merchant-like kinds (a shop, its QR codes, photos, consents) are visible to agents and officers in their unit,
  to a bank at its BIN, to city_admin and auditor everywhere; a resource the caller may not see is 404;
- streets are reference data every role reads; changing one needs authority over its unit (403 otherwise);
- bank-owned kinds (webhooks, deliveries) belong to one BIN: another bank gets 404.
An operation that no rule matches, or a path parameter of no known kind, fails the matrix: a new endpoint is
covered (or refused) the day it is added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Who(StrEnum):
    ANONYMOUS = "anonymous"
    FIELD_AGENT = "field_agent"
    WARD_OFFICER = "ward_officer"
    PROVINCE_OFFICER = "province_officer"  # a ward_officer whose scope is a province (2025:79): all its communes
    CITY_ADMIN = "city_admin"
    BANK_PARTNER = "bank_partner"
    AUDITOR = "auditor"


ROLES = tuple(Who)
EVERYONE = frozenset(ROLES) - {Who.ANONYMOUS}
WRITERS = frozenset({Who.FIELD_AGENT, Who.WARD_OFFICER, Who.PROVINCE_OFFICER, Who.CITY_ADMIN})
REVIEWERS = frozenset({Who.WARD_OFFICER, Who.PROVINCE_OFFICER, Who.CITY_ADMIN})
PUBLIC_SERVICE = frozenset({Who.FIELD_AGENT, Who.WARD_OFFICER, Who.PROVINCE_OFFICER, Who.CITY_ADMIN, Who.AUDITOR})
OVERSIGHT = frozenset({Who.CITY_ADMIN, Who.AUDITOR})
BANK_READERS = frozenset({Who.BANK_PARTNER, Who.CITY_ADMIN, Who.AUDITOR})
BANK_ONLY = frozenset({Who.BANK_PARTNER})
ACCOUNT_READERS = frozenset({Who.WARD_OFFICER, Who.PROVINCE_OFFICER, Who.CITY_ADMIN, Who.AUDITOR})
PUBLIC = frozenset(ROLES)


@dataclass(frozen=True)
class Rule:
    pattern: str
    roles: frozenset[Who]
    why: str
    shows_shop_names: bool = False  # by design, to anyone the rule admits (account numbers: never)


# First match wins. Keep them general: a path prefix and a method class, not one endpoint each.
RULES: tuple[Rule, ...] = (
    Rule(r"GET /health$", PUBLIC, "load balancers"),
    Rule(r"POST /api/v1/auth/(token|refresh)$", PUBLIC, "logging in needs no token"),
    Rule(r"POST /api/v1/qr/verify$", PUBLIC, "whoever holds a sticker may learn whose it is", shows_shop_names=True),
    Rule(r"GET /api/v1/(me|units|banks|consent-texts)$", EVERYONE, "identity and reference data"),
    Rule(r"POST /api/v1/me/password$", EVERYONE, "one's own password"),
    Rule(r"GET /api/v1/users(/|$)", ACCOUNT_READERS, "accounts: officers read their units' agents"),
    Rule(r"(POST|PATCH|DELETE) /api/v1/users(/|$)", REVIEWERS, "accounts: officers manage their units' agents"),
    Rule(r"GET /api/v1/units/", EVERYONE, "every unit of the country is reference data"),
    Rule(r"GET /api/v1/streets(/|$)", EVERYONE, "streets are reference data"),
    Rule(r"(POST|PATCH|DELETE) /api/v1/streets(/|$)", REVIEWERS, "streets are managed by wards"),
    Rule(r"POST /api/v1/merchants/\{merchant_id\}/review$", REVIEWERS, "maker-checker"),
    Rule(r"GET /api/v1/(merchants|qr)(/|$|\.)", EVERYONE, "scoped reads: unit, BIN or everything"),
    Rule(r"POST /api/v1/qr/decode(/image)?$", EVERYONE, "decoding reveals nothing stored"),
    Rule(r"(GET|POST) /api/v1/imports(/template\.(xlsx|csv))?$", WRITERS, "wards import the lists they keep"),
    Rule(r"GET /api/v1/imports/\{import_id\}", EVERYONE, "one's own import (oversight: every one)"),
    Rule(r"GET /api/v1/field/work$", WRITERS, "the field app's day of work is for those who register shops"),
    Rule(r"(POST|PATCH|DELETE) /api/v1/(merchants|qr|sync|consents)(/|$)", WRITERS, "field work"),
    Rule(r"GET /api/v1/(coverage|reports/coverage)(/|$|\.)", PUBLIC_SERVICE, "wards compare themselves; not banks"),
    Rule(r"GET /api/v1/audit$", OVERSIGHT, "the audit trail"),
    Rule(r"(GET /api/v1/bank/|POST /api/v1/bank/reconciliation$)", BANK_READERS, "a bank's own hand-off"),
    Rule(r"(POST|PATCH|DELETE) /api/v1/bank/", BANK_ONLY, "only a bank answers for itself"),
)


def rule_for(method: str, path: str) -> Rule | None:
    key = f"{method.upper()} {path}"
    return next((r for r in RULES if re.search(r.pattern, key)), None)


# path parameter -> resource kind; a parameter missing here fails the matrix
KIND_OF_PARAM = {
    "merchant_id": "merchant",
    "qr_id": "qr",
    "photo_id": "photo",
    "consent_id": "consent",
    "street_id": "street",
    "webhook_id": "webhook",
    "delivery_id": "delivery",
    "user_id": "user",
    "import_id": "import",
    "edition": "unit",
    "code": "unit",
}
MERCHANT_LIKE = frozenset({"merchant", "qr", "photo", "consent"})
BANK_OWNED = frozenset({"webhook", "delivery"})


@dataclass(frozen=True)
class Resource:
    """One resource of the test world: where it is (2025 unit) and whose it is (bank BIN)."""

    unit: str
    bank_bin: str


HOME_UNIT, OTHER_UNIT = "26506", "26526"
# outside Hồ Chí Minh City (Phường Cửa Nam, Hà Nội): the province officer's "other" unit
OTHER_PROVINCE_UNIT = "00073"
PROVINCE_UNITS = frozenset({HOME_UNIT, OTHER_UNIT})  # both in province 79
HOME_BIN, OTHER_BIN = "970436", "970415"


def sees(role: Who, kind: str, res: Resource) -> bool:
    if kind == "import":  # none exists in this world: a missing import is 404 to every role, never 5xx
        return False
    if role in OVERSIGHT:
        return True
    if kind in ("street", "unit"):
        return role is not Who.ANONYMOUS
    if role is Who.PROVINCE_OFFICER:
        return res.unit in PROVINCE_UNITS
    if kind in BANK_OWNED:
        return role is Who.BANK_PARTNER and res.bank_bin == HOME_BIN
    if kind == "user":  # a field agent of that unit: its ward's officer manages it
        return role is Who.WARD_OFFICER and res.unit == HOME_UNIT
    if role is Who.BANK_PARTNER:
        return res.bank_bin == HOME_BIN
    return role in (Who.FIELD_AGENT, Who.WARD_OFFICER) and res.unit == HOME_UNIT


def may_change_street(role: Who, res: Resource) -> bool:
    if role is Who.PROVINCE_OFFICER:
        return res.unit in PROVINCE_UNITS
    return role is Who.CITY_ADMIN or (role is Who.WARD_OFFICER and res.unit == HOME_UNIT)


class Expect(StrEnum):
    PUBLIC = "public: anything but 403/405 and 5xx (a bad password is still 401)"
    UNAUTHENTICATED = "401"
    FORBIDDEN = "403"  # the role may not do this (404 accepted too when the resource is hidden from it)
    HIDDEN = "404"  # the resource is out of the caller's scope: indistinguishable from a missing one
    REFUSED = "403|404|422"  # aimed (by body) at another unit: refused one way or another, never done
    ALLOWED = "reached the handler"  # anything but 401/403/404/405 and 5xx


def expect(rule: Rule, role: Who, method: str, kind: str | None, res: Resource | None, aimed_other: bool) -> Expect:
    if rule.roles == PUBLIC:
        return Expect.PUBLIC
    if role is Who.ANONYMOUS:
        return Expect.UNAUTHENTICATED
    if role not in rule.roles:
        return Expect.FORBIDDEN
    if kind is not None and res is not None:
        if not sees(role, kind, res):
            return Expect.HIDDEN
        if kind == "street" and method != "GET" and not may_change_street(role, res):
            return Expect.FORBIDDEN
    if aimed_other and method != "GET" and role not in OVERSIGHT:
        return Expect.REFUSED
    return Expect.ALLOWED


def satisfied(expectation: Expect, status: int, hidden: bool) -> bool:
    if status >= 500:
        return False
    if expectation is Expect.PUBLIC:
        return status not in (403, 405)
    if expectation is Expect.UNAUTHENTICATED:
        return status == 401
    if expectation is Expect.FORBIDDEN:
        return status == 403 or (hidden and status == 404)
    if expectation is Expect.HIDDEN:
        return status == 404
    if expectation is Expect.REFUSED:
        return status in (403, 404, 422)
    return status not in (401, 403, 404, 405)
