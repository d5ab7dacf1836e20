"""The self-assessment: editions of the instrument, assessments, respondents and their answers,
the committee's agreed ratings, and the action plan that turns gaps into work.

Models hold data and invariants only; every change goes through ``services.py``.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pmhc.platform.models import Classification, Organization, Role, User

#: The four steps of the continuum, as stored (0-3) and as shown.
LEVELS: tuple[tuple[int, str | Promise], ...] = (
    (0, _("Not started")),
    (1, _("Beginning")),
    (2, _("Developing")),
    (3, _("Established")),
)
TOP_LEVEL = 3

#: Who runs a program's assessments, and who reads their combined answers and reports.
ASSESSMENT_KEEPERS = frozenset({Role.COORDINATOR, Role.ADMINISTRATOR})
ASSESSMENT_READERS = frozenset(
    {Role.COORDINATOR, Role.ADMINISTRATOR, Role.SUPERVISOR, Role.ANALYST}
)


class EditionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Instrument(models.Model):
    """One edition of the instrument. ``content`` holds the profile questions and the ten
    elements with their items (see ``instrument.py``). A published edition never changes;
    staff revise by drafting the next edition."""

    access_classification: ClassVar[str] = Classification.PUBLIC
    access_org_lookup: ClassVar[str] = "pk"

    edition = models.PositiveIntegerField(unique=True)
    status = models.CharField(max_length=10, choices=EditionStatus.choices)
    content = models.JSONField()
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-edition"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="draft"), name="one_instrument_draft"
            )
        ]

    def __str__(self) -> str:
        return f"Edition {self.edition}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset()


class Mode(models.TextChoices):
    QUICK = "quick", _("Quick (one person)")
    COMMITTEE = "committee", _("Planning committee")


class AssessmentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Assessment(models.Model):
    """One sitting of the instrument: a quick one by one person, reached by a private link, or
    a program's committee assessment with several respondents and agreed ratings."""

    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "organization"
    access_write_roles: ClassVar[frozenset[Role]] = ASSESSMENT_KEEPERS
    access_read_roles: ClassVar[frozenset[Role]] = ASSESSMENT_READERS

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments",
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=10, choices=Mode.choices)
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        max_length=8, choices=AssessmentStatus.choices, default=AssessmentStatus.OPEN
    )
    #: Quick assessments: the SHA-256 of the private link's token.
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    #: The agency profile: answers to the instrument's profile questions, by key.
    profile = models.JSONField(default=dict, blank=True)
    opened_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(mode="quick") & Q(organization__isnull=True))
                | (Q(mode="committee") & Q(organization__isnull=False)),
                name="committee_assessments_belong_to_a_program",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == AssessmentStatus.OPEN

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id}) if self.organization_id else frozenset()


class Perspective(models.TextChoices):
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    MENTAL_HEALTH = "mental_health", _("Mental health")
    LIVED_EXPERIENCE = "lived_experience", _("Lived experience or family")
    OTHER = "other", _("Other partner")


class Respondent(models.Model):
    """A person answering an assessment on their own. On a committee assessment the
    coordinator invites them; each gets a private link, and members with an account answer
    signed in."""

    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "assessment__organization"
    access_write_roles: ClassVar[frozenset[Role]] = ASSESSMENT_KEEPERS
    access_read_roles: ClassVar[frozenset[Role]] = ASSESSMENT_READERS

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="respondents")
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="assessment_invites"
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    organization_name = models.CharField(_("organization"), max_length=200, blank=True)
    perspective = models.CharField(
        _("perspective"), max_length=20, choices=Perspective.choices, blank=True
    )
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    invited_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["invited_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "email"],
                condition=~Q(email=""),
                name="one_invitation_per_email",
            )
        ]

    def __str__(self) -> str:
        return self.name or str(_("Respondent"))

    def access_organization_ids(self) -> frozenset[int]:
        return self.assessment.access_organization_ids()


class RatingFields(models.Model):
    """A rating on the continuum (0-3), or "don't know", or nothing yet."""

    item_key = models.CharField(max_length=120)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    dont_know = models.BooleanField(default=False)
    note = models.TextField(blank=True)

    class Meta:
        abstract = True


class Answer(RatingFields):
    respondent = models.ForeignKey(Respondent, on_delete=models.CASCADE, related_name="answers")
    evidence_url = models.URLField(_("evidence link"), max_length=500, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["respondent", "item_key"]
        constraints = [
            models.UniqueConstraint(fields=["respondent", "item_key"], name="one_answer_per_item"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | (Q(rating__lte=TOP_LEVEL) & Q(dont_know=False)),
                name="answer_is_a_rating_or_dont_know",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_key}: {self.rating}"


class AgreedRating(RatingFields):
    """The planning committee's agreed rating of one item, recorded by the coordinator."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="agreed_ratings"
    )
    agreed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    agreed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["assessment", "item_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "item_key"], name="one_agreement_per_item"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | (Q(rating__lte=TOP_LEVEL) & Q(dont_know=False)),
                name="agreement_is_a_rating_or_dont_know",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_key}: {self.rating}"


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


OPEN_ACTION_STATUSES = (ActionStatus.PLANNED, ActionStatus.IN_PROGRESS)


class PlanAction(models.Model):
    """One action of a program's plan, usually made from a gap the assessment found."""

    access_classification: ClassVar[str] = Classification.AGENCY
    access_org_lookup: ClassVar[str] = "organization"
    access_write_roles: ClassVar[frozenset[Role]] = ASSESSMENT_KEEPERS
    access_read_roles: ClassVar[frozenset[Role]] = ASSESSMENT_READERS

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="plan_actions"
    )
    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    element = models.PositiveSmallIntegerField(_("essential element"))
    item_key = models.CharField(max_length=120, blank=True)
    title = models.CharField(_("action"), max_length=250)
    detail = models.TextField(_("details"), blank=True)
    owner = models.CharField(_("owner"), max_length=200)
    due_on = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.PLANNED
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    completed_on = models.DateField(null=True, blank=True)
    #: The last local day the coordinator was told this action is overdue.
    overdue_flagged_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(element__gte=1) & Q(element__lte=10), name="action_element_1_to_10"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ACTION_STATUSES

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})
