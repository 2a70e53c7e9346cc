from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.core.config import Settings


def test_production_refuses_placeholder_secret_and_demo_users():
    with pytest.raises(ValidationError, match="JWT_SECRET"):
        Settings(environment="production", demo_users=False)
    with pytest.raises(ValidationError, match="DEMO_USERS"):
        Settings(environment="production", jwt_secret="s" * 40, demo_users=True)
    ok = Settings(environment="production", jwt_secret="s" * 40, demo_users=False)
    assert ok.environment == "production"


def test_development_allows_placeholder():
    assert Settings(environment="development").demo_users is True


def test_settings_read_prefixed_env(monkeypatch):
    monkeypatch.setenv("PHOQR_PORT", "9123")
    assert Settings().port == 9123
