"""The five roles a PhoQR account can have."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    FIELD_AGENT = "field_agent"
    WARD_OFFICER = "ward_officer"
    CITY_ADMIN = "city_admin"
    BANK_PARTNER = "bank_partner"
    AUDITOR = "auditor"


# who sees every unit, and who may change anything at all
SEES_ALL = frozenset({Role.CITY_ADMIN, Role.AUDITOR})
WRITERS = frozenset({Role.FIELD_AGENT, Role.WARD_OFFICER, Role.CITY_ADMIN})
