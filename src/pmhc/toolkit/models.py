"""The public toolkit: program types, the 10 essential elements, learning sites, technical
assistance requests, and the reviewed resource library.

Models hold data and invariants; every change goes through ``services/``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmhc.platform.models import Classification, Organization, Role, User

#: Who keeps the toolkit's records (pages, sites, requests, library): TTA staff only.
TOOLKIT_KEEPERS = frozenset({Role.TTA_STAFF})

#: U.S. states and the District of Columbia with their census regions (Census Bureau regions).
REGIONS = {
    "Northeast": ["CT", "ME", "MA", "NH", "RI", "VT", "NJ", "NY", "PA"],
    "Midwest": ["IL", "IN", "MI", "OH", "WI", "IA", "KS", "MN", "MO", "NE", "ND", "SD"],
    "South": ["DE", "DC", "FL", "GA", "MD", "NC", "SC", "VA", "WV", "AL", "KY", "MS", "TN",
              "AR", "LA", "OK", "TX"],
    "West": ["AZ", "CO", "ID", "MT", "NV", "NM", "UT", "WY", "AK", "CA", "HI", "OR", "WA"],
}  # fmt: skip
STATE_REGION = {state: region for region, states in REGIONS.items() for state in states}


class ProgramTypeCode(models.TextChoices):
    CIT = "cit", _("Crisis Intervention Team (CIT)")
    CO_RESPONDER = "co-responder", _("Co-responder team")
    MOBILE_CRISIS = "mobile-crisis", _("Mobile crisis team")
    CASE_MANAGEMENT = "case-management", _("Case management team")
    TAILORED = "tailored", _("Tailored approach")


class Specialty(models.TextChoices):
    CIT = "cit", _("Crisis Intervention Team")
    CO_RESPONDER = "co_responder", _("Co-responder teams")
    FOLLOW_UP = "follow_up", _("Follow-up teams")
    DISPATCHER_TRAINING = "dispatcher_training", _("Dispatcher training")
    EMBEDDED_CLINICIANS = "embedded_clinicians", _("Embedded clinicians")
    LIAISON_OFFICERS = "liaison_officers", _("Mental health liaison officers")
    CRISIS_CENTER = "crisis_center", _("Crisis response center")


class Offer(models.TextChoices):
    SITE_VISITS = "site_visits", _("Site visits")
    CALLS = "calls", _("Calls and e-mail")
    TRAINING = "training", _("Training")
    MATERIALS = "materials", _("Materials for practitioners")


class PageContent(models.Model):
    """Text that TTA staff edit in the product: a program type, an essential element, a page,
    a frequently asked question or an agency experience.

    The body is Markdown, sanitised when shown. Each edit is kept as a ``ContentVersion``.
    Questions and experiences are listed in the order of ``number`` and shown to the public only
    once published.
    """

    access_classification: ClassVar[str] = Classification.PUBLIC
    access_org_lookup: ClassVar[str] = "pk"

    class Kind(models.TextChoices):
        PROGRAM_TYPE = "program_type", _("Program type")
        ELEMENT = "element", _("Essential element")
        PAGE = "page", _("Page")
        FAQ = "faq", _("Frequently asked question")
        EXPERIENCE = "experience", _("Agency experience")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    slug = models.SlugField(max_length=60)
    #: An element's number; a question's or an experience's place in its list.
    number = models.PositiveSmallIntegerField(null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), help_text=_("One or two sentences, plain text."))
    body = models.TextField(_("body (Markdown)"), blank=True)
    #: For elements: the product module that supports it (e.g. "dispatch").
    module = models.CharField(max_length=40, blank=True)
    #: For program types: short facts shown side by side in the comparison table.
    facts = models.JSONField(default=dict, blank=True)
    #: Whether the public sees it. Program types, elements and pages always are; a new question
    #: or experience waits for TTA staff to publish it.
    is_published = models.BooleanField(_("published"), default=False)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["kind", "number", "title"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "slug"], name="unique_content_slug_per_kind")
        ]
        indexes = [
            models.Index(
                fields=["kind", "is_published", "number"], name="content_kind_published_idx"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset()


class ContentVersion(models.Model):
    """One saved state of a ``PageContent``; old versions are never changed."""

    content = models.ForeignKey(PageContent, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.TextField()
    body = models.TextField(blank=True)
    facts = models.JSONField(default=dict, blank=True)
    edited_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    edited_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["content", "version"], name="unique_content_version")
        ]

    def __str__(self) -> str:
        return f"{self.content} v{self.version}"


class LearningSiteQuerySet(models.QuerySet["LearningSite"]):
    def current(self) -> LearningSiteQuerySet:
        """Sites the program lists today: active and not former (directory, map, matching)."""
        return self.filter(is_active=True, is_former=False)

    def former(self) -> LearningSiteQuerySet:
        """Sites the program no longer lists, shown apart in the directory."""
        return self.filter(is_active=True, is_former=True)


class LearningSite(models.Model):
    """An agency that hosts visits, answers questions and builds materials for the field."""

    access_classification: ClassVar[str] = Classification.PUBLIC
    access_org_lookup: ClassVar[str] = "pk"

    agency = models.CharField(_("agency"), max_length=200)
    city = models.CharField(_("city"), max_length=100, blank=True)
    state = models.CharField(_("state"), max_length=2)
    latitude = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    program_types = models.JSONField(_("program types"), default=list, blank=True)
    specialties = models.JSONField(_("specialties"), default=list, blank=True)
    offers = models.JSONField(_("what it offers"), default=list, blank=True)
    agency_size = models.CharField(
        _("agency size"), max_length=100, blank=True, help_text=_("e.g. sworn officers")
    )
    population_served = models.PositiveIntegerField(_("population served"), null=True, blank=True)
    description = models.TextField(_("what it can help with (Markdown)"), blank=True)
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    #: No longer listed by the program: shown apart as a former site, never matched or mapped.
    is_former = models.BooleanField(_("former learning site"), default=False)
    visit_includes = models.TextField(
        _("what a visit includes"),
        blank=True,
        help_text=_("What visitors see and do, e.g. ride-alongs, a tour of the crisis center."),
    )
    #: The site's own accounts: its coordinators are members of this organization.
    organization = models.OneToOneField(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="learning_site",
    )
    source = models.CharField(
        _("source"), max_length=300, blank=True, help_text=_("Where this listing comes from.")
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = LearningSiteQuerySet.as_manager()

    class Meta:
        ordering = ["state", "agency"]

    def __str__(self) -> str:
        return f"{self.agency} ({self.state})"

    @property
    def region(self) -> str:
        return STATE_REGION.get(self.state, "")

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset()


class TAStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    CONFIRMED = "confirmed", _("Confirmed")
    MATCHED = "matched", _("Matched to a learning site")
    SCHEDULED = "scheduled", _("Scheduled")
    COMPLETED = "completed", _("Completed")
    DECLINED = "declined", _("Declined")


class JurisdictionType(models.TextChoices):
    CITY = "city", _("City or town")
    COUNTY = "county", _("County")
    TRIBAL = "tribal", _("Tribal nation")
    STATE = "state", _("State")
    UNIVERSITY = "university", _("College or university")
    REGION = "region", _("Region (several jurisdictions)")
    OTHER = "other", _("Other")


class HelpKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    CALL = "call", _("A call")
    SITE_VISIT = "site_visit", _("A site visit")
    TRAINING = "training", _("Training")


class TARequest(models.Model):
    """A request for technical assistance from the public. Personal: the requester's contact
    details; visible to TTA staff of the TTA provider organization that handles requests."""

    access_classification: ClassVar[str] = Classification.PERSONAL
    access_org_lookup: ClassVar[str] = "handled_by"
    access_write_roles: ClassVar[frozenset[Role]] = TOOLKIT_KEEPERS
    #: What the request's audit events keep in clear (``platform/audit.py``): its reference,
    #: where it stands and when, and counts. The requester's contact details and words, and
    #: the reason given for declining, are PERSONAL and kept as digests.
    audit_classifications: ClassVar[Mapping[str, str]] = dict.fromkeys(
        (
            "reference",
            "status",
            "state",
            "jurisdiction_type",
            "scheduled_for",
            "received_at",
            "confirmed_at",
            "completed_at",
            "status_changed_at",
            "reminder_sent_at",
            "escalated_at",
            "recipients",
            "to_assignee",
            "note",
            "length",
            "site_accepted_at",
            "proposed_dates",
            "visit_held_on",
            "visit_visitors",
            "travel_requested",
            "travel_received",
        ),
        Classification.AGENCY,
    )

    reference = models.CharField(max_length=20, unique=True)
    status_token_hash = models.CharField(max_length=64, unique=True)
    handled_by = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="ta_requests"
    )
    status = models.CharField(
        max_length=12, choices=TAStatus.choices, default=TAStatus.RECEIVED, db_index=True
    )
    jurisdiction_name = models.CharField(_("jurisdiction name"), max_length=200)
    jurisdiction_type = models.CharField(
        _("jurisdiction type"), max_length=12, choices=JurisdictionType.choices
    )
    state = models.CharField(_("state"), max_length=2)
    contact_name = models.CharField(_("your name"), max_length=200)
    contact_title = models.CharField(_("your title"), max_length=200, blank=True)
    agency = models.CharField(_("agency or organization"), max_length=200)
    address = models.TextField(_("mailing address"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"))
    federal_grantee = models.BooleanField(_("federal grantee"), default=False)
    description = models.TextField(_("what you need"))
    issues = models.TextField(_("issues to address"), blank=True)
    steps_taken = models.TextField(_("steps already taken"), blank=True)
    program_types = models.JSONField(default=list, blank=True)
    preferred_help = models.JSONField(default=list, blank=True)
    preferred_site = models.ForeignKey(
        LearningSite, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    consent_to_contact = models.BooleanField(default=False)
    assigned_to = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="ta_assignments"
    )
    matched_site = models.ForeignKey(
        LearningSite, on_delete=models.SET_NULL, null=True, blank=True, related_name="matches"
    )
    scheduled_for = models.DateField(null=True, blank=True)
    declined_reason = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # The matched site's part: its answer, the dates it proposes, and the visit it held.
    site_accepted_at = models.DateTimeField(null=True, blank=True)
    proposed_dates = models.JSONField(default=list, blank=True)
    site_note = models.TextField(_("note to the requester"), blank=True)
    visit_held_on = models.DateField(_("date of the visit"), null=True, blank=True)
    visit_visitors = models.PositiveSmallIntegerField(_("visitors"), null=True, blank=True)
    visit_covered = models.TextField(_("what the visit covered"), blank=True)
    # The visiting agency's travel support: what it asked for, and later what it received.
    travel_requested = models.DecimalField(
        _("travel support asked for (US$)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    travel_purpose = models.CharField(_("what it is for"), max_length=300, blank=True)
    travel_received = models.DecimalField(
        _("travel support received (US$)"), max_digits=8, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            # A learning site's own list of the requests matched to it, newest first.
            models.Index(
                fields=["matched_site", "-received_at", "-id"], name="ta_request_site_recent"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(declined_reason=""),
                name="declined_request_has_reason",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    def access_organization_ids(self) -> frozenset[int]:
        """The TTA organization that handles it and, once matched, the matched learning
        site's own organization (which reads it; only TTA staff change it as a whole, the
        site writes its part through ``site_part``). A site that has left the directory
        (former or inactive) no longer reads it, nor does any site once it is declined."""
        owners = {self.handled_by_id}
        site = self.matched_site if self.matched_site_id else None
        if (
            site is not None
            and site.organization_id is not None
            and site.is_active
            and not site.is_former
            and self.status != TAStatus.DECLINED
        ):
            owners.add(site.organization_id)
        return frozenset(owners)


class TANote(models.Model):
    request = models.ForeignKey(TARequest, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Note on {self.request}"


class ReferenceCounter(models.Model):
    """The last number given out per prefix and year (TA-2026-000123); locked when used."""

    prefix = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="one_counter_per_prefix_year")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


class ResourceKind(models.TextChoices):
    QUESTION = "question", _("Question")
    POLICY = "policy", _("Policy")
    CURRICULUM = "curriculum", _("Training curriculum")
    MOU = "mou", _("Memorandum of understanding")
    FORM = "form", _("Form")
    DISPATCH_PROTOCOL = "dispatch_protocol", _("Dispatcher protocol")
    EVALUATION = "evaluation", _("Evaluation report")


class ReviewStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for review")
    CHANGES_REQUESTED = "changes", _("Changes requested")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Not accepted")


class LibraryItem(models.Model):
    """A question, policy, curriculum, MOU, form, protocol or evaluation sent to the library.

    Public once published; until then only TTA staff (and the submitter, by private link) see it.
    """

    access_classification: ClassVar[str] = Classification.PERSONAL
    access_org_lookup: ClassVar[str] = "reviewed_by_org"
    access_write_roles: ClassVar[frozenset[Role]] = TOOLKIT_KEEPERS
    #: What the submission's audit events keep in clear (``platform/audit.py``): what it is
    #: and where its review stands. Who sent it, the reviewer's note to them and the title
    #: (until it is published, a question from the public may name a person) are PERSONAL and
    #: kept as digests.
    audit_classifications: ClassVar[Mapping[str, str]] = dict.fromkeys(
        (
            "reference",
            "kind",
            "status",
            "file_content_type",
            "file_size",
            "elements",
            "program_types",
        ),
        Classification.AGENCY,
    )

    reference = models.CharField(max_length=20, unique=True)
    status_token_hash = models.CharField(max_length=64, unique=True)
    reviewed_by_org = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="library_items"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ResourceKind.choices)
    title = models.CharField(_("title"), max_length=250)
    summary = models.TextField(_("summary"))
    body = models.TextField(_("text or question (Markdown)"), blank=True)
    file = models.FileField(upload_to="library/%Y/%m/", blank=True, max_length=200)
    file_name = models.CharField(max_length=200, blank=True)
    file_content_type = models.CharField(max_length=100, blank=True)
    file_size = models.PositiveIntegerField(default=0)
    submitter_name = models.CharField(_("your name"), max_length=200)
    submitter_email = models.EmailField(_("your e-mail"))
    submitter_agency = models.CharField(_("agency or organization"), max_length=200, blank=True)
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.SUBMITTED, db_index=True
    )
    review_note = models.TextField(blank=True)
    elements = models.JSONField(default=list, blank=True)
    program_types = models.JSONField(default=list, blank=True)
    reviewed_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-published_at", "-submitted_at"]

    def __str__(self) -> str:
        return self.title

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.reviewed_by_org_id})
