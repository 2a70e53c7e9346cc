"""Signing in to the dashboard the way a browser does: fetch the form, post it with its CSRF token."""

from __future__ import annotations

import re

import httpx


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


async def sign_in(web: httpx.AsyncClient, username: str, password: str = "phoqr-demo") -> httpx.Response:
    form = await web.get("/dashboard/login")
    return await web.post(
        "/dashboard/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(form.text), "next": "/dashboard"},
    )
