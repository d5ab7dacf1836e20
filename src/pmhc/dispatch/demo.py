"""Demo step for dispatch: a year of Example County PD's mental health calls, its duty board and
its routing rules.

The year's calls are written as the agency's CAD would export them and brought in with the CAD
import (one import, audited once), the way an agency would load its history. Their number is
the plan's own figure (the community profile's mental health calls per year), spread over the
hours and weekdays of the profile's patterns. A CIT officer reaches most calls, except on the
post the roster leaves without one (Night in East, see ``training/demo.py``). The last few dozen
calls were taken with the call-taker protocol, through the same service the screen uses, so
their answers, recommendation and decision are on record.

The co-responder team started on the demo's program start (``DemoContext.program_start``, half
a year before its today; Measure records it as a program change). Before that day the team did
not exist: a call whose drawn route is the co-responder team went to a CIT officer instead
(the two share every later branch, so the random draws are the same). The share of mental
health calls answered by a clinician therefore jumps at the start from none to the team's
share, ``CO_RESPONDER_LEVEL_CHANGE``, computed from the weights below (``ROUTES``, ``HOURLY``,
``DISTRICTS`` and the Night-in-East gap); the before-and-after analysis should find it.

Every figure here is synthetic; the shares are the fictional agency's, chosen so that the
later dashboards have something to show.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pmhc.demo.registry import register_step
from pmhc.dispatch import services
from pmhc.dispatch.models import Call, CallSource, Indicator, Routing, TeamKind

if TYPE_CHECKING:
    from pmhc.demo.context import DemoContext

DISTRICTS = ("North", "Central", "South", "East", "West")
#: The fictional agency's shifts, as on its roster; the plan's first shift starts at 07:00.
SHIFTS = (("Day", dt.time(7), dt.time(15)), ("Evening", dt.time(15), dt.time(23)),
          ("Night", dt.time(23), dt.time(7)))  # fmt: skip
#: Calls by hour of day (00:00 first) and by weekday (Monday first), as in the plan's profile.
HOURLY = (3, 2, 2, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6, 7, 7, 8, 8, 8, 7, 7, 6, 5, 4, 3)
WEEKDAY = (14, 14, 14, 14, 15, 15, 14)
#: The agency's own call types (code, share of its mental health calls).
CALL_TYPES = (("MH", 45), ("SUIC", 20), ("WELF", 25), ("DIST", 10))
SOURCES = (
    (CallSource.NINE_ONE_ONE, 80),
    (CallSource.TRANSFER_988, 5),
    (CallSource.OFFICER, 8),
    (CallSource.CRISIS_TEAM, 4),
    (CallSource.OTHER, 3),
)
#: How the year's calls were answered (before the protocol was in use; shares of calls).
ROUTES = (
    (Routing.CIT_OFFICER, 48),
    (Routing.CO_RESPONDER, 10),
    (Routing.PATROL_PRIORITY, 24),
    (Routing.MOBILE_CRISIS, 8),
    (Routing.TRANSFER_988, 5),
    (Routing.EMS, 5),
)


def _night_share() -> float:
    """The share of calls on the Night shift (23:00 to 07:00), from ``HOURLY``."""
    night = sum(weight for hour, weight in enumerate(HOURLY) if hour >= 23 or hour < 7)
    return night / sum(HOURLY)


#: The jump, in percentage points, of the share of mental health calls answered by a
#: clinician when the co-responder team started: the team's share of routes, less the calls
#: in East at night, where no CIT officer (and so no co-responder) is on the roster.
CO_RESPONDER_LEVEL_CHANGE = (
    100
    * dict(ROUTES)[Routing.CO_RESPONDER]
    / sum(weight for _, weight in ROUTES)
    * (1 - _night_share() / len(DISTRICTS))
)
#: Routes on which police go to the scene, and so an encounter report is filed.
POLICE_ROUTES = frozenset({Routing.CIT_OFFICER, Routing.CO_RESPONDER, Routing.PATROL_PRIORITY})
STREETS = ("Alder", "Birch", "Cedar", "Dale", "Elm", "Field", "Glen", "Hill", "Lake", "Maple",
           "Oak", "Park", "Ridge", "River", "Stone", "Vale", "Willow")  # fmt: skip
NARRATIVES = {
    "MH": "Caller reports a family member is very distressed and not making sense. "
    "No weapons seen.",
    "SUIC": "Caller reports the person has talked about ending their life tonight.",
    "WELF": "Neighbor has not seen the resident for days and is worried about them.",
    "DIST": "Person shouting in the street and frightening passers-by; no one hurt.",
}
#: How many of the newest calls were taken with the protocol.
TRIAGED_RECENT = 30


@dataclass(frozen=True)
class DemoCall:
    """One synthetic call and what the encounter step needs to know about it."""

    cad_event_id: str
    received_at: dt.datetime
    district: str
    shift: str
    call_type: str
    route: Routing
    cit_arrived: bool


def _weighted(rng: random.Random, pairs: tuple[tuple[object, int], ...]) -> object:
    return rng.choices([value for value, _ in pairs], [weight for _, weight in pairs])[0]


def shift_at(moment: dt.datetime) -> str:
    hour = moment.hour
    if 7 <= hour < 15:
        return "Day"
    if 15 <= hour < 23:
        return "Evening"
    return "Night"


def _mh_calls_per_year(ctx: DemoContext) -> int:
    from pmhc.planning.models import CommunityProfile

    profile = CommunityProfile.objects.filter(organization=ctx.organizations["pd"]).first()
    if profile is not None and profile.mh_calls_per_year:
        return profile.mh_calls_per_year
    return 6000 * ctx.scale


def year_of_calls(
    ctx: DemoContext, zone: zoneinfo.ZoneInfo
) -> list[tuple[DemoCall, dict[str, str]]]:
    """The calls of 365 days ending the day before yesterday, oldest first, each with its CSV
    row. A call received late yesterday would clear after midnight, and a demo loaded just after
    midnight would then hold times in the future, which the import rightly refuses."""
    rng = ctx.rng
    program_start = ctx.program_start
    total = _mh_calls_per_year(ctx)
    first_day = ctx.today - dt.timedelta(days=366)
    days = [first_day + dt.timedelta(days=n) for n in range(365)]
    day_weights = [WEEKDAY[day.weekday()] for day in days]
    moments = []
    for day in rng.choices(days, day_weights, k=total):
        hour = rng.choices(range(24), HOURLY)[0]
        local = dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60)), zone)
        # Arithmetic in UTC: adding minutes to a local time across a clock change would not.
        moments.append(local.astimezone(dt.UTC))
    moments.sort()
    calls = []
    for number, received in enumerate(moments, start=1):
        district = rng.choice(DISTRICTS)
        shift = shift_at(received.astimezone(zone))
        call_type = str(_weighted(rng, CALL_TYPES))
        route = Routing(str(_weighted(rng, ROUTES)))
        # Before the program start there was no co-responder team: a CIT officer went.
        if route == Routing.CO_RESPONDER and received.astimezone(zone).date() < program_start:
            route = Routing.CIT_OFFICER
        # Night in East has no CIT officer (the roster's gap): patrol goes instead.
        no_cit_here = (shift, district) == ("Night", "East")
        if no_cit_here and route in {Routing.CIT_OFFICER, Routing.CO_RESPONDER}:
            route = Routing.PATROL_PRIORITY
        cit_requested = route in {Routing.CIT_OFFICER, Routing.CO_RESPONDER} or (
            route == Routing.PATROL_PRIORITY and rng.random() < 0.3
        )
        cit_dispatched = route in {Routing.CIT_OFFICER, Routing.CO_RESPONDER} or (
            route == Routing.PATROL_PRIORITY and not no_cit_here and rng.random() < 0.15
        )
        cit_arrived = cit_dispatched and rng.random() < 0.96
        police = route in POLICE_ROUTES
        dispatched = received + dt.timedelta(seconds=rng.randint(50, 420))
        arrived = dispatched + dt.timedelta(minutes=rng.randint(4, 22)) if police else None
        cleared = (arrived or dispatched) + dt.timedelta(minutes=rng.randint(25, 110))
        cad_id = f"ECPD-{received.astimezone(zone).year}-{number:06d}"
        indicators = rng.sample(
            [Indicator.DISTRESS, Indicator.PSYCHOSIS, Indicator.SUBSTANCE, Indicator.DEMENTIA],
            k=rng.randint(0, 2),
        )
        if call_type == "SUIC":
            indicators.insert(0, Indicator.SUICIDE)
        row = {
            "cad_event_id": cad_id,
            "received_at": received.isoformat(),
            "dispatched_at": dispatched.isoformat(),
            "first_arrival_at": arrived.isoformat() if arrived else "",
            "cleared_at": cleared.isoformat(),
            "address": f"{rng.randint(1, 48) * 100} block of {rng.choice(STREETS)} Street",
            "district": district,
            "beat": f"{district[0]}{rng.randint(1, 4)}",
            "call_type": call_type,
            "priority": str(rng.choice((1, 2, 2, 2, 3))),
            "source": str(_weighted(rng, SOURCES)),
            "is_mental_health": "true",
            "mh_indicators": ";".join(indicators),
            "narrative": NARRATIVES[call_type],
            "units": f"{rng.randint(1, 3)}{district[0]}{rng.randint(10, 39)}" if police else "",
            "cad_disposition": "",
            "cit_requested": "true" if cit_requested else "false",
            "cit_dispatched": "true" if cit_dispatched else "false",
            "cit_arrived": "true" if cit_arrived else "false",
        }
        calls.append(
            (DemoCall(cad_id, received, district, shift, call_type, route, cit_arrived), row)
        )
    return calls


def _duty_board(ctx: DemoContext) -> None:
    pd, bhc = ctx.organizations["pd"], ctx.organizations["bhc"]
    for name, starts, ends in SHIFTS:
        services.save_shift(ctx.actor, organization=pd, name=name, starts_at=starts, ends_at=ends)
    every_day = list(range(7))
    services.save_team(
        ctx.actor,
        organization=pd,
        name="Co-responder unit 1",
        kind=TeamKind.CO_RESPONDER,
        provider=bhc.name,
        contact="Radio CR1",
        days=[0, 1, 2, 3, 4],
        starts_at=dt.time(9),
        ends_at=dt.time(21),
        is_active=True,
    )
    services.save_team(
        ctx.actor,
        organization=pd,
        name="Mobile crisis team",
        kind=TeamKind.MOBILE_CRISIS,
        provider=bhc.name,
        contact="Crisis line desk",
        days=every_day,
        starts_at=dt.time(8),
        ends_at=dt.time(0),
        is_active=True,
    )
    services.save_team(
        ctx.actor,
        organization=pd,
        name="County EMS",
        kind=TeamKind.EMS,
        provider="",
        contact="Fire dispatch",
        days=every_day,
        starts_at=dt.time(0),
        ends_at=dt.time(0),
        is_active=True,
    )


def _answers_for(rng: random.Random, call_type: str) -> dict[str, str]:
    """Protocol answers that fit the call type."""

    def yes(chance: float) -> str:
        draw = rng.random()
        return "yes" if draw < chance else ("unknown" if draw > 0.97 else "no")

    def graded(chance: float, grades: tuple[tuple[str, float], ...]) -> str:
        """A graded answer from one draw: below ``chance``, the grade whose share of it the
        draw falls in."""
        draw = rng.random()
        if draw >= chance:
            return "unknown" if draw > 0.97 else "no"
        share = draw / chance
        for grade, upto in grades:
            if share < upto:
                return grade
        return grades[-1][0]

    weapon = "none"
    draw = rng.random()
    if draw < 0.05:
        weapon = "now"
    elif draw < 0.15:
        weapon = "access"
    elif draw > 0.95:
        weapon = "unknown"
    return {
        "behavior": {
            "MH": "Pacing, talking to people who are not there",
            "SUIC": "Says they want to die; crying",
            "WELF": "Not answering the door",
            "DIST": "Shouting in the street",
        }[call_type],
        "danger_self": graded(
            0.8 if call_type == "SUIC" else 0.15,
            (("thoughts", 0.5), ("plan", 0.75), ("means", 0.9), ("at_risk", 1.0)),
        ),
        "danger_others": yes(0.25 if call_type == "DIST" else 0.05),
        "weapons": weapon,
        "treatment_history": yes(0.5),
        "substance_now": yes(0.3),
        "violence_history": yes(0.1),
        "victimization_history": yes(0.1),
        "medical_emergency": yes(0.05),
        "crime_in_progress": graded(
            0.08 if call_type == "DIST" else 0.02, (("low_level", 0.75), ("violent", 1.0))
        ),
        "response_plan": yes(0.05),
        "caller_in_crisis": yes(0.2 if call_type == "SUIC" else 0.05),
        "still_there": "yes" if call_type != "WELF" else "unknown",
    }


def _triage_recent(ctx: DemoContext, calls: list[DemoCall]) -> None:
    """The newest calls were taken with the protocol, by the demo's call-taker."""
    from pmhc.platform.access import actor_for_user

    pd = ctx.organizations["pd"]
    call_taker = actor_for_user(ctx.users["call_taker"])
    by_id = {
        call.cad_event_id: call
        for call in Call.objects.filter(
            organization=pd, cad_event_id__in=[c.cad_event_id for c in calls]
        )
    }
    for demo_call in calls:
        call = by_id[demo_call.cad_event_id]
        triaged = services.triage_call(
            call_taker, call=call, answers=_answers_for(ctx.rng, demo_call.call_type)
        )
        # What was done: mostly the recommendation; now and then the call-taker's judgement.
        if triaged.recommendation != demo_call.route and ctx.rng.random() < 0.2:
            services.triage_call(
                call_taker,
                call=triaged,
                answers=triaged.answers,
                decision=demo_call.route,
                decision_reason="The caller asked for the unit that helped last time.",
            )


def step(ctx: DemoContext) -> list[DemoCall]:
    """Load the year; return the calls so the encounter step can follow them."""
    from pmhc.dispatch import import_services

    pd = ctx.organizations["pd"]
    zone = pd.zone
    _duty_board(ctx)
    services.ensure_default_rules(ctx.actor, organization=pd)
    calls = year_of_calls(ctx, zone)
    with tempfile.TemporaryDirectory(prefix="pmhc-demo-") as folder:
        path = Path(folder) / "example-county-cad-export.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(calls[0][1]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(row for _, row in calls)
        batch = import_services.import_file(
            ctx.actor, organization=pd, path=path, all_or_nothing=True
        )
    ctx.log(f"  {batch.imported} mental health calls over a year, from a CAD export")
    _triage_recent(ctx, [call for call, _ in calls[-TRIAGED_RECENT:]])
    ctx.log(f"  the newest {TRIAGED_RECENT} triaged with the call-taker protocol")
    return [call for call, _ in calls]


#: The name under which the calls are handed to response's step.
CALLS = "dispatch.calls"


def step_calls(ctx: DemoContext) -> None:
    """The calls, kept for response's step, whose encounters follow them and which continues
    the same random source."""
    ctx.made[CALLS] = step(ctx)


register_step(step_calls, random="operate")
