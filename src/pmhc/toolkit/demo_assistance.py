"""Demo: a realistic queue of technical-assistance requests, every one of them synthetic.

Requests arrive over the last weeks; each follows its own path (confirmed in time or late,
matched, scheduled, completed, declined, or still waiting, some past the 36 hours). All the
steps run in time order through the services, with the reminder job run at each 24- and
36-hour mark as the worker would, so reminders, escalations and the SLA board agree.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from pmhc.platform.access import organization_today
from pmhc.platform.dates import zone
from pmhc.platform.models import User
from pmhc.toolkit.models import (
    HelpKind,
    JurisdictionType,
    LearningSite,
    ProgramTypeCode,
    TARequest,
)
from pmhc.toolkit.selectors.assistance import CONFIRM_WITHIN, REMIND_AFTER, state_names
from pmhc.toolkit.services import assistance as services
from pmhc.toolkit.services import deadlines

if TYPE_CHECKING:
    from pmhc.demo.context import DemoContext

#: (path, hours from arrival to confirmation). The paths are explained in ``_story``.
SCENARIOS: tuple[tuple[str, float], ...] = (
    ("waiting", 0),
    ("waiting", 0),
    ("waiting", 0),
    ("reminded", 0),
    ("reminded", 0),
    ("overdue", 0),
    ("overdue", 0),
    ("confirmed", 5),
    ("confirmed", 20),
    ("matched", 11),
    ("matched", 44),
    ("scheduled", 3),
    ("scheduled", 30),
    ("completed", 8),
    ("completed", 52),
    ("completed", 17),
    ("declined", 0),
)

DESCRIPTIONS = (
    "(synthetic) We are planning a co-responder pilot and would like to learn how another "
    "agency pairs officers with crisis workers.",
    "(synthetic) Our CIT course is being rewritten with our mental health partners; we would "
    "like examples of curricula and advice on role play.",
    "(synthetic) Dispatchers ask how to flag calls with a behavioral health element; we would "
    "like to see call-taker protocols used elsewhere.",
    "(synthetic) We see the same callers again and again and are considering a case "
    "management team. How do other agencies start one?",
    "(synthetic) Our county is setting up a mobile crisis team and we want to agree how "
    "officers request it and hand over on scene.",
    "(synthetic) We would like a site visit for our planning committee to see a program in "
    "practice before we choose a program type.",
)
ISSUES = (
    "(synthetic) Coverage on night shifts; information sharing with the clinic.",
    "(synthetic) Getting buy-in from patrol; measuring outcomes beyond arrests.",
    "(synthetic) Transport to the receiving facility keeps officers off patrol for hours.",
    "",
)
STEPS_TAKEN = (
    "(synthetic) Planning committee formed; two meetings held.",
    "(synthetic) Partners identified; no written agreement yet.",
    "",
)
TITLES = ("Lieutenant", "CIT coordinator", "Deputy chief", "Program manager")
DECLINE_REASON = (
    "(synthetic) This repeats an earlier request from the same agency; we will answer both "
    "under the earlier reference."
)
NOTE = "(synthetic) Called the coordinator; they would prefer a visit in the spring."


def _now(ctx: DemoContext) -> dt.datetime:
    """The demo's present: now, or noon of the day the demo was asked to be built for."""
    from pmhc.demo.context import TIME_ZONE

    if ctx.today == organization_today(TIME_ZONE):
        return timezone.now()
    noon = dt.datetime.combine(ctx.today, dt.time(12), tzinfo=zone(TIME_ZONE))
    return min(noon, timezone.now())


@dataclass
class Timeline:
    """Steps of every request, run in time order (a request's steps need it to exist)."""

    now: dt.datetime
    steps: list[tuple[dt.datetime, int, Callable[[], Any]]] = field(default_factory=list)
    requests: dict[int, TARequest] = field(default_factory=dict)

    def add(self, when: dt.datetime, step: Callable[[], Any]) -> None:
        if when <= self.now:
            self.steps.append((when, len(self.steps), step))

    def run(self) -> None:
        for _when, _order, step in sorted(self.steps, key=lambda s: (s[0], s[1])):
            step()


def _fields(ctx: DemoContext, number: int, sites: list[LearningSite]) -> dict[str, Any]:
    given, family = ctx.person_name()
    city = ctx.rng.random() < 0.5
    return {
        "jurisdiction_name": f"{family} {'City' if city else 'County'} (synthetic)",
        "jurisdiction_type": JurisdictionType.CITY if city else JurisdictionType.COUNTY,
        "state": ctx.rng.choice(list(state_names())),
        "contact_name": f"{given} {family} (synthetic)",
        "contact_title": ctx.rng.choice(TITLES),
        "agency": f"{family} {'Police Department' if city else 'Sheriff’s Office'} (synthetic)",
        "email": f"{given}.{family}.{number}@example.org".lower(),
        "phone": f"555-01{number % 100:02d}",
        "federal_grantee": ctx.rng.random() < 0.4,
        "description": ctx.rng.choice(DESCRIPTIONS),
        "issues": ctx.rng.choice(ISSUES),
        "steps_taken": ctx.rng.choice(STEPS_TAKEN),
        "program_types": ctx.rng.sample(ProgramTypeCode.values, ctx.rng.randint(1, 2)),
        "preferred_help": ctx.rng.sample(HelpKind.values, ctx.rng.randint(1, 2)),
        "preferred_site": ctx.rng.choice(sites) if sites and ctx.rng.random() < 0.5 else None,
        "consent_to_contact": True,
    }


def _age(ctx: DemoContext, path: str) -> dt.timedelta:
    hours = {
        "waiting": (1, 22),
        "reminded": (25, 35),
        "overdue": (38, 90),
        "declined": (30, 200),
        "confirmed": (40, 120),
        "matched": (7 * 24, 20 * 24),
        "scheduled": (12 * 24, 30 * 24),
        "completed": (30 * 24, 60 * 24),
    }[path]
    return dt.timedelta(hours=ctx.rng.uniform(*hours))


def _story(
    ctx: DemoContext,
    line: Timeline,
    number: int,
    path: str,
    confirm_after: float,
    staff: User,
    sites: list[LearningSite],
) -> None:
    """Put one request's steps on the timeline. "waiting", "reminded" and "overdue" stay
    unconfirmed (less than 24 hours, 24 to 36, more than 36); "declined" is refused early;
    the others are confirmed after ``confirm_after`` hours and go as far as their name."""
    actor = ctx.actor
    received = line.now - _age(ctx, path)
    fields = _fields(ctx, number, sites)

    def get() -> TARequest:
        return line.requests[number]

    def submit() -> None:
        line.requests[number], _token = services.submit_request(
            actor, received_at=received, **fields
        )

    line.add(received, submit)
    for mark in (REMIND_AFTER, CONFIRM_WITHIN):
        check = received + mark + dt.timedelta(minutes=1)
        line.add(check, functools.partial(deadlines.send_due_reminders, now=check))
    if path in {"waiting", "reminded", "overdue"}:
        if ctx.rng.random() < 0.5:
            line.add(
                received + dt.timedelta(hours=0.5),
                lambda: services.assign_request(actor, ta_request=get(), assignee=staff),
            )
        return
    if path == "declined":
        line.add(
            received + dt.timedelta(hours=6),
            lambda: services.decline_request(
                actor,
                ta_request=get(),
                reason=DECLINE_REASON,
                at=received + dt.timedelta(hours=6),
            ),
        )
        return
    confirmed = received + dt.timedelta(hours=confirm_after)
    line.add(
        confirmed - dt.timedelta(minutes=20),
        lambda: services.assign_request(actor, ta_request=get(), assignee=staff),
    )
    line.add(confirmed, lambda: services.confirm_request(actor, ta_request=get(), at=confirmed))
    if number % 4 == 0:
        noted = confirmed + dt.timedelta(minutes=15)
        line.add(
            noted,
            lambda: services.add_note(actor, ta_request=get(), text=NOTE, author=staff, at=noted),
        )
    if path == "confirmed" or not sites:
        return
    site = ctx.rng.choice(sites)
    matched = confirmed + dt.timedelta(days=ctx.rng.uniform(1, 4))
    line.add(
        matched, lambda: services.match_request(actor, ta_request=get(), site=site, at=matched)
    )
    if path == "matched":
        return
    scheduled = matched + dt.timedelta(days=1)
    if path == "completed":
        day = (scheduled + dt.timedelta(days=ctx.rng.randint(7, 21))).date()
    else:  # a date still to come
        day = line.now.date() + dt.timedelta(days=ctx.rng.randint(3, 30))
    line.add(
        scheduled,
        lambda: services.schedule_request(actor, ta_request=get(), scheduled_for=day, at=scheduled),
    )
    if path == "completed":
        done = dt.datetime.combine(day, dt.time(20), tzinfo=dt.UTC)
        line.add(done, lambda: services.complete_request(actor, ta_request=get(), at=done))


def step(ctx: DemoContext) -> None:
    line = Timeline(now=_now(ctx))
    staff = ctx.users["tta_staff"]
    sites = list(LearningSite.objects.current().order_by("pk"))
    count = len(SCENARIOS) * max(1, ctx.scale)
    for number in range(count):
        path, confirm_after = SCENARIOS[number % len(SCENARIOS)]
        _story(ctx, line, number, path, confirm_after, staff, sites)
    line.run()
    ctx.log(
        f"  {count} technical-assistance requests (synthetic)"
        + ("" if sites else "; no learning sites yet, so none is matched")
    )
