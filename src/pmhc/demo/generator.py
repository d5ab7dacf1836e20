"""The demo jurisdiction: a fictional county, every record of it synthetic.

The generator is deterministic (same seed, same data) and sized by ``scale``. It is a list of
steps run in order over one shared ``DemoContext`` (``context.py``); each app registers its own
step in its ``demo.py`` (``registry.py``), and benchmarks call ``build`` with a larger scale.
All writes go through services, so the demo's audit trail verifies like any other.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Callable
from importlib import import_module

from django.db import transaction

from pmhc.demo import registry
from pmhc.demo.audit_codes import DemoAudit
from pmhc.demo.context import COUNTY, TIME_ZONE, DemoContext, Step
from pmhc.platform import account_services, agreement_services, audit, services
from pmhc.platform.access import organization_today, system_actor
from pmhc.platform.models import (
    Classification,
    Organization,
    OrganizationKind,
    Purpose,
    Role,
)

SHIFTS = ("Day", "Evening", "Night")
DISTRICTS = ("North", "Central", "South", "East", "West")

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
    ("site_coordinator", "site", Role.SITE_COORDINATOR, "", ""),
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
    # The accounts of one learning site (the toolkit's demo gives it to a site's listing).
    (
        "site",
        "demo-learning-site",
        "Learning site accounts (demo)",
        OrganizationKind.LEARNING_SITE,
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
        classifications=[
            Classification.AGENCY,
            Classification.PERSONAL,
            Classification.SAFETY,
            Classification.CLINICAL,
        ],
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


def own_random(name: str, step: Step) -> Step:
    """Run ``step`` with the run's random source ``name`` (see ``DemoContext.shared_random``)."""

    def run(ctx: DemoContext) -> None:
        step(dataclasses.replace(ctx, rng=ctx.shared_random(name)))

    return run


#: The demo's own steps, first; then each app's, as it registered them (see ``registry``).
BASE_STEPS: tuple[Step, ...] = (step_organizations, step_users, step_roster, step_agreements)


def steps() -> list[Step]:
    """Every step in order: the demo's own, then each app's in the order of apps."""
    registered = [
        step.run if step.random is None else own_random(step.random, step.run)
        for step in registry.steps()
    ]
    return [*BASE_STEPS, *registered]


def restore_reference_data() -> None:
    """Put back the reference data that migrations load and ``flush`` erases (see
    ``registry.register_reference_data``)."""
    from django.apps import apps

    for module, function in registry.reference_data():
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
        for step in steps():
            step(ctx)
        audit.record(
            DemoAudit.DEMO_LOADED,
            actor=ctx.actor,
            detail=f"seed={seed} scale={scale}",
        )
    return ctx
