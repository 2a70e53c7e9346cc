from __future__ import annotations

import uuid

import pytest

from tests.factories import street_id


@pytest.fixture
def shop():
    """A valid registration body for a shop on Ba Cu (Phường Vũng Tàu); override fields per test."""

    def _make(**over):
        body = {
            "id": str(uuid.uuid4()),
            "name": "Tạp hóa Hương",
            "category": "grocery",
            "owner_name": "Nguyễn Thị Hương",
            "phone": "0901 234 567",
            "house_number": "12",
            "unit": {"edition": "2025", "code": "26506"},
            "payment_account": {
                "bank_bin": "970436",
                "account_number": "0011001234567",
                "account_name": "NGUYEN THI HUONG",
            },
        }
        body.update(over)
        return body

    return _make


@pytest.fixture
async def ba_cu(session):
    return await street_id(session, "Ba Cu")
