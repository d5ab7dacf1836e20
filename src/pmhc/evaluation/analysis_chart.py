"""The before-and-after chart as coordinates for an inline SVG: the periods' values as points,
the fitted lines before and after the change, and the line after had nothing changed (dashed).
The page shows the same figures in a table beside it."""

from __future__ import annotations

import math
from dataclasses import dataclass

from pmhc.evaluation.analysis_selectors import BeforeAfter

WIDTH = 720
HEIGHT = 320
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 40


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: float
    top: int
    bottom: float
    points: list[tuple[float, float, bool]]
    before: str
    after: str
    counterfactual: str
    change_x: float | None
    y_ticks: list[Tick]
    x_ticks: list[Tick]


def _nice_top(value: float) -> float:
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def chart(analysis: BeforeAfter) -> Chart | None:
    if all(p.value is None for p in analysis.points):
        return None
    # A period under the smallest count shown is left out of the chart as of the table.
    points = [p for p in analysis.points if p.value is not None and not p.hidden]
    lines = [v for _, f, c in analysis.fitted for v in (f, c) if v is not None]
    values = [p.value for p in points if p.value is not None]
    low = min([0.0, *values, *lines])
    high = _nice_top(max([*values, *lines, 0.0]))
    first = min(p.index for p in analysis.points)
    last = max(p.index for p in analysis.points)
    span = max(last - first, 1)
    inner_w = WIDTH - LEFT - RIGHT
    inner_h = HEIGHT - TOP - BOTTOM

    def x(index: float) -> float:
        return LEFT + (index - first) / span * inner_w

    def y(value: float) -> float:
        return TOP + (high - value) / ((high - low) or 1) * inner_h

    index_of = {p.start: p.index for p in analysis.points}
    before: list[str] = []
    after: list[str] = []
    counterfactual: list[str] = []
    for start, fitted, counter in analysis.fitted:
        xy = f"{x(index_of[start]):.1f},{y(fitted):.1f}"
        (after if counter is not None else before).append(xy)
        if counter is not None:
            counterfactual.append(f"{x(index_of[start]):.1f},{y(counter):.1f}")
    change_index = analysis.result.change_index
    change_x = x(change_index - 0.5) if first < change_index <= last else None
    y_ticks = [
        Tick(y(low + (high - low) * k / 4), f"{low + (high - low) * k / 4:g}") for k in range(5)
    ]
    by_index = sorted(analysis.points, key=lambda p: p.index)
    chosen = [by_index[0], by_index[-1]]
    after_points = [p for p in by_index if p.after]
    if after_points and after_points[0] not in chosen:
        chosen.insert(1, after_points[0])
    x_ticks = [Tick(x(p.index), p.start.isoformat()) for p in chosen]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=WIDTH - RIGHT,
        top=TOP,
        bottom=HEIGHT - BOTTOM,
        points=[(x(p.index), y(p.value), p.after) for p in points if p.value is not None],
        before=" ".join(before),
        after=" ".join(after),
        counterfactual=" ".join(counterfactual),
        change_x=change_x,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
    )
