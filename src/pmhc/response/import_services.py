"""Bringing in past encounter reports, in bulk, already accepted.

Build one ``EncounterRecord`` per report and pass any iterable of them (a generator is fine:
records are read and written in batches, so memory stays bounded) to ``import_encounters``::

    from pmhc.response.services import EncounterRecord, ResponderRecord, import_encounters

    count = import_encounters(
        actor,
        organization=agency,
        records=(
            EncounterRecord(
                call=call,                       # a dispatch.Call of this agency, or its pk
                disposition="crisis_clinic",     # a code in the agency's disposition list
                arrived_at=call.first_arrival_at,
                highest_force="verbal",          # above "presence": needs force_narrative
                force_narrative="Verbal direction to step back from the road.",
                deescalation=["verbal", "time"],
                transport="voluntary",
                transport_by="police",
                destination="County crisis center",
                arrived_facility_at=...,
                handoff_at=...,
                back_in_service_at=...,
                responders=[ResponderRecord(name="Ofc. Lee", cit_certified=True)],
                persons=[person.pk],             # people.Person pks, or (pk, role) pairs
            )
            for call in calls
        ),
    )

Every record is checked with the same rules as a report submitted from a phone
(``response.validation``, both levels), plus: the call and the people belong to the agency,
the disposition code is in its list, and the choices are known. The first bad record raises
``EncounterRecordError`` with its index (0-based) and nothing is imported. When the agency has
no dispositions yet, the standard list is added first. One ``ENCOUNTERS_IMPORTED`` audit event
records the count and the ids of the reports created (ADR 9).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from pmhc.dispatch.models import Call
from pmhc.people.models import Person
from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, Target, decide
from pmhc.platform.models import (
    Classification,
    Membership,
    Organization,
    Purpose,
    Role,
    User,
)
from pmhc.response import validation
from pmhc.response.audit_codes import ResponseAudit
from pmhc.response.disposition_services import ensure_dispositions
from pmhc.response.models import (
    Deescalation,
    Disposition,
    Encounter,
    EncounterPerson,
    EncounterResponder,
    EncounterStatus,
    Force,
    Injury,
    ResponderRole,
    Transport,
    TransportBy,
)
from pmhc.response.validation import ENCOUNTER_FIELDS
from pmhc.training.models import Trainee

#: Who brings past reports in: the program's coordinators (administrators run the
#: organization, not its case records).
IMPORT_ROLES = frozenset({Role.COORDINATOR})
BATCH = 500


@dataclass(frozen=True)
class ResponderRecord:
    """One responder on a past report. ``user`` (a member's sign-in account) and ``trainee``
    (a roster entry) are optional links, as objects or pks; ``cit_certified`` is taken as
    given, since it was true or false on the day."""

    name: str
    role: str = ResponderRole.OFFICER
    user: User | int | None = None
    trainee: Trainee | int | None = None
    cit_certified: bool = False


@dataclass(frozen=True)
class EncounterRecord:
    """One past encounter report; fields mean what they mean on ``response.Encounter``.

    ``call`` is the agency's call (object or pk); ``disposition`` a code of the agency's list
    (see ``disposition_services.DEFAULT_DISPOSITIONS``). Datetimes must be aware. Times must
    be in order: call received <= ``arrived_at`` <= ``arrived_facility_at`` <= ``handoff_at``
    <= ``back_in_service_at`` (each only when given). ``persons`` holds ``people.Person``
    pks of the agency, or (pk, role) pairs where role is e.g. "subject" or "family".
    ``filed_by`` is the author's account if known. ``submitted_at`` and ``accepted_at``
    default to ``back_in_service_at`` (or the arrival, or the call's time); ``created_at``
    to the arrival (or the call's time)."""

    call: Call | int
    disposition: str
    filed_by: User | int | None = None
    arrived_at: dt.datetime | None = None
    danger_to_self: bool = False
    danger_to_others: bool = False
    crime_suspected: bool = False
    deescalation: Sequence[str] = ()
    highest_force: str = Force.NONE
    force_reason: str = ""
    force_narrative: str = ""
    officer_injury: str = Injury.NONE
    subject_injury: str = Injury.NONE
    other_injury: str = Injury.NONE
    swat_callout: bool = False
    transport: str = Transport.NONE
    legal_basis: str = ""
    transport_by: str = ""
    destination: str = ""
    arrived_facility_at: dt.datetime | None = None
    handoff_at: dt.datetime | None = None
    refused_at_facility: bool = False
    refusal_reason: str = ""
    back_in_service_at: dt.datetime | None = None
    narrative: str = ""
    responders: Sequence[ResponderRecord] = ()
    persons: Sequence[int | tuple[int, str]] = ()
    created_at: dt.datetime | None = None
    submitted_at: dt.datetime | None = None
    accepted_at: dt.datetime | None = None


class EncounterRecordError(ValidationError):
    """A record that cannot be imported; ``index`` is its 0-based position."""

    def __init__(self, index: int, field_name: str, message: str) -> None:
        self.index = index
        self.field_name = field_name
        super().__init__(f"Record {index}: {field_name}: {message}")


#: The report's fields a record carries as they are (the disposition comes by its code).
REPORT_FIELDS = tuple(name for name in ENCOUNTER_FIELDS if name != "disposition")
_CHOICES = {
    "highest_force": Force.values,
    "officer_injury": Injury.values,
    "subject_injury": Injury.values,
    "other_injury": Injury.values,
    "transport": Transport.values,
}


def _pk(value: Any) -> int | None:
    if value is None:
        return None
    return int(value.pk if hasattr(value, "pk") else value)


def _batches(records: Iterable[EncounterRecord]) -> Iterator[list[EncounterRecord]]:
    iterator = iter(records)
    while batch := list(islice(iterator, BATCH)):
        yield batch


def _authorize(actor: Actor, organization: Organization) -> None:
    target = Target(
        organization_ids=frozenset({organization.pk}),
        access_classification=Classification.AGENCY,
        access_write_roles=IMPORT_ROLES,
    )
    decision = decide(actor, Action.CREATE, target, Purpose.ADMINISTRATION)
    if not decision:
        raise PermissionDenied(decision.reason)


def _check(
    index: int,
    record: EncounterRecord,
    call: tuple[int, dt.datetime] | None,
    disposition: Disposition | None,
    people: set[int],
    trainees: set[int],
    users: set[int],
) -> None:
    def fail(name: str, message: str) -> None:
        raise EncounterRecordError(index, name, message)

    if call is None:
        fail("call", "not a call of this agency")
    if disposition is None:
        fail("disposition", f"{record.disposition!r} is not in the agency's list")
    for name, allowed in _CHOICES.items():
        if getattr(record, name) not in allowed:
            fail(name, f"{getattr(record, name)!r} is not one of {', '.join(allowed)}")
    if record.transport_by and record.transport_by not in TransportBy.values:
        fail("transport_by", f"{record.transport_by!r} is not one of {', '.join(TransportBy)}")
    unknown = [d for d in record.deescalation if d not in Deescalation.values]
    if unknown:
        fail("deescalation", f"unknown {', '.join(unknown)}")
    for name in REPORT_FIELDS:
        value = getattr(record, name)
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            fail(name, "the time has no time zone")
    values = {name: getattr(record, name) for name in REPORT_FIELDS}
    values["disposition"] = disposition
    assert call is not None
    errors = validation.check(values, call[1], complete=True)
    if errors:
        name, message = next(iter(errors.items()))
        fail(name, message)
    for entry in record.persons:
        pk = entry[0] if isinstance(entry, tuple) else entry
        if int(pk) not in people:
            fail("persons", f"{pk} is not a person recorded by this agency")
    for responder in record.responders:
        if not responder.name.strip():
            fail("responders", "a responder needs a name")
        if responder.role not in ResponderRole.values:
            fail("responders", f"{responder.role!r} is not a responder role")
        trainee = _pk(responder.trainee)
        if trainee is not None and trainee not in trainees:
            fail("responders", f"roster entry {trainee} is not on this agency's roster")
        user = _pk(responder.user)
        if user is not None and user not in users:
            fail("responders", f"user {user} does not exist")
    author = _pk(record.filed_by)
    if author is not None and author not in users:
        fail("filed_by", f"user {author} does not exist")


def _build(
    record: EncounterRecord,
    organization: Organization,
    call: tuple[int, dt.datetime],
    disposition: Disposition,
) -> Encounter:
    values = {name: getattr(record, name) for name in REPORT_FIELDS}
    values["deescalation"] = list(dict.fromkeys(record.deescalation))
    for name in ("force_reason", "legal_basis", "destination", "refusal_reason"):
        values[name] = str(values[name]).strip()
    ended = record.back_in_service_at or record.arrived_at or call[1]
    created = record.created_at or record.arrived_at or call[1]
    return Encounter(
        organization=organization,
        call_id=call[0],
        status=EncounterStatus.ACCEPTED,
        filed_by_id=_pk(record.filed_by),
        disposition=disposition,
        created_at=created,
        updated_at=record.accepted_at or ended,
        submitted_at=record.submitted_at or ended,
        accepted_at=record.accepted_at or ended,
        **values,
    )


@transaction.atomic
def import_encounters(
    actor: Actor, *, organization: Organization, records: Iterable[EncounterRecord]
) -> int:
    """Import past reports as accepted, in batches, all or nothing; return how many."""
    _authorize(actor, organization)
    codes = {d.code: d for d in Disposition.objects.filter(organization=organization)}
    if not codes:
        codes = {d.code: d for d in ensure_dispositions(actor, organization=organization)}
    count = 0
    created_ids: list[int] = []
    for batch in _batches(records):
        call_ids = {_pk(r.call) for r in batch}
        calls = {
            pk: (pk, received)
            for pk, received in Call.objects.filter(
                organization=organization, pk__in=call_ids
            ).values_list("pk", "received_at")
        }
        person_ids = {int(p[0] if isinstance(p, tuple) else p) for r in batch for p in r.persons}
        people = set(
            Person.objects.filter(organization=organization, pk__in=person_ids).values_list(
                "pk", flat=True
            )
        )
        trainee_ids = {_pk(x.trainee) for r in batch for x in r.responders} - {None}
        trainees = set(
            Trainee.objects.filter(organization=organization, pk__in=trainee_ids).values_list(
                "pk", flat=True
            )
        )
        user_ids = {_pk(x.user) for r in batch for x in r.responders} | {
            _pk(r.filed_by) for r in batch
        }
        # Only the agency's own members can have filed or responded.
        users = set(
            Membership.objects.filter(
                organization=organization, user_id__in=user_ids - {None}
            ).values_list("user_id", flat=True)
        )
        encounters: list[Encounter] = []
        for offset, record in enumerate(batch):
            call = calls.get(_pk(record.call) or 0)
            disposition = codes.get(record.disposition)
            _check(count + offset, record, call, disposition, people, trainees, users)
            assert call is not None and disposition is not None
            encounters.append(_build(record, organization, call, disposition))
        Encounter.objects.bulk_create(encounters)
        responders: list[EncounterResponder] = []
        links: list[EncounterPerson] = []
        for encounter, record in zip(encounters, batch, strict=True):
            for r in record.responders:
                responders.append(
                    EncounterResponder(
                        encounter=encounter,
                        name=" ".join(r.name.split())[:200],
                        role=r.role,
                        user_id=_pk(r.user),
                        trainee_id=_pk(r.trainee),
                        cit_certified=r.cit_certified,
                    )
                )
            seen: set[int] = set()
            for entry in record.persons:
                pk, role = entry if isinstance(entry, tuple) else (entry, "subject")
                if int(pk) in seen:
                    continue
                seen.add(int(pk))
                links.append(EncounterPerson(encounter=encounter, person_id=int(pk), role=role))
        EncounterResponder.objects.bulk_create(responders)
        EncounterPerson.objects.bulk_create(links)
        created_ids.extend(encounter.pk for encounter in encounters)
        count += len(batch)
    audit.record(
        ResponseAudit.ENCOUNTERS_IMPORTED,
        actor=actor,
        organization_id=organization.pk,
        obj=organization,
        purpose=Purpose.ADMINISTRATION,
        after={"count": count, "ids": created_ids},
    )
    return count
