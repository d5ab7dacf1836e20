"""The One Mind tracker's statuses, from crafted evidence."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from pmhc.planning import onemind
from pmhc.planning.onemind import IN_PROGRESS, MET, MISSING, AgreementEvidence, PolicyEvidence
from pmhc.training.coverage import Coverage

TODAY = dt.date(2025, 6, 15)


def coverage(*, sworn: int, cit: int, mhfa: int, dispatchers: int = 0) -> Coverage:
    return Coverage(
        organization_id=1, on=TODAY, sworn=sworn, patrol=sworn, cit_sworn=cit, cit_patrol=cit,
        mhfa_sworn=mhfa, dispatchers=dispatchers, dispatchers_trained=0, volunteers=cit,
        assigned=0, expiring_soon=0, by_shift=(), by_district=(),
    )  # fmt: skip


def agreement(start: dt.date, end: dt.date | None) -> AgreementEvidence:
    return AgreementEvidence("Crisis MOU", ("County Behavioral Health",), start, end)


def statuses(**kwargs: object) -> dict[str, str]:
    defaults: dict[str, Any] = {
        "today": TODAY,
        "pledged_on": None,
        "agreements": [],
        "policy": None,
        "coverage": None,
    }
    tracker = onemind.evaluate(**(defaults | kwargs))
    return {r.key: r.status for r in tracker.requirements}


def test_nothing_recorded_means_everything_missing():
    tracker = onemind.evaluate(
        today=TODAY, pledged_on=None, agreements=[], policy=None, coverage=None
    )
    assert [r.status for r in tracker.requirements] == [MISSING] * 4
    assert all(r.missing for r in tracker.requirements)
    assert tracker.window.summary == "No pledge date recorded yet."
    assert tracker.met == 0 and not tracker.all_met


@pytest.mark.parametrize(
    ("agreements", "status"),
    [
        ([agreement(TODAY - dt.timedelta(days=10), None)], MET),
        ([agreement(TODAY, TODAY)], MET),  # in force on its first and last day
        ([agreement(TODAY - dt.timedelta(days=400), TODAY - dt.timedelta(days=1))], IN_PROGRESS),
        ([agreement(TODAY + dt.timedelta(days=1), None)], IN_PROGRESS),
        ([], MISSING),
    ],
)
def test_partnership(agreements, status):
    assert statuses(agreements=agreements)["partnership"] == status


@pytest.mark.parametrize(
    ("policy", "status"),
    [
        (PolicyEvidence("Crisis policy", TODAY - dt.timedelta(days=1), True), MET),
        (PolicyEvidence("Crisis policy", TODAY, True), MET),
        (PolicyEvidence("Crisis policy", None, True), IN_PROGRESS),  # a draft
        (PolicyEvidence("Crisis policy", TODAY + dt.timedelta(days=5), True), IN_PROGRESS),
        (PolicyEvidence("Crisis policy", TODAY, False), IN_PROGRESS),  # no document
        (None, MISSING),
    ],
)
def test_model_policy(policy, status):
    assert statuses(policy=policy)["policy"] == status


@pytest.mark.parametrize(
    ("sworn", "cit", "mhfa", "cit_status", "mhfa_status"),
    [
        (100, 20, 80, MET, MET),  # exactly 20% CIT, the rest MHFA
        (100, 19, 81, IN_PROGRESS, MET),  # everybody trained but CIT short of 20%
        (100, 25, 50, MET, IN_PROGRESS),
        (100, 0, 0, MISSING, MISSING),
        (100, 30, 0, MET, IN_PROGRESS),  # the trained all hold CIT, nobody MHFA: under way
        (101, 20, 81, IN_PROGRESS, MET),  # 20% of 101 is 20.2: 21 needed
        (7, 2, 5, MET, MET),
        (0, 0, 0, MISSING, MISSING),
    ],
)
def test_training_requirements(sworn, cit, mhfa, cit_status, mhfa_status):
    result = statuses(coverage=coverage(sworn=sworn, cit=cit, mhfa=mhfa))
    assert (result["cit"], result["mhfa"]) == (cit_status, mhfa_status)


def test_training_says_how_many_more():
    tracker = onemind.evaluate(
        today=TODAY,
        pledged_on=None,
        agreements=[],
        policy=None,
        coverage=coverage(sworn=101, cit=18, mhfa=40),
    )
    cit, mhfa = tracker.requirements[2], tracker.requirements[3]
    assert cit.missing == "3 more CIT-certified officers to reach 20%."
    assert "18 of 101 sworn officers (18%)" in cit.evidence
    assert mhfa.missing == "43 sworn officers still to train."


def test_window():
    window = onemind.window(dt.date(2024, 1, 31), TODAY)
    assert window.opens_on == dt.date(2025, 1, 31)
    assert window.closes_on == dt.date(2027, 1, 31)
    assert window.days_left == (dt.date(2027, 1, 31) - TODAY).days
    assert "between 2025-01-31 and 2027-01-31" in window.summary
    closed = onemind.window(dt.date(2020, 2, 29), TODAY)
    assert closed.closes_on == dt.date(2023, 2, 28)
    assert "closed" in closed.summary


def test_all_four_met():
    tracker = onemind.evaluate(
        today=TODAY,
        pledged_on=dt.date(2024, 6, 1),
        agreements=[agreement(TODAY - dt.timedelta(days=30), None)],
        policy=PolicyEvidence("Crisis policy", TODAY - dt.timedelta(days=30), True),
        coverage=coverage(sworn=50, cit=10, mhfa=40),
    )
    assert tracker.all_met and tracker.met == 4
