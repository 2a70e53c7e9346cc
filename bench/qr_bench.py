"""qr/ against its peers in the same run: vietnam-qr-pay (PyPI port) for build/parse, segno for PNG."""

from __future__ import annotations

import io

import segno
from vietnam_qr_pay import QRPay

import qr
from bench.common import Row, per_op_us, print_table
from qr.render import matrix, png_from_matrix

BIN, ACCOUNT, AMOUNT, PURPOSE = "970436", "0011001234567", 50000, "thanh toan"


def run() -> list[Row]:
    payload = qr.build_vietqr(BIN, ACCOUNT, amount=AMOUNT, purpose=PURPOSE)
    peer = QRPay.init_viet_qr(BIN, ACCOUNT, str(AMOUNT), PURPOSE).build()
    same_build = payload == peer
    peer_parsed = QRPay(payload)
    same_parse = (peer_parsed.consumer.bank_bin, peer_parsed.consumer.bank_number) == (BIN, ACCOUNT)

    build = per_op_us(lambda: qr.build_vietqr(BIN, ACCOUNT, amount=AMOUNT, purpose=PURPOSE), number=20000)
    build_peer = per_op_us(lambda: QRPay.init_viet_qr(BIN, ACCOUNT, str(AMOUNT), PURPOSE).build(), number=5000)
    parse = per_op_us(lambda: qr.parse(payload), number=20000)
    parse_peer = per_op_us(lambda: QRPay(payload), number=5000)

    code = segno.make(payload, error="m", micro=False, boost_error=False)
    rows = matrix(payload, "M")

    def segno_png() -> bytes:
        buf = io.BytesIO()
        code.save(buf, kind="png", scale=8, border=4)
        return buf.getvalue()

    ours_png = png_from_matrix(rows, scale=8, border=4)
    same_png = qr.decode_image(ours_png) == qr.decode_image(segno_png()) == [payload]
    write = per_op_us(lambda: png_from_matrix(rows, scale=8, border=4), number=300) / 1000
    write_peer = per_op_us(segno_png, number=30) / 1000

    def uncached() -> bytes:
        matrix.cache_clear()
        return qr.render_png(payload, scale=8)

    full = per_op_us(uncached, number=30) / 1000

    def segno_full() -> bytes:
        buf = io.BytesIO()
        segno.make(payload, error="m", micro=False, boost_error=False).save(buf, kind="png", scale=8, border=4)
        return buf.getvalue()

    full_peer = per_op_us(segno_full, number=20) / 1000
    ok = lambda b: "same output" if b else "OUTPUT DIFFERS"  # noqa: E731
    return [
        Row("qr: build_vietqr (µs/op)", build, "µs", "vietnam-qr-pay build", build_peer, 5, ok(same_build)),
        Row("qr: parse (µs/op)", parse, "µs", "vietnam-qr-pay parse", parse_peer, 10, ok(same_parse)),
        Row(
            "qr: PNG write, scale 8, from the QR matrix (ms)",
            write,
            "ms",
            "segno PNG writer",
            write_peer,
            1,
            ok(same_png) + " (both decoded by zxing-cpp)",
        ),
        Row(
            "qr: PNG render incl. QR encoding, uncached (ms)",
            full,
            "ms",
            "segno make + PNG",
            full_peer,
            None,
            "encoding is segno's in both",
        ),
    ]


def main() -> None:
    print_table(run())


if __name__ == "__main__":
    main()
