"""Synthetic de-identified facts with a known effect, for the statistics' tests."""

from __future__ import annotations

import datetime as dt
import itertools
import random

from pmhc.evaluation.models import CallFact
from pmhc.platform.models import Organization


def with_odds(base: float, odds_ratio: float) -> float:
    odds = base / (1 - base) * odds_ratio
    return odds / (1 + odds)


def weekly_facts(
    organization: Organization,
    *,
    change_on: dt.date,
    weeks_before: int,
    weeks_after: int,
    calls_per_week: int,
    base: float,
    jump: float,
    seed: int = 7,
) -> list[CallFact]:
    """Mental health calls, a share ``base`` answered by a clinician before ``change_on``
    (a Monday) and ``base + jump`` from it."""
    rng = random.Random(seed)
    facts = []
    number = itertools.count(1)
    first = change_on - dt.timedelta(weeks=weeks_before)
    for week in range(weeks_before + weeks_after):
        start = first + dt.timedelta(weeks=week)
        share = base + (jump if start >= change_on else 0.0)
        for _ in range(calls_per_week):
            day = start + dt.timedelta(days=rng.randrange(7))
            facts.append(
                CallFact(
                    organization=organization,
                    call_id=next(number),
                    month=day.replace(day=1),
                    day=day,
                    weekday=day.weekday(),
                    mental_health=True,
                    clinician=rng.random() < share,
                )
            )
    return CallFact.objects.bulk_create(facts)


def encounter_facts(
    organization: Organization,
    *,
    day: dt.date,
    per_cell: int,
    odds_ratio: float,
    seed: int = 11,
) -> list[CallFact]:
    """Reported encounters over call types, shifts and districts with different base rates of
    arrest; a CIT responder's odds of arrest are ``odds_ratio`` times the others'."""
    rng = random.Random(seed)
    facts = []
    number = itertools.count(1)
    for cit, call_type, shift, district in itertools.product(
        (True, False), ("MH", "SUIC"), ("Day", "Night"), ("North", "South")
    ):
        base = 0.15 * (1.6 if call_type == "SUIC" else 1.0) * (1.4 if shift == "Night" else 1.0)
        # CIT officers answer more of the Night calls here: the adjustment must allow for it.
        count = per_cell * (2 if cit and shift == "Night" else 1)
        rate = with_odds(base, odds_ratio) if cit else base
        for _ in range(count):
            facts.append(
                CallFact(
                    organization=organization,
                    call_id=next(number),
                    month=day.replace(day=1),
                    day=day,
                    mental_health=True,
                    reported=True,
                    cit_responder=cit,
                    officer_responder=True,
                    apco_type=call_type,
                    shift=shift,
                    district=district,
                    arrested=rng.random() < rate,
                    referred=rng.random() < 0.3,
                    force_above_presence=rng.random() < 0.1,
                )
            )
    return CallFact.objects.bulk_create(facts)
