"""A learning site's own pages (its requests, its answer, the visit, its profile), the TTA
staff's invitation of a site's coordinator, and the requester's answers on the private status
page (choosing a date, recording travel support)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pmhc.platform.forms import apply_errors
from pmhc.platform.http import actor_of
from pmhc.toolkit.forms.site_work import (
    AnswerForm,
    ChooseDateForm,
    InviteCoordinatorForm,
    SiteProfileForm,
    TravelForm,
    VisitForm,
)
from pmhc.toolkit.models import HelpKind, TARequest, TAStatus
from pmhc.toolkit.selectors import assistance as assistance_selectors
from pmhc.toolkit.selectors import site_work as selectors
from pmhc.toolkit.selectors import sites as site_selectors
from pmhc.toolkit.services import site_accounts
from pmhc.toolkit.services import site_work as services

# --- The site's coordinators ----------------------------------------------------------------


@login_required
def site_requests(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    site, page = selectors.site_requests(actor, request.GET)
    return render(request, "toolkit/site_work/requests.html", {"site": site, "page": page})


def _site_request_page(
    request: HttpRequest, reference: str, bound: dict[str, forms.Form] | None = None
) -> HttpResponse:
    actor = actor_of(request)
    ta_request = selectors.site_request(actor, reference)
    initial_dates = {f"date_{n}": d for n, d in enumerate(ta_request.proposed_dates, start=1)}
    action_forms: dict[str, forms.Form] = {
        "answer": AnswerForm(initial={**initial_dates, "note": ta_request.site_note}),
        "visit": VisitForm(initial={"held_on": ta_request.scheduled_for}),
        **(bound or {}),
    }
    may_answer = ta_request.status == TAStatus.MATCHED
    may_record = (
        ta_request.status in {TAStatus.MATCHED, TAStatus.SCHEDULED}
        and ta_request.site_accepted_at is not None
    )
    return render(
        request,
        "toolkit/site_work/request.html",
        {
            "ta": ta_request,
            "forms": action_forms,
            "may_answer": may_answer,
            "may_record": may_record,
            "help_labels": [
                HelpKind(c).label for c in ta_request.preferred_help if c in HelpKind.values
            ],
        },
        status=400 if bound else 200,
    )


@login_required
def site_request(request: HttpRequest, reference: str) -> HttpResponse:
    return _site_request_page(request, reference)


@login_required
@require_POST
def site_request_answer(request: HttpRequest, reference: str) -> HttpResponse:
    actor = actor_of(request)
    ta_request = selectors.site_request(actor, reference)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.answer_request(
                actor,
                ta_request=ta_request,
                dates=form.dates(),
                note=form.cleaned_data["note"],
            )
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "dates" in exc.error_dict:
                for message in exc.message_dict["dates"]:
                    form.add_error("date_1", message)
            else:
                apply_errors(form, exc)
        else:
            messages.success(request, _("Your answer is sent; the requester has been told."))
            return redirect("site_request", reference=reference)
    return _site_request_page(request, reference, {"answer": form})


@login_required
@require_POST
def site_request_visit(request: HttpRequest, reference: str) -> HttpResponse:
    actor = actor_of(request)
    ta_request = selectors.site_request(actor, reference)
    form = VisitForm(request.POST)
    if form.is_valid():
        try:
            services.record_visit(actor, ta_request=ta_request, **form.cleaned_data)
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Visit recorded; the request is completed."))
            return redirect("site_request", reference=reference)
    return _site_request_page(request, reference, {"visit": form})


@login_required
def site_profile(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    site = selectors.coordinated_site(actor)
    initial = {name: getattr(site, name) for name in services.PROFILE_FIELDS}
    form = SiteProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(actor, site=site, **form.cleaned_data)
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Your site's profile is saved."))
            return redirect("site_profile")
    return render(
        request,
        "toolkit/site_work/profile.html",
        {"site": site, "form": form},
        status=400 if form.errors else 200,
    )


# --- TTA staff: a site's accounts -----------------------------------------------------------


@login_required
@require_POST
def sites_invite(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    site = site_selectors.site_for_change(actor, pk)
    form = InviteCoordinatorForm(request.POST)
    if form.is_valid():
        try:
            services.invite_coordinator(
                actor,
                site=site,
                invite_base_url=request.build_absolute_uri("/"),
                **form.cleaned_data,
            )
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Invitation sent."))
            return redirect("sites_detail", pk=site.pk)
    from pmhc.toolkit.views.sites import render_detail

    return render_detail(request, site, invite_form=form, status=400)


def _account_id(request: HttpRequest, name: str) -> int:
    value = request.POST.get(name, "")
    if not value.isdigit():
        raise Http404("Not found")
    return int(value)


@login_required
@require_POST
def sites_account_remove(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    site = site_selectors.site_for_change(actor, pk)
    try:
        site_accounts.deactivate_coordinator(
            actor, site=site, membership_id=_account_id(request, "membership")
        )
    except PermissionDenied as exc:
        raise Http404("Not found") from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The coordinator no longer has access to the site."))
    return redirect("sites_detail", pk=site.pk)


@login_required
@require_POST
def sites_invitation_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    site = site_selectors.site_for_change(actor, pk)
    try:
        outcome = site_accounts.withdraw_invitation(
            actor, site=site, invitation_id=_account_id(request, "invitation")
        )
    except PermissionDenied as exc:
        raise Http404("Not found") from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if outcome == "accepted":
            messages.info(request, _("That invitation was already accepted."))
        else:
            messages.success(request, _("The invitation is withdrawn; its link no longer works."))
    return redirect("sites_detail", pk=site.pk)


# --- The requester, by the private link -----------------------------------------------------


def status_parts(
    ta_request: TARequest, bound: dict[str, forms.Form] | None = None
) -> dict[str, Any]:
    """What the status page shows of the site's answer and the travel support, with forms."""
    bound = bound or {}
    may_choose = (
        ta_request.status == TAStatus.MATCHED
        and ta_request.site_accepted_at is not None
        and bool(ta_request.proposed_dates)
    )
    may_travel = ta_request.matched_site_id is not None and ta_request.status != TAStatus.DECLINED
    return {
        "may_choose": may_choose,
        "may_travel": may_travel,
        "choose_form": bound.get("choose") or ChooseDateForm(dates=list(ta_request.proposed_dates)),
        "travel_form": bound.get("travel")
        or TravelForm(
            initial={
                "requested": ta_request.travel_requested,
                "purpose": ta_request.travel_purpose,
                "received": ta_request.travel_received,
            }
        ),
    }


def _status_again(
    request: HttpRequest, token: str, ta_request: TARequest, bound: dict[str, forms.Form]
) -> HttpResponse:
    from pmhc.toolkit.views.assistance import render_status

    return render_status(request, token, ta_request, bound=bound, status=400)


@require_POST
def ta_choose_date(request: HttpRequest, token: str) -> HttpResponse:
    ta_request = assistance_selectors.request_by_token(token)
    form = ChooseDateForm(request.POST, dates=list(ta_request.proposed_dates))
    if form.is_valid():
        try:
            services.choose_date(
                actor_of(request), ta_request=ta_request, day=form.cleaned_data["day"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Date chosen; the learning site has been told."))
            return redirect("ta_status", token=token)
    return _status_again(request, token, ta_request, {"choose": form})


@require_POST
def ta_travel(request: HttpRequest, token: str) -> HttpResponse:
    ta_request = assistance_selectors.request_by_token(token)
    form = TravelForm(request.POST)
    if form.is_valid():
        try:
            services.record_travel(actor_of(request), ta_request=ta_request, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Travel support saved."))
            return redirect("ta_status", token=token)
    return _status_again(request, token, ta_request, {"travel": form})


urlpatterns: list[URLPattern] = [
    path("site/requests/", site_requests, name="site_requests"),
    path("site/requests/<str:reference>/", site_request, name="site_request"),
    path("site/requests/<str:reference>/answer/", site_request_answer, name="site_request_answer"),
    path("site/requests/<str:reference>/visit/", site_request_visit, name="site_request_visit"),
    path("site/profile/", site_profile, name="site_profile"),
    path("learn/sites/<int:pk>/accounts/", sites_invite, name="sites_invite"),
    path(
        "learn/sites/<int:pk>/accounts/remove/", sites_account_remove, name="sites_account_remove"
    ),
    path(
        "learn/sites/<int:pk>/accounts/withdraw/",
        sites_invitation_cancel,
        name="sites_invitation_cancel",
    ),
    path("assistance/status/<str:token>/choose/", ta_choose_date, name="ta_choose_date"),
    path("assistance/status/<str:token>/travel/", ta_travel, name="ta_travel"),
]
