"""Demo step: the same people under other spellings, resolved by linkage.

Past records seldom spell a person the same way twice. The step adds, for a few of the people
the police department met most in the last 90 days, their date of birth (as a later report gave
it) and a second record as another report wrote them, then runs the department's linkage as the
worker would and keeps what it decides: the records it links are counted together for the
high-utilizer line, and the pairs it doubts wait for review with the evidence it kept. The
department's coordinator then finds pairs to decide and one person on the high-utilizer
list. The likelihoods and the evidence are linkage's own: a model estimated from the
department's records by the run, or its fixed rules when the records are too few.
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

#: How many of the people met most get a second record: the first is linked, the rest wait.
RESPELLED = 4
WINDOW_DAYS = 90


def _born(person: Person, rng: random.Random, today: dt.date) -> dt.date:
    """A date of birth matching the person's approximate age; day and month both under 13
    and different, so that swapping them makes another real date."""
    age = person.approximate_age or 40
    month = rng.randint(1, 12)
    day = rng.choice([d for d in range(1, 13) if d != month])
    return dt.date(today.year - age - 1, month, day)


def _one_letter_more(name: str) -> str:
    """The name with one of its letters written twice, as a hurried report does."""
    at = len(name) // 2
    return name[: at + 1] + name[at:]


def _day_off(born: dt.date) -> dt.date:
    """The date with one digit of its day mistyped."""
    return born.replace(day=born.day - 1 if born.day % 10 == 9 else born.day + 1)


def _respelled(person: Person, born: dt.date, index: int) -> dict[str, object]:
    """The person as another report wrote them: the first as the first report did, the
    second with a letter of the given name written twice and no date of birth, the third with
    a letter of the family name written twice and the day of birth mistyped, the last with the
    day mistyped. Which of them are linked, and which wait for a person, is linkage's call."""
    record: dict[str, object] = {
        "family_name": person.family_name,
        "given_name": person.given_name,
        "date_of_birth": born,
        "sex": person.sex,
    }
    if index == 1:
        record["given_name"] = _one_letter_more(person.given_name)
        record["date_of_birth"] = None
    if index == 2:
        record["family_name"] = _one_letter_more(person.family_name)
    if index in {2, 3}:
        record["date_of_birth"] = _day_off(born)
    return record


def _own_calls(
    ctx: DemoContext, person: Person, again: Person, already: int, since: dt.datetime
) -> None:
    from pmhc.dispatch import services as dispatch_services
    from pmhc.dispatch.models import Call, CallPerson

    pd = ctx.organizations["pd"]
    taken = CallPerson.objects.filter(person__in=[person, again]).values("call_id")
    calls = (
        Call.objects.filter(organization=pd, received_at__gte=since)
        .exclude(pk__in=taken)
        .order_by("-received_at", "-pk")[: max(2, 4 - already)]
    )
    for call in calls:
        dispatch_services.link_person(ctx.actor, call=call, person=again, role="subject")


def step_identities(ctx: DemoContext) -> None:
    from pmhc.people import linkage_services
    from pmhc.people import services as people_services
    from pmhc.people.identity_models import LinkageRunStatus
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
        .values_list("person_id", "n")[:RESPELLED]
    )
    if not met:
        ctx.log("  no one met in the last 90 days: no other spellings added")
        return
    people = Person.objects.in_bulk([pk for pk, _n in met])
    originals = []
    births = []
    for pk, _n in met:
        born = _born(people[pk], rng, ctx.today)
        originals.append(
            people_services.update_person(
                ctx.actor, person=people[pk], purpose=Purpose.ACTIVE_CALL, date_of_birth=born
            )
        )
        births.append(born)
    variants = people_services.import_people(
        ctx.actor,
        organization=pd,
        purpose=Purpose.ACTIVE_CALL,
        records=[
            _respelled(person, born, index)
            for index, (person, born) in enumerate(zip(originals, births, strict=True))
        ],
        source="past reports with other spellings",
    )
    # The second records of the first and the last were on calls of their own, enough for
    # either person to reach the high-utilizer line (four contacts, the default) only once
    # linked.
    for index in sorted({0, len(variants) - 1}):
        _own_calls(ctx, originals[index], variants[index], met[index][1], since)
    # The run the import queues, carried out here rather than by the worker.
    run = linkage_services.run_linkage(linkage_services.queue_linkage_after_import(pd).pk)
    if run is None or run.status != LinkageRunStatus.DONE:
        raise RuntimeError("The demo's linkage run did not finish.")
    ctx.log(
        f"  {len(variants)} records under other spellings; linkage linked {run.auto_linked} "
        f"record(s) and left {run.to_review} pair(s) for review"
    )
