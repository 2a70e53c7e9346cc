"""Real payloads whose meaning is certain but that bend EMVCo: each parses with a warning naming what was
tolerated, and the CRC is still always checked."""

from __future__ import annotations

import pytest

import qr
from qr.tlv import crc16

VCB = {"00": "A000000727", "01": {"00": "970436", "01": "0011001234567"}, "02": "QRIBFTTA"}


def byte_counted(tag: str, value: str) -> str:
    """A field as some apps write it: the length counts UTF-8 bytes, not characters."""
    return f"{tag}{len(value.encode()):02d}{value}"


def finish(body: str) -> str:
    body += "6304"
    return body + crc16(body)


def damaged(payload: str) -> str:
    """The same payload with a CRC that does not match it."""
    wrong = "0000" if payload[-4:] != "0000" else "1111"
    return payload[:-4] + wrong


def test_plain_value_in_unreserved_template_tag():
    payload = qr.encode({"00": "01", "01": "11", "38": VCB, "53": "704", "58": "VN", "80": "VCB-KIOSK#7 (quầy)"})
    p = qr.parse(payload)
    assert (p.scheme, p.bank_bin, p.account) == ("vietqr", "970436", "0011001234567")
    assert p.fields["80"] == "VCB-KIOSK#7 (quầy)"
    assert p.warnings == ("80: plain value in an unreserved template tag (not TLV), kept as text",)
    assert p.encode() == payload  # kept exactly as written
    with pytest.raises(qr.QRChecksumError):
        qr.parse(damaged(payload))


def test_tlv_in_unreserved_template_tag_needs_no_warning():
    payload = qr.encode({"00": "01", "01": "11", "38": VCB, "53": "704", "58": "VN", "85": {"00": "LOYALTY"}})
    p = qr.parse(payload)
    assert p.fields["85"] == {"00": "LOYALTY"} and p.warnings == ()


def test_reserved_templates_stay_strict():
    # tag 62 (additional data) is reserved TLV: a plain value there is refused, not guessed at
    payload = qr.encode({"00": "01", "01": "11", "38": VCB, "53": "704", "58": "VN", "62": "thanh toan"})
    with pytest.raises(qr.QRMalformedError) as e:
        qr.parse(payload)
    assert e.value.field.startswith("62")


def test_lengths_counted_in_utf8_bytes():
    consumer = "0006970436" + "01130011001234567"
    mai = "0010A000000727" + f"01{len(consumer):02d}{consumer}" + "0208QRIBFTTA"
    extra = byte_counted("08", "thanh toán tiền hàng")
    body = (
        "000201010211"
        + f"38{len(mai):02d}{mai}"
        + "5303704"
        + "5802VN"
        + byte_counted("59", "Tạp hóa Hương")
        + byte_counted("60", "Vũng Tàu")
        + byte_counted("62", extra)
    )
    payload = finish(body)
    with pytest.raises(qr.QRFormatError):  # read by characters, as EMVCo counts, it does not fit
        qr.tlv.split(payload)
    p = qr.parse(payload)
    assert (p.bank_bin, p.account) == ("970436", "0011001234567")
    assert (p.merchant_name, p.merchant_city, p.purpose) == ("Tạp hóa Hương", "Vũng Tàu", "thanh toán tiền hàng")
    assert p.warnings == (
        "59: length counted in UTF-8 bytes (18), not characters (13)",
        "60: length counted in UTF-8 bytes (10), not characters (8)",
        "62.08: length counted in UTF-8 bytes (24), not characters (20)",
    )
    with pytest.raises(qr.QRChecksumError):
        qr.parse(damaged(payload))


def test_character_counted_vietnamese_text_needs_no_warning():
    payload = qr.encode(
        {"00": "01", "01": "11", "38": VCB, "53": "704", "58": "VN", "59": "Tạp hóa Hương", "60": "Vũng Tàu"}
    )
    p = qr.parse(payload)
    assert (p.merchant_name, p.warnings) == ("Tạp hóa Hương", ())


def test_payload_format_indicator_other_than_01():
    payload = qr.encode({"00": "02", "01": "11", "38": VCB, "53": "704", "58": "VN"})
    p = qr.parse(payload)
    assert (p.scheme, p.account) == ("vietqr", "0011001234567")
    assert p.warnings == ("00: payload format indicator is '02', not 01",)
    with pytest.raises(qr.QRChecksumError) as e:
        qr.parse(damaged(payload))
    assert (e.value.field, e.value.code) == ("63", "qr_invalid_crc")
    without = qr.encode({"01": "11", "38": VCB, "53": "704", "58": "VN"})
    with pytest.raises(qr.QRMissingFieldError) as e:
        qr.parse(without)
    assert e.value.field == "00"


def test_all_three_deviations_at_once():
    mai = qr.tlv._encode_nested(VCB)
    body = "000203010211" + f"38{len(mai):02d}{mai}" + "5303704" + "5802VN" + byte_counted("59", "Cà phê Đá")
    body += "8011KIOSK-NO-07"
    p = qr.parse(finish(body))
    assert p.account == "0011001234567" and p.merchant_name == "Cà phê Đá"
    assert {w.split(":")[0] for w in p.warnings} == {"00", "59", "80"}


def test_error_subclasses_keep_their_codes():
    cases = {
        qr.QRChecksumError: "qr_invalid_crc",
        qr.QRTruncatedError: "qr_truncated",
        qr.QRMalformedError: "qr_malformed",
        qr.QRMissingFieldError: "qr_missing_field",
        qr.QRUnsupportedError: "qr_unsupported",
    }
    for cls, code in cases.items():
        err = cls("63", "x")
        assert isinstance(err, qr.QRFormatError) and isinstance(err, ValueError) and err.code == code
    truncated = qr.build_vietqr("970436", "0011001234567")[:40]
    with pytest.raises(qr.QRTruncatedError):
        qr.parse(truncated)


def test_one_writer_refuses_what_does_not_fit():
    assert qr.field("59", "SHOP") == "5904SHOP"
    with pytest.raises(qr.QRFormatError) as e:
        qr.field("62", "x" * 100)
    assert e.value.field == "62"
