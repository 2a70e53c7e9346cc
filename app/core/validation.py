"""Schema helpers shared by every domain's request models."""

from __future__ import annotations

from typing import Any


def refuse_null(cls: type, value: Any) -> Any:
    """A `mode="before"` field validator: a PATCH may leave a required field out, but never set it to null
    (422 naming the field, instead of a database error later)."""
    if value is None:
        raise ValueError("bắt buộc, không được là null / required, must not be null")
    return value
