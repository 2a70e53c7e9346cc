"""How a QR record is shown: the API shape, the problem a bad payload becomes, and the printable sticker.

The sticker (PDF about 140 ms, PNG about 100 ms) is rendered in a worker thread, never on the event loop, and
kept in a bounded LRU: a QR's payload and sticker code never change, so the same sticker is never drawn twice
while it stays in the cache. The key is the whole sticker content, so a renamed shop gets a new drawing.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from typing import Literal

from anyio import to_thread
from sqlalchemy.ext.asyncio import AsyncSession

import qr
from app.core.errors import ValidationFailed
from app.merchants.repository import MerchantRepository
from app.qrcodes.models import QRCode
from app.qrcodes.schemas import QROut
from app.streets.models import Street

log = logging.getLogger("phoqr.qrcodes.sticker")
StickerFormat = Literal["pdf", "png"]
STICKER_CACHE_SIZE = 256  # a PDF is ~40 kB, a PNG ~60 kB: about 15 MB at most


def payload_hash(payload: str) -> str:
    """Same hash for the same QR however it was scanned (surrounding spaces, lowercase CRC)."""
    p = payload.strip()
    return hashlib.sha256((p[:-4] + p[-4:].upper()).encode()).hexdigest()


def to_out(code: QRCode, notes: tuple[str, ...] = (), warnings: tuple[str, ...] = ()) -> QROut:
    base = f"/api/v1/qr/{code.id}"
    return QROut(
        id=code.id,
        merchant_id=code.merchant_id,
        scheme=code.scheme,
        source=code.source,
        payload=code.payload,
        sticker_code=code.sticker_code,
        status=code.status,
        account_name=code.account_name,
        issued_at=code.issued_at,
        revoked_at=code.revoked_at,
        revoke_reason=code.revoke_reason,
        image_url=f"{base}.png",
        svg_url=f"{base}.svg",
        sticker_url=f"{base}/sticker.pdf",
        notes=list(notes),
        warnings=list(warnings),
    )


def qr_format_problem(exc: qr.QRFormatError, field: str = "payload") -> ValidationFailed:
    return ValidationFailed(
        field,
        f"Mã QR không hợp lệ ở trường {exc.field}: {exc.reason}",
        f"Invalid QR at field {exc.field}: {exc.reason}",
        code=exc.code,
        extra={"tag": exc.field},
    )


async def sticker_info(session: AsyncSession, code: QRCode) -> qr.StickerInfo:
    merchant = await MerchantRepository(session).get(code.merchant_id)
    street = await session.get(Street, merchant.street_id) if merchant and merchant.street_id else None
    address = ", ".join(x for x in (merchant.house_number if merchant else None, street.name if street else None) if x)
    bank = qr.banks.by_bin(code.bank_bin) if code.bank_bin else None
    return qr.StickerInfo(
        payload=code.payload,
        shop_name=merchant.name if merchant else "",
        account_name=code.account_name,
        bank_short_name=bank.short_name if bank else ("VNPAY" if code.scheme == "vnpay" else None),
        account=code.account_number or code.vnpay_merchant_id,
        sticker_code=code.sticker_code,
        scheme=code.scheme,
        address=address or None,
    )


def _draw(kind: StickerFormat, info: qr.StickerInfo) -> bytes:
    # runs in a worker thread; the sticker code names the QR without revealing its account
    log.debug("drawing sticker %s (%s)", info.sticker_code, kind)
    return qr.render_sticker_pdf(info) if kind == "pdf" else qr.render_sticker_png(info)


class StickerCache:
    """A bounded LRU of drawn stickers; a hit is answered on the loop, a miss is drawn in a worker thread."""

    def __init__(self, size: int = STICKER_CACHE_SIZE) -> None:
        self.size = size
        self.hits = self.misses = 0
        self._items: OrderedDict[tuple[StickerFormat, qr.StickerInfo], bytes] = OrderedDict()
        self._lock = threading.Lock()  # the app may run event loops in several threads (tests, workers)

    async def get(self, kind: StickerFormat, info: qr.StickerInfo) -> bytes:
        key = (kind, info)
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return found
            self.misses += 1
        drawn = await to_thread.run_sync(_draw, kind, info)
        with self._lock:
            self._items[key] = drawn
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return drawn

    def __len__(self) -> int:
        return len(self._items)


stickers = StickerCache()


async def render_sticker(kind: StickerFormat, info: qr.StickerInfo) -> bytes:
    """The sticker, from the cache or drawn off the event loop (other requests go on meanwhile)."""
    return await stickers.get(kind, info)
