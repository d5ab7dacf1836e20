"""How long dispatch keeps calls (``platform/retention.py``). A call past the schedule is
de-identified, not deleted: its times, codes, district and routing stay for the program's
measures; what it said about people (the narrative, the protocol's answers and reasons, the
address and its coordinates, why it was closed or routed otherwise) is blanked. Its links to
people (who was in the call, and as what: no words of theirs) stay: they date each person's last
contact, which the people schedule is measured from, and go when that person is de-identified
(``people/retention.py``). Removing them here would make the real run de-identify people that
the dry run kept."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmhc.dispatch.models import Call
from pmhc.platform import retention

CALLS = "dispatch.call"

#: The call's fields that speak of people, and what each becomes.
BLANKED: dict[str, Any] = {
    "narrative": "",
    "answers": {},
    "reasons": [],
    "close_reason": "",
    "decision_reason": "",
    "address": "",
    "latitude": None,
    "longitude": None,
}


def due_calls(organization_id: int, cut: dt.datetime) -> QuerySet[Call]:
    return Call.objects.filter(
        organization_id=organization_id, received_at__lt=cut, deidentified_at__isnull=True
    )


def deidentify_calls(pks: Sequence[Any]) -> int:
    now = timezone.now()
    return Call.objects.filter(pk__in=pks, deidentified_at__isnull=True).update(
        deidentified_at=now, updated_at=now, **BLANKED
    )


def register() -> None:
    retention.register(
        retention.RecordKind(
            key=CALLS,
            label=_("Calls for service"),
            measured_from=_("when the call was received"),
            minimum_days=180,
            maximum_days=3650,
            default_days=2555,
            action=retention.PurgeAction.DEIDENTIFY,
            due=due_calls,
            purge=deidentify_calls,
            date_field="received_at",
            reference=lambda call: f"call {call.cad_event_id}",
            order=50,
        )
    )
