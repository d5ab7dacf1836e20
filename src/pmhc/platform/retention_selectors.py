"""What the retention schedule keeps and what a purge would remove now: read for the
administrator's page and for ``pmhc purge --dry-run`` (see ``platform/retention.py``).

Counts and references only: a dry run names a record by its reference (a CAD event id, a
request's number, a record's id), never by a name or a text about a person."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Min
from django.utils import timezone

from pmhc.platform import retention
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.models import Organization, Purpose, RetentionSchedule

#: How many records a dry run names per organization and kind.
SAMPLE = 5


@dataclass(frozen=True)
class Schedule:
    """One kind as an organization keeps it."""

    kind: retention.RecordKind
    days: int
    #: True when the organization set it; False when it keeps the registered default.
    chosen: bool

    def cut(self, now: dt.datetime) -> dt.datetime:
        """Records dated before this are past the schedule."""
        return now - dt.timedelta(days=self.days)


@dataclass(frozen=True)
class DueLine:
    """What a purge would remove now of one kind in one organization."""

    organization: Organization
    schedule: Schedule
    cut: dt.datetime
    count: int
    oldest: dt.datetime | dt.date | None
    references: list[str]

    @property
    def kind(self) -> retention.RecordKind:
        return self.schedule.kind


def _require_manage(actor: Actor, organization: Organization) -> None:
    decision = decide(actor, Action.MANAGE, organization, Purpose.ADMINISTRATION)
    if not decision:
        raise PermissionDenied(decision.reason)


def schedules(actor: Actor, organization: Organization) -> list[Schedule]:
    """Every registered kind with the days the organization keeps it (one query)."""
    _require_manage(actor, organization)
    chosen = dict(
        RetentionSchedule.objects.filter(organization=organization).values_list(
            "record_kind", "days"
        )
    )
    return [
        Schedule(kind, chosen.get(kind.key, kind.default_days), kind.key in chosen)
        for kind in retention.kinds()
    ]


def due_line(
    organization: Organization,
    schedule: Schedule,
    now: dt.datetime,
    *,
    sample: int = SAMPLE,
) -> DueLine:
    kind = schedule.kind
    cut = schedule.cut(now)
    due = kind.due(organization.pk, cut)
    count = due.count()
    oldest = due.aggregate(oldest=Min(kind.date_field))["oldest"] if count else None
    rows = list(due.order_by(*kind.ordering())[:sample]) if count and sample else []
    return DueLine(organization, schedule, cut, count, oldest, [kind.reference(r) for r in rows])


def due_lines(
    actor: Actor,
    organizations: Iterable[Organization],
    *,
    now: dt.datetime | None = None,
    sample: int = SAMPLE,
) -> list[DueLine]:
    """What a purge would remove now, per organization and kind, the kinds with nothing due
    included (a page and a dry run say "nothing" rather than leave a kind out)."""
    now = now or timezone.now()
    return [
        due_line(organization, schedule, now, sample=sample)
        for organization in organizations
        for schedule in schedules(actor, organization)
    ]
