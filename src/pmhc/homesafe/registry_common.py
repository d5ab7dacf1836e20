"""What the registry's services share: reference numbers, private links, who is told what,
and how the trail names a family acting through its private link."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from pmhc.homesafe.models import (
    ENROLMENT_REVIEWERS,
    Condition,
    Enrolment,
    HomeSafeProgram,
    ReferenceCounter,
)
from pmhc.platform import audit
from pmhc.platform.access import ANONYMOUS, Action, Actor, Target, decide
from pmhc.platform.models import Classification, Membership, Organization, Purpose

#: The registry is kept (reviewed, changed, enrolled in person) while managing the person's
#: safety: the case-management purpose.
PURPOSE = Purpose.CASE_MANAGEMENT
#: How the trail names someone acting through a private link (no account).
FAMILY = "family (private link)"
#: What the trail keeps of an enrolment: its status and dates in clear, the rest as digests.
AUDITED = (
    "reference",
    "status",
    "enrolled_by",
    "consent_by",
    "full_name",
    "date_of_birth",
    "area",
    "submitted_at",
    "email_confirmed_at",
    "reviewed_at",
    "confirmed_at",
    "confirm_by",
    "reminders_sent",
    "hidden_at",
    "withdrawn_at",
    "purge_after",
)


def next_reference(prefix: str) -> str:
    """The next number for ``prefix`` this year (HS-2026-0001). Call inside the transaction
    that saves it: the counter row stays locked until that transaction ends."""
    year = timezone.now().year
    with transaction.atomic():
        counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(
            prefix=prefix, year=year
        )
        counter.last += 1
        counter.save(update_fields=["last"])
    return f"{prefix}-{year}-{counter.last:04d}"


def new_token() -> tuple[str, str]:
    """A private link's token and the hash that is stored; the token itself is never kept."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(f"pmhc-homesafe:{token}".encode()).hexdigest()


def absolute_link(base_url: str, path: str) -> str:
    base = base_url or str(getattr(settings, "PUBLIC_BASE_URL", "") or "")
    return base.rstrip("/") + path


def registry_target(organization_id: int) -> Target:
    """An enrolment as the policy sees it before it exists."""
    return Target(
        frozenset({organization_id}),
        access_classification=Classification.SAFETY,
        access_write_roles=Enrolment.access_write_roles,
        access_read_roles=Enrolment.access_read_roles,
    )


def authorize(actor: Actor, action: Action, obj: Any, purpose: str = PURPOSE) -> None:
    decision = decide(actor, action, obj, purpose)
    if not decision:
        raise PermissionDenied(decision.reason)


def is_reviewer(actor: Actor, organization_id: int) -> bool:
    return actor.role_in(organization_id) in ENROLMENT_REVIEWERS


def reviewer_emails(organization: Organization) -> list[str]:
    """Where the agency is told of an enrolment to review: its coordinators and supervisors."""
    emails = (
        Membership.objects.filter(
            organization=organization, is_active=True, role__in=ENROLMENT_REVIEWERS
        )
        .exclude(user__email="")
        .order_by("user__email")
        .values_list("user__email", flat=True)
        .distinct()
    )
    return list(emails)


def contact_line(program: HomeSafeProgram | None) -> str:
    """Who a family asks about the registry, in one line for an e-mail."""
    if program is None:
        return ""
    parts = [program.contact_name, program.contact_email, program.contact_phone]
    return ", ".join(part for part in parts if part)


def record(
    action: str,
    actor: Actor | None,
    enrolment: Enrolment,
    *,
    before: Mapping[str, Any] | None = None,
    detail: str = "",
    purpose: str = PURPOSE,
) -> None:
    """One event about ``enrolment``; a family acting by its link is named as such."""
    family = actor is None or not actor.is_authenticated
    audit.record(
        action,
        actor=ANONYMOUS if family else actor,
        actor_name=FAMILY if family else None,
        organization_id=enrolment.organization_id,
        obj=enrolment,
        purpose=purpose,
        before=before,
        after=audit.snapshot(enrolment, AUDITED),
        detail=detail or f"enrolment {enrolment.reference}",
    )


def snapshot(enrolment: Enrolment) -> dict[str, Any]:
    return audit.snapshot(enrolment, AUDITED)


def condition_labels(enrolment: Enrolment) -> list[str]:
    labels = dict(Condition.choices)
    return [str(labels[value]) for value in enrolment.conditions or [] if value in labels]
