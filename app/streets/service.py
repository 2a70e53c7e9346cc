"""Streets, stretches and markets; which are model streets and what they must reach is the wards' call."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.auth import Principal
from app.auth.schemas import UnitRef
from app.core.concurrency import check_version
from app.core.db import utcnow
from app.core.db.integrity import violated
from app.core.editions import Edition
from app.core.errors import Conflict, Forbidden, NotFound
from app.core.events import StreetRenamed, publish_street_renamed
from app.core.text import fold
from app.streets.models import Street
from app.streets.repository import StreetRepository
from app.streets.schemas import StreetCreate, StreetOut, StreetPatch
from app.units.repository import UnitRepository
from app.units.service import require_unit

FIELDS = (
    "kind",
    "name",
    "segment",
    "is_model_street",
    "target_pct",
    "target_date",
    "baseline_shop_count",
    "note",
)


async def _flush(session: AsyncSession) -> None:
    """Only the natural-key index means "this street exists already"; any other violation is not a conflict."""
    try:
        await session.flush()
    except IntegrityError as exc:
        if violated(exc) != "uq_street_natural_key":
            raise
        raise Conflict("Tuyến phố này đã có", "This street already exists", code="duplicate_street") from exc


def natural_key(kind: str, name: str, segment: str | None) -> str:
    return f"{kind}|{fold(name)}|{fold(segment)}"


def to_out(street: Street, units: list[tuple[str, str]]) -> StreetOut:
    return StreetOut(
        id=street.id or 0,
        kind=street.kind,
        name=street.name,
        segment=street.segment,
        units=[UnitRef(edition=e, code=c) for e, c in units],
        is_model_street=street.is_model_street,
        target_pct=street.target_pct,
        target_date=street.target_date,
        baseline_shop_count=street.baseline_shop_count,
        note=street.note,
        version=street.version,
    )


async def expand_units(session: AsyncSession, units: list[UnitRef]) -> set[tuple[str, str]]:
    """The given units plus the 2025 successors of any 2020 unit, so both editions can be queried."""
    succ = await UnitRepository(session).successor_map()
    out: set[tuple[str, str]] = set()
    for i, u in enumerate(units):
        await require_unit(session, u.edition, u.code, field=f"units.{i}")
        out.add((u.edition, u.code))
        if u.edition == Edition.Y2020 and u.code in succ:
            out.add(("2025", succ[u.code]))
    return out


async def _require_scope(
    session: AsyncSession, principal: Principal, units: set[tuple[str, str]] | list[tuple[str, str]]
) -> None:
    """Authority over every unit the street touches (a 2020 unit through its 2025 successor), or city-wide:
    a street shared with another ward is changed by both wards together, i.e. by the city."""
    if principal.sees_all:
        return
    succ = await UnitRepository(session).successor_map()
    codes = {c if e == Edition.Y2025 else succ.get(c) for e, c in units}
    if not codes or not all(principal.covers_unit(c) for c in codes):
        raise Forbidden(
            "Tuyến phố đi qua đơn vị không thuộc quyền của bạn; cần thành phố thay đổi",
            "The street touches units outside yours; the city must change it",
        )


async def get_street(session: AsyncSession, street_id: int) -> tuple[Street, list[tuple[str, str]]]:
    repo = StreetRepository(session)
    street = await repo.get(street_id)
    if street is None:
        raise NotFound(f"Không có tuyến phố {street_id}", f"No street {street_id}", code="street_not_found")
    return street, (await repo.units_of([street_id]))[street_id]


async def list_streets(
    session: AsyncSession,
    *,
    unit: tuple[str, str] | None,
    model: bool | None,
    kind: str | None,
    q: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[StreetOut], str | None]:
    repo = StreetRepository(session)
    rows, nxt = await repo.search(unit=unit, model=model, kind=kind, q=fold(q) or None, cursor=cursor, limit=limit)
    units = await repo.units_of([r.id or 0 for r in rows])
    return [to_out(r, units[r.id or 0]) for r in rows], nxt


async def create_street(session: AsyncSession, principal: Principal, body: StreetCreate) -> StreetOut:
    units = await expand_units(session, body.units)
    await _require_scope(session, principal, units)
    repo = StreetRepository(session)
    key = natural_key(body.kind, body.name, body.segment)
    if await repo.by_natural_key(key) is not None:
        raise Conflict("Tuyến phố này đã có", "This street already exists", code="duplicate_street")
    street = Street(
        kind=body.kind,
        name=body.name,
        segment=body.segment,
        natural_key=key,
        name_search=fold(body.name),
        is_model_street=bool(body.is_model_street),
        target_pct=body.target_pct,
        target_date=body.target_date,
        baseline_shop_count=body.baseline_shop_count,
        note=body.note,
        created_by=principal.id,
    )
    session.add(street)
    await _flush(session)
    await repo.set_units(street.id or 0, units)
    after = audit.snapshot(street, FIELDS) | {"units": sorted(f"{e}:{c}" for e, c in units)}
    await audit.record(session, principal, "street.create", "street", street.id or 0, after=after)
    return to_out(street, sorted(units))


async def patch_street(
    session: AsyncSession, principal: Principal, street_id: int, body: StreetPatch, expected: int
) -> StreetOut:
    street, units = await get_street(session, street_id)
    await _require_scope(session, principal, units)  # before: every unit it touches now
    check_version(street.version, expected, resource="Tuyến phố")
    before = audit.snapshot(street, FIELDS) | {"units": [f"{e}:{c}" for e, c in units]}
    changes = body.model_dump(exclude_unset=True)
    new_units = None
    if "units" in changes:
        new_units = await expand_units(session, body.units or [])
        await _require_scope(session, principal, new_units)  # after: every unit it will touch
        changes.pop("units")
    renamed = "name" in changes and changes["name"] != street.name
    for k, v in changes.items():
        setattr(street, k, v)
    street.natural_key = natural_key(street.kind, street.name, street.segment)
    street.name_search = fold(street.name)
    street.version += 1
    street.updated_at = utcnow()
    await _flush(session)
    if new_units is not None:
        await StreetRepository(session).set_units(street_id, new_units)
        units = sorted(new_units)
    after = audit.snapshot(street, FIELDS) | {"units": [f"{e}:{c}" for e, c in units]}
    await audit.record(session, principal, "street.update", "street", street_id, before=before, after=after)
    if renamed:  # the banks' records of its shops carry the name
        await publish_street_renamed(session, StreetRenamed(street_id))
    return to_out(street, units)
