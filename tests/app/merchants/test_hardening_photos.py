"""A photo's pixel count is limited (a 144-megapixel PNG of a few kilobytes was accepted: a decompression
bomb for whoever opens it), read from the header before anything is decoded."""

from __future__ import annotations

import io

from PIL import Image


def png(width: int, height: int, mode: str = "1") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height)).save(out, format="PNG")
    return out.getvalue()


async def test_huge_pixel_count_is_refused_whatever_the_file_size(client, auth, shop, settings):
    h = await auth("agent.vungtau")
    m = (await client.post("/api/v1/merchants", json=shop(), headers=h)).json()
    bomb = png(12_000, 12_000)  # 144 megapixels, a few kilobytes
    assert len(bomb) < settings.photo_max_bytes
    r = await client.post(f"/api/v1/merchants/{m['id']}/photos", files={"file": ("a.png", bomb)}, headers=h)
    assert r.status_code == 413, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "image_too_large"
    ok = png(640, 480, "RGB")
    r = await client.post(f"/api/v1/merchants/{m['id']}/photos", files={"file": ("b.png", ok)}, headers=h)
    assert r.status_code == 201, r.text
