"""The coverage chart: CIT share of patrol per shift or district, drawn on the server as
inline SVG (no script, no external asset), with a dashed line at the 20% share the field
uses as a lower guide. The page always shows the same figures in a table beside it; the chart
is ``role="img"`` with a label, and the table is what assistive technology reads."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from pmhc.training.coverage import GroupCoverage

WIDTH = 640
LABEL_WIDTH = 160
VALUE_WIDTH = 90
ROW = 28
BAR = 18
PAD = 6
GUIDE = 0.20


def share_chart(groups: Sequence[GroupCoverage], *, label: str) -> SafeString:
    """One bar per group, 0-100%; a group with patrol officers but no CIT officer reads
    "none" beside its empty bar, so the gap does not rely on colour."""
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    if not groups:
        return format_html(
            '<svg class="pmhc-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" '
            'role="img" aria-label="{}" focusable="false"><title>{}</title>'
            '<text x="{}" y="{}" fill="#1b1b1b">{}</text></svg>',
            WIDTH,
            ROW + 2 * PAD,
            label,
            label,
            PAD,
            PAD + ROW / 2 + 5,
            _("No patrol officers on the roster yet."),
        )
    rows = []
    for index, group in enumerate(groups):
        y = PAD + index * ROW
        share = group.share or 0.0
        length = share * plot
        value = _("none") if group.uncovered else f"{share * 100:.0f}%"
        rows.append(
            (
                LABEL_WIDTH - PAD,
                y + ROW / 2 + 5,
                group.name or _("Not recorded"),
                LABEL_WIDTH,
                y + (ROW - BAR) / 2,
                f"{max(length, 0):.1f}",
                BAR,
                "#005ea2",
                LABEL_WIDTH + length + PAD,
                y + ROW / 2 + 5,
                value,
            )
        )
    body = format_html_join(
        "",
        '<text x="{}" y="{}" text-anchor="end" fill="#1b1b1b">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>'
        '<text x="{}" y="{}" fill="#1b1b1b">{}</text>',
        rows,
    )
    height = 2 * PAD + len(groups) * ROW
    guide_x = LABEL_WIDTH + GUIDE * plot
    return format_html(
        '<svg class="pmhc-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" '
        'role="img" aria-label="{}" focusable="false"><title>{}</title>'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#565c65"/>'
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#1b1b1b" stroke-dasharray="4 3"/>'
        "{}</svg>",
        WIDTH,
        height,
        label,
        label,
        LABEL_WIDTH,
        PAD,
        LABEL_WIDTH,
        height - PAD,
        f"{guide_x:.1f}",
        PAD,
        f"{guide_x:.1f}",
        height - PAD,
        body,
    )
