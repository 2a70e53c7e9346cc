"""Every setting of the service, read once from the environment (prefix PHOQR_) or .env."""

from __future__ import annotations

from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from integrations.config import BankSettings, bank_settings, check_bin

PLACEHOLDER_SECRET = "change-me-development-only"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    # "__" nests: PHOQR_BANKS__970436__BASE_URL is banks["970436"].base_url
    model_config = SettingsConfigDict(env_prefix="PHOQR_", env_file=".env", extra="ignore", env_nested_delimiter="__")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'phoqr.db'}"
    database_echo: bool = False
    database_pool_size: int = 10
    # a database that accepts connections and never answers must not hang requests: 503 within seconds
    database_connect_timeout: float = Field(2.0, gt=0, le=60)
    database_statement_timeout: float = Field(10.0, gt=0, le=600)
    # "transaction": PHOQR_DATABASE_URL is a PgBouncer in transaction mode without prepared-statement support
    # (Debian's 1.18, or max_prepared_statements = 0): no statement caches, no startup parameters (app/core/db/)
    database_pooler: Literal["none", "transaction"] = "none"
    # a streaming replica for the reads that may be a little behind (app/core/db/replica.py); empty: all on the primary
    database_read_url: str = ""
    replica_max_lag_seconds: float = Field(10.0, ge=0, le=3600)

    jwt_secret: str = PLACEHOLDER_SECRET
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    access_token_minutes: int = Field(15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(30, ge=1, le=365)

    # the provinces this deployment serves (comma-separated codes of edition 2025, e.g. "79" or "79,01"): what
    # the dashboard and unfiltered coverage show first and which boundaries are drawn; the API knows every unit
    area: str = Field("79", pattern=r"^\d{2}(,\d{2})*$")

    demo_users: bool = True
    demo_password: str = "phoqr-demo"

    login_max_failures: int = Field(5, ge=1)
    login_window_seconds: int = Field(300, ge=10)
    verify_rate_per_minute: int = Field(30, ge=1)

    media_dir: Path = PROJECT_ROOT / "var" / "media"
    photo_max_bytes: int = 5 * 1024 * 1024
    # a spreadsheet import with more rows than this runs as a background job (GET /imports/{id} follows it)
    import_background_rows: int = 2_000
    # run queued imports in this process (off in tests, which run the worker themselves)
    import_worker: bool = True
    # a few kilobytes of PNG can claim 144 megapixels: checked from the header before anything is decoded
    photo_max_pixels: int = Field(40_000_000, ge=1)
    idempotency_hours: int = 24
    # `phoqr prune` (app/idempotency/retention.py, app/bank/webhooks/retention.py): days kept after the last change
    retention_sync_days: int = Field(30, ge=1)
    retention_delivery_days: int = Field(30, ge=1)
    # an import's uploaded file and its errors (the error file), after it finished (app/imports/retention.py)
    retention_import_days: int = Field(30, ge=1)
    request_max_bytes: int = Field(1024 * 1024, ge=1024)
    sync_max_bytes: int = Field(4 * 1024 * 1024, ge=1024)
    # /sync batches a worker runs at once; the others wait their turn (holding no database connection) up to
    # sync_queue_seconds, then 503 + Retry-After. Batches are CPU-heavy: running many at once starves the
    # single registrations that share the worker's event loop.
    sync_concurrency: int = Field(1, ge=1, le=64)
    sync_queue_seconds: float = Field(60.0, gt=0, le=600)
    # addresses of reverse proxies whose X-Forwarded-For is believed (comma-separated IPs/CIDRs); none by default
    trusted_proxies: str = ""

    # banks with an HTTP API by BIN (integrations.BankSettings: adapter, base_url, api_key, timeouts), e.g.
    # PHOQR_BANKS__970436__ADAPTER=sandbox and PHOQR_BANKS__970436__BASE_URL=http://127.0.0.1:8900 (or PHOQR_BANKS
    # as JSON); PHOQR_BANK_ADAPTERS="970436=sandbox@http://..." is the older one-line form without key, still read
    banks: dict[str, BankSettings] = Field(default_factory=dict)
    bank_adapters: str = ""
    host: str = "127.0.0.1"
    port: int = 8000

    # coverage history (app/history): the service snapshots the counters at start-up and daily at this
    # Vietnam time; None = on, except in tests
    snapshot_daily: bool | None = None
    snapshot_at: time = time(23, 55)

    # operations (app/observability): /metrics bearer token (unset: loopback only, and never in production)
    metrics_token: str = ""
    log_level: str = "INFO"
    log_json: bool = True

    # account-name inquiry (app/bank/account_names/): asks the banks whose adapter can; None = on except in tests
    account_checks: bool | None = None
    account_check_seconds: float = Field(30.0, gt=0, le=3600)

    # bank webhooks (app/bank): the dispatcher runs inside `phoqr serve` unless turned off (then: `phoqr worker`)
    webhook_dispatcher: bool = True
    # seconds to wait after the 1st, 2nd, ... failed attempt; after the last one the delivery is given up
    webhook_retry_schedule: str = "5,300,1800,7200,18000,36000,36000"
    webhook_poll_seconds: float = Field(1.0, gt=0, le=60)
    webhook_timeout_seconds: float = Field(10.0, gt=0, le=60)
    webhook_batch_size: int = Field(50, ge=1, le=1000)
    webhook_concurrency: int = Field(16, ge=1, le=256)
    # webhook secrets are encrypted at rest with a key derived from this (falls back to jwt_secret); set it
    # separately in production so rotating the JWT secret does not make the stored webhook secrets unreadable
    webhook_encryption_key: str = ""

    @model_validator(mode="after")
    def _refuse_placeholders_outside_development(self) -> Settings:
        if self.environment == "production":
            if self.jwt_secret == PLACEHOLDER_SECRET or len(self.jwt_secret) < 32:
                raise ValueError("PHOQR_JWT_SECRET must be set to a random secret of 32+ characters in production")
            if self.demo_users:
                raise ValueError("PHOQR_DEMO_USERS must be false in production")
        return self

    @field_validator("banks")
    @classmethod
    def _banks_by_bin(cls, value: dict[str, BankSettings]) -> dict[str, BankSettings]:
        return {check_bin(k): v for k, v in value.items()}

    @field_validator("bank_adapters")
    @classmethod
    def _one_line_banks(cls, value: str) -> str:
        bank_settings(legacy=value)  # refuse a malformed entry at start-up, not at the first QR
        return value

    @property
    def bank_configs(self) -> dict[str, BankSettings]:
        """Every bank with an HTTP API by BIN: PHOQR_BANKS over the one-line PHOQR_BANK_ADAPTERS."""
        return bank_settings(self.banks, self.bank_adapters)

    @field_validator("webhook_retry_schedule")
    @classmethod
    def _schedule_is_seconds(cls, value: str) -> str:
        try:
            delays = [float(x) for x in value.split(",") if x.strip()]
        except ValueError as exc:
            raise ValueError("PHOQR_WEBHOOK_RETRY_SCHEDULE: comma-separated seconds, e.g. 1,2,4") from exc
        if any(d < 0 for d in delays):
            raise ValueError("PHOQR_WEBHOOK_RETRY_SCHEDULE: delays cannot be negative")
        return value

    @property
    def retry_schedule(self) -> tuple[float, ...]:
        return tuple(float(x) for x in self.webhook_retry_schedule.split(",") if x.strip())

    @property
    def demo_logins(self) -> bool:
        """Whether accounts marked `is_demo` may sign in: only with PHOQR_DEMO_USERS on a development machine or
        in the test suite, whatever the database holds (a database set up in development keeps its demo rows)."""
        return self.demo_users and self.environment != "production"

    @property
    def area_provinces(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.area.split(","))))

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def refuse_undeclared_environment(settings: Settings) -> None:
    """A server must be told where it runs: a production box that forgot PHOQR_ENVIRONMENT would otherwise
    start as development (demo users, placeholder secret). `make run` sets development, tests set test."""
    if "environment" not in settings.model_fields_set:
        raise ValueError(
            "PHOQR_ENVIRONMENT is not set: use development, test or production (make run sets development)"
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
