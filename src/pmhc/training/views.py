"""Train's pages: coverage, the roster and a trainee's record, the course catalogue, sessions,
the roster import, and "my training". Thin: parse, call one selector or service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pmhc.platform.access import Action, Actor
from pmhc.platform.forms import apply_errors
from pmhc.platform.http import actor_of
from pmhc.training import charts, import_services, roster_csv, selectors, services
from pmhc.training.forms import (
    AttendanceForm,
    CompletionForm,
    CourseForm,
    EnrollForm,
    RosterFilterForm,
    RosterUploadForm,
    SessionForm,
    TraineeForm,
)
from pmhc.training.models import STANDARD_COURSES, Course, ImportStatus, Session, Trainee

ROSTER_PAGE = 100


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], form: Any = None
) -> HttpResponse:
    status = 400 if form is not None and form.errors else 200
    return render(request, f"training/{template}", context, status=status)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Coverage for those who run the roster; officers and call-takers land on their own
    record; for other roles Train is not there (404), as the menu does not offer it."""
    actor = actor_of(request)
    organization = selectors.training_organization(actor)
    if organization is None:
        if not selectors.opens_train(actor):
            raise Http404("Not found")
        return redirect("training_mine")
    figures, grid = selectors.coverage_with_grid(actor, organization)
    shift_label = _("Bar chart: share of patrol CIT-certified by shift; the table beside it.")
    district_label = _("Bar chart: share of patrol CIT-certified by district; the table beside it.")
    return _render(
        request,
        "coverage.html",
        {
            "organization": organization,
            "coverage": figures,
            "grid": grid,
            "shift_chart": charts.share_chart(figures.by_shift, label=shift_label),
            "district_chart": charts.share_chart(figures.by_district, label=district_label),
            "can_write": selectors.can_write(actor, organization),
        },
    )


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    trainee = selectors.own_trainee(actor)
    context: dict[str, Any] = {"trainee": trainee}
    if trainee is not None:
        completions, certifications, enrollments = selectors.record_details(trainee)
        context |= {
            "completions": completions,
            "certifications": certifications,
            "enrollments": enrollments,
        }
    return _render(request, "mine.html", context)


# --- Roster ------------------------------------------------------------------------------


@login_required
def roster(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.require_training_organization(actor)
    shifts, districts = selectors.roster_choices(organization)
    form = RosterFilterForm(request.GET or None, shifts=shifts, districts=districts)
    entries = selectors.roster(actor, organization, form.filters())
    shown = list(entries[: ROSTER_PAGE + 1])
    return _render(
        request,
        "roster.html",
        {
            "organization": organization,
            "form": form,
            "entries": shown[:ROSTER_PAGE],
            "more": len(shown) > ROSTER_PAGE,
            "limit": ROSTER_PAGE,
            "can_write": selectors.can_write(actor, organization),
        },
    )


def _trainee_form(
    request: HttpRequest, actor: Actor, organization: Any, trainee: Trainee | None
) -> TraineeForm:
    initial: dict[str, Any] = {"is_active": True}
    if trainee is not None:
        initial = {name: getattr(trainee, name) for name in services.TRAINEE_FIELDS}
    return TraineeForm(
        request.POST or None,
        initial=initial,
        users=selectors.linkable_users(actor, organization),
    )


@login_required
def trainee_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.require_training_organization(actor)
    if not selectors.can_write(actor, organization):
        raise Http404("Not found")
    form = _trainee_form(request, actor, organization, None)
    if request.method == "POST" and form.is_valid():
        try:
            trainee = services.create_trainee(actor, organization=organization, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Roster entry added."))
            return redirect("training_trainee", pk=trainee.pk)
    return _render(request, "trainee_form.html", {"form": form, "trainee": None}, form)


@login_required
def trainee_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    trainee = selectors.trainee_for_change(actor, pk)
    form = _trainee_form(request, actor, trainee.organization, trainee)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_trainee(actor, trainee=trainee, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Roster entry saved."))
            return redirect("training_trainee", pk=trainee.pk)
    return _render(request, "trainee_form.html", {"form": form, "trainee": trainee}, form)


@login_required
def trainee_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    trainee = selectors.trainee_record(actor, pk)
    completions, certifications, enrollments = selectors.record_details(trainee)
    can_write = selectors.can_write(actor, trainee.organization)
    form = (
        CompletionForm(courses=selectors.courses(actor, trainee.organization))
        if can_write
        else None
    )
    return _render(
        request,
        "trainee.html",
        {
            "trainee": trainee,
            "completions": completions,
            "certifications": certifications,
            "enrollments": enrollments,
            "can_write": can_write,
            "form": form,
        },
    )


@login_required
def completion_new(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    trainee = selectors.trainee_for_change(actor, pk)
    form = CompletionForm(
        request.POST or None, courses=selectors.courses(actor, trainee.organization)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_completion(actor, trainee=trainee, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Completion recorded."))
            return redirect("training_trainee", pk=trainee.pk)
    return _render(request, "completion_form.html", {"form": form, "trainee": trainee}, form)


# --- Catalogue ---------------------------------------------------------------------------


@login_required
def courses(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.require_training_organization(actor)
    catalogue = list(selectors.courses(actor, organization))
    have = {course.code for course in catalogue}
    return _render(
        request,
        "courses.html",
        {
            "organization": organization,
            "courses": catalogue,
            "missing_standard": [c for c in STANDARD_COURSES if c.code not in have],
            "can_write": selectors.can_write(actor, organization),
        },
    )


@login_required
@require_POST
def courses_standard(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.require_training_organization(actor)
    if not selectors.can_write(actor, organization):
        raise Http404("Not found")
    added = services.add_standard_courses(actor, organization=organization)
    messages.success(request, _("%(n)d standard courses added.") % {"n": len(added)})
    return redirect("training_courses")


def _course_form(request: HttpRequest, course: Course | None) -> CourseForm:
    initial: dict[str, Any] = {"is_active": True}
    if course is not None:
        initial = {name: getattr(course, name) for name in services.COURSE_FIELDS}
    return CourseForm(request.POST or None, initial=initial)


@login_required
def course_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.require_training_organization(actor)
    if not selectors.can_write(actor, organization):
        raise Http404("Not found")
    form = _course_form(request, None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_course(actor, organization=organization, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Course added."))
            return redirect("training_courses")
    return _render(request, "course_form.html", {"form": form, "course": None}, form)


@login_required
def course_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    course = selectors.course_for_change(actor, pk)
    form = _course_form(request, course)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_course(actor, course=course, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Course saved."))
            return redirect("training_courses")
    return _render(request, "course_form.html", {"form": form, "course": course}, form)


# --- Sessions ----------------------------------------------------------------------------


@login_required
def sessions(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.require_training_organization(actor)
    return _render(
        request,
        "sessions.html",
        {
            "organization": organization,
            "sessions": list(selectors.sessions(actor, organization)),
            "can_write": selectors.can_write(actor, organization),
        },
    )


def _session_form(
    request: HttpRequest, actor: Actor, organization: Any, session: Session | None
) -> SessionForm:
    initial = {name: getattr(session, name) for name in services.SESSION_FIELDS} if session else {}
    return SessionForm(
        request.POST or None,
        initial=initial,
        courses=selectors.courses(actor, organization).filter(is_active=True),
    )


@login_required
def session_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.require_training_organization(actor)
    if not selectors.can_write(actor, organization):
        raise Http404("Not found")
    form = _session_form(request, actor, organization, None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.create_session(actor, organization=organization, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Session scheduled."))
            return redirect("training_session", pk=session.pk)
    return _render(request, "session_form.html", {"form": form, "session": None}, form)


@login_required
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    session = selectors.session_detail(actor, pk, Action.CHANGE)
    form = _session_form(request, actor, session.course.organization, session)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_session(actor, session=session, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Session saved."))
            return redirect("training_session", pk=session.pk)
    return _render(request, "session_form.html", {"form": form, "session": session}, form)


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    session = selectors.session_detail(actor, pk)
    organization = session.course.organization
    can_write = selectors.can_write(actor, organization)
    form = EnrollForm(request.POST or None) if can_write else None
    if request.method == "POST":
        if form is None:
            raise Http404("Not found")
        if form.is_valid():
            try:
                trainee = selectors.trainee_by_badge(
                    actor, organization, form.cleaned_data["badge_number"]
                )
                services.enroll(actor, session=session, trainee=trainee)
            except Http404:
                form.add_error("badge_number", _("No one on the roster has this badge number."))
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Enrolled."))
                return redirect("training_session", pk=session.pk)
    return _render(
        request,
        "session.html",
        {
            "session": session,
            "enrollments": selectors.session_enrollments(session),
            "can_write": can_write,
            "form": form,
            "attendance_form": AttendanceForm(),
        },
        form,
    )


@login_required
@require_POST
def enrollment_status(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    enrollment = selectors.enrollment_for_change(actor, pk)
    form = AttendanceForm(request.POST)
    if form.is_valid():
        try:
            services.set_enrollment_status(
                actor, enrollment=enrollment, status=form.cleaned_data["status"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Attendance saved."))
    else:
        messages.error(request, _("Choose an attendance status."))
    return redirect("training_session", pk=enrollment.session_id)


# --- Import ------------------------------------------------------------------------------


@login_required
def roster_import(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.require_training_organization(actor)
    if not selectors.can_write(actor, organization):
        raise Http404("Not found")
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            found = import_services.upload_roster(
                actor,
                organization=organization,
                file_name=upload.name or "roster.csv",
                content=upload.read(roster_csv.MAX_BYTES + 1),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("training_import_preview", pk=found.pk)
    return _render(
        request,
        "import.html",
        {
            "form": form,
            "required_columns": roster_csv.REQUIRED_COLUMNS,
            "course_codes": sorted(selectors.known_codes(organization)),
            "roles": roster_csv.TraineeRole.choices,
        },
        form,
    )


#: Seconds between two looks at an import the worker is applying.
POLL_SECONDS = 2


@login_required
def roster_import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview of an uploaded file, then the state of its application: while the worker
    has it, the status region looks again by itself and the page reloads once it ends."""
    actor = actor_of(request)
    if request.headers.get("HX-Request") == "true":
        found = selectors.import_state(actor, pk)
        if found.status not in {ImportStatus.QUEUED, ImportStatus.RUNNING} or (
            selectors.is_stale_import(found)
        ):
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return render(request, "training/_import_status.html", {"imp": found, "poll": POLL_SECONDS})
    preview = selectors.import_preview(actor, pk)
    return _render(request, "import_preview.html", {"preview": preview, "poll": POLL_SECONDS})


@login_required
@require_POST
def roster_import_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue the file for the worker and follow it on its page. Sending the form again while
    it waits or runs, or after it is applied, leads to the same page."""
    actor = actor_of(request)
    found = selectors.roster_import(actor, pk)
    import_services.queue_roster_import(actor, roster_import=found)
    return redirect("training_import_preview", pk=found.pk)


@login_required
def sample_csv(request: HttpRequest) -> HttpResponse:
    """The sample file: only the format and invented rows, for anyone signed in."""
    response = HttpResponse(roster_csv.SAMPLE_CSV, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="roster-sample.csv"'
    return response
