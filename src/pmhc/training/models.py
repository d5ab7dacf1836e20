"""Train: courses, the roster, sessions, enrollments, completions and the certifications they
grant. Models hold data and invariants only; every change goes through ``services.py``.

Access. Every record here is classified AGENCY and belongs to the agency that keeps the roster.
The policy table grants AGENCY data for administration to every member of an organization, so
each model narrows it further with ``access_read_roles``: a roster and its training records are
for the people who run the program (coordinators, supervisors, administrators), not for every
officer on it; ``access_write_roles`` lets only coordinators and administrators change them.
An officer or call-taker sees their own record through the link from their roster entry to
their user (``selectors.own_trainee``). A partner organization sees nothing unless an agreement
in force covers agency data for administration and the partner's role is one of the readers.
PERSONAL would have hidden the roster from supervisors and administrators, whose grants hold
no personal data for administration, and a badge number, a shift and a course date are the
agency's own staffing facts rather than a member of the public's personal data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmhc.platform.models import Classification, Organization, Role

#: Who reads the roster and its training records, and who changes them.
TRAINING_READERS = frozenset({Role.COORDINATOR, Role.SUPERVISOR, Role.ADMINISTRATOR})
TRAINING_WRITERS = frozenset({Role.COORDINATOR, Role.ADMINISTRATOR})


class CourseKind(models.TextChoices):
    """What a course counts towards in coverage."""

    CIT = "cit", _("Crisis Intervention Team (CIT)")
    DISPATCHER = "dispatcher", _("Call-taker and dispatcher CIT")
    MHFA = "mhfa", _("Mental Health First Aid or equivalent")
    REFRESHER = "refresher", _("CIT refresher")
    OTHER = "other", _("Other")


class CertificationKind(models.TextChoices):
    CIT = "cit", _("CIT")
    DISPATCHER = "dispatcher", _("Dispatcher CIT")
    MHFA = "mhfa", _("Mental Health First Aid")


#: The certification a completed course grants or renews. A refresher renews CIT for someone
#: who already completed the full CIT course; other courses grant none.
CERTIFIES: dict[str, str] = {
    CourseKind.CIT: CertificationKind.CIT,
    CourseKind.DISPATCHER: CertificationKind.DISPATCHER,
    CourseKind.MHFA: CertificationKind.MHFA,
    CourseKind.REFRESHER: CertificationKind.CIT,
}


@dataclass(frozen=True)
class StandardCourse:
    code: str
    name: Any
    kind: CourseKind
    hours: Decimal | None


#: The courses the field names (the seed and the issue). Agencies set how long each
#: certification lasts and when a refresher is due: those differ between agencies, so they
#: start empty. Hours are left empty where the field gives no single number.
STANDARD_COURSES: tuple[StandardCourse, ...] = (
    StandardCourse("cit", _("CIT core course"), CourseKind.CIT, Decimal(40)),
    StandardCourse(
        "dispatcher_cit",
        _("CIT for call-takers and dispatchers"),
        CourseKind.DISPATCHER,
        Decimal(8),
    ),
    StandardCourse(
        "mhfa_ps",
        _("Mental Health First Aid for Public Safety"),
        CourseKind.MHFA,
        Decimal("6.5"),
    ),
    StandardCourse("cit_refresher", _("CIT refresher"), CourseKind.REFRESHER, None),
    StandardCourse("de_escalation", _("De-escalation"), CourseKind.OTHER, None),
)
STANDARD_BY_CODE = {course.code: course for course in STANDARD_COURSES}


class TraineeRole(models.TextChoices):
    PATROL = "patrol_officer", _("Patrol officer")
    SUPERVISOR = "supervisor", _("Supervisor")
    OTHER_SWORN = "other_sworn", _("Other sworn")
    DISPATCHER = "call_taker_dispatcher", _("Call-taker / dispatcher")
    NON_SWORN = "non_sworn", _("Non-sworn staff")


SWORN_ROLES = frozenset({TraineeRole.PATROL, TraineeRole.SUPERVISOR, TraineeRole.OTHER_SWORN})


class CitSelection(models.TextChoices):
    """How an officer came to CIT: the Memphis model asks for volunteers."""

    UNKNOWN = "", _("Not recorded")
    VOLUNTEER = "volunteer", _("Volunteered")
    ASSIGNED = "assigned", _("Assigned")


class CompletionSource(models.TextChoices):
    SESSION = "session", _("Session attendance")
    IMPORT = "import", _("Roster import")
    MANUAL = "manual", _("Entered by hand")


class EnrollmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no_show", _("Did not attend")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Previewed")
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Being applied")
    APPLIED = "applied", _("Applied")
    FAILED = "failed", _("Not applied")


class _AgencyRecord(models.Model):
    access_classification: ClassVar[str] = Classification.AGENCY
    access_read_roles: ClassVar[frozenset[Role]] = TRAINING_READERS
    access_write_roles: ClassVar[frozenset[Role]] = TRAINING_WRITERS

    class Meta:
        abstract = True


class Course(_AgencyRecord):
    """A course in an agency's catalogue. ``code`` names its column in a roster CSV."""

    access_org_lookup: ClassVar[str] = "organization"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="training_courses"
    )
    code = models.SlugField(
        _("code"),
        max_length=40,
        help_text=_("Lowercase letters, digits and underscores; the column name in a roster CSV."),
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("counts as"), max_length=16, choices=CourseKind.choices)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, null=True, blank=True)
    validity_months = models.PositiveSmallIntegerField(
        _("certification valid for (months)"),
        null=True,
        blank=True,
        help_text=_("Leave empty if the certification does not expire."),
    )
    refresher_due_months = models.PositiveSmallIntegerField(
        _("refresher due after (months)"), null=True, blank=True
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("offered"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"], name="training_course_code_unique"
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gt=0), name="training_course_hours"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


class Trainee(_AgencyRecord):
    """One entry of an agency's roster."""

    access_org_lookup: ClassVar[str] = "organization"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="trainees"
    )
    badge_number = models.CharField(_("badge number"), max_length=30)
    last_name = models.CharField(_("last name"), max_length=100)
    first_name = models.CharField(_("first name"), max_length=100)
    role = models.CharField(_("role"), max_length=32, choices=TraineeRole.choices)
    shift = models.CharField(_("shift"), max_length=40, blank=True)
    district = models.CharField(_("district"), max_length=60, blank=True)
    cit_selection = models.CharField(
        _("came to CIT by"), max_length=16, choices=CitSelection.choices, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_records",
        verbose_name=_("sign-in account"),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization", "last_name", "first_name", "badge_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "badge_number"], name="training_badge_unique"
            ),
            models.UniqueConstraint(
                fields=["organization", "user"],
                condition=Q(user__isnull=False),
                name="training_one_entry_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.last_name}, {self.first_name} ({self.badge_number})"

    @property
    def is_sworn(self) -> bool:
        return self.role in SWORN_ROLES

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


class Session(_AgencyRecord):
    """One scheduled delivery of a course."""

    access_org_lookup: ClassVar[str] = "course__organization"

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    location = models.CharField(_("location"), max_length=200)
    instructors = models.CharField(_("instructors"), max_length=300, blank=True)
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="training_session_dates"
            ),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="training_session_capacity"),
        ]

    def __str__(self) -> str:
        return f"{self.course} ({self.starts_on:%Y-%m-%d})"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.course.organization_id})


class Enrollment(_AgencyRecord):
    access_org_lookup: ClassVar[str] = "session__course__organization"

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="enrollments")
    trainee = models.ForeignKey(Trainee, on_delete=models.PROTECT, related_name="enrollments")
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=EnrollmentStatus.choices,
        default=EnrollmentStatus.ENROLLED,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["trainee__last_name", "trainee__first_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "trainee"], name="training_one_enrollment_per_session"
            )
        ]

    def __str__(self) -> str:
        return f"{self.trainee} in {self.session}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.trainee.organization_id})


class Completion(_AgencyRecord):
    """A course a trainee completed. One per trainee, course and day: this is what makes a
    re-import of the same roster change nothing."""

    access_org_lookup: ClassVar[str] = "trainee__organization"

    trainee = models.ForeignKey(Trainee, on_delete=models.PROTECT, related_name="completions")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="completions")
    completed_on = models.DateField(_("completed on"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, null=True, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=CompletionSource.choices)
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, null=True, blank=True, related_name="completions"
    )
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-completed_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["trainee", "course", "completed_on"], name="training_completion_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.trainee} completed {self.course} on {self.completed_on}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.trainee.organization_id})


def current_on(on: dt.date, *, through: str = "") -> Q:
    """The one rule for a certification current on ``on``: issued by then and not yet expired
    (one with no expiry date never expires). ``through`` is the path from the queried model to
    the certification, e.g. ``"certifications__"`` from a trainee."""
    return Q(**{f"{through}issued_on__lte": on}) & (
        Q(**{f"{through}expires_on__isnull": True}) | Q(**{f"{through}expires_on__gt": on})
    )


class CertificationQuerySet(models.QuerySet["Certification"]):
    def current_on(self, on: dt.date) -> CertificationQuerySet:
        """The certifications current on ``on`` (see ``current_on``)."""
        return self.filter(current_on(on))


class Certification(_AgencyRecord):
    """What a completion grants, derived by the services from the completion and its course:
    kept as rows so that coverage for a whole roster is two queries."""

    access_org_lookup: ClassVar[str] = "trainee__organization"

    trainee = models.ForeignKey(Trainee, on_delete=models.PROTECT, related_name="certifications")
    completion = models.OneToOneField(
        Completion, on_delete=models.CASCADE, related_name="certification"
    )
    kind = models.CharField(_("certification"), max_length=16, choices=CertificationKind.choices)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    refresher_due_on = models.DateField(_("refresher due on"), null=True, blank=True)

    objects = CertificationQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_on", "pk"]
        indexes = [models.Index(fields=["kind", "issued_on", "expires_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.trainee} from {self.issued_on}"

    def is_current_on(self, on: dt.date) -> bool:
        """The rule of ``current_on``, for a certification already fetched."""
        return self.issued_on <= on and (self.expires_on is None or self.expires_on > on)

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.trainee.organization_id})


class RosterImport(_AgencyRecord):
    """An uploaded roster file, kept between its preview and its application. Applying it
    runs in the background: the page follows ``status`` from queued to applied (or failed,
    with ``error``)."""

    access_org_lookup: ClassVar[str] = "organization"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="roster_imports"
    )
    file_name = models.CharField(max_length=200)
    content = models.TextField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED
    )
    summary = models.JSONField(default=dict, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})
