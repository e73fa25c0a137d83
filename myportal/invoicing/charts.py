"""Geometry of the server-side SVG bar charts (the template draws them: no JavaScript, no inline styles)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

MONTH_ABBREVIATIONS = ("gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: Decimal | None
    label: str
    label_x: float


@dataclass(frozen=True)
class Tick:
    y: float
    value: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: int
    top: int
    bottom: float
    bars: list[Bar]
    ticks: list[Tick]

    @property
    def empty(self) -> bool:
        return all(not bar.value for bar in self.bars)


def nice_step(maximum: float, steps: int = 4) -> float:
    """A round step (1, 2 or 5 times a power of ten) that divides 0..``maximum`` in about ``steps`` parts."""
    if maximum <= 0:
        return 1.0
    raw = maximum / steps
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def bar_chart(
    values: list[Decimal | None],
    labels=MONTH_ABBREVIATIONS,
    width: int = 720,
    height: int = 260,
    left: int = 80,
    top: int = 12,
    bottom_margin: int = 28,
) -> BarChart:
    """Bars for ``values`` (None or negative draws no bar) on a scale from zero with round ticks."""
    largest = max((float(value) for value in values if value is not None), default=0.0)
    step = nice_step(largest)
    scale_top = step * max(1, math.ceil(largest / step))
    plot_height = height - top - bottom_margin
    bottom = top + plot_height
    slot = (width - left) / len(values)
    bar_width = slot * 0.7
    bars = []
    for index, (value, label) in enumerate(zip(values, labels, strict=False)):
        amount = max(float(value), 0.0) if value is not None else 0.0
        bar_height = plot_height * amount / scale_top
        x = left + index * slot + (slot - bar_width) / 2
        bars.append(
            Bar(
                round(x, 1),
                round(bottom - bar_height, 1),
                round(bar_width, 1),
                round(bar_height, 1),
                value,
                label,
                round(x + bar_width / 2, 1),
            )
        )
    count = round(scale_top / step)
    ticks = [Tick(round(bottom - plot_height * i / count, 1), step * i) for i in range(count + 1)]
    return BarChart(width, height, left, top, bottom, bars, ticks)
