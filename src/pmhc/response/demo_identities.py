"""Demo step: the same people under other spellings, resolved into one person each.

Past records seldom spell a person the same way twice. The step adds, for a few of the people
the police department met most in the last 90 days, a second record as another report wrote
them (two letters swapped in the family name, or the family name given first), and resolves the
department's records as linkage leaves them: every record a person of its own; the record of
the person met most linked at once to their first record, so that together they cross the
high-utilizer line; the others' pairs waiting for review with the evidence linkage gives. The
department's coordinator then finds pairs to decide and one person on the high-utilizer list.
The spellings are the demo's own; the likelihoods are illustrative, not a model's output.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from django.db.models import Count
from django.utils import timezone

if TYPE_CHECKING:
    from pmhc.demo.context import DemoContext
    from pmhc.people.models import Person

#: How many pairs are left for review, and their likelihoods (between the default thresholds).
REVIEW_LIKELIHOODS = (0.95, 0.9, 0.86)
#: The evidence shown beside each pair, as linkage keeps it: each field's comparison level and
#: the weight it added (illustrative values).
EVIDENCE = {
    "given_name": {"level": "Same", "weight": 3.1},
    "family_name": {"level": "Two letters swapped", "weight": 1.2},
    "approximate_age": {"level": "Same", "weight": 1.4},
    "sex": {"level": "Same", "weight": 0.6},
}
SWAPPED_EVIDENCE = {
    "given_name": {"level": "Given and family names swapped", "weight": 1.8},
    "family_name": {"level": "Given and family names swapped", "weight": 1.8},
    "approximate_age": {"level": "Same", "weight": 1.4},
}
WINDOW_DAYS = 90


def _swap_letters(name: str, rng: random.Random) -> str:
    if len(name) < 4:
        return name + name[-1]
    at = rng.randrange(1, len(name) - 2)
    return name[:at] + name[at + 1] + name[at] + name[at + 2 :]


def _respelled(person: Person, rng: random.Random, swapped: bool) -> dict[str, object]:
    family, given = person.family_name, person.given_name
    if swapped:
        family, given = given, family
    else:
        family = _swap_letters(family, rng)
    return {
        "family_name": family,
        "given_name": given,
        "approximate_age": person.approximate_age,
        "sex": person.sex,
    }


def step_identities(ctx: DemoContext) -> None:
    from pmhc.dispatch import services as dispatch_services
    from pmhc.dispatch.models import Call, CallPerson
    from pmhc.people import identity_changes
    from pmhc.people import services as people_services
    from pmhc.people.identity_models import IdentityChangeKind, MatchCandidate
    from pmhc.people.models import Person
    from pmhc.platform.models import Purpose
    from pmhc.response.models import EncounterPerson

    pd = ctx.organizations["pd"]
    rng = ctx.random_for("identities")
    since = timezone.now() - dt.timedelta(days=WINDOW_DAYS)
    met = list(
        EncounterPerson.objects.filter(
            encounter__organization=pd, encounter__call__received_at__gte=since
        )
        .values("person_id")
        .annotate(n=Count("encounter_id"))
        .order_by("-n", "person_id")
        .values_list("person_id", "n")[: 1 + len(REVIEW_LIKELIHOODS)]
    )
    if not met:
        ctx.log("  no one met in the last 90 days: no other spellings added")
        return
    people = Person.objects.in_bulk([pk for pk, _n in met])
    originals = [people[pk] for pk, _n in met]
    variants = people_services.import_people(
        ctx.actor,
        organization=pd,
        purpose=Purpose.ACTIVE_CALL,
        records=[
            _respelled(person, rng, swapped=index % 2 == 1)
            for index, person in enumerate(originals)
        ],
        source="past reports with other spellings",
    )
    identity_changes.give_identities(
        pd,
        Person.objects.filter(organization=pd, identity__isnull=True).values_list("pk", flat=True),
    )
    frequent, frequent_again = originals[0], variants[0]
    # The second record was on calls of its own, enough for the two together to reach the
    # high-utilizer line (four contacts, the default) only once linked.
    already = met[0][1]
    needed = max(2, 4 - already)
    taken = CallPerson.objects.filter(person=frequent).values("call_id")
    calls = (
        Call.objects.filter(organization=pd, received_at__gte=since)
        .exclude(pk__in=taken)
        .order_by("-received_at", "-pk")[:needed]
    )
    for call in calls:
        dispatch_services.link_person(ctx.actor, call=call, person=frequent_again, role="subject")
    frequent.refresh_from_db()
    identity_changes.move_records(
        pd, IdentityChangeKind.AUTO_LINK, {frequent_again.pk: frequent.identity_id}
    )
    for index, (original, variant, likelihood) in enumerate(
        zip(originals[1:], variants[1:], REVIEW_LIKELIHOODS, strict=False)
    ):
        low, high = sorted((original.pk, variant.pk))
        MatchCandidate.objects.create(
            organization=pd,
            left_id=low,
            right_id=high,
            probability=likelihood,
            evidence=SWAPPED_EVIDENCE if index % 2 == 0 else EVIDENCE,
        )
    ctx.log(
        f"  {len(variants)} records under other spellings: 1 linked at once, "
        f"{len(variants) - 1} pairs waiting for review"
    )
