"""Where a shop is (street, 2025 unit, 2020 unit) and whether it is already registered."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal
from app.auth.schemas import UnitRef
from app.core.editions import Edition
from app.core.errors import AppError, FieldError, Forbidden, ValidationFailed
from app.core.problems import problem
from app.core.text import fold_compact
from app.merchants.models import Merchant
from app.merchants.repository import MerchantRepository
from app.streets.repository import StreetRepository
from app.units.boundaries import unit_at
from app.units.repository import UnitRepository

NEAR_METRES = 30.0


@dataclass(frozen=True, slots=True)
class Placement:
    street_id: int | None
    unit_code: str
    unit_code_2020: str | None
    # how the 2025 unit was decided when it was not named: street, gps or default_successor (None: named)
    unit_source: str | None = None


async def successor(
    session: AsyncSession,
    code_2020: str,
    links: tuple[dict[str, str], dict[str, list[str]]],
    street_units: list[tuple[str, str]],
    location: tuple[float, float] | None,
) -> tuple[str, str]:
    """The 2025 commune of a shop in this 2020 commune, and what told it: the street when it runs through exactly
    one of the successors, else the GPS point inside a loaded outline, else the default successor."""
    default, parts = links[0][code_2020], links[1].get(code_2020)
    if not parts:
        return default, "default_successor"
    on_street = sorted({c for e, c in street_units if e == Edition.Y2025} & set(parts))
    if len(on_street) == 1:
        return on_street[0], "street"
    if location is not None:
        found = await unit_at(session, "2025", parts, *location)
        if found is not None:
            return found, "gps"
    return default, "default_successor"


async def place(
    session: AsyncSession,
    principal: Principal,
    street_id: int | None,
    unit: UnitRef | None,
    unit_2020: UnitRef | None,
    location: tuple[float, float] | None = None,
) -> Placement:
    """Resolve the units from what the phone sent and the street's units; refuse places outside the caller's."""
    street_units: list[tuple[str, str]] = []
    if street_id is not None:
        found = await StreetRepository(session).units_if_exists(street_id)
        if found is None:
            raise ValidationFailed("street_id", f"Không có tuyến phố {street_id}", f"No street {street_id}")
        street_units = found
    units = UnitRepository(session)
    # only the old communes this request names (a few rows), not the country's 10,000
    olds = {c for e, c in street_units if e == Edition.Y2020}
    olds |= {r.code for r in (unit_2020, unit) if r is not None and r.edition == Edition.Y2020}
    links = await units.successors_of_codes(olds)
    succ = links[0]
    source: str | None = None
    code_2020 = unit_2020.code if unit_2020 else None
    if unit_2020 is not None and (unit_2020.edition != Edition.Y2020 or unit_2020.code not in succ):
        raise ValidationFailed("unit_2020", "Đơn vị 2020 không hợp lệ", "Not a 2020 commune")
    if unit is not None:
        if unit.edition == Edition.Y2020:  # an old address from the shop's papers: keep it, map it forward
            if unit.code not in succ:
                raise ValidationFailed("unit", "Đơn vị 2020 không hợp lệ", "Not a 2020 commune")
            code_2020 = code_2020 or unit.code
            code, source = await successor(session, unit.code, links, street_units, location)
        else:
            code = unit.code
            if await units.level_of("2025", code) != "commune":
                raise ValidationFailed("unit", f"Không có đơn vị 2025:{code}", f"No unit 2025:{code}")
    else:
        candidates, source = sorted({c for e, c in street_units if e == Edition.Y2025}), "street"
        if code_2020:
            code, source = await successor(session, code_2020, links, street_units, location)
            candidates = [code]
        if len(candidates) != 1:
            raise ValidationFailed(
                "unit",
                "Cần chọn phường/xã (tuyến phố đi qua nhiều đơn vị)",
                "unit is required (the street runs through several units, or none was given)",
            )
        code = candidates[0]
    if street_units and (Edition.Y2025, code) not in street_units:
        raise ValidationFailed("street_id", "Tuyến phố không đi qua đơn vị này", "The street is not in this unit")
    if code_2020 is None and street_units:
        on_street = [c for e, c in street_units if e == Edition.Y2020 and succ.get(c) == code]
        code_2020 = on_street[0] if len(on_street) == 1 else None
    if code_2020 is not None and code not in links[1].get(code_2020, [succ.get(code_2020)]):
        raise ValidationFailed(
            "unit_2020",
            "Đơn vị 2020 không thuộc đơn vị 2025 đã chọn",
            "The 2020 unit is not part of the chosen 2025 unit",
        )
    if not principal.can_write:
        raise Forbidden("Vai trò của bạn chỉ được xem", "Your role is read-only")
    if not principal.covers_unit(code):
        raise Forbidden("Cửa hàng nằm ngoài đơn vị của bạn", "The shop is outside your units")
    return Placement(street_id, code, code_2020, source)


def visible_name(principal: Principal, other: Merchant) -> dict[str, str]:
    """The existing shop named in a duplicate's problem, when the caller may see it."""
    if principal.covers_unit(other.unit_code):
        return {"existing_merchant_id": other.id, "existing_merchant_name": other.name}
    return {}


def phone_taken(existing: dict[str, str]) -> AppError:
    return problem("duplicate_phone").error(
        "Số điện thoại đã được đăng ký cho cửa hàng khác",
        "Phone already registered to another shop",
        errors=[FieldError("phone", "Đã đăng ký", "Already registered")],
        extra=existing,
    )


def account_taken(existing: dict[str, str]) -> AppError:
    return problem("duplicate_account").error(
        "Tài khoản ngân hàng đã được đăng ký cho cửa hàng khác",
        "Bank account already registered to another shop",
        errors=[FieldError("payment_account.account_number", "Đã đăng ký", "Already registered")],
        extra=existing,
    )


async def refuse_hard_duplicates(
    session: AsyncSession, principal: Principal, merchant_id: str, phone: str | None, account_key: str | None
) -> None:
    holders = await MerchantRepository(session).holders(phone, account_key)
    for other, _ in holders:
        if phone and other.phone_active == phone and other.id != merchant_id:
            raise phone_taken(visible_name(principal, other))
    for other, key in holders:
        if account_key and key == account_key and other.id != merchant_id:
            raise account_taken(visible_name(principal, other))


def metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine): near duplicates are decided by it, here and in bulk sync."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def box(lat: float, lon: float, metres_around: float) -> tuple[float, float, float, float]:
    """A latitude/longitude box a little larger than the circle, for an indexed range lookup."""
    dlat = metres_around / 111_000.0
    dlon = metres_around / (111_000.0 * max(math.cos(math.radians(lat)), 0.01))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


async def near_duplicate(session: AsyncSession, merchant: Merchant, principal: Principal) -> str | None:
    """Same street and the same name once diacritics, case and spacing are gone, or within 30 m; only shops
    the caller may see are named (another ward's shop is not theirs to learn about)."""
    if merchant.street_id is None:
        return None
    located = merchant.lat is not None and merchant.lon is not None
    around = box(merchant.lat, merchant.lon, NEAR_METRES) if located else None  # type: ignore[arg-type]
    key = fold_compact(merchant.name)
    candidates = await MerchantRepository(session).near_duplicates(
        principal, merchant.street_id, merchant.id, key, around
    )
    for other in candidates:
        if key and other.name_compact == key:
            return other.id
        if located and other.lat is not None and other.lon is not None:  # noqa: SIM102
            if metres(merchant.lat, merchant.lon, other.lat, other.lon) <= NEAR_METRES:  # type: ignore[arg-type]
                return other.id
    return None
