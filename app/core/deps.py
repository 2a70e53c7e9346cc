"""Request-level dependencies that belong to no domain: the app's settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.core.config import Settings


async def app_settings(request: Request) -> Settings:
    """The settings the app was created with (tests create apps with their own). `async`: FastAPI runs a plain
    `def` dependency in its thread pool, a thread hop on every request that asks for the settings."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(app_settings)]
