"""CHECK constraints for enumerated columns, named by the metadata convention (ck_<table>_<column>)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import CheckConstraint


def one_of(column: str, values: Iterable[str]) -> CheckConstraint:
    """`column` holds one of `values` (NULL passes: nullability is the column's own rule).

    Migration 0002 creates the same rule (a CHECK on PostgreSQL, triggers of that name on SQLite)."""
    listed = ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=column)
