"""The periodic report from the last snapshot of a period (up to `as_of`) and the previous period's last one.

Per unit (the chosen edition), per street and per category within each 2025 unit, with targets, the gap to
them, and the change since the previous period. Street and category rows of a unit add up to the unit's
shops and shops with QR; unit rows add up to the total. Denominators follow GET /coverage: a unit's or
street's max(baseline, shops) that day; a category has no baseline, so its denominator is its shops.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import utcnow
from app.core.errors import NotFound, ValidationFailed
from app.history import periods
from app.history.repository import HistoryRepository
from app.history.runs import run_for_period
from app.history.snapshot import local_today
from app.reports.model import CATEGORY_VI, INFORMATIVE_CATEGORIES, PLAN_CATEGORIES, PLAN_NAME, Report, Table, pct
from app.reports.scope import by_province, scope_of
from app.reports.tables import category_columns, street_columns, unit_columns
from app.streets.repository import StreetRepository
from app.units.repository import UnitRepository
from app.units.service import require_unit

UNKNOWN_OLD_WARD = "Chưa xác định phường cũ"
UNKNOWN_PROVINCE = "Chưa xác định tỉnh (phường cũ chưa rõ)"


def figures(shops: int, with_qr: int, baseline: int | None = None, target_pct: int | None = None) -> dict[str, Any]:
    denominator = max(baseline or 0, shops)
    gap = max(0, math.ceil(target_pct * denominator / 100) - with_qr) if target_pct is not None else None
    return {
        "shops": shops,
        "with_qr": with_qr,
        "denominator": denominator,
        "pct": pct(with_qr, denominator),
        "target_pct": target_pct / 100 if target_pct is not None else None,
        "gap": gap,
    }


def with_change(row: dict[str, Any], before: dict[str, Any] | None) -> dict[str, Any]:
    """Adds the previous period's figures and the change; `before` None = not there in the previous period."""
    if before is None:
        return row
    row["_prev_denominator"] = before["denominator"]
    row["prev_with_qr"], row["prev_pct"] = before["with_qr"], before["pct"]
    row["change_with_qr"] = row["with_qr"] - before["with_qr"]
    if row["pct"] is not None and before["pct"] is not None:
        row["change_pct"] = round(row["pct"] - before["pct"], 3)
    return row


def summed(rows: list[dict[str, Any]], **label: Any) -> dict[str, Any]:
    """A subtotal or total: sums of counts and of denominators (a percentage is never averaged)."""
    shops, with_qr = sum(r["shops"] for r in rows), sum(r["with_qr"] for r in rows)
    denominator = sum(r["denominator"] for r in rows)
    out = {**label, "shops": shops, "with_qr": with_qr, "denominator": denominator, "pct": pct(with_qr, denominator)}
    if any("_prev_denominator" in r for r in rows):
        before_qr = sum(r.get("prev_with_qr", 0) for r in rows)
        before_den = sum(r.get("_prev_denominator", 0) for r in rows)
        with_change(out, {"with_qr": before_qr, "denominator": before_den, "pct": pct(before_qr, before_den)})
    return out


async def _rows(repo: HistoryRepository, day: date | None) -> dict[str, list[Any]]:
    if day is None:
        return {"unit": [], "street": [], "category": []}
    return {level: await repo.series(level=level, days=[day]) for level in ("unit", "street", "category")}


async def build_report(
    session: AsyncSession,
    *,
    edition: str = "2025",
    unit: tuple[str, str] | None = None,
    period: str = "half_year",
    as_of: date | None = None,
    level: str = "unit",
) -> Report:
    """level=unit: a row per commune (or old ward) of the scope; level=province: a row per province, each the
    sum of its communes' rows. `unit` narrows the scope to a commune, an old ward or a province."""
    today = local_today()
    as_of = as_of or today
    if as_of > today:
        raise ValidationFailed("as_of", "Ngày báo cáo không được ở tương lai", "as_of cannot be in the future")
    if unit is not None:
        await require_unit(session, *unit)
    run, previous = await run_for_period(session, period, as_of)
    if run is None:
        raise NotFound(
            "Kỳ này chưa có bản chụp số liệu (chạy phoqr snapshot)",
            "No coverage snapshot in this period yet (run phoqr snapshot)",
            code="snapshot_not_found",
        )
    repo = HistoryRepository(session)
    now_rows, prev_rows = await _rows(repo, run.day), await _rows(repo, previous.day if previous else None)
    refs = {(r.edition, r.code) for rows in (now_rows, prev_rows) for r in rows["unit"] if r.code}
    refs |= {("2025", r.unit_code) for rows in (now_rows, prev_rows) for kind in rows for r in rows[kind]}
    names = await UnitRepository(session).names(refs | ({unit} if unit else set()))
    streets = {s.id: s for s in await StreetRepository(session).all_ordered()}
    scope = await scope_of(session, unit, edition, names)
    units_2025 = scope.units_2025

    def prev_of(level: str, r: Any) -> dict[str, Any] | None:
        for p in prev_rows[level]:
            if (p.edition, p.unit_code, p.code) == (r.edition, r.unit_code, r.code):
                return figures(p.shops, p.with_qr, p.baseline_shop_count)
        return None

    # --- units ---------------------------------------------------------------------------------------------
    unit_table = Table("Đơn vị", "Theo đơn vị hành chính", unit_columns())
    picked: list[tuple[Any, dict[str, Any]]] = []
    for r in now_rows["unit"]:
        if not scope.wants(r):
            continue
        name = names.get((r.edition, r.code)) or f"{UNKNOWN_OLD_WARD} ({names.get(('2025', r.unit_code), '')})"
        row: dict[str, Any] = {"code": f"{r.edition}:{r.code}" if r.code else "", "name": name, "_style": ""}
        row |= figures(r.shops, r.with_qr, r.baseline_shop_count, r.target_pct) | {"target_date": r.target_date}
        picked.append((r, with_change(row, prev_of("unit", r))))
    unit_table.rows = [row for _, row in picked]
    if level == "province":
        unit_table.title = "Theo tỉnh, thành phố (tổng các đơn vị cấp xã)"
        unit_table.rows = await by_province(session, picked, summed, UNKNOWN_PROVINCE)
    unit_table.rows.append(summed(unit_table.rows, code="", name="Tổng cộng", _style="total"))

    # --- streets ---------------------------------------------------------------------------------------------
    street_table = Table("Tuyến phố", "Theo tuyến phố, đoạn phố và chợ (tuyến mẫu trước)", street_columns())
    subtotals = []
    for code in units_2025:
        part = []
        for r in (x for x in now_rows["street"] if x.unit_code == code):
            s = streets.get(int(r.code))
            row = {
                "unit": names.get(("2025", code), code),
                "street_id": int(r.code) or None,
                "name": s.name if s else "(chưa gắn tuyến phố)",
                "segment": s.segment if s else None,
                "kind": ("Chợ" if s.kind == "market" else "Tuyến phố") if s else "",
                "model": "Tuyến mẫu" if r.is_model_street else "",
                "target_date": r.target_date,
                "_style": "",
                "_sort": (not r.is_model_street, s is None, s.name_search if s else ""),
            }
            row |= figures(r.shops, r.with_qr, r.baseline_shop_count, r.target_pct)
            part.append(with_change(row, prev_of("street", r)))
        part.sort(key=lambda x: x.pop("_sort"))
        subtotal = summed(part, unit=names.get(("2025", code), code), name="Cộng đơn vị", _style="subtotal")
        street_table.rows += [*part, subtotal]
        subtotals.append(subtotal)
    street_table.rows.append(summed(subtotals, unit="", name="Tổng cộng", _style="total"))

    # --- categories ------------------------------------------------------------------------------------------
    order = {c: i for i, c in enumerate([*PLAN_CATEGORIES, *INFORMATIVE_CATEGORIES, *CATEGORY_VI])}
    category_table = Table("Ngành hàng", f"Theo ngành hàng (chỉ tiêu {PLAN_NAME})", category_columns())
    city: dict[str, list[dict[str, Any]]] = defaultdict(list)
    unit_totals = []
    for code in units_2025:
        part = []
        rows = sorted((x for x in now_rows["category"] if x.unit_code == code), key=lambda x: order.get(x.code, 99))
        for r in rows:
            in_plan = r.code in PLAN_CATEGORIES
            row = {"unit": names.get(("2025", code), code), "category": CATEGORY_VI.get(r.code, r.code), "_style": ""}
            row["plan"] = "100%" if in_plan else ("Tham khảo" if r.code in INFORMATIVE_CATEGORIES else "")
            row |= figures(r.shops, r.with_qr, None, 100 if in_plan else None) | {"_in_plan": in_plan}
            part.append(with_change(row, prev_of("category", r)))
            city[r.code].append(row)
        total = summed(part, unit=names.get(("2025", code), code), category="Cộng đơn vị", _style="subtotal")
        plan = [p for p in part if p["_in_plan"]]
        group = summed(plan, unit="", category=f"Trong đó: nhóm chỉ tiêu {PLAN_NAME}", plan="100%", _style="note")
        category_table.rows += [*part, total, group]
        unit_totals.append(total)
    city_rows = [
        summed(rows, unit="Toàn phạm vi", category=CATEGORY_VI.get(c, c), _style="")
        for c, rows in sorted(city.items(), key=lambda kv: order.get(kv[0], 99))
    ]
    category_table.rows += city_rows
    category_table.rows.append(summed(unit_totals, unit="", category="Tổng cộng", _style="total"))
    plan_all = [r for c, rows in city.items() if c in PLAN_CATEGORIES for r in rows]
    plan_total = summed(plan_all)

    title = "toàn thành phố" if unit is None else f"{names.get(unit, '')} ({unit[0]}:{unit[1]})"
    prev_start, _ = periods.previous(period, as_of)
    return Report(
        period=period,
        period_label=periods.label(period, as_of),
        period_title=periods.title_vi(period, as_of),
        scope_title=title + (", theo tỉnh, thành phố" if level == "province" else ""),
        edition=edition,
        as_of=as_of,
        snapshot_id=run.id or 0,
        snapshot_day=run.day,
        snapshot_taken_at=run.taken_at,
        previous_snapshot_id=previous.id if previous else None,
        previous_day=previous.day if previous else None,
        previous_title=periods.title_vi(period, prev_start),
        generated_at=utcnow(),
        plan_line=(
            f"{PLAN_NAME}: 100% cửa hàng tạp hóa, bách hóa, nhà hàng, siêu thị chấp nhận thanh toán bằng mã QR; "
            f"phạm vi này đạt {_percent(plan_total['pct'])} ({plan_total['with_qr']}/{plan_total['shops']} cửa hàng)"
        ),
        tables=[unit_table, street_table, category_table] if units_2025 else [unit_table],
    )


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%".replace(".", ",")
