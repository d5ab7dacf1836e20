"""Operate from end to end, on the demo, in a real browser with axe on every page.

The demo's call-taker takes a call on the call-taker screen with the keyboard alone, reads the
recommended response and its reason, and sends the CIT-certified officer who is on duty now.
The officer files the encounter from a phone: a voluntary transport by police and a custody
handoff at the facility. The supervisor returns the report once with a comment, the officer
fixes it and submits it again, and the supervisor accepts it; it is then locked. Last, the
database holds what each step should have left: the triage, the assignment, the report, its
two reviews and their audit events, in an audit chain that still verifies.
"""

from __future__ import annotations

import datetime as dt
import re
import time
import zoneinfo
from typing import Any

import pytest
from django.db.models import F
from playwright.sync_api import Locator, Page, expect

from pmhc.dispatch.audit_codes import DispatchAudit
from pmhc.dispatch.models import Call, DutyShift, Routing
from pmhc.dispatch.selectors import on_duty, published_rule_set
from pmhc.dispatch.triage import default_rules
from pmhc.platform import audit
from pmhc.platform.models import AuditEvent
from pmhc.response.audit_codes import ResponseAudit
from pmhc.response.models import (
    EncounterStatus,
    Force,
    ReviewDecision,
    Transport,
    TransportBy,
)
from pmhc.testing.browser import (
    DEMO_PASSWORD,
    axe_check,
    follow,
    primary_nav,
    sign_in,
    visit,
)
from pmhc.training import services as training_services
from pmhc.training.models import Trainee

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_375 = {"width": 375, "height": 812}
CAD_ID = "ECPD-E2E-0001"
BEHAVIOR = "Holding a kitchen knife, pacing, says no one should come near"
#: The protocol as the call-taker answers it: (question, answer) as the screen words them,
#: in the order the screen asks them. A weapon now with no threat to anyone, nothing else:
#: the default rules' "weapon, no threat known" applies alone and sends a CIT officer.
PROTOCOL = (
    ("Suicide risk", "None"),
    ("Danger to others?", "No"),
    ("Weapons?", "Has a weapon now"),
    ("Medical emergency?", "No"),
    ("Crime in progress?", "No"),
    ("Is the caller the person in crisis, asking for help?", "No"),
    ("History of violence?", "No"),
    ("Using alcohol or drugs now?", "No"),
    ("Treatment for mental health or substance use, now or before?", "Yes"),
    ("History of being a victim?", "Not known"),
    ("Known to have a response plan?", "No"),
)
STORED_ANSWERS = {
    "behavior": BEHAVIOR,
    "danger_self": "no",
    "danger_others": "no",
    "weapons": "now",
    "treatment_history": "yes",
    "substance_now": "no",
    "violence_history": "no",
    "victimization_history": "unknown",
    "medical_emergency": "no",
    "crime_in_progress": "no",
    "response_plan": "no",
    "caller_in_crisis": "no",
    # Not asked: "not known", or no text.
    "injured": "unknown",
    "overdose": "unknown",
    "agrees_to_talk": "unknown",
    "still_there": "unknown",
    "firearm_home": "unknown",
    "age_group": "unknown",
    "dementia": "unknown",
    "developmental": "unknown",
    "deaf": "unknown",
    "veteran": "unknown",
    "unhoused": "unknown",
    "language": "",
    "provider": "",
}
WEAPON_REASON = next(r["reason"] for r in default_rules() if r["key"] == "weapon_now")
#: The route every answer left "not known" gets, shown before the call-taker answers.
DEFAULT_REASON = next(r["reason"] for r in default_rules() if r["key"] == "default")
#: A shift that ends sooner than this is waited out, so that the officer put on it is still
#: on duty when the call is saved.
HANDOVER_MARGIN = dt.timedelta(minutes=3)
FORCE_NARRATIVE = "Told him twice, firmly, to put the knife on the table; he did."
RETURN_COMMENT = "Say in the narrative what he was offered before he agreed to go."
FIRST_NARRATIVE = "Talked with him at the kitchen door until he put the knife down."
ADDED_LINE = "Offered a ride to the crisis unit or a call to his sister; he chose the unit."
DESTINATION = "County crisis stabilization unit"


# --- Keyboard helpers -------------------------------------------------------------------------


def _focused(locator: Locator) -> bool:
    return bool(locator.evaluate("el => el === document.activeElement"))


def _holds_focus(locator: Locator) -> bool:
    return bool(locator.evaluate("el => el.contains(document.activeElement)"))


def tab_to(page: Page, target: Locator, *, within: bool = False, limit: int = 80) -> None:
    """Press Tab until ``target`` (or, with ``within``, something inside it) has the focus."""
    reached = _holds_focus if within else _focused
    for _ in range(limit):
        if reached(target):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"{limit} presses of Tab never reached {target}")


def answer_with_arrows(page: Page, question: str, answer: str) -> None:
    """Tab into a question's radio group, then move through its answers with the arrow key
    until the wanted one is checked (arrow keys check the radio they move to)."""
    group = page.get_by_role("group", name=question, exact=True)
    wanted = group.get_by_role("radio", name=answer, exact=True)
    tab_to(page, group, within=True)
    for _ in range(len(group.get_by_role("radio").all())):
        if wanted.is_checked():
            break
        page.keyboard.press("ArrowRight")
    expect(wanted).to_be_checked()
    expect(wanted).to_be_focused()


# --- Setting the clock's stage ----------------------------------------------------------------


def put_officer_on_duty(demo: Any) -> tuple[Trainee, DutyShift]:
    """Move the demo officer's roster entry to the shift on the duty board now, as a
    coordinator would, so that the call-taker's screen offers them."""
    pd = demo.organizations["pd"]
    now = on_duty(pd)
    assert now.shift is not None, "the demo's duty board covers the whole day"
    ends = dt.datetime.combine(now.at.date(), now.shift.ends_at, now.at.tzinfo)
    if ends <= now.at:
        ends += dt.timedelta(days=1)
    if ends - now.at < HANDOVER_MARGIN:
        time.sleep((ends - now.at).total_seconds() + 1)
        now = on_duty(pd)
    shift = now.shift
    assert shift is not None
    trainee = Trainee.objects.get(organization=pd, user=demo.users["officer"])
    trainee = training_services.update_trainee(
        demo.actor,
        trainee=trainee,
        badge_number=trainee.badge_number,
        last_name=trainee.last_name,
        first_name=trainee.first_name,
        role=trainee.role,
        shift=shift.name,
        district=trainee.district,
        cit_selection=trainee.cit_selection,
        is_active=True,
        user=demo.users["officer"],
    )
    assert trainee.pk in {t.pk for t in on_duty(pd).cit_officers}
    return trainee, shift


def _local(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


# --- The test ---------------------------------------------------------------------------------


def test_a_call_from_triage_to_an_accepted_report(new_page: Any, demo: Any) -> None:
    pd = demo.organizations["pd"]
    zone = zoneinfo.ZoneInfo(pd.time_zone)
    trainee, shift = put_officer_on_duty(demo)
    officer_name = f"{trainee.first_name} {trainee.last_name}"
    unit = f"{officer_name} ({trainee.badge_number})"

    # 1. The call-taker answers the protocol with the keyboard and sends the officer.
    taker = new_page()
    sign_in(taker, "call_taker", DEMO_PASSWORD)
    follow(taker, primary_nav(taker).get_by_role("link", name="Operate"))
    follow(taker, taker.get_by_role("link", name="Take a call"))
    expect(taker.get_by_role("heading", level=1)).to_have_text("Take a call")
    recommended = taker.get_by_role("region", name="Recommended response")
    expect(recommended.get_by_role("listitem")).to_have_text([DEFAULT_REASON])
    duty = taker.get_by_role("region", name=f"On duty now: {shift.name} shift")
    expect(duty).to_contain_text(unit)

    tab_to(taker, taker.get_by_label("CAD event id"))
    taker.keyboard.type(CAD_ID)
    tab_to(taker, taker.get_by_label("What is the person doing or saying?"))
    taker.keyboard.type(BEHAVIOR)
    for question, answer in PROTOCOL:
        answer_with_arrows(taker, question, answer)
    # The panel follows the answers as they change: the route and the one reason that applies.
    expect(recommended.get_by_role("listitem")).to_have_text([WEAPON_REASON])
    expect(recommended.get_by_text(str(Routing.CIT_OFFICER.label), exact=True)).to_be_visible()
    expect(recommended).not_to_contain_text("safety override")
    axe_check(taker)

    send = taker.get_by_role("group", name="Send CIT officers on this shift")
    officer_box = send.get_by_role("checkbox", name=re.compile(re.escape(unit)))
    tab_to(taker, officer_box)
    taker.keyboard.press("Space")
    expect(officer_box).to_be_checked()
    save = taker.get_by_role("button", name="Record and dispatch")
    tab_to(taker, save)
    with taker.expect_navigation(wait_until="load"):
        taker.keyboard.press("Enter")
    axe_check(taker)

    expect(taker.get_by_role("heading", level=1)).to_contain_text(f"Call {CAD_ID}")
    expect(taker.get_by_role("status")).to_contain_text(f"Call {CAD_ID} recorded and triaged.")
    units = taker.get_by_role("table", name="Units sent to this call")
    sent = units.get_by_role("row").filter(has_text=unit)
    expect(sent).to_have_count(1)
    expect(sent.get_by_role("cell").first).to_have_text("Yes")
    expect(taker.locator("main")).to_contain_text(WEAPON_REASON)
    expect(taker.locator("main")).to_contain_text("requested · dispatched")

    # 2. The officer files the encounter from a phone.
    officer = new_page(viewport=PHONE_375, is_mobile=True, has_touch=True)
    sign_in(officer, "officer", DEMO_PASSWORD)
    # The report is filed once the call is over, and a report's times cannot be later than
    # now: the call is set two hours back, so the times the officer types are past.
    Call.objects.filter(organization=pd, cad_event_id=CAD_ID).update(
        received_at=F("received_at") - dt.timedelta(hours=2)
    )
    call = Call.objects.get(organization=pd, cad_event_id=CAD_ID)
    visit(officer, "/operate/")
    follow(officer, officer.get_by_role("link", name=f"File the encounter for {CAD_ID}"))
    follow(officer, officer.get_by_role("button", name="Start the report"))
    expect(officer.get_by_role("heading", level=1)).to_have_text(f"Encounter on call {CAD_ID}")
    responders = officer.get_by_role("region", name="Responders")
    expect(responders.get_by_role("listitem").first).to_contain_text("CIT")

    received = call.received_at
    report = officer.get_by_role("form", name="Encounter report")
    report.get_by_label("Arrived on scene").fill(_local(received + dt.timedelta(minutes=6), zone))
    # USWDS draws its own boxes: the label is what a finger touches.
    report.get_by_text("Danger to self", exact=True).tap()
    report.get_by_text("Calm verbal engagement", exact=True).tap()
    report.get_by_text("Offered choices", exact=True).tap()
    report.get_by_label("Highest level of force").select_option(label="Verbal direction")
    report.get_by_label("What force was used and why").fill(FORCE_NARRATIVE)
    report.get_by_label("How it ended").select_option(label="Voluntary transport to treatment")
    report.get_by_label("Transport", exact=True).select_option(label="Voluntary")
    report.get_by_label("Transported by").select_option(label="Police")
    report.get_by_label("Taken to").select_option("crisis_center")
    report.get_by_label("Name of the facility").fill(DESTINATION)
    custody = report.get_by_role("group", name="Custodial transfer")
    custody.get_by_label("Arrived at the facility").fill(
        _local(received + dt.timedelta(minutes=38), zone)
    )
    custody.get_by_label("Handed off").fill(_local(received + dt.timedelta(minutes=52), zone))
    report.get_by_role("group", name="Back in service").get_by_label("Back in service").fill(
        _local(received + dt.timedelta(minutes=58), zone)
    )
    report.get_by_label("Narrative").fill(FIRST_NARRATIVE)
    # The report fits the phone: nothing wider than the screen.
    assert officer.evaluate("document.documentElement.scrollWidth") <= PHONE_375["width"]
    follow(officer, officer.get_by_role("button", name="Save and submit"))
    expect(officer.get_by_role("status")).to_contain_text("Report submitted for review.")
    expect(officer.locator("main")).to_contain_text("Waiting for review")

    # 3. The supervisor returns it with a comment.
    supervisor = new_page()
    sign_in(supervisor, "supervisor", DEMO_PASSWORD)
    visit(supervisor, "/operate/")
    follow(supervisor, supervisor.get_by_role("link", name="Encounter reports waiting for review"))
    follow(supervisor, supervisor.get_by_role("link", name=CAD_ID, exact=True))
    main = supervisor.locator("main")
    expect(main).to_contain_text(DESTINATION)
    expect(main).to_contain_text("Verbal direction")
    expect(main).to_contain_text(FORCE_NARRATIVE)
    supervisor.get_by_label("Decision").select_option(label="Return it for changes")
    supervisor.get_by_label("Comments for the author").fill(RETURN_COMMENT)
    follow(supervisor, supervisor.get_by_role("button", name="Record the review"))
    expect(supervisor.get_by_role("status")).to_contain_text("Report returned to its author.")
    expect(supervisor.get_by_role("link", name=CAD_ID, exact=True)).to_have_count(0)

    # 4. The officer reads the comment, adds the line, and submits again.
    visit(officer, "/operate/encounters/")
    follow(officer, officer.get_by_role("link", name=CAD_ID, exact=True))
    expect(officer.get_by_role("region", name="Returned for changes")).to_contain_text(
        RETURN_COMMENT
    )
    narrative = officer.get_by_role("form", name="Encounter report").get_by_label("Narrative")
    expect(narrative).to_have_value(FIRST_NARRATIVE)
    narrative.fill(f"{FIRST_NARRATIVE}\n{ADDED_LINE}")
    follow(officer, officer.get_by_role("button", name="Save and submit"))
    expect(officer.get_by_role("status")).to_contain_text("Report submitted for review.")

    # 5. The supervisor accepts it; it is locked.
    visit(supervisor, "/operate/encounters/review/")
    follow(supervisor, supervisor.get_by_role("link", name=CAD_ID, exact=True))
    expect(supervisor.locator("main")).to_contain_text(ADDED_LINE)
    supervisor.get_by_label("Decision").select_option(label="Accept the report")
    follow(supervisor, supervisor.get_by_role("button", name="Record the review"))
    expect(supervisor.get_by_role("status")).to_contain_text("Report accepted.")
    expect(supervisor.get_by_role("link", name=CAD_ID, exact=True)).to_have_count(0)
    visit(officer, f"/operate/encounters/{call.encounters.get().pk}/")
    main = officer.locator("main")
    expect(main).to_contain_text("Accepted")
    expect(officer.get_by_role("form", name="Encounter report")).to_have_count(0)
    expect(officer.get_by_role("button", name="Save and submit")).to_have_count(0)
    expect(officer.get_by_role("region", name="History")).to_contain_text(RETURN_COMMENT)

    # 6. What the database holds.
    call.refresh_from_db()
    assert call.answers == STORED_ANSWERS
    published = published_rule_set(pd)
    assert published is not None and call.rule_set_id == published.pk
    assert call.recommendation == Routing.CIT_OFFICER
    assert call.reasons == [WEAPON_REASON]
    assert call.decision == Routing.CIT_OFFICER
    assert call.decision_reason == ""
    assert call.triaged_by_id == demo.users["call_taker"].pk
    assert call.cit_dispatched
    assignment = call.assignments.get()
    assert assignment.trainee_id == trainee.pk
    assert assignment.cit_certified is True

    encounter = call.encounters.get()
    assert encounter.status == EncounterStatus.ACCEPTED
    assert encounter.filed_by_id == demo.users["officer"].pk
    assert encounter.highest_force == Force.VERBAL
    assert encounter.force_narrative == FORCE_NARRATIVE
    assert encounter.disposition is not None
    assert encounter.disposition.label == "Voluntary transport to treatment"
    assert encounter.transport == Transport.VOLUNTARY
    assert encounter.transport_by == TransportBy.POLICE
    assert encounter.destination == DESTINATION
    assert encounter.danger_to_self
    assert encounter.arrived_facility_at is not None and encounter.handoff_at is not None
    assert encounter.arrived_facility_at < encounter.handoff_at
    assert encounter.back_in_service_at is not None
    assert ADDED_LINE in encounter.narrative
    reviews = list(encounter.reviews.order_by("reviewed_at", "pk"))
    assert [r.decision for r in reviews] == [ReviewDecision.RETURNED, ReviewDecision.ACCEPTED]
    assert reviews[0].comment == RETURN_COMMENT
    assert {r.reviewer_id for r in reviews} == {demo.users["supervisor"].pk}

    def events(action: str, obj: Any) -> list[AuditEvent]:
        return list(
            AuditEvent.objects.filter(
                action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk)
            )
        )

    assert [e.actor_id for e in events(DispatchAudit.CALL_TRIAGED, call)] == [
        demo.users["call_taker"].pk
    ]
    assigned = events(DispatchAudit.UNIT_ASSIGNED, call)
    assert len(assigned) == 1
    assert (assigned[0].after or {}).get("cit_certified") is True
    assert len(events(ResponseAudit.ENCOUNTER_SUBMITTED, encounter)) == 2
    assert len(events(ResponseAudit.ENCOUNTER_RETURNED, encounter)) == 1
    assert len(events(ResponseAudit.ENCOUNTER_ACCEPTED, encounter)) == 1
    assert audit.verify().ok
