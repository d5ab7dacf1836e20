"""Encounter services: the rules, the state machine, the policy and the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from pmhc.conftest import Cast
from pmhc.people import services as people_services
from pmhc.people.audit_codes import PeopleAudit
from pmhc.platform import audit
from pmhc.platform.models import AuditEvent, Purpose, Role
from pmhc.response import services
from pmhc.response.audit_codes import ResponseAudit
from pmhc.response.models import (
    Encounter,
    EncounterAmendment,
    EncounterReview,
    EncounterStatus,
    Force,
    Transport,
)
from pmhc.response.tests.factories import make_call, member
from pmhc.training.tests.factories import TraineeFactory, certify

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(cast: Cast):
    return cast.colleague


@pytest.fixture
def supervisor(cast: Cast):
    return member(cast.agency, Role.SUPERVISOR, "sup")


@pytest.fixture
def dispositions(cast: Cast):
    return {
        d.code: d
        for d in services.ensure_dispositions(cast.actor(cast.member), organization=cast.agency)
    }


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def test_ensure_dispositions_seeds_once(cast: Cast, dispositions: dict) -> None:
    assert list(dispositions) == [
        "resolved_at_scene",
        "mobile_crisis_referral",
        "crisis_clinic",
        "dcr_referral",
        "voluntary_transport",
        "emergent_detention",
        "shelter",
        "resources_declined",
        "subject_arrested",
    ]
    assert dispositions["subject_arrested"].outcome == "arrest"
    assert dispositions["emergent_detention"].outcome == "detained"
    again = services.ensure_dispositions(cast.actor(cast.admin), organization=cast.agency)
    assert len(again) == 9
    assert len(_events(ResponseAudit.DISPOSITION_SAVED)) == 9


def test_full_cycle(cast: Cast, officer, supervisor, dispositions) -> None:
    call = make_call(cast.agency)
    actor = cast.actor(officer)
    encounter = services.start_encounter(actor, call=call)
    assert encounter.status == EncounterStatus.DRAFT
    assert [r.user_id for r in encounter.responders.all()] == [officer.pk]
    arrived = call.received_at + dt.timedelta(minutes=10)
    services.update_encounter(
        actor,
        encounter=encounter,
        arrived_at=arrived,
        transport=Transport.VOLUNTARY,
        transport_by="police",
        destination_kind="crisis_center",
        destination="Crisis center",
        arrived_facility_at=arrived + dt.timedelta(minutes=30),
        handoff_at=arrived + dt.timedelta(minutes=45),
        back_in_service_at=arrived + dt.timedelta(minutes=50),
        disposition=dispositions["voluntary_transport"],
        narrative="Calm conversation.",
    )
    services.submit_encounter(actor, encounter=encounter)
    services.review_encounter(
        cast.actor(supervisor), encounter=encounter, accept=False, comment="Add the de-escalation."
    )
    encounter.refresh_from_db()
    assert encounter.status == EncounterStatus.RETURNED
    services.update_encounter(actor, encounter=encounter, deescalation=["verbal"])
    services.submit_encounter(actor, encounter=encounter)
    services.review_encounter(cast.actor(supervisor), encounter=encounter, accept=True)
    encounter.refresh_from_db()
    assert encounter.status == EncounterStatus.ACCEPTED
    assert encounter.accepted_by_id == supervisor.pk
    with pytest.raises(PermissionDenied):
        services.update_encounter(actor, encounter=encounter, destination="Elsewhere")
    amendment = services.amend_encounter(
        cast.actor(supervisor),
        encounter=encounter,
        changes={"destination": "County crisis center"},
        reason="Wrong facility name.",
    )
    assert amendment.changes == {
        "destination": {"from": "Crisis center", "to": "County crisis center"}
    }
    assert [r.decision for r in EncounterReview.objects.order_by("pk")] == ["returned", "accepted"]
    created = _events(ResponseAudit.ENCOUNTER_CREATED)
    assert len(created) == 1
    changed = _events(ResponseAudit.ENCOUNTER_CHANGED)
    assert changed[0].before is not None and changed[0].after is not None
    assert changed[0].before["narrative"] == ""
    assert audit.is_digest(changed[0].after["narrative"])
    assert "Calm" not in str(changed[0].after)
    assert len(_events(ResponseAudit.ENCOUNTER_SUBMITTED)) == 2
    assert len(_events(ResponseAudit.ENCOUNTER_RETURNED)) == 1
    assert len(_events(ResponseAudit.ENCOUNTER_ACCEPTED)) == 1
    amended = _events(ResponseAudit.ENCOUNTER_AMENDED)[0]
    # The facility is agency data; the reason quotes the report, so the trail keeps a digest.
    assert amended.before == {"destination": "Crisis center"}
    assert amended.after is not None
    assert amended.after["destination"] == "County crisis center"
    assert audit.is_digest(amended.after["reason"]) and amended.detail == ""


def test_cit_flag_read_from_train_when_added(cast: Cast, officer, supervisor) -> None:
    # The author holds a current CIT certification; the supervisor's expired last year.
    today = timezone.localdate()
    certify(
        TraineeFactory.create(organization=cast.agency, user=officer),
        issued_on=today - dt.timedelta(days=300),
    )
    certify(
        TraineeFactory.create(organization=cast.agency, user=supervisor),
        issued_on=today - dt.timedelta(days=1000),
        expires_on=today - dt.timedelta(days=30),
    )
    encounter = services.start_encounter(cast.actor(officer), call=make_call(cast.agency))
    services.add_responder(cast.actor(officer), encounter=encounter, user=supervisor)
    services.add_responder(cast.actor(officer), encounter=encounter, name="EMS medic", role="other")
    flags = {r.name: r.cit_certified for r in encounter.responders.all()}
    assert flags == {
        officer.display_name: True,
        supervisor.display_name: False,
        "EMS medic": False,
    }
    event = _events(ResponseAudit.ENCOUNTER_CHANGED)[-1]
    assert event.after is not None and "EMS medic (other)" in event.after["responders"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"transport": Transport.INVOLUNTARY}, "legal_basis"),
        ({"arrived_at": "before-call"}, "arrived_at"),
        ({"handoff_at": "before-arrival"}, "handoff_at"),
    ],
)
def test_draft_save_rules(cast: Cast, officer, changes, field) -> None:
    call = make_call(cast.agency)
    encounter = services.start_encounter(cast.actor(officer), call=call)
    values = dict(changes)
    if values.get("arrived_at") == "before-call":
        values["arrived_at"] = call.received_at - dt.timedelta(minutes=1)
    if values.get("handoff_at") == "before-arrival":
        values["arrived_at"] = call.received_at + dt.timedelta(minutes=30)
        values["arrived_facility_at"] = call.received_at + dt.timedelta(minutes=40)
        values["handoff_at"] = call.received_at + dt.timedelta(minutes=35)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.update_encounter(cast.actor(officer), encounter=encounter, **values)
    assert field in exc.value.message_dict
    assert AuditEvent.objects.count() == before
    encounter.refresh_from_db()
    assert encounter.transport == Transport.NONE and encounter.arrived_at is None
    # Each passes once it is right.
    if field == "legal_basis":
        services.update_encounter(
            cast.actor(officer),
            encounter=encounter,
            transport=Transport.INVOLUNTARY,
            legal_basis="Emergency detention order",
        )
    else:
        services.update_encounter(
            cast.actor(officer),
            encounter=encounter,
            arrived_at=call.received_at,
            arrived_facility_at=call.received_at + dt.timedelta(minutes=40),
            handoff_at=call.received_at + dt.timedelta(minutes=40),
            back_in_service_at=call.received_at + dt.timedelta(minutes=41),
        )


@pytest.mark.parametrize(
    ("changes", "field", "fix"),
    [
        ({}, "disposition", "disposition"),
        ({"highest_force": Force.HANDS_ON}, "force_narrative", {"force_narrative": "Held arm."}),
        (
            {
                "transport": Transport.VOLUNTARY,
                "destination_kind": "crisis_center",
                "destination": "Clinic",
            },
            "transport_by",
            {"transport_by": "ems"},
        ),
        (
            {
                "transport": Transport.VOLUNTARY,
                "transport_by": "police",
                "destination_kind": "crisis_center",
            },
            "destination",
            {"destination": "Clinic"},
        ),
        (
            {"transport": Transport.VOLUNTARY, "transport_by": "police", "destination": "Clinic"},
            "destination_kind",
            {"destination_kind": "crisis_center"},
        ),
        # Taken home: no facility to name.
        (
            {"transport": Transport.VOLUNTARY, "transport_by": "police"},
            "destination_kind",
            {"destination_kind": "home"},
        ),
        ({"restraints_used": True}, "restraint_kind", {"restraint_kind": "handcuffs"}),
        (
            {"offence_present": True},
            "charge_level",
            {"charge_level": "misdemeanor"},
        ),
        ({"refused_at_facility": True}, "refusal_reason", {"refusal_reason": "No beds."}),
    ],
)
def test_submit_rules(cast: Cast, officer, dispositions, changes, field, fix) -> None:
    actor = cast.actor(officer)
    encounter = services.start_encounter(actor, call=make_call(cast.agency))
    if field != "disposition":
        changes = {**changes, "disposition": dispositions["shelter"]}
    services.update_encounter(actor, encounter=encounter, **changes)
    with pytest.raises(ValidationError) as exc:
        services.submit_encounter(actor, encounter=encounter)
    assert list(exc.value.message_dict) == [field]
    encounter.refresh_from_db()
    assert encounter.status == EncounterStatus.DRAFT
    assert not _events(ResponseAudit.ENCOUNTER_SUBMITTED)
    if fix == "disposition":
        fix = {"disposition": dispositions["resolved_at_scene"]}
    services.update_encounter(actor, encounter=encounter, **fix)
    services.submit_encounter(actor, encounter=encounter)
    encounter.refresh_from_db()
    assert encounter.status == EncounterStatus.SUBMITTED


def test_refused_writes_leave_nothing(cast: Cast, officer, supervisor, dispositions) -> None:
    call = make_call(cast.agency)
    other_officer = member(cast.agency, Role.OFFICER)
    call_taker = member(cast.agency, Role.CALL_TAKER)

    def snapshot() -> tuple[int, int, int, int]:
        return (
            Encounter.objects.count(),
            EncounterReview.objects.count(),
            EncounterAmendment.objects.count(),
            AuditEvent.objects.count(),
        )

    before = snapshot()
    for user in (cast.member, cast.partner_user, cast.outsider, call_taker, cast.admin):
        with pytest.raises(PermissionDenied):
            services.start_encounter(cast.actor(user), call=call)
    assert snapshot() == before

    encounter = services.start_encounter(cast.actor(officer), call=call)
    services.update_encounter(
        cast.actor(officer), encounter=encounter, disposition=dispositions["shelter"]
    )
    before = snapshot()
    for user in (other_officer, supervisor, cast.partner_user, cast.member):
        with pytest.raises(PermissionDenied):
            services.update_encounter(cast.actor(user), encounter=encounter, swat_callout=True)
        with pytest.raises(PermissionDenied):
            services.submit_encounter(cast.actor(user), encounter=encounter)
    # A draft is not reviewed, and nobody but a supervisor reviews.
    with pytest.raises(PermissionDenied):
        services.review_encounter(cast.actor(supervisor), encounter=encounter, accept=True)
    services_before = snapshot()
    assert services_before == before
    services.submit_encounter(cast.actor(officer), encounter=encounter)
    before = snapshot()
    for user in (officer, other_officer, cast.member, cast.partner_user, cast.outsider):
        with pytest.raises(PermissionDenied):
            services.review_encounter(cast.actor(user), encounter=encounter, accept=True)
    with pytest.raises(ValidationError):
        services.review_encounter(cast.actor(supervisor), encounter=encounter, accept=False)
    with pytest.raises(PermissionDenied):
        services.amend_encounter(
            cast.actor(supervisor), encounter=encounter, changes={"swat_callout": True}, reason="x"
        )
    assert snapshot() == before
    services.review_encounter(cast.actor(supervisor), encounter=encounter, accept=True)
    before = snapshot()
    for user in (officer, cast.member, cast.partner_user):
        with pytest.raises(PermissionDenied):
            services.amend_encounter(
                cast.actor(user), encounter=encounter, changes={"swat_callout": True}, reason="x"
            )
    with pytest.raises(ValidationError):
        services.amend_encounter(
            cast.actor(supervisor), encounter=encounter, changes={"swat_callout": True}, reason=""
        )
    with pytest.raises(ValidationError):
        # Amendments follow every rule too.
        services.amend_encounter(
            cast.actor(supervisor),
            encounter=encounter,
            changes={"highest_force": Force.LETHAL},
            reason="Correction",
        )
    assert snapshot() == before
    encounter.refresh_from_db()
    assert encounter.highest_force == Force.NONE and not encounter.swat_callout


def test_a_supervisor_does_not_review_their_own_report(
    cast: Cast, supervisor, dispositions
) -> None:
    actor = cast.actor(supervisor)
    encounter = services.start_encounter(actor, call=make_call(cast.agency))
    services.update_encounter(actor, encounter=encounter, disposition=dispositions["shelter"])
    services.submit_encounter(actor, encounter=encounter)
    with pytest.raises(PermissionDenied):
        services.review_encounter(actor, encounter=encounter, accept=True)


def test_people_on_the_report(cast: Cast, officer) -> None:
    actor = cast.actor(officer)
    encounter = services.start_encounter(actor, call=make_call(cast.agency))
    person = people_services.create_person(
        actor, organization=cast.agency, purpose=Purpose.ACTIVE_CALL, family_name="Rivera"
    )
    services.add_person(actor, encounter=encounter, person=person, role="family")
    with pytest.raises(ValidationError):
        services.add_person(actor, encounter=encounter, person=person)
    foreign_officer = member(cast.outsider_org, Role.OFFICER)
    foreign = people_services.create_person(
        cast.actor(foreign_officer), organization=cast.outsider_org, purpose=Purpose.ACTIVE_CALL
    )
    with pytest.raises(PermissionDenied):
        services.add_person(actor, encounter=encounter, person=foreign)
    linked = _events(PeopleAudit.PERSON_LINKED)
    assert len(linked) == 1 and linked[0].after == {"encounter": encounter.pk, "role": "family"}
    assert list(encounter.people.values_list("person_id", flat=True)) == [person.pk]
