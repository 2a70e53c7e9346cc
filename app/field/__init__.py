"""The field app: an installable, offline-first phone web app at /field for the teams that register shops.

`mount(app)` adds its pages, manifest, service worker and static files; its one API addition
(`GET /api/v1/field/work`) is in `router.py`, mounted with the other routers in app/api.py.
"""

from __future__ import annotations

from fastapi import FastAPI


def mount(app: FastAPI) -> None:
    from app.field.web import mount as _mount

    _mount(app)
