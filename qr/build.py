"""Builders for static and dynamic VietQR (NAPAS, tag 38) and VNPAY-QR (tag 26) payloads.

Fields come out in ascending tag order, 00 first and 63 last, exactly as the widely used vietnam-qr-pay
library writes them. Text fields are made ASCII (diacritics stripped); a text that is still too long after
that is refused (QRFormatError naming the tag), never cut silently. Pass `changes=[]` to receive the list of
what was altered in the texts (e.g. "62.08: diacritics removed").
"""

from __future__ import annotations

import logging
import re
from typing import Literal

from qr import banks
from qr.errors import QRFormatError, QRMissingFieldError
from qr.text import is_payload_text, to_payload_text
from qr.tlv import crc16, field

log = logging.getLogger("qr")

VIETQR_GUID = "A000000727"
VNPAY_GUID = "A000000775"
_VIETQR_MAI, _VNPAY_GUID = field("00", VIETQR_GUID), field("00", VNPAY_GUID)
SERVICE_CODES = {"account": "QRIBFTTA", "card": "QRIBFTTC"}
LIMITS = {"59": 25, "60": 15, "62": 25}
_BIN = re.compile(r"[0-9]{6}")
_ACCOUNT = re.compile(r"[A-Za-z0-9]{1,19}")
_MCC = re.compile(r"[0-9]{4}")
# the fixed fields, written once through the one TLV writer
_FORMAT = field("00", "01")
_STATIC, _DYNAMIC = field("01", "11"), field("01", "12")
_VND, _VN = field("53", "704"), field("58", "VN")
_CRC_HEADER = "6304"  # tag 63, length 4: the CRC itself is computed over everything up to here


def _amount(amount: int | None) -> str | None:
    if amount is None:
        return None
    if type(amount) is not int:  # bool is an int subclass, and True VND is no amount
        raise QRFormatError("54", "amount must be a whole number of VND")
    if amount <= 0:
        raise QRFormatError("54", "amount must be positive")
    text = str(amount)
    if len(text) > 13:
        raise QRFormatError("54", "amount has more than 13 digits")
    return text


def _text(value: str | None, tag: str, changes: list[str] | None) -> str | None:
    if value is None:
        return None
    limit = LIMITS[tag[:2]]
    if not isinstance(value, str):
        raise QRFormatError(tag, "must be text")
    if len(value) <= limit and is_payload_text(value) and value[:1] != " " and value[-1:] != " " and "  " not in value:
        return value or None
    result = to_payload_text(value)
    if len(result.text) > limit:
        raise QRFormatError(tag, f"longer than {limit} characters (after removing diacritics)")
    if result.changes:
        log.info("qr text %s changed: %s", tag, "; ".join(result.changes))
        if changes is not None:
            changes.extend(f"{tag}: {c}" for c in result.changes)
    return result.text or None


def _additional(
    bill: str | None, store: str | None, terminal: str | None, purpose: str | None, changes: list[str] | None
) -> str:
    parts = []
    for sub, value in (("01", bill), ("03", store), ("07", terminal), ("08", purpose)):
        if value is None:
            continue
        text = _text(value, f"62.{sub}", changes)
        if text:
            parts.append(field(sub, text))
    return field("62", "".join(parts)) if parts else ""


def _finish(parts: list[str]) -> str:
    body = "".join(parts) + _CRC_HEADER
    return body + crc16(body)


def build_vietqr(
    bank_bin: str,
    account: str,
    *,
    amount: int | None = None,
    purpose: str | None = None,
    service: Literal["account", "card"] = "account",
    merchant_name: str | None = None,
    merchant_city: str | None = None,
    bill_number: str | None = None,
    store_label: str | None = None,
    terminal_label: str | None = None,
    changes: list[str] | None = None,
) -> str:
    """A VietQR payload: static (tag 01 = 11) without an amount, dynamic (12) with one."""
    if not isinstance(bank_bin, str) or not _BIN.fullmatch(bank_bin):
        raise QRFormatError("38.01.00", "bank BIN must be 6 digits")
    if bank_bin not in banks.known_bins():
        log.warning("BIN %s is not in the bank registry", bank_bin)
    if not isinstance(account, str) or not _ACCOUNT.fullmatch(account):
        raise QRFormatError("38.01.01", "account must be 1-19 letters or digits")
    code = SERVICE_CODES.get(service)
    if code is None:
        raise QRFormatError("38.02", "service must be 'account' or 'card'")
    consumer = field("00", bank_bin) + field("01", account)
    mai = _VIETQR_MAI + field("01", consumer) + field("02", code)
    amt = _amount(amount)
    parts = [_FORMAT, _DYNAMIC if amt else _STATIC, field("38", mai), _VND]
    if amt:
        parts.append(field("54", amt))
    parts.append(_VN)
    name = _text(merchant_name, "59", changes)
    if name:
        parts.append(field("59", name))
    city = _text(merchant_city, "60", changes)
    if city:
        parts.append(field("60", city))
    parts.append(_additional(bill_number, store_label, terminal_label, purpose, changes))
    return _finish(parts)


def build_vnpay(
    merchant_id: str,
    *,
    merchant_name: str,
    merchant_city: str | None = None,
    mcc: str | None = None,
    store_label: str | None = None,
    terminal_label: str | None = None,
    amount: int | None = None,
    purpose: str | None = None,
    bill_number: str | None = None,
    changes: list[str] | None = None,
) -> str:
    """A VNPAY-QR payload for the merchant (and terminal) VNPAY assigned to the shop."""
    if not isinstance(merchant_id, str) or not _ACCOUNT.fullmatch(merchant_id):
        raise QRFormatError("26.01", "VNPAY merchant id must be 1-19 letters or digits")
    if mcc is not None and not _MCC.fullmatch(mcc):
        raise QRFormatError("52", "merchant category code must be 4 digits")
    name = _text(merchant_name, "59", changes)
    if not name:
        raise QRMissingFieldError("59", "merchant name is required for VNPAY-QR")
    amt = _amount(amount)
    parts = [_FORMAT, _DYNAMIC if amt else _STATIC, field("26", _VNPAY_GUID + field("01", merchant_id))]
    if mcc:
        parts.append(field("52", mcc))
    parts.append(_VND)
    if amt:
        parts.append(field("54", amt))
    parts.append(_VN)
    parts.append(field("59", name))
    city = _text(merchant_city, "60", changes)
    if city:
        parts.append(field("60", city))
    parts.append(_additional(bill_number, store_label, terminal_label, purpose, changes))
    return _finish(parts)
