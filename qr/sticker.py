"""The printable A6 sticker a shop tapes by the till: its name, the QR, and what a payer checks against.

The account holder's name is printed the way bank apps display it after a scan (upper case, no diacritics),
so a payer can compare the two: the everyday defence against a swapped sticker. Fonts are bundled (DejaVu),
so Vietnamese diacritics render on a machine without system fonts.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.ImageFont import FreeTypeFont

from qr.render import render_png
from qr.text import to_payload_text

FONTS = Path(__file__).parent / "fonts"
REGULAR, BOLD = FONTS / "DejaVuSans.ttf", FONTS / "DejaVuSans-Bold.ttf"
WIDTH_MM, HEIGHT_MM = 105.0, 148.0
QR_MM = 74.0
BRAND = (11, 61, 145)
GREY = (90, 90, 90)
WARNING = "Trước khi chuyển tiền, hãy kiểm tra tên chủ tài khoản hiện trên ứng dụng ngân hàng."
SCHEME_MARK = {"vietqr": "VietQR · NAPAS 247", "vnpay": "VNPAY-QR"}


@dataclass(frozen=True, slots=True)
class StickerInfo:
    payload: str
    shop_name: str
    account_name: str | None
    bank_short_name: str | None
    account: str | None
    sticker_code: str
    scheme: str = "vietqr"
    address: str | None = None

    @property
    def holder_as_banks_show_it(self) -> str:
        return to_payload_text(self.account_name or "").text.upper()

    @property
    def bank_line(self) -> str:
        parts = [p for p in (self.bank_short_name, mask_account(self.account) if self.account else None) if p]
        return "  ·  ".join(parts)


def _qr_box(name_lines: int, has_address: bool) -> tuple[float, float]:
    """Top and size of the QR in mm: as large as fits between the shop name and the holder block."""
    top = 20 + 7.6 * name_lines + (5.5 if has_address else 0) - 3
    size = min(QR_MM, HEIGHT_MM - 34 - top)
    return top, size


def mask_account(account: str) -> str:
    """Only the last 4 characters stay readable: '0011001234567' -> '•••• 4567'."""
    account = account.strip()
    return "•••• " + account[-4:] if len(account) > 4 else account


def _wrap(text: str, fits: Callable[[str], bool], max_lines: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        trial = f"{line} {word}".strip()
        if fits(trial) or not line:
            line = trial
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
        while not fits(lines[-1] + "…") and len(lines[-1]) > 1:
            lines[-1] = lines[-1][:-1].rstrip()
        lines[-1] += "…"
    return lines


@cache
def _font(path: Path, size: int) -> FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(str(path), size)


def render_sticker_png(info: StickerInfo, *, dpi: int = 200) -> bytes:
    from PIL import Image, ImageDraw

    def mm(v: float) -> int:
        return round(v / 25.4 * dpi)

    w, h = mm(WIDTH_MM), mm(HEIGHT_MM)
    img = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 0, w, mm(14)], fill=BRAND)
    head = _font(BOLD, mm(4.6))
    draw.text((w / 2, mm(7)), "QUÉT MÃ ĐỂ THANH TOÁN", font=head, fill="white", anchor="mm")
    y = mm(20)
    name_font = _font(BOLD, mm(6.2))
    name_lines = _wrap(info.shop_name, lambda t: name_font.getlength(t) <= w - mm(10), 2)
    for line in name_lines:
        draw.text((w / 2, y), line, font=name_font, fill="black", anchor="mm")
        y += mm(7.6)
    if info.address:
        draw.text((w / 2, y - mm(1.5)), info.address, font=_font(REGULAR, mm(3.4)), fill=GREY, anchor="mm")
    top_mm, size_mm = _qr_box(len(name_lines), bool(info.address))
    qr_px = mm(size_mm)
    qr_img = Image.open(io.BytesIO(render_png(info.payload, scale=10, border=3))).convert("L")
    qr_img = qr_img.resize((qr_px, qr_px), Image.Resampling.NEAREST)
    top = mm(top_mm)
    img.paste(qr_img, ((w - qr_px) // 2, top))
    y = top + qr_px + mm(4)
    draw.text((w / 2, y), "Chủ tài khoản", font=_font(REGULAR, mm(3.4)), fill=GREY, anchor="mm")
    holder_font = _font(BOLD, mm(5.4))
    draw.text((w / 2, y + mm(6)), info.holder_as_banks_show_it or "—", font=holder_font, fill="black", anchor="mm")
    draw.text((w / 2, y + mm(12.5)), info.bank_line, font=_font(REGULAR, mm(4)), fill="black", anchor="mm")
    small = _font(REGULAR, mm(2.7))
    for i, line in enumerate(_wrap(WARNING, lambda t: small.getlength(t) <= w - mm(12), 2)):
        draw.text((w / 2, h - mm(14) + i * mm(3.6)), line, font=small, fill=GREY, anchor="mm")
    foot = _font(BOLD, mm(3.2))
    draw.text((mm(5), h - mm(5)), f"Mã tem: {info.sticker_code}", font=foot, fill=BRAND, anchor="lm")
    draw.text((w - mm(5), h - mm(5)), SCHEME_MARK.get(info.scheme, info.scheme), font=foot, fill=BRAND, anchor="rm")
    out = io.BytesIO()
    img.save(out, format="PNG", dpi=(dpi, dpi), optimize=False)
    return out.getvalue()


def render_sticker_pdf(info: StickerInfo) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format=(WIDTH_MM, HEIGHT_MM))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.add_page()
    pdf.add_font("DejaVu", "", str(REGULAR))
    pdf.add_font("DejaVu", "B", str(BOLD))
    pdf.set_title(f"PhoQR {info.sticker_code}")
    pdf.set_fill_color(*BRAND)
    pdf.rect(0, 0, WIDTH_MM, 14, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_font("DejaVu", "B", 13)
    pdf.set_xy(0, 3.5)
    pdf.cell(WIDTH_MM, 7, "QUÉT MÃ ĐỂ THANH TOÁN", align="C")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("DejaVu", "B", 17)
    y = 16.5
    name_lines = _wrap(info.shop_name, lambda t: pdf.get_string_width(t) <= WIDTH_MM - 10, 2)
    for line in name_lines:
        pdf.set_xy(0, y)
        pdf.cell(WIDTH_MM, 7, line, align="C")
        y += 7.6
    if info.address:
        pdf.set_font("DejaVu", "", 9.5)
        pdf.set_text_color(*GREY)
        pdf.set_xy(0, y - 1)
        pdf.cell(WIDTH_MM, 5, info.address, align="C")
    top, size = _qr_box(len(name_lines), bool(info.address))
    pdf.image(io.BytesIO(render_png(info.payload, scale=10, border=3)), x=(WIDTH_MM - size) / 2, y=top, w=size)
    y = top + size + 1.5
    pdf.set_font("DejaVu", "", 9.5)
    pdf.set_text_color(*GREY)
    pdf.set_xy(0, y)
    pdf.cell(WIDTH_MM, 5, "Chủ tài khoản", align="C")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("DejaVu", "B", 15)
    pdf.set_xy(0, y + 5)
    pdf.cell(WIDTH_MM, 7, info.holder_as_banks_show_it or "—", align="C")
    pdf.set_font("DejaVu", "", 11)
    pdf.set_xy(0, y + 12)
    pdf.cell(WIDTH_MM, 6, info.bank_line, align="C")
    pdf.set_font("DejaVu", "", 7.5)
    pdf.set_text_color(*GREY)
    pdf.set_xy(6, HEIGHT_MM - 16)
    pdf.multi_cell(WIDTH_MM - 12, 3.6, WARNING, align="C")
    pdf.set_font("DejaVu", "B", 9)
    pdf.set_text_color(*BRAND)
    pdf.set_xy(5, HEIGHT_MM - 8)
    pdf.cell(50, 5, f"Mã tem: {info.sticker_code}")
    pdf.set_xy(WIDTH_MM - 55, HEIGHT_MM - 8)
    pdf.cell(50, 5, SCHEME_MARK.get(info.scheme, info.scheme), align="R")
    return bytes(pdf.output())
