"""Adding the facts' monthly partitions (``partitions.py``), audited. Run by ``pmhc
partitions`` and by the worker when it starts; an operation of the system, not of a user."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.http import Http404

from pmhc.evaluation import partitions
from pmhc.evaluation.audit_codes import EvaluationAudit
from pmhc.platform import audit
from pmhc.platform.access import NOT_FOUND, Actor, system_actor


@transaction.atomic
def add_partitions(
    *,
    actor: Actor,
    months_ahead: int = 3,
    since: dt.date | None = None,
    today: dt.date | None = None,
) -> partitions.Added:
    """Add the missing monthly partitions (see ``partitions.ensure_partitions``); one audit
    event naming them when any was added."""
    if not actor.is_system:
        raise Http404(NOT_FOUND)
    added = partitions.ensure_partitions(months_ahead=months_ahead, since=since, today=today)
    if added.months:
        names = ", ".join(f"{m:%Y-%m}" for m in added.months)
        audit.record(
            EvaluationAudit.PARTITIONS_ADDED,
            actor=actor,
            object_type="evaluation.callfact",
            after={"count": len(added.months)},
            detail=f"monthly partitions added: {names}; rows moved out of the default "
            f"partition: {added.moved}"[:500],
        )
    return added


def worker_start() -> str:
    """The worker's start: the next three months' partitions; a line for its log."""
    added = add_partitions(actor=system_actor("pmhc worker"))
    if not added.months:
        return ""
    return f"Added {len(added.months)} monthly partitions of the facts"
