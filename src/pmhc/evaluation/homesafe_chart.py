"""The Home Safe figures by month as a bar chart, drawn on the server as inline SVG (no script,
no external asset): searches opened and people found, side by side. A withheld month gets no
bar and a dash. The table beside it holds the same figures for assistive technology."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from pmhc.evaluation.homesafe_selectors import MonthFigures
from pmhc.evaluation.public_charts import BAR, BOTTOM, GRID, HEIGHT, INK, LEFT, RIGHT, TOP, WIDTH
from pmhc.evaluation.public_charts import _ceiling as ceiling

FOUND = "#00a91c"


def _n(value: float) -> str:
    return f"{value:.1f}"


def month_bars(months: list[MonthFigures], *, label: str) -> SafeString:
    values = [v for m in months for v in (m.searches, m.found) if v is not None]
    if not any(values):
        return format_html(
            '<svg class="pmhc-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" '
            'role="img" aria-label="{}" focusable="false"><title>{}</title>'
            '<text x="{}" y="{}" fill="{}">{}</text></svg>',
            WIDTH, 60, label, label, LEFT, 30, INK, _("No month has a figure that can be shown."),
        )  # fmt: skip
    top = ceiling(max(values))
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / len(months)

    def y(value: float) -> float:
        return TOP + (1.0 - min(1.0, value / top)) * plot_h

    grid = format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>'
        '<text x="{}" y="{}" text-anchor="end" font-size="12" fill="{}">{}</text>',
        (
            (LEFT, _n(y(t)), WIDTH - RIGHT, _n(y(t)), GRID, LEFT - 6, _n(y(t) + 4), INK, f"{t:g}")
            for t in (0.0, top / 2, top)
        ),
    )
    dash = '<text x="{}" y="{}" text-anchor="middle" font-size="12" fill="{}">–</text>'
    rect = '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
    bars = []
    for i, month in enumerate(months):
        for offset, value, color in ((0.1, month.searches, BAR), (0.5, month.found, FOUND)):
            x = LEFT + i * slot + slot * offset
            if value is None:
                bars.append(format_html(dash, _n(x + slot * 0.2), _n(TOP + plot_h - 4), INK))
            elif value:
                height = TOP + plot_h - y(value)
                bars.append(
                    format_html(rect, _n(x), _n(y(value)), _n(slot * 0.4), _n(height), color)
                )
    ticks = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="{}">{}</text>',
        (
            (_n(LEFT + (i + 0.5) * slot), HEIGHT - BOTTOM + 16, INK, f"{m.month:%b}")
            for i, m in enumerate(months)
        ),
    )
    return format_html(
        '<svg class="pmhc-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" '
        'role="img" aria-label="{}" focusable="false"><title>{}</title>{}{}{}</svg>',
        WIDTH, HEIGHT, label, label, grid, SafeString("".join(bars)), ticks,
    )  # fmt: skip
