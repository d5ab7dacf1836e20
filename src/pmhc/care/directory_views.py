"""The service directory's pages: the directory, one service, the phone form for its capacity,
"where can I take this person now?", and the import. Thin: parse, call one selector or
service, render."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pmhc.care import directory_import_services as importer
from pmhc.care import directory_selectors as selectors
from pmhc.care import directory_services as services
from pmhc.care.directory_forms import (
    CapacityForm,
    DirectoryFileForm,
    DirectoryFilterForm,
    ServiceForm,
    WhereNowForm,
)
from pmhc.care.models import Condition, Service, ServiceKind
from pmhc.dispatch.models import Call, CallAssignment
from pmhc.platform.access import Actor
from pmhc.platform.forms import apply_errors
from pmhc.platform.http import actor_of
from pmhc.platform.models import Organization


def _stale_hours() -> int:
    return int(settings.CAPACITY_STALE_HOURS)


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    keeper = selectors.keeps_directory(actor)
    filter_form = DirectoryFilterForm(request.GET or None)
    page, rows = selectors.directory_page(
        actor, request.GET, kind=filter_form.chosen(), show_unlisted=keeper
    )
    return render(
        request,
        "care/directory.html",
        {
            "page": page,
            "rows": rows,
            "filter_form": filter_form,
            "keeper": keeper,
            "stale_hours": _stale_hours(),
        },
    )


@login_required
def service(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    found = selectors.service_detail(actor, pk)
    return render(
        request,
        "care/service.html",
        {
            "service": found,
            "fresh": selectors.freshness(found),
            "conditions": selectors.condition_labels(found),
            "history": selectors.capacity_history(found),
            "may_update": selectors.may_update_capacity(actor, found),
            "may_change": selectors.may_change_service(actor, found),
            "stale_hours": _stale_hours(),
        },
    )


def _service_form(request: HttpRequest, actor: Actor, found: Service | None) -> HttpResponse:
    form = ServiceForm(
        request.POST if request.method == "POST" else None,
        instance=found if found is not None else Service(),
        keeper_id=found.organization_id if found is not None else actor.organization_id,
    )
    if request.method == "POST" and form.is_valid():
        assert actor.organization_id is not None
        try:
            saved = services.save_service(
                actor,
                organization_id=found.organization_id if found else actor.organization_id,
                service=found,
                values=form.values(),
            )
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        except ValidationError as exc:
            apply_errors(form, exc)  # type: ignore[arg-type]
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
            return redirect("care_service", pk=saved.pk)
    return render(
        request,
        "care/service_form.html",
        {"form": form, "service": found},
        status=400 if form.errors else 200,
    )


@login_required
def service_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not selectors.keeps_directory(actor):
        raise Http404("Not found")
    return _service_form(request, actor, None)


@login_required
def service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    return _service_form(request, actor, selectors.service_for_change(actor, pk))


@login_required
def capacity(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    found = selectors.service_for_capacity(actor, pk)
    initial = {"capacity_open": found.capacity_open, "wait_minutes": found.wait_minutes}
    form = CapacityForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_capacity(
                actor,
                service=found,
                capacity_open=form.cleaned_data["capacity_open"],
                wait_minutes=form.cleaned_data["wait_minutes"],
            )
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Saved: %(open)d open now at %(name)s.")
                % {"open": found.capacity_open or 0, "name": found.name},
            )
            return redirect("care_service", pk=found.pk)
    return render(
        request,
        "care/capacity.html",
        {"service": found, "form": form, "fresh": selectors.freshness(found)},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def listing(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    found = selectors.service_for_change(actor, pk)
    listed = request.POST.get("listed") == "yes"
    try:
        services.set_listed(actor, service=found, listed=listed)
    except PermissionDenied as exc:
        raise Http404("Not found") from exc
    messages.success(
        request,
        _("%(name)s is listed again.") % {"name": found.name}
        if listed
        else _("%(name)s is taken off the directory.") % {"name": found.name},
    )
    return redirect("care_service", pk=found.pk)


@login_required
def where_now(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    data = request.GET.copy()
    call_pk = data.get("call", "")
    if call_pk and not data.get("latitude"):
        if not call_pk.isdigit():
            raise Http404("Not found")
        scene = selectors.call_scene(actor, int(call_pk))
        if scene is not None:
            data["latitude"], data["longitude"] = str(scene[0]), str(scene[1])
            data.setdefault("police_drop_off", "on")
    asked = "latitude" in data or "longitude" in data
    form = WhereNowForm(data if asked else None)
    places: list[selectors.Place] = []
    need = None
    if asked and form.is_valid():
        cleaned = form.cleaned_data
        need = selectors.NeedFor(
            latitude=float(cleaned["latitude"]),
            longitude=float(cleaned["longitude"]),
            age=cleaned["age"],
            conditions=selectors.conditions_of(cleaned["condition"]),
            police_drop_off=cleaned["police_drop_off"],
            kind=cleaned["kind"],
        )
        places = selectors.places_now(actor, need)
    return render(
        request,
        "care/where_now.html",
        {
            "form": form,
            "asked": asked and need is not None,
            "places": places,
            "has_room": [p for p in places if not p.full],
            "full": [p for p in places if p.full],
            "map": selectors.small_map(need, places) if need else None,
            "shown_limit": selectors.NOW_SHOWN,
            "stale_hours": _stale_hours(),
        },
        status=400 if form.errors else 200,
    )


@login_required
def directory_import(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not selectors.keeps_directory(actor) or actor.organization_id is None:
        raise Http404("Not found")
    organization = Organization.objects.get(pk=actor.organization_id)
    form = DirectoryFileForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = importer.import_directory(
                actor, organization=organization, upload=form.cleaned_data["file"]
            )
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if not result.rejected:
                messages.success(
                    request,
                    _("%(new)d added, %(changed)d changed, %(same)d already up to date.")
                    % {"new": result.created, "changed": result.changed, "same": result.unchanged},
                )
                return redirect("care_directory")
    return render(
        request,
        "care/directory_import.html",
        {
            "form": form,
            "result": result,
            "max_rows": importer.MAX_ROWS,
            "kinds": ServiceKind.choices,
            "conditions": Condition.choices,
            "organization": organization,
        },
        status=400 if form.errors or (result and result.rejected) else 200,
    )


@login_required
def directory_template(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not selectors.keeps_directory(actor):
        raise Http404("Not found")
    response = HttpResponse(importer.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="service-directory.csv"'
    return response


# --- Panel on dispatch's Operate page (registered in ``CareConfig.ready``) ---------------------


def index_panel(*, actor: Actor, csrf_token: str = "") -> dict[str, Any]:
    """The links to "where now" and the directory on the Operate page."""
    return {"show": selectors.reads_directory(actor)}


def call_panel(
    *, actor: Actor, call: Call | None = None, assignment: CallAssignment | None = None
) -> dict[str, Any]:
    """The link to "where now" on a call's pages, with the call when the actor reads it."""
    if call is None and assignment is not None:
        call = assignment.call
    if call is None or not selectors.reads_directory(actor):
        return {"show": False}
    return {"show": True, "call_pk": call.pk if selectors.reads_call(actor, call) else None}
