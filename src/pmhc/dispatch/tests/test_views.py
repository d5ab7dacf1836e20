"""The pages: who may see them (anonymous, wrong role, other organization, partner, allowed),
what they show, and that refused writes leave nothing behind."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pmhc.dispatch import rules_services, services, triage
from pmhc.dispatch.audit_codes import DispatchAudit
from pmhc.dispatch.models import Call, CallAssignment, DutyShift, Team, TriageRuleSet
from pmhc.dispatch.tests.helpers import cad_id, cit_officer_on_duty, member, team_all_week
from pmhc.people.audit_codes import PeopleAudit
from pmhc.people.models import Person
from pmhc.platform.models import AuditEvent, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def taker(cast):
    return member(cast.agency, Role.CALL_TAKER)


def make_call(cast, user, **fields):
    return services.create_call(
        cast.actor(user),
        organization=cast.agency,
        cad_event_id=fields.pop("cad_event_id", cad_id()),
        received_at=timezone.now(),
        **fields,
    )


def screen_post(**overrides):
    data = {
        "cad_event_id": "E-100",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "source": "911",
        "person_role": "subject",
        "danger_self": "plan",
        "danger_others": "no",
        "weapons": "none",
        "action": "save",
    }
    return data | overrides


def test_anonymous_is_sent_to_sign_in(cast):
    client = cast.client(None)
    for name in (
        "dispatch_index",
        "dispatch_call_new",
        "dispatch_calls",
        "dispatch_rules",
        "dispatch_duty",
    ):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert "/login" in response["Location"] or "sign" in response["Location"]


def test_operate_home_by_role(cast, taker):
    body = cast.client(taker).get(reverse("dispatch_index")).content.decode()
    assert "Take a call" in body and reverse("dispatch_call_new") in body
    coordinator = cast.client(cast.member).get(reverse("dispatch_index")).content.decode()
    assert reverse("dispatch_rules") in coordinator and reverse("dispatch_duty") in coordinator
    officer = cast.client(cast.colleague).get(reverse("dispatch_index")).content.decode()
    assert "Calls you were sent to" in officer
    assert reverse("dispatch_rules") not in officer


def test_officer_sees_the_calls_they_were_sent_to(cast, taker):
    mine = cit_officer_on_duty(cast.agency, user=cast.colleague)
    sent = make_call(cast, taker)
    services.assign_unit(cast.actor(taker), call=sent, trainee=mine)
    other = make_call(cast, taker)
    body = cast.client(cast.colleague).get(reverse("dispatch_index")).content.decode()
    section = body.split("Calls you were sent to", 1)[1].split("</section>")[0]
    assert sent.cad_event_id in section
    assert other.cad_event_id not in section


def test_screen_shows_cit_officers_on_shift_and_teams(cast, taker):
    officer = cit_officer_on_duty(cast.agency, district="West")
    team = team_all_week(cast.agency)
    body = cast.client(taker).get(reverse("dispatch_call_new")).content.decode()
    assert f"{officer.first_name} {officer.last_name} ({officer.badge_number}) · West" in body
    assert team.name in body
    assert 'aria-live="polite"' in body
    assert "autofocus" in body


def test_screen_preview_does_not_save(cast, taker):
    response = cast.client(taker).post(
        reverse("dispatch_call_new"), screen_post(action="preview", crime_in_progress="violent")
    )
    assert response.status_code == 200
    assert (
        "A violent crime is in progress, or a life is in danger: police go first."
        in response.content.decode()
    )
    assert Call.objects.count() == 0


def test_recommend_partial(cast, taker):
    response = cast.client(taker).post(reverse("dispatch_recommend"), {"medical_emergency": "yes"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Medical emergency: send EMS." in body
    assert "<html" not in body
    bad = cast.client(taker).post(reverse("dispatch_recommend"), {"weapons": "knife"})
    assert "is not an answer" in bad.content.decode()


def test_screen_records_triages_and_dispatches(cast, taker):
    officer = cit_officer_on_duty(cast.agency)
    response = cast.client(taker).post(
        reverse("dispatch_call_new"),
        screen_post(officers=[officer.pk], given_name="Robin", approximate_age="40"),
    )
    call = Call.objects.get(cad_event_id="E-100")
    assert response.status_code == 302
    assert response["Location"] == reverse("dispatch_call", args=[call.pk])
    assert call.recommendation and call.decision == call.recommendation
    assignment = CallAssignment.objects.get(call=call)
    assert assignment.trainee == officer and assignment.cit_certified
    assert call.people.get().person.given_name == "Robin"


def test_screen_refuses_an_officer_not_on_duty_and_a_decision_without_reason(cast, taker):
    cit_officer_on_duty(cast.agency)
    client = cast.client(taker)
    response = client.post(reverse("dispatch_call_new"), screen_post(officers=["999999"]))
    assert response.status_code == 400
    response = client.post(reverse("dispatch_call_new"), screen_post(decision="ems"))
    assert response.status_code == 400
    assert "Say why the decision differs" in response.content.decode()
    assert Call.objects.count() == 0
    assert not AuditEvent.objects.filter(action=DispatchAudit.CALL_CREATED).exists()


@pytest.mark.parametrize("who", ["admin", "partner_user", "outsider", "analyst"])
def test_screen_is_missing_for_those_who_do_not_take_calls(cast, who):
    user = member(cast.agency, Role.ANALYST) if who == "analyst" else getattr(cast, who)
    client = cast.client(user)
    assert client.get(reverse("dispatch_call_new")).status_code == 404
    assert client.post(reverse("dispatch_call_new"), screen_post()).status_code == 404
    assert client.post(reverse("dispatch_recommend"), {}).status_code == 404
    assert Call.objects.count() == 0
    assert Person.objects.count() == 0


def test_calls_list_filters_and_boundaries(cast, taker):
    triaged = make_call(cast, taker, district="North")
    services.triage_call(cast.actor(taker), call=triaged, answers={})
    differs = make_call(cast, taker, district="South")
    services.triage_call(
        cast.actor(taker), call=differs, answers={}, decision="ems", decision_reason="Injured"
    )
    client = cast.client(taker)
    client.get(reverse("dispatch_calls"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("dispatch_calls"))
    for _n in range(5):
        make_call(cast, taker)
    with CaptureQueriesContext(connection) as many:
        body = client.get(reverse("dispatch_calls")).content.decode()
    assert len(few) == len(many)
    assert triaged.cad_event_id in body and "7 calls" in body
    body = client.get(reverse("dispatch_calls"), {"differs": "on"}).content.decode()
    assert differs.cad_event_id in body and triaged.cad_event_id not in body
    body = client.get(reverse("dispatch_calls"), {"district": "North"}).content.decode()
    assert triaged.cad_event_id in body and differs.cad_event_id not in body
    # A partner's clinician reads the agency's calls; an outsider and an analyst do not.
    partner = cast.client(cast.partner_user).get(reverse("dispatch_calls")).content.decode()
    assert triaged.cad_event_id in partner
    assert cast.client(cast.outsider).get(reverse("dispatch_calls")).status_code == 404
    analyst = member(cast.agency, Role.ANALYST)
    assert cast.client(analyst).get(reverse("dispatch_calls")).status_code == 404
    outsider_taker = member(cast.outsider_org, Role.CALL_TAKER)
    body = cast.client(outsider_taker).get(reverse("dispatch_calls")).content.decode()
    assert triaged.cad_event_id not in body and "0 calls" in body


def test_call_detail_audits_the_narrative_and_people(cast, taker):
    call = services.take_call(
        cast.actor(taker),
        organization=cast.agency,
        cad_event_id="N-1",
        received_at=timezone.now(),
        answers={"danger_self": "yes"},
        narrative="Caller says her brother is on the roof",
        person={"given_name": "Jordan"},
    )
    url = reverse("dispatch_call", args=[call.pk])
    reads = AuditEvent.objects.filter(action=DispatchAudit.CALL_NARRATIVE_READ).count()
    body = cast.client(taker).get(url).content.decode()
    assert "on the roof" in body and "Jordan" in body
    assert "Suicide risk" in body and "At risk, grade not known" in body
    assert AuditEvent.objects.filter(action=DispatchAudit.CALL_NARRATIVE_READ).count() == reads + 1
    assert AuditEvent.objects.filter(action=PeopleAudit.PERSON_READ, actor_id=taker.pk).exists()
    # The coordinator reads the call but not its narrative (safety data for active calls).
    before = AuditEvent.objects.count()
    coordinator = cast.client(cast.member).get(url).content.decode()
    assert "on the roof" not in coordinator
    assert 'data-restricted="narrative"' in coordinator
    assert "Jordan" not in coordinator
    assert AuditEvent.objects.count() == before
    partner = cast.client(cast.partner_user).get(url)
    assert partner.status_code == 200
    for user in (cast.outsider, cast.admin, member(cast.agency, Role.ANALYST)):
        response = cast.client(user).get(url)
        assert response.status_code == 404
        assert b"on the roof" not in response.content


def test_call_detail_assign_and_times_boundaries(cast, taker):
    officer = cit_officer_on_duty(cast.agency)
    call = make_call(cast, taker)
    url = reverse("dispatch_call_assign", args=[call.pk])
    assert cast.client(cast.partner_user).post(url, {"unit": "X1"}).status_code == 404
    assert cast.client(cast.outsider).post(url, {"unit": "X1"}).status_code == 404
    assert CallAssignment.objects.count() == 0
    response = cast.client(taker).post(url, {"officer": officer.pk})
    assert response.status_code == 302
    assert CallAssignment.objects.get().cit_certified
    times = reverse("dispatch_call_times", args=[call.pk])
    late = (timezone.localtime(call.received_at) + dt.timedelta(minutes=2)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    response = cast.client(taker).post(times, {"first_arrival_at": late, "cit_arrived": "on"})
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.cit_arrived


def test_rules_editor_boundaries(cast, taker):
    for user in (
        cast.colleague,
        taker,
        cast.admin,
        cast.partner_user,
        cast.outsider,
        member(cast.agency, Role.SUPERVISOR),
    ):
        client = cast.client(user)
        assert client.get(reverse("dispatch_rules")).status_code == 404
        assert client.get(reverse("dispatch_rules_draft")).status_code == 404
        assert client.post(reverse("dispatch_rules_publish")).status_code == 404
    assert TriageRuleSet.objects.count() == 0


def test_rules_editor_edits_tries_and_publishes(cast):
    client = cast.client(cast.member)
    page = client.get(reverse("dispatch_rules")).content.decode()
    assert "starting point, not a standard" in page
    form = client.get(reverse("dispatch_rules_draft"))
    assert form.status_code == 200
    formset = form.context["formset"]
    data: dict[str, Any] = {
        "rule-TOTAL_FORMS": str(len(formset.forms)),
        "rule-INITIAL_FORMS": str(formset.initial_form_count()),
        "rule-MIN_NUM_FORMS": "0",
        "rule-MAX_NUM_FORMS": "100",
        "note": "EMS first for overdoses",
    }
    for index, sub in enumerate(formset.forms[:-1]):
        for name, value in sub.initial.items():
            key = f"rule-{index}-{name}"
            if isinstance(value, list):
                data[key] = value
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            else:
                data[key] = str(value)
    data["rule-0-reason"] = "Weapon and threat: police first."
    response = client.post(reverse("dispatch_rules_draft"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = TriageRuleSet.objects.get(published_at__isnull=True)
    assert draft.version == 2
    assert TriageRuleSet.objects.get(version=1).rules == triage.default_rules()
    assert draft.rules[0]["reason"] == "Weapon and threat: police first."
    assert draft.rules[0]["any"] == {
        "danger_self": list(triage.RISK_GRADES),
        "danger_others": ["yes"],
    }
    tried = client.get(
        reverse("dispatch_rules_try"), {"weapons": "now", "danger_self": "plan"}
    ).content.decode()
    assert "Weapon and threat: police first." in tried
    assert client.post(reverse("dispatch_rules_publish")).status_code == 302
    draft.refresh_from_db()
    assert draft.is_published
    history = client.get(reverse("dispatch_rules")).content.decode()
    assert "EMS first for overdoses" in history


def test_rules_draft_shows_engine_errors(cast):
    client = cast.client(cast.member)
    data = {
        "rule-TOTAL_FORMS": "2",
        "rule-INITIAL_FORMS": "0",
        "rule-MIN_NUM_FORMS": "0",
        "rule-MAX_NUM_FORMS": "100",
        "rule-0-key": "everything",
        "rule-0-label": "Everything",
        "rule-0-route": "ems",
        "rule-0-reason": "Always.",
        "rule-0-order": "1",
        "rule-1-key": "later",
        "rule-1-label": "Later",
        "rule-1-route": "ems",
        "rule-1-reason": "Later.",
        "rule-1-order": "2",
        "rule-1-all__danger_self": ["plan"],
    }
    response = client.post(reverse("dispatch_rules_draft"), data)
    assert response.status_code == 400
    assert "make it the last rule" in response.content.decode()
    assert TriageRuleSet.objects.count() == 0


def test_duty_board_read_and_edit(cast, taker):
    supervisor = member(cast.agency, Role.SUPERVISOR)
    client = cast.client(supervisor)
    response = client.post(
        reverse("dispatch_shift_new"), {"name": "Night", "starts_at": "22:00", "ends_at": "06:00"}
    )
    assert response.status_code == 302
    response = client.post(
        reverse("dispatch_team_new"),
        {
            "name": "MCT 1",
            "kind": "mobile_crisis",
            "days": ["0", "6"],
            "starts_at": "08:00",
            "ends_at": "20:00",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Team.objects.get().days == [0, 6]
    board = cast.client(taker).get(reverse("dispatch_duty")).content.decode()
    assert "Night" in board and "MCT 1" in board
    assert reverse("dispatch_shift_new") not in board
    shift = DutyShift.objects.get()
    for user in (taker, cast.colleague, cast.partner_user, cast.outsider):
        c = cast.client(user)
        assert (
            c.post(
                reverse("dispatch_shift_new"),
                {"name": "X", "starts_at": "01:00", "ends_at": "02:00"},
            ).status_code
            == 404
        )
        assert (
            c.post(
                reverse("dispatch_shift_edit", args=[shift.pk]),
                {"name": "X", "starts_at": "01:00", "ends_at": "02:00"},
            ).status_code
            == 404
        )
    assert DutyShift.objects.get().name == "Night"
    assert cast.client(cast.outsider).get(reverse("dispatch_duty")).status_code == 404
    assert (
        cast.client(member(cast.agency, Role.ANALYST)).get(reverse("dispatch_duty")).status_code
        == 404
    )


def test_rules_defaults_published_through_the_service_are_listed(cast):
    rules_services.ensure_default_rules(cast.actor(cast.member), organization=cast.agency)
    body = cast.client(cast.member).get(reverse("dispatch_rules")).content.decode()
    assert "In use: version 1" in body
    assert "First version." in body
