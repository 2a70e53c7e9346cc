"""Loads the reference data shipped in app/data (admin units, succession, streets, markets, banks) and
the demo users. Every loader upserts on a natural key, so running it again updates and never duplicates."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import User
from app.auth.repository import UserRepository
from app.banks.models import Bank
from app.banks.repository import BankRepository
from app.consents.texts import seed_consent_texts
from app.core.db import refcache
from app.core.security import hash_password, verify_password
from app.core.text import fold, nfc
from app.streets.models import Street
from app.streets.repository import StreetRepository
from app.streets.service import natural_key
from app.units.boundaries import load_boundaries
from app.units.loader import load_country_units
from app.units.repository import UnitRepository

DATA = Path(__file__).parent / "data"

DEMO_USERS: list[tuple[str, str, str, list[tuple[str, str]], str | None]] = [
    ("admin", "Quản trị thành phố", "city_admin", [], None),
    ("officer.vungtau", "Cán bộ phường Vũng Tàu", "ward_officer", [("2025", "26506")], None),
    ("officer.hcmc", "Cán bộ Thành phố Hồ Chí Minh", "ward_officer", [("2025", "79")], None),
    ("agent.vungtau", "Tổ công nghệ số phường Vũng Tàu", "field_agent", [("2025", "26506")], None),
    ("agent.tamthang", "Tổ công nghệ số phường Tam Thắng", "field_agent", [("2025", "26526")], None),
    ("bank.vcb", "Vietcombank Vũng Tàu", "bank_partner", [], "970436"),
    ("auditor", "Thanh tra", "auditor", [], None),
]


async def load_units(session: AsyncSession) -> int:
    """Every province and commune of both editions, and the 2020 -> 2025 succession (app/units/loader.py)."""
    n = await load_country_units(session)
    refcache.forget(session)
    return n


async def _upsert_place(
    session: AsyncSession,
    kind: str,
    name: str,
    codes_2020: list[str],
    succ: dict[str, str],
    note: str | None = None,
) -> None:
    repo = StreetRepository(session)
    name = nfc(name)
    key = natural_key(kind, name, None)
    street = await repo.by_natural_key(key)
    if street is None:
        street = Street(kind=kind, name=name, natural_key=key, name_search=fold(name), note=note)
        session.add(street)
        await session.flush()
    elif note and not street.note:
        street.note = note
    units = {("2020", c) for c in codes_2020} | {("2025", succ[c]) for c in codes_2020 if c in succ}
    existing = set((await repo.units_of([street.id or 0]))[street.id or 0])
    if not units <= existing:
        await repo.set_units(street.id or 0, units | existing)


async def load_streets(session: AsyncSession) -> int:
    succ = await UnitRepository(session).successor_map()
    n = 0
    with (DATA / "vung-tau-streets.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            await _upsert_place(session, "street", row["street"], row["wards_2020"].split(";"), succ)
            n += 1
    with (DATA / "vung-tau-markets.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            await _upsert_place(session, "market", row["market"], [row["ward_2020"]], succ, row["note"] or None)
            n += 1
    await session.flush()
    return n


async def load_banks(session: AsyncSession) -> int:
    banks = BankRepository(session)
    n = 0
    with (DATA / "banks.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            name, legal_name = nfc(r["name"]), nfc(r["legal_name"])
            row = await banks.by_natural_key(r["bin"], r["short_name"], r["status"]) or Bank(
                bin=r["bin"], short_name=r["short_name"], status=r["status"], name=name, legal_name=legal_name
            )
            row.name, row.legal_name = name, legal_name
            row.swift = r["swift"] or None
            row.accepts_transfers_in_app = r["accepts_transfers_in_app"] == "yes"
            session.add(row)
            n += 1
    await session.flush()
    refcache.forget(session)  # this process's workers (tests, `phoqr serve` after setup) read the list anew
    return n


async def load_demo_users(session: AsyncSession, password: str) -> list[str]:
    users, names = UserRepository(session), []
    for username, full_name, role, scope, bank_bin in DEMO_USERS:
        user = await users.by_username(username)
        if user is None:
            user = User(
                username=username,
                full_name=full_name,
                role=role,
                password_hash=hash_password(password),
                bank_bin=bank_bin,
                is_demo=True,
            )
            session.add(user)
            await session.flush()
        elif not verify_password(password, user.password_hash):
            user.password_hash = hash_password(password)
        user.role, user.bank_bin, user.full_name, user.is_active = role, bank_bin, full_name, True
        user.name_search = fold(full_name)
        await users.set_units(user.id or 0, scope)
        names.append(username)
    await session.flush()
    return names


async def load_shipped_boundaries(session: AsyncSession) -> int:
    """The outlines shipped in app/data (`boundaries-<edition>-<province>.geojson`, built by
    scripts/build_hcmc_boundaries.py): Hồ Chí Minh City's 168 wards. Others load with `phoqr units load-boundaries`."""
    shapes = 0
    for path in sorted(DATA.glob("boundaries-*.geojson")):
        shapes += (await load_boundaries(session, path, path.stem.split("-")[1])).shapes
    return shapes


async def seed_reference(session: AsyncSession) -> dict[str, int]:
    return {
        "units": await load_units(session),
        "boundaries": await load_shipped_boundaries(session),
        "streets_and_markets": await load_streets(session),
        "banks": await load_banks(session),
        "consent_texts": await seed_consent_texts(session),
    }
