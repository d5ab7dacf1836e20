"""Every write to an encounter report: start, save a draft, add responders and people, submit,
review (accept or return with comments) and amend once accepted.

Who may do what. The author (an officer, clinician or supervisor of the agency who started
the report) changes it while it is a draft or returned; a supervisor of the agency other than
the author reviews it; once accepted it is locked, and a supervisor corrects it only by an
amendment, with a reason. Nobody outside the agency writes. Each change is audited with what
it was before and after; the trail keeps the report's restricted fields, a review's comment and
an amendment's reason only as digests (``platform/audit.py``), so it does not become a second
copy of what it says about the person.

The disposition list and the import of past reports live in ``disposition_services`` and
``import_services``; their public functions are re-exported here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.dispatch.models import Call
from pmhc.people.audit_codes import PeopleAudit
from pmhc.people.models import Person
from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.models import Purpose, User
from pmhc.response import validation
from pmhc.response.audit_codes import ResponseAudit
from pmhc.response.disposition_services import (
    DEFAULT_DISPOSITIONS,
    add_disposition,
    delete_disposition,
    ensure_dispositions,
    move_disposition,
    update_disposition,
)
from pmhc.response.import_services import EncounterRecord, ResponderRecord, import_encounters
from pmhc.response.models import (
    ChargeLevel,
    Deescalation,
    Destination,
    Disposition,
    Encounter,
    EncounterAmendment,
    EncounterPerson,
    EncounterResponder,
    EncounterReview,
    EncounterStatus,
    Force,
    Injury,
    LawOutcome,
    ResponderRole,
    RestraintKind,
    ReviewDecision,
    Transport,
    TransportBy,
    WouldHaveGone,
)
from pmhc.response.selectors import encounter_target, review_target
from pmhc.response.validation import (
    ENCOUNTER_FIELDS,
    OTHER_DISPOSITIONS,
    TEXT_LIMITS,
    report_value,
)
from pmhc.training.selectors import cit_certified_user_ids

__all__ = [
    "DEFAULT_DISPOSITIONS",
    "ENCOUNTER_FIELDS",
    "EncounterRecord",
    "ResponderRecord",
    "add_disposition",
    "add_person",
    "add_responder",
    "amend_encounter",
    "delete_disposition",
    "ensure_dispositions",
    "import_encounters",
    "move_disposition",
    "remove_person",
    "remove_responder",
    "review_encounter",
    "set_responder_times",
    "start_encounter",
    "submit_encounter",
    "update_disposition",
    "update_encounter",
]

ACTIVE_CALL = Purpose.ACTIVE_CALL
ADMIN = Purpose.ADMINISTRATION

EDITABLE = frozenset({EncounterStatus.DRAFT, EncounterStatus.RETURNED})
CHOICES = {
    "highest_force": Force.values,
    "officer_injury": Injury.values,
    "subject_injury": Injury.values,
    "other_injury": Injury.values,
    "transport": Transport.values,
    "law_outcome": LawOutcome.values,
    "charge_level": ChargeLevel.values,
}
#: Choices that may also be left empty.
OPTIONAL_CHOICES = {
    "destination_kind": Destination.values,
    "restraint_kind": RestraintKind.values,
    "ed_otherwise": WouldHaveGone.values,
}


def snapshot(encounter: Encounter, fields: tuple[str, ...] = ENCOUNTER_FIELDS) -> dict[str, Any]:
    """The named fields for before/after. ``audit.record`` keeps the restricted ones (see
    ``Encounter.restricted_fields``) as digests."""
    data = audit.snapshot(encounter, [name for name in fields if name != OTHER_DISPOSITIONS])
    if OTHER_DISPOSITIONS in fields:
        data[OTHER_DISPOSITIONS] = report_value(encounter, OTHER_DISPOSITIONS)
    return data


def _save_other_dispositions(encounter: Encounter) -> None:
    """Save the other dispositions ``_normalise`` put on the report (after the report)."""
    pending = encounter.pending_other_dispositions
    if pending is not None:
        encounter.other_dispositions.set(pending)
        encounter.pending_other_dispositions = None


def _other_dispositions(encounter: Encounter, value: Any) -> list[Disposition] | None:
    """The agency's dispositions named by pk (or given), the report's main one left out;
    ``None`` when one is not the agency's."""
    pks = {int(item.pk if isinstance(item, Disposition) else item) for item in value or []}
    chosen = list(Disposition.objects.filter(pk__in=pks, organization_id=encounter.organization_id))
    if len(chosen) != len(pks):
        return None
    return [d for d in chosen if d.pk != encounter.disposition_id]


def _deny(decision_reason: str) -> PermissionDenied:
    return PermissionDenied(decision_reason)


def _local_today(actor: Actor) -> dt.date:
    return timezone.localdate()


def _lock_author_draft(actor: Actor, encounter: Encounter) -> Encounter:
    """The report, locked for update, if the actor is its author and it may still change."""
    decision = decide(actor, Action.CHANGE, encounter, ACTIVE_CALL)
    if not decision:
        raise _deny(decision.reason)
    encounter = Encounter.objects.select_for_update().select_related("call").get(pk=encounter.pk)
    if actor.user_id is None or encounter.filed_by_id != actor.user_id:
        raise _deny("only the author changes a report before it is accepted")
    if encounter.status == EncounterStatus.ACCEPTED:
        raise _deny("an accepted report is locked: correct it with an amendment")
    if encounter.status not in EDITABLE:
        raise _deny("the report is waiting for review")
    return encounter


def _normalise(encounter: Encounter, fields: dict[str, Any]) -> None:
    """Put the given values on the report, with the simple checks of each field."""
    unknown = set(fields) - set(ENCOUNTER_FIELDS)
    if unknown:
        raise TypeError(f"unknown encounter fields: {', '.join(sorted(unknown))}")
    errors: dict[str, str] = {}
    # The main disposition first: the others leave it out.
    for name, value in sorted(fields.items(), key=lambda item: item[0] != "disposition"):
        if name == "disposition":
            if value is not None and not isinstance(value, Disposition):
                value = Disposition.objects.filter(pk=value).first()
                if value is None:
                    errors[name] = _("Choose a disposition from the list.")
                    continue
            if value is not None and value.organization_id != encounter.organization_id:
                errors[name] = _("Choose a disposition from the list.")
                continue
            encounter.disposition = value
        elif name == OTHER_DISPOSITIONS:
            others = _other_dispositions(encounter, value)
            if others is None:
                errors[name] = _("Choose dispositions from the list.")
                continue
            encounter.pending_other_dispositions = others
        elif name == "deescalation":
            chosen = list(dict.fromkeys(value or []))
            if any(item not in Deescalation.values for item in chosen):
                errors[name] = _("Choose de-escalation from the list.")
                continue
            encounter.deescalation = chosen
        elif name == "transport_by":
            value = value or ""
            if value and value not in TransportBy.values:
                errors[name] = _("Choose who transported the person from the list.")
                continue
            encounter.transport_by = value
        elif name in CHOICES:
            if value not in CHOICES[name]:
                errors[name] = _("Choose one of the options.")
                continue
            setattr(encounter, name, value)
        elif name in OPTIONAL_CHOICES:
            value = value or ""
            if value and value not in OPTIONAL_CHOICES[name]:
                errors[name] = _("Choose one of the options.")
                continue
            setattr(encounter, name, value)
        elif name in TEXT_LIMITS:
            text = str(value or "").strip()
            if len(text) > TEXT_LIMITS[name]:
                errors[name] = _("At most %(n)d characters.") % {"n": TEXT_LIMITS[name]}
                continue
            setattr(encounter, name, text)
        elif name.endswith("_at"):
            if value is not None and not isinstance(value, dt.datetime):
                errors[name] = _("Enter a date and time.")
                continue
            setattr(encounter, name, value)
        else:
            setattr(encounter, name, bool(value))
    if errors:
        raise ValidationError(errors)


def _values(encounter: Encounter) -> dict[str, Any]:
    return {name: report_value(encounter, name) for name in ENCOUNTER_FIELDS}


def _validate(encounter: Encounter, *, complete: bool) -> None:
    errors = validation.check(_values(encounter), encounter.call.received_at, complete=complete)
    if errors:
        raise ValidationError(errors)


def _record(
    action: str,
    actor: Actor,
    encounter: Encounter,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    purpose: str = ACTIVE_CALL,
    detail: str = "",
) -> None:
    audit.record(
        action,
        actor=actor,
        organization_id=encounter.organization_id,
        obj=encounter,
        purpose=purpose,
        before=before,
        after=after,
        detail=detail,
    )


def _responder_role(actor: Actor, organization_id: int) -> str:
    role = actor.role if actor.organization_id == organization_id else None
    return ResponderRole.CLINICIAN if role == "clinician" else ResponderRole.OFFICER


def _responder_line(responder: EncounterResponder) -> str:
    times = [
        f"{label} {moment.isoformat()}"
        for label, moment in (("arrived", responder.arrived_at), ("cleared", responder.cleared_at))
        if moment is not None
    ]
    cit = ", CIT" if responder.cit_certified else ""
    return f"{responder.name} ({responder.role}{cit}{'; ' if times else ''}{', '.join(times)})"


def _responders_snapshot(encounter: Encounter) -> list[str]:
    return [
        _responder_line(r)
        for r in EncounterResponder.objects.filter(encounter=encounter).order_by("pk")
    ]


# --- Starting and saving -------------------------------------------------------------------


@transaction.atomic
def start_encounter(actor: Actor, *, call: Call, **fields: Any) -> Encounter:
    """Start a report on a call, as a draft. The author is its first responder, with their CIT
    certification as Train holds it today."""
    decision = decide(actor, Action.VIEW, call, ACTIVE_CALL)
    if decision:
        decision = decide(actor, Action.CREATE, encounter_target(call.organization), ACTIVE_CALL)
    if not decision or actor.user_id is None:
        raise _deny(decision.reason if not decision else "a report is filed by a person")
    now = timezone.now()
    encounter = Encounter(
        organization_id=call.organization_id,
        call=call,
        filed_by_id=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    _normalise(encounter, fields)
    _validate(encounter, complete=False)
    encounter.save()
    _save_other_dispositions(encounter)
    certified = cit_certified_user_ids(call.organization, [actor.user_id], _local_today(actor))
    EncounterResponder.objects.create(
        encounter=encounter,
        user_id=actor.user_id,
        name=actor.name,
        role=_responder_role(actor, call.organization_id),
        cit_certified=actor.user_id in certified,
    )
    after = snapshot(encounter)
    after["responders"] = _responders_snapshot(encounter)
    after["call"] = call.pk
    _record(ResponseAudit.ENCOUNTER_CREATED, actor, encounter, after=after)
    return encounter


@transaction.atomic
def update_encounter(actor: Actor, *, encounter: Encounter, **fields: Any) -> Encounter:
    """Save the author's changes to a draft or a returned report. Times must be in order and
    an involuntary transport needs its legal basis at every save; the rest is checked when
    the report is submitted."""
    encounter = _lock_author_draft(actor, encounter)
    before = snapshot(encounter)
    _normalise(encounter, fields)
    _validate(encounter, complete=False)
    after = snapshot(encounter)
    if after == before:
        return encounter
    encounter.updated_at = timezone.now()
    encounter.save()
    _save_other_dispositions(encounter)
    changed = sorted(k for k in after if after[k] != before[k])
    _record(
        ResponseAudit.ENCOUNTER_CHANGED,
        actor,
        encounter,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    return encounter


# --- Responders and people -----------------------------------------------------------------


@transaction.atomic
def add_responder(
    actor: Actor,
    *,
    encounter: Encounter,
    user: User | None = None,
    name: str = "",
    role: str = ResponderRole.OFFICER,
    arrived_at: dt.datetime | None = None,
    cleared_at: dt.datetime | None = None,
) -> EncounterResponder:
    """Add a responder: one of the agency's members (their CIT certification is read from
    Train now and kept as it was), or someone named who has no account, with their own
    arrival and clear times when known."""
    encounter = _lock_author_draft(actor, encounter)
    if role not in ResponderRole.values:
        raise ValidationError({"role": _("Choose the responder's role.")})
    problems = validation.responder_time_problems(
        arrived_at, cleared_at, encounter.call.received_at
    )
    if problems:
        raise ValidationError(problems)
    cit = False
    if user is not None:
        if encounter.responders.filter(user=user).exists():
            raise ValidationError({"user": _("This person is already a responder.")})
        name = name.strip() or user.display_name
        certified = cit_certified_user_ids(encounter.organization, [user.pk], _local_today(actor))
        cit = user.pk in certified
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Choose a member or type the responder's name.")})
    if len(name) > 200:
        raise ValidationError({"name": _("At most 200 characters.")})
    before = _responders_snapshot(encounter)
    responder = EncounterResponder.objects.create(
        encounter=encounter,
        user=user,
        name=name,
        role=role,
        cit_certified=cit,
        arrived_at=arrived_at,
        cleared_at=cleared_at,
    )
    _record(
        ResponseAudit.ENCOUNTER_CHANGED,
        actor,
        encounter,
        before={"responders": before},
        after={"responders": _responders_snapshot(encounter)},
    )
    return responder


@transaction.atomic
def set_responder_times(
    actor: Actor,
    *,
    responder: EncounterResponder,
    arrived_at: dt.datetime | None,
    cleared_at: dt.datetime | None,
) -> EncounterResponder:
    """Record when a responder arrived and cleared (officer-hours add these up)."""
    encounter = _lock_author_draft(actor, responder.encounter)
    responder = EncounterResponder.objects.get(pk=responder.pk, encounter=encounter)
    problems = validation.responder_time_problems(
        arrived_at, cleared_at, encounter.call.received_at
    )
    if problems:
        raise ValidationError(problems)
    if (responder.arrived_at, responder.cleared_at) == (arrived_at, cleared_at):
        return responder
    before = _responders_snapshot(encounter)
    responder.arrived_at, responder.cleared_at = arrived_at, cleared_at
    responder.save(update_fields=["arrived_at", "cleared_at"])
    _record(
        ResponseAudit.ENCOUNTER_CHANGED,
        actor,
        encounter,
        before={"responders": before},
        after={"responders": _responders_snapshot(encounter)},
    )
    return responder


@transaction.atomic
def remove_responder(actor: Actor, *, responder: EncounterResponder) -> None:
    encounter = _lock_author_draft(actor, responder.encounter)
    if responder.user_id is not None and responder.user_id == encounter.filed_by_id:
        raise ValidationError(_("The author stays on the report as a responder."))
    before = _responders_snapshot(encounter)
    EncounterResponder.objects.filter(pk=responder.pk, encounter=encounter).delete()
    _record(
        ResponseAudit.ENCOUNTER_CHANGED,
        actor,
        encounter,
        before={"responders": before},
        after={"responders": _responders_snapshot(encounter)},
    )


def _people_snapshot(encounter: Encounter) -> list[str]:
    return [
        f"{person_id} ({role})"
        for person_id, role in EncounterPerson.objects.filter(encounter=encounter)
        .order_by("pk")
        .values_list("person_id", "role")
    ]


@transaction.atomic
def add_person(
    actor: Actor,
    *,
    encounter: Encounter,
    person: Person,
    role: str = "subject",
    race_ethnicity: Any = (),
    housing_status: str = "",
    presenting_concerns: Any = (),
) -> EncounterPerson:
    """Link a person (already recorded, e.g. on the call) to the report, with what the
    responder recorded about them at the encounter (voluntary)."""
    encounter = _lock_author_draft(actor, encounter)
    details = validation.person_details(race_ethnicity, housing_status, presenting_concerns)
    if person.organization_id != encounter.organization_id or not decide(
        actor, Action.VIEW, person, ACTIVE_CALL
    ):
        raise _deny("the person is not the agency's record")
    role = role or "subject"
    if len(role) > 10:
        raise ValidationError({"role": _("Choose how the person was involved.")})
    if EncounterPerson.objects.filter(encounter=encounter, person=person).exists():
        raise ValidationError({"person": _("This person is already on the report.")})
    before = _people_snapshot(encounter)
    link = EncounterPerson.objects.create(encounter=encounter, person=person, role=role, **details)
    _record(
        ResponseAudit.ENCOUNTER_CHANGED,
        actor,
        encounter,
        before={"people": before},
        after={"people": _people_snapshot(encounter)},
    )
    audit.record(
        PeopleAudit.PERSON_LINKED,
        actor=actor,
        organization_id=encounter.organization_id,
        obj=person,
        purpose=ACTIVE_CALL,
        after={"encounter": encounter.pk, "role": role},
    )
    # What was recorded about the person: the trail keeps the values as keyed digests
    # (``EncounterPerson.restricted_fields``), so a change can be proven without showing them.
    audit.record(
        ResponseAudit.ENCOUNTER_CHANGED,
        actor=actor,
        organization_id=encounter.organization_id,
        obj=link,
        purpose=ACTIVE_CALL,
        after=audit.snapshot(link, PERSON_DETAIL_FIELDS),
    )
    return link


PERSON_DETAIL_FIELDS = ("role", "race_ethnicity", "housing_status", "presenting_concerns")


@transaction.atomic
def remove_person(actor: Actor, *, link: EncounterPerson) -> None:
    encounter = _lock_author_draft(actor, link.encounter)
    before = _people_snapshot(encounter)
    EncounterPerson.objects.filter(pk=link.pk, encounter=encounter).delete()
    _record(
        ResponseAudit.ENCOUNTER_CHANGED,
        actor,
        encounter,
        before={"people": before},
        after={"people": _people_snapshot(encounter)},
    )


# --- Submit, review, amend -----------------------------------------------------------------


@transaction.atomic
def submit_encounter(actor: Actor, *, encounter: Encounter) -> Encounter:
    """Send a complete report for review. Every rule applies, with messages by field."""
    encounter = _lock_author_draft(actor, encounter)
    _validate(encounter, complete=True)
    before = {"status": encounter.status}
    encounter.status = EncounterStatus.SUBMITTED
    encounter.submitted_at = timezone.now()
    encounter.updated_at = encounter.submitted_at
    encounter.save(update_fields=["status", "submitted_at", "updated_at"])
    _record(
        ResponseAudit.ENCOUNTER_SUBMITTED,
        actor,
        encounter,
        before=before,
        after={"status": encounter.status},
    )
    return encounter


def _lock_for_supervisor(actor: Actor, encounter: Encounter) -> tuple[Encounter, int]:
    """The report locked for update, and the reviewing supervisor's user id."""
    decision = decide(actor, Action.CHANGE, review_target(encounter.organization_id), ADMIN)
    if not decision:
        raise _deny(decision.reason)
    if actor.user_id is None:
        raise _deny("a report is reviewed and amended by a person")
    locked = Encounter.objects.select_for_update().select_related("call").get(pk=encounter.pk)
    return locked, actor.user_id


@transaction.atomic
def review_encounter(
    actor: Actor, *, encounter: Encounter, accept: bool, comment: str = ""
) -> EncounterReview:
    """Accept a submitted report (it locks) or return it to its author with comments."""
    encounter, reviewer_id = _lock_for_supervisor(actor, encounter)
    if encounter.status != EncounterStatus.SUBMITTED:
        raise _deny("only a report waiting for review can be reviewed")
    if encounter.filed_by_id is not None and encounter.filed_by_id == actor.user_id:
        raise _deny("a report is reviewed by someone other than its author")
    comment = comment.strip()
    if not accept and not comment:
        raise ValidationError({"comment": _("Say what needs to change before you return it.")})
    now = timezone.now()
    before = {"status": encounter.status}
    review = EncounterReview.objects.create(
        encounter=encounter,
        decision=ReviewDecision.ACCEPTED if accept else ReviewDecision.RETURNED,
        comment=comment,
        reviewer_id=reviewer_id,
        reviewed_at=now,
    )
    if accept:
        encounter.status = EncounterStatus.ACCEPTED
        encounter.accepted_at = now
        encounter.accepted_by_id = reviewer_id
    else:
        encounter.status = EncounterStatus.RETURNED
    encounter.updated_at = now
    encounter.save(update_fields=["status", "accepted_at", "accepted_by", "updated_at"])
    _record(
        ResponseAudit.ENCOUNTER_ACCEPTED if accept else ResponseAudit.ENCOUNTER_RETURNED,
        actor,
        encounter,
        before=before,
        after={"status": encounter.status, "comment": comment},
        purpose=ADMIN,
    )
    return review


@transaction.atomic
def amend_encounter(
    actor: Actor, *, encounter: Encounter, changes: dict[str, Any], reason: str
) -> EncounterAmendment:
    """Correct an accepted report: ``changes`` maps field names to new values; a reason is
    required. The report stays accepted; the amendment keeps what changed, from what and
    to what, and the report's history shows it."""
    encounter, amended_by_id = _lock_for_supervisor(actor, encounter)
    if encounter.status != EncounterStatus.ACCEPTED:
        raise _deny("only an accepted report is amended; others are changed by their author")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the report is being corrected.")})
    # The amendment keeps the real values (the page shows a restricted one only to those who
    # may read it); the audit trail keeps digests of them (``audit.record``).
    was = snapshot(encounter)
    _normalise(encounter, dict(changes))
    _validate(encounter, complete=True)
    now_is = snapshot(encounter)
    changed = sorted(k for k in now_is if now_is[k] != was[k])
    if not changed:
        raise ValidationError(_("Nothing was changed."))
    now = timezone.now()
    amendment = EncounterAmendment.objects.create(
        encounter=encounter,
        changes={k: {"from": was[k], "to": now_is[k]} for k in changed},
        reason=reason,
        amended_by_id=amended_by_id,
        amended_at=now,
    )
    encounter.updated_at = now
    encounter.save()
    _save_other_dispositions(encounter)
    _record(
        ResponseAudit.ENCOUNTER_AMENDED,
        actor,
        encounter,
        before={k: was[k] for k in changed},
        # The reason quotes what was corrected: it goes where the trail keeps a digest
        # (``Encounter.audit_classifications``), not in ``detail``, which is shown as it is.
        after={**{k: now_is[k] for k in changed}, "reason": reason},
        purpose=ADMIN,
    )
    return amendment
