"""Case management's writes: open (one open case per person and organization), log contacts
(which move the schedule), pass a case on, close and reopen; each checked and audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from pmhc.care import case_services
from pmhc.care.audit_codes import CareAudit
from pmhc.care.models import (
    Case,
    CaseClosure,
    CaseContact,
    CaseOrigin,
    CaseStatus,
    ContactKind,
    ContactOutcome,
)
from pmhc.care.tests.case_world import build, open_for
from pmhc.conftest import Cast
from pmhc.platform.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_opening_a_case_makes_the_first_contact_due_today_and_is_audited(cast: Cast) -> None:
    world = build(cast)
    case, created = case_services.open_case(
        cast.actor(world.manager),
        person=world.person,
        origin=CaseOrigin.HIGH_UTILIZER,
        goals="Find a clinic.",
        contact_every_days=14,
    )
    assert created
    assert case.case_manager_id == world.manager.pk and case.organization_id == cast.agency.pk
    assert case.next_contact_on == cast.agency.today()
    assert case.status == CaseStatus.OPEN and case.contact_every_days == 14
    event = AuditEvent.objects.get(action=CareAudit.CASE_OPENED, object_id=str(case.pk))
    # Goals are clinical: the trail keeps a digest, never the words.
    assert "Find a clinic." not in str(event.after)


def test_opening_again_returns_the_open_case(cast: Cast) -> None:
    world = build(cast)
    first = open_for(cast, world.manager, world.person)
    again, created = case_services.open_case(
        cast.actor(world.other_manager), person=world.person, origin=CaseOrigin.OTHER
    )
    assert not created and again.pk == first.pk
    assert again.case_manager_id == world.manager.pk
    assert Case.objects.filter(person=world.person).count() == 1


def test_the_database_allows_one_open_case_per_person_and_organization(cast: Cast) -> None:
    world = build(cast)
    case = open_for(cast, world.manager, world.person)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(
            organization=cast.agency,
            person=world.person,
            case_manager=world.other_manager,
            origin=CaseOrigin.OTHER,
        )
    # Once closed, another may open.
    case_services.close_case(cast.actor(world.manager), case=case, reason=CaseClosure.GOALS_MET)
    reopened, created = case_services.open_case(
        cast.actor(world.other_manager), person=world.person, origin=CaseOrigin.OTHER
    )
    assert created and reopened.pk != case.pk


def test_who_may_not_open_a_case(cast: Cast) -> None:
    world = build(cast)
    # An officer does not manage cases; another organization's case manager cannot open one
    # for the agency's record.
    for user in (cast.colleague, world.outsider_manager):
        with pytest.raises(PermissionDenied):
            case_services.open_case(cast.actor(user), person=world.person, origin=CaseOrigin.OTHER)
    with pytest.raises(ValidationError) as error:
        case_services.open_case(
            cast.actor(world.manager),
            person=world.person,
            origin=CaseOrigin.OTHER,
            contact_every_days=120,
        )
    assert "contact_every_days" in error.value.message_dict
    assert not Case.objects.exists()


def test_a_contact_sets_the_last_contact_and_the_next_one_due(cast: Cast) -> None:
    world = build(cast)
    case = open_for(cast, world.manager, world.person)
    at = timezone.now() - dt.timedelta(days=2)
    contact = case_services.log_contact(
        cast.actor(world.manager),
        case=case,
        kind=ContactKind.OUTREACH,
        outcome=ContactOutcome.NOT_FOUND,
        at=at,
        note="Knocked; nobody home.",
    )
    case.refresh_from_db()
    assert contact.by_id == world.manager.pk
    assert case.last_contact_at == at
    local_day = timezone.localtime(at, cast.agency.zone).date()
    assert case.next_contact_on == local_day + dt.timedelta(days=7)
    # An older contact logged later does not move the schedule back.
    case_services.log_contact(
        cast.actor(world.manager),
        case=case,
        kind=ContactKind.CALL,
        outcome=ContactOutcome.LEFT_MESSAGE,
        at=at - dt.timedelta(days=1),
    )
    case.refresh_from_db()
    assert case.last_contact_at == at
    assert AuditEvent.objects.filter(action=CareAudit.CASE_CONTACT_LOGGED).count() == 2


def test_contact_limits(cast: Cast) -> None:
    world = build(cast)
    case = open_for(cast, world.manager, world.person)
    actor = cast.actor(world.manager)
    bad = [
        ({"kind": "letter", "outcome": ContactOutcome.REACHED}, "kind"),
        ({"kind": ContactKind.CALL, "outcome": "maybe"}, "outcome"),
        ({"kind": ContactKind.CO_RESPONDER, "outcome": ContactOutcome.REACHED}, "call"),
        (
            {
                "kind": ContactKind.CALL,
                "outcome": ContactOutcome.REACHED,
                "at": timezone.now() + dt.timedelta(days=1),
            },
            "at",
        ),
        (
            {"kind": ContactKind.CALL, "outcome": ContactOutcome.REACHED, "note": "x" * 4001},
            "note",
        ),
    ]
    for fields, name in bad:
        with pytest.raises(ValidationError) as error:
            case_services.log_contact(actor, case=case, **fields)  # type: ignore[arg-type]
        assert name in error.value.message_dict, fields
    co = case_services.log_contact(
        actor,
        case=case,
        kind=ContactKind.CO_RESPONDER,
        outcome=ContactOutcome.REACHED,
        call=world.calls[0],
    )
    assert co.call_id == world.calls[0].pk
    assert CaseContact.objects.count() == 1


def test_a_case_passes_to_a_case_manager_of_the_same_organization(cast: Cast) -> None:
    world = build(cast)
    case = open_for(cast, world.manager, world.person)
    actor = cast.actor(world.manager)
    with pytest.raises(ValidationError) as error:
        case_services.transfer_case(
            actor, case=case, to_manager=world.outsider_manager, reason="Moving"
        )
    assert "to_manager" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        case_services.transfer_case(actor, case=case, to_manager=world.other_manager, reason=" ")
    assert "reason" in error.value.message_dict
    transfer = case_services.transfer_case(
        actor, case=case, to_manager=world.other_manager, reason="Caseload balance"
    )
    case.refresh_from_db()
    assert case.case_manager_id == world.other_manager.pk
    assert (transfer.from_manager_id, transfer.to_manager_id) == (
        world.manager.pk,
        world.other_manager.pk,
    )
    assert AuditEvent.objects.filter(action=CareAudit.CASE_TRANSFERRED).count() == 1
    # An officer may not move it.
    with pytest.raises(PermissionDenied):
        case_services.transfer_case(
            cast.actor(cast.colleague), case=case, to_manager=world.manager, reason="x"
        )


def test_closing_needs_a_reason_and_stops_contacts_until_reopened(cast: Cast) -> None:
    world = build(cast)
    case = open_for(cast, world.manager, world.person)
    actor = cast.actor(world.manager)
    with pytest.raises(ValidationError):
        case_services.close_case(actor, case=case, reason="bored")
    with pytest.raises(ValidationError) as error:
        case_services.close_case(actor, case=case, reason=CaseClosure.OTHER)
    assert "note" in error.value.message_dict
    closed = case_services.close_case(actor, case=case, reason=CaseClosure.CONNECTED)
    assert closed.status == CaseStatus.CLOSED and closed.closed_at is not None
    with pytest.raises(ValidationError):
        case_services.log_contact(
            actor, case=case, kind=ContactKind.CALL, outcome=ContactOutcome.REACHED
        )
    reopened = case_services.reopen_case(actor, case=case)
    assert reopened.status == CaseStatus.OPEN and reopened.closed_reason == ""
    assert reopened.next_contact_on == cast.agency.today()


def test_a_follow_up_marked_done_is_a_visit_on_the_open_case(cast: Cast) -> None:
    from pmhc.dispatch.tests.units import crisis_team
    from pmhc.response import contact_services
    from pmhc.response.models import ContactNote

    world = build(cast)
    unit = crisis_team(cast)
    note = ContactNote.objects.create(
        organization=cast.agency,
        call=unit.call,
        assignment=unit.assignment,
        person=world.person,
        filed_by=world.other_manager,
        filed_by_name="Morgan Hale",
        risk_level="moderate",
        follow_up_with="Crisis clinic",
        follow_up_on=cast.agency.today(),
    )
    # No case yet: marking it done logs nothing.
    contact_services.complete_follow_up(cast.actor(world.manager), note=note)
    assert not CaseContact.objects.exists()
    case = open_for(cast, world.manager, world.person)
    ContactNote.objects.filter(pk=note.pk).update(follow_up_done_at=None)
    note.refresh_from_db()
    contact_services.complete_follow_up(cast.actor(world.manager), note=note)
    contact = CaseContact.objects.get(case=case)
    assert contact.kind == ContactKind.CO_RESPONDER and contact.call_id == unit.call.pk
    case.refresh_from_db()
    assert case.last_contact_at == note.follow_up_done_at
