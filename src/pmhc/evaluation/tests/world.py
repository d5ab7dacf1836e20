"""Hand-made calls, reports and referrals for Measure's tests (the app records them through
its services; these rows are the tests' setup only)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from pmhc.care.models import Referral, ReferralSource, Service
from pmhc.dispatch.models import Call, CallPerson, DutyShift
from pmhc.people.models import Person
from pmhc.platform.models import Organization
from pmhc.response.models import (
    Disposition,
    DispositionOutcome,
    Encounter,
    EncounterPerson,
    EncounterResponder,
    EncounterStatus,
)

_numbers = itertools.count(1)
UTC = dt.UTC


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    """A moment given in UTC (the tests' organizations keep their dates in UTC)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def utc_org(organization: Organization) -> Organization:
    organization.time_zone = "UTC"
    organization.save(update_fields=["time_zone"])
    return organization


def shifts(organization: Organization) -> None:
    for name, starts, ends in (("Day", 7, 15), ("Evening", 15, 23), ("Night", 23, 7)):
        DutyShift.objects.create(
            organization=organization, name=name, starts_at=dt.time(starts), ends_at=dt.time(ends)
        )


def call(organization: Organization, received: dt.datetime, **fields: Any) -> Call:
    fields.setdefault("is_mental_health", True)
    return Call.objects.create(
        organization=organization,
        cad_event_id=f"E-{next(_numbers):06d}",
        received_at=received,
        **fields,
    )


def disposition(organization: Organization, outcome: str) -> Disposition:
    found, _ = Disposition.objects.get_or_create(
        organization=organization,
        code=outcome,
        defaults={"label": outcome.title(), "outcome": outcome},
    )
    return found


def report(
    on: Call,
    *,
    status: str = EncounterStatus.ACCEPTED,
    outcome: str = DispositionOutcome.RESOLVED,
    **fields: Any,
) -> Encounter:
    return Encounter.objects.create(
        organization_id=on.organization_id,
        call=on,
        status=status,
        disposition=disposition(on.organization, outcome),
        **fields,
    )


def responder(encounter: Encounter, **fields: Any) -> EncounterResponder:
    fields.setdefault("name", "Responder")
    return EncounterResponder.objects.create(encounter=encounter, **fields)


def person(organization: Organization) -> Person:
    return Person.objects.create(organization=organization, given_name="Sam", family_name="Test")


def subject(encounter: Encounter, who: Person, race: list[str] | None = None) -> EncounterPerson:
    return EncounterPerson.objects.create(
        encounter=encounter, person=who, role="subject", race_ethnicity=race or []
    )


def on_call(on: Call, who: Person) -> CallPerson:
    return CallPerson.objects.create(call=on, person=who)


def referral(
    encounter: Encounter, who: Person, sent: dt.datetime, attended: dt.datetime | None = None
) -> Referral:
    service, _ = Service.objects.get_or_create(
        organization=encounter.organization,
        external_id="svc-1",
        defaults={"name": "Clinic", "kind": "outpatient"},
    )
    return Referral.objects.create(
        organization=encounter.organization,
        service=service,
        person=who,
        source=ReferralSource.ENCOUNTER,
        encounter=encounter,
        sent_at=sent,
        attended_at=attended,
    )
