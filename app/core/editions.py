"""The two editions of the administrative map; auth (user scopes) and every domain name units by edition:code."""

from __future__ import annotations

from enum import StrEnum


class Edition(StrEnum):
    """Vietnam's administrative map before (2020) and after (2025) the 2025 merger; codes are reused across them."""

    Y2020 = "2020"
    Y2025 = "2025"


EDITIONS: tuple[Edition, ...] = tuple(Edition)  # oldest first; `value in EDITIONS` checks a string from a request
