"""Timing helpers shared by the benchmarks: best-of-N so a noisy neighbour doesn't decide the figure."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Row:
    figure: str
    value: float
    unit: str
    baseline_name: str
    baseline: float | None
    target: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return self.baseline / self.value if self.baseline and self.value else None

    @property
    def met(self) -> str:
        if self.target is None:
            return "-"
        return "yes" if self.value <= self.target else "NO"


def per_op_us(fn: Callable[[], object], *, number: int, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best * 1e6


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1e3


def print_table(rows: list[Row]) -> None:
    head = f"{'figure':<52} {'ours':>12} {'baseline':>12} {'ratio':>8} {'target':>10} {'met':>4}  baseline is"
    print(head)
    print("-" * len(head))
    for r in rows:
        base = f"{r.baseline:.2f}" if r.baseline is not None else "-"
        ratio = f"{r.ratio:.1f}x" if r.ratio else "-"
        target = f"{r.target:g}" if r.target is not None else "-"
        print(
            f"{r.figure:<52} {r.value:>9.2f} {r.unit:<2} {base:>12} {ratio:>8} {target:>10} {r.met:>4}  "
            f"{r.baseline_name}{'  ' + r.note if r.note else ''}"
        )
