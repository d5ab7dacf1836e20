"""How long Home Safe keeps enrolments that left the registry (``platform/retention.py``).

An enrolment that is hidden (not re-confirmed), declined by the agency or withdrawn by the
family, or that was sent and whose e-mail address was never confirmed, is deleted, with its
people to call and its photo, once the schedule has passed since the day it left the registry
or was sent (``purge_after``). A withdrawn enrolment already holds nothing about the person
(withdrawing blanks it at once); its reference and dates go now too. A hidden enrolment that
the family re-confirms is back in the registry and no longer due; a confirmed address clears
the date of a sent enrolment. Requests to see, correct or complain keep their own rows; their
link to a deleted enrolment is cleared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from pmhc.homesafe.models import Enrolment, EnrolmentStatus
from pmhc.platform import retention

ENROLMENTS = "homesafe.enrolment"
GONE = (
    EnrolmentStatus.HIDDEN,
    EnrolmentStatus.DECLINED,
    EnrolmentStatus.WITHDRAWN,
    EnrolmentStatus.UNCONFIRMED,
)


def due_enrolments(organization_id: int, cut: dt.datetime) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(
        organization_id=organization_id, status__in=GONE, purge_after__lt=cut.date()
    )


def _delete_files(names: Sequence[str]) -> None:
    for name in names:
        default_storage.delete(name)


def delete_enrolments(pks: Sequence[Any]) -> int:
    photos = list(
        Enrolment.objects.filter(pk__in=pks).exclude(photo="").values_list("photo", flat=True)
    )
    deleted = Enrolment.objects.filter(pk__in=pks).delete()[1]
    if photos:
        transaction.on_commit(lambda: _delete_files(photos))
    return deleted.get(Enrolment._meta.label, 0)


def register() -> None:
    retention.register(
        retention.RecordKind(
            key=ENROLMENTS,
            label=_("Home Safe enrolments out of the registry"),
            measured_from=_(
                "when the enrolment was hidden, declined or withdrawn, or sent and never confirmed"
            ),
            minimum_days=1,
            maximum_days=365,
            default_days=90,
            action=retention.PurgeAction.DELETE,
            due=due_enrolments,
            purge=delete_enrolments,
            date_field="purge_after",
            reference=lambda enrolment: enrolment.reference,
            order=75,
        )
    )
