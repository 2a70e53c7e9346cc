"""Dashboard sessions live on the server: signing out ends the cookie everywhere, and opening the sign-in page
while signed in leaves the session alone."""

from __future__ import annotations

import httpx

from tests.app.dashboard.support import csrf_of, sign_in


def _browser(web: httpx.AsyncClient, cookie: str) -> httpx.AsyncClient:
    """Another browser holding a copy of the cookie (what an attacker who copied it would have)."""
    return httpx.AsyncClient(
        transport=web._transport, base_url="https://test", headers={"Cookie": f"phoqr_dash={cookie}"}
    )


async def test_the_cookie_from_before_sign_out_no_longer_works(web: httpx.AsyncClient) -> None:
    assert (await sign_in(web, "officer.vungtau")).status_code == 303
    copied = web.cookies.get("phoqr_dash")
    async with _browser(web, copied) as other:
        assert (await other.get("/dashboard")).status_code == 200  # the copy works while the session stands
        page = await web.get("/dashboard")
        out = await web.post("/dashboard/logout", data={"csrf_token": csrf_of(page.text)})
        assert out.status_code == 303
        after = await other.get("/dashboard")
        assert after.status_code == 303 and after.headers["location"].startswith("/dashboard/login")


async def test_the_sign_in_page_leaves_a_signed_in_session_alone(web: httpx.AsyncClient) -> None:
    assert (await sign_in(web, "officer.vungtau")).status_code == 303
    before = web.cookies.get("phoqr_dash")
    r = await web.get("/dashboard/login")
    assert r.status_code == 303 and r.headers["location"] == "/dashboard"
    assert "phoqr_dash" not in r.headers.get("set-cookie", "")
    assert web.cookies.get("phoqr_dash") == before
    assert (await web.get("/dashboard")).status_code == 200
    onward = await web.get("/dashboard/login", params={"next": "/dashboard/map", "lang": "en"})
    assert onward.status_code == 303 and onward.headers["location"] == "/dashboard/map?lang=en"
    # an open redirect stays impossible
    away = await web.get("/dashboard/login", params={"next": "//evil.example/"})
    assert away.headers["location"] == "/dashboard"


async def test_a_signed_cookie_naming_no_server_session_signs_nobody_in(web: httpx.AsyncClient, app) -> None:
    from app.dashboard import session as dash_session

    forged = dash_session.encode(app.state.settings, dash_session.signed_in(1, "never-opened"))
    async with _browser(web, forged) as other:
        r = await other.get("/dashboard")
        assert r.status_code == 303 and r.headers["location"].startswith("/dashboard/login")
