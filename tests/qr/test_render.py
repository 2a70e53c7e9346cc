"""Every rendered image is decoded back with zxing-cpp and must yield exactly the payload."""

from __future__ import annotations

import io
import re

import pypdfium2
import pytest
from PIL import Image, ImageDraw

import qr

PAYLOADS = [
    qr.build_vietqr("970436", "0011001234567"),
    qr.build_vietqr("970418", "21510000112233", amount=150000, purpose="Com tam Bay Hien"),
    qr.build_vietqr("970436", "9704368625581601018", service="card"),
    qr.build_vnpay("0102154778", merchant_name="TUGIACOMPANY", store_label="TU GIA COMPUTER", terminal_label="T1"),
]


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("scale", [2, 4, 8, 13])
def test_png_scans_back(payload, scale):
    png = qr.render_png(payload, scale=scale)
    with Image.open(io.BytesIO(png)) as img:
        img.load()
        assert img.format == "PNG" and img.width == img.height
        assert img.width % scale == 0
    assert qr.decode_image(png) == [payload]
    qr.verify_rendered(payload, png)


def test_high_error_correction_still_scans():
    assert qr.decode_image(qr.render_png(PAYLOADS[1], error="H")) == [PAYLOADS[1]]


def _rasterise_svg(svg: str, px_per_module: int = 6) -> bytes:
    """Our SVGs use one path of M x y h w v1 h-w z runs; draw exactly that geometry."""
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    img = Image.new("L", (size * px_per_module, size * px_per_module), 255)
    draw = ImageDraw.Draw(img)
    d = re.search(r'<path fill="#000" d="([^"]*)"', svg).group(1)
    for x, y, w in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", d):
        x, y, w = int(x), int(y), int(w)
        draw.rectangle(
            [x * px_per_module, y * px_per_module, (x + w) * px_per_module - 1, (y + 1) * px_per_module - 1], fill=0
        )
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_svg_scans_back(payload):
    svg = qr.render_svg(payload)
    assert svg.startswith("<svg") and 'viewBox="0 0 ' in svg
    assert qr.decode_image(_rasterise_svg(svg)) == [payload]


def test_verify_rendered_catches_a_different_image():
    with pytest.raises(qr.RenderVerificationError):
        qr.verify_rendered(PAYLOADS[0], qr.render_png(PAYLOADS[1]))
    blank = io.BytesIO()
    Image.new("L", (50, 50), 255).save(blank, "PNG")
    with pytest.raises(qr.RenderVerificationError):
        qr.verify_rendered(PAYLOADS[0], blank.getvalue())


def sticker(payload=PAYLOADS[0], name="Tạp hóa Cô Ba – Đặc sản Vũng Tàu ngon nhất phố biển Bãi Trước"):
    return qr.StickerInfo(
        payload=payload,
        shop_name=name,
        account_name="Trần Thị Ba",
        bank_short_name="VCB",
        account="0011001234567",
        sticker_code="VT-7KQ2-M9",
        address="12 Ba Cu",
    )


def test_sticker_png_scans_back_and_is_a6():
    png = qr.render_sticker_png(sticker(), dpi=200)
    with Image.open(io.BytesIO(png)) as img:
        assert (img.width, img.height) == (827, 1165)  # 105 x 148 mm at 200 dpi
    assert qr.decode_image(png) == [PAYLOADS[0]]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sticker_pdf_scans_back(payload):
    pdf = qr.render_sticker_pdf(sticker(payload))
    assert pdf.startswith(b"%PDF")
    page = pypdfium2.PdfDocument(pdf)[0]
    assert round(page.get_width() / 72 * 25.4) == 105 and round(page.get_height() / 72 * 25.4) == 148
    text = page.get_textpage().get_text_range()
    assert "Tạp hóa Cô Ba" in text and "TRAN THI BA" in text and "•••• 4567" in text and "VT-7KQ2-M9" in text
    out = io.BytesIO()
    page.render(scale=3).to_pil().save(out, "PNG")
    assert qr.decode_image(out.getvalue()) == [payload]


def test_mask_account():
    assert qr.mask_account("0011001234567") == "•••• 4567"
    assert qr.mask_account("123") == "123"
    assert sticker().holder_as_banks_show_it == "TRAN THI BA"
