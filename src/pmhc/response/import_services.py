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
(``response.validation``, both levels: times in order and not in the future, each
responder's too; the arrest and diversion fields agree), plus: the call and the people belong
to the agency, the disposition codes are in its list, and the choices are known. Every
record is checked; if any is bad, nothing is imported and ``EncounterRecordError`` lists each
rejected record with its index (0-based), its line (1-based) and why (up to
``MAX_PROBLEMS``). When the agency has
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
from django.utils import timezone

from pmhc.dispatch.models import Call
from pmhc.dispatch.times import latest_allowed
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
    ChargeLevel,
    Deescalation,
    Destination,
    Disposition,
    Encounter,
    EncounterPerson,
    EncounterResponder,
    EncounterStatus,
    Force,
    Injury,
    LawOutcome,
    ResponderRole,
    RestraintKind,
    Transport,
    TransportBy,
    WouldHaveGone,
)
from pmhc.response.validation import ENCOUNTER_FIELDS, OTHER_DISPOSITIONS, TEXT_LIMITS
from pmhc.training.models import Trainee

#: Who brings past reports in: the program's coordinators (administrators run the
#: organization, not its case records).
IMPORT_ROLES = frozenset({Role.COORDINATOR})
BATCH = 500
#: How many rejected records one error lists; the rest are counted.
MAX_PROBLEMS = 200


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
    arrived_at: dt.datetime | None = None
    cleared_at: dt.datetime | None = None


@dataclass(frozen=True)
class PersonRecord:
    """A person on a past report (a ``people.Person`` pk of the agency) with what the report
    recorded about them there: codes of ``RaceEthnicity``, ``HousingStatus`` and
    ``PresentingConcern``."""

    person: int
    role: str = "subject"
    race_ethnicity: Sequence[str] = ()
    housing_status: str = ""
    presenting_concerns: Sequence[str] = ()


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
    destination_kind: str = ""
    destination: str = ""
    restraints_used: bool = False
    restraint_kind: str = ""
    other_dispositions: Sequence[str] = ()
    offence_present: bool = False
    arrest_eligible: bool = False
    law_outcome: str = LawOutcome.NONE
    charge_level: str = ChargeLevel.NONE
    booked: bool = False
    ed_otherwise: str = ""
    arrived_facility_at: dt.datetime | None = None
    handoff_at: dt.datetime | None = None
    refused_at_facility: bool = False
    refusal_reason: str = ""
    back_in_service_at: dt.datetime | None = None
    narrative: str = ""
    responders: Sequence[ResponderRecord] = ()
    persons: Sequence[int | tuple[int, str] | PersonRecord] = ()
    created_at: dt.datetime | None = None
    submitted_at: dt.datetime | None = None
    accepted_at: dt.datetime | None = None


@dataclass(frozen=True)
class RecordProblem:
    """Why one record was rejected: its 0-based ``index``, its 1-based ``line``, the field."""

    index: int
    field_name: str
    message: str

    @property
    def line(self) -> int:
        return self.index + 1

    def __str__(self) -> str:
        return f"Line {self.line}: {self.field_name}: {self.message}"


class EncounterRecordError(ValidationError):
    """Records that cannot be imported: ``problems`` lists each rejected record (its first
    problem); ``index`` and ``field_name`` are those of the first."""

    def __init__(self, problems: Sequence[RecordProblem], more: int = 0) -> None:
        self.problems = list(problems)
        self.more = more
        self.index = self.problems[0].index
        self.field_name = self.problems[0].field_name
        lines = [str(problem) for problem in self.problems]
        if more:
            lines.append(f"... and {more} more rejected records")
        super().__init__(lines)


#: The report's fields a record carries as they are (the dispositions come by their codes).
REPORT_FIELDS = tuple(
    name for name in ENCOUNTER_FIELDS if name not in {"disposition", OTHER_DISPOSITIONS}
)
_CHOICES = {
    "highest_force": Force.values,
    "officer_injury": Injury.values,
    "subject_injury": Injury.values,
    "other_injury": Injury.values,
    "transport": Transport.values,
    "law_outcome": LawOutcome.values,
    "charge_level": ChargeLevel.values,
}
_OPTIONAL_CHOICES = {
    "transport_by": TransportBy.values,
    "destination_kind": Destination.values,
    "restraint_kind": RestraintKind.values,
    "ed_otherwise": WouldHaveGone.values,
}


def _person_entry(entry: int | tuple[int, str] | PersonRecord) -> PersonRecord:
    if isinstance(entry, PersonRecord):
        return entry
    if isinstance(entry, tuple):
        return PersonRecord(person=int(entry[0]), role=entry[1])
    return PersonRecord(person=int(entry))


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


class _Rejected(Exception):
    def __init__(self, field_name: str, message: str) -> None:
        self.field_name = field_name
        self.message = message


def _check(
    record: EncounterRecord,
    call: tuple[int, dt.datetime] | None,
    codes: dict[str, Disposition],
    known: dict[str, set[int]],
    latest: dt.datetime,
) -> None:
    """Raise ``_Rejected`` with the record's first problem."""

    def fail(name: str, message: str) -> None:
        raise _Rejected(name, message)

    if call is None:
        fail("call", "not a call of this agency")
    disposition = codes.get(record.disposition)
    if disposition is None:
        fail("disposition", f"{record.disposition!r} is not in the agency's list")
    unknown_codes = [code for code in record.other_dispositions if code not in codes]
    if unknown_codes:
        fail("other_dispositions", f"{', '.join(unknown_codes)} not in the agency's list")
    for name, allowed in _CHOICES.items():
        if getattr(record, name) not in allowed:
            fail(name, f"{getattr(record, name)!r} is not one of {', '.join(allowed)}")
    for name, allowed in _OPTIONAL_CHOICES.items():
        value = getattr(record, name)
        if value and value not in allowed:
            fail(name, f"{value!r} is not one of {', '.join(allowed)}")
    unknown = [d for d in record.deescalation if d not in Deescalation.values]
    if unknown:
        fail("deescalation", f"unknown {', '.join(unknown)}")
    for name in REPORT_FIELDS:
        value = getattr(record, name)
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            fail(name, "the time has no time zone")
        if name in TEXT_LIMITS and len(str(value or "").strip()) > TEXT_LIMITS[name]:
            fail(name, f"at most {TEXT_LIMITS[name]} characters")
    values = {name: getattr(record, name) for name in REPORT_FIELDS}
    values["disposition"] = disposition
    assert call is not None
    errors = validation.check(values, call[1], complete=True, latest=latest)
    if errors:
        name, message = next(iter(errors.items()))
        fail(name, message)
    for entry in record.persons:
        person = _person_entry(entry)
        if person.person not in known["people"]:
            fail("persons", f"{person.person} is not a person recorded by this agency")
        try:
            _person_details(person)
        except ValidationError as exc:
            fail("persons", " ".join(exc.messages))
    for responder in record.responders:
        if not responder.name.strip():
            fail("responders", "a responder needs a name")
        if responder.role not in ResponderRole.values:
            fail("responders", f"{responder.role!r} is not a responder role")
        trainee = _pk(responder.trainee)
        if trainee is not None and trainee not in known["trainees"]:
            fail("responders", f"roster entry {trainee} is not on this agency's roster")
        user = _pk(responder.user)
        if user is not None and user not in known["users"]:
            fail("responders", f"user {user} does not exist")
        for moment in (responder.arrived_at, responder.cleared_at):
            if moment is not None and moment.tzinfo is None:
                fail("responders", "the time has no time zone")
        problems = validation.responder_time_problems(
            responder.arrived_at, responder.cleared_at, call[1], latest=latest
        )
        if problems:
            name, message = next(iter(problems.items()))
            fail("responders", f"{responder.name}: {name}: {message}")
    author = _pk(record.filed_by)
    if author is not None and author not in known["users"]:
        fail("filed_by", f"user {author} does not exist")


def _person_details(person: PersonRecord) -> dict[str, Any]:
    """The person's details checked as ``services.add_person`` checks them."""
    return validation.person_details(
        person.race_ethnicity, person.housing_status, person.presenting_concerns
    )


def _build(
    record: EncounterRecord,
    organization: Organization,
    call: tuple[int, dt.datetime],
    disposition: Disposition,
) -> Encounter:
    values = {name: getattr(record, name) for name in REPORT_FIELDS}
    values["deescalation"] = list(dict.fromkeys(record.deescalation))
    for name in TEXT_LIMITS:
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
        # When the row was written, so that Measure's refresh finds it.
        updated_at=timezone.now(),
        submitted_at=record.submitted_at or ended,
        accepted_at=record.accepted_at or ended,
        **values,
    )


def _write(
    batch: list[EncounterRecord], encounters: list[Encounter], codes: dict[str, Disposition]
) -> None:
    Encounter.objects.bulk_create(encounters)
    responders: list[EncounterResponder] = []
    links: list[EncounterPerson] = []
    others: list[Any] = []
    Other = Encounter.other_dispositions.through
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
                    arrived_at=r.arrived_at,
                    cleared_at=r.cleared_at,
                )
            )
        seen: set[int] = set()
        for entry in record.persons:
            person = _person_entry(entry)
            if person.person in seen:
                continue
            seen.add(person.person)
            links.append(
                EncounterPerson(
                    encounter=encounter,
                    person_id=person.person,
                    role=person.role,
                    **_person_details(person),
                )
            )
        main = codes[record.disposition].pk
        for pk in dict.fromkeys(codes[code].pk for code in record.other_dispositions):
            if pk != main:
                others.append(Other(encounter_id=encounter.pk, disposition_id=pk))
    EncounterResponder.objects.bulk_create(responders)
    EncounterPerson.objects.bulk_create(links)
    Other.objects.bulk_create(others)


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
    problems: list[RecordProblem] = []
    more = 0
    latest = latest_allowed()
    for batch in _batches(records):
        call_ids = {_pk(r.call) for r in batch}
        calls = {
            pk: (pk, received)
            for pk, received in Call.objects.filter(
                organization=organization, pk__in=call_ids
            ).values_list("pk", "received_at")
        }
        person_ids = {_person_entry(p).person for r in batch for p in r.persons}
        trainee_ids = {_pk(x.trainee) for r in batch for x in r.responders} - {None}
        user_ids = {_pk(x.user) for r in batch for x in r.responders} | {
            _pk(r.filed_by) for r in batch
        }
        known = {
            "people": set(
                Person.objects.filter(organization=organization, pk__in=person_ids).values_list(
                    "pk", flat=True
                )
            ),
            "trainees": set(
                Trainee.objects.filter(organization=organization, pk__in=trainee_ids).values_list(
                    "pk", flat=True
                )
            ),
            # Only the agency's own members can have filed or responded.
            "users": set(
                Membership.objects.filter(
                    organization=organization, user_id__in=user_ids - {None}
                ).values_list("user_id", flat=True)
            ),
        }
        encounters: list[Encounter] = []
        for offset, record in enumerate(batch):
            call = calls.get(_pk(record.call) or 0)
            try:
                _check(record, call, codes, known, latest)
            except _Rejected as rejected:
                if len(problems) < MAX_PROBLEMS:
                    problems.append(
                        RecordProblem(count + offset, rejected.field_name, rejected.message)
                    )
                else:
                    more += 1
                continue
            if not problems:
                assert call is not None
                encounters.append(_build(record, organization, call, codes[record.disposition]))
        count += len(batch)
        if problems:
            # Every record is still checked, so each rejected one is reported; none is written.
            continue
        _write(batch, encounters, codes)
        created_ids.extend(encounter.pk for encounter in encounters)
    if problems:
        raise EncounterRecordError(problems, more)
    audit.record(
        ResponseAudit.ENCOUNTERS_IMPORTED,
        actor=actor,
        organization_id=organization.pk,
        obj=organization,
        purpose=Purpose.ADMINISTRATION,
        after={"count": count, "ids": created_ids},
    )
    return count
