"""Our RFC 8785 encoder writes exactly what the `rfc8785` reference writes, for records and for any JSON value."""

from __future__ import annotations

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from app.bank.handoff import jcs

SAFE_INT = st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
FLOATS = st.floats(allow_nan=False, allow_infinity=False)
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)  # lone surrogates are not JSON text
JSON = st.recursive(
    st.none() | st.booleans() | SAFE_INT | FLOATS | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=600, deadline=None)
@given(JSON)
def test_any_value_matches_the_reference(value):
    assert jcs.dumps(value) == rfc8785.dumps(value)


UNIT = st.builds(lambda c: {"edition": "2025", "code": c}, st.from_regex(r"\d{5}", fullmatch=True))
RECORD = st.fixed_dictionaries(
    {
        "merchant_id": st.uuids().map(str),
        "version": st.integers(min_value=1, max_value=2**40),
        "name": TEXT,
        "category": st.sampled_from(["grocery", "cafe", "other"]),
        "owner_name": st.none() | TEXT,
        "phone": st.none() | st.from_regex(r"0\d{9}", fullmatch=True),
        "address": st.fixed_dictionaries(
            {
                "house_number": st.none() | TEXT,
                "street": st.none() | TEXT,
                "street_id": st.none() | st.integers(min_value=1, max_value=10**6),
                "unit_2025": UNIT,
                "unit_2020": st.none() | UNIT,
            }
        ),
        "location": st.none() | st.fixed_dictionaries({"lat": FLOATS, "lon": FLOATS, "accuracy_m": st.none() | FLOATS}),
        "payment_account": st.fixed_dictionaries(
            {
                "bank_bin": st.just("970436"),
                "account_number": TEXT,
                "account_name": st.none() | TEXT,
                "kind": st.just("account"),
            }
        ),
        "qr": st.none() | st.fixed_dictionaries({"payload": TEXT, "sticker_code": TEXT, "issued_at": TEXT}),
        "status": st.sampled_from(["active", "closed"]),
        "consent_id": st.uuids().map(str),
    }
)


@settings(max_examples=600, deadline=None)
@given(RECORD)
def test_records_match_the_reference(record):
    assert jcs.dumps_record(record) == rfc8785.dumps(record)


def test_doubles_as_ecmascript_writes_them():
    for value, text in [
        (5.0, b"5"),
        (-0.0, b"0"),
        (10.34, b"10.34"),
        (1e21, b"1e+21"),
        (1e-7, b"1e-7"),
        (2.0**60, b"1152921504606847000"),
    ]:
        assert jcs.dumps(value) == text == rfc8785.dumps(value)
