"""What a report holds, independent of its file format: titled tables of typed columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

# Kế hoạch 774/KH-UBND: 100 % of these accept QR payment; eateries and cafes are reported for information
PLAN_CATEGORIES = ("grocery", "general_store", "restaurant", "supermarket")
INFORMATIVE_CATEGORIES = ("eatery", "cafe")
CATEGORY_VI = {
    "grocery": "Tạp hóa",
    "general_store": "Bách hóa, cửa hàng tổng hợp",
    "restaurant": "Nhà hàng",
    "supermarket": "Siêu thị",
    "eatery": "Quán ăn",
    "cafe": "Cà phê, giải khát",
    "market_stall": "Sạp chợ",
    "hotel": "Khách sạn, nhà nghỉ",
    "pharmacy": "Nhà thuốc",
    "other": "Khác",
}
PLAN_NAME = "Kế hoạch 774/KH-UBND"


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    heading: str
    kind: str = "text"  # text | int | pct (a fraction, shown as %) | change_pct | date
    width: float = 12


@dataclass
class Table:
    name: str  # sheet name
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)  # "_style": "" | "subtotal" | "total" | "note"


@dataclass
class Report:
    period: str
    period_label: str  # "2026-H2"
    period_title: str  # "6 tháng cuối năm 2026"
    scope_title: str
    edition: str
    as_of: date
    snapshot_id: int
    snapshot_day: date
    snapshot_taken_at: datetime
    previous_snapshot_id: int | None
    previous_day: date | None
    previous_title: str
    generated_at: datetime
    plan_line: str
    tables: list[Table]

    @property
    def filename_stem(self) -> str:
        return f"bao-cao-qr-{self.period_label}-snapshot-{self.snapshot_id}"

    def preamble(self) -> list[str]:
        previous = (
            f"Kỳ trước: {self.previous_title}, bản chụp số {self.previous_snapshot_id} "
            f"ngày {self.previous_day:%d/%m/%Y}"
            if self.previous_snapshot_id is not None and self.previous_day is not None
            else f"Kỳ trước ({self.previous_title}): chưa có bản chụp số liệu"
        )
        return [
            "BÁO CÁO KẾT QUẢ CHẤP NHẬN THANH TOÁN BẰNG MÃ QR",
            f"Kỳ báo cáo: {self.period_title} ({self.period_label}); phạm vi: {self.scope_title}; "
            f"đơn vị hành chính phiên bản {self.edition}",
            f"Số liệu đến ngày {self.as_of:%d/%m/%Y}: bản chụp số (snapshot id) {self.snapshot_id}, "
            f"ngày {self.snapshot_day:%d/%m/%Y}, chụp lúc {self.snapshot_taken_at.isoformat(timespec='seconds')}",
            previous,
            self.plan_line,
        ]


def pct(with_qr: int, denominator: int) -> float | None:
    """GET /coverage's pct (0.1 % steps, at most 100) as a fraction, which spreadsheets format as %."""
    return min(100.0, round(with_qr * 100 / denominator, 1)) / 100 if denominator else None
