"""The before-and-after and CIT comparison pages give a count under the organization's smallest
count shown in words, and leave out the figure made from it; the statistics use every call."""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse

from pmhc.conftest import Cast
from pmhc.evaluation import change_services
from pmhc.evaluation.models import PUBLIC_MIN_CELL, ProgramChangeKind
from pmhc.evaluation.tests.stats_helpers import encounter_facts, weekly_facts

FEWER = f"fewer than {PUBLIC_MIN_CELL}"
CHANGE_ON = dt.date(2025, 6, 2)


def _rows(text: str) -> dict[str, list[str]]:
    table = text[text.index('data-testid="series"') :]
    table = table[: table.index("</table>")]
    found = re.findall(r'<tr><th scope="row">(\d{4}-\d\d-\d\d).*?</th>(.*?)</tr>', table, re.S)
    return {start: re.findall(r"<td>(.*?)</td>", cells) for start, cells in found}


def test_before_and_after_hides_a_small_period(cast: Cast) -> None:
    # Before: about 3 of 60 calls a week answered by a clinician; after: about 21.
    weekly_facts(cast.agency, change_on=CHANGE_ON, weeks_before=16, weeks_after=16,
                 calls_per_week=60, base=0.05, jump=0.30)  # fmt: skip
    change_services.save_change(
        cast.actor(cast.member),
        organization=cast.agency,
        kind=ProgramChangeKind.CO_RESPONDER,
        name="Co-responder team started",
        started_on=CHANGE_ON,
    )
    response = cast.client(cast.member).get(reverse("evaluation_before_after"))
    assert response.status_code == 200
    analysis = response.context["analysis"]
    # The estimate is made on every week, the small ones too.
    assert analysis.result.level_change is not None
    rows = _rows(response.text)
    small = [p for p in analysis.points if p.numerator < PUBLIC_MIN_CELL]
    large = [p for p in analysis.points if p.numerator >= PUBLIC_MIN_CELL]
    assert small and large
    for point in small:
        n, value, _fitted = rows[point.start.isoformat()]
        assert n == "60" and value == "not shown: too few to count"
    for point in large:
        assert rows[point.start.isoformat()][1] == f"{point.value:.1f}"
    # The chart draws only the periods the table shows.
    assert len(response.context["chart"].points) == len(large)
    assert FEWER in response.text


def test_before_and_after_gives_a_small_number_of_calls_in_words(cast: Cast) -> None:
    weekly_facts(cast.agency, change_on=CHANGE_ON, weeks_before=12, weeks_after=12,
                 calls_per_week=8, base=0.5, jump=0.2)  # fmt: skip
    change_services.save_change(
        cast.actor(cast.member),
        organization=cast.agency,
        kind=ProgramChangeKind.CO_RESPONDER,
        name="Co-responder team started",
        started_on=CHANGE_ON,
    )
    response = cast.client(cast.member).get(reverse("evaluation_before_after"))
    rows = _rows(response.text)
    assert rows and all(
        n == FEWER and value.startswith("not shown") for n, value, _f in rows.values()
    )


def test_the_cit_comparison_hides_small_groups_and_the_one_beside_them(cast: Cast) -> None:
    day = dt.date(2025, 5, 5)
    # One encounter a combination: 12 with a CIT officer, 8 with the others.
    encounter_facts(cast.agency, day=day, per_cell=1, odds_ratio=0.5)
    response = cast.client(cast.member).get(
        reverse("evaluation_cit_comparison"), {"since": "2025-04-01", "until": "2025-06-01"}
    )
    assert response.status_code == 200
    comparison = response.context["comparison"]
    assert comparison.encounters == 20 and comparison.encounters_text == "20"
    for outcome in comparison.outcomes:
        assert (outcome.result.cit.encounters, outcome.result.other.encounters) == (12, 8)
        # 8 is under 11, and 20 - 12 would give it back: both are withheld, and the rates.
        assert outcome.other.encounters == FEWER
        assert outcome.cit.encounters == "not shown"
        assert outcome.cit.percent is None and outcome.other.percent is None
        assert outcome.cit.events == FEWER or int(outcome.cit.events) >= PUBLIC_MIN_CELL
    text = response.text
    assert '<th scope="row">CIT officer</th><td>not shown</td>' in text
    assert f'<th scope="row">Other officers</th><td>{FEWER}</td>' in text


def test_the_cit_comparison_gives_small_events_in_words(cast: Cast) -> None:
    day = dt.date(2025, 5, 5)
    encounter_facts(cast.agency, day=day, per_cell=3, odds_ratio=0.5)
    response = cast.client(cast.member).get(
        reverse("evaluation_cit_comparison"), {"since": "2025-04-01", "until": "2025-06-01"}
    )
    for outcome in response.context["comparison"].outcomes:
        for shown, group in (
            (outcome.cit, outcome.result.cit),
            (outcome.other, outcome.result.other),
        ):
            assert shown.encounters == str(group.encounters)
            if group.events < PUBLIC_MIN_CELL:
                assert shown.events == FEWER and shown.percent is None
            else:
                assert shown.events == str(group.events) and shown.percent == group.percent
