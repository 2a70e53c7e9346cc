from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.auth.schemas import UnitRef

Mode = Literal["all_or_nothing", "valid_rows"]


class ImportRowError(BaseModel):
    sheet: str
    row: int = Field(description="the spreadsheet's own row number (the header is row 1)")
    column: str | None = Field(description="column letter, e.g. C; null when the field has no column in the file")
    field: str = Field(description="API field, e.g. payment_account.account_number")
    code: str
    message: str
    message_en: str


class ImportOut(BaseModel):
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    id: str
    status: Literal["queued", "running", "done", "rejected", "failed"] = Field(
        description="rejected: all_or_nothing with errors, nothing written; done: every valid row handled"
    )
    mode: Mode
    dry_run: bool
    unit: UnitRef
    filename: str
    rows_total: int
    rows_done: int
    rows_ok: int = Field(description="rows that passed every check (written unless a dry run or rejected)")
    created: int
    unchanged: int = Field(description="rows whose shop this user had already imported with the same data")
    errors: list[ImportRowError] = Field(description="the first 1,000 errors; errors_total counts them all")
    errors_total: int
    created_at: datetime
    finished_at: datetime | None
    problem: dict[str, Any] | None = None
