"""Who may import, import once, and the two modes."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.merchants.household import check_tax_code
from tests.app.imports.books import UNIT, csv_bytes, shop, xlsx
from tests.app.imports.test_upload import Auth, count, upload


async def test_the_idempotency_key_is_required(client: httpx.AsyncClient, auth: Auth) -> None:
    h = await auth("officer.vungtau")
    r = await client.post(
        "/api/v1/imports", params={"unit": UNIT}, files={"file": ("a.xlsx", xlsx([shop(1)]))}, headers=h
    )
    assert r.status_code == 428 and r.json()["code"] == "idempotency_key_required"


async def test_the_same_key_with_another_file_is_409(
    client: httpx.AsyncClient, auth: Auth, session: AsyncSession
) -> None:
    h, key = await auth("officer.vungtau"), str(uuid.uuid4())
    assert (await upload(client, h, xlsx([shop(1)]), key=key)).status_code == 201
    other = await upload(client, h, xlsx([shop(2)]), key=key)
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    options = await upload(client, h, xlsx([shop(1)]), key=key, dry_run=True)  # same file, other options
    assert options.status_code == 409
    assert await count(session) == 1


async def test_keys_are_per_user(client: httpx.AsyncClient, auth: Auth) -> None:
    key = str(uuid.uuid4())
    assert (
        await upload(client, await auth("officer.vungtau"), xlsx([shop(1)]), key=key, dry_run=True)
    ).status_code == 201
    assert (
        await upload(client, await auth("agent.vungtau"), xlsx([shop(2)]), key=key, dry_run=True)
    ).status_code == 201


@pytest.mark.parametrize("user", ["auditor", "bank.vcb"])
async def test_roles_that_do_not_register_shops_cannot_import(client: httpx.AsyncClient, auth: Auth, user: str) -> None:
    r = await upload(client, await auth(user), xlsx([shop(1)]))
    assert r.status_code == 403


async def test_a_unit_outside_the_callers_scope_is_refused(
    client: httpx.AsyncClient, auth: Auth, session: AsyncSession
) -> None:
    h = await auth("agent.tamthang")
    r = await upload(client, h, xlsx([shop(1)]))
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert await count(session) == 0


async def test_another_users_import_is_not_found(client: httpx.AsyncClient, auth: Auth) -> None:
    r = await upload(client, await auth("officer.vungtau"), xlsx([shop(1)]), dry_run=True)
    other = await auth("agent.tamthang")
    for path in (f"/api/v1/imports/{r.json()['id']}", f"/api/v1/imports/{r.json()['id']}/errors.xlsx"):
        got = await client.get(path, headers=other)
        assert got.status_code == 404 and got.json()["code"] == "import_not_found"


async def test_valid_rows_imports_the_good_rows_and_hands_back_the_rest(
    client: httpx.AsyncClient, auth: Auth, session: AsyncSession
) -> None:
    h = await auth("officer.vungtau")
    rows = [shop(1), shop(2, category="bakery"), shop(3), shop(4, phone=shop(1)["phone"])]
    r = await upload(client, h, csv_bytes(rows), name="a.csv", mode="valid_rows")
    assert (r.json()["status"], r.json()["created"]) == ("done", 2)
    assert [(e["row"], e["column"], e["code"]) for e in r.json()["errors"]] == [
        (3, "B", "enum"),
        (5, "D", "duplicate_in_file"),
    ]
    assert await count(session) == 2
    again = await upload(client, h, csv_bytes([shop(5, phone=shop(1)["phone"])]), name="b.csv", mode="valid_rows")
    assert [(e["row"], e["column"], e["code"]) for e in again.json()["errors"]] == [(2, "D", "duplicate_phone")]


async def test_the_database_duplicate_is_found_by_the_dry_run_too(
    client: httpx.AsyncClient, auth: Auth, session: AsyncSession
) -> None:
    h = await auth("officer.vungtau")
    await upload(client, h, xlsx([shop(1)]))
    r = await upload(
        client,
        h,
        xlsx([shop(2, **{"payment_account.account_number": shop(1)["payment_account.account_number"]})]),
        dry_run=True,
    )
    assert [(e["row"], e["field"], e["code"]) for e in r.json()["errors"]] == [
        (2, "payment_account.account_number", "duplicate_account")
    ]


async def test_the_errors_are_capped_at_1000_with_the_true_total(client: httpx.AsyncClient, auth: Auth) -> None:
    rows = [shop(i, category="x") for i in range(1, 1006)]
    r = await upload(client, await auth("officer.vungtau"), csv_bytes(rows), name="a.csv", dry_run=True)
    assert len(r.json()["errors"]) == 1000 and r.json()["errors_total"] == 1005


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("077185001234", True),  # Bà Rịa - Vũng Tàu, born 1985 (20th century)
        ("079203001234", True),  # Hồ Chí Minh City, born 2003 (21st century)
        ("0771850012345", False),  # 13 digits
        ("07718500123", False),  # 11 digits
        ("07718500123a", False),
        ("003185001234", False),  # no province 003
        ("077485001234", False),  # 22nd century
        ("079225001234", False),  # born 2025: not an owner
        ("０７７１８５００１２３４", False),  # full-width digits
    ],
)
def test_the_tax_code_is_a_personal_identification_number(code: str, ok: bool) -> None:
    if ok:
        assert check_tax_code(code) == code
    else:
        with pytest.raises(ValueError, match=r"12|tỉnh|thế kỷ"):
            check_tax_code(code)


async def test_a_tax_code_is_never_logged(
    client: httpx.AsyncClient, auth: Auth, caplog: pytest.LogCaptureFixture
) -> None:
    fields = ["name", "category", "street", "tax_code"]
    rows = [shop(1, tax_code="077185001234"), shop(2, tax_code="003185009999")]  # one valid, one refused
    with caplog.at_level("DEBUG"):
        r = await upload(client, await auth("officer.vungtau"), xlsx(rows, fields), mode="valid_rows")
    assert r.json()["created"] == 1 and r.json()["errors"][0]["field"] == "tax_code"
    assert "077185001234" not in caplog.text and "003185009999" not in caplog.text
    assert "003185009999" not in r.text  # the error names the cell, not its value
