"""Importing past encounter reports: in bulk, accepted, validated, one audit event."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from pmhc.conftest import Cast
from pmhc.people import services as people_services
from pmhc.platform.access import system_actor
from pmhc.platform.models import AuditEvent, Purpose
from pmhc.response.audit_codes import ResponseAudit
from pmhc.response.import_services import EncounterRecordError
from pmhc.response.models import Encounter, EncounterPerson, EncounterResponder, EncounterStatus
from pmhc.response.services import (
    EncounterRecord,
    ResponderRecord,
    ensure_dispositions,
    import_encounters,
)
from pmhc.response.tests.factories import make_call

pytestmark = pytest.mark.django_db


def _record(call, **kwargs):
    arrived = call.received_at + dt.timedelta(minutes=12)
    values = {
        "call": call,
        "disposition": "crisis_clinic",
        "arrived_at": arrived,
        "highest_force": "presence",
        "transport": "voluntary",
        "transport_by": "police",
        "destination_kind": "crisis_center",
        "destination": "Crisis clinic",
        "back_in_service_at": arrived + dt.timedelta(hours=1),
        "responders": [ResponderRecord(name="Ofc. Lee", cit_certified=True)],
    }
    values.update(kwargs)
    return EncounterRecord(**values)


def test_import_in_bulk_accepted_with_one_event(cast: Cast, django_assert_max_num_queries) -> None:
    person = people_services.create_person(
        cast.actor(cast.colleague), organization=cast.agency, purpose=Purpose.ACTIVE_CALL
    )
    calls = [make_call(cast.agency, hours_ago=100 + i) for i in range(30)]
    records = [
        _record(c, persons=[(person.pk, "subject")] if i == 0 else []) for i, c in enumerate(calls)
    ]
    ensure_dispositions(system_actor(), organization=cast.agency)
    # A fixed number of queries for the batch, not some per record.
    with django_assert_max_num_queries(16):
        count = import_encounters(
            system_actor("demo"), organization=cast.agency, records=iter(records)
        )
    assert count == 30
    assert Encounter.objects.filter(status=EncounterStatus.ACCEPTED).count() == 30
    assert EncounterResponder.objects.filter(cit_certified=True).count() == 30
    assert EncounterPerson.objects.get().person == person
    encounter = Encounter.objects.get(call=calls[0])
    assert encounter.accepted_at == records[0].back_in_service_at
    assert encounter.disposition is not None and encounter.disposition.code == "crisis_clinic"
    event = AuditEvent.objects.get(action=ResponseAudit.ENCOUNTERS_IMPORTED)
    assert event.after is not None
    assert event.after["count"] == 30 and len(event.after["ids"]) == 30


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"transport": "involuntary"}, "legal_basis"),
        ({"highest_force": "hands_on"}, "force_narrative"),
        ({"disposition": "nope"}, "disposition"),
        ({"refused_at_facility": True}, "refusal_reason"),
        ({"destination": ""}, "destination"),
        ({"persons": [999999]}, "persons"),
    ],
)
def test_bad_record_raises_with_index_and_imports_nothing(cast: Cast, change, field) -> None:
    calls = [make_call(cast.agency, hours_ago=50 + i) for i in range(3)]
    records = [_record(calls[0]), _record(calls[1]), _record(calls[2], **change)]
    with pytest.raises(EncounterRecordError) as exc:
        import_encounters(system_actor(), organization=cast.agency, records=records)
    assert exc.value.index == 2
    assert exc.value.field_name == field
    assert Encounter.objects.count() == 0
    assert not AuditEvent.objects.filter(action=ResponseAudit.ENCOUNTERS_IMPORTED).exists()


def test_times_out_of_order_and_foreign_call_rejected(cast: Cast) -> None:
    call = make_call(cast.agency)
    early = _record(call, arrived_at=call.received_at - dt.timedelta(minutes=5))
    with pytest.raises(EncounterRecordError) as exc:
        import_encounters(system_actor(), organization=cast.agency, records=[early])
    assert exc.value.field_name == "arrived_at"
    foreign = make_call(cast.outsider_org)
    with pytest.raises(EncounterRecordError) as exc:
        import_encounters(system_actor(), organization=cast.agency, records=[_record(foreign)])
    assert exc.value.field_name == "call"


@pytest.mark.parametrize("who", ["colleague", "partner_user", "outsider"])
def test_import_refused(cast: Cast, who: str) -> None:
    call = make_call(cast.agency)
    with pytest.raises(PermissionDenied):
        import_encounters(
            cast.actor(getattr(cast, who)), organization=cast.agency, records=[_record(call)]
        )
    assert Encounter.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_coordinator_may_import(cast: Cast) -> None:
    call = make_call(cast.agency)
    assert (
        import_encounters(
            cast.actor(cast.member), organization=cast.agency, records=[_record(call)]
        )
        == 1
    )
