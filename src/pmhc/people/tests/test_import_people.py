"""Bringing in the people of past records, in bulk."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pmhc.conftest import Cast
from pmhc.people import services
from pmhc.people.audit_codes import PeopleAudit
from pmhc.people.models import Person
from pmhc.platform.access import system_actor
from pmhc.platform.models import AuditEvent, Purpose


def _records(count: int) -> list[dict[str, object]]:
    return [
        {"family_name": f"Name{n}", "given_name": "Sam", "approximate_age": 30 + n}
        for n in range(count)
    ]


def test_import_people_creates_all_with_one_event(cast: Cast) -> None:
    people = services.import_people(
        system_actor("loader"),
        organization=cast.agency,
        purpose=Purpose.ACTIVE_CALL,
        records=_records(3),
        source="past reports",
    )
    assert [p.pk is not None for p in people] == [True, True, True]
    assert Person.objects.filter(organization=cast.agency).count() == 3
    event = AuditEvent.objects.get(action=PeopleAudit.PEOPLE_IMPORTED)
    assert event.after == {
        "count": 3,
        "source": "past reports",
        "ids": [person.pk for person in people],
    }
    assert event.organization_id == cast.agency.pk


def test_import_people_is_all_or_nothing(cast: Cast) -> None:
    records = _records(3)
    records[1]["approximate_age"] = 140
    with pytest.raises(ValidationError, match="Person 2"):
        services.import_people(
            system_actor("loader"),
            organization=cast.agency,
            purpose=Purpose.ACTIVE_CALL,
            records=records,
        )
    assert not Person.objects.exists()
    assert not AuditEvent.objects.filter(action=PeopleAudit.PEOPLE_IMPORTED).exists()


@pytest.mark.parametrize("who", ["outsider", "partner_user", "admin"])
def test_import_people_refused_outside_the_grant(cast: Cast, who: str) -> None:
    with pytest.raises(PermissionDenied):
        services.import_people(
            cast.actor(getattr(cast, who)),
            organization=cast.agency,
            purpose=Purpose.ACTIVE_CALL,
            records=_records(1),
        )
    assert not Person.objects.exists()
