"""A least-squares line through (day, value) points, with a 95 % interval on its slope. Pure arithmetic."""

from __future__ import annotations

import math
from dataclasses import dataclass

# two-sided 95 % Student t quantiles by degrees of freedom (a lower df is used between entries: wider, honest)
T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228}
T95.update({12: 2.179, 15: 2.131, 20: 2.086, 25: 2.060, 30: 2.042})


def t95(df: int) -> float:
    if df > 30:
        return 1.96
    return T95[max(k for k in T95 if k <= df)]


@dataclass(frozen=True, slots=True)
class Line:
    slope: float  # per day
    intercept: float
    slope_halfwidth: float  # 95 % interval: slope ± this (0 when the points lie exactly on a line)


def fit(xs: list[float], ys: list[float]) -> Line | None:
    """None when there is no line to fit (fewer than two distinct days)."""
    n = len(xs)
    if n < 2:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return None
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    intercept = my - slope * mx
    if n == 2:
        return Line(slope, intercept, 0.0)
    residual = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys, strict=True))
    se = math.sqrt(residual / (n - 2) / sxx)
    return Line(slope, intercept, t95(n - 2) * se)
