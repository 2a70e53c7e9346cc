"""Shops and snapshots on chosen days, through the real snapshot code ("today" is the day taken)."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import update

from app.history.snapshot import VIETNAM, take_snapshot
from app.streets.models import Street
from app.units.models import AdminUnit
from tests.factories import make_merchant

N = [0]


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=VIETNAM)


async def snap(session, day: date | None):
    """Snapshot `day` as if it were today (None: really today)."""
    result = await take_snapshot(session, day, source="cli", now=noon(day) if day else None)
    await session.commit()
    return result


async def shops(session, count, *, street=None, unit="26506", old="26506", category="grocery", qr=0):
    for i in range(count):
        N[0] += 1
        await make_merchant(
            session,
            name=f"Shop {N[0]}",
            street=street,
            unit_code=unit,
            unit_code_2020=old,
            category=category,
            has_qr=i < qr,
            bank_bin=None,
        )


async def set_street(session, street_id: int, **values):
    await session.execute(update(Street).where(Street.id == street_id).values(**values))
    await session.commit()


async def set_unit(session, code: str, **values):
    await session.execute(update(AdminUnit).where(AdminUnit.edition == "2025", AdminUnit.code == code).values(**values))
    await session.commit()


async def get(client, headers, path, **params):
    r = await client.get(f"/api/v1/coverage/{path}", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()
