"""Every decision about who is who, made by a person: link a pair that linkage sent for review,
keep it apart, take a record out of a person, merge two people, undo any of these, and the
organization's linkage settings.

Each is authorized for case management (the roles in ``IDENTITY_KEEPERS``; the settings are
the coordinator's) and audited in its own transaction. Records move between identities only
through ``identity_changes``, which keeps what each record was before so that ``undo`` restores
it exactly.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.people import identity_changes
from pmhc.people.audit_codes import PeopleAudit
from pmhc.people.identity_models import (
    CandidateStatus,
    Identity,
    IdentityChange,
    IdentityChangeKind,
    LinkageSettings,
    MatchCandidate,
)
from pmhc.people.models import Person
from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.models import Organization, Purpose

#: Resolving people is case management: the policy grants it to those who manage cases.
PURPOSE = Purpose.CASE_MANAGEMENT
SETTINGS_FIELDS = ("auto_link_at", "review_from", "utilizer_contacts", "utilizer_days")


def _authorize(actor: Actor, action: Action, obj: Any) -> None:
    decision = decide(actor, action, obj, PURPOSE)
    if not decision:
        raise PermissionDenied(decision.reason)


def _user(actor: Actor) -> Any:
    """The actor's account as a reference for ``made_by`` (no query: only its key is used)."""
    return get_user_model()(pk=actor.user_id) if actor.user_id is not None else None


def _change_snapshot(change: IdentityChange) -> dict[str, Any]:
    return {
        "kind": change.kind,
        "before": change.before,
        "after": change.after,
        "candidate": change.candidate_id,
        "undoes": change.undoes_id,
    }


def _record_change(action: str, actor: Actor, change: IdentityChange) -> None:
    audit.record(
        action,
        actor=actor,
        organization_id=change.organization_id,
        obj=change,
        purpose=PURPOSE,
        after=_change_snapshot(change),
    )


def _pending(actor: Actor, candidate: MatchCandidate) -> MatchCandidate:
    """The pair, locked, still waiting for a decision the actor may make."""
    _authorize(actor, Action.CHANGE, candidate)
    locked = MatchCandidate.objects.select_for_update().get(pk=candidate.pk)
    if locked.status != CandidateStatus.PENDING:
        raise ValidationError(
            _("Someone has already decided about this pair: %(status)s.")
            % {"status": locked.get_status_display()}
        )
    return locked


def _identity_of(organization: Organization, person_pk: int) -> int:
    identity_changes.give_identities(organization, [person_pk])
    identity = Person.objects.filter(pk=person_pk).values_list("identity_id", flat=True).get()
    assert identity is not None
    return int(identity)


def _all_into(organization: Organization, source: int, target: int) -> dict[int, int | None]:
    """Every record of identity ``source`` moved into identity ``target``."""
    pks = Person.objects.filter(organization=organization, identity_id=source).values_list(
        "pk", flat=True
    )
    return dict.fromkeys(pks, target)


def _decided(candidate: MatchCandidate, actor: Actor, status: CandidateStatus) -> None:
    candidate.status = status
    candidate.decided_at = timezone.now()
    candidate.decided_by_id = actor.user_id
    candidate.save(update_fields=["status", "decided_at", "decided_by"])


@transaction.atomic
def link_pair(actor: Actor, *, candidate: MatchCandidate) -> IdentityChange | None:
    """The two records of a pending pair are one person: every record of the right one's
    identity joins the left one's. Returns the change (``None`` when the two already shared
    an identity, as a later link may have made them)."""
    pair = _pending(actor, candidate)
    organization = pair.organization
    left = _identity_of(organization, pair.left_id)
    right = _identity_of(organization, pair.right_id)
    change = None
    if left != right:
        change = identity_changes.move_records(
            organization,
            IdentityChangeKind.LINK,
            _all_into(organization, right, left),
            made_by=_user(actor),
            candidate=pair,
        )
    _decided(pair, actor, CandidateStatus.LINKED)
    if change is not None:
        _record_change(PeopleAudit.IDENTITY_LINKED, actor, change)
    else:
        audit.record(
            PeopleAudit.IDENTITY_LINKED,
            actor=actor,
            organization_id=organization.pk,
            obj=pair,
            purpose=PURPOSE,
            before={"status": CandidateStatus.PENDING.value},
            after={"status": pair.status, "left": pair.left_id, "right": pair.right_id},
        )
    return change


@transaction.atomic
def keep_apart(actor: Actor, *, candidate: MatchCandidate) -> MatchCandidate:
    """The two records of a pending pair are different people; linkage will not ask again."""
    pair = _pending(actor, candidate)
    _decided(pair, actor, CandidateStatus.KEPT_APART)
    audit.record(
        PeopleAudit.PAIR_KEPT_APART,
        actor=actor,
        organization_id=pair.organization_id,
        obj=pair,
        purpose=PURPOSE,
        before={"status": CandidateStatus.PENDING.value},
        after={"status": pair.status, "left": pair.left_id, "right": pair.right_id},
    )
    return pair


@transaction.atomic
def take_out(actor: Actor, *, person: Person) -> IdentityChange:
    """This record is not the person it was linked to: it becomes a person of its own."""
    # Where the record is now, not where the caller last saw it.
    current = (
        Person.objects.select_for_update()
        .filter(pk=person.pk)
        .values_list("identity_id", flat=True)
    )
    identity_pk = current.first()
    if identity_pk is None:
        raise ValidationError(_("This record is not linked to anyone."))
    identity = Identity.objects.select_for_update().get(pk=identity_pk)
    _authorize(actor, Action.CHANGE, identity)
    if Person.objects.filter(identity=identity).count() < 2:
        raise ValidationError(_("This is the person's only record; there is nothing to take out."))
    alone = Identity.objects.create(organization_id=identity.organization_id)
    change = identity_changes.move_records(
        identity.organization,
        IdentityChangeKind.UNLINK,
        {person.pk: alone.pk},
        made_by=_user(actor),
    )
    _record_change(PeopleAudit.RECORD_TAKEN_OUT, actor, change)
    return change


@transaction.atomic
def merge(actor: Actor, *, into: Identity, other: Identity) -> IdentityChange:
    """``other`` is the same person as ``into``: every record of ``other`` joins ``into``."""
    if into.pk == other.pk:
        raise ValidationError({"other": _("Choose another person to merge with this one.")})
    locked = {
        identity.pk: identity
        for identity in Identity.objects.select_for_update().filter(pk__in=[into.pk, other.pk])
    }
    for identity in locked.values():
        _authorize(actor, Action.CHANGE, identity)
    if len(locked) != 2 or into.organization_id != other.organization_id:
        raise ValidationError({"other": _("Both people must be your organization's.")})
    moves = _all_into(into.organization, other.pk, into.pk)
    if not moves:
        raise ValidationError({"other": _("That person has no records left to merge.")})
    change = identity_changes.move_records(
        into.organization, IdentityChangeKind.MERGE, moves, made_by=_user(actor)
    )
    _record_change(PeopleAudit.IDENTITIES_MERGED, actor, change)
    return change


@transaction.atomic
def undo(actor: Actor, *, change: IdentityChange) -> IdentityChange:
    """Put every record ``change`` moved back where it was (an unmerge restores both people
    as they were). Refused when a record has moved again since: that later change is undone
    first. Undoing a link sends its pair back for review; undoing that undo links it again."""
    locked = IdentityChange.objects.select_for_update().get(pk=change.pk)
    _authorize(actor, Action.CHANGE, locked)
    try:
        undone = identity_changes.restore(locked, made_by=_user(actor))
    except ValueError as exc:
        if IdentityChange.objects.filter(undoes=locked).exists():
            raise ValidationError(_("This change has already been undone.")) from exc
        raise ValidationError(
            _("A record has been moved again since this change; undo the later change first.")
        ) from exc
    pair = locked.candidate
    if pair is not None and pair.status != CandidateStatus.KEPT_APART:
        # The pair's status follows where its records are now, however long the chain of
        # undos: linked while they share an identity, waiting for review again when apart.
        now = dict(
            Person.objects.filter(pk__in=[pair.left_id, pair.right_id]).values_list(
                "pk", "identity_id"
            )
        )
        together = now.get(pair.left_id) is not None and now.get(pair.left_id) == now.get(
            pair.right_id
        )
        if together and pair.status != CandidateStatus.LINKED:
            _decided(pair, actor, CandidateStatus.LINKED)
        elif not together and pair.status == CandidateStatus.LINKED:
            pair.status, pair.decided_at, pair.decided_by_id = CandidateStatus.PENDING, None, None
            pair.save(update_fields=["status", "decided_at", "decided_by"])
    _record_change(PeopleAudit.IDENTITY_CHANGE_UNDONE, actor, undone)
    return undone


def settings_of(organization: Organization) -> LinkageSettings:
    """The organization's linkage settings; the defaults until a coordinator changes them."""
    found = LinkageSettings.objects.filter(organization=organization).first()
    return found or LinkageSettings(organization=organization)


@transaction.atomic
def update_settings(
    actor: Actor,
    *,
    organization: Organization,
    auto_link_at: float,
    review_from: float,
    utilizer_contacts: int,
    utilizer_days: int,
) -> LinkageSettings:
    """Change the thresholds (each within its bounds, review below automatic linking) and the
    high-utilizer list's N contacts in M days. The coordinator's."""
    settings, _created = LinkageSettings.objects.select_for_update().get_or_create(
        organization=organization
    )
    _authorize(actor, Action.CHANGE, settings)
    before = audit.snapshot(settings, SETTINGS_FIELDS)
    settings.auto_link_at = auto_link_at
    settings.review_from = review_from
    settings.utilizer_contacts = utilizer_contacts
    settings.utilizer_days = utilizer_days
    errors: dict[str, list[str]] = {}
    try:
        settings.full_clean(exclude=["organization", "model"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    thresholds_valid = "review_from" not in errors and "auto_link_at" not in errors
    if thresholds_valid and settings.review_from > settings.auto_link_at:
        errors["review_from"] = [
            _("Review must start below the likelihood at which pairs are linked at once.")
        ]
    if errors:
        raise ValidationError(errors)
    settings.save(update_fields=list(SETTINGS_FIELDS))
    audit.record(
        PeopleAudit.LINKAGE_SETTINGS_CHANGED,
        actor=actor,
        organization_id=organization.pk,
        obj=settings,
        purpose=PURPOSE,
        before=before,
        after=audit.snapshot(settings, SETTINGS_FIELDS),
    )
    return settings
