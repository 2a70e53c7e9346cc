"""`phoqr demo-data --merchants N`: a living city for a newcomer's dashboard.

Realistic shops (Vietnamese names by category, owners, phones, house numbers) on the seeded streets and
markets, GPS around each street, a mix of banks (weighted to the big ones) and some VNPAY merchants, QRs for a
share of them with coverage that differs street by street, a few closed shops, mixed review states, and a
third of the streets made model streets with targets and baselines. Rows are built by the same builder the
merchant service uses (`app.merchants.builder`), inserted in bulk with an audit row each (merchant.create,
qr.issue; no actor, device "demo-data"), deterministic with --seed; the running coverage counters are rebuilt
at the end.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

import qr
from app.audit.models import AuditLog
from app.core.db import utcnow
from app.core.editions import Edition
from app.coverage.counters import rebuild
from app.demo.province import province_streets
from app.demo.repository import DEVICE, DemoRepository
from app.merchants.builder import account_key, build_account, build_merchant, derive
from app.merchants.changes import snapshot
from app.merchants.enums import AccountKind, Category, MerchantStatus, NonCoverage, QRScheme, ReviewState
from app.merchants.models import Merchant, PaymentAccount, QRCode
from app.merchants.qr_records import qr_snapshot
from app.qrcodes.issuing import STICKER_ALPHABET
from app.qrcodes.presentation import payload_hash
from app.streets.models import Street
from app.streets.repository import StreetRepository
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
STREET_CATEGORIES = [Category(c) for c in SHOP_NAMES]
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
BANK_BINS, BANK_WEIGHTS = (list(x) for x in zip(*BANKS, strict=True))
ANCHOR = (10.346, 107.084)


def _rng_name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


async def _streets(session: AsyncSession) -> list[tuple[Street, list[str], list[str]]]:
    succ = await UnitRepository(session).successor_map()
    repo = StreetRepository(session)
    streets = await repo.all_ordered()
    units_of = await repo.units_of([s.id or 0 for s in streets])
    out = []
    for street in streets:
        units = units_of[street.id or 0]
        new = sorted({c for e, c in units if e == Edition.Y2025})
        old = sorted({c for e, c in units if e == Edition.Y2020 and succ.get(c) in new})
        if new:
            out.append((street, new, old))
    return out


def _audit_row(action: str, entity_type: str, entity_id: str, after: dict[str, Any], at: Any) -> dict[str, Any]:
    """What `app.audit.service.record` writes for a change made by the system (no user), as a bulk row."""
    row = AuditLog(at=at, device_id=DEVICE, action=action, entity_type=entity_type, entity_id=entity_id, after=after)
    return row.model_dump(exclude={"id"})


def _shop(rng: random.Random, street: Street, unit: str, olds: list[str], anchor: tuple[float, float]) -> Merchant:
    category = Category.MARKET_STALL if street.kind == "market" else rng.choice(STREET_CATEGORIES)
    owner, given = _rng_name(rng), rng.choice(GIVEN)
    template = rng.choice(SHOP_NAMES.get(category, ["Sạp {g}"]))
    name = template.format(g=given) if category != Category.MARKET_STALL else f"Sạp {rng.randint(1, 400)} - {owner}"
    return build_merchant(
        id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        name=name,
        category=category,
        owner_name=owner,
        house_number=f"{rng.randint(1, 300)}",
        street_id=street.id,
        unit_code=unit,
        unit_code_2020=olds[0] if len(olds) == 1 else (rng.choice(olds) if olds else None),
        lat=anchor[0] + rng.gauss(0, 0.0008),
        lon=anchor[1] + rng.gauss(0, 0.0008),
        accuracy_m=rng.choice([5.0, 8.0, 12.0, 20.0]),
        review_state=rng.choices(list(ReviewState), [3, 6, 1])[0],
        device_id=DEVICE,
    )


def _account(rng: random.Random, m: Merchant, closed: bool) -> tuple[PaymentAccount, str]:
    """The shop's account and the payload of the QR it would show."""
    if rng.random() < 0.05:
        mid = f"01{rng.randrange(10**8):08d}"
        account = build_account(m.id, kind=AccountKind.VNPAY, vnpay_merchant_id=mid, shop_active=not closed)
        return account, qr.build_vnpay(mid, merchant_name=qr.to_payload_text(m.name, 25).text.upper() or "SHOP")
    bank_bin = rng.choices(BANK_BINS, BANK_WEIGHTS)[0]
    number = f"{rng.randrange(10**12, 10**13)}"
    name = qr.to_payload_text(m.owner_name or "").text.upper()
    account = build_account(m.id, bank_bin=bank_bin, account_number=number, account_name=name, shop_active=not closed)
    return account, qr.build_vietqr(bank_bin, number)


async def generate(
    session: AsyncSession, merchants: int, *, seed: int = 7, created_by: int | None = None, province: str | None = None
) -> dict[str, int]:
    repo = DemoRepository(session)
    # same seed on the same database state -> same shops; a second run continues instead of repeating ids
    before = await repo.demo_shops()
    rng = random.Random(f"{seed}:{before}")  # noqa: S311 - demo data, reproducible on purpose
    if province is None:  # Vũng Tàu's seeded streets and markets, the default demo
        streets = await _streets(session)
        anchors = {
            s.id: (ANCHOR[0] + rng.uniform(-0.03, 0.04), ANCHOR[1] + rng.uniform(-0.015, 0.012)) for s, _, _ in streets
        }
    else:  # every ward of a province, each street near its ward's point
        streets, points = await province_streets(session, province, rng)
        anchors = {
            s.id: (points[new[0]][0] + rng.uniform(-0.004, 0.004), points[new[0]][1] + rng.uniform(-0.004, 0.004))
            for s, new, _ in streets
        }
    if not streets:
        return {"merchants": 0, "qr": 0, "closed": 0}
    succ = await UnitRepository(session).successor_map()
    phones, keys = await repo.held_phones(), await repo.held_account_keys()
    levels = {s.id: rng.choice([0.2, 0.35, 0.5, 0.7, 0.85, 0.95, 1.0]) for s, _, _ in streets}
    prefix = "".join(rng.choice(STICKER_ALPHABET) for _ in range(3))
    now = utcnow()
    counts = {"merchants": 0, "qr": 0, "closed": 0}
    batches: dict[type[Any], list[dict[str, Any]]] = {Merchant: [], PaymentAccount: [], QRCode: [], AuditLog: []}

    async def flush() -> None:
        for model, rows in batches.items():  # merchants before their accounts and QRs (foreign keys)
            await repo.insert_many(model, rows)

    for i in range(merchants):
        street, new_units, old_units = rng.choice(streets)
        unit = rng.choice(new_units)
        m = _shop(rng, street, unit, [c for c in old_units if succ.get(c) == unit], anchors[street.id])
        phone = None
        while phone is None or phone in phones:
            phone = rng.choice(["090", "091", "093", "097", "098", "086", "035", "038"]) + f"{rng.randrange(10**7):07d}"
        phones.add(phone)
        closed = rng.random() < 0.03
        has_qr = not closed and rng.random() < levels[street.id]
        m.phone, m.has_qr, m.created_by, m.created_at, m.updated_at = phone, has_qr, created_by, now, now
        if closed:
            m.status, m.close_reason, m.closed_at = MerchantStatus.CLOSED, "Ngừng kinh doanh", now
        elif not has_qr and rng.random() <= 0.1:
            m.non_coverage_reason = rng.choice(list(NonCoverage))
        derive(m)
        account, payload = _account(rng, m, closed)
        key = account_key(account)
        if key is None or key in keys:
            continue
        keys.add(key)
        batches[Merchant].append(m.model_dump())
        batches[PaymentAccount].append(account.model_dump())
        batches[AuditLog].append(_audit_row("merchant.create", "merchant", m.id, snapshot(m), now))
        if has_qr:
            code = f"{prefix}{i:07d}"
            row = QRCode(
                id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                merchant_id=m.id,
                scheme=QRScheme.VNPAY if account.kind == AccountKind.VNPAY else QRScheme.VIETQR,
                payload=payload,
                payload_hash=payload_hash(payload),
                sticker_code=f"DM-{code[:5]}-{code[5:]}",
                active_for=m.id,
                bank_bin=account.bank_bin,
                account_number=account.account_number,
                account_name=account.account_name,
                vnpay_merchant_id=account.vnpay_merchant_id,
                adapter=DEVICE,
                issued_at=now,
                issued_by=created_by,
            )
            batches[QRCode].append(row.model_dump())
            batches[AuditLog].append(_audit_row("qr.issue", "qr", row.id, qr_snapshot(row), now))
            counts["qr"] += 1
        counts["merchants"] += 1
        counts["closed"] += closed
        if len(batches[Merchant]) >= 2000:
            await flush()
    await flush()
    await _model_streets(session, rng)
    # bulk rows skip ShopChanged: the counters are recounted once, from the shops now stored
    await rebuild(session)
    return counts


async def _model_streets(session: AsyncSession, rng: random.Random) -> None:
    repo = DemoRepository(session)
    for street_id, count in await repo.active_per_street():
        if street_id is None or rng.random() > 0.35:
            continue
        await repo.make_model_street(street_id, int(count * rng.uniform(1.0, 1.2)))
