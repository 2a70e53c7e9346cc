from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary, Text
from sqlmodel import Field, SQLModel

from app.core.db import utcnow


class ImportJob(SQLModel, table=True):
    """One upload of a spreadsheet of shops: the file itself (for the error file), its outcome and progress.

    `key_hash` is sha256 of the uploader and their Idempotency-Key (unique: one import per key), `file_hash` the
    sha256 of the file: the same key with another file is refused, with the same file answered from here.
    """

    __tablename__ = "import_job"

    id: str = Field(primary_key=True, max_length=36)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    key_hash: str = Field(max_length=64, unique=True)
    file_hash: str = Field(max_length=64)
    filename: str = Field(max_length=200)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    unit_edition: str = Field(max_length=4)
    unit_code: str = Field(max_length=8)
    mode: str = Field(max_length=16)
    dry_run: bool = False
    # queued -> running -> done (every valid row handled) | rejected (all_or_nothing with errors) | failed
    status: str = Field(default="queued", max_length=10, index=True)
    rows_total: int = 0
    rows_done: int = 0
    rows_ok: int = 0
    created: int = 0
    unchanged: int = 0
    errors_total: int = 0
    # every row error as JSON (the answer shows the first 1,000; the error file all of them)
    errors: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    problem: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    # background runs started (app.imports.recovery: a run whose process died is taken over, up to MAX_ATTEMPTS)
    attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # when the file and its errors were dropped (app.imports.retention); the outcome and counts stay
    pruned_at: datetime | None = None
