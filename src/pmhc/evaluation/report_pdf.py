"""The quarterly report as a PDF and as CSV, drawn from the same ``report_selectors.Report``
as the page, so the files' figures are the page's figures."""

from __future__ import annotations

import csv
import io
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import (
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from pmhc.evaluation.report_selectors import Report
from pmhc.platform.exports import spreadsheet_cell

MARGIN = inch
CONTENT_WIDTH = LETTER[0] - 2 * MARGIN - 12


def pdf(report: Report) -> bytes:
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    story: list[Flowable] = [
        Paragraph(escape(report.title), styles["Title"]),
        Paragraph(
            escape(
                _("Figures from %(since)s to the end of %(until)s.")
                % {"since": f"{report.since:%B %Y}", "until": f"{report.until:%B %Y}"}
            ),
            body,
        ),
    ]
    for section in report.sections:
        story.append(Spacer(1, 12))
        story.append(Paragraph(escape(section.title), styles["Heading2"]))
        table = Table(
            [[Paragraph(escape(row.label), body), escape(row.value)] for row in section.rows],
            colWidths=[CONTENT_WIDTH * 0.68, CONTENT_WIDTH * 0.32],
        )
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#a9aeb1")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ]
            )
        )
        story.append(table)
        story.append(Spacer(1, 6))
        if section.narrative:
            for paragraph in section.narrative.split("\n"):
                if paragraph.strip():
                    story.append(Paragraph(escape(paragraph), body))
        else:
            story.append(Paragraph(escape(_("No narrative written.")), body))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=0.8 * inch,
        bottomMargin=0.8 * inch,
        title=report.title,
    )
    document.build(story)
    return buffer.getvalue()


def csv_text(report: Report) -> str:
    """One line per figure, then one per narrative: section, measure, value, count, out of."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "measure", "value", "count", "out_of"])
    for section in report.sections:
        for row in section.rows:
            writer.writerow(
                [
                    spreadsheet_cell(section.title),
                    spreadsheet_cell(row.label),
                    spreadsheet_cell(row.value),
                    "" if row.numerator is None else row.numerator,
                    "" if row.denominator is None else row.denominator,
                ]
            )
    for section in report.sections:
        writer.writerow(
            [spreadsheet_cell(section.title), _("Narrative"), spreadsheet_cell(section.narrative)]
        )
    return out.getvalue()
