"""Small bar charts drawn on the server as inline SVG: no script, no external asset, and the
same figures always shown in a table beside the chart (the chart is ``role="img"`` with a
label; the table is what assistive technology reads).

Usage in a view: ``bar_chart([("Texas", 4), ("Ohio", 2)], label=_("Requests by state"))``
and ``{{ chart }}`` in the template. Colours come from ``pmhc.css`` (``.pmhc-chart*``), with
presentation attributes as a fallback.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

WIDTH = 640
LABEL_WIDTH = 230
VALUE_WIDTH = 70
ROW = 28
BAR = 18
PAD = 6
LABEL_CHARS = 34


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _number(value: float, unit: str) -> str:
    shown = f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    return f"{shown}{unit}"


def bar_chart(
    bars: Sequence[tuple[str, float]],
    *,
    label: str,
    unit: str = "",
    max_value: float | None = None,
) -> SafeString:
    """A horizontal bar chart of ``(label, value)`` pairs, in the order given.

    ``label`` names the chart for screen readers (and as its SVG title); ``unit`` is appended
    to each value ("%", " h"); ``max_value`` fixes the scale (100 for shares), otherwise the
    largest value fills the width.
    """
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    if not bars:
        height = ROW + 2 * PAD
        return format_html(
            '<svg class="pmhc-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" '
            'role="img" aria-label="{}" focusable="false"><title>{}</title>'
            '<text class="pmhc-chart__label" x="{}" y="{}" fill="#1b1b1b">{}</text></svg>',
            WIDTH,
            height,
            label,
            label,
            PAD,
            PAD + ROW / 2 + 5,
            _("No data yet."),
        )
    top = max_value if max_value is not None else max(value for _label, value in bars)
    top = top if top > 0 else 1
    rows = []
    for index, (name, value) in enumerate(bars):
        y = PAD + index * ROW
        length = max(0.0, min(1.0, value / top)) * plot
        rows.append(
            (
                LABEL_WIDTH - PAD,
                y + ROW / 2 + 5,
                _short(str(name)),
                LABEL_WIDTH,
                y + (ROW - BAR) / 2,
                f"{length:.1f}",
                BAR,
                LABEL_WIDTH + length + PAD,
                y + ROW / 2 + 5,
                _number(value, unit),
            )
        )
    body = format_html_join(
        "",
        '<text class="pmhc-chart__label" x="{}" y="{}" text-anchor="end" fill="#1b1b1b">{}</text>'
        '<rect class="pmhc-chart__bar" x="{}" y="{}" width="{}" height="{}" fill="#005ea2"/>'
        '<text class="pmhc-chart__value" x="{}" y="{}" fill="#1b1b1b">{}</text>',
        rows,
    )
    height = 2 * PAD + len(bars) * ROW
    return format_html(
        '<svg class="pmhc-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" '
        'role="img" aria-label="{}" focusable="false"><title>{}</title>'
        '<line class="pmhc-chart__axis" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#565c65"/>'
        "{}</svg>",
        WIDTH,
        height,
        label,
        label,
        LABEL_WIDTH,
        PAD,
        LABEL_WIDTH,
        height - PAD,
        body,
    )


def paired_bar_chart(
    rows: Sequence[tuple[str, float | None, float | None]],
    *,
    label: str,
    series: tuple[str, str],
    unit: str = "",
    max_value: float | None = None,
) -> SafeString:
    """Two bars per row (e.g. before and after, or two perspectives), with a legend. A missing
    value draws no bar and shows "–". The same figures must be in a table beside the chart."""
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    values = [v for _name, a, b in rows for v in (a, b) if v is not None]
    top = max_value if max_value is not None else max(values, default=1)
    top = top if top > 0 else 1
    pair = 2 * BAR + 4
    legend_height = ROW
    parts = []
    for index, (name, first, second) in enumerate(rows):
        y = legend_height + PAD + index * (pair + 10)
        parts.append(
            format_html(
                '<text class="pmhc-chart__label" x="{}" y="{}" text-anchor="end" '
                'fill="#1b1b1b">{}</text>',
                LABEL_WIDTH - PAD,
                y + pair / 2 + 5,
                _short(str(name)),
            )
        )
        for offset, (value, css, colour) in enumerate(
            ((first, "pmhc-chart__bar", "#005ea2"), (second, "pmhc-chart__bar--alt", "#c05600"))
        ):
            bar_y = y + offset * (BAR + 4)
            length = 0.0 if value is None else max(0.0, min(1.0, value / top)) * plot
            parts.append(
                format_html(
                    '<rect class="{}" x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
                    '<text class="pmhc-chart__value" x="{}" y="{}" fill="#1b1b1b">{}</text>',
                    css,
                    LABEL_WIDTH,
                    bar_y,
                    f"{length:.1f}",
                    BAR,
                    colour,
                    LABEL_WIDTH + length + PAD,
                    bar_y + BAR - 4,
                    "–" if value is None else _number(value, unit),
                )
            )
    legend = format_html(
        '<rect class="pmhc-chart__bar" x="{}" y="{}" width="14" height="14" fill="#005ea2"/>'
        '<text class="pmhc-chart__label" x="{}" y="{}" fill="#1b1b1b">{}</text>'
        '<rect class="pmhc-chart__bar--alt" x="{}" y="{}" width="14" height="14" fill="#c05600"/>'
        '<text class="pmhc-chart__label" x="{}" y="{}" fill="#1b1b1b">{}</text>',
        LABEL_WIDTH,
        PAD,
        LABEL_WIDTH + 20,
        PAD + 12,
        series[0],
        LABEL_WIDTH + 200,
        PAD,
        LABEL_WIDTH + 220,
        PAD + 12,
        series[1],
    )
    height = legend_height + 2 * PAD + max(1, len(rows)) * (pair + 10)
    return format_html(
        '<svg class="pmhc-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" '
        'role="img" aria-label="{}" focusable="false"><title>{}</title>{}'
        '<line class="pmhc-chart__axis" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#565c65"/>'
        "{}</svg>",
        WIDTH,
        height,
        label,
        label,
        legend,
        LABEL_WIDTH,
        legend_height,
        LABEL_WIDTH,
        height - PAD,
        format_html_join("", "{}", ((p,) for p in parts)),
    )
