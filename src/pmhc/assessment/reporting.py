"""The report in its three forms: the page (figures, chart and table), the PDF, and the CSV of
the answers. All three read the same ``scoring.Report``, so their figures cannot disagree."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from django.http import StreamingHttpResponse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from pmhc.assessment import scoring
from pmhc.assessment.instrument import Edition
from pmhc.assessment.models import LEVELS, AgreedRating, Answer, Assessment, Mode, Respondent
from pmhc.assessment.selectors import AnswerSheet
from pmhc.platform.exports import spreadsheet_cell
from pmhc.toolkit import charts


def shown(value: float | None) -> str:
    """A score as the page, the PDF and the CSV all print it: a whole number, or a dash."""
    return "–" if value is None else f"{value:.0f}"


def _whole(value: float | None) -> float | None:
    return None if value is None else float(shown(value))


def delta_shown(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:+.0f}"


def level_label(rating: int | None, dont_know: bool) -> str:
    if dont_know:
        return _("Don't know")
    return "" if rating is None else str(LEVELS[rating][1])


def score_chart(report: scoring.Report) -> SafeString:
    """Elements without a score are left out of the chart (the table lists them with a dash):
    a bar of zero would read as "not started"."""
    return charts.bar_chart(
        [
            # Whole numbers, as the table and the PDF print them.
            (f"{e.element.number}. {e.element.title}", float(shown(e.score)))
            for e in report.elements
            if e.score is not None
        ],
        label=_("Score by essential element, out of 100 (elements with a score)"),
        max_value=100,
    )


def perspective_chart(rows: Sequence[scoring.ItemSpread], edition: Edition) -> SafeString:
    """Mean rating by element, law enforcement beside mental health respondents (0-3)."""
    data = []
    for element in edition.elements:
        mine = [r for r in rows if r.item.element == element.number]
        sides = []
        for pick in (lambda r: r.law_enforcement, lambda r: r.mental_health):
            values = [v for v in (pick(r) for r in mine) if v is not None]
            sides.append(sum(values) / len(values) if values else None)
        data.append((f"{element.number}. {element.title}", sides[0], sides[1]))
    return charts.paired_bar_chart(
        data,
        label=_("Mean rating by element: law enforcement and mental health respondents"),
        series=(_("Law enforcement"), _("Mental health")),
        max_value=3,
    )


@dataclass(frozen=True)
class ElementSides:
    number: int
    title: str
    law_enforcement: float | None
    mental_health: float | None


def sides_by_element(rows: Sequence[scoring.ItemSpread], edition: Edition) -> list[ElementSides]:
    result = []
    for element in edition.elements:
        mine = [r for r in rows if r.item.element == element.number]
        le = [r.law_enforcement for r in mine if r.law_enforcement is not None]
        mh = [r.mental_health for r in mine if r.mental_health is not None]
        result.append(
            ElementSides(
                element.number,
                element.title,
                sum(le) / len(le) if le else None,
                sum(mh) / len(mh) if mh else None,
            )
        )
    return result


def comparison_chart(comparison: scoring.Comparison) -> SafeString:
    return charts.paired_bar_chart(
        [
            (f"{e.number}. {e.title}", _whole(e.before), _whole(e.after))
            for e in comparison.elements
        ],
        label=_("Score by element, earlier and later assessment"),
        series=(_("Earlier"), _("Later")),
        max_value=100,
    )


# --- CSV of the answers ----------------------------------------------------------------------


def csv_download(
    assessment: Assessment, edition: Edition, sheet: AnswerSheet, filename: str
) -> StreamingHttpResponse:
    rows = answers_csv(assessment, edition, sheet.respondents, sheet.answers, sheet.agreed)
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def answers_csv(
    assessment: Assessment,
    edition: Edition,
    respondents: Iterable[Respondent],
    answers: Iterable[Answer],
    agreed: Iterable[AgreedRating],
) -> Iterator[str]:
    """One row per answer (respondent, item, rating, note, evidence), then the committee's
    agreed ratings."""
    items = edition.items_by_key()
    people = {r.pk: r for r in respondents}
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return value

    writer.writerow(
        [
            _("element"),
            _("item"),
            _("statement"),
            _("respondent"),
            _("organization"),
            _("perspective"),
            _("rating (0-3)"),
            _("rating"),
            _("note"),
            _("evidence"),
        ]
    )
    yield flush()
    quick = assessment.mode == Mode.QUICK
    for answer in sorted(answers, key=lambda a: (a.respondent_id, _order(items, a.item_key))):
        item = items.get(answer.item_key)
        person = people.get(answer.respondent_id)
        if item is None or person is None:
            continue
        writer.writerow(
            [
                spreadsheet_cell(v)
                for v in (
                    item.element,
                    item.code,
                    item.statement,
                    _("you") if quick else person.name,
                    "" if quick else person.organization_name,
                    person.get_perspective_display() if person.perspective else "",
                    "" if answer.rating is None else answer.rating,
                    level_label(answer.rating, answer.dont_know),
                    answer.note,
                    answer.evidence_url,
                )
            ]
        )
        yield flush()
    for row in sorted(agreed, key=lambda a: _order(items, a.item_key)):
        item = items.get(row.item_key)
        if item is None:
            continue
        writer.writerow(
            [
                spreadsheet_cell(v)
                for v in (
                    item.element,
                    item.code,
                    item.statement,
                    _("Committee (agreed)"),
                    "",
                    "",
                    "" if row.rating is None else row.rating,
                    level_label(row.rating, row.dont_know),
                    row.note,
                    "",
                )
            ]
        )
        yield flush()


def _order(items: Mapping[str, object], key: str) -> int:
    keys = list(items)
    return keys.index(key) if key in keys else len(keys)
