"""The clinical contact note: who files it and when, what its limits are, who reads it (the
clinician's organization whole; the agency that sent the team only that it exists and its
follow-up date), and the case manager's follow-ups due."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from pmhc.conftest import Cast
from pmhc.dispatch import services as dispatch_services
from pmhc.dispatch import unit_services
from pmhc.dispatch.models import AssignmentStatus
from pmhc.dispatch.tests.helpers import member
from pmhc.dispatch.tests.units import Unit, crisis_team
from pmhc.people import services as people_services
from pmhc.people.models import Person
from pmhc.platform import audit
from pmhc.platform.access import ANONYMOUS
from pmhc.platform.models import AuditEvent, Role, User
from pmhc.response import contact_selectors, contact_services
from pmhc.response.audit_codes import ResponseAudit
from pmhc.response.models import ContactNote, RiskLevel

NOTE_TEXT = "Talked for an hour on the porch; agreed to see the clinic tomorrow."
WHOM = "Riverside crisis clinic"


@dataclass
class Scene:
    unit: Unit
    person: Person
    case_manager: User


def _scene(cast: Cast, *, accepted: bool = True) -> Scene:
    unit = crisis_team(cast)
    taker = cast.actor(member(cast.agency, Role.CALL_TAKER))
    person = people_services.create_person(
        taker,
        organization=cast.agency,
        purpose="active_call",
        given_name="Robin",
        family_name="Vale",
    )
    dispatch_services.link_person(taker, call=unit.call, person=person, role="subject")
    if accepted:
        unit_services.advance(
            cast.actor(cast.partner_user), assignment=unit.assignment, to=AssignmentStatus.ACCEPTED
        )
    return Scene(unit, person, member(cast.partner, Role.CASE_MANAGER))


def _file(cast: Cast, scene: Scene, *, on: dt.date | None = None, **fields) -> ContactNote:
    values: dict[str, Any] = {
        "risk_level": RiskLevel.MODERATE,
        "assessment_done": True,
        "safety_plan": True,
        "follow_up_with": WHOM,
        "follow_up_on": on or timezone.localdate(),
        "note": NOTE_TEXT,
        "person": scene.person,
    } | fields
    return contact_services.file_contact_note(
        cast.actor(cast.partner_user), assignment=scene.unit.assignment, **values
    )


def test_the_clinician_on_the_team_files_a_note_held_by_their_organization(cast: Cast) -> None:
    scene = _scene(cast)
    note = _file(cast, scene)
    assert note.organization_id == cast.partner.pk
    assert note.call_id == scene.unit.call.pk and note.person_id == scene.person.pk
    event = AuditEvent.objects.get(action=ResponseAudit.CONTACT_NOTE_FILED)
    assert event.organization_id == cast.partner.pk
    # The trail keeps the clinical values as digests, never the words.
    assert NOTE_TEXT not in str(event.after) and WHOM not in str(event.after)
    assert audit.verify().ok


def test_who_may_not_file_a_note(cast: Cast) -> None:
    scene = _scene(cast)
    refused = [
        ANONYMOUS,
        cast.actor(member(cast.partner, Role.CLINICIAN)),  # not on the team
        cast.actor(scene.case_manager),
        cast.actor(cast.colleague),  # the agency's officer
        cast.actor(cast.member),  # the agency's coordinator
        cast.actor(cast.outsider),
    ]
    for actor in refused:
        with pytest.raises(PermissionDenied):
            contact_services.file_contact_note(
                actor, assignment=scene.unit.assignment, risk_level=RiskLevel.LOW
            )
    assert not ContactNote.objects.exists()


def test_a_note_waits_until_the_team_has_accepted_the_call(cast: Cast) -> None:
    scene = _scene(cast, accepted=False)
    with pytest.raises(PermissionDenied):
        _file(cast, scene)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"risk_level": "extreme"}, "risk_level"),
        ({"follow_up_with": ""}, "follow_up_with"),
        ({"follow_up_with": "x" * 201}, "follow_up_with"),
        ({"note": "x" * 4001}, "note"),
        ({"follow_up_on": dt.date(2020, 1, 1)}, "follow_up_on"),
    ],
)
def test_the_limits_are_enforced(cast: Cast, fields: dict, field: str) -> None:
    scene = _scene(cast)
    with pytest.raises(ValidationError) as caught:
        _file(cast, scene, **fields)
    assert field in caught.value.message_dict


def test_the_person_must_be_on_the_call(cast: Cast) -> None:
    scene = _scene(cast)
    stranger = people_services.create_person(
        cast.actor(member(cast.agency, Role.CALL_TAKER)),
        organization=cast.agency,
        purpose="active_call",
        given_name="Sam",
    )
    with pytest.raises(ValidationError):
        _file(cast, scene, person=stranger)


def test_the_clinicians_organization_reads_the_note_and_the_agency_does_not(cast: Cast) -> None:
    scene = _scene(cast)
    note = _file(cast, scene)
    url = reverse("response_contact", args=[note.pk])
    for user in (cast.partner_user, scene.case_manager):
        body = cast.client(user).get(url).content.decode()
        assert NOTE_TEXT in body and WHOM in body and "Moderate" in body, user
    reads = AuditEvent.objects.filter(action=ResponseAudit.CONTACT_NOTE_READ)
    assert reads.count() == 2
    supervisor = member(cast.agency, Role.SUPERVISOR)
    for user in (cast.colleague, cast.member, supervisor, cast.admin, cast.outsider):
        assert cast.client(user).get(url).status_code == 404, user
        with pytest.raises(Http404):
            contact_selectors.note_detail(cast.actor(user), note.pk)
    response = cast.client(None).get(url)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_call_shows_the_agency_only_that_a_note_exists_and_its_date(cast: Cast) -> None:
    scene = _scene(cast)
    due = timezone.localdate() + dt.timedelta(days=3)
    _file(cast, scene, on=due)
    body = (
        cast.client(cast.colleague)
        .get(reverse("dispatch_call", args=[scene.unit.call.pk]))
        .content.decode()
    )
    assert "Clinical contact notes" in body
    assert f"follow-up {due:%Y-%m-%d}" in body
    for secret in (NOTE_TEXT, WHOM, "Moderate", "Read the note"):
        assert secret not in body, secret
    # The outsider sees neither the call nor the note.
    outsider = cast.actor(cast.outsider)
    assert contact_selectors.call_summary(outsider, scene.unit.call.pk) == []


def test_follow_ups_due_for_the_case_manager(cast: Cast, django_assert_max_num_queries) -> None:
    scene = _scene(cast)
    today = timezone.localdate()
    due_today = _file(cast, scene)
    overdue = _file(cast, scene, on=today)
    ContactNote.objects.filter(pk=overdue.pk).update(follow_up_on=today - dt.timedelta(days=2))
    later = _file(cast, scene, on=today + dt.timedelta(days=1))
    none_arranged = _file(cast, scene, follow_up_with="", follow_up_on=None)
    manager = cast.actor(scene.case_manager)
    with django_assert_max_num_queries(20):
        rows = contact_selectors.follow_ups_due(manager)
    assert [row.note.pk for row in rows] == [overdue.pk, due_today.pk]
    assert rows[0].overdue and not rows[1].overdue
    assert rows[0].person is not None and rows[0].person.pk == scene.person.pk
    pks = {row.note.pk for row in rows}
    assert later.pk not in pks and none_arranged.pk not in pks
    # The page and the Operate page list them.
    client = cast.client(scene.case_manager)
    page = client.get(reverse("response_follow_ups")).content.decode()
    assert page.count("Mark the follow-up done") == 2 and "Vale" in page
    # Each person is a heading right below the page's own (no level skipped).
    assert page.count('<h2 class="margin-0 font-heading-sm">') == 2 and "<h3" not in page
    operate = client.get(reverse("dispatch_index")).content.decode()
    assert "Follow-ups due" in operate and operate.count("Mark the follow-up done") == 2
    assert operate.count('<h3 class="margin-0 font-heading-sm">') >= 2
    # The clinician who arranged them gets a link to the list.
    clinician_operate = cast.client(cast.partner_user).get(reverse("dispatch_index")).content
    assert reverse("response_follow_ups") in clinician_operate.decode()
    # The panel's forms carry the page's CSRF token.
    panel = operate[operate.index('id="follow-ups-heading"') :]
    assert panel.count('name="csrfmiddlewaretoken" value="') == 2


def test_the_follow_up_list_is_bounded(cast: Cast, django_assert_max_num_queries) -> None:
    scene = _scene(cast)
    for _ in range(4):
        _file(cast, scene, person=None)
    manager = cast.actor(scene.case_manager)
    # Two queries for the list and the people, then each note shown is one audited read.
    with django_assert_max_num_queries(16):
        rows = contact_selectors.follow_ups_due(manager, limit=3)
    assert len(rows) == 3


def test_who_sees_no_follow_ups(cast: Cast) -> None:
    scene = _scene(cast)
    _file(cast, scene)
    for user in (
        cast.colleague,
        cast.member,
        cast.outsider,
        member(cast.outsider_org, Role.CASE_MANAGER),
    ):
        assert contact_selectors.follow_ups_due(cast.actor(user)) == [], user
    assert cast.client(cast.colleague).get(reverse("response_follow_ups")).status_code == 404
    other = cast.client(member(cast.outsider_org, Role.CASE_MANAGER))
    assert (
        "Mark the follow-up done" not in other.get(reverse("response_follow_ups")).content.decode()
    )
    response = cast.client(None).get(reverse("response_follow_ups"))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_marking_a_follow_up_done(cast: Cast) -> None:
    scene = _scene(cast)
    note = _file(cast, scene)
    url = reverse("response_follow_up_done", args=[note.pk])
    for user in (cast.colleague, cast.member, cast.outsider):
        assert cast.client(user).post(url).status_code == 404, user
    with pytest.raises(PermissionDenied):
        contact_services.complete_follow_up(ANONYMOUS, note=note)
    note.refresh_from_db()
    assert note.follow_up_done_at is None
    client = cast.client(scene.case_manager)
    response = client.post(url, {"back": "operate"})
    assert response.status_code == 302 and response["Location"] == reverse("dispatch_index")
    note.refresh_from_db()
    assert note.follow_up_done_at is not None
    assert note.follow_up_done_by_id == scene.case_manager.pk
    assert AuditEvent.objects.filter(action=ResponseAudit.FOLLOW_UP_DONE).count() == 1
    assert contact_selectors.follow_ups_due(cast.actor(scene.case_manager)) == []
    with pytest.raises(ValidationError):
        contact_services.complete_follow_up(cast.actor(scene.case_manager), note=note)


def test_the_form_files_a_note(cast: Cast) -> None:
    scene = _scene(cast)
    client = cast.client(cast.partner_user)
    url = reverse("response_contact_new", args=[scene.unit.assignment.pk])
    body = client.get(url).content.decode()
    assert "Up to 4,000 characters" in body and "Up to 200 characters" in body
    bad = client.post(url, {"assessment_done": "yes", "safety_plan": "no", "follow_up_with": WHOM})
    assert bad.status_code == 400
    assert "error-summary-heading" in bad.content.decode()
    assert 'href="#id_risk_level"' in bad.content.decode()
    bad = client.post(
        url,
        {
            "assessment_done": "yes",
            "risk_level": RiskLevel.LOW,
            "safety_plan": "no",
            "follow_up_with": WHOM,
        },
    )
    assert bad.status_code == 400
    assert "Give the date of the follow-up." in bad.content.decode()
    response = client.post(
        url,
        {
            "person": scene.person.pk,
            "assessment_done": "yes",
            "risk_level": RiskLevel.LOW,
            "safety_plan": "no",
            "follow_up_with": WHOM,
            "follow_up_on": timezone.localdate().isoformat(),
            "note": NOTE_TEXT,
        },
    )
    note = ContactNote.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "response_contact", args=[note.pk]
    )
    assert note.assessment_done and not note.safety_plan and note.risk_level == RiskLevel.LOW
    for user in (member(cast.partner, Role.CLINICIAN), cast.colleague, cast.outsider):
        assert cast.client(user).get(url).status_code == 404, user
