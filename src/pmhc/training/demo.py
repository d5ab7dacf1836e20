"""Demo step for Train: Example County PD's roster, its catalogue and training history.

A few hundred synthetic people on three shifts and five districts, imported the way an agency
would (a roster CSV through the import service), so the demo's audit trail shows an import.
About a fifth of patrol holds a current CIT certification, with one shift-district pair left
without any (Night in East) and some certifications running out within 90 days; call-takers
are partly trained. The demo users ``officer``, ``supervisor`` and ``call_taker`` (and the
demo's other officers and call-takers) are linked to their roster entries.

The durations below (CIT and MHFA certifications lasting 36 months, a CIT refresher due after
24) are this fictional agency's own rules, chosen for the demo; real agencies set their own.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import TYPE_CHECKING

from pmhc.demo.registry import register_step
from pmhc.platform.models import Membership, Role
from pmhc.training import import_services, services
from pmhc.training.models import Course, EnrollmentStatus, Trainee, TraineeRole

if TYPE_CHECKING:
    from pmhc.demo.context import DemoContext

SHIFTS = ("Day", "Evening", "Night")
DISTRICTS = ("North", "Central", "South", "East", "West")
#: Patrol officers per shift at scale 1 (Plan's demo profile reads these).
PATROL_BY_SHIFT = {"Day": 90, "Evening": 80, "Night": 70}
SUPERVISORS = 24
OTHER_SWORN = 20
DISPATCHERS = 24
NON_SWORN = 8
#: The shift and district the demo leaves without a CIT-certified patrol officer.
GAP = ("Night", "East")
CIT_SHARE = 0.16
VALIDITY_MONTHS = 36
REFRESHER_MONTHS = 24


def _days_ago(ctx: DemoContext, low: int, high: int) -> dt.date:
    return ctx.today - dt.timedelta(days=ctx.rng.randint(low, high))


def _cit_dates(ctx: DemoContext) -> str:
    """Completion dates of CIT: mostly current, some running out within 90 days (issued just
    under 36 months ago), a few long expired."""
    draw = ctx.rng.random()
    if draw < 0.12:
        return _days_ago(ctx, 1010, 1085).isoformat()  # expires within about 90 days
    if draw < 0.18:
        return _days_ago(ctx, 1200, 1800).isoformat()  # expired: not counted
    return _days_ago(ctx, 30, 1000).isoformat()


def _roster_rows(ctx: DemoContext) -> list[dict[str, str]]:
    pd = ctx.organizations["pd"]
    linked = list(
        Membership.objects.filter(
            organization=pd, role__in=[Role.OFFICER, Role.SUPERVISOR, Role.CALL_TAKER]
        )
        .select_related("user")
        .order_by("pk")
    )
    people: list[dict[str, str]] = []

    def add(role: str, shift: str, district: str, user: str = "") -> dict[str, str]:
        given, family = ctx.person_name()
        row = {
            "badge_number": str(1000 + len(people) + 1),
            "last_name": family,
            "first_name": given,
            "role": role,
            "shift": shift,
            "district": district,
            "cit_volunteer": "",
            "cit": "",
            "mhfa_ps": "",
            "dispatcher_cit": "",
            "_user": user,
        }
        people.append(row)
        return row

    # The demo's own officers, supervisors and call-takers first, at their posts.
    role_for = {
        Role.OFFICER: TraineeRole.PATROL,
        Role.SUPERVISOR: TraineeRole.SUPERVISOR,
        Role.CALL_TAKER: TraineeRole.DISPATCHER,
    }
    for membership in linked:
        shift = membership.shift or SHIFTS[len(people) % len(SHIFTS)]
        district = membership.district or ctx.rng.choice(DISTRICTS)
        add(role_for[Role(membership.role)], shift, district, membership.user.username)
    counts = {
        TraineeRole.PATROL: sum(PATROL_BY_SHIFT.values()) * ctx.scale,
        TraineeRole.SUPERVISOR: SUPERVISORS * ctx.scale,
        TraineeRole.OTHER_SWORN: OTHER_SWORN * ctx.scale,
        TraineeRole.DISPATCHER: DISPATCHERS * ctx.scale,
        TraineeRole.NON_SWORN: NON_SWORN * ctx.scale,
    }
    for row in people:
        counts[TraineeRole(row["role"])] -= 1
    del counts[TraineeRole.PATROL]  # patrol is filled shift by shift below
    for shift, size in PATROL_BY_SHIFT.items():
        already = sum(1 for r in people if r["role"] == TraineeRole.PATROL and r["shift"] == shift)
        for _ in range(max(size * ctx.scale - already, 0)):
            add(TraineeRole.PATROL, shift, ctx.rng.choice(DISTRICTS))
    for _ in range(max(counts[TraineeRole.SUPERVISOR], 0)):
        add(TraineeRole.SUPERVISOR, ctx.rng.choice(SHIFTS), ctx.rng.choice(DISTRICTS))
    for _ in range(max(counts[TraineeRole.OTHER_SWORN], 0)):
        add(TraineeRole.OTHER_SWORN, "Day", "")
    for _ in range(max(counts[TraineeRole.DISPATCHER], 0)):
        add(TraineeRole.DISPATCHER, ctx.rng.choice(SHIFTS), "")
    for _ in range(max(counts[TraineeRole.NON_SWORN], 0)):
        add(TraineeRole.NON_SWORN, "Day", "")

    for row in people:
        role, post = row["role"], (row["shift"], row["district"])
        if role == TraineeRole.DISPATCHER:
            if row["_user"] == "call_taker" or ctx.rng.random() < 0.45:
                row["dispatcher_cit"] = _days_ago(ctx, 20, 900).isoformat()
            continue
        if role == TraineeRole.NON_SWORN:
            continue
        chances: dict[str, float] = {TraineeRole.PATROL: CIT_SHARE, TraineeRole.SUPERVISOR: 0.35}
        chance = chances.get(role, 0.1)
        demo_user = row["_user"] in {"officer", "supervisor"}
        if demo_user or (post != GAP and ctx.rng.random() < chance):
            row["cit"] = _days_ago(ctx, 60, 700).isoformat() if demo_user else _cit_dates(ctx)
            row["cit_volunteer"] = "yes" if ctx.rng.random() < 0.8 else "no"
        elif ctx.rng.random() < 0.4:
            row["mhfa_ps"] = _days_ago(ctx, 30, 900).isoformat()

    # Whatever the draws, the deliberate gap is the only post without a current CIT officer.
    current_since = (ctx.today - dt.timedelta(days=1000)).isoformat()
    patrol = [r for r in people if r["role"] == TraineeRole.PATROL]
    for post in sorted({(r["shift"], r["district"]) for r in patrol} - {GAP}):
        here = [r for r in patrol if (r["shift"], r["district"]) == post]
        if not any(r["cit"] and r["cit"] >= current_since for r in here):
            here[0]["cit"] = _days_ago(ctx, 60, 700).isoformat()
            here[0]["cit_volunteer"] = "yes"
    return people


def step(ctx: DemoContext) -> None:
    pd = ctx.organizations["pd"]
    actor = ctx.actor
    services.add_standard_courses(actor, organization=pd)
    for course in Course.objects.filter(organization=pd, kind__in=["cit", "mhfa", "refresher"]):
        services.update_course(
            actor,
            course=course,
            code=course.code,
            name=course.name,
            kind=course.kind,
            hours=course.hours,
            validity_months=VALIDITY_MONTHS,
            refresher_due_months=REFRESHER_MONTHS if course.kind != "mhfa" else None,
            description=course.description,
            is_active=course.is_active,
        )

    people = _roster_rows(ctx)
    out = io.StringIO()
    columns = [name for name in people[0] if not name.startswith("_")]
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(people)
    upload = import_services.upload_roster(
        actor,
        organization=pd,
        file_name="example-county-roster.csv",
        content=out.getvalue().encode(),
    )
    result = import_services.apply_roster_import(actor, roster_import=upload)

    users = {user.username: user for user in ctx.users.values()}
    users |= {
        m.user.username: m.user
        for m in Membership.objects.filter(organization=pd).select_related("user")
    }
    trainees = {t.badge_number: t for t in Trainee.objects.filter(organization=pd)}
    for row in people:
        if row["_user"]:
            trainee = trainees[row["badge_number"]]
            services.update_trainee(
                actor,
                trainee=trainee,
                badge_number=trainee.badge_number,
                last_name=trainee.last_name,
                first_name=trainee.first_name,
                role=trainee.role,
                shift=trainee.shift,
                district=trainee.district,
                cit_selection=trainee.cit_selection,
                is_active=True,
                user=users[row["_user"]],
            )

    # One CIT class that has ended (attendance taken) and one coming up, with enrollments.
    cit = Course.objects.get(organization=pd, code="cit")
    past = services.create_session(
        actor,
        organization=pd,
        course=cit,
        starts_on=ctx.today - dt.timedelta(days=25),
        ends_on=ctx.today - dt.timedelta(days=21),
        location="Example County Training Academy (synthetic)",
        instructors="Synthetic instructors",
        capacity=24,
    )
    upcoming = services.create_session(
        actor,
        organization=pd,
        course=cit,
        starts_on=ctx.today + dt.timedelta(days=30),
        ends_on=ctx.today + dt.timedelta(days=34),
        location="Example County Training Academy (synthetic)",
        instructors="Synthetic instructors",
        capacity=24,
    )
    # The class is for patrol officers without CIT, away from the gap the demo keeps open.
    without_cit = {row["badge_number"] for row in people if not row["cit"] and not row["_user"]}
    candidates = [
        t
        for t in trainees.values()
        if t.role == TraineeRole.PATROL
        and (t.shift, t.district) != GAP
        and t.badge_number in without_cit
    ]
    candidates.sort(key=lambda t: t.badge_number)
    chosen = ctx.rng.sample(candidates, min(len(candidates), 30))
    for trainee in chosen[:12]:
        enrollment = services.enroll(actor, session=past, trainee=trainee)
        status = EnrollmentStatus.ATTENDED if ctx.rng.random() < 0.85 else EnrollmentStatus.NO_SHOW
        services.set_enrollment_status(actor, enrollment=enrollment, status=status)
    for trainee in chosen[12:]:
        services.enroll(actor, session=upcoming, trainee=trainee)
    ctx.log(
        f"  {result.created} roster entries, {result.completions} course completions, "
        "2 CIT sessions"
    )


register_step(step, random="training")
