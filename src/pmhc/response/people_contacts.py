"""The encounters and contact notes of a person's records, as contacts for
``people.contacts`` (the high-utilizer list): counts by identity and their times, never their
content. An encounter is dated by its call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils.translation import gettext as _

from pmhc.people.contacts import COUNT, IDENTITY, Contact
from pmhc.response.models import ContactNote, EncounterPerson


def encounters_by_identity(organization_id: int, since: dt.datetime) -> QuerySet[Any, Any]:
    return (
        EncounterPerson.objects.filter(
            encounter__organization_id=organization_id,
            encounter__call__received_at__gte=since,
            person__identity__isnull=False,
        )
        .values(**{IDENTITY: F("person__identity_id")})
        .annotate(**{COUNT: Count("encounter_id", distinct=True)})
        .values_list(IDENTITY, COUNT)
    )


def encounters_of(
    organization_id: int, person_pks: Sequence[int], since: dt.datetime, per_identity: int
) -> list[Contact]:
    rows = (
        EncounterPerson.objects.filter(
            encounter__organization_id=organization_id,
            person_id__in=list(person_pks),
            encounter__call__received_at__gte=since,
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("person__identity_id")],
                order_by=[F("encounter__call__received_at").desc(), F("encounter_id").desc()],
            )
        )
        .filter(rank__lte=per_identity)
        .order_by("-encounter__call__received_at", "-encounter_id")
        .values_list("person_id", "encounter_id", "encounter__call__received_at")
    )
    return [
        Contact(
            person_id=person,
            at=at,
            kind=_("Encounter"),
            url=reverse("response_encounter", args=[encounter]),
        )
        for person, encounter, at in rows
    ]


def notes_by_identity(organization_id: int, since: dt.datetime) -> QuerySet[Any, Any]:
    return (
        ContactNote.objects.filter(
            organization_id=organization_id,
            created_at__gte=since,
            person__identity__isnull=False,
        )
        .values(**{IDENTITY: F("person__identity_id")})
        .annotate(**{COUNT: Count("pk")})
        .values_list(IDENTITY, COUNT)
    )


def notes_of(
    organization_id: int, person_pks: Sequence[int], since: dt.datetime, per_identity: int
) -> list[Contact]:
    rows = (
        ContactNote.objects.filter(
            organization_id=organization_id,
            person_id__in=list(person_pks),
            created_at__gte=since,
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("person__identity_id")],
                order_by=[F("created_at").desc(), F("pk").desc()],
            )
        )
        .filter(rank__lte=per_identity)
        .order_by("-created_at", "-pk")
        .values_list("person_id", "pk", "created_at")
    )
    return [
        Contact(
            person_id=int(person),
            at=at,
            kind=_("Contact note"),
            url=reverse("response_contact", args=[note]),
        )
        for person, note, at in rows
    ]
