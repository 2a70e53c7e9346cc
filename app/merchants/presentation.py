"""How a shop is shown: the API shape of a shop with its payment account, active QR and standing with its bank
(`bank_status`, and the account-name check where the bank offers one; both from app.consents)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

import qr
from app.auth import Principal, Role
from app.auth.schemas import UnitRef
from app.consents.bank_status import standing, standing_of
from app.consents.schemas import AccountCheckOut, BankStatusOut
from app.core.editions import Edition
from app.merchants.changes import ShopRow
from app.merchants.enums import AccountKind
from app.merchants.household import mask_tax_code
from app.merchants.models import Merchant, PaymentAccount, Photo, QRCode
from app.merchants.repository import MerchantRepository
from app.merchants.schemas import Location, MerchantOut, PaymentAccountOut, PhotoRef, QRSummary, Review, VnpayOut


def qr_summary(code: QRCode) -> QRSummary:
    return QRSummary(
        id=code.id,
        scheme=code.scheme,
        payload=code.payload,
        sticker_code=code.sticker_code,
        status=code.status,
        issued_at=code.issued_at,
        image_url=f"/api/v1/qr/{code.id}.png",
        sticker_url=f"/api/v1/qr/{code.id}/sticker.pdf",
    )


def _bank_account(account: PaymentAccount | None) -> PaymentAccountOut | None:
    if account is None or account.kind not in (AccountKind.ACCOUNT, AccountKind.CARD):
        return None
    if not account.bank_bin or not account.account_number:
        return None
    bank = qr.banks.by_bin(account.bank_bin)
    return PaymentAccountOut(
        bank_bin=account.bank_bin,
        bank_short_name=bank.short_name if bank else None,
        account_number=account.account_number,
        account_name=account.account_name,
        kind=account.kind,
    )


def photo_ref(photo: Photo) -> PhotoRef:
    return PhotoRef(
        id=photo.id,
        url=f"/api/v1/merchants/{photo.merchant_id}/photos/{photo.id}",
        content_type=photo.content_type,
        created_at=photo.created_at,
    )


def bank_bin_of(account: PaymentAccount | None) -> str | None:
    """The BIN of the shop's bank account (not of a VNPAY-only shop): whose bank_status the shop shows."""
    ok = account is not None and account.kind in (AccountKind.ACCOUNT, AccountKind.CARD)
    return account.bank_bin if ok and account is not None else None


class _Columns:
    """A new shop's written columns (`ShopRow`) read as attributes, as `to_out` reads a `Merchant`: the answer to a
    registration is built without constructing the table model (~400 Python calls of a registration's ~5,500)."""

    __slots__ = ("_row",)

    def __init__(self, row: ShopRow) -> None:
        self._row = row

    def __getattr__(self, name: str) -> Any:
        return self._row[name]


def to_out(
    shop: Merchant | ShopRow,
    account: PaymentAccount | None,
    active_qr: QRCode | None,
    bank_status: BankStatusOut | None = None,
    account_check: AccountCheckOut | None = None,
    photos: list[Photo] | None = None,
) -> MerchantOut:
    m: Any = _Columns(shop) if isinstance(shop, ShopRow) else shop
    vnpay = None
    if account is not None and account.vnpay_merchant_id:
        vnpay = VnpayOut(merchant_id=account.vnpay_merchant_id, terminal_id=account.vnpay_terminal_id)
    location = None
    if m.lat is not None and m.lon is not None:
        location = Location(lat=m.lat, lon=m.lon, accuracy_m=m.accuracy_m)
    return MerchantOut(
        id=m.id,
        name=m.name,
        category=m.category,
        owner_name=m.owner_name,
        phone=m.phone,
        house_number=m.house_number,
        street_id=m.street_id,
        unit=UnitRef(edition="2025", code=m.unit_code),
        unit_2020=UnitRef(edition="2020", code=m.unit_code_2020) if m.unit_code_2020 else None,
        unit_source=m.unit_source,
        location=location,
        status=m.status,
        close_reason=m.close_reason,
        review=Review(state=m.review_state, reason=m.review_reason, by=m.reviewed_by, at=m.reviewed_at),
        payment_account=_bank_account(account),
        vnpay=vnpay,
        qr=qr_summary(active_qr) if active_qr else None,
        non_coverage_reason=m.non_coverage_reason,
        possible_duplicate_of=m.possible_duplicate_of,
        tax_code=m.tax_code,
        business_registration_number=m.business_registration_number,
        einvoice_method=m.einvoice_method,
        version=m.version,
        created_by=m.created_by,
        created_at=m.created_at,
        updated_at=m.updated_at,
        bank_status=bank_status or BankStatusOut(state="not_sent", bank_bin=bank_bin_of(account)),
        account_check=account_check,
        photos=[photo_ref(p) for p in photos or ()],
    )


def shown_to(principal: Principal, out: MerchantOut) -> MerchantOut:
    """The shop as `principal` may read it: the tax code in full only to the field agents and officers of the
    shop's own unit; everyone else (city admins, auditors, province officers, banks) sees it masked."""
    code = out.unit.code
    # a province's account reaches the commune only through the province: not the shop's own unit
    named = (Edition.Y2025, code) in principal.units or not principal.provinces
    own = principal.role in (Role.FIELD_AGENT, Role.WARD_OFFICER) and code in principal.units_2025 and named
    if out.tax_code is None or (own and not principal.sees_all):
        return out
    return out.model_copy(update={"tax_code": mask_tax_code(out.tax_code)})


async def render(session: AsyncSession, merchant: Merchant, account: PaymentAccount | None = None) -> MerchantOut:
    repo = MerchantRepository(session)
    account = account or await repo.account(merchant.id)
    status, check = await standing_of(session, merchant.id, bank_bin_of(account))
    photos = (await repo.photos_of([merchant.id])).get(merchant.id, [])
    return to_out(merchant, account, await repo.active_qr(merchant.id), status, check, photos)


async def render_many(session: AsyncSession, rows: list[Merchant]) -> list[MerchantOut]:
    repo = MerchantRepository(session)
    ids = [m.id for m in rows]
    accounts, qrs = await repo.accounts(ids), await repo.active_qrs(ids)
    statuses, checks = await standing(session, [(i, bank_bin_of(accounts.get(i))) for i in ids])
    photos = await repo.photos_of(ids)
    return [
        to_out(m, accounts.get(m.id), qrs.get(m.id), statuses[m.id], checks.get(m.id), photos.get(m.id, []))
        for m in rows
    ]
