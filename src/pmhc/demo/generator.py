"""The demo jurisdiction: a fictional county, every record of it synthetic.

The generator is deterministic (same seed, same data) and sized by ``scale``. It is a list of
steps run in order over one shared ``DemoContext``; each module of the product appends its own
step, and benchmarks call ``build`` with a larger scale. All writes go through services, so the
demo's audit trail verifies like any other.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module

from django.db import transaction

from pmhc.demo.audit_codes import DemoAudit
from pmhc.platform import account_services, agreement_services, audit, services
from pmhc.platform.access import Actor, organization_today, system_actor
from pmhc.platform.models import (
    Classification,
    Membership,
    Organization,
    OrganizationKind,
    Purpose,
    Role,
    User,
)

COUNTY = "Example County"
TIME_ZONE = "America/Chicago"
SHIFTS = ("Day", "Evening", "Night")
DISTRICTS = ("North", "Central", "South", "East", "West")

# Given and family names for synthetic people: common words, attached to no real person.
GIVEN = (
    "Alex", "Avery", "Blake", "Casey", "Dana", "Drew", "Elliot", "Emery", "Finley", "Harper",
    "Jamie", "Jordan", "Kai", "Lee", "Morgan", "Noel", "Parker", "Quinn", "Reese", "Riley",
    "Rowan", "Sage", "Skyler", "Taylor",
)  # fmt: skip
FAMILY = (
    "Alder", "Birch", "Brook", "Cedar", "Dale", "Field", "Ford", "Glen", "Hale", "Hill",
    "Lake", "Marsh", "Moss", "Oak", "Park", "Reed", "Ridge", "Rivers", "Stone", "Vale",
    "Wells", "West", "Wood", "York",
)  # fmt: skip


@dataclass
class DemoContext:
    """What the steps share: the random source, the size, and what earlier steps made."""

    seed: int
    scale: int
    password: str
    rng: random.Random
    actor: Actor
    today: dt.date
    organizations: dict[str, Organization] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    officers: list[Membership] = field(default_factory=list)
    log: Callable[[str], None] = print

    def random_for(self, step: str) -> random.Random:
        """A random source of the step's own, from the seed and the step's name: a step's
        figures then stay the same when other steps are added or reordered."""
        return random.Random(f"{self.seed}:{step}")

    def person_name(self) -> tuple[str, str]:
        return self.rng.choice(GIVEN), self.rng.choice(FAMILY)


Step = Callable[[DemoContext], None]

#: The role-named demo users: (username, organization key, role, shift, district).
DEMO_USERS: tuple[tuple[str, str, Role, str, str], ...] = (
    ("administrator", "pd", Role.ADMINISTRATOR, "", ""),
    ("coordinator", "pd", Role.COORDINATOR, "", ""),
    ("call_taker", "pd", Role.CALL_TAKER, "Day", "Central"),
    ("officer", "pd", Role.OFFICER, "Day", "North"),
    ("supervisor", "pd", Role.SUPERVISOR, "Day", "North"),
    ("clinician", "bhc", Role.CLINICIAN, "", ""),
    ("case_manager", "bhc", Role.CASE_MANAGER, "", ""),
    ("analyst", "pd", Role.ANALYST, "", ""),
    ("tta_staff", "tta", Role.TTA_STAFF, "", ""),
)

ORGANIZATIONS: tuple[tuple[str, str, str, OrganizationKind], ...] = (
    ("pd", "example-county-pd", f"{COUNTY} Police Department", OrganizationKind.LAW_ENFORCEMENT),
    (
        "bhc",
        "example-county-bhc",
        f"{COUNTY} Behavioral Health Center",
        OrganizationKind.BEHAVIORAL_HEALTH,
    ),
    (
        "hospital",
        "example-county-hospital",
        f"{COUNTY} General Hospital",
        OrganizationKind.HOSPITAL,
    ),
    (
        "alliance",
        "example-county-alliance",
        f"{COUNTY} Family Alliance",
        OrganizationKind.COMMUNITY,
    ),
    (
        "tta",
        "example-tta-center",
        "Example PMHC Technical Assistance Center",
        OrganizationKind.TTA_PROVIDER,
    ),
)


def step_organizations(ctx: DemoContext) -> None:
    for key, slug, name, kind in ORGANIZATIONS:
        ctx.organizations[key] = services.create_organization(
            ctx.actor, slug=slug, name=name, kind=kind, time_zone=TIME_ZONE, is_synthetic=True
        )
    ctx.log(f"  {len(ORGANIZATIONS)} organizations")


def step_users(ctx: DemoContext) -> None:
    for username, org_key, role, shift, district in DEMO_USERS:
        given, family = ctx.person_name()
        membership = services.add_member(
            ctx.actor,
            organization=ctx.organizations[org_key],
            email=f"{username}@demo.pmhc.invalid",
            username=username,
            first_name=given,
            last_name=family,
            role=role,
            shift=shift,
            district=district,
        )
        account_services.change_password(
            actor=ctx.actor, user=membership.user, new_password=ctx.password, via_reset=False
        )
        ctx.users[username] = membership.user
        if role == Role.OFFICER:
            ctx.officers.append(membership)
    ctx.log(f"  {len(DEMO_USERS)} demo users, one per role")


def step_roster(ctx: DemoContext) -> None:
    """Patrol officers and call-takers on every shift and district, without passwords."""
    pd = ctx.organizations["pd"]
    officers = 30 * ctx.scale
    call_takers = 6 * ctx.scale
    for number in range(1, officers + call_takers + 1):
        is_officer = number <= officers
        given, family = ctx.person_name()
        username = f"{'ofc' if is_officer else 'ct'}{number:04d}"
        membership = services.add_member(
            ctx.actor,
            organization=pd,
            email=f"{username}@demo.pmhc.invalid",
            username=username,
            first_name=given,
            last_name=family,
            role=Role.OFFICER if is_officer else Role.CALL_TAKER,
            shift=SHIFTS[number % len(SHIFTS)],
            district=ctx.rng.choice(DISTRICTS),
        )
        if is_officer:
            ctx.officers.append(membership)
    ctx.log(f"  {officers} patrol officers and {call_takers} call-takers on {len(SHIFTS)} shifts")


def step_agreements(ctx: DemoContext) -> None:
    """Agreements are proposed by one party and accepted by the other, as in real use: one in
    force, one whose dates have passed, and its renewal waiting for the department."""
    orgs = ctx.organizations
    mou = agreement_services.propose_agreement(
        ctx.actor,
        organization=orgs["pd"],
        title="Co-response and crisis information-sharing MOU (synthetic)",
        partners=[orgs["bhc"]],
        classifications=[Classification.PERSONAL, Classification.SAFETY, Classification.CLINICAL],
        purposes=[Purpose.ACTIVE_CALL, Purpose.CASE_MANAGEMENT, Purpose.EMERGENCY],
        effective_on=ctx.today - dt.timedelta(days=400),
        ends_on=ctx.today + dt.timedelta(days=330),
        notes="Synthetic demo agreement.",
    )
    agreement_services.accept_agreement(ctx.actor, agreement=mou, organization=orgs["bhc"])
    first_term = agreement_services.propose_agreement(
        ctx.actor,
        organization=orgs["pd"],
        title="Emergency department handoff agreement, first term (synthetic)",
        partners=[orgs["hospital"]],
        classifications=[Classification.PERSONAL, Classification.SAFETY],
        purposes=[Purpose.ACTIVE_CALL],
        effective_on=ctx.today - dt.timedelta(days=800),
        ends_on=ctx.today - dt.timedelta(days=70),
        notes="Synthetic demo agreement; expired.",
    )
    agreement_services.accept_agreement(
        ctx.actor, agreement=first_term, organization=orgs["hospital"]
    )
    agreement_services.propose_agreement(
        ctx.actor,
        organization=orgs["hospital"],
        title="Emergency department handoff agreement, second term (synthetic)",
        partners=[orgs["pd"]],
        classifications=[Classification.PERSONAL, Classification.SAFETY],
        purposes=[Purpose.ACTIVE_CALL],
        effective_on=ctx.today - dt.timedelta(days=7),
        ends_on=ctx.today + dt.timedelta(days=723),
        notes="Synthetic demo agreement; the renewal, waiting for the police department.",
    )
    ctx.log(
        "  3 data-sharing agreements (one in force, one expired, its renewal waiting for "
        "the police department's acceptance)"
    )


def _toolkit_steps() -> list[Step]:
    from pmhc.toolkit import demo_assistance, demo_library

    return [demo_assistance.step, demo_library.step]


def own_random(name: str, step: Step) -> Step:
    """Run ``step`` with a random source of its own (see ``DemoContext.random_for``)."""

    def run(ctx: DemoContext) -> None:
        step(dataclasses.replace(ctx, rng=ctx.random_for(name)))

    return run


def _assessment_steps() -> list[Step]:
    from pmhc.assessment import demo as demo_assessment

    return [own_random("assessment", demo_assessment.step)]


def _plan_and_train_steps() -> list[Step]:
    # Train first: the plan's profile is sized from the roster it builds.
    from pmhc.planning import demo as planning_demo
    from pmhc.training import demo as training_demo

    return [own_random("training", training_demo.step), own_random("planning", planning_demo.step)]


def _operate_steps() -> list[Step]:
    # One step: the encounters follow the calls that the dispatch step made.
    from pmhc.dispatch import demo as dispatch_demo
    from pmhc.response import demo as response_demo

    def operate(ctx: DemoContext) -> None:
        response_demo.step(ctx, dispatch_demo.step(ctx))

    return [own_random("operate", operate)]


#: In order. Each later module appends its own step (see CONTRIBUTING.md).
STEPS: list[Step] = [
    step_organizations,
    step_users,
    step_roster,
    step_agreements,
    *_toolkit_steps(),
    *_assessment_steps(),
    *_plan_and_train_steps(),
    *_operate_steps(),
]


#: Reference data that migrations load: the toolkit's pages and learning sites, the first
#: edition of the self-assessment. ``flush`` (``pmhc demo --reset``, transactional tests) erases
#: it while the migrations stay recorded as applied, so the demo puts it back first with the
#: migrations' own loaders, each of which skips what already exists.
REFERENCE_DATA: tuple[tuple[str, str], ...] = (
    ("pmhc.toolkit.migrations.0002_program_and_element_content", "load"),
    ("pmhc.toolkit.migrations.0003_learning_sites", "load"),
    ("pmhc.assessment.migrations.0002_first_edition", "publish_first_edition"),
)


def restore_reference_data() -> None:
    from django.apps import apps

    for module, function in REFERENCE_DATA:
        getattr(import_module(module), function)(apps, None)


def is_loaded() -> bool:
    return Organization.objects.filter(is_synthetic=True).exists()


def build(
    *,
    seed: int = 2026,
    scale: int = 1,
    password: str,
    log: Callable[[str], None] = print,
    today: dt.date | None = None,
) -> DemoContext:
    """Create the demo jurisdiction in one transaction (all of it, or nothing)."""
    ctx = DemoContext(
        seed=seed,
        scale=scale,
        password=password,
        rng=random.Random(seed),
        actor=system_actor("pmhc demo loader"),
        today=today or organization_today(TIME_ZONE),
        log=log,
    )
    with transaction.atomic():
        restore_reference_data()
        for step in STEPS:
            step(ctx)
        audit.record(
            DemoAudit.DEMO_LOADED,
            actor=ctx.actor,
            detail=f"seed={seed} scale={scale}",
        )
    return ctx
