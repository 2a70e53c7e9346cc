"""Bank adapters: turn a shop's registered account into a payment QR (and, for banks with an HTTP API, verify
accounts and register merchants). Usable without the app.

    registry = build_registry("970436=sandbox@http://127.0.0.1:8900")
    adapter = registry.for_request(request)      # the BIN's HTTP bank, else the scheme's offline builder
    issued = await adapter.issue_qr(request)     # IssuedQR(payload=..., account_name=...)
"""

from integrations.base import (
    AccountNotFound,
    AccountRef,
    AccountVerification,
    AdapterRegistry,
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
    VnpayRef,
    build_registry,
    check_response,
    make_client,
    parse_config,
)

__all__ = [
    "AccountNotFound",
    "AccountRef",
    "AccountVerification",
    "AdapterRegistry",
    "BankAdapter",
    "BankProtocolError",
    "BankRejected",
    "BankUnavailable",
    "CapabilityNotSupported",
    "IntegrationError",
    "InvalidQRRequest",
    "IssuedQR",
    "MerchantRegistration",
    "QRRequest",
    "VnpayRef",
    "build_registry",
    "check_response",
    "make_client",
    "parse_config",
]
