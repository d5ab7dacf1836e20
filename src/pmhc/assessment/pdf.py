"""The printable report as a PDF, drawn with ReportLab from the same ``scoring.Report`` as the
page, so its figures are the page's figures."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.lib.utils import simpleSplit
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    ListFlowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from pmhc.assessment import scoring
from pmhc.assessment.models import Assessment
from pmhc.assessment.reporting import level_label, shown
from pmhc.assessment.selectors import Help

BLUE = colors.HexColor("#005ea2")
#: The page's margins; every line of the report lies within them.
MARGIN_X, MARGIN_Y = inch, 0.8 * inch
#: The width a line may take: between the margins, less the frame's own padding (6 points a
#: side in ReportLab's page templates). The chart and the table are this wide.
CONTENT_WIDTH = LETTER[0] - 2 * MARGIN_X - 12
#: The chart's column of element names, right-aligned against the bars.
CHART_LABEL_WIDTH = 2.6 * inch
CHART_FONT, CHART_SIZE, CHART_LEADING = "Helvetica", 8, 9.5


def _score_chart(report: scoring.Report) -> Drawing:
    """A bar for each element's score, labelled with the element's whole name: a name too
    long for the label column wraps onto more lines, and its row grows to hold them."""
    width, row, bar_height = CONTENT_WIDTH, 16.0, 11.0
    label_width = CHART_LABEL_WIDTH
    room = label_width - 8
    rows = [
        (
            element,
            simpleSplit(
                f"{element.element.number}. {element.element.title}", CHART_FONT, CHART_SIZE, room
            ),
        )
        for element in report.elements
    ]
    heights = [max(row, len(lines) * CHART_LEADING + 6) for _element, lines in rows]
    drawing = Drawing(width, sum(heights) + 8)
    top = drawing.height
    for (element, lines), height in zip(rows, heights, strict=True):
        bottom = top - height
        middle = bottom + height / 2
        first = middle + (len(lines) - 1) * CHART_LEADING / 2 - 3
        for index, line in enumerate(lines):
            drawing.add(
                String(
                    label_width - 4,
                    first - index * CHART_LEADING,
                    line,
                    fontName=CHART_FONT,
                    fontSize=CHART_SIZE,
                    textAnchor="end",
                )
            )
        length = (width - label_width - 40) * (element.score or 0) / 100
        bar = Rect(label_width, middle - bar_height / 2, length, bar_height)
        bar.fillColor, bar.strokeColor = BLUE, None
        drawing.add(bar)
        drawing.add(
            String(
                label_width + length + 4,
                middle - 3,
                shown(element.score),
                fontName=CHART_FONT,
                fontSize=CHART_SIZE,
            )
        )
        top = bottom
    return drawing


def report_pdf(
    assessment: Assessment,
    report: scoring.Report,
    help_by_element: dict[int, Help],
    *,
    program: str,
) -> bytes:
    """The printable report as a PDF: the same figures as the page."""

    styles = getSampleStyleSheet()
    body, heading, small = styles["BodyText"], styles["Heading2"], styles["Italic"]
    story: list[Flowable] = []
    title = _("PMHC self-assessment report")
    story.append(Paragraph(escape(title), styles["Title"]))
    # The quick sitting's title is the program's name ("Quick self-assessment"): say it once.
    named = (
        program
        if assessment.title.strip().casefold() == program.strip().casefold()
        else f"{program} · {assessment.title}"
    )
    story.append(
        Paragraph(
            escape(
                _("%(named)s · edition %(edition)d · printed %(date)s")
                % {
                    "named": named,
                    "edition": assessment.instrument.edition,
                    "date": timezone.localdate().isoformat(),
                }
            ),
            small,
        )
    )
    story.append(Spacer(1, 0.15 * inch))
    story.append(
        Paragraph(
            escape(
                _("Overall score: %(score)s of 100 (%(label)s), from %(n)d of 10 elements.")
                % {
                    "score": shown(report.overall),
                    "label": report.label or _("no score yet"),
                    "n": report.scored_elements,
                }
            ),
            heading,
        )
    )
    story.append(
        Paragraph(
            escape(
                _(
                    "%(rated)d of %(total)d items rated; %(dk)d marked “don't know”; "
                    "%(missing)d not answered."
                )
                % {
                    "rated": report.rated,
                    "total": report.items_total,
                    "dk": report.dont_know,
                    "missing": report.unanswered,
                }
            ),
            body,
        )
    )
    drawing = _score_chart(report)
    story.append(Spacer(1, 0.1 * inch))
    story.append(drawing)
    story.append(Spacer(1, 0.15 * inch))
    header = styles["BodyText"].clone("TableHeader", fontName="Helvetica-Bold", fontSize=8)
    header.leading = 10
    table_rows: list[list[object]] = [
        [
            Paragraph(escape(label), header)
            for label in (
                _("Element"),
                _("Score"),
                _("Maturity"),
                _("Rated"),
                _("Don't know"),
                _("Not answered"),
            )
        ]
    ]
    for element in report.elements:
        table_rows.append(
            [
                Paragraph(escape(f"{element.element.number}. {element.element.title}"), body),
                shown(element.score),
                element.label or "–",
                str(element.rated),
                str(element.dont_know),
                str(element.unanswered),
            ]
        )
    table = Table(
        table_rows,
        colWidths=[CONTENT_WIDTH * share for share in (0.39, 0.095, 0.155, 0.095, 0.12, 0.145)],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story.append(table)
    strong = report.strong_elements
    story.append(Paragraph(escape(_("Strengths")), heading))
    if strong:
        story.append(
            ListFlowable(
                [
                    Paragraph(
                        escape(f"{e.element.number}. {e.element.title}: {shown(e.score)}"), body
                    )
                    for e in strong
                ],
                bulletType="bullet",
            )
        )
    else:
        story.append(Paragraph(escape(_("No element scores 75 or more yet.")), body))
    story.append(Paragraph(escape(_("Gaps and next steps")), heading))
    gaps = report.elements_with_gaps
    if not gaps:
        story.append(Paragraph(escape(_("No item is rated not started or beginning.")), body))
    for element in gaps:
        block: list[Flowable] = [
            Paragraph(
                escape(
                    f"{element.element.number}. {element.element.title} ({shown(element.score)})"
                ),
                styles["Heading3"],
            )
        ]
        for gap in element.gaps:
            block.append(
                Paragraph(
                    f"<b>{escape(gap.item.code)}</b> {escape(gap.item.statement)} "
                    f"({escape(level_label(gap.rated.rating, gap.rated.dont_know))})<br/>"
                    + escape(_("Next step: ") + gap.item.next_step),
                    body,
                )
            )
        found = help_by_element.get(element.element.number)
        if found and (found.library or found.sites):
            names = [item.title for item in found.library] + [
                f"{site.agency} ({site.state})" for site in found.sites
            ]
            block.append(Paragraph(escape(_("Where to learn more: ") + "; ".join(names)), small))
        story.append(KeepTogether(block))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        title=title,
        author="pmhc",
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_Y,
        bottomMargin=MARGIN_Y,
    )
    document.build(story)
    return buffer.getvalue()
