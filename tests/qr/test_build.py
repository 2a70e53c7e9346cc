from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vietnam_qr_pay import QRPay
from vietnam_qr_pay.constants import VietQRService

import qr

README_EXAMPLE = (
    "00020101021238570010A00000072701270006970436011300110012345670208QRIBFTTA53037045405500005802VN"
    "62140810thanh toan6304BDA4"
)


def peer_vietqr(bin_, account, amount=None, purpose=None, card=False):
    service = VietQRService.BY_CARD_NUMBER if card else VietQRService.BY_ACCOUNT_NUMBER
    return QRPay.init_viet_qr(bin_, account, str(amount) if amount else None, purpose, service).build()


def test_issue_example_byte_identical():
    assert qr.build_vietqr("970436", "0011001234567", amount=50000, purpose="thanh toan") == README_EXAMPLE
    assert peer_vietqr("970436", "0011001234567", 50000, "thanh toan") == README_EXAMPLE


def test_static_vs_dynamic():
    static = qr.parse(qr.build_vietqr("970416", "257678859"))
    assert static.initiation == "static" and static.amount is None and "54" not in static.fields
    dynamic = qr.parse(qr.build_vietqr("970416", "257678859", amount=10000))
    assert dynamic.initiation == "dynamic" and dynamic.amount == 10000


accounts = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=1, max_size=19)
bins = st.sampled_from([b.bin for b in qr.banks.all()])
amounts = st.none() | st.integers(min_value=1, max_value=10**13 - 1)
purposes = st.none() | st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC0123456789 ", min_size=1, max_size=25).filter(
    lambda s: s == s.strip() and "  " not in s and s
)


@settings(max_examples=150, deadline=None)
@given(bins, accounts, amounts, purposes, st.booleans())
def test_identical_to_vietnam_qr_pay(bin_, account, amount, purpose, card):
    ours = qr.build_vietqr(bin_, account, amount=amount, purpose=purpose, service="card" if card else "account")
    assert ours == peer_vietqr(bin_, account, amount, purpose, card)


@settings(max_examples=150, deadline=None)
@given(bins, accounts, amounts, purposes, st.booleans())
def test_build_then_parse_returns_inputs(bin_, account, amount, purpose, card):
    payload = qr.build_vietqr(bin_, account, amount=amount, purpose=purpose, service="card" if card else "account")
    p = qr.parse(payload)
    assert (p.scheme, p.bank_bin, p.account, p.amount, p.purpose) == ("vietqr", bin_, account, amount, purpose)
    assert p.service_code == ("QRIBFTTC" if card else "QRIBFTTA")
    assert p.warnings == ()
    assert p.encode() == payload


labels = st.none() | st.text(alphabet="ABCDEFGHIJ0123456789 ", min_size=1, max_size=25).filter(
    lambda s: s == s.strip() and "  " not in s
)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="0123456789", min_size=8, max_size=12), labels.filter(bool), labels, labels, amounts)
def test_vnpay_round_trip(mid, name, store, terminal, amount):
    payload = qr.build_vnpay(mid, merchant_name=name, store_label=store, terminal_label=terminal, amount=amount)
    p = qr.parse(payload)
    assert (p.scheme, p.merchant_id, p.merchant_name, p.store_label, p.terminal_label, p.amount) == (
        "vnpay",
        mid,
        name,
        store,
        terminal,
        amount,
    )


def test_vnpay_matches_public_vectors():
    assert qr.build_vnpay(
        "0102154778", merchant_name="TUGIACOMPANY", store_label="TU GIA COMPUTER", terminal_label="TUGIACO1"
    ).endswith("6304DF44")
    assert qr.build_vnpay(
        "0108799042",
        merchant_name="MYPHAMHER",
        merchant_city="HANOI",
        mcc="5977",
        store_label="MY PHAM HER",
        terminal_label="MPHER01",
    ).endswith("63041C50")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"bank_bin": "97043", "account": "1"}, "38.01.00"),
        ({"bank_bin": "97043a", "account": "1"}, "38.01.00"),
        ({"bank_bin": "970436", "account": ""}, "38.01.01"),
        ({"bank_bin": "970436", "account": "1" * 20}, "38.01.01"),
        ({"bank_bin": "970436", "account": "12 34"}, "38.01.01"),
        ({"bank_bin": "970436", "account": "1", "amount": 0}, "54"),
        ({"bank_bin": "970436", "account": "1", "amount": -5}, "54"),
        ({"bank_bin": "970436", "account": "1", "amount": 10**13}, "54"),
        ({"bank_bin": "970436", "account": "1", "amount": 10.5}, "54"),
        ({"bank_bin": "970436", "account": "1", "amount": True}, "54"),
        ({"bank_bin": "970436", "account": "1", "purpose": "x" * 26}, "62.08"),
        ({"bank_bin": "970436", "account": "1", "merchant_name": "x" * 26}, "59"),
        ({"bank_bin": "970436", "account": "1", "merchant_city": "x" * 16}, "60"),
        ({"bank_bin": "970436", "account": "1", "service": "wallet"}, "38.02"),
    ],
)
def test_builder_rejects_with_field(kwargs, field):
    args = (kwargs.pop("bank_bin"), kwargs.pop("account"))
    with pytest.raises(qr.QRFormatError) as e:
        qr.build_vietqr(*args, **kwargs)
    assert e.value.field == field
    assert isinstance(e.value, ValueError)


def test_vietnamese_text_is_stripped_and_reported():
    changes: list[str] = []
    payload = qr.build_vietqr("970436", "1", purpose="Thanh toán đơn hàng Đức", changes=changes)
    assert qr.parse(payload).purpose == "Thanh toan don hang Duc"
    assert changes == ["62.08: diacritics removed"]
    result = qr.to_payload_text("Cà phê  Biển Xanh ☕ số 1", max_len=14)
    assert result.text == "Ca phe Bien"
    assert "diacritics removed" in result.changes and any("shortened" in c for c in result.changes)
    assert qr.to_payload_text("plain text").changes == ()


def test_unknown_bin_is_only_a_warning(caplog):
    payload = qr.build_vietqr("999999", "123")
    assert qr.parse(payload).bank_bin == "999999"
    assert "999999" in caplog.text


def test_banks_registry():
    vcb = qr.banks.by_bin("970436")
    assert vcb.short_name == "VCB" and vcb.swift == "BFTVVNVX"
    assert qr.banks.by_short_name("vcb") == vcb
    assert qr.banks.by_short_name("DongA Bank").name == "Vikki Bank"
    assert qr.banks.by_short_name("OCEANBANK").short_name == "MBV"
    assert qr.banks.by_short_name("LienVietPostBank").name == "LPBank"
    assert qr.banks.by_bin("000000") is None
    assert len({b.bin for b in qr.banks.all()}) == len(qr.banks.all())
