"""Demo step: a recorded consent and a clinical read across organizations under it.

The police department's coordinator records the consent of the person the mobile crisis
team's first contact note is about: given by the person, letting the behavioral health
center's clinical records of them reach the police department's case management for a year.
The department's case manager (a demo account of its own, ``pd_case_manager``) then reads the
note, and the read is audited with the consent that allowed it; the note's page shows it.
Draws from a random source of its own (the case manager's name) only.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from pmhc.demo.context import PD_CASE_MANAGER

if TYPE_CHECKING:
    from pmhc.demo.context import DemoContext

#: The police department's case manager, who reads the center's note under the consent.
CASE_MANAGER = PD_CASE_MANAGER


def step_consents(ctx: DemoContext) -> None:
    from pmhc.demo.context import FAMILY, GIVEN
    from pmhc.people import consent_services
    from pmhc.platform import account_services
    from pmhc.platform import services as platform_services
    from pmhc.platform.access import actor_for_user
    from pmhc.platform.models import Classification, Purpose, Role
    from pmhc.response import contact_selectors
    from pmhc.response.models import ContactNote

    pd = ctx.organizations["pd"]
    note = (
        ContactNote.objects.filter(person__organization=pd)
        .select_related("person")
        .order_by("pk")
        .first()
    )
    if note is None or note.person is None:
        ctx.log("  no contact note to share: no consent recorded")
        return
    # A source of the step's own, so the steps after it draw as before.
    names = ctx.random_for("consents")
    given, family = names.choice(GIVEN), names.choice(FAMILY)
    membership = platform_services.add_member(
        ctx.actor,
        organization=pd,
        email=f"{CASE_MANAGER}@demo.pmhc.invalid",
        username=CASE_MANAGER,
        first_name=given,
        last_name=family,
        role=Role.CASE_MANAGER,
    )
    account_services.change_password(
        actor=ctx.actor, user=membership.user, new_password=ctx.password, via_reset=False
    )
    coordinator = actor_for_user(ctx.users["coordinator"])
    consent = consent_services.give_consent(
        coordinator,
        person=note.person,
        purpose=Purpose.CASE_MANAGEMENT,
        recipients=[pd],
        purposes=[Purpose.CASE_MANAGEMENT],
        data_classes=[Classification.CLINICAL],
        valid_from=ctx.today,
        valid_until=ctx.today + dt.timedelta(days=365),
    )
    read = contact_selectors.note_detail(actor_for_user(membership.user), note.pk)
    shared = "under the consent" if read.basis is not None else "without a basis (unexpected)"
    ctx.log(
        f"  consent {consent.pk} recorded; the department's case manager read contact note "
        f"{note.pk} of the behavioral health center {shared}"
    )
