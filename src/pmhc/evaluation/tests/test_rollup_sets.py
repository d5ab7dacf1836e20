"""The rollups' three sets of rows (detail, totals, per single dimension) answer every sum the
same: whichever set ``rollup_selectors.totals`` picks, its figures equal the detail rows'."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from django.db.models import Sum

from pmhc.evaluation import rollup_selectors, rollup_services
from pmhc.evaluation.models import DETAIL, DIMENSIONS, TOTAL, Grain, Rollup
from pmhc.evaluation.tests import world
from pmhc.platform.access import system_actor

ACTOR = system_actor("test")
SINCE, UNTIL = dt.date(2026, 1, 1), dt.date(2026, 6, 1)


@pytest.fixture
def agency(cast):
    """Sixty calls over five months, in three districts and every shift, some with a CIT
    officer sent or arrived, some with an accepted report of a person's race or ethnicity."""
    organization = world.utc_org(cast.agency)
    world.shifts(organization)
    draw = random.Random(17)
    for _ in range(60):
        received = world.at(2026, draw.randint(1, 5), draw.randint(1, 28), draw.randint(0, 23))
        call = world.call(
            organization,
            received,
            district=draw.choice(("North", "South", "East")),
            cit_dispatched=draw.random() < 0.3,
            cit_arrived=draw.random() < 0.3,
        )
        if draw.random() < 0.6:
            encounter = world.report(call, arrest_eligible=draw.random() < 0.5)
            world.subject(
                encounter,
                world.person(organization),
                race=[draw.choice(("asian", "black", "hispanic", "white"))],
            )
    rollup_services.rebuild(ACTOR, organization=organization)
    return organization


def from_detail(organization, by, where):
    """The sums straight from the detail rows (the reference)."""
    rows = Rollup.objects.filter(
        organization=organization,
        grain=Grain.MONTH,
        breakdown=DETAIL,
        period__gte=SINCE,
        period__lte=UNTIL,
        **where,
    )
    sums = {name: Sum(name) for name in rollup_selectors.COUNTS}
    found = rows.values(*by).annotate(**sums).order_by(*by) if by else [rows.aggregate(**sums)]
    return [
        {k: (v or 0) if k in rollup_selectors.COUNTS else v for k, v in row.items()}
        for row in found
    ]


def values_of(organization, dimension):
    return sorted(
        set(
            Rollup.objects.filter(organization=organization, breakdown=DETAIL).values_list(
                dimension, flat=True
            )
        )
    )


def cases(organization):
    """Every question one row set answers: no breakdown; each dimension by itself, with and
    without the period, and filtered to each of its values; and a sample of two dimensions."""
    yield (), {}
    yield ("period",), {}
    for dimension in DIMENSIONS:
        yield (dimension,), {}
        yield ("period", dimension), {}
        for value in values_of(organization, dimension):
            yield (), {dimension: value}
            yield ("period",), {dimension: value}
            yield (dimension,), {dimension: value}
    draw = random.Random(3)
    for first, second in draw.sample(list(itertools.combinations(DIMENSIONS, 2)), 6):
        value = draw.choice(values_of(organization, second))
        yield ("period", first), {second: value}


def test_each_row_set_answers_as_the_detail_rows(cast, agency):
    actor = cast.actor(cast.member)
    sets = set()
    asked = 0
    for by, where in cases(agency):
        sets.add(rollup_selectors.row_set(by, where))
        answer = rollup_selectors.totals(
            actor, agency.pk, since=SINCE, until=UNTIL, by=by, where=where
        )
        assert answer == from_detail(agency, by, where), (by, where)
        asked += 1
    assert sets == {TOTAL, DETAIL, *DIMENSIONS}
    assert asked > 40
    assert rollup_selectors.totals(actor, agency.pk, since=SINCE, until=UNTIL)[0]["calls"] == 60


def test_each_set_sums_to_the_same_totals(agency):
    rows = Rollup.objects.filter(organization=agency, grain=Grain.MONTH)
    per_set = {
        row["breakdown"]: row["calls"]
        for row in rows.values("breakdown").annotate(calls=Sum("calls")).order_by()
    }
    assert per_set == dict.fromkeys((DETAIL, TOTAL, *DIMENSIONS), 60)


def test_the_values_of_each_dimension_are_the_detail_rows(cast, agency):
    found = rollup_selectors.dimension_values(
        cast.actor(cast.member), agency.pk, since=SINCE, until=UNTIL
    )
    assert found == {d: set(values_of(agency, d)) for d in DIMENSIONS}
    assert found["district"] == {"North", "South", "East"}
