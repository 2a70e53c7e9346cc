"""The bank-adapter protocol the service calls, its errors, the httpx client factory and the registry.

The service only ever asks the registry for "the adapter for this request": the scheme's default (VietQR
built offline, VNPAY-QR from the shop's VNPAY ids) unless a bank with an HTTP API has been configured for the
account's BIN. Adding such a bank is configuration (`PHOQR_BANK_ADAPTERS`), not a change to the service.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

import httpx

Scheme = Literal["vietqr", "vnpay"]
DEFAULT_TIMEOUT = httpx.Timeout(connect=3.0, read=10.0, write=10.0, pool=3.0)


@dataclass(frozen=True, slots=True)
class AccountRef:
    bank_bin: str
    account_number: str
    kind: Literal["account", "card"] = "account"
    account_name: str | None = None


@dataclass(frozen=True, slots=True)
class VnpayRef:
    merchant_id: str
    terminal_id: str | None = None


@dataclass(frozen=True, slots=True)
class QRRequest:
    scheme: Scheme
    merchant_name: str
    merchant_city: str | None = None
    account: AccountRef | None = None
    vnpay: VnpayRef | None = None
    store_label: str | None = None
    terminal_label: str | None = None
    mcc: str | None = None


@dataclass(frozen=True, slots=True)
class IssuedQR:
    scheme: Scheme
    payload: str
    adapter: str
    account_name: str | None = None
    provider_reference: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AccountVerification:
    bank_bin: str
    account_number: str
    account_name: str
    exists: bool


@dataclass(frozen=True, slots=True)
class MerchantRegistration:
    reference: str
    status: str


class IntegrationError(Exception):
    code = "bank_protocol_error"
    retryable = False

    def __init__(self, message: str, *, field: str | None = None, bank_code: str | None = None) -> None:
        self.message, self.field, self.bank_code = message, field, bank_code
        super().__init__(message)


class BankUnavailable(IntegrationError):
    code, retryable = "bank_unavailable", True


class BankRejected(IntegrationError):
    code = "bank_rejected"


class AccountNotFound(IntegrationError):
    code = "account_not_found"


class CapabilityNotSupported(IntegrationError):
    code = "capability_not_supported"


class InvalidQRRequest(IntegrationError):
    code = "invalid_request"


class BankProtocolError(IntegrationError):
    code = "bank_protocol_error"


@runtime_checkable
class BankAdapter(Protocol):
    name: str
    scheme: Scheme

    async def issue_qr(self, request: QRRequest) -> IssuedQR: ...

    async def verify_account(self, account: AccountRef) -> AccountVerification: ...

    async def register_merchant(self, request: QRRequest, *, merchant_id: str) -> MerchantRegistration: ...

    async def aclose(self) -> None: ...


def make_client(
    base_url: str,
    *,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    transport: httpx.AsyncBaseTransport | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.AsyncClient:
    """Every bank client has a base URL and explicit timeouts; tests pass httpx.MockTransport."""
    return httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport, headers=dict(headers or {}))


def check_response(response: httpx.Response) -> dict[str, Any]:
    """The one place a bank's HTTP answer becomes data or one of our errors."""
    if response.status_code >= 500 or response.status_code == 429:
        raise BankUnavailable(f"bank answered {response.status_code}")
    try:
        body = response.json()
    except ValueError as exc:
        raise BankProtocolError(f"bank answered {response.status_code} with non-JSON") from exc
    if not isinstance(body, dict):
        raise BankProtocolError("bank answered JSON that is not an object")
    if response.status_code == 404 and body.get("code") == "ACCOUNT_NOT_FOUND":
        raise AccountNotFound("account not found at the bank", bank_code=body.get("code"))
    if response.status_code >= 400:
        raise BankRejected(
            str(body.get("message") or body.get("code") or response.status_code),
            bank_code=str(body.get("code")) if body.get("code") else None,
        )
    return body


async def call(client: httpx.AsyncClient, method: str, path: str, **kw: Any) -> dict[str, Any]:
    try:
        response = await client.request(method, path, **kw)
    except (httpx.TimeoutException, httpx.TransportError) as exc:
        raise BankUnavailable(f"bank unreachable: {exc.__class__.__name__}") from exc
    return check_response(response)


class AdapterRegistry:
    def __init__(self) -> None:
        self._by_scheme: dict[str, BankAdapter] = {}
        self._by_bin: dict[str, BankAdapter] = {}

    def register(self, adapter: BankAdapter, *, bank_bin: str | None = None) -> None:
        if bank_bin:
            self._by_bin[bank_bin] = adapter
        else:
            self._by_scheme[adapter.scheme] = adapter

    def for_scheme(self, scheme: str) -> BankAdapter:
        try:
            return self._by_scheme[scheme]
        except KeyError:
            raise CapabilityNotSupported(f"no adapter for scheme {scheme!r}", field="scheme") from None

    def for_request(self, request: QRRequest) -> BankAdapter:
        if request.scheme == "vietqr" and request.account and request.account.bank_bin in self._by_bin:
            return self._by_bin[request.account.bank_bin]
        return self.for_scheme(request.scheme)

    async def aclose(self) -> None:
        for adapter in {id(a): a for a in [*self._by_scheme.values(), *self._by_bin.values()]}.values():
            await adapter.aclose()


def parse_config(config: str | Mapping[str, str] | None) -> dict[str, tuple[str, str]]:
    """`"970436=sandbox@http://127.0.0.1:8900,970415=pkg.mod:Class@https://..."` -> {bin: (kind, base_url)}."""
    if not config:
        return {}
    items = (
        config.items()
        if isinstance(config, Mapping)
        else (part.split("=", 1) for part in config.split(",") if part.strip())
    )
    out: dict[str, tuple[str, str]] = {}
    for item in items:
        if len(item) != 2:
            raise ValueError(f"bank adapter entry {item!r} is not BIN=kind@url")
        bank_bin, spec = item[0].strip(), item[1].strip()
        kind, sep, url = spec.partition("@")
        if not (bank_bin.isdigit() and len(bank_bin) == 6) or not sep or not url.startswith(("http://", "https://")):
            raise ValueError(f"bank adapter entry {bank_bin}={spec} is not BIN=kind@http(s)://url")
        out[bank_bin] = (kind, url)
    return out


def _adapter_class(kind: str) -> type:
    if kind == "sandbox":
        from integrations.sandbox.adapter import SandboxBankAdapter

        return SandboxBankAdapter
    module, sep, cls = kind.partition(":")
    if not sep:
        raise ValueError(f"unknown bank adapter kind {kind!r} (use 'sandbox' or 'package.module:Class')")
    return getattr(importlib.import_module(module), cls)


def build_registry(
    config: str | Mapping[str, str] | None = None, *, transport: httpx.AsyncBaseTransport | None = None
) -> AdapterRegistry:
    from integrations.napas import NapasVietQRAdapter
    from integrations.vnpay import VnpayAdapter

    registry = AdapterRegistry()
    registry.register(NapasVietQRAdapter())
    registry.register(VnpayAdapter())
    for bank_bin, (kind, url) in parse_config(config).items():
        registry.register(_adapter_class(kind)(make_client(url, transport=transport)), bank_bin=bank_bin)
    return registry
