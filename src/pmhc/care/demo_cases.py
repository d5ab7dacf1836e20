"""Demo step: a caseload for the police department's case manager and for the health center's.

The department's case manager (``pd_case_manager``) opens cases for the people at the top of
the high-utilizer list: one due today (just opened), one overdue (last reached ten days ago on
a weekly schedule), one with no contact in over thirty days, one passed to them by the
department's coordinator, and one closed, its person connected to ongoing services. Their
contacts are of every kind, a co-responder follow-up visit after one of the person's calls
among them. The health center's case manager (``case_manager``) follows two people of the
center's own, one due today and one overdue. All times are counted back from now (UTC); the
choices are the step's own random source, so a seed gives the same caseload.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

if TYPE_CHECKING:
    from pmhc.care.models import Case
    from pmhc.demo.context import DemoContext
    from pmhc.people.models import Person
    from pmhc.platform.access import Actor

#: The people on the department's high-utilizer list that get a case, at most.
PD_CASES = 5
GOALS = (
    "Connect with the crisis clinic; keep a safety plan at home.",
    "Find stable housing; attend the first outpatient appointment.",
    "Keep in touch weekly; link with a peer support group.",
)


def _high_utilizers(ctx: DemoContext) -> list[Person]:
    """The first record of each person on the department's high-utilizer list, most contacts
    first; then the people the department met most, should the list be short."""
    from django.db.models import Count

    from pmhc.people import contacts
    from pmhc.people.identity_selectors import linkage_settings
    from pmhc.people.models import Person
    from pmhc.platform.access import system_actor

    pd = ctx.organizations["pd"]
    settings = linkage_settings(system_actor("demo"), pd)
    since = timezone.now() - dt.timedelta(days=settings.utilizer_days)
    ranked = contacts.counts_by_identity(pd.pk, since, settings.utilizer_contacts, PD_CASES)
    chosen: list[Person] = []
    for identity, _n in ranked:
        first = Person.objects.filter(organization=pd, identity_id=identity).order_by("pk").first()
        if first is not None:
            chosen.append(first)
    if len(chosen) < PD_CASES:
        more = (
            Person.objects.filter(organization=pd)
            .exclude(pk__in=[p.pk for p in chosen])
            .annotate(n=Count("calls"))
            .order_by("-n", "pk")[: PD_CASES - len(chosen)]
        )
        chosen.extend(more)
    return chosen


def _call_of(person: Person) -> int | None:
    """The person's newest call: one naming them, or one whose encounter report names them."""
    from pmhc.dispatch.models import CallPerson
    from pmhc.response.models import EncounterPerson

    named = (
        CallPerson.objects.filter(person=person)
        .order_by("-call__received_at", "-call_id")
        .values_list("call_id", flat=True)
        .first()
    )
    if named is not None:
        return named
    return (
        EncounterPerson.objects.filter(person=person)
        .order_by("-encounter__call__received_at", "-encounter_id")
        .values_list("encounter__call_id", flat=True)
        .first()
    )


def step_cases(ctx: DemoContext) -> None:
    from pmhc.care import case_services
    from pmhc.care.models import CaseClosure, CaseOrigin, ContactKind, ContactOutcome
    from pmhc.demo.context import FAMILY, GIVEN, PD_CASE_MANAGER
    from pmhc.dispatch.models import Call
    from pmhc.people import services as people_services
    from pmhc.platform.access import actor_for_user
    from pmhc.platform.models import Purpose, User

    rng = ctx.random_for("cases")
    now = timezone.now()
    pd, bhc = ctx.organizations["pd"], ctx.organizations["bhc"]
    pd_manager = User.objects.filter(username=PD_CASE_MANAGER).first()
    if pd_manager is None:
        ctx.log("  the department has no case manager: no cases opened")
        return
    manager = actor_for_user(pd_manager)
    coordinator = actor_for_user(ctx.users["coordinator"])
    people = _high_utilizers(ctx)
    if len(people) < PD_CASES:
        ctx.log("  too few people for the department's caseload: no cases opened")
        return

    def open_case(actor: Actor, person: Person) -> Case:
        goals = rng.choice(GOALS)
        case, _created = case_services.open_case(
            actor,
            person=person,
            origin=CaseOrigin.HIGH_UTILIZER,
            # The goals are clinical: a coordinator leaves them to the case manager.
            goals=goals if actor is not coordinator else "",
            contact_every_days=7,
        )
        return case

    def contact(actor: Actor, case: Case, kind: str, outcome: str, days_ago: float) -> None:
        call = None
        if kind == ContactKind.CO_RESPONDER:
            call_id = _call_of(case.person)
            call = Call.objects.get(pk=call_id) if call_id is not None else None
            if call is None:
                kind = ContactKind.VISIT
        case_services.log_contact(
            actor,
            case=case,
            kind=kind,
            outcome=outcome,
            at=now - dt.timedelta(days=days_ago, minutes=rng.randint(0, 300)),
            call=call,
        )

    due_today, overdue, quiet, passed, closed = people[:PD_CASES]
    # Due today: just opened from the list.
    open_case(manager, due_today)
    # Overdue: an outreach attempt, then a phone call ten days ago on a weekly schedule.
    case = open_case(manager, overdue)
    contact(manager, case, ContactKind.OUTREACH, ContactOutcome.NOT_FOUND, 12)
    contact(manager, case, ContactKind.CALL, ContactOutcome.LEFT_MESSAGE, 10)
    # No contact in over thirty days: a co-responder follow-up visit after the person's call,
    # then a schedule that waits for the next appointment.
    case = open_case(manager, quiet)
    contact(manager, case, ContactKind.CO_RESPONDER, ContactOutcome.REACHED, 38)
    case_services.update_plan(
        manager,
        case=case,
        goals=case.goals,
        contact_every_days=45,
        next_contact_on=pd.today() + dt.timedelta(days=rng.randint(3, 6)),
    )
    # Passed on: opened by the coordinator, visited, then passed to the case manager.
    case = open_case(coordinator, passed)
    contact(coordinator, case, ContactKind.VISIT, ContactOutcome.REACHED, 3)
    case_services.transfer_case(
        coordinator,
        case=case,
        to_manager=pd_manager,
        reason="The case manager follows the people on the high-utilizer list.",
    )
    # Closed: reached, then connected to ongoing services.
    case = open_case(manager, closed)
    contact(manager, case, ContactKind.VISIT, ContactOutcome.REACHED, 20)
    contact(manager, case, ContactKind.CALL, ContactOutcome.REACHED, 6)
    case_services.close_case(
        manager,
        case=case,
        reason=CaseClosure.CONNECTED,
    )

    # The health center's case manager follows two people of the center's own.
    center = actor_for_user(ctx.users["case_manager"])
    records = people_services.import_people(
        ctx.actor,
        organization=bhc,
        purpose=Purpose.CASE_MANAGEMENT,
        records=[
            {"given_name": rng.choice(GIVEN), "family_name": rng.choice(FAMILY)} for _ in range(2)
        ],
        source="the center's intake",
    )
    open_case(center, records[0])
    case = open_case(center, records[1])
    contact(center, case, ContactKind.CALL, ContactOutcome.REACHED, 9)
    ctx.log(f"  {PD_CASES} cases for the department's case manager, 2 for the center's")
