"""Which constraint a write broke, by name, on both databases; services map names to problems.

A service catches `IntegrityError` only to ask `violated(exc)` and raise the problem that constraint means
(e.g. uq_merchant_phone_active -> 409 duplicate_phone); any other violation is re-raised, never reported as a
conflict it is not. Names follow the metadata's naming convention (app.core.db), identical on both databases.
"""

from __future__ import annotations

import re

from sqlalchemy import PrimaryKeyConstraint, UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)$")
_SQLITE_CHECK = re.compile(r"CHECK constraint failed: (\w+)")


def _sqlite_unique_name(columns: str) -> str | None:
    """'merchant.phone_active' (or 'a.x, a.y') -> the constraint or unique index on exactly those columns."""
    pairs = [c.strip().split(".", 1) for c in columns.split(",")]
    table = SQLModel.metadata.tables.get(pairs[0][0])
    if table is None:
        return None
    wanted = {c for _, c in pairs}
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint | PrimaryKeyConstraint) and set(constraint.columns.keys()) == wanted:
            return str(constraint.name)
    for index in table.indexes:
        if index.unique and {c.name for c in index.columns} == wanted:
            return str(index.name)
    return None


def violated(exc: IntegrityError) -> str | None:
    """The name of the unique/primary-key/check constraint `exc` reports, or None (NOT NULL, foreign keys...)."""
    orig = exc.orig
    cause = getattr(orig, "__cause__", None)
    name = getattr(cause, "constraint_name", None) or getattr(orig, "constraint_name", None)
    if name:
        return str(name)
    message = str(orig)
    if match := _SQLITE_CHECK.search(message):
        return match.group(1)
    if match := _SQLITE_UNIQUE.search(message):
        return _sqlite_unique_name(match.group(1))
    return None
