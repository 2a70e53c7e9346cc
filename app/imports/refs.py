"""Reference data an import reads once: the unit's streets, the banks, the consent texts, the categories.

The template writes them as its reference sheets and the rows are resolved against them, so what the
dropdowns offer and what the upload accepts are the same lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.text import fold
from app.imports.repository import ImportRepository
from app.merchants.enums import Category, NonCoverage

CATEGORY_VI = {
    Category.GROCERY: "Tạp hóa",
    Category.GENERAL_STORE: "Cửa hàng bách hóa",
    Category.MARKET_STALL: "Sạp chợ",
    Category.RESTAURANT: "Nhà hàng",
    Category.EATERY: "Quán ăn",
    Category.CAFE: "Cà phê",
    Category.SUPERMARKET: "Siêu thị",
    Category.HOTEL: "Khách sạn, nhà nghỉ",
    Category.PHARMACY: "Nhà thuốc",
    Category.OTHER: "Khác",
}
EINVOICE_VI = {
    "none": "Chưa dùng",
    "tax_authority_code": "Hóa đơn có mã của cơ quan thuế",
    "cash_register": "Máy tính tiền",
}
NON_COVERAGE_VI = {
    NonCoverage.REFUSED: "Chủ từ chối",
    NonCoverage.NO_BANK_ACCOUNT: "Chưa có tài khoản",
    NonCoverage.NOT_ELIGIBLE: "Không đủ điều kiện",
}


@dataclass(slots=True)
class Refs:
    unit: tuple[str, str]
    streets: list[tuple[int, str, str, str | None]] = field(default_factory=list)  # id, kind, name, segment
    banks: list[tuple[str, str, str]] = field(default_factory=list)  # bin, short name, name
    texts: list[tuple[int, str, str]] = field(default_factory=list)  # version, purpose, sha256
    _street_ids: set[int] = field(default_factory=set)
    _street_names: dict[str, list[int]] = field(default_factory=dict)
    _bank_names: dict[str, str] = field(default_factory=dict)

    def index(self) -> Refs:
        self._street_ids = {s[0] for s in self.streets}
        for sid, _kind, name, segment in self.streets:
            self._street_names.setdefault(fold(name), []).append(sid)
            if segment:
                self._street_names.setdefault(fold(f"{name} {segment}"), []).append(sid)
        for bin_, short, name in self.banks:
            self._bank_names[bin_] = bin_
            self._bank_names.setdefault(fold(short), bin_)
            self._bank_names.setdefault(fold(name), bin_)
        return self

    def has_street(self, street_id: int) -> bool:
        return street_id in self._street_ids

    def streets_named(self, name: str) -> list[int]:
        """Ids of the unit's streets (or markets) by name, diacritics and case ignored."""
        return self._street_names.get(fold(name), [])

    def bank_bin(self, bin_or_name: str) -> str | None:
        return self._bank_names.get(fold(bin_or_name))

    def category(self, text: str) -> str | None:
        key = fold(text)
        for c in Category:
            if key in (c.value, fold(CATEGORY_VI[c])):
                return c.value
        return None


async def load(session: AsyncSession, unit: tuple[str, str]) -> Refs:
    refs = Refs(unit)
    repo = ImportRepository(session)
    refs.streets = await repo.streets_of_unit(unit)
    refs.banks = await repo.active_banks()
    refs.texts = await repo.consent_texts()
    return refs.index()
