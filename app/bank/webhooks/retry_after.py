"""`Retry-After` read strictly (RFC 9110 §10.2.3): delta-seconds (ASCII digits) or an HTTP-date, else ignored.

A receiver's header is untrusted input: whatever it holds (`²`, `1e9`, `-5`, 5000 digits, a date in year 0,
bytes that are not ASCII) this never raises, it answers None and the retry schedule decides.
"""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime

MAX_RETRY_AFTER = 24 * 3600.0
_MAX_DIGITS = 9  # more than 24 h already


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Seconds to wait (0 to 24 h), or None when the header is absent or not one of the two forms."""
    try:
        return _parse(value, now)
    except Exception:  # an unreadable header is ignored, whatever the parser meets
        return None


def _parse(value: str | None, now: datetime) -> float | None:
    if value is None:
        return None
    value = value.strip(" \t")
    if not value or not value.isascii():
        return None
    if value.isdigit():  # ASCII digits only, thanks to isascii() above (no "²", no "٣")
        return MAX_RETRY_AFTER if len(value) > _MAX_DIGITS else min(float(int(value)), MAX_RETRY_AFTER)
    if not value[0].isalpha():  # every HTTP-date form starts with a day name
        return None
    when = email.utils.parsedate_to_datetime(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max(0.0, (when - now).total_seconds()), MAX_RETRY_AFTER)


__all__ = ["MAX_RETRY_AFTER", "retry_after_seconds"]
