"""The printed report's layout, read back from the PDF: its title once, every line within the
page's margins, and the chart's labels whole."""

from __future__ import annotations

import dataclasses
import io
import re
from typing import Any

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from pmhc.assessment import pdf, scoring, selectors, services
from pmhc.assessment.instrument import Edition
from pmhc.assessment.tests.conftest import answer_element
from pmhc.platform.access import ANONYMOUS

pytestmark = pytest.mark.django_db

#: Half a point: the rounding of positions in the file, not room for a line to stick out.
TOLERANCE = 0.5
LONG_TITLE = (
    "Collaborative Planning, Implementation and Shared Governance Across Every Partner Agency"
)


@dataclasses.dataclass(frozen=True)
class Placed:
    text: str
    x: float
    y: float
    width: float


def _quick_report(edition: Edition) -> tuple[Any, scoring.Report]:
    assessment, token = services.start_quick(ANONYMOUS)
    respondent = assessment.respondents.get()
    for number in range(1, 11):
        ratings = {1: number % 4, 2: (number + 1) % 4}
        answer_element(ANONYMOUS, respondent, edition, number, ratings, token=token)
    return assessment, selectors.report_for(assessment)


def _render(assessment: Any, report: scoring.Report, program: str) -> PdfReader:
    document = pdf.report_pdf(assessment, report, selectors.help_for(report), program=program)
    return PdfReader(io.BytesIO(document))


def _placed_on(page: Any) -> list[Placed]:
    """A page's pieces of text, with where they start and how wide they are drawn."""
    found: list[Placed] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        text = text.rstrip("\n")
        if not text.strip() or not font:
            return
        scale = tm[0] * cm[0]
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        name = str(font["/BaseFont"]).lstrip("/")
        found.append(Placed(text, x, y, stringWidth(text, name, size * scale)))

    page.extract_text(visitor_text=visit)
    return found


def _placed(reader: PdfReader) -> list[list[Placed]]:
    return [_placed_on(page) for page in reader.pages]


def _words(reader: PdfReader) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_the_title_is_printed_once_and_the_programs_name_once(edition):
    assessment, report = _quick_report(edition)
    words = _words(_render(assessment, report, "Quick self-assessment"))
    assert words.count("PMHC self-assessment report") == 1
    assert words.count("Quick self-assessment") == 1
    assert "Quick self-assessment · edition 1 · printed" in words
    # A committee's own title is kept beside its program's name.
    assessment.title = "Spring review"
    words = _words(_render(assessment, report, "Example County PD"))
    assert "Example County PD · Spring review · edition 1" in words


def test_every_line_lies_within_the_pages_margins(edition):
    assessment, report = _quick_report(edition)
    reader = _render(assessment, report, "Quick self-assessment")
    left, bottom = pdf.MARGIN_X, pdf.MARGIN_Y
    for number, (page, placed) in enumerate(zip(reader.pages, _placed(reader), strict=True)):
        right = float(page.mediabox.width) - pdf.MARGIN_X
        top = float(page.mediabox.height) - pdf.MARGIN_Y
        assert placed, f"page {number + 1} has no text"
        for item in placed:
            where = f"page {number + 1}: {item.text!r} at {item.x:.1f}..{item.x + item.width:.1f}"
            assert item.x >= left - TOLERANCE, where
            assert item.x + item.width <= right + TOLERANCE, where
            assert bottom - TOLERANCE <= item.y <= top + TOLERANCE, where


def test_the_charts_labels_are_whole_even_when_long(edition):
    assessment, report = _quick_report(edition)
    words = _words(_render(assessment, report, "Quick self-assessment"))
    for element in report.elements:
        label = f"{element.element.number}. {element.element.title}"
        # Once in the chart and once in the table.
        assert words.count(label) >= 2, label

    # A name longer than the label column wraps onto a second line and stays whole.
    first = report.elements[0]
    long_first = dataclasses.replace(
        first, element=dataclasses.replace(first.element, title=LONG_TITLE)
    )
    longer = dataclasses.replace(report, elements=(long_first, *report.elements[1:]))
    reader = _render(assessment, longer, "Quick self-assessment")
    words = _words(reader)
    assert words.count(f"1. {LONG_TITLE}") >= 2
    # The chart's lines end against its bars; the name's lines there read as the whole name.
    edge = pdf.MARGIN_X + 6 + pdf.CHART_LABEL_WIDTH - 4
    first_page = _placed(reader)[0]
    chart = [p.text for p in first_page if abs(p.x + p.width - edge) <= 1]
    assert len(chart) > len(report.elements)  # the long name took two lines
    assert f"1. {LONG_TITLE}" in " ".join(chart)
    right = float(reader.pages[0].mediabox.width) - pdf.MARGIN_X
    for item in first_page:
        assert pdf.MARGIN_X - TOLERANCE <= item.x <= item.x + item.width <= right + TOLERANCE
