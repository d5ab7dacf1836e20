"""Encounter pages: the boundary for every caller, the phone form, review and amendments."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from pmhc.conftest import Cast
from pmhc.dispatch.models import CallPerson
from pmhc.people import services as people_services
from pmhc.people.audit_codes import PeopleAudit
from pmhc.people.models import Person
from pmhc.platform.models import AuditEvent, Purpose, Role
from pmhc.response import services
from pmhc.response.audit_codes import ResponseAudit
from pmhc.response.models import (
    Disposition,
    Encounter,
    EncounterAmendment,
    EncounterPerson,
    EncounterResponder,
    EncounterStatus,
)
from pmhc.response.tests.factories import make_call, member

pytestmark = pytest.mark.django_db
CALL = Purpose.ACTIVE_CALL
SECRET = "Narrative-secret-words"


class World:
    def __init__(self, cast: Cast) -> None:
        self.cast = cast
        self.supervisor = member(cast.agency, Role.SUPERVISOR, "sup")
        self.call_taker = member(cast.agency, Role.CALL_TAKER, "taker")
        self.analyst = member(cast.agency, Role.ANALYST, "analyst")
        self.other_officer = member(cast.agency, Role.OFFICER, "other")
        self.dispositions = {
            d.code: d
            for d in services.ensure_dispositions(cast.actor(cast.admin), organization=cast.agency)
        }
        self.call = make_call(cast.agency)
        self.person = people_services.create_person(
            cast.actor(cast.colleague), organization=cast.agency, purpose=CALL, family_name="Rivera"
        )
        CallPerson.objects.create(call=self.call, person=self.person, role="subject")
        self.encounter = services.start_encounter(cast.actor(cast.colleague), call=self.call)
        services.update_encounter(
            cast.actor(cast.colleague), encounter=self.encounter, narrative=SECRET
        )
        services.add_person(
            cast.actor(cast.colleague), encounter=self.encounter, person=self.person
        )


@pytest.fixture
def world(cast: Cast) -> World:
    return World(cast)


def _counts() -> tuple[int, int, int]:
    return Encounter.objects.count(), EncounterResponder.objects.count(), AuditEvent.objects.count()


def _post_report(**changes: Any) -> dict[str, Any]:
    data = {
        "highest_force": "none",
        "officer_injury": "none",
        "subject_injury": "none",
        "other_injury": "none",
        "transport": "none",
        "narrative": SECRET,
    }
    data.update(changes)
    return data


def test_anonymous_is_sent_to_sign_in(world: World) -> None:
    client = world.cast.client(None)
    for url in (
        reverse("response_index"),
        reverse("response_review_queue"),
        reverse("response_encounter", args=[world.encounter.pk]),
        reverse("response_encounter_new", args=[world.call.pk]),
        reverse("response_dispositions"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url


@pytest.mark.parametrize("who", ["call_taker", "analyst", "outsider", "expired_user", "admin"])
def test_report_hidden_from_those_without_access(world: World, who: str) -> None:
    user = getattr(world, who, None) or getattr(world.cast, who)
    client = world.cast.client(user)
    before = AuditEvent.objects.count()
    response = client.get(reverse("response_encounter", args=[world.encounter.pk]))
    assert response.status_code == 404
    assert SECRET not in response.content.decode()
    assert AuditEvent.objects.count() == before


def test_author_sees_form_and_narrative_read_is_audited(world: World) -> None:
    client = world.cast.client(world.cast.colleague)
    before = AuditEvent.objects.filter(action=ResponseAudit.ENCOUNTER_NARRATIVE_READ).count()
    response = client.get(reverse("response_encounter", args=[world.encounter.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="report-form"' in body and SECRET in body
    assert (
        AuditEvent.objects.filter(action=ResponseAudit.ENCOUNTER_NARRATIVE_READ).count()
        == before + 1
    )
    reads = AuditEvent.objects.filter(
        action=PeopleAudit.PERSON_READ, object_id=str(world.person.pk)
    ).count()
    client.get(reverse("response_encounter", args=[world.encounter.pk]))
    # The person on the report and on the call (offered to pick) is shown once as involved.
    assert (
        AuditEvent.objects.filter(
            action=PeopleAudit.PERSON_READ, object_id=str(world.person.pk)
        ).count()
        == reads * 2
    )


def test_coordinator_reads_without_narrative_or_people(world: World) -> None:
    client = world.cast.client(world.cast.member)
    before = AuditEvent.objects.count()
    response = client.get(reverse("response_encounter", args=[world.encounter.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert SECRET not in body and "Rivera" not in body
    assert 'id="report-form"' not in body
    assert AuditEvent.objects.count() == before


def test_partner_clinician_reads_under_agreement(world: World) -> None:
    client = world.cast.client(world.cast.partner_user)
    response = client.get(reverse("response_encounter", args=[world.encounter.pk]))
    assert response.status_code == 200
    assert SECRET in response.content.decode()
    assert 'id="report-form"' not in response.content.decode()
    before = _counts()
    response = client.post(
        reverse("response_encounter", args=[world.encounter.pk]), _post_report(destination="x")
    )
    assert response.status_code == 404
    assert _counts() == before


def test_officer_who_is_not_the_author_cannot_write(world: World) -> None:
    client = world.cast.client(world.other_officer)
    response = client.get(reverse("response_encounter", args=[world.encounter.pk]))
    assert response.status_code == 200 and 'id="report-form"' not in response.content.decode()
    before = _counts()
    for url, data in (
        (reverse("response_encounter", args=[world.encounter.pk]), _post_report()),
        (
            reverse("response_responder_add", args=[world.encounter.pk]),
            {"responder-name": "X", "responder-role": "officer"},
        ),
        (reverse("response_review", args=[world.encounter.pk]), {"decision": "accept"}),
    ):
        assert client.post(url, data).status_code == 404
    assert _counts() == before


def test_phone_form_saves_draft_and_shows_errors_beside_fields(world: World) -> None:
    client = world.cast.client(world.cast.colleague)
    url = reverse("response_encounter", args=[world.encounter.pk])
    # The page reads typed times in the agency's zone.
    received = timezone.localtime(world.call.received_at, ZoneInfo(world.cast.agency.time_zone))
    early = (received - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, _post_report(arrived_at=early, transport="involuntary"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "This time comes before the call was received" in body
    assert "needs its legal basis" in body
    response = client.post(url, _post_report(action="submit"))
    assert response.status_code == 400
    assert "Choose how the encounter ended before you submit." in response.content.decode()
    world.encounter.refresh_from_db()
    assert world.encounter.status == EncounterStatus.DRAFT
    response = client.post(
        url,
        _post_report(action="submit", disposition=world.dispositions["resolved_at_scene"].pk),
    )
    assert response.status_code == 302
    world.encounter.refresh_from_db()
    assert world.encounter.status == EncounterStatus.SUBMITTED


def test_review_and_amend_pages(world: World) -> None:
    author = world.cast.actor(world.cast.colleague)
    services.update_encounter(
        author, encounter=world.encounter, disposition=world.dispositions["shelter"]
    )
    services.submit_encounter(author, encounter=world.encounter)
    supervisor = world.cast.client(world.supervisor)
    queue = supervisor.get(reverse("response_review_queue"))
    assert queue.status_code == 200 and world.call.cad_event_id in queue.content.decode()
    url = reverse("response_review", args=[world.encounter.pk])
    response = supervisor.post(url, {"decision": "return", "comment": ""})
    assert response.status_code == 400
    assert "Say what needs to change" in response.content.decode()
    supervisor.post(url, {"decision": "return", "comment": "Add the time back in service."})
    page = world.cast.client(world.cast.colleague).get(
        reverse("response_encounter", args=[world.encounter.pk])
    )
    assert "Add the time back in service." in page.content.decode()
    services.submit_encounter(author, encounter=world.encounter)
    supervisor.post(url, {"decision": "accept"})
    world.encounter.refresh_from_db()
    assert world.encounter.status == EncounterStatus.ACCEPTED
    amend_url = reverse("response_amend", args=[world.encounter.pk])
    assert world.cast.client(world.cast.colleague).get(amend_url).status_code == 404
    response = supervisor.post(
        amend_url,
        _post_report(disposition=world.dispositions["crisis_clinic"].pk, reason="Wrong choice."),
    )
    assert response.status_code == 302
    amendment = EncounterAmendment.objects.get()
    assert list(amendment.changes) == ["disposition"]
    text = supervisor.get(reverse("response_encounter", args=[world.encounter.pk])).content.decode()
    assert "Wrong choice." in text and "Crisis clinic" in text and "Shelter" in text


def test_new_report_for_call(world: World) -> None:
    client = world.cast.client(world.cast.colleague)
    # The author's open report on this call is where "new" leads.
    response = client.get(reverse("response_encounter_new", args=[world.call.pk]))
    assert response.status_code == 302
    other = world.cast.client(world.other_officer)
    assert other.get(reverse("response_encounter_new", args=[world.call.pk])).status_code == 200
    response = other.post(reverse("response_encounter_new", args=[world.call.pk]))
    assert response.status_code == 302
    assert Encounter.objects.filter(filed_by=world.other_officer).count() == 1
    for user in (world.call_taker, world.cast.member, world.cast.partner_user, world.cast.outsider):
        before = _counts()
        assert (
            world.cast.client(user)
            .post(reverse("response_encounter_new", args=[world.call.pk]))
            .status_code
            == 404
        )
        assert _counts() == before


def test_add_responder_and_people(world: World) -> None:
    client = world.cast.client(world.cast.colleague)
    url = reverse("response_responder_add", args=[world.encounter.pk])
    response = client.post(
        url, {"responder-user": world.supervisor.pk, "responder-role": "officer"}
    )
    assert response.status_code == 302
    assert world.encounter.responders.filter(user=world.supervisor).exists()
    response = client.post(url, {"responder-role": "officer"})
    assert response.status_code == 400
    response = client.post(
        reverse("response_person_add", args=[world.encounter.pk]),
        {
            "kind": "new",
            "person-family_name": "Nguyen",
            "person-sex": "U",
            "person-role": "family",
        },
    )
    assert response.status_code == 302
    assert EncounterPerson.objects.filter(encounter=world.encounter).count() == 2
    assert Person.objects.filter(family_name="Nguyen").exists()


def test_index_lists_and_filters_with_flat_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = world.cast.client(world.supervisor)

    def count_queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("response_index") + "?scope=agency")
        assert response.status_code == 200
        return len(ctx)

    few = count_queries()
    author = world.cast.actor(world.cast.colleague)
    for i in range(8):
        services.start_encounter(author, call=make_call(world.cast.agency, hours_ago=10 + i))
    assert count_queries() == few
    body = client.get(reverse("response_index") + "?scope=agency").content.decode()
    assert body.count('href="/operate/encounters/') >= 9
    body = client.get(reverse("response_index") + "?scope=agency&force=on").content.decode()
    assert "0 reports" in body
    mine = world.cast.client(world.cast.colleague).get(reverse("response_index")).content.decode()
    assert "9 reports" in mine


def test_review_queue_only_for_supervisors(world: World) -> None:
    for user in (
        world.cast.colleague,
        world.cast.member,
        world.cast.partner_user,
        world.cast.outsider,
    ):
        assert world.cast.client(user).get(reverse("response_review_queue")).status_code == 404


def test_dispositions_page(world: World) -> None:
    cast = world.cast
    for user in (cast.colleague, world.supervisor, cast.partner_user, cast.expired_user):
        before = Disposition.objects.count(), AuditEvent.objects.count()
        client = cast.client(user)
        assert client.get(reverse("response_dispositions")).status_code == 404
        response = client.post(reverse("response_dispositions"), {"label": "X", "outcome": "other"})
        assert response.status_code == 404
        assert (Disposition.objects.count(), AuditEvent.objects.count()) == before
    # Another agency's administrator keeps their own list and never sees ours.
    theirs = cast.client(cast.outsider).get(reverse("response_dispositions")).content.decode()
    assert "Crisis clinic" not in theirs and "Unrelated PD" in theirs
    client = world.cast.client(world.cast.member)
    assert client.get(reverse("response_dispositions")).status_code == 200
    response = client.post(
        reverse("response_dispositions"),
        {"action": "add", "label": "Referred to peer support", "outcome": "connected"},
    )
    assert response.status_code == 302
    added = Disposition.objects.get(label="Referred to peer support")
    assert added.code == "referred_to_peer_support"
    shelter = world.dispositions["shelter"]
    client.post(reverse("response_disposition_edit", args=[shelter.pk]), {"action": "up"})
    shelter.refresh_from_db()
    assert shelter.position == 6
    client.post(
        reverse("response_disposition_edit", args=[shelter.pk]),
        {"action": "save", "label": "Emergency shelter", "outcome": "connected"},
    )
    shelter.refresh_from_db()
    assert shelter.label == "Emergency shelter" and not shelter.is_active
    # Used by a report: it is retired, never deleted.
    services.update_encounter(
        world.cast.actor(world.cast.colleague), encounter=world.encounter, disposition=shelter
    )
    client.post(reverse("response_disposition_edit", args=[shelter.pk]), {"action": "delete"})
    assert Disposition.objects.filter(pk=shelter.pk).exists()
    client.post(reverse("response_disposition_edit", args=[added.pk]), {"action": "delete"})
    assert not Disposition.objects.filter(pk=added.pk).exists()
    assert AuditEvent.objects.filter(action=ResponseAudit.DISPOSITION_SAVED).count() >= 13
