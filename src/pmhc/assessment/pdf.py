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
    story.append(
        Paragraph(
            escape(
                _("%(program)s · %(title)s · edition %(edition)d · printed %(date)s")
                % {
                    "program": program,
                    "title": assessment.title,
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
    # Bar chart of element scores.
    width, row = 6.5 * inch, 16
    drawing = Drawing(width, row * len(report.elements) + 8)
    label_width = 2.6 * inch
    for index, element in enumerate(report.elements):
        y = drawing.height - (index + 1) * row
        drawing.add(
            String(
                label_width - 4,
                y + 4,
                f"{element.element.number}. {element.element.title}"[:42],
                fontSize=8,
                textAnchor="end",
            )
        )
        length = (width - label_width - 40) * (element.score or 0) / 100
        bar = Rect(label_width, y + 2, length, row - 5)
        bar.fillColor, bar.strokeColor = BLUE, None
        drawing.add(bar)
        drawing.add(String(label_width + length + 4, y + 4, shown(element.score), fontSize=8))
    story.append(Spacer(1, 0.1 * inch))
    story.append(drawing)
    story.append(Spacer(1, 0.15 * inch))
    table_rows: list[list[object]] = [
        [_("Element"), _("Score"), _("Maturity"), _("Rated"), _("Don't know"), _("Not answered")]
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
        colWidths=[2.9 * inch, 0.6 * inch, 1.0 * inch, 0.6 * inch, 0.7 * inch, 0.8 * inch],
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
        leftMargin=inch,
        rightMargin=inch,
        topMargin=0.8 * inch,
        bottomMargin=0.8 * inch,
    )
    document.build(story)
    return buffer.getvalue()
