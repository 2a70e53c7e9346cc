"""The ward dashboard: server-rendered pages at /dashboard over the same services as the JSON API.

`mount(app)` adds the pages, their static files, error pages and security headers to an app.
"""

from __future__ import annotations

from fastapi import FastAPI


def mount(app: FastAPI) -> None:
    from app.dashboard.router import router
    from app.dashboard.web import mount as _mount

    _mount(app, router)
