"""The audit trail as a kind of record under the retention schedule (``retention.py``).

An organization's chain loses its oldest events past the schedule; ``audit.remove_oldest``
leaves a sealed anchor where the chain now starts, so ``pmhc audit verify`` still proves that
nothing after it was changed or removed. The least is a year: the CJIS Security Policy
(section 5.4) has audit records kept at least one year. Events of no organization (the
platform chain) are kept whole."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Max, QuerySet
from django.utils.translation import gettext_lazy as _

from pmhc.platform import audit, retention
from pmhc.platform.models import AuditEvent

AUDIT_TRAIL = "platform.audit_event"


def due_events(organization_id: int, cut: dt.datetime) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(chain=organization_id, occurred_at__lt=cut)


def remove_events(pks: Sequence[Any]) -> int:
    """The batch's events and every older one of their chain: a chain only loses its start."""
    removed = 0
    rows = AuditEvent.objects.filter(pk__in=pks).values("chain").annotate(last=Max("sequence"))
    for row in rows:
        removed += audit.remove_oldest(row["chain"], through_sequence=row["last"])
    return removed


def register() -> None:
    retention.register(
        retention.RecordKind(
            key=AUDIT_TRAIL,
            label=_("Audit trail"),
            measured_from=_("when the event was recorded"),
            minimum_days=365,
            maximum_days=3650,
            default_days=2555,
            action=retention.PurgeAction.DELETE,
            due=due_events,
            purge=remove_events,
            date_field="occurred_at",
            reference=lambda event: f"event #{event.sequence}",
            bound_source=_(
                "the CJIS Security Policy, section 5.4: audit records are kept at least a year"
            ),
            order=0,
            # (chain, sequence) is unique, so indexed; sequence runs with the time recorded.
            batch_order=("sequence",),
        )
    )
