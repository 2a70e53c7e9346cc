"""`phoqr demo-data --merchants N`: a living city for a newcomer's dashboard.

Realistic shops (Vietnamese names by category, owners, phones, house numbers) on the seeded streets and
markets, GPS around each street, a mix of banks (weighted to the big ones) and some VNPAY merchants, QRs for a
share of them with coverage that differs street by street, a few closed shops, mixed review states, and a
third of the streets made model streets with targets and baselines. Inserted in bulk (no HTTP, no audit rows),
deterministic with --seed; the running coverage counters are rebuilt at the end.
"""

from __future__ import annotations

import random
import uuid
from datetime import date

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

import qr
from app.core.db import utcnow
from app.core.text import fold
from app.coverage.counters import rebuild
from app.merchants.models import Merchant, PaymentAccount
from app.qrcodes.models import QRCode
from app.qrcodes.service import STICKER_ALPHABET, payload_hash
from app.streets.models import Street, StreetUnit
from app.units.repository import UnitRepository

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Thị", "Văn", "Hữu", "Minh", "Ngọc", "Thanh", "Quốc", "Kim", "Đức", "Thu"]
GIVEN = ["Hương", "Lan", "Bảy", "Hà", "Tuấn", "Dũng", "Mai", "Hoa", "Phúc", "Cường", "Thảo", "Nam", "Hạnh", "Long"]
SHOP_NAMES = {
    "grocery": ["Tạp hóa {g}", "Tạp hóa Cô {g}", "Tạp hóa Chị {g}"],
    "general_store": ["Cửa hàng {g}", "Bách hóa {g}"],
    "restaurant": ["Nhà hàng Hải sản {g}", "Quán {g} Biển"],
    "eatery": ["Cơm tấm {g}", "Bánh khọt Cô {g}", "Phở {g}", "Bún chả {g}"],
    "cafe": ["Cà phê {g}", "Cà phê Biển Xanh {g}", "Trà sữa {g}"],
    "supermarket": ["Siêu thị mini {g}"],
    "hotel": ["Khách sạn {g}", "Nhà nghỉ {g}"],
    "pharmacy": ["Nhà thuốc {g}", "Nhà thuốc Minh Châu {g}"],
    "other": ["Tiệm {g}", "Sửa xe {g}"],
}
STREET_CATEGORIES = list(SHOP_NAMES)
BANKS = [
    ("970436", 18),
    ("970415", 14),
    ("970418", 14),
    ("970407", 10),
    ("970422", 10),
    ("970416", 8),
    ("970432", 6),
    ("970403", 6),
    ("970405", 8),
    ("970423", 4),
    ("970441", 2),
]
ANCHOR = (10.346, 107.084)


def _rng_name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


async def _streets(session: AsyncSession) -> list[tuple[Street, list[str], list[str]]]:
    succ = await UnitRepository(session).successor_map()
    out = []
    for street in (await session.execute(select(Street).order_by(Street.id))).scalars():
        units = (await session.execute(select(StreetUnit).where(StreetUnit.street_id == street.id))).scalars().all()
        new = sorted({u.code for u in units if u.edition == "2025"})
        old = sorted({u.code for u in units if u.edition == "2020" and succ.get(u.code) in new})
        if new:
            out.append((street, new, old))
    return out


async def generate(session: AsyncSession, merchants: int, *, seed: int = 7, created_by: int | None = None) -> dict:
    from sqlalchemy import func

    # same seed on the same database state -> same shops; a second run continues instead of repeating ids
    before = (await session.execute(select(func.count()).where(Merchant.device_id == "demo-data"))).scalar_one()
    rng = random.Random(f"{seed}:{before}")  # noqa: S311 - demo data, reproducible on purpose
    streets = await _streets(session)
    succ = await UnitRepository(session).successor_map()
    phones = set(
        (await session.execute(select(Merchant.phone_active).where(Merchant.phone_active.is_not(None)))).scalars()
    )
    keys = set(
        (
            await session.execute(select(PaymentAccount.active_key).where(PaymentAccount.active_key.is_not(None)))
        ).scalars()
    )
    levels = {s.id: rng.choice([0.2, 0.35, 0.5, 0.7, 0.85, 0.95, 1.0]) for s, _, _ in streets}
    anchors = {
        s.id: (ANCHOR[0] + rng.uniform(-0.03, 0.04), ANCHOR[1] + rng.uniform(-0.015, 0.012)) for s, _, _ in streets
    }
    prefix = "".join(rng.choice(STICKER_ALPHABET) for _ in range(3))
    bank_bins, weights = zip(*BANKS, strict=True)
    now = utcnow()
    counts = {"merchants": 0, "qr": 0, "closed": 0}
    batch_m: list[dict] = []
    batch_a: list[dict] = []
    batch_q: list[dict] = []

    async def flush() -> None:
        for model, rows in ((Merchant, batch_m), (PaymentAccount, batch_a), (QRCode, batch_q)):
            if rows:
                await session.execute(insert(model), rows)
                rows.clear()

    for i in range(merchants):
        street, new_units, old_units = rng.choice(streets)
        unit = rng.choice(new_units)
        olds = [c for c in old_units if succ.get(c) == unit]
        category = "market_stall" if street.kind == "market" else rng.choice(STREET_CATEGORIES)
        owner, given = _rng_name(rng), rng.choice(GIVEN)
        template = rng.choice(SHOP_NAMES.get(category, ["Sạp {g}"]))
        name = template.format(g=given) if category != "market_stall" else f"Sạp {rng.randint(1, 400)} - {owner}"
        phone = None
        while phone is None or phone in phones:
            phone = rng.choice(["090", "091", "093", "097", "098", "086", "035", "038"]) + f"{rng.randrange(10**7):07d}"
        phones.add(phone)
        closed = rng.random() < 0.03
        mid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        lat, lon = anchors[street.id]
        vnpay = rng.random() < 0.05
        has_qr = not closed and rng.random() < levels[street.id]
        m = {
            "id": mid,
            "name": name,
            "name_search": fold(name),
            "category": category,
            "owner_name": owner,
            "phone": phone,
            "phone_active": None if closed else phone,
            "house_number": f"{rng.randint(1, 300)}",
            "street_id": street.id,
            "unit_code": unit,
            "unit_code_2020": olds[0] if len(olds) == 1 else (rng.choice(olds) if olds else None),
            "lat": lat + rng.gauss(0, 0.0008),
            "lon": lon + rng.gauss(0, 0.0008),
            "accuracy_m": rng.choice([5.0, 8.0, 12.0, 20.0]),
            "status": "closed" if closed else "active",
            "close_reason": "Ngừng kinh doanh" if closed else None,
            "closed_at": now if closed else None,
            "review_state": rng.choices(["approved", "pending", "rejected"], [6, 3, 1])[0],
            "non_coverage_reason": None
            if has_qr or closed or rng.random() > 0.1
            else rng.choice(["refused", "no_bank_account", "not_eligible"]),
            "has_qr": has_qr,
            "version": 1,
            "created_by": created_by,
            "created_at": now,
            "updated_at": now,
            "review_reason": None,
            "reviewed_by": None,
            "reviewed_at": None,
            "possible_duplicate_of": None,
            "create_hash": None,
            "device_id": "demo-data",
        }
        m["search_text"] = " ".join(fold(x) for x in (name, owner, phone, m["house_number"]))
        if vnpay:
            merchant_id = f"01{rng.randrange(10**8):08d}"
            key = f"vnpay:{merchant_id}:"
            account = {
                "merchant_id": mid,
                "kind": "vnpay",
                "bank_bin": None,
                "account_number": None,
                "account_name": None,
                "vnpay_merchant_id": merchant_id,
                "vnpay_terminal_id": None,
            }
            payload = qr.build_vnpay(merchant_id, merchant_name=qr.to_payload_text(name, 25).text.upper() or "SHOP")
        else:
            bank_bin = rng.choices(bank_bins, weights)[0]
            number = f"{rng.randrange(10**12, 10**13)}"
            key = f"{bank_bin}:{number}"
            account = {
                "merchant_id": mid,
                "kind": "account",
                "bank_bin": bank_bin,
                "account_number": number,
                "account_name": qr.to_payload_text(owner).text.upper(),
                "vnpay_merchant_id": None,
                "vnpay_terminal_id": None,
            }
            payload = qr.build_vietqr(bank_bin, number)
        if key in keys:
            continue
        keys.add(key)
        account["active_key"] = None if closed else key
        account["updated_at"] = now
        batch_m.append(m)
        batch_a.append(account)
        if has_qr:
            code = f"{prefix}{i:07d}"
            batch_q.append(
                {
                    "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "merchant_id": mid,
                    "scheme": "vnpay" if vnpay else "vietqr",
                    "source": "issued",
                    "payload": payload,
                    "payload_hash": payload_hash(payload),
                    "sticker_code": f"DM-{code[:5]}-{code[5:]}",
                    "status": "active",
                    "active_for": mid,
                    "bank_bin": account["bank_bin"],
                    "account_number": account["account_number"],
                    "account_name": account["account_name"],
                    "vnpay_merchant_id": account["vnpay_merchant_id"],
                    "adapter": "demo-data",
                    "issued_at": now,
                    "issued_by": created_by,
                    "revoked_at": None,
                    "revoked_by": None,
                    "revoke_reason": None,
                }
            )
            counts["qr"] += 1
        counts["merchants"] += 1
        counts["closed"] += closed
        if len(batch_m) >= 2000:
            await flush()
    await flush()
    await _model_streets(session, rng)
    await rebuild(session)
    return counts


async def _model_streets(session: AsyncSession, rng: random.Random) -> None:
    from sqlalchemy import func

    rows = await session.execute(
        select(Merchant.street_id, func.count()).where(Merchant.status == "active").group_by(Merchant.street_id)
    )
    for street_id, count in rows.all():
        if street_id is None or rng.random() > 0.35:
            continue
        await session.execute(
            update(Street)
            .where(Street.id == street_id, Street.is_model_street.is_(False))
            .values(
                is_model_street=True,
                target_pct=100,
                target_date=date(2026, 12, 31),
                baseline_shop_count=int(count * rng.uniform(1.0, 1.2)),
            )
        )
