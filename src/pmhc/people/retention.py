"""How long people keeps its records (``platform/retention.py``).

- **People.** A person's record is de-identified once nothing recent needs it: recorded
  before the cut, in no call or encounter report received since, and under no consent still
  in effect, and in no contact note filed since. Names, aliases, birth date, age, sex, veteran
  status, description, address and the id from an imported file are blanked; the row stays,
  so the counts of calls and reports that still point to it hold. A call or report
  de-identified under its own (shorter)
  schedule keeps its link to the person, so the person is still dated by that contact and a
  dry run lists what the real run does whatever the order the kinds run in; the links of
  de-identified calls and reports go when the person is de-identified.
- **Consents.** A consent that ended (revoked, or past its last day) before the cut is
  deleted. Six years is the least: the HIPAA privacy rule has a covered health partner keep
  an authorization six years from when it was last in effect (45 CFR 164.530(j)(2)).
- **Response plans.** A plan that is not in force (retired, or never approved) and unchanged
  since the cut is deleted with its versions. A plan in force that changed since the cut keeps
  its person; when a person is de-identified, their plans go with the name, since a plan
  speaks of nobody else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmhc.people.models import Consent, Person, PersonAlias, Sex, Veteran
from pmhc.people.plan_models import PlanStatus, ResponsePlan
from pmhc.platform import retention

PEOPLE = "people.person"
CONSENTS = "people.consent"
PLANS = "people.response_plan"

BLANKED: dict[str, Any] = {
    "family_name": "",
    "given_name": "",
    "date_of_birth": None,
    "approximate_age": None,
    "sex": Sex.UNKNOWN,
    "veteran": Veteran.UNKNOWN,
    "description": "",
    "address": "",
    "external_id": "",
}
#: A record with all of these blank says nothing more about anyone.
_ALREADY_BLANK = Q(
    family_name="",
    given_name="",
    date_of_birth=None,
    approximate_age=None,
    sex=Sex.UNKNOWN,
    veteran=Veteran.UNKNOWN,
    description="",
    address="",
    external_id="",
    aliases__isnull=True,
)


def _consent_in_effect(on: dt.date) -> Q:
    return Q(revoked_at__isnull=True) & (Q(valid_until__isnull=True) | Q(valid_until__gte=on))


def due_people(organization_id: int, cut: dt.datetime) -> QuerySet[Person]:
    recent = (
        Q(calls__call__received_at__gte=cut)
        | Q(encounters__encounter__call__received_at__gte=cut)
        | Q(contact_notes__created_at__gte=cut)
        | Q(
            response_plans__in=ResponsePlan.objects.filter(
                organization_id=organization_id,
                status=PlanStatus.APPROVED,
                updated_at__gte=cut,
            )
        )
        | Q(
            consents__in=Consent.objects.filter(
                Q(organization_id=organization_id) & _consent_in_effect(cut.date())
            )
        )
    )
    mine = Person.objects.filter(organization_id=organization_id)
    kept = mine.filter(recent).values("pk")
    blank = mine.filter(_ALREADY_BLANK).values("pk")
    return (
        Person.objects.filter(organization_id=organization_id, created_at__lt=cut)
        .exclude(pk__in=kept)
        .exclude(pk__in=blank)
    )


#: The links from calls and reports to a person, by the name of the record linked: those of
#: records already de-identified are kept only to date the person, and go with the name.
_CONTACT_LINKS = (("calls", "call"), ("encounters", "encounter"))


def _drop_links_of_deidentified_records(pks: Sequence[Any]) -> None:
    for accessor, record in _CONTACT_LINKS:
        link = cast("type[models.Model]", Person._meta.get_field(accessor).related_model)
        link._default_manager.filter(
            person_id__in=pks, **{f"{record}__deidentified_at__isnull": False}
        ).delete()


def deidentify_people(pks: Sequence[Any]) -> int:
    PersonAlias.objects.filter(person_id__in=pks).delete()
    _drop_links_of_deidentified_records(pks)
    plans = ResponsePlan.objects.filter(person_id__in=pks)
    # A plan in force must name its approved version: it is retired first, then deleted.
    plans.update(status=PlanStatus.RETIRED, approved_version=None)
    plans.delete()
    return Person.objects.filter(pk__in=pks).update(updated_at=timezone.now(), **BLANKED)


def due_consents(organization_id: int, cut: dt.datetime) -> QuerySet[Consent]:
    ended = Q(revoked_at__lt=cut) | Q(revoked_at__isnull=True, valid_until__lt=cut.date())
    return Consent.objects.filter(Q(organization_id=organization_id) & ended)


def due_plans(organization_id: int, cut: dt.datetime) -> QuerySet[ResponsePlan]:
    return ResponsePlan.objects.filter(organization_id=organization_id, updated_at__lt=cut).exclude(
        status=PlanStatus.APPROVED
    )


def delete_plans(pks: Sequence[Any]) -> int:
    ResponsePlan.objects.filter(pk__in=pks).update(approved_version=None)
    deleted = ResponsePlan.objects.filter(pk__in=pks).delete()[1]
    return deleted.get(ResponsePlan._meta.label, 0)


def _delete_files(names: Sequence[str]) -> None:
    for name in names:
        default_storage.delete(name)


def delete_consents(pks: Sequence[Any]) -> int:
    # A signed copy goes with its consent, once the deletion is committed.
    copies = list(
        Consent.objects.filter(pk__in=pks).exclude(document="").values_list("document", flat=True)
    )
    deleted = Consent.objects.filter(pk__in=pks).delete()[1]
    if copies:
        transaction.on_commit(lambda: _delete_files(copies))
    return deleted.get(Consent._meta.label, 0)


def register() -> None:
    retention.register(
        retention.RecordKind(
            key=PEOPLE,
            label=_("People"),
            measured_from=_("when the person was last in a call or report"),
            minimum_days=365,
            maximum_days=3650,
            default_days=2555,
            action=retention.PurgeAction.DEIDENTIFY,
            due=due_people,
            purge=deidentify_people,
            date_field="created_at",
            reference=lambda person: f"person {person.pk}",
            order=70,
        )
    )
    retention.register(
        retention.RecordKind(
            key=CONSENTS,
            label=_("Consents that ended"),
            measured_from=_("when the consent was revoked or ran out"),
            minimum_days=2190,
            maximum_days=3650,
            default_days=2190,
            action=retention.PurgeAction.DELETE,
            due=due_consents,
            purge=delete_consents,
            date_field="valid_from",
            reference=lambda consent: f"consent {consent.pk}",
            bound_source=_(
                "the HIPAA privacy rule: six years from when it was last in effect "
                "(45 CFR 164.530(j)(2))"
            ),
            order=72,
        )
    )
    retention.register(
        retention.RecordKind(
            key=PLANS,
            label=_("Response plans not in force"),
            measured_from=_("when the plan was retired or last changed"),
            minimum_days=365,
            maximum_days=3650,
            default_days=2555,
            action=retention.PurgeAction.DELETE,
            due=due_plans,
            purge=delete_plans,
            date_field="updated_at",
            reference=lambda plan: f"response plan {plan.pk}",
            order=69,
        )
    )
