"""Decode a VietQR / VNPAY-QR payload into its meaning, strictly where money is at stake.

A CRC mismatch, a truncated or malformed field, or a missing account is always an error. Deviations real apps
make while the meaning stays certain (fields out of order, lowercase CRC, initiation 12 without an amount,
"50000.00") are accepted and listed in `warnings`. The scheme is chosen by the GUID inside a merchant account
template (tags 26-51), never by the tag number.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from qr.build import VIETQR_GUID, VNPAY_GUID
from qr.errors import QRFormatError
from qr.tlv import TEMPLATE_TAGS, FieldTree, crc16, encode, split

MERCHANT_ACCOUNT_TAGS = frozenset(f"{i:02d}" for i in range(26, 52))


class PaymentQR(NamedTuple):
    """Immutable; a NamedTuple because parse() builds one per call and tuple construction is cheapest."""

    scheme: str
    initiation: str
    bank_bin: str | None = None
    account: str | None = None
    service_code: str | None = None
    merchant_id: str | None = None
    amount: int | None = None
    purpose: str | None = None
    bill_number: str | None = None
    store_label: str | None = None
    terminal_label: str | None = None
    reference_label: str | None = None
    merchant_name: str | None = None
    merchant_city: str | None = None
    mcc: str | None = None
    currency: str | None = None
    country: str | None = None
    fields: FieldTree = {}  # noqa: RUF012 - NamedTuple default, never mutated
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return self._asdict() | {"warnings": list(self.warnings)}

    def encode(self) -> str:
        """The payload again from `fields`, CRC recomputed (identity for canonical payloads)."""
        return encode(self.fields)


def _flat(data: str, path: str) -> dict[str, str]:
    pairs = split(data, path)
    out = dict(pairs)
    if len(out) != len(pairs):
        raise QRFormatError(path, "a field appears twice", "qr_malformed")
    return out


def _tree(data: str) -> FieldTree:
    tree: FieldTree = {}
    for tag, value in split(data):
        if tag in tree:
            raise QRFormatError(tag, "field appears twice", "qr_malformed")
        tree[tag] = _flat(value, tag) if tag in TEMPLATE_TAGS else value
    return tree


def _amount(raw: str | None, warnings: list[str]) -> int | None:
    if raw is None:
        return None
    whole, dot, frac = raw.partition(".")
    if not whole.isdigit() or not whole.isascii() or (dot and (frac.strip("0") or not frac.isdigit())):
        raise QRFormatError("54", f"amount {raw!r} is not a whole number of VND")
    if dot:
        warnings.append(f"54: amount written with decimals ({raw})")
    value = int(whole)
    if value <= 0:
        raise QRFormatError("54", "amount must be positive")
    return value


def parse(payload: str) -> PaymentQR:
    if not isinstance(payload, str):
        raise QRFormatError("payload", "must be text", "qr_malformed")
    payload = payload.strip()
    if not payload:
        raise QRFormatError("payload", "empty", "qr_missing_field")
    tree = _tree(payload)
    order = list(tree)  # dicts keep insertion order: the order the fields were written in
    warnings: list[str] = []
    if order[-1] != "63" or len(str(tree.get("63", ""))) != 4:
        raise QRFormatError("63", "CRC (tag 63, 4 characters) must be the last field", "qr_missing_field")
    crc_given = str(tree["63"])
    expected = crc16(payload[:-4])
    if crc_given.upper() != expected:
        raise QRFormatError("63", f"crc mismatch: expected {expected} got {crc_given}", "qr_invalid_crc")
    if crc_given != expected:
        warnings.append("63: lowercase CRC")
    if order[0] != "00":
        warnings.append("00: payload format indicator is not the first field")
    body = order[:-1]
    if body != sorted(body):
        warnings.append("fields out of ascending tag order")
    if tree.get("00") != "01":
        raise QRFormatError("00", "payload format indicator must be 01", "qr_missing_field")
    init_raw = tree.get("01")
    if init_raw not in ("11", "12"):
        raise QRFormatError("01", "point of initiation must be 11 (static) or 12 (dynamic)", "qr_missing_field")
    scheme, bank_bin, account, service, merchant_id = "other", None, None, None, None
    for tag in [t for t in tree if t in MERCHANT_ACCOUNT_TAGS]:
        mai = tree[tag]
        assert isinstance(mai, dict)
        guid = str(mai.get("00", "")).upper()
        if guid == VIETQR_GUID:
            consumer = _tree_of(mai.get("01"), f"{tag}.01")
            bank_bin, account = consumer.get("00"), consumer.get("01")
            if not bank_bin or not account:
                missing = "00" if not bank_bin else "01"
                raise QRFormatError(f"{tag}.01.{missing}", "bank BIN and account are required", "qr_missing_field")
            if not (bank_bin.isdigit() and len(bank_bin) == 6):
                raise QRFormatError(f"{tag}.01.00", "bank BIN must be 6 digits")
            service = str(mai["02"]) if isinstance(mai.get("02"), str) else None
            if service not in ("QRIBFTTA", "QRIBFTTC"):
                warnings.append(f"{tag}.02: unexpected service code {service!r}")
            if tag != "38":
                warnings.append(f"{tag}: VietQR outside tag 38")
            scheme = "vietqr"
            break
        if guid == VNPAY_GUID:
            merchant_id = mai.get("01") if isinstance(mai.get("01"), str) else None
            if not merchant_id:
                raise QRFormatError(f"{tag}.01", "VNPAY merchant id is required", "qr_missing_field")
            scheme = "vnpay"
            break
    get = tree.get
    amount = _amount(get("54"), warnings)  # type: ignore[arg-type]
    initiation = "static" if init_raw == "11" else "dynamic"
    if initiation == "dynamic" and amount is None:
        warnings.append("01: dynamic (12) without an amount")
    if initiation == "static" and amount is not None:
        warnings.append("01: static (11) with an amount")
    currency = get("53")
    if currency not in (None, "704"):
        warnings.append(f"53: currency {currency} is not VND (704)")
    # only templates (26-51, 62, 64, 80-99) hold dicts, so the plain tags read below are always text
    extra: dict = get("62") or {}  # type: ignore[assignment]
    xget = extra.get
    return PaymentQR(
        scheme,
        initiation,
        bank_bin,
        account,
        service,
        merchant_id,
        amount,
        xget("08") or None,
        xget("01") or None,
        xget("03") or None,
        xget("07") or None,
        xget("05") or None,
        get("59") or None,
        get("60") or None,
        get("52") or None,
        currency or None,
        get("58") or None,  # type: ignore[arg-type]
        tree,
        tuple(warnings),
    )


def _tree_of(value: object, path: str) -> dict[str, str]:
    if not isinstance(value, str):
        raise QRFormatError(path, "bank BIN and account are required", "qr_missing_field")
    return _flat(value, path)
