from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel


class AuditEntity(StrEnum):
    MERCHANT = "merchant"
    QR = "qr"
    STREET = "street"
    REVIEW = "review"


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor_id: int | None
    actor_username: str | None
    actor_role: str | None
    device_id: str | None
    request_id: str | None = None
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
