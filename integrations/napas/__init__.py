"""VietQR through NAPAS 247, built offline with qr/: any bank account or card in Vietnam, no bank call."""

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


class NapasVietQRAdapter:
    name: str = "napas-vietqr"
    scheme: Scheme = "vietqr"

    async def issue_qr(self, request: QRRequest) -> IssuedQR:
        if request.account is None:
            raise InvalidQRRequest("a bank account is required for VietQR", field="payment_account")
        changes: list[str] = []
        try:
            # minimal static payload: bank apps show the holder name from the bank, not from the QR
            payload = qr.build_vietqr(
                request.account.bank_bin,
                request.account.account_number,
                service=request.account.kind,
                store_label=request.store_label,
                terminal_label=request.terminal_label,
                changes=changes,
            )
        except qr.QRFormatError as exc:
            raise InvalidQRRequest(exc.reason, field=exc.field) from exc
        return IssuedQR("vietqr", payload, self.name, account_name=request.account.account_name, notes=tuple(changes))

    async def verify_account(self, account: AccountRef) -> AccountVerification:
        raise CapabilityNotSupported("offline VietQR cannot look up account holders")

    async def register_merchant(self, request: QRRequest, *, merchant_id: str) -> MerchantRegistration:
        raise CapabilityNotSupported("NAPAS VietQR needs no merchant registration")

    async def aclose(self) -> None:
        return None
