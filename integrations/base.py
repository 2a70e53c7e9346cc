"""The bank-adapter protocol the service calls, its data, its errors, and the one httpx client factory.

An adapter turns a shop's account into a payment QR and, for banks with an HTTP API, looks up account holders
and registers merchants. Which adapter serves which BIN is the registry's business (`integrations.registry`).
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
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
    """What a bank says about an account: the holder's name as the bank keeps it (upper case, no diacritics)."""

    bank_bin: str
    account_number: str
    account_name: str
    exists: bool

    def holder_matches(self, expected: str) -> bool:
        """Whether `expected` (e.g. 'Nguyễn Thị Hương' as registered) is this holder, diacritics and case aside."""
        from integrations.names import names_match

        return self.exists and names_match(self.account_name, expected)


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
    """What the service calls. `name` and `scheme` are read-only: an adapter serves one scheme for good.

    `verify_account` raises `AccountNotFound` for an account the bank does not know and
    `CapabilityNotSupported` where the adapter cannot look accounts up (the offline builders); like every
    method it raises `BankUnavailable` (retryable) when the bank cannot be reached.
    """

    @property
    def name(self) -> str: ...

    @property
    def scheme(self) -> Scheme: ...

    async def issue_qr(self, request: QRRequest) -> IssuedQR: ...

    async def verify_account(self, account: AccountRef) -> AccountVerification: ...

    async def register_merchant(self, request: QRRequest, *, merchant_id: str) -> MerchantRegistration: ...

    async def aclose(self) -> None: ...


class ApiKeyAuth(httpx.Auth):
    """Adds the bank's API key to each request; the key never sits in the client's headers, reprs or logs."""

    def __init__(self, key: str, header: str = "X-API-Key") -> None:
        self._key, self._header = key, header

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self._header] = self._key
        yield request

    def __repr__(self) -> str:
        return f"ApiKeyAuth(header={self._header!r}, key='**********')"


def make_client(
    base_url: str,
    *,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    transport: httpx.AsyncBaseTransport | None = None,
    headers: Mapping[str, str] | None = None,
    auth: httpx.Auth | None = None,
) -> httpx.AsyncClient:
    """Every bank client has a base URL and explicit timeouts; tests pass httpx.MockTransport."""
    return httpx.AsyncClient(
        base_url=base_url, timeout=timeout, transport=transport, headers=dict(headers or {}), auth=auth
    )


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
