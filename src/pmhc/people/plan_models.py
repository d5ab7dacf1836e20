"""Response plans: what responders need to know to keep one person safe.

A plan is written by a clinician or a case manager of the organization that holds it (the
agency itself, or a behavioral health center that works with it) about one person record,
and is found from every record that shares that record's identity (``plan_selectors``), so a
call that names the person under another spelling still finds it. Every change is a new
``ResponsePlanVersion``; only an approved version is shown to responders, and approval is by
a second person, never the author (a database constraint and a check in the service).

Access. A plan is SAFETY data: the policy already lets the holder's officers, supervisors and
clinicians read safety data on an active call, which is what a plan is for, while clinical
notes stay CLINICAL. Who reads it is narrowed further (``PLAN_READERS``: not call-takers, who
see only that a plan exists and its safety line, nor analysts), and the dispatch side narrows
the active-call read to the responders assigned to the call. Crossing to another
organization needs an agreement in force that covers safety data for the purpose and the
person's consent to share their plan (``access_consent_class``: the consent data class
``response_plan``, apart from clinical notes), read at the moment of the decision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmhc.platform.models import Classification, Organization, Role

#: The consent data class a plan needs to reach another organization.
RESPONSE_PLAN_DATA_CLASS = "response_plan"
#: Who writes, submits and approves plans: those who care for the person.
PLAN_WRITERS = frozenset({Role.CLINICIAN, Role.CASE_MANAGER})
#: Who reads a whole plan (each only for the purposes the policy grants their role safety
#: data): responders on a call, and those who manage the person's care.
PLAN_READERS = frozenset(
    {Role.OFFICER, Role.SUPERVISOR, Role.CLINICIAN, Role.CASE_MANAGER, Role.COORDINATOR}
)
SAFETY = Classification.SAFETY
#: How many de-escalation steps and contacts a plan holds at most (a responder reads them on a
#: phone, in the street).
MAX_STEPS = 10
MAX_CONTACTS = 6


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft, not yet approved")
    APPROVED = "approved", _("Approved")
    RETIRED = "retired", _("Retired")


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Replaced by a later version")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ResponsePlan(models.Model):
    """One organization's plan for one person record; its content is in its versions."""

    access_classification: ClassVar[str] = SAFETY
    access_org_lookup: ClassVar[str] = "organization"
    access_read_roles: ClassVar[frozenset[Role]] = PLAN_READERS
    access_write_roles: ClassVar[frozenset[Role]] = PLAN_WRITERS
    access_consent_class: ClassVar[str] = RESPONSE_PLAN_DATA_CLASS
    audit_classifications: ClassVar[Mapping[str, str]] = {
        "status": Classification.AGENCY,
        "person": Classification.AGENCY,
        "approved_version": Classification.AGENCY,
    }
    restricted_fields: ClassVar[Mapping[str, Classification]] = {}
    agency_text_fields: ClassVar[frozenset[str]] = frozenset()

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="response_plans"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    #: The version responders see; none until one is approved.
    approved_version = models.OneToOneField(
        "people.ResponsePlanVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "person"], name="people_plan_one_per_person"
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(approved_version__isnull=False),
                name="people_plan_approved_has_version",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "status"]),
            models.Index(fields=["organization", "status", "-updated_at", "-id"]),
        ]

    def __str__(self) -> str:
        return f"Response plan {self.pk}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})

    @property
    def access_person_id(self) -> int:
        return self.person_id


class ResponsePlanVersion(models.Model):
    """One version of a plan: written, submitted, approved by a second person, then replaced
    by the next approved version. Versions are never edited once submitted."""

    access_classification: ClassVar[str] = SAFETY
    access_org_lookup: ClassVar[str] = "plan__organization"
    access_read_roles: ClassVar[frozenset[Role]] = PLAN_READERS
    access_write_roles: ClassVar[frozenset[Role]] = PLAN_WRITERS
    access_consent_class: ClassVar[str] = RESPONSE_PLAN_DATA_CLASS
    #: What the trail keeps in clear: the version's number, state and dates; the content is
    #: SAFETY and kept as digests.
    audit_classifications: ClassVar[Mapping[str, str]] = {
        "number": Classification.AGENCY,
        "status": Classification.AGENCY,
        "review_on": Classification.AGENCY,
        "approved_at": Classification.AGENCY,
        "submitted_at": Classification.AGENCY,
    }
    restricted_fields: ClassVar[Mapping[str, Classification]] = {
        "safety_concern": SAFETY,
        "behaviors": SAFETY,
        "triggers": SAFETY,
        "communication": SAFETY,
        "language": SAFETY,
    }
    #: The author's and approver's names are staff names, kept as they were.
    agency_text_fields: ClassVar[frozenset[str]] = frozenset({"author_name", "approver_name"})

    plan = models.ForeignKey(ResponsePlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    safety_concern = models.CharField(
        _("safety concern"),
        max_length=200,
        blank=True,
        help_text=_("One line: weapons, violence history, anything that puts people at risk."),
    )
    behaviors = models.TextField(
        _("behaviors and what they mean"),
        blank=True,
        help_text=_("What responders may see, and what it usually means for this person."),
    )
    triggers = models.TextField(
        _("triggers to avoid"), blank=True, help_text=_("What makes things worse.")
    )
    #: What helps, in the order to try it: a list of short steps.
    de_escalation = models.JSONField(_("what helps, in order"), default=list, blank=True)
    #: Who to call: a list of {"name", "relation", "reach"}.
    contacts = models.JSONField(_("contacts"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=100, blank=True)
    communication = models.TextField(
        _("communication needs"),
        blank=True,
        help_text=_("Hearing, speech, reading, an interpreter, anything that helps talking."),
    )
    review_on = models.DateField(
        _("review by"), help_text=_("After this date the plan shows as out of date.")
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_name = models.CharField(max_length=200)
    written_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approver_name = models.CharField(max_length=200, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="people_plan_version_number"),
            # One version in the making at a time.
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(status__in=["draft", "submitted"]),
                name="people_plan_one_open_version",
            ),
            # A second person approves, never the author.
            models.CheckConstraint(
                condition=Q(approver__isnull=True) | ~Q(approver=F("author")),
                name="people_plan_approver_not_author",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "superseded"])
                | Q(approver__isnull=False, approved_at__isnull=False),
                name="people_plan_approved_names_approver",
            ),
        ]

    def __str__(self) -> str:
        return f"Version {self.number}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.plan.organization_id})

    @property
    def access_person_id(self) -> int:
        return self.plan.person_id

    def is_out_of_date(self, today: dt.date | None = None) -> bool:
        return self.review_on < (today or timezone.localdate())
