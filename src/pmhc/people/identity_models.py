"""Identity resolution: which of an organization's person records are one person.

A ``Person`` is a record as someone wrote it down (a call, an encounter, an imported report),
with its own spelling. Records believed to be the same person share an ``Identity``. Linkage
(``linkage.py``, Splink) scores pairs of records; a pair above the organization's upper
threshold is linked at once, a pair between the thresholds waits as a ``MatchCandidate`` for
someone to link or keep apart. Every change of who belongs to which identity is an
``IdentityChange`` that keeps each record's identity before and after, so any change can be
undone exactly; each is audited too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmhc.platform.models import Classification, Organization, Role

#: Who decides whether two records are one person, and reads the resolved people: those who
#: manage cases and run the program.
IDENTITY_KEEPERS = frozenset({Role.CASE_MANAGER, Role.COORDINATOR, Role.CLINICIAN})
AGENCY = Classification.AGENCY


class Identity(models.Model):
    """One person as the organization has resolved them: the records that share it."""

    access_classification: ClassVar[str] = Classification.PERSONAL
    access_org_lookup: ClassVar[str] = "organization"
    access_read_roles: ClassVar[frozenset[Role]] = IDENTITY_KEEPERS
    access_write_roles: ClassVar[frozenset[Role]] = IDENTITY_KEEPERS
    restricted_fields: ClassVar[Mapping[str, Classification]] = {}
    agency_text_fields: ClassVar[frozenset[str]] = frozenset()

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["organization", "created_at"])]
        verbose_name_plural = "identities"

    def __str__(self) -> str:
        return f"Person {self.pk}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


class LinkageSettings(models.Model):
    """An organization's thresholds for linking records and for its high-utilizer list."""

    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "organization"
    access_read_roles: ClassVar[frozenset[Role]] = IDENTITY_KEEPERS
    access_write_roles: ClassVar[frozenset[Role]] = frozenset({Role.COORDINATOR})
    audit_classifications: ClassVar[Mapping[str, str]] = {
        "auto_link_at": AGENCY,
        "review_from": AGENCY,
        "utilizer_contacts": AGENCY,
        "utilizer_days": AGENCY,
    }
    restricted_fields: ClassVar[Mapping[str, Classification]] = {}
    agency_text_fields: ClassVar[frozenset[str]] = frozenset()

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="linkage_settings"
    )
    auto_link_at = models.FloatField(
        _("link at once from"),
        default=0.99,
        validators=[MinValueValidator(0.5), MaxValueValidator(1.0)],
        help_text=_("Pairs at least this likely to be one person are linked without review."),
    )
    review_from = models.FloatField(
        _("send to review from"),
        default=0.80,
        validators=[MinValueValidator(0.05), MaxValueValidator(1.0)],
        help_text=_("Pairs from this likelihood up to the first threshold wait for review."),
    )
    utilizer_contacts = models.PositiveSmallIntegerField(
        _("contacts"),
        default=4,
        validators=[MinValueValidator(2), MaxValueValidator(100)],
        help_text=_("A person with at least this many contacts…"),
    )
    utilizer_days = models.PositiveSmallIntegerField(
        _("days"),
        default=90,
        validators=[MinValueValidator(7), MaxValueValidator(730)],
        help_text=_("…within this many days is on the high-utilizer list."),
    )
    #: The model that the last full linkage estimated (Splink's settings with m and u
    #: probabilities), reused by incremental runs; empty until one has run.
    model = models.JSONField(default=dict, blank=True)
    model_trained_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "linkage settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(review_from__lte=models.F("auto_link_at")),
                name="people_linkage_thresholds_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"Linkage settings of {self.organization_id}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


class LinkageRunStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class LinkageRunMode(models.TextChoices):
    FULL = "full", _("All records")
    INCREMENTAL = "incremental", _("New records only")


class LinkageRun(models.Model):
    """One run of linkage over an organization's records, with its progress for the page."""

    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "organization"
    access_read_roles: ClassVar[frozenset[Role]] = IDENTITY_KEEPERS
    access_write_roles: ClassVar[frozenset[Role]] = IDENTITY_KEEPERS
    audit_classifications: ClassVar[Mapping[str, str]] = {
        "mode": AGENCY,
        "status": AGENCY,
        "records": AGENCY,
        "pairs_scored": AGENCY,
        "auto_linked": AGENCY,
        "to_review": AGENCY,
        "error": AGENCY,
    }
    restricted_fields: ClassVar[Mapping[str, Classification]] = {}
    agency_text_fields: ClassVar[frozenset[str]] = frozenset({"stage", "error"})

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=12, choices=LinkageRunMode.choices)
    status = models.CharField(
        max_length=8, choices=LinkageRunStatus.choices, default=LinkageRunStatus.QUEUED
    )
    #: What the run is doing now, in plain words, and how far along it is (0 to 100).
    stage = models.CharField(max_length=200, blank=True)
    percent = models.PositiveSmallIntegerField(default=0)
    records = models.PositiveIntegerField(default=0)
    pairs_scored = models.PositiveBigIntegerField(default=0)
    auto_linked = models.PositiveIntegerField(default=0)
    to_review = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "-created_at", "-id"])]

    def __str__(self) -> str:
        return f"Linkage run {self.pk}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


class CandidateStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    LINKED = "linked", _("Linked")
    KEPT_APART = "kept_apart", _("Kept apart")


class MatchCandidate(models.Model):
    """A pair of records that linkage scored between the thresholds, waiting for a person to
    decide; decided pairs stay, so a later run does not ask again. ``left`` has the lower
    primary key."""

    access_classification: ClassVar[str] = Classification.PERSONAL
    access_org_lookup: ClassVar[str] = "organization"
    access_read_roles: ClassVar[frozenset[Role]] = IDENTITY_KEEPERS
    access_write_roles: ClassVar[frozenset[Role]] = IDENTITY_KEEPERS
    audit_classifications: ClassVar[Mapping[str, str]] = {
        "left": AGENCY,
        "right": AGENCY,
        "probability": AGENCY,
        "status": AGENCY,
    }
    restricted_fields: ClassVar[Mapping[str, Classification]] = {}
    agency_text_fields: ClassVar[frozenset[str]] = frozenset()

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    left = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField()
    #: Which comparisons agreed and how strongly, as linkage explained the score (field name
    #: to the comparison level's label); shown beside the two records.
    evidence = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=CandidateStatus.choices, default=CandidateStatus.PENDING
    )
    run = models.ForeignKey(
        LinkageRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-probability", "pk"]
        indexes = [
            models.Index(fields=["organization", "status", "-probability", "id"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["left", "right"], name="people_candidate_pair"),
            models.CheckConstraint(
                condition=models.Q(left__lt=models.F("right")), name="people_candidate_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"Possible match {self.pk}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


class IdentityChangeKind(models.TextChoices):
    AUTO_LINK = "auto_link", _("Linked by linkage")
    LINK = "link", _("Linked by a person")
    UNLINK = "unlink", _("Record taken out")
    MERGE = "merge", _("Two people merged")
    UNDO = "undo", _("Change undone")


class IdentityChange(models.Model):
    """One change of which records belong to which identity, kept so it can be undone:
    ``before`` and ``after`` map each record touched (its pk, as a string) to its identity pk
    (or null). Undoing writes a new change that restores ``before`` and names this one."""

    access_classification: ClassVar[str] = Classification.PERSONAL
    access_org_lookup: ClassVar[str] = "organization"
    access_read_roles: ClassVar[frozenset[Role]] = IDENTITY_KEEPERS
    access_write_roles: ClassVar[frozenset[Role]] = IDENTITY_KEEPERS
    audit_classifications: ClassVar[Mapping[str, str]] = {
        "kind": AGENCY,
        "before": AGENCY,
        "after": AGENCY,
        "candidate": AGENCY,
        "undoes": AGENCY,
        "run": AGENCY,
    }
    restricted_fields: ClassVar[Mapping[str, Classification]] = {}
    agency_text_fields: ClassVar[frozenset[str]] = frozenset()

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=IdentityChangeKind.choices)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    candidate = models.ForeignKey(
        MatchCandidate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    run = models.ForeignKey(
        LinkageRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    undoes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="undone_by"
    )
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    made_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-made_at", "-pk"]
        indexes = [models.Index(fields=["organization", "-made_at", "-id"])]

    def __str__(self) -> str:
        return f"Identity change {self.pk}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})
