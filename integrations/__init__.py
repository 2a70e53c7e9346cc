"""Bank adapters: turn a shop's registered account into a payment QR (and, for banks with an HTTP API, verify
accounts and register merchants). Usable without the app.

    registry = build_registry({"970436": BankSettings(adapter="sandbox", base_url="http://127.0.0.1:8900")})
    adapter = registry.for_request(request)      # the BIN's HTTP bank, else the scheme's offline builder
    issued = await adapter.issue_qr(request)     # IssuedQR(payload=..., account_name=...)
    checked = await registry.for_account(ref).verify_account(ref)
    checked.holder_matches("Nguyễn Thị Hương")   # names_match: diacritics and case set aside
"""

from integrations.base import (
    AccountNotFound,
    AccountRef,
    AccountVerification,
    ApiKeyAuth,
    BankAdapter,
    BankProtocolError,
    BankRejected,
    BankUnavailable,
    CapabilityNotSupported,
    IntegrationError,
    InvalidQRRequest,
    IssuedQR,
    MerchantRegistration,
    QRRequest,
    Scheme,
    VnpayRef,
    check_response,
    make_client,
)
from integrations.config import BankSettings, bank_settings, parse_legacy
from integrations.names import names_match, normalize_name
from integrations.registry import HTTP_ADAPTERS, AdapterFactory, AdapterRegistry, build_registry

__all__ = [
    "HTTP_ADAPTERS",
    "AccountNotFound",
    "AccountRef",
    "AccountVerification",
    "AdapterFactory",
    "AdapterRegistry",
    "ApiKeyAuth",
    "BankAdapter",
    "BankProtocolError",
    "BankRejected",
    "BankSettings",
    "BankUnavailable",
    "CapabilityNotSupported",
    "IntegrationError",
    "InvalidQRRequest",
    "IssuedQR",
    "MerchantRegistration",
    "QRRequest",
    "Scheme",
    "VnpayRef",
    "bank_settings",
    "build_registry",
    "check_response",
    "make_client",
    "names_match",
    "normalize_name",
    "parse_legacy",
]
