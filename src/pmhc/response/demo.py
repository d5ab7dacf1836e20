"""Demo step for response: the encounter reports of the year's calls, and the people in them.

Each call that police went to has an accepted report. The outcomes are drawn so that the
published effect sizes in FACTS.md hold in the synthetic data, to give the later dashboards
something true to show: compared with other officers, a CIT officer on the scene more often
ends with verbal engagement as the highest level of force (odds ratio 2.00), more often refers
or transports the person to services (1.70) and arrests less often (0.47) (Compton et al.
2014); a co-responder team arrests less too (0.48, Indianapolis). Injuries and SWAT call-outs
are rarer with CIT, in the direction Memphis reported. The base rates for other officers are
the fictional agency's, chosen for the demo; they are not findings.

Arrest and diversion are derived from the same draw, adding no rate of their own. The
demo assumes what a person did does not depend on who responds, so the share of encounters
with an offence the person could have been arrested for is the same for every officer, and it
takes that share to be the arrest rate of officers without CIT (``BASE["arrest"]``): those
officers arrest everyone they could. Where a CIT officer or a co-responder team arrests less
(the odds ratios above), the difference is people who could have been arrested and were
connected to services instead: diverted. Every possible charge is recorded as a misdemeanor
and every arrest as booked; no one is cited. These are the demo's simplifications, not
findings.

The other new fields follow the same rule of no invented rate: the person is taken to the
emergency department or the crisis unit as before (coded); restraints are recorded (handcuffs)
on involuntary transports by police; the responder answers that the person would otherwise
have gone to an emergency department when they were a danger to themselves or were
transported; each officer's arrival and clear are the report's own times; race and ethnicity
are "not recorded" and housing left blank (the demo has no source for them); the presenting
concern follows the call type.

About one person in five in crisis is met more than once in the year, a few of them often, so
repeat encounters can be counted. The newest reports are left in every state of review: a
draft and a returned report for the demo ``officer``, and reports waiting for the demo
``supervisor``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pmhc.demo.registry import register_step
from pmhc.dispatch.models import Routing
from pmhc.response import demo_retention
from pmhc.response.demo_identities import step_identities

if TYPE_CHECKING:
    from pmhc.demo.context import DemoContext
    from pmhc.dispatch.demo import DemoCall
    from pmhc.response.import_services import EncounterRecord

#: Base rates for officers without CIT (the fictional agency's), and the odds ratios applied
#: for a CIT officer or a co-responder team on the scene.
BASE = {"arrest": 0.10, "connected": 0.40, "verbal": 0.30}
CIT_ODDS = {"arrest": 0.47, "connected": 1.70, "verbal": 2.00}
CO_RESPONDER_ARREST_ODDS = 0.48
#: Memphis reported officer injuries down 85% and SWAT call-outs down 55% (self-reported).
OFFICER_INJURY = {False: 0.02, True: 0.02 * 0.15}
SWAT = {False: 0.008, True: 0.008 * 0.45}


def with_odds(base: float, odds_ratio: float) -> float:
    """The probability whose odds are ``odds_ratio`` times the odds of ``base``."""
    odds = base / (1 - base) * odds_ratio
    return odds / (1 + odds)


@dataclass(frozen=True)
class Outcome:
    disposition: str
    transport: str
    transport_by: str
    destination_kind: str
    destination: str
    legal_basis: str
    #: Could have been arrested; ``law_outcome`` is "arrested", "diverted" or "none".
    arrest_eligible: bool
    law_outcome: str
    highest_force: str
    officer_injury: str
    subject_injury: str
    swat_callout: bool


CONNECTED = (
    ("mobile_crisis_referral", 22),
    ("crisis_clinic", 18),
    ("dcr_referral", 10),
    ("voluntary_transport", 32),
    ("emergent_detention", 12),
    ("shelter", 6),
)
ER = "Example County General Hospital, emergency department"
CRISIS_UNIT = "Example County Behavioral Health Center, crisis unit"
#: The coded kind of each facility above.
DESTINATION_KIND = {ER: "emergency_department", CRISIS_UNIT: "crisis_center"}
#: The presenting concern each call type records.
CONCERNS = {
    "MH": ["mental_illness"],
    "SUIC": ["suicidal", "mental_illness"],
    "WELF": ["other"],
    "DIST": ["mental_illness"],
}


def draw_outcome(rng: random.Random, *, cit: bool, co_responder: bool) -> Outcome:
    """One encounter's outcome, with the effect sizes above."""
    arrest = BASE["arrest"]
    if co_responder:
        arrest = with_odds(arrest, CO_RESPONDER_ARREST_ODDS)
    elif cit:
        arrest = with_odds(arrest, CIT_ODDS["arrest"])
    connected = with_odds(BASE["connected"], CIT_ODDS["connected"]) if cit else BASE["connected"]
    verbal = with_odds(BASE["verbal"], CIT_ODDS["verbal"]) if cit else BASE["verbal"]

    transport = transport_by = destination = legal_basis = ""
    draw = rng.random()
    # The same share of encounters could end in arrest whoever responds (see the module's
    # docstring); those below it that are not arrested are diverted.
    eligible = draw < BASE["arrest"]
    if draw < arrest:
        disposition = "subject_arrested"
    elif draw < arrest + connected:
        disposition = rng.choices([c for c, _ in CONNECTED], [w for _, w in CONNECTED])[0]
    else:
        disposition = "resolved_at_scene" if rng.random() < 0.7 else "resources_declined"
    if disposition == "voluntary_transport":
        transport = "voluntary"
        transport_by = rng.choice(("police", "ems", "crisis_team"))
        destination = rng.choice((ER, CRISIS_UNIT))
    elif disposition == "emergent_detention":
        transport = "involuntary"
        transport_by = rng.choice(("police", "ems"))
        destination = ER
        legal_basis = "Emergency detention under the state mental health code"

    force_draw = rng.random()
    if force_draw < verbal:
        force = "verbal"
    elif force_draw < verbal + (0.05 if cit else 0.08):
        force = "hands_on"
    elif force_draw < verbal + (0.06 if cit else 0.095):
        force = "less_lethal"
    elif force_draw < verbal + 0.16:
        force = "none"
    else:
        force = "presence"
    officer_injury = "minor" if rng.random() < OFFICER_INJURY[cit] else "none"
    subject_injury = "none"
    if force in {"hands_on", "less_lethal"} and rng.random() < 0.3:
        subject_injury = "minor" if rng.random() < 0.85 else "serious"
    law_outcome = "none"
    if disposition == "subject_arrested":
        law_outcome = "arrested"
    elif eligible:
        law_outcome = "diverted"
    return Outcome(
        disposition=disposition,
        transport=transport or "none",
        transport_by=transport_by,
        destination_kind=DESTINATION_KIND.get(destination, ""),
        destination=destination,
        arrest_eligible=eligible or disposition == "subject_arrested",
        law_outcome=law_outcome,
        legal_basis=legal_basis,
        highest_force=force,
        officer_injury=officer_injury,
        subject_injury=subject_injury,
        swat_callout=rng.random() < SWAT[cit],
    )


def people_for(rng: random.Random, count: int) -> list[int]:
    """Which person (an index) each of ``count`` encounters is with: most people once, about
    one in five more than once, a few often."""
    people: list[int] = []
    person = 0
    while len(people) < count:
        draw = rng.random()
        times = 1 if draw < 0.8 else (rng.randint(2, 3) if draw < 0.97 else rng.randint(4, 12))
        people.extend([person] * times)
        person += 1
    del people[count:]
    rng.shuffle(people)
    return people


def police_calls(calls: Sequence[DemoCall]) -> list[DemoCall]:
    from pmhc.dispatch.demo import POLICE_ROUTES

    return [call for call in calls if call.route in POLICE_ROUTES]


def is_co_responder(call: DemoCall) -> bool:
    return call.route == Routing.CO_RESPONDER


def _roster(ctx: DemoContext) -> tuple[dict[tuple[str, str, bool], list[tuple[int, str]]], dict]:
    """Patrol officers by (shift, district, holds CIT now), as (trainee pk, name) pairs, and
    the roster entries linked to the demo's users."""
    from pmhc.training.models import Certification, CertificationKind, Trainee, TraineeRole

    pd = ctx.organizations["pd"]
    current = set(
        Certification.objects.filter(trainee__organization=pd, kind=CertificationKind.CIT)
        .current_on(ctx.today)
        .values_list("trainee_id", flat=True)
    )
    posts: dict[tuple[str, str, bool], list[tuple[int, str]]] = {}
    linked = {}
    for trainee in Trainee.objects.filter(organization=pd, role=TraineeRole.PATROL, is_active=True):
        name = f"Ofc. {trainee.first_name[0]}. {trainee.last_name}"
        posts.setdefault((trainee.shift, trainee.district, trainee.pk in current), []).append(
            (trainee.pk, name)
        )
        if trainee.user_id:
            linked[trainee.user_id] = (trainee.pk, name)
    return posts, linked


def _responder(
    rng: random.Random,
    posts: dict[tuple[str, str, bool], list[tuple[int, str]]],
    call: DemoCall,
) -> tuple[int, str, bool] | None:
    """An officer of the call's post: a CIT officer when one arrived, else any other."""
    for cit in (call.cit_arrived, not call.cit_arrived):
        pool = posts.get((call.shift, call.district, cit))
        if pool:
            pk, name = rng.choice(pool)
            return pk, name, cit
    return None


def _people(ctx: DemoContext, count: int) -> list[int]:
    from pmhc.people import services as people_services
    from pmhc.platform.models import Purpose

    rng = ctx.rng
    records = []
    for _ in range(count):
        given, family = ctx.person_name()
        records.append(
            {
                "family_name": family,
                "given_name": given,
                "approximate_age": rng.randint(16, 82),
                "sex": rng.choice(("F", "M", "M", "F", "U")),
                "veteran": rng.choice(("no", "no", "no", "yes", "unknown")),
            }
        )
    people = people_services.import_people(
        ctx.actor,
        organization=ctx.organizations["pd"],
        purpose=Purpose.ACTIVE_CALL,
        records=records,
        source="past encounter reports",
    )
    return [person.pk for person in people]


DEESCALATION = ("verbal", "time", "space", "choices", "support")


def _record(
    rng: random.Random,
    call: DemoCall,
    call_pk: int,
    responder: tuple[int, str, bool],
    person_pk: int,
) -> EncounterRecord:
    from pmhc.response.import_services import EncounterRecord, PersonRecord, ResponderRecord

    trainee_pk, name, cit = responder
    co_responder = is_co_responder(call)
    outcome = draw_outcome(rng, cit=cit, co_responder=co_responder)
    arrived = call.received_at + dt.timedelta(minutes=rng.randint(8, 28))
    facility = handoff = None
    back = arrived + dt.timedelta(minutes=rng.randint(25, 95))
    if outcome.transport != "none":
        facility = back + dt.timedelta(minutes=rng.randint(10, 30))
        wait = rng.randint(10, 30) if outcome.destination == CRISIS_UNIT else rng.randint(45, 240)
        handoff = facility + dt.timedelta(minutes=wait)
        back = handoff + dt.timedelta(minutes=rng.randint(5, 15))
    responders = [
        ResponderRecord(
            name=name, trainee=trainee_pk, cit_certified=cit, arrived_at=arrived, cleared_at=back
        )
    ]
    if co_responder:
        responders.append(
            ResponderRecord(
                name="Co-responder clinician",
                role="clinician",
                cit_certified=False,
                arrived_at=arrived,
                cleared_at=back,
            )
        )
    techniques = rng.sample(DEESCALATION, k=rng.randint(1, 3) if cit else rng.randint(0, 2))
    if co_responder:
        techniques.append("clinician")
    force = outcome.highest_force
    above_presence = force not in {"none", "presence"}
    danger_to_self = call.call_type == "SUIC" or rng.random() < 0.1
    arrested = outcome.law_outcome == "arrested"
    restrained = outcome.transport == "involuntary" and outcome.transport_by == "police"
    return EncounterRecord(
        call=call_pk,
        disposition=outcome.disposition,
        arrived_at=arrived,
        danger_to_self=danger_to_self,
        danger_to_others=call.call_type == "DIST" and rng.random() < 0.3,
        crime_suspected=outcome.disposition == "subject_arrested" or rng.random() < 0.03,
        deescalation=techniques,
        highest_force=force,
        force_reason="To keep the person from walking into traffic." if above_presence else "",
        force_narrative=(
            "Told the person to step back from the road; they did after a short talk."
            if force == "verbal"
            else "Held the person's arms until they calmed; released once seated."
            if above_presence
            else ""
        ),
        officer_injury=outcome.officer_injury,
        subject_injury=outcome.subject_injury,
        swat_callout=outcome.swat_callout,
        transport=outcome.transport,
        legal_basis=outcome.legal_basis,
        transport_by=outcome.transport_by,
        destination_kind=outcome.destination_kind,
        destination=outcome.destination,
        restraints_used=restrained,
        restraint_kind="handcuffs" if restrained else "",
        offence_present=outcome.arrest_eligible,
        arrest_eligible=outcome.arrest_eligible,
        law_outcome=outcome.law_outcome,
        charge_level="misdemeanor" if outcome.arrest_eligible else "none",
        booked=arrested,
        ed_otherwise="yes" if danger_to_self or outcome.transport != "none" else "no",
        arrived_facility_at=facility,
        handoff_at=handoff,
        back_in_service_at=back,
        responders=responders,
        persons=[
            PersonRecord(
                person=person_pk,
                race_ethnicity=["not_recorded"],
                presenting_concerns=CONCERNS.get(call.call_type, ["other"]),
            )
        ],
    )


#: The newest police calls are left for the demo's own officer and supervisor to work on.
LEFT_OPEN = 6


def step(ctx: DemoContext, calls: Sequence[DemoCall]) -> None:
    from pmhc.dispatch.models import Call
    from pmhc.response.import_services import import_encounters

    pd = ctx.organizations["pd"]
    rng = ctx.rng
    posts, linked = _roster(ctx)
    attended = police_calls(calls)
    history, recent = attended[:-LEFT_OPEN], attended[-LEFT_OPEN:]
    call_pks = dict(Call.objects.filter(organization=pd).values_list("cad_event_id", "pk"))
    who = people_for(rng, len(history))
    person_pks = _people(ctx, max(who) + 1 if who else 0)
    records = []
    for call, person in zip(history, who, strict=True):
        responder = _responder(rng, posts, call)
        if responder is None:
            continue
        records.append(
            _record(rng, call, call_pks[call.cad_event_id], responder, person_pks[person])
        )
    count = import_encounters(ctx.actor, organization=pd, records=records)
    ctx.log(f"  {count} accepted encounter reports, with {len(person_pks)} people")
    _reports_in_review(ctx, recent, call_pks, linked)


def _reports_in_review(
    ctx: DemoContext, recent: Sequence[DemoCall], call_pks: dict[str, int], linked: dict
) -> None:
    """The demo officer's newest calls: two reports waiting for the supervisor, one returned
    to the officer, one still a draft; two calls have no report yet."""
    from pmhc.dispatch import services as dispatch_services
    from pmhc.dispatch.models import Call
    from pmhc.platform.access import actor_for_user
    from pmhc.response import services
    from pmhc.response.disposition_services import ensure_dispositions
    from pmhc.training.models import Trainee

    pd = ctx.organizations["pd"]
    officer_user, supervisor_user = ctx.users["officer"], ctx.users["supervisor"]
    officer = actor_for_user(officer_user)
    supervisor = actor_for_user(supervisor_user)
    trainee = Trainee.objects.get(pk=linked[officer_user.pk][0])
    calls = list(Call.objects.filter(pk__in=[call_pks[c.cad_event_id] for c in recent]))
    calls.sort(key=lambda call: call.received_at)
    for call in calls:
        dispatch_services.assign_unit(ctx.actor, call=call, trainee=trainee)
    dispositions = {d.code: d for d in ensure_dispositions(ctx.actor, organization=pd)}
    states = ("submitted", "submitted", "returned", "draft")
    for call, state in zip(calls, states, strict=False):
        arrived = (call.first_arrival_at or call.received_at) + dt.timedelta(minutes=1)
        encounter = services.start_encounter(
            officer,
            call=call,
            arrived_at=arrived,
            deescalation=["verbal", "time"],
            highest_force="presence",
            disposition=dispositions["resolved_at_scene"],
            back_in_service_at=arrived + dt.timedelta(minutes=40),
        )
        if state == "draft":
            continue
        services.submit_encounter(officer, encounter=encounter)
        if state == "returned":
            services.review_encounter(
                supervisor,
                encounter=encounter,
                accept=False,
                comment="Please say what the person was offered before they declined.",
            )


def step_encounters(ctx: DemoContext) -> None:
    """The encounters of the calls that dispatch's step made (it runs first: the order of
    apps) with the random source that step continued."""
    from pmhc.dispatch.demo import CALLS

    step(ctx, ctx.made[CALLS])


register_step(step_encounters, random="operate")

#: The people and services the demo's follow-ups are arranged with (synthetic).
FOLLOW_UP_WITH = (
    "Example County Behavioral Health Center, walk-in crisis clinic",
    "The person's own counselor, by phone",
)


def step_teams_at_work(ctx: DemoContext) -> None:
    """The partner's clinician staffs the mobile crisis team (and rides with the co-responder
    unit beside the demo officer). The team answered two of the newest calls and the clinician
    filed a contact note for each, with a follow-up due today for the demo case manager; the
    newest call has just been sent to the team, waiting for the clinician to accept it. Draws
    nothing from the random sources, so the figures of the steps before stay as they are."""
    from pmhc.dispatch import services as dispatch_services
    from pmhc.dispatch import unit_services
    from pmhc.dispatch.models import AssignmentStatus, Call, Team, TeamKind
    from pmhc.people.models import Person
    from pmhc.platform.access import actor_for_user
    from pmhc.response import contact_services
    from pmhc.response.models import RiskLevel

    pd = ctx.organizations["pd"]
    clinician_user = ctx.users["clinician"]
    teams = {team.kind: team for team in Team.objects.filter(organization=pd)}
    mobile, co_responder = teams[TeamKind.MOBILE_CRISIS], teams[TeamKind.CO_RESPONDER]
    # The police department's coordinator puts people on its teams, the partner's clinician
    # among them under the MOU in force.
    coordinator = actor_for_user(ctx.users["coordinator"])
    unit_services.set_team_members(coordinator, team=mobile, users=[clinician_user])
    unit_services.set_team_members(
        coordinator, team=co_responder, users=[ctx.users["officer"], clinician_user]
    )
    call_taker = actor_for_user(ctx.users["call_taker"])
    clinician = actor_for_user(clinician_user)
    newest, *answered = list(
        Call.objects.filter(organization=pd, encounters__isnull=True).order_by(
            "-received_at", "-pk"
        )[:3]
    )
    people = list(Person.objects.filter(organization=pd).order_by("pk")[: len(answered)])
    today = ctx.today
    for call, person, whom in zip(answered, people, FOLLOW_UP_WITH, strict=True):
        dispatch_services.link_person(call_taker, call=call, person=person, role="subject")
        assignment = dispatch_services.assign_unit(call_taker, call=call, team=mobile)
        for step in (
            AssignmentStatus.ACCEPTED,
            AssignmentStatus.EN_ROUTE,
            AssignmentStatus.ON_SCENE,
            AssignmentStatus.CLEAR,
        ):
            unit_services.advance(clinician, assignment=assignment, to=step)
        contact_services.file_contact_note(
            clinician,
            assignment=assignment,
            person=person,
            assessment_done=True,
            risk_level=RiskLevel.MODERATE,
            safety_plan=True,
            follow_up_with=whom,
            follow_up_on=today,
            note="Met at home with a family member present. Agreed a safety plan and a "
            "visit to the clinic; the person will keep their phone on.",
        )
    dispatch_services.assign_unit(call_taker, call=newest, team=mobile)
    ctx.log(
        f"  the mobile crisis team: {len(answered)} calls answered with contact notes and "
        "follow-ups due today, and one call just sent"
    )


register_step(step_teams_at_work)
register_step(step_identities)
register_step(demo_retention.step)

# The response plan at work on a call just received (its own module, registered on import).
from pmhc.response import demo_plans  # noqa: E402, F401

# A recorded consent and a clinical read across organizations under it (its own module).
from pmhc.response.demo_consents import step_consents  # noqa: E402

register_step(step_consents)
