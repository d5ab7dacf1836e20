"""Aggregate reads: analysts and the public read counts, never rows about a person."""

from __future__ import annotations

import itertools

import pytest
from django.apps import apps
from django.db import models

from pmhc.platform.access import (
    ANONYMOUS,
    MIN_CELL_SIZE,
    SUPPRESSED,
    Action,
    Target,
    actor_for_user,
    decide,
    restrict,
    suppress_small_cells,
)
from pmhc.platform.models import Classification as C
from pmhc.platform.models import Purpose as P
from pmhc.platform.models import Role as R
from pmhc.platform.tests.factories import MembershipFactory

#: Classifications that are about a person.
PERSONAL_LEVELS = frozenset({C.PERSONAL, C.SAFETY, C.CLINICAL, C.SUBSTANCE_USE})


def personal_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if getattr(model, "access_classification", None) in PERSONAL_LEVELS
    ]


def test_min_cell_size_is_eleven():
    assert MIN_CELL_SIZE == 11
    assert SUPPRESSED == "<11"


@pytest.mark.parametrize(
    ("counts", "shown"),
    [
        ({"a": 40, "b": 25}, {"a": 40, "b": 25}),
        ({"a": 40, "b": 11, "c": 0}, {"a": 40, "b": 11, "c": 0}),
        # One small cell: the next smallest goes with it, or the total would give it back.
        ({"a": 40, "b": 25, "c": 3}, {"a": 40, "b": None, "c": None}),
        ({"a": 40, "b": 10, "c": 1}, {"a": 40, "b": None, "c": None}),
        ({"a": 5}, {"a": None}),
        ({}, {}),
    ],
)
def test_suppress_small_cells(counts, shown):
    assert suppress_small_cells(counts) == shown


def test_suppression_never_shows_a_small_count_nor_lets_the_total_give_it_back():
    for values in itertools.product((0, 1, 5, 10, 11, 12, 50), repeat=3):
        counts = dict(zip("abc", values, strict=True))
        shown = suppress_small_cells(counts)
        assert all(v is None or v == 0 or v >= MIN_CELL_SIZE for v in shown.values())
        withheld = [k for k, v in shown.items() if v is None]
        assert len(withheld) != 1 or all(counts[k] == 0 for k in counts if k not in withheld)


def test_aggregate_grants(cast):
    """Counts are read for evaluation by those who evaluate the program; never by the public
    before suppression, never for another purpose."""
    counts = Target(organization_ids=frozenset({cast.agency.pk}), access_classification=C.AGGREGATE)
    analyst_user = MembershipFactory.create(organization=cast.agency, role=R.ANALYST).user
    analyst = actor_for_user(analyst_user)
    assert decide(analyst, Action.VIEW, counts, P.EVALUATION)
    assert decide(analyst, Action.EXPORT, counts, P.EVALUATION)
    assert not decide(analyst, Action.VIEW, counts, P.ACTIVE_CALL)
    assert decide(cast.actor(cast.admin), Action.VIEW, counts, P.EVALUATION)
    assert not decide(cast.actor(cast.colleague), Action.VIEW, counts, P.EVALUATION)
    assert not decide(ANONYMOUS, Action.VIEW, counts, P.EVALUATION)
    # A partner's analyst, under an agreement that covers aggregates, counts too.
    partner_analyst = MembershipFactory.create(organization=cast.partner, role=R.ANALYST).user
    assert decide(actor_for_user(partner_analyst), Action.VIEW, counts, P.EVALUATION)
    assert not decide(actor_for_user(partner_analyst), Action.VIEW, counts, P.ACTIVE_CALL)


def test_analysts_reach_no_row_of_personal_data(cast):
    """For every model that holds personal data, an analyst (of the holder or of a partner)
    gets no row for any action and purpose, and no single record either."""
    models = personal_models()
    assert models, "the registry should hold personal models"
    for org in (cast.agency, cast.partner):
        user = MembershipFactory.create(organization=org, role=R.ANALYST).user
        analyst = actor_for_user(user)
        for model, action, purpose in itertools.product(models, Action, P):
            narrowed = restrict(analyst, model._default_manager.all(), action, purpose)
            assert narrowed.query.is_empty(), (model, action, purpose)
            level = getattr(model, "access_classification")  # noqa: B009 - a class attribute
            record = Target(organization_ids=frozenset({org.pk}), access_classification=level)
            assert not decide(analyst, action, record, purpose), (model, action, purpose)
