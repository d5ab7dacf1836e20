"""Technical assistance: the public request form and status page, the TTA staff's queue,
request page and SLA board."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pmhc.platform.forms import apply_errors
from pmhc.platform.http import actor_of
from pmhc.toolkit import charts
from pmhc.toolkit.forms.assistance import (
    AssignForm,
    DeclineForm,
    MatchForm,
    NoteForm,
    QueueFilterForm,
    ScheduleForm,
    SLAFilterForm,
    TARequestForm,
)
from pmhc.toolkit.models import HelpKind, ProgramTypeCode, TARequest, TAStatus
from pmhc.toolkit.selectors import assistance as selectors
from pmhc.toolkit.selectors.common import handling_organization
from pmhc.toolkit.services import assistance as services
from pmhc.toolkit.views import site_work

# --- Public ---------------------------------------------------------------------------------


def request_form(request: HttpRequest) -> HttpResponse:
    organization = handling_organization()
    if organization is None:
        return render(request, "toolkit/assistance/request_form.html", {"unavailable": True})
    initial: dict[str, Any] = {}
    site = request.GET.get("site", "")
    if site.isdigit():
        initial["preferred_site"] = selectors.active_sites().filter(pk=int(site)).first()
    form = TARequestForm(request.POST if request.method == "POST" else None, initial=initial)
    limit_minutes = 0
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "website"}
        try:
            ta_request, token = services.submit_request(
                actor_of(request), base_url=request.build_absolute_uri("/"), **data
            )
        except services.RequestLimitReached as exc:
            limit_minutes = exc.retry_after_minutes
        except services.RequestsUnavailable:
            return render(request, "toolkit/assistance/request_form.html", {"unavailable": True})
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            request.session["ta_new"] = ta_request.reference
            return redirect("ta_status", token=token)
    status = 429 if limit_minutes else 400 if form.errors else 200
    return render(
        request,
        "toolkit/assistance/request_form.html",
        {
            "form": form,
            "organization": organization,
            "limit_minutes": limit_minutes,
            "limit": services.limit_per_hour(),
        },
        status=status,
    )


def request_status(request: HttpRequest, token: str) -> HttpResponse:
    return render_status(request, token, selectors.request_by_token(token))


def render_status(
    request: HttpRequest,
    token: str,
    ta_request: TARequest,
    *,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The private status page (also shown again, with errors, by the requester's forms)."""
    just_sent = request.session.pop("ta_new", None) == ta_request.reference
    response = render(
        request,
        "toolkit/assistance/status.html",
        {
            "ta": ta_request,
            "token": token,
            "history": selectors.status_history(ta_request),
            "just_sent": just_sent,
            "link": request.build_absolute_uri(reverse("ta_status", args=[token])),
            "due_at": ta_request.received_at + selectors.CONFIRM_WITHIN,
            **site_work.status_parts(ta_request, bound),
        },
        status=status,
    )
    # The link is the key to this page: keep it out of other sites' referrers, caches and
    # search engines. Strict-origin (not "no-referrer"): the page's own forms need the browser
    # to send their origin, which the CSRF check compares; a Referer carries only the origin,
    # never the path with the token.
    response["Referrer-Policy"] = "strict-origin"
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


# --- TTA staff ------------------------------------------------------------------------------


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = QueueFilterForm(request.GET or None)
    show = (form.cleaned_data["show"] if form.is_valid() else "") or "open"
    rows = selectors.queue(actor, show=show)
    return render(
        request,
        "toolkit/assistance/queue.html",
        {"form": form, "rows": rows, "show": show, "now": timezone.now()},
    )


def _next_steps(ta_request: TARequest) -> set[str]:
    return {to for to, sources in services.ALLOWED_FROM.items() if ta_request.status in sources}


def _detail(
    request: HttpRequest, reference: str, bound: dict[str, forms.Form] | None = None
) -> HttpResponse:
    actor = actor_of(request)
    ta_request = selectors.request_for_staff(actor, reference)
    staff = selectors.assignable_staff(actor, ta_request)
    action_forms: dict[str, forms.Form] = {
        "assign": AssignForm(staff=staff, initial={"assignee": ta_request.assigned_to_id}),
        "match": MatchForm(initial={"site": ta_request.matched_site_id}),
        "schedule": ScheduleForm(initial={"scheduled_for": ta_request.scheduled_for}),
        "decline": DeclineForm(),
        "note": NoteForm(),
        "confirm": forms.Form(),
        "complete": forms.Form(),
        **(bound or {}),
    }
    now = timezone.now()
    return render(
        request,
        "toolkit/assistance/detail.html",
        {
            "ta": ta_request,
            "forms": action_forms,
            "next": _next_steps(ta_request),
            "open": ta_request.status in services.OPEN_STATUSES,
            "notes": selectors.notes(actor, ta_request),
            "trail": selectors.trail(actor, ta_request),
            "due_at": ta_request.received_at + selectors.CONFIRM_WITHIN,
            "overdue": selectors.is_overdue(ta_request, now),
            "now": now,
            "has_sites": selectors.active_sites().exists(),
            "step_errors": [e for f in (bound or {}).values() for e in f.non_field_errors()],
            "step_field_errors": any(
                f.errors and not f.non_field_errors() for f in (bound or {}).values()
            ),
            "program_labels": [
                (c, ProgramTypeCode(c).label)
                for c in ta_request.program_types
                if c in ProgramTypeCode.values
            ],
            "help_labels": [
                (c, HelpKind(c).label) for c in ta_request.preferred_help if c in HelpKind.values
            ],
            "Status": TAStatus,
        },
        status=400 if bound else 200,
    )


@login_required
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _detail(request, reference)


SUCCESS = {
    "assign": gettext_lazy("Assignment saved."),
    "confirm": gettext_lazy("Request confirmed; the requester has been told."),
    "match": gettext_lazy("Matched to the learning site; the requester has been told."),
    "schedule": gettext_lazy("Date saved; the requester has been told."),
    "complete": gettext_lazy("Request completed; the requester has been told."),
    "decline": gettext_lazy("Request declined; the requester has been told why."),
    "note": gettext_lazy("Note added."),
}


@login_required
@require_POST
def action(request: HttpRequest, reference: str, step: str) -> HttpResponse:
    """One step on a request: parse its form, call its service, go back to the request."""
    actor = actor_of(request)
    if step not in SUCCESS:
        raise Http404("Not found")
    ta_request = selectors.request_for_change(actor, reference)
    form: forms.Form
    if step == "assign":
        form = AssignForm(request.POST, staff=selectors.assignable_staff(actor, ta_request))
    elif step == "match":
        form = MatchForm(request.POST)
    elif step == "schedule":
        form = ScheduleForm(request.POST)
    elif step == "decline":
        form = DeclineForm(request.POST)
    elif step == "note":
        form = NoteForm(request.POST)
    else:
        form = forms.Form(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if step == "assign":
                services.assign_request(actor, ta_request=ta_request, assignee=data["assignee"])
            elif step == "confirm":
                services.confirm_request(actor, ta_request=ta_request)
            elif step == "match":
                services.match_request(actor, ta_request=ta_request, site=data["site"])
            elif step == "schedule":
                services.schedule_request(
                    actor, ta_request=ta_request, scheduled_for=data["scheduled_for"]
                )
            elif step == "complete":
                services.complete_request(actor, ta_request=ta_request)
            elif step == "decline":
                services.decline_request(actor, ta_request=ta_request, reason=data["reason"])
            else:
                services.add_note(actor, ta_request=ta_request, text=data["text"])
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, SUCCESS[step])
            return redirect("ta_detail", reference=reference)
    return _detail(request, reference, {step: form})


@login_required
def sla(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = SLAFilterForm(request.GET or None)
    period = (form.cleaned_data["period"] if form.is_valid() else "") or ""
    board = selectors.sla_board(actor, days=selectors.PERIODS.get(period))
    state_chart = charts.bar_chart(
        [(name, count) for _code, name, count in board.by_state],
        label=_("Bar chart: requests by state. The same figures are in the table beside it."),
    )
    topic_chart = charts.bar_chart(
        board.by_topic,
        label=_(
            "Bar chart: requests by program type of interest. The same figures are in the "
            "table beside it."
        ),
    )
    return render(
        request,
        "toolkit/assistance/sla.html",
        {
            "form": form,
            "board": board,
            "state_chart": state_chart,
            "topic_chart": topic_chart,
        },
    )


urlpatterns: list[URLPattern] = [
    path("assistance/", request_form, name="ta_request"),
    path("assistance/status/<str:token>/", request_status, name="ta_status"),
    path("assistance/queue/", queue, name="ta_queue"),
    path("assistance/sla/", sla, name="ta_sla"),
    path("assistance/queue/<str:reference>/", detail, name="ta_detail"),
    path("assistance/queue/<str:reference>/<slug:step>/", action, name="ta_action"),
]
