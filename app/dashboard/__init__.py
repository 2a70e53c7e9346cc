"""The ward dashboard: server-rendered pages at /dashboard over the same services as the JSON API.

`mount(app)` adds the pages, their static files, error pages and security headers to an app.
"""

from __future__ import annotations

from fastapi import FastAPI

# the dashboard's one literal path: its routes, cookie, headers and static files derive from it, and every link
# is built from a route's name (`web.link`); tests/app/dashboard/test_links.py keeps it that way
PREFIX = "/dashboard"


def mount(app: FastAPI) -> None:
    from app.dashboard.imports_page import router as imports_router
    from app.dashboard.router import router
    from app.dashboard.web import mount as _mount

    _mount(app, router, imports_router)
