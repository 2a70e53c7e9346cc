from __future__ import annotations

import json
from pathlib import Path

import pytest

import qr
from qr.tlv import crc16, split

VECTORS = [json.loads(line) for line in (Path(__file__).parent / "data" / "vietqr-vectors.jsonl").open()]


def crc_reference(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


@pytest.mark.parametrize("text", ["", "123456789", "000201010211", "Thanh toan 50000 VND 6304"])
def test_crc_is_ccitt_false(text):
    assert crc16(text) == f"{crc_reference(text.encode()):04X}"
    assert len(crc16(text)) == 4 and crc16(text) == crc16(text).upper()


def test_crc_check_value():
    assert crc16("123456789") == "29B1"  # the catalogue check value of CRC-16/CCITT-FALSE


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_public_vectors(vector):
    expect = vector["expect"]
    if expect.get("error"):
        with pytest.raises(qr.QRFormatError):
            qr.parse(vector["payload"])
        return
    parsed = qr.parse(vector["payload"])
    for key, value in expect.items():
        assert getattr(parsed, key) == value, key
    assert parsed.encode() == vector["payload"]  # canonical public payloads re-encode to themselves


def test_error_vectors_name_field_and_code():
    with pytest.raises(qr.QRFormatError) as crc:
        qr.parse(VECTORS[-2]["payload"])
    assert (crc.value.field, crc.value.code) == ("63", "qr_invalid_crc")
    with pytest.raises(qr.QRFormatError) as cut:
        qr.parse(VECTORS[-1]["payload"])
    assert (cut.value.field, cut.value.code) == ("38", "qr_truncated")


def test_split_nested_and_errors():
    assert split("000201010211") == [("00", "01"), ("01", "11")]
    with pytest.raises(qr.QRFormatError) as e:
        split("00AB01")
    assert e.value.code == "qr_malformed"
    with pytest.raises(qr.QRFormatError) as e:
        split("0005abc", "62")
    assert e.value.field == "62.00" and e.value.code == "qr_truncated"


def test_lowercase_crc_and_out_of_order_are_tolerated_with_warnings():
    p = qr.build_vietqr("970436", "0011001234567", amount=50000)
    lower = p[:-4] + p[-4:].lower()
    assert p[-4:] != lower[-4:] or p[-4:].isdigit()
    parsed = qr.parse(lower)
    assert parsed.account == "0011001234567"
    if p[-4:] != lower[-4:]:
        assert "63: lowercase CRC" in parsed.warnings
    # move 58 before 53 and recompute the CRC: same meaning, one warning
    fields = dict(qr.parse(p).fields)
    reordered = {k: fields[k] for k in ("00", "01", "38", "58", "53", "54")}
    swapped = qr.encode(reordered)
    got = qr.parse(swapped)
    assert (got.bank_bin, got.account, got.amount) == ("970436", "0011001234567", 50000)
    assert "fields out of ascending tag order" in got.warnings


def test_decimal_amount_and_initiation_mismatch():
    fields = dict(qr.parse(qr.build_vietqr("970436", "123", amount=50000)).fields)
    fields["54"] = "50000.00"
    got = qr.parse(qr.encode(fields))
    assert got.amount == 50000 and any(w.startswith("54:") for w in got.warnings)
    fields["54"] = "50000.5"
    with pytest.raises(qr.QRFormatError) as e:
        qr.parse(qr.encode(fields))
    assert e.value.field == "54"


def test_other_tag26_scheme_is_not_vnpay():
    other = qr.encode({"00": "01", "01": "11", "26": {"00": "A000000999", "01": "12345"}, "53": "704", "58": "VN"})
    assert qr.parse(other).scheme == "other"
    vn = qr.encode(
        {"00": "01", "01": "11", "26": {"00": "A000000775", "01": "0102154778"}, "53": "704", "58": "VN", "59": "SHOP"}
    )
    assert qr.parse(vn).scheme == "vnpay"


def test_missing_account_is_error():
    broken = qr.encode({"00": "01", "01": "11", "38": {"00": "A000000727", "01": "0006970436", "02": "QRIBFTTA"}})
    with pytest.raises(qr.QRFormatError) as e:
        qr.parse(broken)
    assert e.value.field == "38.01.01" and e.value.code == "qr_missing_field"


def test_parse_rejects_garbage():
    for bad in ("", "   ", "hello", "000201", "0002010102116304ABCD"):
        with pytest.raises(qr.QRFormatError):
            qr.parse(bad)
