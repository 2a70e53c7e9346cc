"""VNPAY-QR from the merchant and terminal ids VNPAY gave the shop (offline; VNPAY's own onboarding is theirs)."""

from __future__ import annotations

import qr
from integrations.base import (
    AccountRef,
    AccountVerification,
    CapabilityNotSupported,
    InvalidQRRequest,
    IssuedQR,
    MerchantRegistration,
    QRRequest,
    Scheme,
)


class VnpayAdapter:
    name: str = "vnpay-qr"
    scheme: Scheme = "vnpay"

    async def issue_qr(self, request: QRRequest) -> IssuedQR:
        if request.vnpay is None or not request.vnpay.merchant_id:
            raise InvalidQRRequest("a VNPAY merchant id is required", field="vnpay.merchant_id")
        changes: list[str] = []
        name = qr.to_payload_text(request.merchant_name, max_len=25)
        try:
            payload = qr.build_vnpay(
                request.vnpay.merchant_id,
                merchant_name=name.text.upper(),
                merchant_city=request.merchant_city,
                mcc=request.mcc,
                store_label=request.store_label,
                terminal_label=request.vnpay.terminal_id or request.terminal_label,
                changes=changes,
            )
        except qr.QRFormatError as exc:
            raise InvalidQRRequest(exc.reason, field=exc.field) from exc
        notes = tuple(f"59: {c}" for c in name.changes) + tuple(changes)
        return IssuedQR("vnpay", payload, self.name, account_name=name.text.upper(), notes=notes)

    async def verify_account(self, account: AccountRef) -> AccountVerification:
        raise CapabilityNotSupported("VNPAY-QR has no account lookup here")

    async def register_merchant(self, request: QRRequest, *, merchant_id: str) -> MerchantRegistration:
        raise CapabilityNotSupported("VNPAY onboarding happens at VNPAY")

    async def aclose(self) -> None:
        return None
