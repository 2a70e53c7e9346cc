"""What every request must pass before a route sees it, and the headers every response carries.

One pure ASGI middleware, outermost of ours, so it runs before FastAPI reads a body:
- control and bidirectional characters in the path or query are 422 (NUL gave 500 on PostgreSQL);
- bodies are limited per route: a declared Content-Length over the limit is 413 before a byte is read, and
  the bytes actually received are counted (chunked uploads cannot lie their way past the limit);
- routes that take big bodies (/sync, photos) need a valid bearer token before the body is read, so an
  anonymous caller cannot make a worker buffer 100 MB;
- security headers: nosniff everywhere, a restrictive CSP on HTML, no-store on token responses; and the
  `Content-Language` the problem details were written in (from `Accept-Language`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.config import Settings
from app.core.errors import FieldError, problem
from app.core.i18n import pick_lang
from app.core.security import TokenError, decode_token
from app.core.text import text_problem

# HTML we serve is the API docs page: its own scripts and styles, nothing from another host, no framing
HTML_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'"
NO_STORE_PATHS = ("/api/v1/auth/",)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})


@dataclass(frozen=True, slots=True)
class BodyRule:
    pattern: re.Pattern[str]
    max_bytes: int
    authenticate_first: bool


def body_rules(settings: Settings) -> list[BodyRule]:
    """First match wins; everything else gets `request_max_bytes`."""
    return [
        BodyRule(re.compile(r"^/api/v1/sync/?$"), settings.sync_max_bytes, True),
        # the multipart envelope around the photo: boundaries and part headers
        BodyRule(re.compile(r"^/api/v1/merchants/[^/]+/photos/?$"), settings.photo_max_bytes + 64 * 1024, True),
        # a spreadsheet of shops (app.imports: at most 10 MB) in its multipart envelope
        BodyRule(re.compile(r"^/api/v1/imports/?$"), 10 * 1024 * 1024 + 64 * 1024, True),
        BodyRule(re.compile(r"^/dashboard/imports/?$"), 10 * 1024 * 1024 + 64 * 1024, False),  # cookie-signed
    ]


def _url_problem(scope: Scope) -> FieldError | None:
    path: str = scope.get("path", "")
    if text_problem(path) in ("control", "bidi"):
        return FieldError("path", "Đường dẫn chứa ký tự không hợp lệ", "The path contains invalid characters")
    raw = scope.get("query_string", b"").decode("utf-8", "replace")
    for name, value in parse_qsl(raw, keep_blank_values=True):
        if text_problem(name) in ("control", "bidi") or text_problem(value) in ("control", "bidi"):
            return FieldError(
                name if text_problem(name) is None else "query",
                "Không được chứa ký tự điều khiển hoặc đảo chiều",
                "Must not contain control or bidirectional characters",
            )
    return None


class RequestGuard:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.rules = body_rules(settings)

    def _rule(self, path: str) -> tuple[int, bool]:
        for rule in self.rules:
            if rule.pattern.match(path):
                return rule.max_bytes, rule.authenticate_first
        return self.settings.request_max_bytes, False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        send = self._with_headers(scope, send, pick_lang(headers.get("accept-language")))
        bad = _url_problem(scope)
        if bad is not None:
            await self._reply(scope, receive, send, 422, "validation_error", errors=[bad])
            return
        limit, auth_first = self._rule(scope["path"])
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                await self._reply(scope, receive, send, 400, "bad_request")
                return
            if int(declared) > limit:
                await self._too_large(scope, receive, send, limit)
                return
        if auth_first and scope["method"] in WRITE_METHODS and not self._token_ok(headers):
            await self._reply(
                scope,
                receive,
                send,
                401,
                "not_authenticated",
                detail=("Cần đăng nhập", "Authentication required"),
                headers={"WWW-Authenticate": "Bearer"},
            )
            return
        received, started, refused = 0, False, False

        async def counting_receive() -> Message:
            # Past the limit we answer 413 at once and tell the app the client went away: raising here would
            # reach FastAPI wrapped (task groups, body parsing) and come out as a 400.
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit and not started:
                    refused = True
                    await self._too_large(scope, receive, send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 has been sent; whatever the app answers to the "disconnect" goes nowhere
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except Exception:
            if not refused:
                raise

    def _token_ok(self, headers: Headers) -> bool:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        try:
            decode_token(self.settings, token.strip(), "access")
        except TokenError:
            return False
        return True

    def _with_headers(self, scope: Scope, send: Send, lang: str) -> Send:
        path: str = scope["path"]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                h = MutableHeaders(scope=message)
                h.setdefault("Content-Language", lang)
                h.setdefault("X-Content-Type-Options", "nosniff")
                html = h.get("content-type", "").startswith("text/html")
                h.setdefault("Content-Security-Policy", HTML_CSP if html else API_CSP)
                if html:
                    h.setdefault("X-Frame-Options", "DENY")
                if path.startswith(NO_STORE_PATHS):
                    h["Cache-Control"] = "no-store"
                    h.setdefault("Pragma", "no-cache")
            await send(message)

        return send_with_headers

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        await self._reply(
            scope,
            receive,
            send,
            413,
            "payload_too_large",
            detail=(f"Nội dung lớn hơn {limit} byte", f"Request body larger than {limit} bytes"),
            headers={"Connection": "close"},
        )

    async def _reply(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        status: int,
        code: str,
        *,
        errors: list[FieldError] | None = None,
        detail: tuple[str, str] | None = None,
        headers: dict[str, Any] | None = None,
    ) -> None:
        request = Request(scope)
        vi, en = detail or (None, None)
        response = problem(request, status, code, detail_vi=vi, detail_en=en, errors=errors, headers=headers)
        await response(scope, receive, send)
