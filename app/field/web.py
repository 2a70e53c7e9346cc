"""The field app's pages: one HTML shell, its manifest, its service worker and static files, all from /field.

Security headers: a strict CSP (scripts, styles, images and connections from this origin only, no inline
script or style) on every /field response, the service worker's own included (a worker obeys the CSP it is
served with, so the API's `default-src 'none'` would forbid it every fetch).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATIC = Path(__file__).parent / "static"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
THEME = "#0b6e4f"
# what the service worker keeps for the app to open with no network (the shell; data is cached as it is read)
SHELL = ["/field", "/field/manifest.webmanifest"] + [
    f"/field/static/{name}"
    for name in (
        "field.css",
        "app.js",
        "api.js",
        "dom.js",
        "store.js",
        "sync.js",
        "i18n.js",
        "views.js",
        "form.js",
        "edit.js",
        "qr.js",
        "icon-192.png",
        "icon-512.png",
    )
]

pages = APIRouter(include_in_schema=False)


@cache
def version() -> str:
    """Changes whenever a static file does, so a new release replaces the phone's cached shell."""
    digest = hashlib.sha256()
    for path in sorted(STATIC.iterdir()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


@pages.get("/field", response_class=HTMLResponse)
@pages.get("/field/", response_class=HTMLResponse)
async def shell() -> HTMLResponse:
    html = (STATIC / "index.html").read_text(encoding="utf-8").replace("__VERSION__", version())
    return HTMLResponse(html, headers={"Cache-Control": "no-cache"})


@pages.get("/field/manifest.webmanifest")
async def manifest() -> Response:
    body = {
        "name": "PhoQR – Tổ công nghệ số",
        "short_name": "PhoQR",
        "description": "Đăng ký cửa hàng và cấp mã QR thanh toán, cả khi không có mạng",
        "lang": "vi",
        "start_url": "/field",
        "scope": "/field",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": THEME,
        "icons": [
            {"src": "/field/static/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": "/field/static/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any maskable"},
        ],
    }
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/manifest+json")


@pages.get("/field/sw.js")
async def service_worker() -> Response:
    source = (STATIC / "sw.js").read_text(encoding="utf-8")
    source = source.replace("__VERSION__", version()).replace('["__SHELL__"]', json.dumps(SHELL))
    return Response(
        source,
        media_type="text/javascript",
        # the script lives at /field/sw.js but controls /field itself (the start URL), not only /field/...
        headers={"Service-Worker-Allowed": "/field", "Cache-Control": "no-cache"},
    )


class FieldHeaders:
    """Pure ASGI: the field app's CSP, framing and referrer headers on every /field response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not (path == "/field" or path.startswith("/field/")):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                h = MutableHeaders(scope=message)
                h["Content-Security-Policy"] = CSP
                h["X-Content-Type-Options"] = "nosniff"
                h["Referrer-Policy"] = "same-origin"
                h["X-Frame-Options"] = "DENY"
                if path.startswith("/field/static/"):
                    h["Cache-Control"] = "no-cache"  # revalidated (ETag); the service worker serves it offline
            await send(message)

        await self.app(scope, receive, send_with_headers)


def mount(app: FastAPI) -> None:
    app.include_router(pages)
    app.mount("/field/static", StaticFiles(directory=STATIC), name="field-static")
    app.add_middleware(FieldHeaders)
