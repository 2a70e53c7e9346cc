from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import AppError
from app.imports.command import import_file, report
from tests.app.imports.books import UNIT, shop, xlsx
from tests.app.imports.test_upload import count


async def test_the_command_imports_as_the_user_and_once(session: AsyncSession, tmp_path: Path) -> None:
    path = tmp_path / "shops.xlsx"
    path.write_bytes(xlsx([shop(1), shop(2), shop(3, phone="12")]))
    dry = await import_file(
        session, path.read_bytes(), path.name, unit=UNIT, username="officer.vungtau", dry_run=True, mode="valid_rows"
    )
    assert (dry["rows_ok"], dry["errors_total"]) == (2, 1)
    assert "Shops!D4 phone" in report(dry)
    first = await import_file(
        session, path.read_bytes(), path.name, unit=UNIT, username="officer.vungtau", mode="valid_rows"
    )
    again = await import_file(
        session, path.read_bytes(), path.name, unit=UNIT, username="officer.vungtau", mode="valid_rows"
    )
    assert first["id"] == again["id"] and first["created"] == 2
    assert await count(session) == 2


async def test_the_command_refuses_an_unknown_user_and_a_unit_outside_their_scope(
    session: AsyncSession, tmp_path: Path
) -> None:
    path = tmp_path / "shops.csv"
    path.write_bytes(xlsx([shop(1)]))
    with pytest.raises(AppError):
        await import_file(session, path.read_bytes(), path.name, unit=UNIT, username="nobody")
    with pytest.raises(AppError) as exc:
        await import_file(session, path.read_bytes(), path.name, unit=UNIT, username="agent.tamthang")
    assert exc.value.code == "forbidden"
