"""The overview shows, per unit and beside QR coverage, the share of shops with an e-invoice method (issue 19):
counted from the shops themselves, closed shops and `none` left out, read from the partial index alone."""

from __future__ import annotations

from sqlalchemy import update

from app.coverage.repository import CoverageRepository
from app.merchants.models import Merchant
from tests.app.dashboard.support import sign_in
from tests.app.dashboard.test_pages import cell
from tests.factories import make_merchant
from tests.plans import plan_of


async def _shops(session, unit_code: str, methods: list[str | None], status: str = "active") -> None:
    for i, method in enumerate(methods):
        m = await make_merchant(session, name=f"Shop {unit_code} {i}", unit_code=unit_code, status=status)
        await session.execute(update(Merchant).where(Merchant.id == m.id).values(einvoice_method=method))


async def test_overview_shows_the_einvoice_share_per_unit(web, session) -> None:  # type: ignore[no-untyped-def]
    await _shops(session, "26506", ["tax_authority_code", "cash_register", "none", None, "cash_register"])
    await _shops(session, "26506", ["cash_register"], status="closed")  # out of every count
    await _shops(session, "26526", ["none", None])
    await sign_in(web, "admin")
    html = (await web.get("/dashboard")).text
    assert cell(html, "unit-2025-26506", "einvoice") == "3 (60,0 %)"  # 3 of its 5 active shops
    assert cell(html, "unit-2025-26526", "einvoice") == "0 (0,0 %)"
    assert cell(html, "total", "einvoice").startswith("3 (")
    en = (await web.get("/dashboard", params={"lang": "en"})).text
    assert "Issue e-invoices" in en and "Dùng hóa đơn điện tử" in html


async def test_the_count_reads_only_the_partial_index(session) -> None:  # type: ignore[no-untyped-def]
    await _shops(session, "26506", ["cash_register", None])
    repo = CoverageRepository(session)
    assert await repo.einvoicing("2025", ["26506", "26526"]) == {"26506": 1}
    plan = "\n".join(await plan_of(session, lambda: repo.einvoicing("2025", ["26506"]), off=("enable_seqscan",)))
    assert "ix_merchant_einvoicing" in plan, plan
