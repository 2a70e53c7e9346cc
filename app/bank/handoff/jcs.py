"""RFC 8785 (JSON Canonicalization Scheme) for the values a bank record holds, fast enough for a million records.

The `rfc8785` package is the reference; tests check this encoder against it byte for byte on generated values.
For what a record holds, JCS and Python's own C JSON encoder (sorted keys, no spaces, UTF-8 as is) write the
same bytes, except for doubles: so integral doubles become integers, doubles Python and ECMAScript both write in
plain notation (1e-4 <= |x| < 1e16) pass through, and anything else (other doubles, non-BMP keys, integers
beyond 2**53, NaN, lone surrogates) is handed to the reference, which canonicalizes it or refuses it.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

_MAX_SAFE = 2**53 - 1
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":"))


class _Unsupported(Exception):
    pass


def _plain(v: Any) -> Any:
    """`v` with every double in a form both encoders write alike; _Unsupported when there is none."""
    t = type(v)
    if t is str or v is None or t is bool:
        return v
    if t is int:
        if abs(v) > _MAX_SAFE:
            raise _Unsupported
        return v
    if t is float:
        if v.is_integer():  # beyond 2**53 ECMAScript rounds the digits, Python does not: the reference decides
            if abs(v) <= _MAX_SAFE:
                return int(v)
            raise _Unsupported
        if 1e-4 <= abs(v) < 1e16:
            return v
        raise _Unsupported
    if t is dict:
        out = {}
        for k, x in v.items():
            # code-point order (Python) equals UTF-16 order (JCS) unless a key leaves the BMP
            if type(k) is not str or any(ord(c) > 0xFFFF for c in k):
                raise _Unsupported
            out[k] = _plain(x)
        return out
    if t is list or t is tuple:
        return [_plain(x) for x in v]
    raise _Unsupported


def dumps(value: Any) -> bytes:
    """The canonical UTF-8 bytes of `value`; equal to `rfc8785.dumps(value)`."""
    try:
        return _ENCODER.encode(_plain(value)).encode("utf-8")
    except (_Unsupported, UnicodeEncodeError, ValueError):
        return rfc8785.dumps(value)


_RECORD_KEYS = frozenset(
    (
        "merchant_id",
        "version",
        "name",
        "category",
        "owner_name",
        "phone",
        "address",
        "location",
        "payment_account",
        "qr",
        "status",
        "consent_id",
    )
)
# text-valued keys a record carries only when set (app.bank.records.HOUSEHOLD): no number to look at
_OPTIONAL_KEYS = frozenset(("tax_code", "business_registration_number", "einvoice_method"))


def dumps_record(body: dict[str, Any]) -> bytes:
    """`dumps` for a bank record without its hash, skipping the walk over values known to be text: only the
    numbers (version, street id, location) can differ between the encoders, so only they are looked at."""
    if not _RECORD_KEYS <= body.keys() <= _RECORD_KEYS | _OPTIONAL_KEYS:
        return dumps(body)
    try:
        fast = dict(body)
        fast["version"] = _plain(body["version"])
        address = body["address"]
        if address is not None and address.get("street_id") is not None:
            fast["address"] = {**address, "street_id": _plain(address["street_id"])}
        if body["location"] is not None:
            fast["location"] = _plain(body["location"])
        return _ENCODER.encode(fast).encode("utf-8")
    except (_Unsupported, UnicodeEncodeError, ValueError, TypeError, AttributeError):
        return rfc8785.dumps(body)
