"""The calls a person's records appear on, as contacts for ``people.contacts`` (the
high-utilizer list): counts by identity and the calls' times, never their content."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from pmhc.dispatch.models import CallPerson
from pmhc.people.contacts import Contact


def calls_by_identity(organization_id: int, since: dt.datetime) -> dict[int, int]:
    """Each identity of the organization with the calls any of its records was on since
    ``since`` (a call with two records of one person counts once)."""
    rows = (
        CallPerson.objects.filter(
            call__organization_id=organization_id,
            call__received_at__gte=since,
            person__identity__isnull=False,
        )
        .values("person__identity_id")
        .annotate(n=Count("call_id", distinct=True))
        .values_list("person__identity_id", "n")
    )
    return {int(identity): int(n) for identity, n in rows}


def calls_of(
    organization_id: int, person_pks: Sequence[int], since: dt.datetime, limit: int
) -> list[Contact]:
    rows = (
        CallPerson.objects.filter(
            call__organization_id=organization_id,
            person_id__in=list(person_pks),
            call__received_at__gte=since,
        )
        .order_by("-call__received_at", "-call_id")
        .values_list("person_id", "call_id", "call__received_at")[:limit]
    )
    return [
        Contact(
            person_id=person,
            at=received,
            kind=_("Call"),
            url=reverse("dispatch_call", args=[call]),
        )
        for person, call, received in rows
    ]
