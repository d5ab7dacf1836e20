"""The scoring rules, pinned against hand-computed values (see ``scoring.py``'s docstring)."""

from __future__ import annotations

import math

import pytest

from pmhc.assessment import scoring
from pmhc.assessment.instrument import read
from pmhc.assessment.scoring import DONT_KNOW, Rated, Response


def _edition():
    def element(number, keys):
        return {
            "number": number,
            "title": f"Element {number}",
            "intent": "…",
            "specialties": [],
            "items": [
                {"key": k, "statement": f"Statement {k}", "levels": ["a", "b", "c", "d"],
                 "next_step": f"Do {k}"}
                for k in keys
            ],
        }  # fmt: skip

    return read(
        {
            "profile": [],
            "elements": [
                element(1, ["a", "b", "c", "d"]),
                element(2, ["e", "f", "g"]),
                element(3, ["h", "i"]),
            ],
        }
    )


RATINGS = {
    "1.a": Rated(3),
    "1.b": Rated(2),
    "1.c": DONT_KNOW,
    # 1.d unanswered
    "2.e": DONT_KNOW,
    "2.f": DONT_KNOW,
    "2.g": DONT_KNOW,
    "3.h": Rated(0),
    "3.i": Rated(1),
    "9.zz": Rated(3),  # not in the edition: ignored
}


def test_element_scores_exclude_dont_know_and_unanswered():
    report = scoring.score(_edition(), RATINGS)
    first, second, third = report.elements
    # (3 + 2) / (3 × 2) × 100
    assert first.score == pytest.approx(83.3333, abs=1e-3)
    assert (first.rated, first.dont_know, first.unanswered) == (2, 1, 1)
    # Only "don't know": no score at all, not zero.
    assert second.score is None
    assert (second.rated, second.dont_know, second.unanswered) == (0, 3, 0)
    # (0 + 1) / (3 × 2) × 100
    assert third.score == pytest.approx(16.6667, abs=1e-3)


def test_overall_is_the_mean_of_the_element_scores_that_exist():
    report = scoring.score(_edition(), RATINGS)
    assert report.overall == pytest.approx(50.0)  # (83.33 + 16.67) / 2; element 2 left out
    assert report.scored_elements == 2
    assert (report.items_total, report.rated, report.dont_know, report.unanswered) == (9, 4, 4, 1)
    assert report.label == "Developing"


def test_partial_sitting_scores_what_was_answered():
    report = scoring.score(_edition(), {"3.h": Rated(2)})
    assert report.element(3).score == pytest.approx(66.6667, abs=1e-3)
    assert report.element(1).score is None
    assert report.overall == pytest.approx(66.6667, abs=1e-3)
    assert report.unanswered == 8
    empty = scoring.score(_edition(), {})
    assert empty.overall is None and empty.label == ""


@pytest.mark.parametrize(
    ("score", "label"),
    [
        (0, "Not started"),
        (16.6, "Not started"),
        (100 / 6, "Beginning"),  # mean 0.5: a tie goes up
        (49.9, "Beginning"),
        (50, "Developing"),
        (83.2, "Developing"),
        (250 / 3, "Established"),  # mean 2.5
        (100, "Established"),
    ],
)
def test_maturity_is_the_nearest_step(score, label):
    assert scoring.maturity(score) == label


def test_gaps_and_strengths():
    report = scoring.score(_edition(), RATINGS)
    assert [g.item.key for g in report.gaps] == ["3.h", "3.i"]
    assert [s.item.key for s in report.element(1).strengths] == ["1.a"]
    assert [e.element.number for e in report.gap_elements] == [3]
    assert [e.element.number for e in report.strong_elements] == [1]
    assert [e.element.number for e in report.elements_with_gaps] == [3]
    assert [u.item.key for u in report.element(2).unknowns] == ["2.e", "2.f", "2.g"]


def test_spread_by_perspective():
    responses = {
        "1.a": [
            Response("law_enforcement", Rated(3)),
            Response("law_enforcement", Rated(2)),
            Response("mental_health", Rated(1)),
            Response("other", DONT_KNOW),
        ],
        "1.b": [Response("law_enforcement", Rated(2))],
    }
    rows = {r.item.key: r for r in scoring.spread(_edition(), responses, {"1.a": Rated(2)})}
    a = rows["1.a"]
    assert (a.responses, a.dont_know, a.low, a.high, a.spread) == (3, 1, 1, 3, 2)
    assert a.mean == pytest.approx(2.0)
    assert a.std_dev == pytest.approx(math.sqrt(2 / 3))
    assert (a.law_enforcement, a.mental_health) == (pytest.approx(2.5), pytest.approx(1.0))
    assert a.divide == pytest.approx(1.5)
    assert a.nearest_level == 2
    assert a.agreed == Rated(2)
    b = rows["1.b"]
    assert b.divide is None  # only one side answered
    nobody = rows["2.e"]
    assert (nobody.responses, nobody.mean, nobody.std_dev) == (0, None, None)
    assert [r.item.key for r in scoring.widest_divides(rows.values())] == ["1.a"]


def test_widest_divides_orders_by_distance_and_ignores_small_ones():
    def item(le, mh):
        return [Response("law_enforcement", Rated(le)), Response("mental_health", Rated(mh))]

    responses = {"1.a": item(3, 2), "1.b": item(3, 0), "1.c": item(2, 2), "3.h": item(0, 2)}
    rows = scoring.spread(_edition(), responses)
    assert [r.item.key for r in scoring.widest_divides(rows)] == ["1.b", "3.h", "1.a"]
    assert [r.item.key for r in scoring.widest_divides(rows, limit=1)] == ["1.b"]


def test_compare_element_by_element_and_item_by_item():
    before = scoring.score(_edition(), {"1.a": Rated(1), "1.b": Rated(2), "3.h": Rated(3)})
    after = scoring.score(_edition(), {"1.a": Rated(3), "1.b": Rated(2), "3.h": Rated(1)})
    comparison = scoring.compare(before, after)
    first, second, third = comparison.elements
    assert first.before == pytest.approx(50.0) and first.after == pytest.approx(83.3333, abs=1e-3)
    assert first.delta == pytest.approx(33.3333, abs=1e-3) and first.direction == "improved"
    assert second.delta is None and second.direction == ""
    assert third.delta == pytest.approx(-66.6667, abs=1e-3) and third.direction == "slipped"
    assert [e.number for e in comparison.improved] == [1]
    assert [e.number for e in comparison.slipped] == [3]
    assert [(i.key, i.before, i.after) for i in comparison.items] == [
        ("1.a", 1, 3),
        ("3.h", 3, 1),
    ]
    assert comparison.overall_delta == pytest.approx(
        (83.3333 + 33.3333) / 2 - (50 + 100) / 2, abs=1e-3
    )


def test_the_change_shown_is_between_the_whole_numbers_shown():
    """49.6 shows as 50 and 51.4 as 51: the change reads +1, not the raw +1.8 rounded to +2."""
    change = scoring.ElementChange(1, "Element 1", before=49.6, after=51.4)
    assert change.delta == pytest.approx(1.8)
    assert (change.change, change.direction) == (1, "improved")
    same = scoring.ElementChange(1, "Element 1", before=49.6, after=50.4)  # both show 50
    assert (same.change, same.direction) == (0, "unchanged")
    assert scoring.ElementChange(1, "x", before=None, after=50).change is None
