"""A bank with an HTTP API (the sandbox's): a thin httpx client that never trusts the bank's answer blindly."""

from __future__ import annotations

import httpx

import qr
from integrations.base import (
    AccountRef,
    AccountVerification,
    BankProtocolError,
    InvalidQRRequest,
    IssuedQR,
    MerchantRegistration,
    QRRequest,
    Scheme,
    call,
)


class SandboxBankAdapter:
    name: str = "sandbox"
    scheme: Scheme = "vietqr"

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def issue_qr(self, request: QRRequest) -> IssuedQR:
        if request.account is None:
            raise InvalidQRRequest("a bank account is required", field="payment_account")
        acct = request.account
        body = await call(
            self.client, "POST", "/v1/qr", json={"bin": acct.bank_bin, "account_number": acct.account_number}
        )
        payload = body.get("payload")
        if not isinstance(payload, str):
            raise BankProtocolError("bank answered without a payload")
        try:
            parsed = qr.parse(payload)
        except qr.QRFormatError as exc:
            raise BankProtocolError(f"bank's QR does not decode: {exc}") from exc
        if (parsed.bank_bin, parsed.account) != (acct.bank_bin, acct.account_number):
            raise BankProtocolError("bank's QR pays another account than the one registered")
        return IssuedQR(
            "vietqr",
            payload,
            self.name,
            account_name=body.get("account_name"),
            provider_reference=body.get("reference"),
        )

    async def verify_account(self, account: AccountRef) -> AccountVerification:
        body = await call(
            self.client,
            "POST",
            "/v1/accounts/verify",
            json={"bin": account.bank_bin, "account_number": account.account_number},
        )
        name = body.get("account_name")
        if not isinstance(name, str):
            raise BankProtocolError("bank answered without an account name")
        return AccountVerification(account.bank_bin, account.account_number, name, bool(body.get("exists", True)))

    async def register_merchant(self, request: QRRequest, *, merchant_id: str) -> MerchantRegistration:
        acct = request.account
        body = await call(
            self.client,
            "POST",
            "/v1/merchants",
            json={
                "merchant_id": merchant_id,
                "name": request.merchant_name,
                "account": {"bin": acct.bank_bin, "number": acct.account_number} if acct else None,
            },
        )
        if not isinstance(body.get("reference"), str):
            raise BankProtocolError("bank answered without a reference")
        return MerchantRegistration(body["reference"], str(body.get("status", "registered")))

    async def aclose(self) -> None:
        await self.client.aclose()
