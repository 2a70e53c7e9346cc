"""Every setting of the service, read once from the environment (prefix PHOQR_) or .env."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRET = "change-me-development-only"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PHOQR_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'phoqr.db'}"
    database_echo: bool = False
    database_pool_size: int = 10

    jwt_secret: str = PLACEHOLDER_SECRET
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    access_token_minutes: int = Field(15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(30, ge=1, le=365)

    demo_users: bool = True
    demo_password: str = "phoqr-demo"

    login_max_failures: int = Field(5, ge=1)
    login_window_seconds: int = Field(300, ge=10)
    verify_rate_per_minute: int = Field(30, ge=1)

    media_dir: Path = PROJECT_ROOT / "var" / "media"
    photo_max_bytes: int = 5 * 1024 * 1024
    idempotency_hours: int = 24

    bank_adapters: str = ""
    public_base_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000

    @model_validator(mode="after")
    def _refuse_placeholders_outside_development(self) -> Settings:
        if self.environment == "production":
            if self.jwt_secret == PLACEHOLDER_SECRET or len(self.jwt_secret) < 32:
                raise ValueError("PHOQR_JWT_SECRET must be set to a random secret of 32+ characters in production")
            if self.demo_users:
                raise ValueError("PHOQR_DEMO_USERS must be false in production")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
