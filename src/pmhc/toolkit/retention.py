"""How long the toolkit keeps the contact details people from the public gave it
(``platform/retention.py``): a technical-assistance request that was completed or declined,
and a library submission that was not accepted, lose the sender's name, title, address, phone
and e-mail once past the schedule; the request or submission itself stays (its reference,
what was asked, its dates), for the provider's yearly counts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from pmhc.platform import retention
from pmhc.toolkit.models import LibraryItem, ReviewStatus, TARequest, TAStatus

TA_CONTACTS = "toolkit.ta_request_contact"
LIBRARY_CONTACTS = "toolkit.library_submission_contact"

TA_BLANKED: dict[str, Any] = {
    "contact_name": "",
    "contact_title": "",
    "address": "",
    "phone": "",
    "email": "",
}
LIBRARY_BLANKED: dict[str, Any] = {
    "submitter_name": "",
    "submitter_email": "",
    "submitter_agency": "",
}


def due_ta_contacts(organization_id: int, cut: dt.datetime) -> QuerySet[TARequest]:
    closed = Q(status__in=[TAStatus.COMPLETED, TAStatus.DECLINED])
    return (
        TARequest.objects.filter(closed, handled_by_id=organization_id)
        .alias(closed_at=Coalesce("completed_at", "received_at"))
        .filter(closed_at__lt=cut)
        .exclude(contact_name="", email="", phone="", address="", contact_title="")
    )


def blank_ta_contacts(pks: Sequence[Any]) -> int:
    return TARequest.objects.filter(pk__in=pks).update(**TA_BLANKED)


def due_library_contacts(organization_id: int, cut: dt.datetime) -> QuerySet[LibraryItem]:
    return LibraryItem.objects.filter(
        reviewed_by_org_id=organization_id,
        status=ReviewStatus.REJECTED,
        submitted_at__lt=cut,
    ).exclude(submitter_name="", submitter_email="", submitter_agency="")


def blank_library_contacts(pks: Sequence[Any]) -> int:
    return LibraryItem.objects.filter(pk__in=pks).update(**LIBRARY_BLANKED)


def register() -> None:
    retention.register(
        retention.RecordKind(
            key=TA_CONTACTS,
            label=_("Contact details of closed assistance requests"),
            measured_from=_("when the request was completed (declined: received)"),
            minimum_days=30,
            maximum_days=1095,
            default_days=365,
            action=retention.PurgeAction.DEIDENTIFY,
            due=due_ta_contacts,
            purge=blank_ta_contacts,
            date_field="received_at",
            reference=lambda request: request.reference,
            order=10,
        )
    )
    retention.register(
        retention.RecordKind(
            key=LIBRARY_CONTACTS,
            label=_("Contact details of library submissions not accepted"),
            measured_from=_("when it was submitted"),
            minimum_days=30,
            maximum_days=1095,
            default_days=180,
            action=retention.PurgeAction.DEIDENTIFY,
            due=due_library_contacts,
            purge=blank_library_contacts,
            date_field="submitted_at",
            reference=lambda item: item.reference,
            order=11,
        )
    )
