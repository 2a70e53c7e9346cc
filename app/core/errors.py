"""One exception tree with HTTP status and stable machine code, mapped to RFC 9457 problem+json."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.i18n import field_message, pick_lang, title
from app.core.logmask import install_log_masking

log = logging.getLogger("phoqr.errors")
PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str
    message_en: str | None = None


class AppError(Exception):
    status: int = 400
    code: str = "bad_request"

    def __init__(
        self,
        detail_vi: str | None = None,
        detail_en: str | None = None,
        *,
        code: str | None = None,
        errors: list[FieldError] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        if code:
            self.code = code
        self.detail_vi = detail_vi
        self.detail_en = detail_en or detail_vi
        self.errors = errors or []
        self.extra = extra or {}
        self.headers = headers or {}
        super().__init__(self.detail_en or self.code)


class ValidationFailed(AppError):
    status, code = 422, "validation_error"

    def __init__(self, field: str, message_vi: str, message_en: str | None = None, **kw: Any) -> None:
        kw.setdefault("errors", [FieldError(field, message_vi, message_en or message_vi)])
        super().__init__(message_vi, message_en, **kw)


class NotAuthenticated(AppError):
    status, code = 401, "not_authenticated"

    def __init__(self, *args: Any, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(*args, **kw)


class Forbidden(AppError):
    status, code = 403, "forbidden"


class NotFound(AppError):
    status, code = 404, "not_found"


class Conflict(AppError):
    status, code = 409, "conflict"


class PreconditionFailed(AppError):
    status, code = 412, "version_conflict"


class PreconditionRequired(AppError):
    status, code = 428, "if_match_required"


class PayloadTooLarge(AppError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(AppError):
    status, code = 415, "unsupported_media_type"


class RateLimited(AppError):
    status, code = 429, "too_many_requests"

    def __init__(self, retry_after: int, *args: Any, **kw: Any) -> None:
        kw.setdefault("headers", {"Retry-After": str(max(1, int(retry_after)))})
        super().__init__(*args, **kw)


class BadGateway(AppError):
    status, code = 502, "bank_rejected"


class ServiceUnavailable(AppError):
    status, code = 503, "bank_unavailable"


def problem(
    request: Request,
    status: int,
    code: str,
    *,
    detail_vi: str | None = None,
    detail_en: str | None = None,
    errors: list[FieldError] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    lang = pick_lang(request.headers.get("accept-language"))
    body: dict[str, Any] = {
        "type": f"urn:phoqr:problem:{code}",
        "title": title(code, lang),
        "status": status,
        "detail": (detail_vi if lang == "vi" else detail_en) or title(code, lang),
        "code": code,
        "errors": [
            {"field": e.field, "message": e.message if lang == "vi" else (e.message_en or e.message)}
            for e in errors or []
        ],
        "instance": request.url.path,
    }
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


RETRY_AFTER_SECONDS = 5
# SQLSTATEs meaning "the database cannot answer now": connection exceptions (class 08), operator intervention
# (57P01-57P05), statement timeout (57014), too many connections (53300), serialization under failover (40001 not)
_UNAVAILABLE_STATES = ("08", "57P01", "57P02", "57P03", "57P04", "57P05", "57014", "53300")
_UNAVAILABLE_SQLITE = ("database is locked", "unable to open database file", "disk i/o error")
# the transaction lost a race the database settled by aborting it (deadlock, serialization failure): the same
# request succeeds when sent again
_BUSY_STATES = ("40P01", "40001")
BUSY_RETRY_AFTER_SECONDS = 1
# text PostgreSQL cannot store (NUL, bad encoding) and numbers beyond a column's range: the caller's input
_BAD_INPUT_STATES = ("22021", "22P05", "22003")


def _sqlstate(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    for candidate in (orig, getattr(orig, "__cause__", None)):
        state = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if state:
            return str(state)
    return ""


def database_unavailable(exc: BaseException) -> bool:
    """Down, unreachable, hanging or overloaded: the request may succeed later (503), it is not a bug (500)."""
    if isinstance(exc, SQLAlchemyTimeoutError | TimeoutError | ConnectionError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated or isinstance(exc.orig, OSError | TimeoutError):
        return True
    cause = getattr(exc.orig, "__cause__", None)
    if isinstance(cause, OSError | TimeoutError):
        return True
    state = _sqlstate(exc)
    if state and state.startswith(_UNAVAILABLE_STATES):
        return True
    return str(exc.orig).lower().startswith(_UNAVAILABLE_SQLITE)


def database_busy(exc: BaseException) -> bool:
    """A deadlock or serialization failure: nothing was written, and a retry a moment later goes through."""
    return isinstance(exc, DBAPIError) and _sqlstate(exc) in _BUSY_STATES


def bad_text_for_database(exc: BaseException) -> bool:
    """Input no column can hold (a safety net: schemas refuse it first, with the field named)."""
    if isinstance(exc, OverflowError):  # SQLite: "Python int too large to convert to SQLite INTEGER"
        return True
    if not isinstance(exc, DBAPIError):
        return False
    return _sqlstate(exc).startswith(_BAD_INPUT_STATES) or "out of int" in str(exc.orig)


def _loc_to_field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "form"):
        parts = parts[1:] or parts
    return ".".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    install_log_masking()  # what the handlers below log (tracebacks included) never shows an account number

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        return problem(
            request,
            exc.status,
            exc.code,
            detail_vi=exc.detail_vi,
            detail_en=exc.detail_en,
            errors=exc.errors,
            extra=exc.extra,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for err in exc.errors():
            msg = str(err.get("msg", ""))
            loc = tuple(err.get("loc", ()))
            if err.get("type") == "json_invalid":  # loc is ("body", <character offset>): the body is what's wrong
                loc = ("body",)
            errors.append(
                FieldError(
                    _loc_to_field(loc),
                    field_message(err.get("type", ""), msg, "vi"),
                    field_message(err.get("type", ""), msg, "en"),
                )
            )
        names = ", ".join(e.field for e in errors)
        return problem(
            request,
            422,
            "validation_error",
            detail_vi=f"Dữ liệu không hợp lệ: {names}",
            detail_en=f"Invalid input: {names}",
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 401: "not_authenticated", 413: "payload_too_large"}.get(
            exc.status_code, "bad_request"
        )
        return problem(request, exc.status_code, code, headers=getattr(exc, "headers", None))

    async def _database(request: Request, exc: Exception) -> JSONResponse:
        if database_unavailable(exc):
            log.warning("database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
            return problem(request, 503, "database_unavailable", headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        if database_busy(exc):
            log.warning("transaction aborted by the database on %s %s (%s)", request.method, request.url.path,
                        _sqlstate(exc))  # fmt: skip
            return problem(request, 503, "database_busy", headers={"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)})
        if bad_text_for_database(exc):
            return problem(
                request,
                422,
                "validation_error",
                detail_vi="Dữ liệu chứa ký tự hoặc số không lưu được",
                detail_en="The input holds a character or number that cannot be stored",
            )
        return await _unhandled(request, exc)

    for kind in (DBAPIError, SQLAlchemyTimeoutError, TimeoutError, ConnectionError, OverflowError):
        app.add_exception_handler(kind, _database)

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(request, 500, "internal_error")
