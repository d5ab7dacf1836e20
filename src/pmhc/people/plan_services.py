"""Every write of a response plan: a draft saved, sent for approval, approved by a second
person, retired. Each is audited in the same transaction; the plan's content is SAFETY data,
so the trail keeps digests of it, never the text.

Every change is a new version. A plan has at most one version in the making (a draft, or one
waiting for approval); whoever saves it last is its author, so the person who approves it never
approved words they wrote. Approving replaces the version responders see, and the one before
stays in the history as replaced.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.people.audit_codes import PeopleAudit
from pmhc.people.models import Person
from pmhc.people.plan_models import (
    MAX_CONTACTS,
    MAX_STEPS,
    PLAN_READERS,
    PLAN_WRITERS,
    RESPONSE_PLAN_DATA_CLASS,
    PlanStatus,
    ResponsePlan,
    ResponsePlanVersion,
    VersionStatus,
)
from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.models import Classification, Organization, Purpose

#: Plans are written and approved while managing the person's care.
PURPOSE = Purpose.CASE_MANAGEMENT
CONTENT_FIELDS = (
    "safety_concern",
    "behaviors",
    "triggers",
    "de_escalation",
    "contacts",
    "language",
    "communication",
    "review_on",
)
AUDITED = ("number", "status", *CONTENT_FIELDS, "submitted_at", "approved_at")
#: How long a text may be (the safety line is one line; a step or a contact's field is short).
TEXT_MAX = 4000
LINE_MAX = 200
#: The latest a review date may be set: a plan is looked at again within a year.
REVIEW_WITHIN_DAYS = 366


@dataclass(frozen=True)
class PlanTarget:
    """A plan as the policy sees it before it exists."""

    organization_ids: frozenset[int]
    access_person_id: int
    access_classification: str = Classification.SAFETY
    access_write_roles: frozenset[Any] = PLAN_WRITERS
    access_read_roles: frozenset[Any] = PLAN_READERS
    access_consent_class: str = RESPONSE_PLAN_DATA_CLASS

    def access_organization_ids(self) -> frozenset[int]:
        return self.organization_ids


def plan_target(organization: Organization | int, person: Person) -> PlanTarget:
    org_id = organization if isinstance(organization, int) else organization.pk
    return PlanTarget(frozenset({org_id}), person.pk)


@dataclass
class Contact:
    name: str
    relation: str
    reach: str


@dataclass
class PlanContent:
    """What a version says; the form and the demo fill it."""

    review_on: dt.date
    safety_concern: str = ""
    behaviors: str = ""
    triggers: str = ""
    de_escalation: list[str] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    language: str = ""
    communication: str = ""


def _authorize(actor: Actor, action: Action, obj: Any) -> None:
    decision = decide(actor, action, obj, PURPOSE)
    if not decision:
        raise PermissionDenied(decision.reason)


def _one_line(value: str) -> str:
    return " ".join(value.split())


def clean_content(content: PlanContent, *, today: dt.date) -> dict[str, Any]:
    """The version's fields from ``content``, or a ``ValidationError`` naming each problem."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "safety_concern": _one_line(content.safety_concern),
        "behaviors": content.behaviors.strip(),
        "triggers": content.triggers.strip(),
        "language": _one_line(content.language),
        "communication": content.communication.strip(),
        "review_on": content.review_on,
    }
    if len(values["safety_concern"]) > LINE_MAX:
        errors["safety_concern"] = _(
            "Keep the safety concern to one line of %(max)d characters."
        ) % {"max": LINE_MAX}
    if len(values["language"]) > 100:
        errors["language"] = _("Keep the language to 100 characters.")
    for name in ("behaviors", "triggers", "communication"):
        if len(values[name]) > TEXT_MAX:
            errors[name] = _("Keep this to %(max)d characters.") % {"max": TEXT_MAX}
    steps = [_one_line(step) for step in content.de_escalation if _one_line(step)]
    if len(steps) > MAX_STEPS:
        errors["de_escalation"] = _("List at most %(max)d steps.") % {"max": MAX_STEPS}
    elif any(len(step) > LINE_MAX for step in steps):
        errors["de_escalation"] = _("Keep each step to %(max)d characters.") % {"max": LINE_MAX}
    values["de_escalation"] = steps
    contacts = []
    for contact in content.contacts:
        item = {
            "name": _one_line(contact.name),
            "relation": _one_line(contact.relation),
            "reach": _one_line(contact.reach),
        }
        if not any(item.values()):
            continue
        if not item["name"] or not item["reach"]:
            errors["contacts"] = _("Give each contact a name and how to reach them.")
        elif any(len(value) > LINE_MAX for value in item.values()):
            errors["contacts"] = _("Keep each contact's details to %(max)d characters.") % {
                "max": LINE_MAX
            }
        contacts.append(item)
    if len(contacts) > MAX_CONTACTS:
        errors["contacts"] = _("List at most %(max)d contacts.") % {"max": MAX_CONTACTS}
    values["contacts"] = contacts
    review_on = content.review_on
    if not isinstance(review_on, dt.date):
        errors["review_on"] = _("Give the date by which the plan is reviewed.")
    elif review_on <= today:
        errors["review_on"] = _("The review date must be after today.")
    elif review_on > today + dt.timedelta(days=REVIEW_WITHIN_DAYS):
        errors["review_on"] = _("Set a review date within a year.")
    said = ("safety_concern", "behaviors", "triggers", "de_escalation", "contacts")
    if not errors and not any(values[name] for name in said):
        errors["__all__"] = _(
            "Write at least one of: the safety concern, behaviors, triggers, what helps, contacts."
        )
    if errors:
        raise ValidationError(errors)
    return values


def _snapshot(version: ResponsePlanVersion) -> dict[str, Any]:
    return audit.snapshot(version, AUDITED)


def _record(
    action: str,
    actor: Actor,
    version: ResponsePlanVersion,
    *,
    before: Mapping[str, Any] | None = None,
) -> None:
    audit.record(
        action,
        actor=actor,
        organization_id=version.plan.organization_id,
        obj=version,
        purpose=PURPOSE,
        before=before,
        after=_snapshot(version),
        detail=f"response plan {version.plan_id}, version {version.number}",
    )


def _open_version(plan: ResponsePlan) -> ResponsePlanVersion | None:
    return (
        ResponsePlanVersion.objects.select_for_update()
        .filter(plan=plan, status__in=[VersionStatus.DRAFT, VersionStatus.SUBMITTED])
        .first()
    )


@transaction.atomic
def save_draft(actor: Actor, *, person: Person, content: PlanContent) -> ResponsePlanVersion:
    """Save the draft of the acting organization's plan for ``person``: a new plan, a new
    version of an approved one, or the draft in the making (one waiting for approval goes back
    to draft). The actor becomes the version's author."""
    organization_id = actor.organization_id
    if organization_id is None:
        raise PermissionDenied("no acting organization")
    _authorize(actor, Action.CREATE, plan_target(organization_id, person))
    if not decide(actor, Action.VIEW, person, PURPOSE):
        raise PermissionDenied("the person's record is not within reach")
    today = timezone.localdate()
    values = clean_content(content, today=today)
    plan, _created = ResponsePlan.objects.select_for_update().get_or_create(
        organization_id=organization_id, person=person
    )
    if plan.status == PlanStatus.RETIRED:
        raise ValidationError(_("This plan is retired; it can no longer change."))
    version = _open_version(plan)
    before = _snapshot(version) if version is not None else None
    if version is None:
        last = plan.versions.aggregate(n=Max("number"))["n"] or 0
        version = ResponsePlanVersion(plan=plan, number=last + 1)
    for name, value in values.items():
        setattr(version, name, value)
    version.status = VersionStatus.DRAFT
    version.submitted_at = None
    assert actor.user_id is not None  # the policy grants writers only to people
    version.author_id = actor.user_id
    version.author_name = actor.name[:200]
    version.written_at = timezone.now()
    version.save()
    plan.updated_at = timezone.now()
    plan.save(update_fields=["updated_at"])
    _record(PeopleAudit.PLAN_DRAFTED, actor, version, before=before)
    return version


def _locked(version: ResponsePlanVersion) -> ResponsePlanVersion:
    locked = (
        ResponsePlanVersion.objects.select_for_update()
        .select_related("plan")
        .filter(pk=version.pk)
        .first()
    )
    if locked is None:
        raise PermissionDenied("no such version")
    return locked


@transaction.atomic
def submit(actor: Actor, *, version: ResponsePlanVersion) -> ResponsePlanVersion:
    """Send a draft for approval. Sending one already waiting changes nothing."""
    version = _locked(version)
    _authorize(actor, Action.CHANGE, version)
    if version.status == VersionStatus.SUBMITTED:
        return version
    if version.status != VersionStatus.DRAFT:
        raise ValidationError(_("Only a draft can be sent for approval."))
    before = _snapshot(version)
    version.status = VersionStatus.SUBMITTED
    version.submitted_at = timezone.now()
    version.save(update_fields=["status", "submitted_at"])
    _record(PeopleAudit.PLAN_SUBMITTED, actor, version, before=before)
    return version


@transaction.atomic
def approve(actor: Actor, *, version: ResponsePlanVersion) -> ResponsePlanVersion:
    """Approve a version waiting for approval: a second person, never its author. It becomes
    the version responders see; the one before is kept as replaced. Approving it again
    changes nothing."""
    version = _locked(version)
    _authorize(actor, Action.CHANGE, version)
    if version.status == VersionStatus.APPROVED and version.approver_id == actor.user_id:
        return version
    if version.status != VersionStatus.SUBMITTED:
        raise ValidationError(_("Only a version waiting for approval can be approved."))
    if version.author_id == actor.user_id:
        raise ValidationError(_("A second person approves a plan, never its author."))
    today = timezone.localdate()
    if version.review_on <= today:
        raise ValidationError(_("The review date has passed; save a new draft first."))
    plan = ResponsePlan.objects.select_for_update().get(pk=version.plan_id)
    if plan.status == PlanStatus.RETIRED:
        raise ValidationError(_("This plan is retired; it can no longer change."))
    before = _snapshot(version)
    previous = plan.approved_version_id
    if previous is not None:
        ResponsePlanVersion.objects.filter(pk=previous).update(status=VersionStatus.SUPERSEDED)
    version.status = VersionStatus.APPROVED
    version.approver_id = actor.user_id
    version.approver_name = actor.name[:200]
    version.approved_at = timezone.now()
    version.save(update_fields=["status", "approver", "approver_name", "approved_at"])
    plan.approved_version = version
    plan.status = PlanStatus.APPROVED
    plan.updated_at = timezone.now()
    plan.save(update_fields=["approved_version", "status", "updated_at"])
    _record(PeopleAudit.PLAN_APPROVED, actor, version, before=before)
    return version


@transaction.atomic
def retire(actor: Actor, *, plan: ResponsePlan) -> ResponsePlan:
    """Retire a plan: responders no longer see it, and a version in the making is withdrawn.
    Its history stays readable. Retiring it again changes nothing."""
    plan = ResponsePlan.objects.select_for_update().get(pk=plan.pk)
    _authorize(actor, Action.CHANGE, plan)
    if plan.status == PlanStatus.RETIRED:
        return plan
    before = audit.snapshot(plan, ("status", "approved_version"))
    open_version = _open_version(plan)
    if open_version is not None:
        open_version.status = VersionStatus.WITHDRAWN
        open_version.save(update_fields=["status"])
    plan.status = PlanStatus.RETIRED
    plan.updated_at = timezone.now()
    plan.save(update_fields=["status", "updated_at"])
    audit.record(
        PeopleAudit.PLAN_RETIRED,
        actor=actor,
        organization_id=plan.organization_id,
        obj=plan,
        purpose=PURPOSE,
        before=before,
        after=audit.snapshot(plan, ("status", "approved_version")),
        detail=f"response plan {plan.pk}",
    )
    return plan


def contents_of(version: ResponsePlanVersion) -> PlanContent:
    """A version's content, to start the next draft from it."""
    return PlanContent(
        review_on=version.review_on,
        safety_concern=version.safety_concern,
        behaviors=version.behaviors,
        triggers=version.triggers,
        de_escalation=list(version.de_escalation),
        contacts=[Contact(**contact) for contact in _contacts(version.contacts)],
        language=version.language,
        communication=version.communication,
    )


def _contacts(raw: Iterable[Any]) -> list[dict[str, str]]:
    return [
        {key: str(item.get(key, "")) for key in ("name", "relation", "reach")}
        for item in raw
        if isinstance(item, dict)
    ]
