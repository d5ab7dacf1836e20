"""Every write to the duty board: the agency's shifts and the teams dispatchers can send.
Coordinators and supervisors make them; each is audited in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pmhc.dispatch import revisions
from pmhc.dispatch.audit_codes import DispatchAudit
from pmhc.dispatch.models import DutyShift, Team, TeamKind
from pmhc.dispatch.selectors import duty_target
from pmhc.dispatch.unit_services import set_team_members
from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.models import Organization, Purpose, User

ADMIN = Purpose.ADMINISTRATION
SHIFT_FIELDS = ("name", "starts_at", "ends_at")
TEAM_FIELDS = (
    "name",
    "kind",
    "provider",
    "contact",
    "days",
    "starts_at",
    "ends_at",
    "is_active",
)


def _authorize(actor: Actor, organization: Organization, action: Action) -> None:
    decision = decide(actor, action, duty_target(organization), ADMIN)
    if not decision:
        raise PermissionDenied(decision.reason)


def _full_clean(instance: Any, errors: dict[str, str]) -> None:
    try:
        instance.full_clean(exclude=["organization"], validate_constraints=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, " ".join(messages))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_shift(
    actor: Actor,
    *,
    organization: Organization,
    name: str,
    starts_at: dt.time,
    ends_at: dt.time,
    shift: DutyShift | None = None,
) -> DutyShift:
    """Add a shift or change one. Its name is the one the roster uses, so CIT officers on it
    are found by that name; it may run past midnight."""
    _authorize(actor, organization, Action.CHANGE if shift else Action.CREATE)
    if shift is not None and shift.organization_id != organization.pk:
        raise PermissionDenied("the shift belongs to another organization")
    before = audit.snapshot(shift, SHIFT_FIELDS) if shift else None
    target = shift or DutyShift(organization=organization)
    target.name = name.strip()
    target.starts_at = starts_at
    target.ends_at = ends_at
    errors: dict[str, str] = {}
    clash = DutyShift.objects.filter(organization=organization, name__iexact=target.name)
    if clash.exclude(pk=target.pk).exists():
        errors["name"] = _("Another shift already has this name.")
    _full_clean(target, errors)
    target.save()
    revisions.changed(organization.pk)
    audit.record(
        DispatchAudit.DUTY_SAVED,
        actor=actor,
        organization_id=organization.pk,
        obj=target,
        purpose=ADMIN,
        before=before,
        after=audit.snapshot(target, SHIFT_FIELDS),
    )
    return target


@transaction.atomic
def delete_shift(actor: Actor, *, shift: DutyShift) -> None:
    organization = shift.organization
    _authorize(actor, organization, Action.DELETE)
    before = audit.snapshot(shift, SHIFT_FIELDS)
    pk = shift.pk
    shift.delete()
    revisions.changed(organization.pk)
    audit.record(
        DispatchAudit.DUTY_SAVED,
        actor=actor,
        organization_id=organization.pk,
        object_type="dispatch.dutyshift",
        object_id=pk,
        purpose=ADMIN,
        before=before,
        after=None,
        detail="deleted",
    )


def _clean_days(days: Iterable[Any], errors: dict[str, str]) -> list[int]:
    cleaned: set[int] = set()
    for day in days:
        try:
            value = int(day)
        except (TypeError, ValueError):
            value = -1
        if not 0 <= value <= 6:
            errors["days"] = _("Days run from 0 (Monday) to 6 (Sunday).")
            continue
        cleaned.add(value)
    if not cleaned and "days" not in errors:
        errors["days"] = _("Choose at least one day.")
    return sorted(cleaned)


@transaction.atomic
def save_team(
    actor: Actor,
    *,
    organization: Organization,
    name: str,
    kind: str,
    days: Iterable[Any],
    starts_at: dt.time,
    ends_at: dt.time,
    provider: str = "",
    contact: str = "",
    is_active: bool = True,
    team: Team | None = None,
    members: Iterable[User] | None = None,
) -> Team:
    """Add a team or change one: its kind, who runs it, the days and hours it is on, and
    (when given) who is on it."""
    _authorize(actor, organization, Action.CHANGE if team else Action.CREATE)
    if team is not None and team.organization_id != organization.pk:
        raise PermissionDenied("the team belongs to another organization")
    before = audit.snapshot(team, TEAM_FIELDS) if team else None
    target = team or Team(organization=organization)
    errors: dict[str, str] = {}
    target.name = name.strip()
    target.kind = kind
    target.provider = provider.strip()
    target.contact = contact.strip()
    target.days = _clean_days(days, errors)
    target.starts_at = starts_at
    target.ends_at = ends_at
    target.is_active = bool(is_active)
    if kind not in TeamKind.values:
        errors["kind"] = _("Choose the kind of team.")
    clash = Team.objects.filter(organization=organization, name__iexact=target.name)
    if clash.exclude(pk=target.pk).exists():
        errors["name"] = _("Another team already has this name.")
    _full_clean(target, errors)
    target.save()
    revisions.changed(organization.pk)
    audit.record(
        DispatchAudit.DUTY_SAVED,
        actor=actor,
        organization_id=organization.pk,
        obj=target,
        purpose=ADMIN,
        before=before,
        after=audit.snapshot(target, TEAM_FIELDS),
    )
    if members is not None:
        chosen = {user.pk for user in members}
        if chosen != set(target.members.values_list("pk", flat=True)):
            set_team_members(actor, team=target, users=members)
    return target
