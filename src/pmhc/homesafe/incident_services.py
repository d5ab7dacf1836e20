"""Every write of a missing-person incident: opening it from an enrolment, recording a
sighting, and recording the outcome (found, or closed without being found). The family contact
is told by e-mail when the search opens and when the person is found.

An incident belongs to the organization that searches (the acting organization of whoever
opens it); the enrolment it searches for may be a partner's, read under an agreement in force.
Its call-takers, officers and supervisors (``INCIDENT_WRITERS``) write it, for an active call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.homesafe.audit_codes import HomeSafeAudit
from pmhc.homesafe.models import (
    INCIDENT_WRITERS,
    SAFETY,
    Enrolment,
    EnrolmentStatus,
    FoundCondition,
    HomeSafeProgram,
    IncidentStatus,
    MissingIncident,
    Sighting,
)
from pmhc.homesafe.registry_common import next_reference
from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, Target, decide
from pmhc.platform.models import Organization, Purpose
from pmhc.platform.services import queue_email

PURPOSE = Purpose.ACTIVE_CALL
PREFIX = "MP"
#: What the trail keeps of an incident (its safety values as digests; see ``audit``).
INCIDENT_FIELDS = (
    "reference",
    "status",
    "reported_at",
    "reported_by",
    "last_seen_at",
    "last_seen_place",
    "clothing",
    "call_number",
)
OUTCOME_FIELDS = ("status", "found_at", "found_place", "condition", "closed_at", "outcome_note")
#: A person found in one of these conditions is "safe" in the family's message.
SAFE = frozenset({FoundCondition.UNHARMED, FoundCondition.MINOR})


def incident_target(organization_id: int) -> Target:
    """An organization's incidents as the policy sees them, before one exists."""
    return Target(
        organization_ids=frozenset({organization_id}),
        access_classification=SAFETY,
        access_write_roles=INCIDENT_WRITERS,
    )


def may_open(actor: Actor) -> bool:
    org = actor.organization_id
    return org is not None and bool(decide(actor, Action.CREATE, incident_target(org), PURPOSE))


def _require(allowed: object) -> None:
    if not allowed:
        raise PermissionDenied(_("You may not do this."))


def _user_id(actor: Actor) -> int:
    """Incidents are written by people, never by a key or the system: who wrote is kept."""
    if actor.user_id is None:
        raise PermissionDenied(_("You may not do this."))
    return actor.user_id


class AlreadyOpen(Exception):
    """A search is already open for this person (a second click, or another officer)."""

    def __init__(self, incident: MissingIncident) -> None:
        super().__init__(incident.reference)
        self.incident = incident


class AlreadyClosed(Exception):
    """The search ended before this write arrived: who closed it and when are on ``incident``."""

    def __init__(self, incident: MissingIncident) -> None:
        super().__init__(incident.reference)
        self.incident = incident


def _record_in_both_trails(
    action: str, *, actor: Actor, incident: MissingIncident, holder_id: int | None, **values: Any
) -> None:
    """Write ``action`` in the trail of the incident's organization and, when another
    organization holds the enrolment, in the holder's trail too."""
    audit.record(
        action, actor=actor, organization_id=incident.organization_id, obj=incident, **values
    )
    if holder_id is not None and holder_id != incident.organization_id:
        audit.record(action, actor=actor, organization_id=holder_id, obj=incident, **values)


def _check_times(errors: dict[str, str], now: dt.datetime, **times: dt.datetime | None) -> None:
    for name, value in times.items():
        if value is not None and value > now + dt.timedelta(minutes=5):
            errors[name] = _("This time is in the future.")


def _snapshot(incident: MissingIncident, fields: tuple[str, ...]) -> dict[str, Any]:
    return audit.snapshot(incident, fields)


@transaction.atomic
def open_incident(
    actor: Actor,
    *,
    enrolment: Enrolment,
    reported_at: dt.datetime,
    reported_by: str = "",
    last_seen_at: dt.datetime | None = None,
    last_seen_place: str = "",
    clothing: str = "",
    call_number: str = "",
) -> MissingIncident:
    """Open a search for the person of ``enrolment``, in the actor's organization, and tell
    the family contact. When a search for them is open already, raise ``AlreadyOpen``."""
    org = actor.organization_id
    _require(org is not None and decide(actor, Action.CREATE, incident_target(org), PURPOSE))
    _require(decide(actor, Action.VIEW, enrolment, PURPOSE))
    now = timezone.now()
    errors: dict[str, str] = {}
    _check_times(errors, now, reported_at=reported_at, last_seen_at=last_seen_at)
    if last_seen_at is not None and last_seen_at > reported_at:
        errors.setdefault("last_seen_at", _("Last seen comes before the report."))
    if errors:
        raise ValidationError(errors)
    # Re-read under a lock: an enrolment withdrawn a moment ago is no longer searched for.
    current = Enrolment.objects.select_for_update().filter(pk=enrolment.pk).first()
    if current is None or current.status != EnrolmentStatus.ACTIVE:
        raise ValidationError(_("This person is no longer in the registry."))
    already = MissingIncident.objects.filter(enrolment=current, status=IncidentStatus.OPEN).first()
    if already is not None:
        raise AlreadyOpen(already)
    assert org is not None
    incident = MissingIncident.objects.create(
        organization_id=org,
        reference=next_reference(PREFIX),
        enrolment=current,
        call_number=call_number,
        reported_at=reported_at,
        reported_by=reported_by,
        last_seen_at=last_seen_at,
        last_seen_place=last_seen_place,
        clothing=clothing,
        opened_by_id=_user_id(actor),
        updated_at=now,
    )
    _record_in_both_trails(
        HomeSafeAudit.INCIDENT_OPENED,
        actor=actor,
        incident=incident,
        holder_id=current.organization_id,
        purpose=PURPOSE,
        after=_snapshot(incident, INCIDENT_FIELDS),
    )
    _notify_family(actor, incident=incident, enrolment=current, found=False)
    return incident


def _locked_open(actor: Actor, incident: MissingIncident) -> MissingIncident:
    """The incident, locked, after checking again that the actor may still change it and that
    it is still open."""
    current = MissingIncident.objects.select_for_update().get(pk=incident.pk)
    _require(decide(actor, Action.CHANGE, current, PURPOSE))
    if current.status != IncidentStatus.OPEN:
        raise AlreadyClosed(current)
    return current


@transaction.atomic
def record_sighting(
    actor: Actor,
    *,
    incident: MissingIncident,
    seen_at: dt.datetime,
    place: str,
    note: str = "",
) -> Sighting:
    current = _locked_open(actor, incident)
    errors: dict[str, str] = {}
    _check_times(errors, timezone.now(), seen_at=seen_at)
    if not place.strip():
        errors["place"] = _("Say where the person was seen.")
    if errors:
        raise ValidationError(errors)
    sighting = Sighting.objects.create(
        incident=current, seen_at=seen_at, place=place, note=note, recorded_by_id=_user_id(actor)
    )
    current.updated_at = timezone.now()
    current.save(update_fields=["updated_at"])
    audit.record(
        HomeSafeAudit.SIGHTING_RECORDED,
        actor=actor,
        organization_id=current.organization_id,
        obj=sighting,
        purpose=PURPOSE,
        after={"incident": current.pk, **audit.snapshot(sighting, ("seen_at", "place", "note"))},
    )
    return sighting


@transaction.atomic
def record_found(
    actor: Actor,
    *,
    incident: MissingIncident,
    found_at: dt.datetime,
    found_place: str,
    condition: str,
    outcome_note: str = "",
) -> MissingIncident:
    """The person is found: when, where and in what condition. The minutes from the report to
    being found are kept for Measure; the family contact is told."""
    current = _locked_open(actor, incident)
    now = timezone.now()
    errors: dict[str, str] = {}
    _check_times(errors, now, found_at=found_at)
    if found_at < current.reported_at:
        errors.setdefault("found_at", _("Found comes after the report."))
    if condition not in FoundCondition.values:
        errors["condition"] = _("Choose the condition the person was found in.")
    if not found_place.strip():
        errors["found_place"] = _("Say where the person was found.")
    if errors:
        raise ValidationError(errors)
    before = _snapshot(current, OUTCOME_FIELDS)
    current.status = IncidentStatus.FOUND
    current.found_at = found_at
    current.found_place = found_place
    current.condition = condition
    current.outcome_note = outcome_note
    current.closed_at = now
    current.closed_by_id = _user_id(actor)
    current.updated_at = now
    current.save()
    audit.record(
        HomeSafeAudit.INCIDENT_CLOSED,
        actor=actor,
        organization_id=current.organization_id,
        obj=current,
        purpose=PURPOSE,
        before=before,
        after={
            **_snapshot(current, OUTCOME_FIELDS),
            "minutes_to_found": current.minutes_to_found,
        },
    )
    enrolment = current.enrolment
    # A death is told to the family in person, never by e-mail.
    if enrolment is not None and condition != FoundCondition.DECEASED:
        _notify_family(actor, incident=current, enrolment=enrolment, found=True)
    return current


@transaction.atomic
def close_without_finding(
    actor: Actor, *, incident: MissingIncident, outcome_note: str
) -> MissingIncident:
    """End the search without the person being found (say why)."""
    current = _locked_open(actor, incident)
    if not outcome_note.strip():
        raise ValidationError({"outcome_note": _("Say why the search ends.")})
    now = timezone.now()
    before = _snapshot(current, OUTCOME_FIELDS)
    current.status = IncidentStatus.CLOSED
    current.outcome_note = outcome_note
    current.closed_at = now
    current.closed_by_id = _user_id(actor)
    current.updated_at = now
    current.save()
    audit.record(
        HomeSafeAudit.INCIDENT_CLOSED,
        actor=actor,
        organization_id=current.organization_id,
        obj=current,
        purpose=PURPOSE,
        before=before,
        after=_snapshot(current, OUTCOME_FIELDS),
    )
    return current


# --- The family contact --------------------------------------------------------------------


def family_addresses(enrolment: Enrolment) -> list[str]:
    """Who hears about a search: the caregivers who asked to (with an e-mail address) and
    whoever enrolled the person, each address once."""
    found: dict[str, str] = {}
    for caregiver in enrolment.caregivers.order_by("position", "pk"):
        if caregiver.notify and caregiver.email:
            found.setdefault(caregiver.email.lower(), caregiver.email)
    if enrolment.submitter_email:
        found.setdefault(enrolment.submitter_email.lower(), enrolment.submitter_email)
    return list(found.values())


def _program_phone(organization_id: int) -> str:
    program = HomeSafeProgram.objects.filter(organization_id=organization_id).first()
    return program.contact_phone if program is not None else ""


def family_message(
    *, organization: Organization, name: str, phone: str, found: bool, safe: bool
) -> Mapping[str, str]:
    """The e-mail, in plain words: that a search opened or that the person was found, and a
    phone to call; no more detail than that. The subject names no one: the organization's
    administrators see the subjects of the e-mail sent on its behalf."""
    call = (
        _("To ask about it, call %(org)s on %(phone)s.")
        % {"org": organization.name, "phone": phone}
        if phone
        else _("To ask about it, call %(org)s.") % {"org": organization.name}
    )
    if not found:
        subject = _("Home Safe: a missing-person search has started")
        body = _(
            "%(org)s has been told that %(name)s is missing and is searching for them now.\n\n"
            "If you see %(name)s, call 911.\n%(call)s\n"
        ) % {"org": organization.name, "name": name, "call": call}
    else:
        subject = _("Home Safe: the person searched for is found")
        state = (
            _("%(name)s has been found and is safe.")
            if safe
            else _("%(name)s has been found and taken to hospital.")
        ) % {"name": name}
        body = f"{state}\n\n{call}\n"
    return {"subject": subject, "body": body}


def _notify_family(
    actor: Actor, *, incident: MissingIncident, enrolment: Enrolment, found: bool
) -> None:
    addresses = family_addresses(enrolment)
    if not addresses:
        return
    organization = Organization.objects.get(pk=incident.organization_id)
    message = family_message(
        organization=organization,
        name=enrolment.preferred_name or enrolment.full_name,
        phone=_program_phone(incident.organization_id),
        found=found,
        safe=incident.condition in SAFE,
    )
    # One message each: the family's addresses are not shown to one another.
    for address in addresses:
        queue_email(
            actor,
            to=[address],
            subject=message["subject"],
            body=message["body"],
            purpose="homesafe_family",
            organization=organization,
        )
    incident.family_notified_at = timezone.now()
    incident.save(update_fields=["family_notified_at"])
    _record_in_both_trails(
        HomeSafeAudit.FAMILY_NOTIFIED,
        actor=actor,
        incident=incident,
        holder_id=enrolment.organization_id,
        purpose=PURPOSE,
        after={
            "family_notified_at": incident.family_notified_at,
            "status": incident.status,
            "count": len(addresses),
        },
    )
