"""Demo step: a response plan at work. The behavioral health center's clinician wrote a plan
for a person the police department knows, the center's case manager approved it, and the
person agreed that police may see it (a consent to share the plan, and nothing clinical).
A call for that person has just come in (the one call not from the year's CAD export) and the
demo officer is sent to it from the roster: the call-taker sees the plan's safety line, the
officer opens the call from their list and reads the whole plan. Draws nothing from the random
sources. The plan's words are the demo's own, written for it, about nobody."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from pmhc.demo.registry import register_step

if TYPE_CHECKING:
    from pmhc.demo.context import DemoContext

#: The demo call's CAD event id: recognisable, and never one the CAD export uses.
CALL_ID = "DEMO-PLAN-1"
PLAN_STEPS = (
    "Turn off the lights and siren before arriving; park out of sight of the front window.",
    "One person speaks, calmly, from a distance; say your name and that you are there to help.",
    "Offer to call the case manager and let the person speak with her.",
    "Give time: they usually sit down on the steps within ten minutes once no one crowds them.",
)


def step_response_plan(ctx: DemoContext) -> None:
    from pmhc.dispatch import services as dispatch_services
    from pmhc.people import consent_services, plan_services
    from pmhc.people.models import Person
    from pmhc.people.plan_models import RESPONSE_PLAN_DATA_CLASS
    from pmhc.platform.access import actor_for_user
    from pmhc.platform.models import Purpose
    from pmhc.training.models import Trainee

    pd = ctx.organizations["pd"]
    person = Person.objects.filter(organization=pd, calls__isnull=False).order_by("pk").first()
    if person is None:
        return
    consent_services.give_consent(
        ctx.actor,
        person=person,
        purpose=Purpose.CASE_MANAGEMENT,
        recipients=[pd],
        purposes=[Purpose.ACTIVE_CALL],
        data_classes=[RESPONSE_PLAN_DATA_CLASS],
    )
    clinician = actor_for_user(ctx.users["clinician"])
    case_manager = actor_for_user(ctx.users["case_manager"])
    draft = plan_services.save_draft(
        clinician,
        person=person,
        content=plan_services.PlanContent(
            review_on=ctx.today + dt.timedelta(days=180),
            safety_concern="No weapons known. Has pushed people who grabbed his arm.",
            behaviors="Paces and talks loudly to himself when the voices are bad; it means he "
            "is frightened, not that he is about to hurt anyone.",
            triggers="Being touched or surrounded. Shouted orders. Uniforms crowding the door.",
            de_escalation=list(PLAN_STEPS),
            contacts=[
                plan_services.Contact(
                    name="Case manager at the behavioral health center",
                    relation="case manager",
                    reach="The center's crisis line, any hour",
                ),
                plan_services.Contact(
                    name="His sister", relation="family", reach="Through the case manager"
                ),
            ],
            language="English",
            communication="Answers slowly; wait for the answer before asking again.",
        ),
    )
    plan_services.submit(clinician, version=draft)
    plan_services.approve(case_manager, version=draft)
    call_taker = actor_for_user(ctx.users["call_taker"])
    call = dispatch_services.create_call(
        call_taker,
        organization=pd,
        cad_event_id=CALL_ID,
        received_at=timezone.now() - dt.timedelta(minutes=12),
        address="Outside the public library, Main Street",
        call_type="Person in crisis",
        is_mental_health=True,
        narrative="A neighbour says a man is pacing and shouting at no one outside the library.",
    )
    dispatch_services.link_person(call_taker, call=call, person=person, role="subject")
    officer = Trainee.objects.get(organization=pd, user=ctx.users["officer"])
    dispatch_services.assign_unit(call_taker, call=call, trainee=officer)
    ctx.log(
        "  a response plan from the behavioral health center, shared with police by consent, "
        f"for the person on call {CALL_ID}, where the demo officer is sent"
    )


register_step(step_response_plan)
