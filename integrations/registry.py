"""Which adapter serves a request: an explicit table of adapter names, and a registry by scheme and BIN.

The service only ever asks "the adapter for this request": the scheme's default (VietQR built offline,
VNPAY-QR from the shop's VNPAY ids) unless a bank with an HTTP API is configured for the account's BIN.
Configuration names an adapter from `HTTP_ADAPTERS`; nothing is imported by a name read from configuration.
A deployment with its own bank passes its own table: `build_registry(banks, adapters=HTTP_ADAPTERS | {...})`.

>>> registry = build_registry({"970436": BankSettings(adapter="sandbox", base_url="http://127.0.0.1:8900")})
>>> registry.for_bin("970436").name, registry.for_bin("970415").name
('sandbox', 'napas-vietqr')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx

from integrations.base import (
    AccountRef,
    ApiKeyAuth,
    BankAdapter,
    CapabilityNotSupported,
    QRRequest,
    Scheme,
    make_client,
)
from integrations.config import BankSettings, bank_settings
from integrations.napas import NapasVietQRAdapter
from integrations.vnpay import VnpayAdapter

AdapterFactory = Callable[[httpx.AsyncClient], BankAdapter]
"""Builds an HTTP bank's adapter around a client that already carries the bank's base URL, timeouts and key."""


def _sandbox(client: httpx.AsyncClient) -> BankAdapter:
    # imported when configured: the sandbox package also carries its server (Starlette), which a bank never needs
    from integrations.sandbox.adapter import SandboxBankAdapter

    return SandboxBankAdapter(client)


HTTP_ADAPTERS: Mapping[str, AdapterFactory] = {"sandbox": _sandbox}


class AdapterRegistry:
    def __init__(self) -> None:
        self._by_scheme: dict[str, BankAdapter] = {}
        self._by_bin: dict[str, BankAdapter] = {}

    def register(self, adapter: BankAdapter, *, bank_bin: str | None = None) -> None:
        if bank_bin:
            self._by_bin[bank_bin] = adapter
        else:
            self._by_scheme[adapter.scheme] = adapter

    def for_scheme(self, scheme: Scheme | str) -> BankAdapter:
        try:
            return self._by_scheme[scheme]
        except KeyError:
            raise CapabilityNotSupported(f"no adapter for scheme {scheme!r}", field="scheme") from None

    def for_bin(self, bank_bin: str) -> BankAdapter:
        """The BIN's HTTP bank, else the offline VietQR builder (which cannot look accounts up)."""
        return self._by_bin.get(bank_bin) or self.for_scheme("vietqr")

    def for_account(self, account: AccountRef) -> BankAdapter:
        """Who to ask about an account (`verify_account`)."""
        return self.for_bin(account.bank_bin)

    def for_request(self, request: QRRequest) -> BankAdapter:
        if request.scheme == "vietqr" and request.account and request.account.bank_bin in self._by_bin:
            return self._by_bin[request.account.bank_bin]
        return self.for_scheme(request.scheme)

    @property
    def http_bins(self) -> frozenset[str]:
        return frozenset(self._by_bin)

    async def aclose(self) -> None:
        for adapter in {id(a): a for a in [*self._by_scheme.values(), *self._by_bin.values()]}.values():
            await adapter.aclose()


def connect(
    settings: BankSettings, *, factories: Mapping[str, AdapterFactory], transport: httpx.AsyncBaseTransport | None
) -> BankAdapter:
    """The adapter for one bank's settings, with its own client (base URL, timeouts, key)."""
    factory = factories.get(settings.adapter)
    if factory is None:
        known = ", ".join(sorted(factories)) or "none"
        raise ValueError(f"unknown bank adapter {settings.adapter!r} (registered: {known})")
    key = settings.api_key.get_secret_value() if settings.api_key else None
    auth = ApiKeyAuth(key, settings.api_key_header) if key else None
    return factory(make_client(settings.base_url, timeout=settings.timeout(), transport=transport, auth=auth))


def build_registry(
    banks: Mapping[str, BankSettings | Mapping[str, Any]] | str | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    adapters: Mapping[str, AdapterFactory] = HTTP_ADAPTERS,
) -> AdapterRegistry:
    """The offline VietQR and VNPAY-QR adapters, and one HTTP adapter per configured BIN.

    `banks` is {BIN: BankSettings} (or the one-line form "BIN=adapter@url,..."). An unknown adapter name or a
    malformed entry is a ValueError at start-up, never at the first shop's QR.
    """
    configured = bank_settings(legacy=banks) if isinstance(banks, str) else bank_settings(banks)
    registry = AdapterRegistry()
    registry.register(NapasVietQRAdapter())
    registry.register(VnpayAdapter())
    for bank_bin, settings in configured.items():
        registry.register(connect(settings, factories=adapters, transport=transport), bank_bin=bank_bin)
    return registry
