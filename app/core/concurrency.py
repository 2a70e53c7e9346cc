"""Optimistic concurrency: resources carry `version`, exposed as a strong ETag; PATCH needs If-Match."""

from __future__ import annotations

from fastapi import Response

from app.core.errors import PreconditionFailed, PreconditionRequired


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def expected_version(if_match: str | None) -> int:
    if not if_match:
        raise PreconditionRequired(
            "Cần tiêu đề If-Match với ETag hiện tại", "If-Match with the current ETag is required"
        )
    value = if_match.strip()
    if value.startswith("W/"):
        value = value[2:]
    try:
        return int(value.strip('"'))
    except ValueError as exc:
        raise PreconditionFailed("If-Match không hợp lệ", "Malformed If-Match") from exc


def check_version(current: int, expected: int, *, resource: str) -> None:
    if current != expected:
        raise PreconditionFailed(
            f"{resource} đã được cập nhật (phiên bản {current}); hãy tải lại",
            f"{resource} was updated (version {current}); reload it",
            extra={"current_version": current},
        )
