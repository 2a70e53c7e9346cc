"""Dashboard pages: thin routes that call `views`/`work`/`trends` and render a template."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.auth import service as auth_service
from app.auth import sessions as auth_sessions
from app.core.db import SessionDep
from app.core.db.replica import ReadSessionDep
from app.core.deps import SettingsDep
from app.core.editions import EDITIONS
from app.core.errors import AppError, RateLimited
from app.core.security import TokenError, decode_token
from app.dashboard import PREFIX, bankstate, downloads, mapping, trends, views, work
from app.dashboard import session as dash_session
from app.dashboard.web import (
    PageError,
    PagePrincipal,
    current_session,
    guarded,
    link,
    render,
    route_path,
    signed_in_principal,
    to_path,
)
from app.history.snapshot import local_today
from app.units.repository import UnitRepository

router = APIRouter(prefix=PREFIX, include_in_schema=False)


def _safe_next(request: Request, value: str | None) -> str:
    # only a path on the dashboard: never an open redirect to another host
    if value and value.startswith(PREFIX) and not value.startswith("//") and "\\" not in value:
        return value
    return route_path(request, "dashboard.overview")


def _origin_ok(request: Request) -> bool:
    """Browsers send Origin on every POST; a form posted from another site (or an opaque "null") is refused."""
    origin = request.headers.get("origin")
    return origin is None or origin.split("://", 1)[-1] == request.headers.get("host")


@router.get("/login", name="dashboard.login_form")
async def login_form(request: Request, session: SessionDep, settings: SettingsDep, next: str | None = None) -> Response:
    s, principal = await signed_in_principal(request, session, settings)
    if principal is not None:
        # already signed in: a link to this page must not sign anyone out (it used to replace the session)
        return RedirectResponse(to_path(request, _safe_next(request, next)), status_code=303)
    if s is None or s.signed_in:
        s = dash_session.anonymous()
    request.state.dash = s
    response = render(request, "login.html", next=_safe_next(request, next), error=None)
    response.set_cookie(**dash_session.cookie_args(settings, s))  # type: ignore[arg-type]
    return response


@router.post("/login", name="dashboard.login")
async def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "",  # none: the overview
) -> Response:
    s = current_session(request, settings)
    if not dash_session.csrf_ok(s, csrf_token) or not _origin_ok(request):
        return render(request, "error.html", status=403, message_key="csrf")
    request.state.dash = s
    client = request.client.host if request.client else "unknown"
    try:
        pair = await auth_service.login(session, settings, username.strip(), password, client)
        user_id = int(decode_token(settings, pair.access_token, "access").subject)
    except RateLimited:
        return render(request, "login.html", status=429, next=_safe_next(request, next), error="rate_limited")
    except (AppError, TokenError):
        return render(request, "login.html", status=401, next=_safe_next(request, next), error="bad_login")
    if s is not None and s.sid is not None:
        await auth_sessions.close_dashboard_session(session, s.sid)  # signing in again replaces the old session
    sid = auth_sessions.new_session_id()
    await auth_sessions.open_dashboard_session(session, sid, user_id, dash_session.SESSION_SECONDS)
    fresh = dash_session.signed_in(user_id, sid)
    response = RedirectResponse(to_path(request, _safe_next(request, next)), status_code=303)
    response.set_cookie(**dash_session.cookie_args(settings, fresh))  # type: ignore[arg-type]
    return response


@router.post("/logout", name="dashboard.logout")
async def logout(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    s = current_session(request, settings)
    if not dash_session.csrf_ok(s, csrf_token) or not _origin_ok(request):
        return render(request, "error.html", status=403, message_key="csrf")
    if s is not None and s.sid is not None:
        await auth_sessions.close_dashboard_session(session, s.sid)  # the old cookie, if kept, signs nobody in
    response = RedirectResponse(link(request, "dashboard.login_form"), status_code=303)
    response.delete_cookie(dash_session.COOKIE, path=dash_session.COOKIE_PATH)
    return response


@router.get("", name="dashboard.overview")
async def overview(
    request: Request, session: ReadSessionDep, principal: PagePrincipal, edition: str = "2025"
) -> Response:
    edition = edition if edition in EDITIONS else "2025"
    table = await views.overview(session, principal, edition)
    units = await downloads.choices(session, principal, edition)
    return render(
        request, "overview.html", nav="overview", table=table, edition=edition, today=local_today(), units=units
    )


@router.get("/units/{edition}/{code}", name="dashboard.unit")
async def unit(
    request: Request, session: ReadSessionDep, principal: PagePrincipal, edition: str, code: str, sort: str = "name"
) -> Response:
    if edition not in EDITIONS:
        return render(request, "error.html", status=404, message_key="not_found")
    table = await guarded(views.unit_page(session, principal, edition, code, sort))
    return render(request, "unit.html", nav="overview", table=table, edition=edition, code=code, today=local_today())


@router.get("/streets/{street_id}", name="dashboard.street")
async def street(
    request: Request,
    session: ReadSessionDep,
    principal: PagePrincipal,
    street_id: int,
    unit: str | None = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    ref = None
    if unit:
        edition, _, code = unit.partition(":")
        ref = (edition, code) if edition in EDITIONS and code.isdigit() else None
        if ref is None:
            return render(request, "error.html", status=404, message_key="not_found")
    data = await guarded(views.street_page(session, principal, street_id, ref, page))
    banks = await bankstate.states(session, [s.id for s in data.shops])
    street_map = await mapping.street_map(session, data.points)
    return render(request, "street.html", nav="overview", data=data, banks=banks, smap=street_map, sid=street_id)


@router.get("/map", name="dashboard.map")
async def map_page(
    request: Request, session: ReadSessionDep, principal: PagePrincipal, unit: str | None = None
) -> Response:
    data = await guarded(mapping.city_map(session, principal, unit))
    return render(request, "map.html", nav="map", m=data)


@router.get("/trends", name="dashboard.trends")
async def trends_page(
    request: Request,
    session: ReadSessionDep,
    principal: PagePrincipal,
    period: str = "week",
    street_id: int | None = None,
    unit: str | None = None,
) -> Response:
    data = await guarded(trends.page(session, principal, period, street_id, unit, request.query_params.get("lang")))
    return render(request, "trends.html", nav="trends", d=data)


@router.get("/queue", name="dashboard.queue")
async def queue_page(request: Request, session: ReadSessionDep, principal: PagePrincipal) -> Response:
    data = await work.queue(session, principal)
    return render(request, "queue.html", nav="queue", q=data)


@router.get("/team", name="dashboard.team")
async def team_page(
    request: Request, session: ReadSessionDep, principal: PagePrincipal, period: str = "week"
) -> Response:
    names = {u.code: u.name for u in await UnitRepository(session).list("2025")}
    data = await work.team(session, principal, period, names)
    return render(request, "team.html", nav="team", d=data, unit_names=names)


# the periodic report behind the dashboard's cookie (the API's report wants a bearer token a browser lacks)
@router.get("/reports/coverage.{ext}", name="dashboard.report")
async def report_download(
    session: ReadSessionDep,
    principal: PagePrincipal,
    ext: str,
    unit: str | None = None,
    edition: str = "2025",
    period: str = "half_year",
    as_of: str | None = None,
    level: str = "unit",
) -> Response:
    if ext not in ("xlsx", "csv"):
        raise PageError(404, "not_found")
    try:
        file = await downloads.report_file(
            session, principal, ext=ext, unit=unit, edition=edition, period=period, as_of=as_of, level=level
        )
    except AppError as exc:
        raise PageError(exc.status, downloads.error_key(exc)) from exc
    headers = {"Content-Disposition": f'attachment; filename="{file.filename}"', "X-Snapshot-Id": str(file.snapshot_id)}
    headers |= file.headers
    return Response(file.body, media_type=file.media_type, headers=headers)
