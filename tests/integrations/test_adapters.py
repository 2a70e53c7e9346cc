from __future__ import annotations

import httpx
import pytest

import qr
from integrations import (
    AccountNotFound,
    AccountRef,
    BankProtocolError,
    BankRejected,
    BankUnavailable,
    CapabilityNotSupported,
    InvalidQRRequest,
    QRRequest,
    VnpayRef,
    build_registry,
    make_client,
)
from integrations.sandbox import SandboxBankAdapter, run_sandbox_in_thread

VCB = AccountRef("970436", "0011001234567", account_name="NGUYEN THI HUONG")


def vietqr(account=VCB, **kw):
    return QRRequest("vietqr", "Tạp hóa Hương", account=account, **kw)


async def test_offline_adapters_round_trip():
    registry = build_registry()
    issued = await registry.for_request(vietqr()).issue_qr(vietqr())
    p = qr.parse(issued.payload)
    assert (issued.adapter, p.scheme, p.bank_bin, p.account, p.service_code) == (
        "napas-vietqr",
        "vietqr",
        "970436",
        "0011001234567",
        "QRIBFTTA",
    )
    card = vietqr(AccountRef("970436", "9704368625581601018", kind="card"))
    assert qr.parse((await registry.for_request(card).issue_qr(card)).payload).service_code == "QRIBFTTC"
    vn = QRRequest("vnpay", "Mỹ phẩm Hér", vnpay=VnpayRef("0108799042", "MPHER01"), merchant_city="VUNG TAU")
    issued = await registry.for_request(vn).issue_qr(vn)
    p = qr.parse(issued.payload)
    assert (p.scheme, p.merchant_id, p.terminal_label, p.merchant_name) == (
        "vnpay",
        "0108799042",
        "MPHER01",
        "MY PHAM HER",
    )
    assert issued.notes == ("59: diacritics removed",)
    await registry.aclose()


async def test_bad_requests_name_the_field():
    registry = build_registry()
    with pytest.raises(InvalidQRRequest) as e:
        await registry.for_scheme("vietqr").issue_qr(vietqr(AccountRef("97043", "1")))
    assert e.value.field == "38.01.00"
    with pytest.raises(InvalidQRRequest) as e:
        await registry.for_scheme("vnpay").issue_qr(QRRequest("vnpay", "X"))
    assert e.value.field == "vnpay.merchant_id"
    with pytest.raises(CapabilityNotSupported):
        registry.for_scheme("momo")
    with pytest.raises(CapabilityNotSupported):
        await registry.for_scheme("vietqr").verify_account(VCB)


async def test_registry_routes_a_bin_to_its_http_bank():
    with run_sandbox_in_thread() as url:
        registry = build_registry(f"970436=sandbox@{url}")
        assert registry.for_request(vietqr()).name == "sandbox"
        other = vietqr(AccountRef("970415", "101874521133"))
        assert registry.for_request(other).name == "napas-vietqr"
        issued = await registry.for_request(vietqr()).issue_qr(vietqr())
        assert issued.adapter == "sandbox" and issued.account_name == "NGUYEN THI HUONG"
        assert qr.parse(issued.payload).account == "0011001234567"
        adapter = registry.for_request(vietqr())
        assert (await adapter.verify_account(VCB)).account_name == "NGUYEN THI HUONG"
        with pytest.raises(AccountNotFound):
            await adapter.verify_account(AccountRef("970436", "404404"))
        first = await adapter.register_merchant(vietqr(), merchant_id="m-1")
        again = await adapter.register_merchant(vietqr(), merchant_id="m-1")
        assert first.reference == again.reference  # idempotent at the bank too
        await registry.aclose()


async def test_real_server_failure_modes():
    with run_sandbox_in_thread(slow_seconds=1.0) as url:

        def adapter(mode, timeout=httpx.Timeout(0.3)):
            return SandboxBankAdapter(make_client(url, timeout=timeout, headers={"X-Sandbox-Fail": mode}))

        with pytest.raises(BankUnavailable) as e:
            await adapter("slow").issue_qr(vietqr())
        assert e.value.retryable
        with pytest.raises(BankUnavailable):
            await adapter("503").issue_qr(vietqr())
        with pytest.raises(BankProtocolError):
            await adapter("garbage").issue_qr(vietqr())
        with pytest.raises(BankProtocolError, match="another account"):
            await adapter("other-account").issue_qr(vietqr())


async def test_mock_transport_errors():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/qr":
            return httpx.Response(400, json={"code": "LIMIT", "message": "daily limit"})
        raise httpx.ConnectError("refused", request=request)

    adapter = SandboxBankAdapter(make_client("http://bank.test", transport=httpx.MockTransport(handler)))
    with pytest.raises(BankRejected) as e:
        await adapter.issue_qr(vietqr())
    assert e.value.bank_code == "LIMIT" and not e.value.retryable
    with pytest.raises(BankUnavailable):
        await adapter.verify_account(VCB)
    await adapter.aclose()
