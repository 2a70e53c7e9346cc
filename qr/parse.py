"""Decode a VietQR / VNPAY-QR payload into its meaning, strictly where money is at stake.

A CRC mismatch, a truncated or malformed field, or a missing account is always an error. Deviations real apps
make while the meaning stays certain are accepted and listed in `warnings`, each naming the field it is about:
fields out of order, a lowercase CRC, initiation 12 without an amount, "50000.00", a payload format indicator
other than 01, a plain value in an unreserved template (80-99), and Vietnamese text whose lengths were counted
in UTF-8 bytes rather than characters. The scheme is chosen by the GUID inside a merchant account template
(tags 26-51), never by the tag number.
"""

from __future__ import annotations

from typing import Any, AnyStr, Literal, NamedTuple

from qr.build import VIETQR_GUID, VNPAY_GUID
from qr.errors import (
    QRChecksumError,
    QRFormatError,
    QRMalformedError,
    QRMissingFieldError,
)
from qr.tlv import RESERVED_TEMPLATE_TAGS, TEMPLATE_TAGS, FieldTree, crc16, encode, split

Scheme = Literal["vietqr", "vnpay", "other"]
Initiation = Literal["static", "dynamic"]
MERCHANT_ACCOUNT_TAGS = frozenset(f"{i:02d}" for i in range(26, 52))


class PaymentQR(NamedTuple):
    """Immutable; a NamedTuple because parse() builds one per call and tuple construction is cheapest."""

    scheme: Scheme
    initiation: Initiation
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


def _leaf(value: AnyStr, path: str, warnings: list[str]) -> str:
    if isinstance(value, str):
        return value
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QRMalformedError(path, "not UTF-8 text") from exc
    if len(text) != len(value):
        warnings.append(f"{path}: length counted in UTF-8 bytes ({len(value)}), not characters ({len(text)})")
    return text


def _flat(data: AnyStr, path: str, warnings: list[str]) -> dict[str, str]:
    pairs = split(data, path)
    out: dict[str, str]
    if isinstance(data, str):
        out = dict(pairs)
    else:
        out = {tag: _leaf(value, f"{path}.{tag}", warnings) for tag, value in pairs}
    if len(out) != len(pairs):
        raise QRMalformedError(path, "a field appears twice")
    return out


def _tree(data: AnyStr, warnings: list[str]) -> FieldTree:
    tree: FieldTree = {}
    for tag, value in split(data):
        if tag in tree:
            raise QRMalformedError(tag, "field appears twice")
        if tag not in TEMPLATE_TAGS:
            tree[tag] = value if isinstance(value, str) else _leaf(value, tag, warnings)
        elif tag in RESERVED_TEMPLATE_TAGS:
            tree[tag] = _flat(value, tag, warnings)  # type: ignore[assignment]  # a flat dict is a FieldTree
        else:  # unreserved (80-99)
            inner: list[str] = []
            try:
                tree[tag] = _flat(value, tag, inner)  # type: ignore[assignment]  # a flat dict is a FieldTree
            except QRFormatError:  # payment meaning never depends on 80-99: keep the value as it is
                tree[tag] = _leaf(value, tag, warnings)
                warnings.append(f"{tag}: plain value in an unreserved template tag (not TLV), kept as text")
            else:
                warnings.extend(inner)
    return tree


def _reread(payload: str, tree: FieldTree | None, warnings: list[str]) -> tuple[FieldTree, list[str]]:
    """A non-ASCII payload read again with lengths in UTF-8 bytes. `tree` is the reading by characters (None when
    that failed): where only one reading fits, it is the one; where both fit and differ, the meaning is uncertain.
    Raises QRFormatError when neither fits (the caller then reports the reading by characters)."""
    byte_warnings: list[str] = []
    try:
        byte_tree = _tree(payload.encode(), byte_warnings)
    except QRFormatError:
        if tree is None:
            raise
        return tree, warnings
    if tree is None:
        return byte_tree, byte_warnings
    if byte_tree != tree:  # both readings are whole payloads that say different things
        raise QRMalformedError("payload", "lengths fit both characters and UTF-8 bytes: meaning is uncertain")
    return tree, warnings


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
    """What a scanned payload means: who is paid, how much, and every field as written.

    Raises a `QRFormatError` subclass naming the field when the meaning is not certain (`QRChecksumError`,
    `QRTruncatedError`, `QRMalformedError`, `QRMissingFieldError`); tolerated deviations are in `warnings`.

    >>> p = parse("00020101021138570010A00000072701270006970436011300110012345670208QRIBFTTA"
    ...           "53037045802VN62140810thanh toan63049060")
    >>> (p.scheme, p.initiation, p.bank_bin, p.account, p.purpose, p.warnings)
    ('vietqr', 'static', '970436', '0011001234567', 'thanh toan', ())

    A VNPAY-QR is recognised by its GUID, whatever merchant account tag carries it:

    >>> parse("00020101021126280010A0000007750110010215477853037045802VN5912TUGIACOMPANY6304F257").merchant_id
    '0102154778'

    Deviations whose meaning is certain parse, each with a warning naming the field:

    >>> parse("00020201021138570010A00000072701270006970436011300110012345670208QRIBFTTA"
    ...       "53037045802VN6304FFCA").warnings
    ("00: payload format indicator is '02', not 01",)

    A damaged payload never does:

    >>> parse("00020201021138570010A00000072701270006970436011300110012345670208QRIBFTTA"
    ...       "53037045802VN6304FFCB")
    Traceback (most recent call last):
    ...
    qr.errors.QRChecksumError: 63: crc mismatch: expected FFCA got FFCB
    """
    if not isinstance(payload, str):
        raise QRMalformedError("payload", "must be text")
    payload = payload.strip()
    if not payload:
        raise QRMissingFieldError("payload", "empty")
    # lengths count characters (EMVCo); a non-ASCII payload that only fits counted in UTF-8 bytes is read so
    warnings: list[str] = []
    try:
        tree = _tree(payload, warnings)
    except QRFormatError as exc:
        if payload.isascii():
            raise
        try:
            tree, warnings = _reread(payload, None, [])
        except QRFormatError:
            raise exc from None
    else:
        if not payload.isascii():
            tree, warnings = _reread(payload, tree, warnings)
    order = list(tree)  # dicts keep insertion order: the order the fields were written in
    crc_given = tree.get("63")
    if order[-1] != "63" or not isinstance(crc_given, str) or len(crc_given) != 4:
        raise QRMissingFieldError("63", "CRC (tag 63, 4 characters) must be the last field")
    expected = crc16(payload[:-4])
    if crc_given.upper() != expected:
        raise QRChecksumError("63", f"crc mismatch: expected {expected} got {crc_given}")
    if crc_given != expected:
        warnings.append("63: lowercase CRC")
    if order[0] != "00":
        warnings.append("00: payload format indicator is not the first field")
    body = order[:-1]
    if body != sorted(body):
        warnings.append("fields out of ascending tag order")
    # only templates (26-51, 62, 64, 80-99) can hold dicts, so the plain tags read through `text` are text
    text: dict[str, str] = tree  # type: ignore[assignment]  # read only at plain (non-template) tags
    pfi = text.get("00")
    if not pfi:
        raise QRMissingFieldError("00", "payload format indicator (tag 00) is required")
    if pfi != "01":
        warnings.append(f"00: payload format indicator is {pfi!r}, not 01")
    init_raw = text.get("01")
    if init_raw not in ("11", "12"):
        raise QRMissingFieldError("01", "point of initiation must be 11 (static) or 12 (dynamic)")
    scheme: Scheme = "other"
    bank_bin = account = service = merchant_id = None
    for tag, mai in tree.items():
        if tag not in MERCHANT_ACCOUNT_TAGS:
            continue
        assert isinstance(mai, dict)
        guid = str(mai.get("00", "")).upper()
        if guid == VIETQR_GUID:
            consumer = _consumer(mai.get("01"), f"{tag}.01", warnings)
            bank_bin, account = consumer.get("00"), consumer.get("01")
            if not bank_bin or not account:
                missing = "00" if not bank_bin else "01"
                raise QRMissingFieldError(f"{tag}.01.{missing}", "bank BIN and account are required")
            if not (bank_bin.isdigit() and len(bank_bin) == 6):
                raise QRFormatError(f"{tag}.01.00", "bank BIN must be 6 digits")
            service_raw = mai.get("02")
            service = service_raw if isinstance(service_raw, str) else None
            if service not in ("QRIBFTTA", "QRIBFTTC"):
                warnings.append(f"{tag}.02: unexpected service code {service!r}")
            if tag != "38":
                warnings.append(f"{tag}: VietQR outside tag 38")
            scheme = "vietqr"
            break
        if guid == VNPAY_GUID:
            mid = mai.get("01")
            merchant_id = mid if isinstance(mid, str) else None
            if not merchant_id:
                raise QRMissingFieldError(f"{tag}.01", "VNPAY merchant id is required")
            scheme = "vnpay"
            break
    get = text.get
    amount = _amount(get("54"), warnings)
    initiation: Initiation = "static" if init_raw == "11" else "dynamic"
    if initiation == "dynamic" and amount is None:
        warnings.append("01: dynamic (12) without an amount")
    if initiation == "static" and amount is not None:
        warnings.append("01: static (11) with an amount")
    currency = get("53")
    if currency not in (None, "704"):
        warnings.append(f"53: currency {currency} is not VND (704)")
    extra: dict[str, str] = tree.get("62") or {}  # type: ignore[assignment]  # 62 is a flat template
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
        get("58") or None,
        tree,
        tuple(warnings),
    )


def _consumer(value: object, path: str, warnings: list[str]) -> dict[str, str]:
    """The VietQR consumer template (38.01): BIN and account, itself TLV inside the merchant account template."""
    if not isinstance(value, str):
        raise QRMissingFieldError(path, "bank BIN and account are required")
    return _flat(value, path, warnings)


__all__ = ["Initiation", "PaymentQR", "Scheme", "parse"]
