"""Every write to the catalogue, the roster, sessions and completions. Coordinators and
administrators of the agency that keeps the roster make them; each is audited in the same
transaction. Certifications are derived here from each completion and its course."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.platform import audit, bulk
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.dates import add_months
from pmhc.platform.models import Membership, Organization, Purpose, User
from pmhc.training.audit_codes import TrainingAudit
from pmhc.training.models import (
    CERTIFIES,
    STANDARD_COURSES,
    Certification,
    CertificationKind,
    CitSelection,
    Completion,
    CompletionSource,
    Course,
    CourseKind,
    Enrollment,
    EnrollmentStatus,
    Session,
    Trainee,
    TraineeRole,
)
from pmhc.training.selectors import training_target

ADMIN = Purpose.ADMINISTRATION
COURSE_FIELDS = (
    "code",
    "name",
    "kind",
    "hours",
    "validity_months",
    "refresher_due_months",
    "description",
    "is_active",
)
TRAINEE_FIELDS = (
    "badge_number",
    "last_name",
    "first_name",
    "role",
    "shift",
    "district",
    "cit_selection",
    "is_active",
    "user",
)
SESSION_FIELDS = ("course", "starts_on", "ends_on", "location", "instructors", "capacity")
COMPLETION_FIELDS = ("trainee", "course", "completed_on", "hours", "source", "session")


def _authorize(actor: Actor, organization: Organization, action: Action = Action.CHANGE) -> None:
    decision = decide(actor, action, training_target(organization), ADMIN)
    if not decision:
        raise PermissionDenied(decision.reason)


def _clean(instance: Any, errors: dict[str, str], exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, " ".join(messages))
    if errors:
        raise ValidationError(errors)


# --- Courses -----------------------------------------------------------------------------


def _apply_course(course: Course, values: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    course.code = str(values["code"]).strip().lower()
    course.name = str(values["name"]).strip()
    course.kind = values["kind"]
    course.hours = values["hours"]
    course.validity_months = values["validity_months"]
    course.refresher_due_months = values["refresher_due_months"]
    course.description = str(values["description"]).strip()
    course.is_active = bool(values["is_active"])
    if course.kind not in CourseKind.values:
        errors["kind"] = _("Choose what the course counts as.")
    if course.hours is not None and course.hours <= 0:
        errors["hours"] = _("Hours must be more than zero.")
    duplicate = Course.objects.filter(organization_id=course.organization_id, code=course.code)
    if duplicate.exclude(pk=course.pk).exists():
        errors["code"] = _("Another course already uses this code.")
    _clean(course, errors, exclude=["organization"])


@transaction.atomic
def create_course(
    actor: Actor,
    *,
    organization: Organization,
    code: str,
    name: str,
    kind: str,
    hours: Decimal | None = None,
    validity_months: int | None = None,
    refresher_due_months: int | None = None,
    description: str = "",
    is_active: bool = True,
) -> Course:
    """Add a course to the agency's catalogue."""
    _authorize(actor, organization, Action.CREATE)
    course = Course(organization=organization)
    _apply_course(course, locals())
    course.save()
    audit.record(
        TrainingAudit.COURSE_SAVED,
        actor=actor,
        organization_id=organization.pk,
        obj=course,
        purpose=ADMIN,
        after=audit.snapshot(course, COURSE_FIELDS),
    )
    return course


@transaction.atomic
def update_course(
    actor: Actor,
    *,
    course: Course,
    code: str,
    name: str,
    kind: str,
    hours: Decimal | None = None,
    validity_months: int | None = None,
    refresher_due_months: int | None = None,
    description: str = "",
    is_active: bool = True,
) -> Course:
    """Change a course; the certifications its completions granted follow the new rules."""
    _authorize(actor, course.organization)
    course = Course.objects.select_for_update().select_related("organization").get(pk=course.pk)
    before = audit.snapshot(course, COURSE_FIELDS)
    _apply_course(course, locals())
    after = audit.snapshot(course, COURSE_FIELDS)
    if after == before:
        return course
    course.updated_at = timezone.now()
    course.save()
    for completion in course.completions.select_related("course", "trainee"):
        _certify(completion)
    audit.record(
        TrainingAudit.COURSE_SAVED,
        actor=actor,
        organization_id=course.organization_id,
        obj=course,
        purpose=ADMIN,
        before=before,
        after=after,
    )
    return course


@transaction.atomic
def add_standard_courses(
    actor: Actor, *, organization: Organization, codes: list[str] | None = None
) -> list[Course]:
    """Add the standard courses the catalogue lacks (all, or those named by ``codes``)."""
    _authorize(actor, organization, Action.CREATE)
    existing = set(Course.objects.filter(organization=organization).values_list("code", flat=True))
    added: list[Course] = []
    for standard in STANDARD_COURSES:
        if standard.code in existing or (codes is not None and standard.code not in codes):
            continue
        added.append(
            create_course(
                actor,
                organization=organization,
                code=standard.code,
                name=str(standard.name),
                kind=standard.kind,
                hours=standard.hours,
            )
        )
    return added


# --- Roster ------------------------------------------------------------------------------


def _apply_trainee(trainee: Trainee, values: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    trainee.badge_number = str(values["badge_number"]).strip()
    trainee.last_name = str(values["last_name"]).strip()
    trainee.first_name = str(values["first_name"]).strip()
    trainee.role = values["role"]
    trainee.shift = str(values["shift"]).strip()
    trainee.district = str(values["district"]).strip()
    trainee.cit_selection = values["cit_selection"] or CitSelection.UNKNOWN
    trainee.is_active = bool(values["is_active"])
    user: User | None = values["user"]
    linked_before = trainee.user_id
    trainee.user = user
    if trainee.role == TraineeRole.PATROL and not (trainee.shift and trainee.district):
        errors["shift" if not trainee.shift else "district"] = _(
            "A patrol officer needs a shift and a district: coverage is counted by both."
        )
    others = Trainee.objects.filter(organization_id=trainee.organization_id).exclude(pk=trainee.pk)
    if others.filter(badge_number=trainee.badge_number).exists():
        errors["badge_number"] = _("Another roster entry has this badge number.")
    # The link is checked when it changes: an entry linked to someone whose membership has
    # since ended keeps its link (and its history) and can still be updated, e.g. by an import.
    if user is not None and user.pk != linked_before:
        if not Membership.objects.filter(
            user=user, organization_id=trainee.organization_id, is_active=True
        ).exists():
            errors["user"] = _("Link only a member of this organization.")
        elif others.filter(user=user).exists():
            errors["user"] = _("This account is already linked to another roster entry.")
    _clean(trainee, errors, exclude=["organization", "user"])


@transaction.atomic
def create_trainee(
    actor: Actor,
    *,
    organization: Organization,
    badge_number: str,
    last_name: str,
    first_name: str,
    role: str,
    shift: str = "",
    district: str = "",
    cit_selection: str = "",
    is_active: bool = True,
    user: User | None = None,
) -> Trainee:
    """Add someone to the roster."""
    _authorize(actor, organization, Action.CREATE)
    trainee = Trainee(organization=organization)
    _apply_trainee(trainee, locals())
    trainee.save()
    audit.record(
        TrainingAudit.TRAINEE_SAVED,
        actor=actor,
        organization_id=organization.pk,
        obj=trainee,
        purpose=ADMIN,
        after=audit.snapshot(trainee, TRAINEE_FIELDS),
    )
    return trainee


@transaction.atomic
def update_trainee(
    actor: Actor,
    *,
    trainee: Trainee,
    badge_number: str,
    last_name: str,
    first_name: str,
    role: str,
    shift: str = "",
    district: str = "",
    cit_selection: str = "",
    is_active: bool = True,
    user: User | None = None,
) -> Trainee:
    """Change a roster entry (``is_active=False`` takes it out of coverage, keeping its
    history); linking a user lets that person see their own record."""
    _authorize(actor, trainee.organization)
    trainee = Trainee.objects.select_for_update().select_related("organization").get(pk=trainee.pk)
    before = audit.snapshot(trainee, TRAINEE_FIELDS)
    _apply_trainee(trainee, locals())
    after = audit.snapshot(trainee, TRAINEE_FIELDS)
    if after == before:
        return trainee
    trainee.updated_at = timezone.now()
    trainee.save()
    audit.record(
        TrainingAudit.TRAINEE_SAVED,
        actor=actor,
        organization_id=trainee.organization_id,
        obj=trainee,
        purpose=ADMIN,
        before=before,
        after=after,
    )
    return trainee


# --- Completions and certifications ------------------------------------------------------


def _certify(completion: Completion) -> Certification | None:
    """(Re)derive the certification a completion grants: by the course's kind, from the day
    of completion, for the course's validity. A refresher renews CIT only for someone who
    completed the full CIT course before it."""
    course = completion.course
    kind = CERTIFIES.get(course.kind)
    if kind == CertificationKind.CIT and course.kind == CourseKind.REFRESHER:
        has_core = Completion.objects.filter(
            trainee_id=completion.trainee_id,
            course__kind=CourseKind.CIT,
            completed_on__lte=completion.completed_on,
        ).exists()
        kind = kind if has_core else None
    if kind is None:
        Certification.objects.filter(completion=completion).delete()
        return None
    issued = completion.completed_on
    values = {
        "trainee_id": completion.trainee_id,
        "kind": kind,
        "issued_on": issued,
        "expires_on": add_months(issued, course.validity_months)
        if course.validity_months
        else None,
        "refresher_due_on": add_months(issued, course.refresher_due_months)
        if course.refresher_due_months
        else None,
    }
    certification, _created = Certification.objects.update_or_create(
        completion=completion, defaults=values
    )
    return certification


def insert_rows(
    model: type[models.Model], fields: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Insert ready rows (values already as the database stores them: see ``db_value``) with
    the database's bulk path (``platform.bulk``), without building a model instance per row.
    The caller has checked every value and access, and audits the write."""
    concrete = {field.name: field.column for field in model._meta.concrete_fields}
    bulk.insert_rows(model._meta.db_table, [concrete[name] for name in fields], rows)


def db_value(value: Any) -> Any:
    """A date, a time stamp or a decimal as the database stores it (``insert_rows``)."""
    ops = connection.ops
    if isinstance(value, dt.datetime):
        return ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return ops.adapt_datefield_value(value)
    if isinstance(value, Decimal):
        return ops.adapt_decimalfield_value(value)
    return value


#: (completion id, trainee id, course id, day completed)
NewCompletion = tuple[int, int, int, dt.date]


def certify_many(completions: list[NewCompletion], courses: dict[int, Course]) -> int:
    """The certifications that new completions grant, for many at once (``_certify``'s rule
    in two statements whatever their number): each completion of a certifying course is
    certified; a refresher is certified when its trainee has the full CIT course on or before
    its day, and a new CIT completion lets refreshers already on record after it gain theirs.
    ``courses`` maps the course ids of ``completions`` to their courses. Returns how many
    certifications were created. The caller has checked access."""
    cit_kinds = {CourseKind.CIT, CourseKind.REFRESHER}
    #: (completion id, trainee id, day, kind, validity months, refresher months)
    issue: list[tuple[int, int, dt.date, str, int | None, int | None]] = []
    touched: set[int] = set()
    for completion_id, trainee_id, course_id, day in completions:
        course = courses[course_id]
        kind = CERTIFIES.get(course.kind)
        if course.kind in cit_kinds:
            touched.add(trainee_id)
        elif kind is not None:
            issue.append(
                (
                    completion_id,
                    trainee_id,
                    day,
                    kind,
                    course.validity_months,
                    course.refresher_due_months,
                )
            )
    if touched:
        # Every CIT and refresher completion of the trainees concerned, new or old: the
        # earliest full CIT course decides which refreshers renew CIT.
        related = list(
            Completion.objects.filter(trainee_id__in=touched, course__kind__in=cit_kinds)
            .annotate(certified=Exists(Certification.objects.filter(completion=OuterRef("pk"))))
            .values_list(
                "pk",
                "trainee_id",
                "completed_on",
                "course__kind",
                "course__validity_months",
                "course__refresher_due_months",
                "certified",
            )
        )
        first_core: dict[int, dt.date] = {}
        for _pk, trainee_id, day, kind, *_rest in related:
            if kind == CourseKind.CIT:
                known = first_core.get(trainee_id)
                if known is None or day < known:
                    first_core[trainee_id] = day
        for pk, trainee_id, day, kind, validity, refresher, certified in related:
            core = first_core.get(trainee_id)
            if not certified and (kind == CourseKind.CIT or (core is not None and core <= day)):
                issue.append((pk, trainee_id, day, CertificationKind.CIT, validity, refresher))
    insert_rows(
        Certification,
        ("trainee", "completion", "kind", "issued_on", "expires_on", "refresher_due_on"),
        [
            (
                trainee_id,
                completion_id,
                kind,
                db_value(day),
                db_value(add_months(day, validity)) if validity else None,
                db_value(add_months(day, refresher)) if refresher else None,
            )
            for completion_id, trainee_id, day, kind, validity, refresher in issue
        ],
    )
    return len(issue)


def _record_completion(
    actor: Actor,
    *,
    trainee: Trainee,
    course: Course,
    completed_on: dt.date,
    hours: Decimal | None,
    source: str,
    session: Session | None = None,
) -> tuple[Completion, bool]:
    """Record one completion unless the same trainee, course and day is already recorded;
    returns it and whether it is new. The caller has checked access."""
    existing = Completion.objects.filter(
        trainee=trainee, course=course, completed_on=completed_on
    ).first()
    if existing is not None:
        return existing, False
    errors: dict[str, str] = {}
    if course.organization_id != trainee.organization_id:
        errors["course"] = _("Choose a course of this agency's catalogue.")
    if completed_on > timezone.localdate() + dt.timedelta(days=1):
        errors["completed_on"] = _("A completion date cannot be in the future.")
    if hours is not None and hours <= 0:
        errors["hours"] = _("Hours must be more than zero.")
    if errors:
        raise ValidationError(errors)
    completion = Completion.objects.create(
        trainee=trainee,
        course=course,
        completed_on=completed_on,
        hours=hours if hours is not None else course.hours,
        source=source,
        session=session,
    )
    _certify(completion)
    # A refresher recorded before its core course gains its certification once the core
    # course is on record.
    if course.kind == CourseKind.CIT:
        for later in Completion.objects.filter(
            trainee=trainee, course__kind=CourseKind.REFRESHER, completed_on__gte=completed_on
        ).select_related("course"):
            _certify(later)
    audit.record(
        TrainingAudit.COMPLETION_RECORDED,
        actor=actor,
        organization_id=trainee.organization_id,
        obj=completion,
        purpose=ADMIN,
        after=audit.snapshot(completion, COMPLETION_FIELDS),
    )
    return completion, True


@transaction.atomic
def record_completion(
    actor: Actor,
    *,
    trainee: Trainee,
    course: Course,
    completed_on: dt.date,
    hours: Decimal | None = None,
) -> Completion:
    """Record by hand that a trainee completed a course (hours default to the course's)."""
    _authorize(actor, trainee.organization, Action.CREATE)
    completion, _new = _record_completion(
        actor,
        trainee=trainee,
        course=course,
        completed_on=completed_on,
        hours=hours,
        source=CompletionSource.MANUAL,
    )
    return completion


# --- Sessions and enrollments ------------------------------------------------------------


def _apply_session(session: Session, organization: Organization, values: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    course: Course = values["course"]
    session.course = course
    session.starts_on = values["starts_on"]
    session.ends_on = values["ends_on"]
    session.location = str(values["location"]).strip()
    session.instructors = str(values["instructors"]).strip()
    session.capacity = values["capacity"]
    if course.organization_id != organization.pk:
        errors["course"] = _("Choose a course of this agency's catalogue.")
    if session.ends_on < session.starts_on:
        errors["ends_on"] = _("The last day cannot be before the first day.")
    if session.capacity is None or session.capacity < 1:
        errors["capacity"] = _("Capacity must be at least one.")
    elif session.pk and session.enrollments.exclude(status=EnrollmentStatus.WITHDRAWN).count() > (
        session.capacity
    ):
        errors["capacity"] = _("More people are enrolled than this capacity allows.")
    _clean(session, errors, exclude=["course"])


@transaction.atomic
def create_session(
    actor: Actor,
    *,
    organization: Organization,
    course: Course,
    starts_on: dt.date,
    ends_on: dt.date,
    location: str,
    capacity: int,
    instructors: str = "",
) -> Session:
    """Schedule a session of one of the agency's courses."""
    _authorize(actor, organization, Action.CREATE)
    session = Session()
    _apply_session(session, organization, locals())
    session.save()
    audit.record(
        TrainingAudit.SESSION_SAVED,
        actor=actor,
        organization_id=organization.pk,
        obj=session,
        purpose=ADMIN,
        after=audit.snapshot(session, SESSION_FIELDS),
    )
    return session


@transaction.atomic
def update_session(
    actor: Actor,
    *,
    session: Session,
    course: Course,
    starts_on: dt.date,
    ends_on: dt.date,
    location: str,
    capacity: int,
    instructors: str = "",
) -> Session:
    organization = session.course.organization
    _authorize(actor, organization)
    session = Session.objects.select_for_update().get(pk=session.pk)
    before = audit.snapshot(session, SESSION_FIELDS)
    _apply_session(session, organization, locals())
    after = audit.snapshot(session, SESSION_FIELDS)
    if after == before:
        return session
    session.updated_at = timezone.now()
    session.save()
    audit.record(
        TrainingAudit.SESSION_SAVED,
        actor=actor,
        organization_id=organization.pk,
        obj=session,
        purpose=ADMIN,
        before=before,
        after=after,
    )
    return session


@transaction.atomic
def enroll(actor: Actor, *, session: Session, trainee: Trainee) -> Enrollment:
    """Put a roster entry on a session, within its capacity."""
    organization = session.course.organization
    _authorize(actor, organization, Action.CREATE)
    session = Session.objects.select_for_update().select_related("course").get(pk=session.pk)
    if trainee.organization_id != organization.pk:
        raise ValidationError({"badge_number": _("No one on the roster has this badge number.")})
    existing = Enrollment.objects.filter(session=session, trainee=trainee).first()
    if existing is not None and existing.status != EnrollmentStatus.WITHDRAWN:
        raise ValidationError({"badge_number": _("This person is already enrolled.")})
    taken = session.enrollments.exclude(status=EnrollmentStatus.WITHDRAWN).count()
    if taken >= session.capacity:
        raise ValidationError(_("The session is full."))
    before = {"status": existing.status} if existing else None
    enrollment = existing or Enrollment(session=session, trainee=trainee)
    enrollment.status = EnrollmentStatus.ENROLLED
    enrollment.updated_at = timezone.now()
    enrollment.save()
    audit.record(
        TrainingAudit.ENROLLMENT_CHANGED,
        actor=actor,
        organization_id=organization.pk,
        obj=enrollment,
        purpose=ADMIN,
        before=before,
        after={"session": session.pk, "trainee": trainee.pk, "status": enrollment.status},
    )
    return enrollment


@transaction.atomic
def set_enrollment_status(actor: Actor, *, enrollment: Enrollment, status: str) -> Enrollment:
    """Mark attendance. Attending records the completion (on the session's last day, with the
    course's hours); a completion already recorded stays even if attendance is corrected."""
    enrollment = (
        Enrollment.objects.select_for_update()
        .select_related("session__course__organization", "trainee")
        .get(pk=enrollment.pk)
    )
    session = enrollment.session
    organization = session.course.organization
    _authorize(actor, organization)
    if status not in EnrollmentStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    if status == EnrollmentStatus.ATTENDED and session.ends_on > timezone.localdate():
        raise ValidationError({"status": _("Attendance is recorded once the session has ended.")})
    if status == enrollment.status:
        return enrollment
    before = {"status": enrollment.status}
    enrollment.status = status
    enrollment.updated_at = timezone.now()
    enrollment.save()
    audit.record(
        TrainingAudit.ENROLLMENT_CHANGED,
        actor=actor,
        organization_id=organization.pk,
        obj=enrollment,
        purpose=ADMIN,
        before=before,
        after={"status": status},
    )
    if status == EnrollmentStatus.ATTENDED:
        _record_completion(
            actor,
            trainee=enrollment.trainee,
            course=session.course,
            completed_on=session.ends_on,
            hours=None,
            source=CompletionSource.SESSION,
            session=session,
        )
    return enrollment
