"""Deadline checks of technical-assistance requests: the reminder after 24 hours and the
escalation after 36, sent by the worker (see ``toolkit/tasks.py``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.platform import audit
from pmhc.platform.access import Actor, system_actor
from pmhc.platform.models import Membership, Purpose, Role, User
from pmhc.platform.services import queue_email
from pmhc.platform.timefmt import in_zone
from pmhc.toolkit.audit_codes import ToolkitAudit
from pmhc.toolkit.models import TARequest, TAStatus
from pmhc.toolkit.selectors.assistance import CONFIRM_WITHIN, REMIND_AFTER
from pmhc.toolkit.services.assistance import absolute_link, tta_staff

ADMIN = Purpose.ADMINISTRATION
REMINDER_ACTOR = system_actor("TA request reminders")


@dataclass
class ReminderRun:
    reminded: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)


def _deadline_message(ta_request: TARequest, *, escalation: bool) -> tuple[str, str]:
    deadline = ta_request.received_at + CONFIRM_WITHIN
    values = {
        "ref": ta_request.reference,
        "jurisdiction": ta_request.jurisdiction_name,
        "state": ta_request.state,
        "received": in_zone(ta_request.received_at, ta_request.handled_by.time_zone),
        "deadline": in_zone(deadline, ta_request.handled_by.time_zone),
        "link": absolute_link("", reverse("ta_detail", kwargs={"reference": ta_request.reference})),
    }
    if escalation:
        subject = _("Overdue: assistance request %(ref)s is not confirmed after 36 hours") % values
        body = (
            _(
                "The assistance request %(ref)s from %(jurisdiction)s (%(state)s), received "
                "%(received)s, is still not confirmed. We promise confirmation within 36 hours; "
                "that time ran out at %(deadline)s.\n\n"
                "This message goes to all TTA staff. Please confirm it, or assign it to someone "
                "who can, now:\n%(link)s\n"
            )
            % values
        )
    else:
        subject = _("Reminder: assistance request %(ref)s is waiting for confirmation") % values
        body = (
            _(
                "The assistance request %(ref)s from %(jurisdiction)s (%(state)s), received "
                "%(received)s, is not confirmed yet. We promise confirmation within 36 hours, "
                "so by %(deadline)s.\n\n%(link)s\n"
            )
            % values
        )
    return subject, body


def _administrators(organization_id: int) -> list[str]:
    """Whom to tell when no TTA staff member can be reached: the organization's
    administrators, so that an alert is never sent to nobody."""
    return _addresses(
        [
            m.user
            for m in Membership.objects.filter(
                organization_id=organization_id, role=Role.ADMINISTRATOR, is_active=True
            ).select_related("user")
        ]
    )


def _addresses(users: Sequence[User]) -> list[str]:
    return sorted({u.email for u in users if u.email})


@transaction.atomic
def send_due_reminders(
    actor: Actor = REMINDER_ACTOR, *, now: dt.datetime | None = None
) -> ReminderRun:
    """Remind the assignee of requests unconfirmed after 24 hours and alert all TTA staff of
    those unconfirmed after 36. Safe to run any number of times: each request gets each
    message once (the time it was sent is kept on the request)."""
    if not actor.is_system:
        raise PermissionDenied("Reminders are sent by the system.")
    now = now or timezone.now()
    run = ReminderRun()
    unconfirmed = TARequest.objects.select_for_update(of=("self",)).filter(status=TAStatus.RECEIVED)
    # Escalations first: a request found late gets the alert, not a reminder as well.
    for ta_request in unconfirmed.filter(
        received_at__lte=now - CONFIRM_WITHIN, escalated_at__isnull=True
    ).select_related("handled_by"):
        before = audit.snapshot(ta_request, ["escalated_at"])
        ta_request.escalated_at = now
        ta_request.save(update_fields=["escalated_at"])
        to = _addresses(tta_staff(ta_request.handled_by_id)) or _administrators(
            ta_request.handled_by_id
        )
        audit.record(
            ToolkitAudit.TA_ESCALATED,
            actor=actor,
            organization_id=ta_request.handled_by_id,
            obj=ta_request,
            purpose=ADMIN,
            before=before,
            after={"escalated_at": now, "recipients": len(to)},
        )
        if to:
            subject, body = _deadline_message(ta_request, escalation=True)
            queue_email(
                actor,
                organization=ta_request.handled_by,
                to=to,
                subject=subject,
                body=body,
                purpose="ta_escalated",
            )
        run.escalated.append(ta_request.reference)
    for ta_request in unconfirmed.filter(
        received_at__lte=now - REMIND_AFTER,
        reminder_sent_at__isnull=True,
        escalated_at__isnull=True,
    ).select_related("handled_by", "assigned_to"):
        staff = tta_staff(ta_request.handled_by_id)
        assignee = ta_request.assigned_to
        recipients = [assignee] if assignee and assignee.pk in {u.pk for u in staff} else staff
        to = _addresses(recipients) or _administrators(ta_request.handled_by_id)
        before = audit.snapshot(ta_request, ["reminder_sent_at"])
        ta_request.reminder_sent_at = now
        ta_request.save(update_fields=["reminder_sent_at"])
        audit.record(
            ToolkitAudit.TA_REMINDED,
            actor=actor,
            organization_id=ta_request.handled_by_id,
            obj=ta_request,
            purpose=ADMIN,
            before=before,
            after={
                "reminder_sent_at": now,
                "recipients": len(to),
                "to_assignee": recipients != staff,
            },
        )
        if to:
            subject, body = _deadline_message(ta_request, escalation=False)
            queue_email(
                actor,
                organization=ta_request.handled_by,
                to=to,
                subject=subject,
                body=body,
                purpose="ta_reminder",
            )
        run.reminded.append(ta_request.reference)
    return run
