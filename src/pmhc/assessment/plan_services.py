"""Every write to a program's action plan: actions made from the assessment's gaps, their
progress, and the daily flag of overdue actions to the program's coordinators."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.assessment import instrument as instrument_module
from pmhc.assessment.audit_codes import AssessmentAudit
from pmhc.assessment.models import (
    OPEN_ACTION_STATUSES,
    ActionStatus,
    Assessment,
    PlanAction,
)
from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, Target, decide, system_actor
from pmhc.platform.models import Membership, Organization, Purpose, Role
from pmhc.platform.services import queue_email

ADMIN = Purpose.ADMINISTRATION
FIELDS = ("element", "item_key", "title", "detail", "owner", "due_on", "status", "completed_on")
OVERDUE_ACTOR = system_actor("action plan reminders")


def _require(decision: object) -> None:
    if not decision:
        raise PermissionDenied(getattr(decision, "reason", ""))


def _check(
    *, element: int, title: str, owner: str, due_on: dt.date | None, status: str
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not 1 <= element <= 10:
        errors["element"] = _("Choose one of the ten essential elements.")
    if not title.strip():
        errors["title"] = _("Say what will be done.")
    if not owner.strip():
        errors["owner"] = _("Name who will see it through.")
    if due_on is None:
        errors["due_on"] = _("Give a due date.")
    if status not in ActionStatus.values:
        errors["status"] = _("Choose a status.")
    return errors


def _schedule_overdue_check(action: PlanAction) -> None:
    """Put a check on the queue for the morning after the due date; running it early, late or
    twice is harmless (see ``flag_overdue_actions``)."""
    from pmhc.assessment.tasks import flag_overdue_actions_task

    due_day_after = dt.datetime.combine(
        action.due_on + dt.timedelta(days=1), dt.time(6), tzinfo=dt.UTC
    )
    when = max(due_day_after, timezone.now())
    transaction.on_commit(lambda: flag_overdue_actions_task.using(run_after=when).enqueue())


@transaction.atomic
def create_action(
    actor: Actor,
    *,
    organization: Organization,
    element: int,
    title: str,
    owner: str,
    due_on: dt.date | None,
    detail: str = "",
    assessment: Assessment | None = None,
    item_key: str = "",
) -> PlanAction:
    target = Target(
        organization_ids=frozenset({organization.pk}),
        access_write_roles=PlanAction.access_write_roles,
    )
    _require(decide(actor, Action.CREATE, target, ADMIN))
    errors = _check(
        element=element, title=title, owner=owner, due_on=due_on, status=ActionStatus.PLANNED
    )
    if assessment is not None and assessment.organization_id != organization.pk:
        raise PermissionDenied(_("That assessment belongs to another program."))
    if item_key:
        known = (
            instrument_module.read(assessment.instrument.content).items_by_key()
            if assessment is not None
            else {}
        )
        item = known.get(item_key)
        if item is None or item.element != element:
            errors["item_key"] = _("That item is not part of this element of the assessment.")
    if errors:
        raise ValidationError(errors)
    assert due_on is not None
    action = PlanAction.objects.create(
        organization=organization,
        assessment=assessment,
        element=element,
        item_key=item_key,
        title=title.strip(),
        detail=detail.strip(),
        owner=owner.strip(),
        due_on=due_on,
        created_by_id=actor.user_id,
    )
    audit.record(
        AssessmentAudit.ACTION_CREATED,
        actor=actor,
        organization_id=organization.pk,
        obj=action,
        purpose=ADMIN,
        after=audit.snapshot(action, FIELDS),
    )
    _schedule_overdue_check(action)
    return action


@transaction.atomic
def update_action(
    actor: Actor,
    *,
    action: PlanAction,
    title: str,
    owner: str,
    due_on: dt.date | None,
    status: str,
    detail: str = "",
) -> PlanAction:
    action = PlanAction.objects.select_for_update().get(pk=action.pk)
    _require(decide(actor, Action.CHANGE, action, ADMIN))
    errors = _check(element=action.element, title=title, owner=owner, due_on=due_on, status=status)
    if errors:
        raise ValidationError(errors)
    assert due_on is not None
    before = audit.snapshot(action, FIELDS)
    today = action.organization.today()
    if status == ActionStatus.DONE and action.status != ActionStatus.DONE:
        action.completed_on = today
    elif status != ActionStatus.DONE:
        action.completed_on = None
    if due_on != action.due_on:
        action.overdue_flagged_on = None
    action.title, action.owner, action.due_on = title.strip(), owner.strip(), due_on
    action.status, action.detail = status, detail.strip()
    action.updated_at = timezone.now()
    action.save()
    after = audit.snapshot(action, FIELDS)
    if after != before:
        audit.record(
            AssessmentAudit.ACTION_CHANGED,
            actor=actor,
            organization_id=action.organization_id,
            obj=action,
            purpose=ADMIN,
            before=before,
            after=after,
        )
    if action.is_open:
        _schedule_overdue_check(action)
    return action


def coordinators(organization_id: int) -> list[str]:
    """The e-mail addresses of a program's active coordinators."""
    return sorted(
        Membership.objects.filter(
            organization_id=organization_id,
            role=Role.COORDINATOR,
            is_active=True,
            user__is_active=True,
        )
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


@dataclass
class OverdueRun:
    flagged: dict[str, list[int]] = field(default_factory=dict)


@transaction.atomic
def flag_overdue_actions() -> OverdueRun:
    """Tell each program's coordinators, once per local day, which of its open actions are
    past their due date, and mark them flagged. Run by the worker; safe to run any time."""
    run = OverdueRun()
    candidates = (
        PlanAction.objects.select_for_update()
        .filter(status__in=OPEN_ACTION_STATUSES, due_on__lt=timezone.localdate() + dt.timedelta(1))
        .select_related("organization")
        .order_by("organization_id", "due_on", "pk")
    )
    by_org: dict[int, list[PlanAction]] = {}
    for action in candidates:
        today = action.organization.today()
        if action.due_on < today and action.overdue_flagged_on != today:
            by_org.setdefault(action.organization_id, []).append(action)
    base = str(getattr(settings, "PUBLIC_BASE_URL", "")).rstrip("/")
    for organization_id, actions in by_org.items():
        organization = actions[0].organization
        today = organization.today()
        for action in actions:
            action.overdue_flagged_on = today
        PlanAction.objects.bulk_update(actions, ["overdue_flagged_on"])
        audit.record(
            AssessmentAudit.ACTION_OVERDUE,
            actor=OVERDUE_ACTOR,
            organization_id=organization_id,
            object_type="assessment.planaction",
            object_id=",".join(str(a.pk) for a in actions)[:150],
            purpose=ADMIN,
            after={"overdue": [a.pk for a in actions]},
        )
        run.flagged[organization.slug] = [a.pk for a in actions]
        recipients = coordinators(organization_id)
        if not recipients:
            continue
        lines = "\n".join(
            _("- %(title)s (element %(element)d), owner %(owner)s, due %(due)s")
            % {"title": a.title, "element": a.element, "owner": a.owner, "due": a.due_on}
            for a in actions
        )
        queue_email(
            OVERDUE_ACTOR,
            to=recipients,
            organization=organization,
            purpose="assessment.overdue",
            subject=_("%(count)d overdue action(s) in the %(program)s action plan")
            % {"count": len(actions), "program": organization.name},
            body=_(
                "These actions of the program's plan are past their due date and still open:\n\n"
                "%(lines)s\n\nUpdate them, or move their dates, in the action plan: %(link)s\n"
            )
            % {"lines": lines, "link": base + reverse("assess_plan")},
        )
    return run
