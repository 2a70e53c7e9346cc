"""Account-name inquiry, adapter side: the bank's holder name against the name the shop registered."""

from __future__ import annotations

import pytest

from integrations import AccountNotFound, AccountRef, AccountVerification, build_registry, names_match
from integrations.sandbox import run_sandbox_in_thread


@pytest.mark.parametrize(
    ("registered", "at_bank"),
    [
        ("Nguyễn Thị Hương", "NGUYEN THI HUONG"),
        ("nguyễn thị hương", "Nguyen Thi Huong"),
        ("Đặng Văn Đức", "DANG VAN DUC"),
        ("  Lê  Văn   Bảy ", "LE VAN BAY"),
        ("Nguyễn Thị Hương", "NGUYỄN THỊ HƯƠNG"),  # decomposed or precomposed, the same
        ("Trần Thị Ba", "TRAN THI BA."),
    ],
)
def test_same_person(registered, at_bank):
    assert names_match(registered, at_bank) and names_match(at_bank, registered)


@pytest.mark.parametrize(
    ("registered", "at_bank"),
    [
        ("Nguyễn Thị Hương", "NGUYEN THI HUONG ANH"),
        ("Nguyễn Thị Hường", "NGUYEN THI HUNG"),
        ("Lê Văn Bảy", "LE VAN BA Y"),
        ("", ""),
        ("   ", "   "),
    ],
)
def test_different_people(registered, at_bank):
    assert not names_match(registered, at_bank)


async def test_sandbox_bank_answers_holder_names():
    with run_sandbox_in_thread() as url:
        registry = build_registry(f"970436=sandbox@{url},970415=sandbox@{url}")
        hương = AccountRef("970436", "0011001234567")
        checked = await registry.for_account(hương).verify_account(hương)
        assert checked == AccountVerification("970436", "0011001234567", "NGUYEN THI HUONG", True)
        assert checked.holder_matches("Nguyễn Thị Hương") and not checked.holder_matches("Trần Thị Ba")
        bay = AccountRef("970415", "101874521133")
        assert (await registry.for_account(bay).verify_account(bay)).holder_matches("lê văn bảy")
        with pytest.raises(AccountNotFound):
            await registry.for_account(hương).verify_account(AccountRef("970436", "404404"))
        await registry.aclose()
