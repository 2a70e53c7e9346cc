"""The web side of the dashboard: who is signed in (cookie), templates, security headers, error pages."""

from __future__ import annotations

from collections.abc import Awaitable
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.datastructures import MutableHeaders
from starlette.routing import NoMatchFound
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.auth import Principal, Role
from app.auth.service import load_principal
from app.auth.sessions import dashboard_session_user
from app.core.db import SessionDep
from app.core.deps import SettingsDep
from app.core.errors import AppError
from app.dashboard import PREFIX, i18n
from app.dashboard import session as dash_session

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters.update({"int": i18n.fmt_int, "pct": i18n.fmt_pct, "num": i18n.fmt_num, "date": i18n.fmt_date})
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
T = TypeVar("T")
STATIC = "dashboard.static"  # the static files' mount, by name like every route


class LoginRequired(Exception):
    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


class PageError(Exception):
    def __init__(self, status: int, key: str) -> None:
        self.status, self.key = status, key


def lang_of(request: Request) -> str:
    return i18n.pick(request.query_params.get("lang"))


_PATH_PARAMS: dict[str, frozenset[str]] = {STATIC: frozenset({"path"})}  # route name -> its path parameters


def route_path(request: Request, name: str, **params: Any) -> str:
    """The named route's path, its path parameters filled and the others as a query (no page language)."""
    names = _PATH_PARAMS.get(name)
    if names is None:
        raise NoMatchFound(name, params)
    path = request.app.url_path_for(name, **{k: v for k, v in params.items() if k in names})
    query = {k: v for k, v in params.items() if k not in names and v is not None and v != ""}
    return str(path) + ("?" + urlencode(query) if query else "")


def link(request: Request, name: str, **params: Any) -> str:
    """A link to a named dashboard route that keeps the page language."""
    if lang_of(request) == "en":
        params.setdefault("lang", "en")
    return route_path(request, name, **params)


def to_path(request: Request, path: str, **params: Any) -> str:
    """A path the request carries (this page, a sign-in's `next`) as a link that keeps the page language;
    a link the code writes names its route (`link`)."""
    if lang_of(request) == "en":
        params.setdefault("lang", "en")
    clean = {k: v for k, v in params.items() if v is not None and v != ""}
    return path + ("?" + urlencode(clean) if clean else "")


def current_session(request: Request, settings: SettingsDep) -> dash_session.DashSession | None:
    return dash_session.decode(settings, request.cookies.get(dash_session.COOKIE))


async def signed_in_principal(
    request: Request, session: SessionDep, settings: SettingsDep
) -> tuple[dash_session.DashSession | None, Principal | None]:
    """The cookie's session and, when it is signed in and its server-side session still stands, its user."""
    s = current_session(request, settings)
    if s is None or s.user_id is None or s.sid is None:
        return s, None
    if await dashboard_session_user(session, s.sid) != s.user_id:
        return s, None  # signed out, revoked (deactivation, password change) or expired on the server
    return s, await load_principal(session, settings, s.user_id)


async def page_principal(request: Request, session: SessionDep, settings: SettingsDep) -> Principal:
    """The signed-in user of a dashboard page (cookie only: the cookie never authenticates the API)."""
    s, principal = await signed_in_principal(request, session, settings)
    if principal is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    if principal.role == Role.BANK_PARTNER:
        raise PageError(403, "bank_no_dashboard")
    request.state.dash = s
    request.state.principal = principal
    return principal


PagePrincipal = Annotated[Principal, Depends(page_principal)]


async def guarded(call: Awaitable[T]) -> T:
    """A service's not-found or forbidden becomes the dashboard's HTML error page, not problem+json."""
    try:
        return await call
    except AppError as exc:
        raise PageError(exc.status, "forbidden" if exc.status == 403 else "not_found") from exc


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = lang_of(request)
    s = getattr(request.state, "dash", None)

    def t(key: str, **kw: object) -> str:
        return i18n.translate(lang, key, **kw)

    def here(**params: Any) -> str:
        """This page with some query parameters changed."""
        merged = {**dict(request.query_params), **params}
        merged.pop("lang", None)
        return to_path(request, request.url.path, **merged)

    return templates.TemplateResponse(
        request,
        name,
        {
            "t": t,
            "lang": lang,
            "url": lambda name, **p: link(request, name, **p),
            "action": lambda name, **p: route_path(request, name, **p),  # a GET form's action: no query
            "static": lambda file: route_path(request, STATIC, path="/" + file),
            "here": here,
            "other_lang_url": to_path(request, request.url.path, **{**dict(request.query_params), "lang": None})
            if lang == "en"
            else to_path(request, request.url.path, **{**dict(request.query_params), "lang": "en"}),
            "csrf": s.csrf if s else "",
            "principal": getattr(request.state, "principal", None),
            **context,
        },
        status_code=status,
    )


def _login_redirect(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(link(request, "dashboard.login_form", next=exc.next_url), status_code=303)


def _error_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    return render(request, "error.html", status=exc.status, message_key=exc.key)


def mount(app: FastAPI, *routers: APIRouter) -> None:
    """Everything the dashboard adds to the app: its pages, static files, error pages and headers."""
    for router in routers:
        app.include_router(router)
        _PATH_PARAMS.update({r.name: frozenset(r.param_convertors) for r in router.routes if isinstance(r, APIRoute)})
    app.mount(PREFIX + "/static", StaticFiles(directory=HERE / "static"), name=STATIC)
    app.add_exception_handler(LoginRequired, _login_redirect)
    app.add_exception_handler(PageError, _error_page)

    app.add_middleware(DashboardHeaders)


class DashboardHeaders:
    """Pure ASGI: the dashboard's own CSP, framing and caching headers on every /dashboard response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(PREFIX):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                h = MutableHeaders(scope=message)
                h["Content-Security-Policy"] = CSP
                h["X-Content-Type-Options"] = "nosniff"
                h["Referrer-Policy"] = "same-origin"
                h["X-Frame-Options"] = "DENY"
                if not path.startswith(PREFIX + "/static"):
                    h["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
