"""Banks are configuration: typed per-bank settings, an explicit adapter table, secrets that never show."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from app.core.config import Settings
from integrations import (
    HTTP_ADAPTERS,
    AccountRef,
    BankAdapter,
    BankRejected,
    BankSettings,
    QRRequest,
    build_registry,
    parse_legacy,
)
from integrations.napas import NapasVietQRAdapter
from integrations.sandbox import SandboxBankAdapter, run_sandbox_in_thread
from integrations.vnpay import VnpayAdapter

ENV_EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"
VCB = AccountRef("970436", "0011001234567")
SECRET = "sk-test-6b1f0c2e9a"


def documented_bank_lines() -> dict[str, str]:
    """The bank settings `.env.example` shows as commented examples, exactly as written there."""
    found = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        m = re.fullmatch(r"#\s*(PHOQR_BANKS?_\w*)=(\S+)", line.strip())
        if m:
            found[m[1]] = m[2]
    return found


def test_env_example_bank_forms_parse(monkeypatch):
    lines = documented_bank_lines()
    assert "PHOQR_BANKS__970436__ADAPTER" in lines and "PHOQR_BANK_ADAPTERS" in lines
    # the whole file, as a newcomer copies it to .env, loads (the bank examples are commented out)
    assert Settings(_env_file=ENV_EXAMPLE).bank_configs == {}
    for name, value in lines.items():
        if name.startswith("PHOQR_BANKS__"):
            monkeypatch.setenv(name, value)
    banks = Settings(_env_file=None).bank_configs
    assert banks["970436"].adapter == "sandbox" and banks["970436"].base_url == "http://127.0.0.1:8900"
    assert banks["970436"].api_key is not None and banks["970436"].timeout_seconds == 10
    one_line = parse_legacy(lines["PHOQR_BANK_ADAPTERS"])
    assert one_line["970436"].base_url == "http://127.0.0.1:8900"


def test_one_line_forms_old_and_new():
    assert parse_legacy("970436=sandbox@http://127.0.0.1:8900, 970415=sandbox:https://bank.example/api/") == {
        "970436": BankSettings(adapter="sandbox", base_url="http://127.0.0.1:8900"),
        "970415": BankSettings(adapter="sandbox", base_url="https://bank.example/api"),
    }
    assert parse_legacy("") == {}
    for bad in (
        "970436",
        "97043=sandbox@http://x",
        "970436=sandbox",
        "970436=sandbox@ftp://x",
        "970436=pkg.m:C@http://x",
    ):
        with pytest.raises(ValueError):
            parse_legacy(bad)
    with pytest.raises(ValidationError):
        Settings(_env_file=None, bank_adapters="970436=sandbox")


def test_nested_environment_settings(monkeypatch):
    monkeypatch.setenv("PHOQR_BANKS__970436__ADAPTER", "sandbox")
    monkeypatch.setenv("PHOQR_BANKS__970436__BASE_URL", "https://api.vcb.example/")
    monkeypatch.setenv("PHOQR_BANKS__970436__API_KEY", SECRET)
    monkeypatch.setenv("PHOQR_BANKS__970436__TIMEOUT_SECONDS", "4.5")
    monkeypatch.setenv("PHOQR_BANK_ADAPTERS", "970436=sandbox@http://old.example,970415=sandbox@http://ctg.example")
    settings = Settings(_env_file=None)
    vcb = settings.bank_configs["970436"]  # the typed settings win over the one-line form for the same BIN
    assert (vcb.base_url, vcb.timeout_seconds, vcb.connect_timeout_seconds) == ("https://api.vcb.example", 4.5, 3.0)
    assert vcb.api_key is not None and vcb.api_key.get_secret_value() == SECRET
    assert settings.bank_configs["970415"].base_url == "http://ctg.example"
    for shown in (repr(settings), str(settings), repr(settings.bank_configs), settings.model_dump_json()):
        assert SECRET not in shown
    monkeypatch.setenv("PHOQR_BANKS__97043__ADAPTER", "sandbox")
    monkeypatch.setenv("PHOQR_BANKS__97043__BASE_URL", "http://x.example")
    with pytest.raises(ValidationError, match="6 digits"):
        Settings(_env_file=None)


def test_json_form_and_bad_values(monkeypatch):
    monkeypatch.setenv("PHOQR_BANKS", '{"970418": {"adapter": "sandbox", "base_url": "http://127.0.0.1:8902"}}')
    assert Settings(_env_file=None).bank_configs["970418"].adapter == "sandbox"
    for bad in (
        {"adapter": "sandbox", "base_url": "ftp://x"},
        {"adapter": "pkg.module:Class", "base_url": "http://x"},
        {"adapter": "sandbox", "base_url": "http://x", "timeout_seconds": 0},
        {"adapter": "sandbox", "base_url": "http://x", "password": "typo"},
    ):
        with pytest.raises(ValidationError):
            BankSettings.model_validate(bad)


def test_registry_is_an_explicit_table():
    assert set(HTTP_ADAPTERS) == {"sandbox"}
    with pytest.raises(ValueError, match="unknown bank adapter 'acme'"):
        build_registry({"970436": BankSettings(adapter="acme", base_url="http://127.0.0.1:1")})

    class AcmeBank(SandboxBankAdapter):
        name = "acme"

    registry = build_registry(
        {"970436": {"adapter": "acme", "base_url": "http://127.0.0.1:1"}}, adapters={"acme": AcmeBank}
    )
    assert registry.for_bin("970436").name == "acme" and registry.for_bin("970415").name == "napas-vietqr"
    assert registry.http_bins == {"970436"}


def test_shipped_adapters_satisfy_the_protocol():
    client = httpx.AsyncClient(base_url="http://127.0.0.1:1")
    for adapter in (NapasVietQRAdapter(), VnpayAdapter(), SandboxBankAdapter(client)):
        assert isinstance(adapter, BankAdapter)
        assert adapter.scheme in ("vietqr", "vnpay")


async def test_settings_reach_the_bank_and_the_key_is_never_logged(caplog):
    caplog.set_level(logging.DEBUG)
    bank = {"adapter": "sandbox", "api_key": SECRET, "timeout_seconds": 5}
    with run_sandbox_in_thread(api_key=SECRET) as url:
        registry = build_registry({"970436": bank | {"base_url": url}})
        adapter = registry.for_account(VCB)
        assert (await adapter.verify_account(VCB)).account_name == "NGUYEN THI HUONG"
        issued = await adapter.issue_qr(QRRequest("vietqr", "Tạp hóa Hương", account=VCB))
        assert issued.adapter == "sandbox"
        wrong = build_registry({"970436": bank | {"base_url": url, "api_key": "not-the-key"}})
        with pytest.raises(BankRejected) as e:
            await wrong.for_account(VCB).verify_account(VCB)
        assert e.value.bank_code == "UNAUTHORIZED"
        keyless = build_registry({"970436": {"adapter": "sandbox", "base_url": url}})
        with pytest.raises(BankRejected):
            await keyless.for_account(VCB).verify_account(VCB)
        shown = [repr(registry), repr(adapter), repr(getattr(adapter, "client", None))]
        for registry_ in (registry, wrong, keyless):
            await registry_.aclose()
    assert caplog.records  # httpx logged the calls ...
    assert SECRET not in caplog.text and all(SECRET not in s for s in shown)  # ... and never the key


async def test_timeouts_come_from_settings():
    seen: list[dict[str, float | None]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(200, json={"exists": True, "account_name": "NGUYEN THI HUONG"})

    registry = build_registry(
        {"970436": {"adapter": "sandbox", "base_url": "http://bank.test", "timeout_seconds": 2.5}},
        transport=httpx.MockTransport(handler),
    )
    await registry.for_account(VCB).verify_account(VCB)
    assert seen == [{"connect": 3.0, "read": 2.5, "write": 2.5, "pool": 3.0}]
    await registry.aclose()
