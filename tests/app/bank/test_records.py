"""The bank record: only consented shops at the bank's BIN, and a record_hash a bank can recompute."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import update

from app.bank.handoff.records import bank_record, iter_bank_records, load_bank_records, record_hash
from app.consents.models import Consent
from tests.app.consents.factories import make_consent
from tests.factories import make_merchant, street_id


def _independent_hash(record: dict) -> str:
    # RFC 8785 for records without floats: sorted keys, no spaces, UTF-8 as is
    body = {k: v for k, v in record.items() if k != "record_hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def test_record_shape_and_hash(session):
    street = await street_id(session, "Ba Cu")
    m = await make_merchant(session, name="Tạp hóa Hương", street=street, account_number="0011001234567")
    consent = await make_consent(session, m.id)
    bin_, record = await bank_record(session, m.id)
    assert bin_ == "970436"
    assert record is not None
    assert list(record) == [
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
        "record_hash",
    ]
    assert record["consent_id"] == consent.id
    assert record["name"] == "Tạp hóa Hương"
    assert record["address"]["street"] == "Ba Cu"
    assert record["address"]["street_id"] == street
    assert record["address"]["unit_2025"] == {"edition": "2025", "code": "26506"}
    assert record["payment_account"] == {
        "bank_bin": "970436",
        "account_number": "0011001234567",
        "account_name": "NGUYEN THI HUONG",
        "kind": "account",
    }
    assert record["qr"] is None and record["location"] is None
    assert len(record["record_hash"]) == 64 and record["record_hash"] == record["record_hash"].lower()
    assert record["record_hash"] == record_hash(record) == _independent_hash(record)
    changed = {**record, "name": "Tạp hóa Hương 2"}
    assert record_hash(changed) != record["record_hash"]


async def test_only_consented_shops_at_the_bin(session):
    seen = await make_merchant(session, name="Có đồng ý")
    await make_consent(session, seen.id)
    silent = await make_merchant(session, name="Không đồng ý")  # silence is not consent
    other_bank = await make_merchant(session, name="Ngân hàng khác", bank_bin="970415")
    await make_consent(session, other_bank.id, "970415")
    wrong_bank_consent = await make_merchant(session, name="Đồng ý cho ngân hàng khác")
    await make_consent(session, wrong_bank_consent.id, "970415")
    ids = [seen.id, silent.id, other_bank.id, wrong_bank_consent.id]

    vcb = await load_bank_records(session, "970436", ids)
    assert [r["merchant_id"] for r in vcb] == [seen.id]
    vietin = await load_bank_records(session, "970415", ids)
    assert [r["merchant_id"] for r in vietin] == [other_bank.id]
    assert await bank_record(session, silent.id) == ("970436", None)
    assert await bank_record(session, other_bank.id, "970436") == ("970415", None)
    assert (await bank_record(session, other_bank.id))[1]["merchant_id"] == other_bank.id


async def test_withdrawn_consent_hides_the_shop(session):
    m = await make_merchant(session)
    consent = await make_consent(session, m.id)
    assert (await bank_record(session, m.id))[1] is not None
    await session.execute(update(Consent).where(Consent.id == consent.id).values(active_key=None))
    assert await bank_record(session, m.id) == ("970436", None)


async def test_iteration_pages_through_everything_in_id_order(session):
    made = []
    for i in range(7):
        m = await make_merchant(session, name=f"Quán {i}", unit_code="26526", unit_code_2020=None)
        await make_consent(session, m.id)
        made.append(m.id)
    got = [r["merchant_id"] async for r in iter_bank_records(session, "970436", unit=("2025", "26526"), page=3)]
    assert [g for g in got if g in made] == sorted(made)


async def test_household_fields_only_when_set_and_hashed(session):
    m = await make_merchant(session, account_number="0011001234567")
    await make_consent(session, m.id)
    _, before = await bank_record(session, m.id)
    assert before is not None and "tax_code" not in before  # a shop without them hashes as before they existed
    values = {"tax_code": "077185001234", "einvoice_method": "cash_register"}
    await session.execute(update(type(m)).where(type(m).id == m.id).values(values))
    session.expunge_all()
    _, record = await bank_record(session, m.id)
    assert record is not None
    assert list(record)[-3:] == ["tax_code", "einvoice_method", "record_hash"]
    assert record["tax_code"] == "077185001234" and record["einvoice_method"] == "cash_register"
    assert "business_registration_number" not in record  # never null: absent
    assert record["record_hash"] == record_hash(record) == _independent_hash(record) != before["record_hash"]
    # another bank (no consent for it) never receives the shop, let alone its tax code
    assert (await bank_record(session, m.id, "970415"))[1] is None
