"""The staffing chart: service level against the number of units, drawn on the server as
inline SVG (no script, no external asset), with the target as a dashed line. The page shows
the same figures in a table beside it, which is what assistive technology reads."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from pmhc.planning.erlang import Candidate

WIDTH = 640
HEIGHT = 300
LEFT = 56
RIGHT = 16
TOP = 16
BOTTOM = 48
INK = "#1b1b1b"
LINE = "#005ea2"
TARGET = "#b50909"
GRID = "#dfe1e2"


def service_level_chart(rows: Sequence[Candidate], *, target: float, label: str) -> SafeString:
    """A line of service level (0-100%) for each number of units in ``rows``."""
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    if not rows:
        return format_html(
            '<svg class="pmhc-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" '
            'role="img" aria-label="{}" focusable="false"><title>{}</title>'
            '<text x="{}" y="{}" fill="{}">{}</text></svg>',
            WIDTH, 60, label, label, LEFT, 30, INK, _("No figures to draw."),
        )  # fmt: skip
    first, last = rows[0].units, rows[-1].units
    span = max(1, last - first)

    def x(units: int) -> str:
        at = LEFT + (units - first) / span * plot_w if last > first else LEFT + plot_w / 2
        return f"{at:.1f}"

    def y(share: float, shift: float = 0.0) -> str:
        return f"{TOP + (1.0 - max(0.0, min(1.0, share))) * plot_h + shift:.1f}"

    grid = format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/>'
        '<text x="{}" y="{}" text-anchor="end" font-size="12" fill="{}">{}%</text>',
        (
            (LEFT, y(p / 100), WIDTH - RIGHT, y(p / 100), GRID, LEFT - 6, y(p / 100, 4), INK, p)
            for p in (0, 25, 50, 75, 100)
        ),
    )
    step = max(1, (last - first + 1) // 12)
    ticks = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="middle" font-size="12" fill="{}">{}</text>',
        ((x(r.units), HEIGHT - BOTTOM + 18, INK, r.units) for r in rows[::step]),
    )
    points = " ".join(f"{x(r.units)},{y(r.service_level)}" for r in rows)
    dots = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="4" fill="{}"/>',
        ((x(r.units), y(r.service_level), LINE) for r in rows),
    )
    return format_html(
        '<svg class="pmhc-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" '
        'role="img" aria-label="{}" focusable="false"><title>{}</title>{}'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2" '
        'stroke-dasharray="6 4"/>'
        '<text x="{}" y="{}" text-anchor="end" font-size="12" fill="{}">{}</text>'
        '<polyline points="{}" fill="none" stroke="{}" stroke-width="3"/>{}{}'
        '<text x="{}" y="{}" text-anchor="middle" font-size="13" fill="{}">{}</text></svg>',
        WIDTH, HEIGHT, label, label, grid,
        LEFT, y(target), WIDTH - RIGHT, y(target), TARGET,
        WIDTH - RIGHT, y(target, -6), TARGET, _("target %(share)s") % {"share": f"{target:.0%}"},
        points, LINE, dots, ticks,
        f"{LEFT + plot_w / 2:.1f}", HEIGHT - 8, INK, _("units on duty"),
    )  # fmt: skip
