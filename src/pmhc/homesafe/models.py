"""Home Safe: a voluntary registry of people at risk of wandering, and the search for them.

A family member, a guardian or the person enrols (no account: a private link sent by e-mail),
or an agency enrols them in person. The enrolment is held by one agency (``organization``),
whose coordinator or supervisor reviews it before it can be searched. Every six months the
registry asks the family to re-confirm; an enrolment not re-confirmed after the reminders is
hidden from searches, then purged on the retention schedule. The family may change or withdraw
at any time, at once, through the same private link.

Access. An enrolment is SAFETY data: what responders need to keep one person safe and find them.
The access policy lets the holding agency's responders read safety data on an active call (the
search for a missing person is one), its coordinator for case management (the review), and a
partner under an agreement in force that covers safety data for the purpose (the health partners
of the program). ``REGISTRY_READERS`` narrows it further: never analysts, never TTA staff, who
hold no safety grant in any case. Families read only their own enrolment, by its private link.

The IACP guide on voluntary registries (2017) and 34 U.S.C. 12621-12623 give the fields and the
rules: voluntary, consent of the person or guardian, access limited to law enforcement and health
agencies to prevent injury or death, a complaint process, periodic re-confirmation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmhc.platform.models import Classification, Organization, Role

SAFETY = Classification.SAFETY
#: Who reads the registry: the agency's responders and call-takers (a missing-person call),
#: those who review enrolments, and the health partners' clinicians and case managers.
REGISTRY_READERS = frozenset(
    {
        Role.CALL_TAKER,
        Role.OFFICER,
        Role.SUPERVISOR,
        Role.COORDINATOR,
        Role.CLINICIAN,
        Role.CASE_MANAGER,
    }
)
#: Who reviews (approves, declines) and keeps enrolments, and enrols someone in person.
ENROLMENT_KEEPERS = frozenset({Role.COORDINATOR, Role.SUPERVISOR, Role.OFFICER})
#: Who approves an enrolment so that it can be searched.
ENROLMENT_REVIEWERS = frozenset({Role.COORDINATOR, Role.SUPERVISOR})
#: Who opens and works a missing-person incident.
INCIDENT_WRITERS = frozenset({Role.CALL_TAKER, Role.OFFICER, Role.SUPERVISOR})
#: Who may change the agency's Home Safe settings (public enrolment open, contacts).
PROGRAM_KEEPERS = frozenset({Role.ADMINISTRATOR, Role.COORDINATOR})

#: How often the family re-confirms, how many reminders it gets, and how far apart.
RECONFIRM_MONTHS = 6
REMINDERS = 3
REMINDER_INTERVAL_DAYS = 14


class HomeSafeProgram(models.Model):
    """One agency's Home Safe registry: whether the public may enrol with it, and who a family
    contacts to ask what is held, to correct it or to complain."""

    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "organization"
    access_write_roles: ClassVar[frozenset[Role]] = PROGRAM_KEEPERS

    organization = models.OneToOneField(
        Organization, on_delete=models.PROTECT, related_name="homesafe_program"
    )
    is_open = models.BooleanField(
        _("families may enrol online"),
        default=False,
        help_text=_("When on, the agency is listed on the public Home Safe page."),
    )
    area_served = models.CharField(_("area served"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    #: Areas (districts, neighborhoods) an enrolment and a search name, one per line; empty
    #: means free text.
    areas = models.JSONField(_("areas"), default=list, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization"]

    def __str__(self) -> str:
        return f"Home Safe: {self.organization}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


class EnrolmentStatus(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("Waiting for the e-mail address to be confirmed")
    IN_REVIEW = "in_review", _("Waiting for the agency's review")
    ACTIVE = "active", _("In the registry")
    HIDDEN = "hidden", _("Hidden: not re-confirmed")
    DECLINED = "declined", _("Not accepted by the agency")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class EnrolledBy(models.TextChoices):
    FAMILY = "family", _("A family member or caregiver")
    GUARDIAN = "guardian", _("A legal guardian")
    SELF = "self", _("The person")
    AGENCY = "agency", _("The agency, with the person or their guardian")


class ConsentBy(models.TextChoices):
    PERSON = "person", _("The person")
    GUARDIAN = "guardian", _("Their legal guardian")


class Condition(models.TextChoices):
    DEMENTIA = "dementia", _("Alzheimer's disease or another dementia")
    AUTISM = "autism", _("Autism")
    DEVELOPMENTAL = "developmental", _("Another developmental disability")
    OTHER = "other", _("Another condition")


class Enrolment(models.Model):
    """One person in one agency's registry."""

    access_classification: ClassVar[str] = SAFETY
    access_org_lookup: ClassVar[str] = "organization"
    access_read_roles: ClassVar[frozenset[Role]] = REGISTRY_READERS
    access_write_roles: ClassVar[frozenset[Role]] = ENROLMENT_KEEPERS
    #: What the trail keeps in clear; everything said about the person is SAFETY, kept as
    #: digests.
    audit_classifications: ClassVar[Mapping[str, str]] = dict.fromkeys(
        (
            "reference",
            "status",
            "enrolled_by",
            "consent_by",
            "submitted_at",
            "email_confirmed_at",
            "reviewed_at",
            "confirmed_at",
            "confirm_by",
            "reminders_sent",
            "hidden_at",
            "withdrawn_at",
            "purge_after",
            "changed",
            "count",
        ),
        Classification.AGENCY,
    )

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=20, unique=True)
    #: The family's private link (a hash; the token itself is only ever in the e-mail).
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=EnrolmentStatus.choices,
        default=EnrolmentStatus.UNCONFIRMED,
    )
    enrolled_by = models.CharField(_("enrolled by"), max_length=10, choices=EnrolledBy.choices)

    # The person.
    full_name = models.CharField(_("full name"), max_length=200)
    preferred_name = models.CharField(_("name they answer to"), max_length=100, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    address = models.TextField(_("home address"), blank=True)
    area = models.CharField(_("area (district or neighborhood)"), max_length=100, blank=True)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    photo = models.FileField(_("recent photo"), upload_to="homesafe/%Y/%m/", blank=True)
    photo_content_type = models.CharField(max_length=100, blank=True)
    photo_taken_on = models.DateField(_("photo taken on"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=40, blank=True)
    height_cm = models.PositiveSmallIntegerField(_("height (cm)"), null=True, blank=True)
    weight_kg = models.PositiveSmallIntegerField(_("weight (kg)"), null=True, blank=True)
    hair = models.CharField(_("hair"), max_length=100, blank=True)
    eyes = models.CharField(_("eyes"), max_length=100, blank=True)
    description = models.TextField(
        _("how they look"),
        blank=True,
        help_text=_("Build, marks, glasses, what they usually wear or carry."),
    )
    communication = models.TextField(_("how they communicate"), blank=True)
    medical_needs = models.TextField(_("medical needs and medication"), blank=True)
    calming = models.TextField(_("what calms them"), blank=True)
    avoid = models.TextField(_("what to avoid (triggers)"), blank=True)
    routines = models.TextField(_("routines"), blank=True)
    places = models.TextField(
        _("places they go"), blank=True, help_text=_("Favorite places and past homes.")
    )
    attracted_to_water = models.BooleanField(_("drawn to water"), default=False)
    attracted_to_traffic = models.BooleanField(_("drawn to traffic or roads"), default=False)
    wandering_direction = models.CharField(
        _("where they have gone before"), max_length=300, blank=True
    )
    device_type = models.CharField(_("locative device"), max_length=100, blank=True)
    device_identifier = models.CharField(_("device identifier"), max_length=100, blank=True)
    device_access = models.CharField(
        _("who may reach the device's location"), max_length=300, blank=True
    )

    # Consent and who enrolled.
    consent_by = models.CharField(_("consent given by"), max_length=10, choices=ConsentBy.choices)
    consent_name = models.CharField(_("name of who consents"), max_length=200)
    consent_at = models.DateTimeField(_("consent given at"))
    submitter_name = models.CharField(_("your name"), max_length=200)
    submitter_relationship = models.CharField(_("your relationship"), max_length=100, blank=True)
    submitter_email = models.EmailField(_("your e-mail"))
    submitter_phone = models.CharField(_("your phone"), max_length=40, blank=True)
    enrolled_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    # Where it stands.
    submitted_at = models.DateTimeField(default=timezone.now)
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    review_note = models.TextField(_("note to the family"), blank=True)
    #: When the family last confirmed the record is right, and when the next is due.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirm_by = models.DateField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminder_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    #: When the retention schedule removes a hidden, declined or withdrawn enrolment.
    purge_after = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "full_name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="active") | Q(reviewed_at__isnull=False),
                name="homesafe_active_was_reviewed",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "full_name", "id"]),
            models.Index(fields=["organization", "status", "-submitted_at", "-id"]),
            models.Index(fields=["status", "confirm_by"]),
            models.Index(fields=["purge_after"]),
        ]

    def __str__(self) -> str:
        return self.reference

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})

    @property
    def is_searchable(self) -> bool:
        return self.status == EnrolmentStatus.ACTIVE

    def age_on(self, day: dt.date) -> int | None:
        if self.date_of_birth is None:
            return None
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class Caregiver(models.Model):
    """Someone to call about the person, in the order to call them."""

    access_classification: ClassVar[str] = SAFETY
    access_org_lookup: ClassVar[str] = "enrolment__organization"
    access_read_roles: ClassVar[frozenset[Role]] = REGISTRY_READERS
    access_write_roles: ClassVar[frozenset[Role]] = ENROLMENT_KEEPERS

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="caregivers")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("name"), max_length=200)
    relationship = models.CharField(_("relationship"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40)
    email = models.EmailField(_("e-mail"), blank=True)
    #: The contact told when the person is reported missing and when they are found.
    notify = models.BooleanField(_("tell them about a search"), default=True)

    class Meta:
        ordering = ["enrolment", "position", "pk"]

    def __str__(self) -> str:
        return f"Caregiver {self.pk}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.enrolment.organization_id})


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Searching")
    FOUND = "found", _("Found")
    CLOSED = "closed", _("Closed without being found")


class FoundCondition(models.TextChoices):
    UNHARMED = "unharmed", _("Unharmed")
    MINOR = "minor", _("Minor injury or distress")
    HOSPITAL = "hospital", _("Taken to hospital")
    DECEASED = "deceased", _("Deceased")


class MissingIncident(models.Model):
    """A search for a missing person, most often someone in the registry."""

    access_classification: ClassVar[str] = SAFETY
    access_org_lookup: ClassVar[str] = "organization"
    access_read_roles: ClassVar[frozenset[Role]] = REGISTRY_READERS
    access_write_roles: ClassVar[frozenset[Role]] = INCIDENT_WRITERS
    audit_classifications: ClassVar[Mapping[str, str]] = dict.fromkeys(
        (
            "reference",
            "status",
            "reported_at",
            "found_at",
            "condition",
            "closed_at",
            "family_notified_at",
            "minutes_to_found",
        ),
        Classification.AGENCY,
    )

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=20, unique=True)
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.SET_NULL, null=True, blank=True, related_name="incidents"
    )
    #: The call this search came from, if it came through dispatch.
    call_number = models.CharField(_("call number"), max_length=40, blank=True)
    status = models.CharField(
        max_length=8, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    reported_at = models.DateTimeField(_("reported missing at"))
    reported_by = models.CharField(_("reported by"), max_length=200, blank=True)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)
    last_seen_place = models.CharField(_("last seen where"), max_length=300, blank=True)
    clothing = models.TextField(_("wearing when last seen"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    found_at = models.DateTimeField(_("found at"), null=True, blank=True)
    found_place = models.CharField(_("found where"), max_length=300, blank=True)
    condition = models.CharField(
        _("condition when found"), max_length=10, choices=FoundCondition.choices, blank=True
    )
    outcome_note = models.TextField(_("outcome"), blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    family_notified_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-reported_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="found") | (Q(found_at__isnull=False) & ~Q(condition="")),
                name="homesafe_found_has_time_and_condition",
            ),
            # One open search per person: a second "Open the incident" finds the first.
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=Q(status="open"),
                name="homesafe_one_open_incident_per_enrolment",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "-reported_at", "-id"]),
            # Measure counts an organization's searches by month of the report.
            models.Index(fields=["organization", "reported_at"]),
        ]

    def __str__(self) -> str:
        return self.reference

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})

    @property
    def minutes_to_found(self) -> int | None:
        """Minutes from the report to being found: what Measure keeps of a search."""
        if self.found_at is None:
            return None
        return max(0, int((self.found_at - self.reported_at).total_seconds() // 60))


class Sighting(models.Model):
    """Someone saw the person: where and when, recorded during the search."""

    access_classification: ClassVar[str] = SAFETY
    access_org_lookup: ClassVar[str] = "incident__organization"
    access_read_roles: ClassVar[frozenset[Role]] = REGISTRY_READERS
    access_write_roles: ClassVar[frozenset[Role]] = INCIDENT_WRITERS

    incident = models.ForeignKey(
        MissingIncident, on_delete=models.CASCADE, related_name="sightings"
    )
    seen_at = models.DateTimeField(_("seen at"))
    place = models.CharField(_("where"), max_length=300)
    note = models.TextField(_("what was seen"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-seen_at", "-pk"]
        indexes = [models.Index(fields=["incident", "-seen_at"])]

    def __str__(self) -> str:
        return f"Sighting {self.pk}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.incident.organization_id})


class CorrectionStatus(models.TextChoices):
    OPEN = "open", _("Received")
    ANSWERED = "answered", _("Answered")


class CorrectionKind(models.TextChoices):
    SEE = "see", _("See what is held")
    CORRECT = "correct", _("Correct something")
    COMPLAINT = "complaint", _("Make a complaint")


class CorrectionRequest(models.Model):
    """A family's or the person's request to see or correct what is held, or a complaint."""

    access_classification: ClassVar[str] = Classification.PERSONAL
    access_org_lookup: ClassVar[str] = "organization"
    access_read_roles: ClassVar[frozenset[Role]] = ENROLMENT_REVIEWERS
    access_write_roles: ClassVar[frozenset[Role]] = ENROLMENT_REVIEWERS
    audit_classifications: ClassVar[Mapping[str, str]] = dict.fromkeys(
        ("reference", "kind", "status", "received_at", "answered_at"), Classification.AGENCY
    )

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=20, unique=True)
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("what you ask"), max_length=10, choices=CorrectionKind.choices)
    name = models.CharField(_("your name"), max_length=200)
    email = models.EmailField(_("your e-mail"))
    phone = models.CharField(_("your phone"), max_length=40, blank=True)
    text = models.TextField(_("what you ask or want to tell us"))
    status = models.CharField(
        max_length=10, choices=CorrectionStatus.choices, default=CorrectionStatus.OPEN
    )
    received_at = models.DateTimeField(default=timezone.now)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["organization", "status", "-received_at", "-id"])]

    def __str__(self) -> str:
        return self.reference

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


class ReferenceCounter(models.Model):
    """The last number given per prefix and year (HS-2026-0001, MP-2026-0001)."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="homesafe_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"
