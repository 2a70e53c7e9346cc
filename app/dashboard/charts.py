"""Line charts as plain coordinates for an inline SVG template: no chart library, no script."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# colour-blind-safe (Okabe–Ito), dark enough on white for 3:1 graphics contrast
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#8A6D00", "#56B4E9", "#000000")
W, H, LEFT, RIGHT, TOP, BOTTOM = 640.0, 300.0, 76.0, 24.0, 14.0, 44.0


@dataclass
class Series:
    name: str
    colour: str
    points: list[tuple[float, float, str]]  # x, y, tooltip

    @property
    def path(self) -> str:
        return " ".join(f"{'M' if i == 0 else 'L'}{x} {y}" for i, (x, y, _) in enumerate(self.points))


@dataclass
class Chart:
    width: float
    height: float
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    series: list[Series]
    left: float = LEFT
    right: float = W - RIGHT
    bottom: float = H - BOTTOM
    top: float = TOP

    @property
    def empty(self) -> bool:
        return not any(s.points for s in self.series)


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000):
        if value <= step * 5:
            return float(step * 5)
    return float(value)


def line_chart(
    labels: list[str],
    series: list[tuple[str, list[float | None], list[str]]],
    *,
    y_max: float | None = None,
    y_format: Callable[[float], str] = str,
    max_x_ticks: int = 8,
) -> Chart:
    """labels: the x categories (periods); series: (name, values per label (None = gap), tooltips)."""
    top_value = y_max or _nice_max(max([v for _, vals, _ in series for v in vals if v is not None] or [0]))
    n = len(labels)
    span_x = (W - RIGHT) - LEFT
    span_y = (H - BOTTOM) - TOP

    def x_at(i: int) -> float:
        return round(LEFT + (span_x * i / (n - 1) if n > 1 else span_x / 2), 1)

    def y_at(v: float) -> float:
        return round((H - BOTTOM) - span_y * min(v, top_value) / top_value, 1)

    step = max(1, -(-n // max_x_ticks))
    x_ticks = [(x_at(i), labels[i]) for i in range(0, n, step)]
    y_ticks = [(y_at(top_value * k / 4), y_format(top_value * k / 4)) for k in range(5)]
    out = []
    for k, (name, values, tips) in enumerate(series):
        pts = [(x_at(i), y_at(v), tips[i]) for i, v in enumerate(values) if v is not None]
        out.append(Series(name, PALETTE[k % len(PALETTE)], pts))
    return Chart(W, H, x_ticks, y_ticks, out)
