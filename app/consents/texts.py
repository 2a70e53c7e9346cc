"""The consent texts an owner agrees to, versioned. A published version is never reworded: add a new one.

The `sha256` is over the exact UTF-8 bytes of the Vietnamese text (NFC), the version the owner reads and signs.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.consents.models import PURPOSE_BANK_ONBOARDING, ConsentText
from app.consents.repository import ConsentRepository


@dataclass(frozen=True, slots=True)
class Text:
    version: int
    purpose: str
    text_vi: str
    text_en: str

    @property
    def sha256(self) -> str:
        return text_sha256(self.text_vi)


def text_sha256(text_vi: str) -> str:
    return hashlib.sha256(text_vi.encode("utf-8")).hexdigest()


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


TEXTS: tuple[Text, ...] = (
    Text(
        version=1,
        purpose=PURPOSE_BANK_ONBOARDING,
        text_vi=_nfc(
            "Tôi, chủ cửa hàng, đồng ý để Ủy ban nhân dân phường, đặc khu nơi cửa hàng hoạt động chuyển "
            "cho ngân hàng nơi tôi mở tài khoản nhận tiền các thông tin sau: tên cửa hàng, ngành hàng, họ tên "
            "chủ cửa hàng, số điện thoại, địa chỉ và vị trí cửa hàng, số tài khoản và tên chủ tài khoản, mã QR "
            "thanh toán của cửa hàng. Mục đích duy nhất: để ngân hàng mở và quản lý dịch vụ nhận thanh toán "
            "không dùng tiền mặt cho cửa hàng. Dữ liệu được xử lý theo Luật Bảo vệ dữ liệu cá nhân số "
            "91/2025/QH15 và Nghị định số 356/2025/NĐ-CP. Tôi có quyền xem, yêu cầu sửa dữ liệu và rút lại sự "
            "đồng ý này bất cứ lúc nào; khi tôi rút lại, dữ liệu không được chuyển cho ngân hàng nữa kể từ thời "
            "điểm đó. Không đồng ý thì cửa hàng vẫn được đăng ký, chỉ không được chuyển cho ngân hàng."
        ),
        text_en=(
            "I, the owner of the shop, agree that the People's Committee of the ward or special zone where the "
            "shop trades passes the following to the bank where I hold the receiving account: the shop's name "
            "and category, the owner's full name, phone number, the shop's address and location, the account "
            "number and account holder's name, and the shop's payment QR code. Sole purpose: for the bank to "
            "open and manage cashless payment acceptance for the shop. The data is processed under the Law on "
            "Personal Data Protection No. 91/2025/QH15 and Decree No. 356/2025/ND-CP. I may see the data, ask "
            "for corrections and withdraw this consent at any time; once withdrawn, the data is no longer passed "
            "to the bank from then on. Without consent the shop is still registered, only not handed to a bank."
        ),
    ),
)


async def seed_consent_texts(session: AsyncSession) -> int:
    """Insert the published versions that are missing; an existing version is never changed."""
    existing = await ConsentRepository(session).text_versions()
    for t in TEXTS:
        if t.version not in existing:
            session.add(
                ConsentText(version=t.version, purpose=t.purpose, text_vi=t.text_vi, text_en=t.text_en, sha256=t.sha256)
            )
    await session.flush()
    return len(TEXTS)
