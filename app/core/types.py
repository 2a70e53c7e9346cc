"""Reusable constrained types for what callers send: ids that fit the columns they are compared with."""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

# An integer primary key (INTEGER on PostgreSQL): a larger value cannot name a row, and asking the database
# with it fails on PostgreSQL ("out of int32 range") instead of answering "not found". Path, query or body.
DbId = Annotated[int, Ge(1), Le(INT32_MAX)]
