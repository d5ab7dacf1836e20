"""Test setup for response plans on a call: a call for a person the agency knows, the agency's
officer sent to it from the roster, and the person's plan, written by the partner's clinician
and approved by the partner's case manager, shared with the agency by the person's consent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from pmhc.conftest import Cast
from pmhc.dispatch import services as dispatch_services
from pmhc.dispatch.models import Call
from pmhc.dispatch.tests.helpers import cit_officer_on_duty, member
from pmhc.dispatch.tests.units import make_call
from pmhc.people import consent_services, plan_services
from pmhc.people import services as people_services
from pmhc.people.models import Consent, Person
from pmhc.people.plan_models import RESPONSE_PLAN_DATA_CLASS, ResponsePlan, ResponsePlanVersion
from pmhc.platform.access import system_actor
from pmhc.platform.models import Purpose, Role, User

SAFETY_LINE = "Carries a folding knife; has hit out when held"
STEP = "Speak slowly, one person only"
TRIGGER = "Shouting and sirens"


def content(**changes: object) -> plan_services.PlanContent:
    values: dict[str, object] = {
        "review_on": timezone.localdate() + dt.timedelta(days=90),
        "safety_concern": SAFETY_LINE,
        "behaviors": "Rocks and hums when frightened; it calms him",
        "triggers": TRIGGER,
        "de_escalation": [STEP, "Offer water", "Call the case manager"],
        "contacts": [plan_services.Contact("Dana Case", "case manager", "555-0100")],
        "language": "English",
        "communication": "Hard of hearing on the left side",
    }
    values.update(changes)
    return plan_services.PlanContent(**values)  # type: ignore[arg-type]


@dataclass
class PlanWorld:
    cast: Cast
    call: Call
    person: Person
    officer: User  # sent to the call
    other_officer: User  # of the agency, not on the call
    call_taker: User
    supervisor: User
    author: User  # the partner's clinician
    approver: User  # the partner's case manager
    outsider_officer: User
    plan: ResponsePlan
    version: ResponsePlanVersion
    consent: Consent


def plan_world(cast: Cast) -> PlanWorld:
    taker = member(cast.agency, Role.CALL_TAKER, "taker")
    officer = cast.colleague
    trainee = cit_officer_on_duty(cast.agency, user=officer)
    call = make_call(cast)
    person = people_services.create_person(
        cast.actor(taker),
        organization=cast.agency,
        purpose=Purpose.ACTIVE_CALL,
        family_name="Quillon",
        given_name="Ambrose",
    )
    dispatch_services.link_person(cast.actor(taker), call=call, person=person, role="subject")
    dispatch_services.assign_unit(cast.actor(taker), call=call, trainee=trainee)
    consent = consent_services.give_consent(
        system_actor(),
        person=person,
        purpose=Purpose.CASE_MANAGEMENT,
        recipients=[cast.agency],
        purposes=[Purpose.ACTIVE_CALL],
        data_classes=[RESPONSE_PLAN_DATA_CLASS],
    )
    author, approver = cast.partner_user, member(cast.partner, Role.CASE_MANAGER, "approver")
    version = plan_services.save_draft(cast.actor(author), person=person, content=content())
    plan_services.submit(cast.actor(author), version=version)
    plan_services.approve(cast.actor(approver), version=version)
    version.refresh_from_db()
    return PlanWorld(
        cast=cast,
        call=call,
        person=person,
        officer=officer,
        other_officer=member(cast.agency, Role.OFFICER, "other_officer"),
        call_taker=taker,
        supervisor=member(cast.agency, Role.SUPERVISOR, "sup"),
        author=author,
        approver=approver,
        outsider_officer=member(cast.outsider_org, Role.OFFICER, "outsider_officer"),
        plan=ResponsePlan.objects.get(pk=version.plan_id),
        version=version,
        consent=consent,
    )
