"""PostgreSQL writes the bank's files (app.bank.handoff.export_sql) exactly as the Python path does: the same cells, the
same record_hash (RFC 8785 + SHA-256), the same sheet XML, for text that tests every escape; and a record it
could not write exactly (a double RFC 8785 writes in exponent form, a control character) sends the whole file
to the Python path."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.bank.handoff import export_sql, exports, view
from app.bank.handoff.exports import flat_row
from app.bank.handoff.records import load_bank_records
from app.bank.handoff.repository import exotic_query, narrowed, visible_records_query
from app.bank.handoff.xlsx_stream import row_xml
from app.merchants.models import Merchant, PaymentAccount
from tests.app.consents.factories import make_consent
from tests.factories import make_merchant, street_id

AWKWARD = [
    'Tạp hóa "Cô Ba", 12\\3',  # quote, comma, backslash
    "Cơm tấm\nBảy Hiền",  # newline
    "Bún\tbò\r Huế",  # tab, carriage return
    '=HYPERLINK("http://x")',  # formulas
    "+84 shop",
    "－全角",  # full-width minus
    "Phở 🍜 & <Bò>",  # non-BMP, XML specials
    "ĐẶNG VĂN Đ",
]
LOCATIONS = [(10.3462, 107.0768, 8.0), (8.0, 102.0, 12.5), (23.999999999, 109.123456789012, 0.0), (None, None, None)]


@pytest.fixture
async def shops(session: AsyncSession) -> list[str]:
    if session.bind.dialect.name != "postgresql":  # type: ignore[union-attr]
        pytest.skip("COPY is PostgreSQL's")
    ba_cu = await street_id(session, "Ba Cu")
    ids = []
    for i, name in enumerate(AWKWARD):
        m = await make_merchant(
            session,
            name=name,
            owner_name=AWKWARD[-1 - i],
            house_number=None if i % 3 == 0 else f"{i}/2",
            street=ba_cu if i % 2 else None,
            unit_code_2020=None if i % 4 == 1 else ("" if i % 4 == 2 else "26509"),
            has_qr=i % 2 == 0,
            account_name=AWKWARD[i].upper(),
            phone=f"090{i:07d}",
        )
        lat, lon, acc = LOCATIONS[i % len(LOCATIONS)]
        # household fields on some shops, each alone or together: the record holds a key only when it is set
        household = {
            "tax_code": "077185001234" if i % 2 else None,
            "business_registration_number": AWKWARD[i] if i % 3 == 1 else None,
            "einvoice_method": ("none", "cash_register", None)[i % 3],
        }
        values = {"lat": lat, "lon": lon, "accuracy_m": acc, **household}
        await session.execute(update(Merchant).where(Merchant.id == m.id).values(values))
        await make_consent(session, m.id)
        ids.append(m.id)
    await session.commit()
    return ids


def _shown(v: object) -> str:
    return "" if v is None else str(v)


async def test_the_database_writes_the_same_cells_and_hashes(session: AsyncSession, shops: list[str]) -> None:
    stmt = narrowed(visible_records_query("970436"), None, None)
    records = await load_bank_records(session, "970436")
    expected = [[_shown(v) for v in flat_row(r)] for r in records]
    assert len(expected) == len(AWKWARD)
    lines = [line for (line,) in (await session.execute(text(export_sql.csv_select(stmt)))).all()]
    assert lines == [view.csv_line(r) for r in records]  # the same bytes as the Python line the view stores
    got = list(csv.reader(io.StringIO("\n".join(lines) + "\n")))
    assert got == expected  # record_hash included (then the household cells)
    assert any(r[-3] for r in got) and any(not r[-3] for r in got)  # some with a tax code, some without
    assert not (await session.execute(exotic_query(stmt))).scalar_one()


async def _file(session: AsyncSession) -> bytes:
    await exports.open_snapshot(session)
    return b"".join([chunk async for chunk in exports.csv_stream(session, "970436", None, None)])


async def test_the_stored_lines_and_the_joined_records_make_the_same_file(
    session: AsyncSession, shops: list[str]
) -> None:
    """The file of an exact view is its stored lines; COPY's text escapes (the newline, tab, CR and backslash of
    AWKWARD) are undone; with a record the view lacks, the file joins the records, with the same bytes."""
    await view.refresh(session, shops)
    stmt = narrowed(visible_records_query("970436"), None, None)
    assert await exports._by_database(session, stmt, "970436", None, None) == "view"
    from_view = await _file(session)
    rows = list(csv.reader(io.StringIO(from_view.decode().lstrip("\ufeff"))))
    assert rows[1:] == [[_shown(v) for v in flat_row(r)] for r in await load_bank_records(session, "970436")]
    assert rows[0] == list(exports.COLUMNS)

    await session.execute(text("DELETE FROM bank_view WHERE merchant_id = :m"), {"m": shops[2]})
    assert await exports._by_database(session, stmt, "970436", None, None) == "join"
    assert await _file(session) == from_view

    # a view row the rule no longer allows (a consent ended behind the outbox's back) is not in the file
    await view.refresh(session, shops)
    await session.execute(text("UPDATE consent SET active_key = NULL WHERE merchant_id = :m"), {"m": shops[3]})
    assert await exports._by_database(session, stmt, "970436", None, None) == "join"
    left = list(csv.reader(io.StringIO((await _file(session)).decode().lstrip("\ufeff"))))
    assert [r[0] for r in left[1:]] == [r[0] for r in rows[1:] if r[0] != shops[3]]


async def test_the_database_writes_the_same_sheet_rows(session: AsyncSession, shops: list[str]) -> None:
    stmt = narrowed(visible_records_query("970436"), None, None)
    expected = [row_xml(flat_row(r)) for r in await load_bank_records(session, "970436")]
    got = [row for (row,) in (await session.execute(text(export_sql.xlsx_select(stmt)))).all()]
    assert all("\n" not in row and "\r" not in row for row in got)  # one line per row in COPY's output
    # tab, CR and LF as character references: the same text to an XML reader
    refs = {"&#9;": "\t", "&#13;": "\r", "&#10;": "\n"}
    for ref, char in refs.items():
        got = [row.replace(ref, char) for row in got]
    assert got == expected


@pytest.mark.parametrize(
    "column, value",
    [
        ("accuracy_m", 0.00001),
        ("lat", 1e15 + 0.5),
        ("accuracy_m", -0.0),
        ("name", "Quán\x01Bà"),
        ("account", "12\x0b34"),
    ],
)
async def test_what_only_the_python_path_writes_exactly_is_found(
    session: AsyncSession, shops: list[str], column: str, value: object
) -> None:
    stmt = narrowed(visible_records_query("970436"), None, None)
    if column == "account":
        await session.execute(
            update(PaymentAccount).where(PaymentAccount.merchant_id == shops[1]).values(account_name=value)
        )
    else:
        located = {"lat": 10.0, "lon": 107.0} | {column: value}
        await session.execute(update(Merchant).where(Merchant.id == shops[1]).values(located))
    assert (await session.execute(exotic_query(stmt))).scalar_one()


@pytest.mark.parametrize("group", ["unit", "street"])
async def test_the_database_xors_the_same_digests(session: AsyncSession, shops: list[str], group: str) -> None:
    from app.bank.handoff.reconciliation import digests, group_key

    expected: dict[str, list[int]] = {}
    for r in await load_bank_records(session, "970436"):
        slot = expected.setdefault(group_key(r, group), [0, 0])  # type: ignore[arg-type]
        slot[0] += 1
        slot[1] ^= int(r["record_hash"], 16)
    count, total, groups = await digests(session, "970436", group)  # type: ignore[arg-type]
    assert {g.key: [g.count, int(g.digest, 16)] for g in groups} == expected
    assert count == len(AWKWARD)
    xor = 0
    for _, d in expected.values():
        xor ^= d
    assert total == f"{xor:064x}"
