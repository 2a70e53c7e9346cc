"""Random damage to a payload never yields a valid payload that pays someone else."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import qr

BASE = [
    qr.build_vietqr("970436", "0011001234567", amount=50000, purpose="thanh toan"),
    qr.build_vietqr("970415", "101874521133"),
    qr.build_vnpay("0102154778", merchant_name="TUGIACOMPANY", store_label="TU GIA COMPUTER"),
]
CHARS = "0123456789ABCDEFabcdef QRIBFT."


def meaning(p: qr.PaymentQR) -> tuple:
    return (p.scheme, p.bank_bin, p.account, p.merchant_id, p.amount)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(BASE), st.data())
def test_mutations_never_change_who_is_paid(payload, data):
    kind = data.draw(st.sampled_from(["substitute", "delete", "insert"]))
    i = data.draw(st.integers(min_value=0, max_value=len(payload) - 1))
    c = data.draw(st.sampled_from(CHARS))
    if kind == "substitute":
        mutated = payload[:i] + c + payload[i + 1 :]
    elif kind == "delete":
        mutated = payload[:i] + payload[i + 1 :]
    else:
        mutated = payload[:i] + c + payload[i:]
    if mutated == payload:
        return
    try:
        parsed = qr.parse(mutated)
    except qr.QRFormatError:
        return
    assert meaning(parsed) == meaning(qr.parse(payload))
