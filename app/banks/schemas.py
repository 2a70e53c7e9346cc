from __future__ import annotations

from pydantic import BaseModel


class BankOut(BaseModel):
    bin: str
    short_name: str
    name: str
    legal_name: str
    swift: str | None
    accepts_transfers_in_app: bool
    status: str
