"""A measure's figure by month as a bar chart, drawn on the server as inline SVG (no script, no
external asset). Withheld or empty months get no bar and a dash. The page shows the same
figures in a table beside it, which is what assistive technology reads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from pmhc.evaluation.metrics import Kind

if TYPE_CHECKING:
    from pmhc.evaluation.public_selectors import MetricView

WIDTH = 640
HEIGHT = 260
LEFT = 56
RIGHT = 16
TOP = 16
BOTTOM = 44
INK = "#1b1b1b"
BAR = "#005ea2"
GRID = "#dfe1e2"


def _ceiling(value: float) -> float:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000):
        if value <= step:
            return float(step)
    return float(int(value) + 1)


def month_chart(view: MetricView, *, label: str) -> SafeString:
    values = [figure.value for figure in view.by_month]
    shown = [v for v in values if v is not None]
    if not shown:
        return format_html(
            '<svg class="pmhc-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" '
            'role="img" aria-label="{}" focusable="false"><title>{}</title>'
            '<text x="{}" y="{}" fill="{}">{}</text></svg>',
            WIDTH, 60, label, label, LEFT, 30, INK, _("No month has a figure that can be shown."),
        )  # fmt: skip
    percent = view.metric.kind == Kind.SHARE
    top = 100.0 if percent else _ceiling(max(shown))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    slot = plot_w / len(values)

    def y(value: float) -> float:
        return TOP + (1.0 - min(1.0, max(0.0, value / top))) * plot_h

    def n(value: float) -> str:
        return f"{value:.1f}"

    unit = "%" if percent else ""
    grid = format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>'
        '<text x="{}" y="{}" text-anchor="end" font-size="12" fill="{}">{}{}</text>',
        (
            (
                LEFT,
                n(y(t)),
                WIDTH - RIGHT,
                n(y(t)),
                GRID,
                LEFT - 6,
                n(y(t) + 4),
                INK,
                f"{t:g}",
                unit,
            )
            for t in (0.0, top / 2, top)
        ),
    )
    bars = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
        (
            (n(LEFT + i * slot + slot * 0.15), n(y(v)), n(slot * 0.7), n(TOP + plot_h - y(v)), BAR)
            for i, v in enumerate(values)
            if v is not None
        ),
    )
    dashes = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle" font-size="12" fill="{}">–</text>',
        (
            (n(LEFT + (i + 0.5) * slot), n(TOP + plot_h - 4), INK)
            for i, v in enumerate(values)
            if v is None
        ),
    )
    ticks = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="{}">{}</text>',
        (
            (n(LEFT + (i + 0.5) * slot), HEIGHT - BOTTOM + 16, INK, figure.label.split(" ")[0])
            for i, figure in enumerate(view.by_month)
        ),
    )
    return format_html(
        '<svg class="pmhc-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" '
        'role="img" aria-label="{}" focusable="false"><title>{}</title>{}{}{}{}</svg>',
        WIDTH, HEIGHT, label, label, grid, bars, dashes, ticks,
    )  # fmt: skip
