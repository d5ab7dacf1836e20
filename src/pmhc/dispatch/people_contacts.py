"""The calls a person's records appear on, as contacts for ``people.contacts`` (the
high-utilizer list): counts by identity and the calls' times, never their content."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils.translation import gettext as _

from pmhc.dispatch.models import CallPerson
from pmhc.people.contacts import COUNT, IDENTITY, Contact


def calls_by_identity(organization_id: int, since: dt.datetime) -> QuerySet[Any, Any]:
    """Each identity of the organization with the calls any of its records was on since
    ``since`` (a call with two records of one person counts once), as a query."""
    return (
        CallPerson.objects.filter(
            call__organization_id=organization_id,
            call__received_at__gte=since,
            person__identity__isnull=False,
        )
        .values(**{IDENTITY: F("person__identity_id")})
        .annotate(**{COUNT: Count("call_id", distinct=True)})
        .values_list(IDENTITY, COUNT)
    )


def calls_of(
    organization_id: int, person_pks: Sequence[int], since: dt.datetime, per_identity: int
) -> list[Contact]:
    """The newest calls of each identity's records, at most ``per_identity`` of each."""
    rows = (
        CallPerson.objects.filter(
            call__organization_id=organization_id,
            person_id__in=list(person_pks),
            call__received_at__gte=since,
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("person__identity_id")],
                order_by=[F("call__received_at").desc(), F("call_id").desc()],
            )
        )
        .filter(rank__lte=per_identity)
        .order_by("-call__received_at", "-call_id")
        .values_list("person_id", "call_id", "call__received_at")
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
