"""Typed settings of one bank with an HTTP API, and the older one-line form they replace.

The app reads them from the environment (`PHOQR_BANKS__970436__ADAPTER=sandbox`,
`PHOQR_BANKS__970436__BASE_URL=...`, `..._API_KEY`, `..._TIMEOUT_SECONDS`; see `.env.example`); anything else can
build them directly:

>>> bank = BankSettings(adapter="sandbox", base_url="http://127.0.0.1:8900", api_key="s3cret")
>>> bank
BankSettings(adapter='sandbox', base_url='http://127.0.0.1:8900', api_key=SecretStr('**********'), \
api_key_header='X-API-Key', timeout_seconds=10.0, connect_timeout_seconds=3.0)
>>> parse_legacy("970436=sandbox@http://127.0.0.1:8900")["970436"].adapter
'sandbox'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

_BIN = re.compile(r"[0-9]{6}")
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
# "970436=sandbox@http://host:8900" (README) or "970436=sandbox:http://host:8900" (old .env.example)
_LEGACY = re.compile(r"(?P<name>[a-z0-9][a-z0-9_-]{0,39})(?:@|:(?=https?://))(?P<url>https?://\S+)")


class BankSettings(BaseModel):
    """One bank's HTTP API: which registered adapter speaks it, where it is, its key, how long to wait."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    adapter: str = Field(description="a name in integrations.registry.HTTP_ADAPTERS, e.g. 'sandbox'")
    base_url: str = Field(description="http(s)://host[:port][/path] of the bank's API")
    api_key: SecretStr | None = Field(default=None, description="sent in `api_key_header`; never logged or shown")
    api_key_header: str = "X-API-Key"
    timeout_seconds: float = Field(default=10.0, gt=0, le=120, description="read and write timeout of one call")
    connect_timeout_seconds: float = Field(default=3.0, gt=0, le=60)

    @field_validator("adapter")
    @classmethod
    def _adapter_name(cls, value: str) -> str:
        value = value.strip().lower()
        if not _NAME.fullmatch(value):
            raise ValueError("adapter must be a registered adapter name such as 'sandbox'")
        return value

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        url = httpx.URL(value)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError("base_url must be an http:// or https:// address")
        return value.rstrip("/")

    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(
            self.timeout_seconds, connect=self.connect_timeout_seconds, pool=self.connect_timeout_seconds
        )


def check_bin(value: str) -> str:
    if not _BIN.fullmatch(value):
        raise ValueError(f"bank BIN {value!r} must be 6 digits")
    return value


def parse_legacy(config: str) -> dict[str, BankSettings]:
    """`"970436=sandbox@http://127.0.0.1:8900,970415=..."`: BIN, adapter name and base URL, no key, default
    timeouts. `name:http://...` is read the same way, as the old `.env.example` wrote it."""
    out: dict[str, BankSettings] = {}
    for part in (p.strip() for p in config.split(",")):
        if not part:
            continue
        bank_bin, sep, spec = (x.strip() for x in part.partition("="))
        match = _LEGACY.fullmatch(spec)
        if not sep or match is None:
            raise ValueError(f"bank adapter entry {part!r} is not BIN=adapter@http(s)://url")
        out[check_bin(bank_bin)] = BankSettings(adapter=match["name"], base_url=match["url"])
    return out


def bank_settings(
    banks: Mapping[str, BankSettings | Mapping[str, Any]] | None = None, legacy: str = ""
) -> dict[str, BankSettings]:
    """Every configured bank by BIN: the one-line form first, the typed per-bank settings over it."""
    out = parse_legacy(legacy) if legacy else {}
    for bank_bin, value in (banks or {}).items():
        out[check_bin(str(bank_bin))] = value if isinstance(value, BankSettings) else BankSettings.model_validate(value)
    return out
