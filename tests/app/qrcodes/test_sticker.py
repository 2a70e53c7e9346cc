"""The sticker is drawn off the event loop and drawn once per content: other requests go on meanwhile."""

from __future__ import annotations

import asyncio
import logging
import threading

import pypdfium2

import qr
from app.qrcodes.presentation import StickerCache, stickers
from tests.factories import make_merchant, street_id

GUARD = 30  # seconds: a deadlock guard, never a measure of speed


class HoldTheDrawing(logging.Handler):
    """Sees the sticker being drawn (a debug record from the drawing thread) and holds it there until released.

    If the drawing ran on the event loop, holding it would hold every other request too."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.drawing = threading.Event()
        self.go = threading.Event()
        self.drawn: list[str] = []
        self.on_loop_thread: list[bool] = []
        self.loop_thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        self.drawn.append(record.getMessage())
        self.on_loop_thread.append(threading.get_ident() == self.loop_thread)
        self.drawing.set()
        self.go.wait(GUARD)


async def test_sticker_renders_off_the_loop_and_is_cached(client, auth, session):
    shop = await make_merchant(session, account_number="0011001234567", street=await street_id(session, "Ba Cu"))
    h = await auth("agent.vungtau")
    issued = (await client.post(f"/api/v1/merchants/{shop.id}/qr", json={"scheme": "vietqr"}, headers=h)).json()
    logger = logging.getLogger("phoqr.qrcodes.sticker")
    hold = HoldTheDrawing()
    level = logger.level
    logger.setLevel(logging.DEBUG)  # setLevel, not `.level =`: it clears the cache of isEnabledFor answers
    logger.addHandler(hold)
    try:
        sticker = asyncio.create_task(client.get(issued["sticker_url"], headers=h))
        assert await asyncio.to_thread(hold.drawing.wait, GUARD)  # the sticker is being drawn right now ...
        other = await client.post("/api/v1/qr/decode", json={"payload": issued["payload"]}, headers=h)
        assert other.status_code == 200  # ... and another request was answered meanwhile
        assert not sticker.done()
        hold.go.set()
        pdf = await sticker
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert hold.on_loop_thread == [False] and issued["sticker_code"] in hold.drawn[0]
        assert "0011001234567" not in hold.drawn[0]  # account numbers never in logs
        page = pypdfium2.PdfDocument(pdf.content)[0]
        assert issued["sticker_code"] in page.get_textpage().get_text_range()
        # the same sticker again: from the cache, not drawn a second time
        hits = stickers.hits
        again = await client.get(issued["sticker_url"], headers=h)
        assert again.content == pdf.content and len(hold.drawn) == 1 and stickers.hits == hits + 1
        png = await client.get(f"/api/v1/qr/{issued['id']}/sticker.png", headers=h)
        assert png.headers["content-type"] == "image/png" and len(hold.drawn) == 2  # another format, drawn once
    finally:
        hold.go.set()
        logger.removeHandler(hold)
        logger.setLevel(level)


async def test_the_cache_is_bounded_and_a_renamed_shop_gets_a_new_sticker(client, auth, session):
    shop = await make_merchant(session, account_number="0011001234568", street=await street_id(session, "Ba Cu"))
    h = await auth("agent.vungtau")
    issued = (await client.post(f"/api/v1/merchants/{shop.id}/qr", json={"scheme": "vietqr"}, headers=h)).json()
    before = await client.get(issued["sticker_url"], headers=h)
    m = (await client.get(f"/api/v1/merchants/{shop.id}", headers=h)).json()
    if_match = {"If-Match": f'"{m["version"]}"'}
    new_name = {"name": "Tạp hóa Hương Mới"}
    renamed = await client.patch(f"/api/v1/merchants/{shop.id}", json=new_name, headers=h | if_match)
    assert renamed.status_code == 200, renamed.text
    after = await client.get(issued["sticker_url"], headers=h)
    assert "Hương Mới" in pypdfium2.PdfDocument(after.content)[0].get_textpage().get_text_range()
    assert after.content != before.content
    assert len(stickers) <= stickers.size


async def test_sticker_cache_keeps_the_most_recent():
    cache = StickerCache(size=2)
    infos = [
        qr.StickerInfo(
            payload=qr.build_vietqr("970436", f"00110012345{i}"),
            shop_name=f"Shop {i}",
            account_name="NGUYEN THI HUONG",
            bank_short_name="VCB",
            account=f"00110012345{i}",
            sticker_code=f"VT-TEST-{i}",
        )
        for i in range(3)
    ]
    for info in infos:
        await cache.get("png", info)
    assert (len(cache), cache.misses, cache.hits) == (2, 3, 0)
    await cache.get("png", infos[2])  # still there
    await cache.get("png", infos[0])  # the oldest was dropped: drawn again
    assert (cache.misses, cache.hits) == (4, 1)
