"""The pages that resolve people: the pairs waiting for review, one pair side by side with Link
and Keep apart, one person with their records and changes (each undoable), the history of
changes, the linkage settings and the high-utilizer list. Thin: each calls one selector or
service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pmhc.people import (
    identity_selectors,
    identity_services,
    import_services,
    linkage_selectors,
    linkage_services,
    utilizer_selectors,
)
from pmhc.people.identity_forms import LinkageSettingsForm, MergeForm, PeopleFileForm
from pmhc.platform import panels
from pmhc.platform.access import Actor
from pmhc.platform.forms import apply_errors
from pmhc.platform.http import actor_of
from pmhc.platform.models import Organization


def _common(actor: Actor, organization: Organization) -> dict[str, object]:
    return {
        "organization": organization,
        "shows_utilizers": utilizer_selectors.can_read(actor, organization),
        "shows_settings": identity_selectors.can_change_settings(actor, organization),
        "shows_import": import_services.may_import(actor, organization),
    }


@login_required
def review(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = identity_selectors.acting_organization(actor)
    context = _common(actor, organization)
    count, more = identity_selectors.pending_count(actor)
    page = identity_selectors.review_queue(actor, request.GET)
    return render(
        request,
        "people/review.html",
        {**context, "page": page, "count": count, "more": more},
    )


@login_required
def pair(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    if request.method == "POST":
        candidate = identity_selectors.pair_for_decision(actor, pk)
        decision = request.POST.get("decision")
        try:
            if decision == "link":
                identity_services.link_pair(actor, candidate=candidate)
                messages.success(request, _("The two records are now one person."))
            elif decision == "apart":
                identity_services.keep_apart(actor, candidate=candidate)
                messages.success(request, _("The two records are kept apart."))
            else:
                messages.error(request, _("Choose Link or Keep apart."))
                return redirect("people_pair", pk=pk)
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("people_pair", pk=pk)
        return redirect("people_review")
    view = identity_selectors.pair_detail(actor, pk)
    return render(
        request, "people/pair.html", {**_common(actor, view.pair.organization), "view": view}
    )


@login_required
def identity(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    view = identity_selectors.identity_detail(actor, pk)
    form = MergeForm()
    return render(
        request,
        "people/identity.html",
        {**_common(actor, view.identity.organization), "view": view, "form": form},
    )


@login_required
@require_POST
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    into = identity_selectors.identity_for_change(actor, pk)
    form = MergeForm(request.POST)
    if form.is_valid():
        try:
            other = identity_selectors.identity_for_change(actor, form.cleaned_data["other"])
        except Http404:
            form.add_error("other", _("There is no person with that number you may merge."))
        else:
            try:
                identity_services.merge(actor, into=into, other=other)
            except PermissionDenied as exc:
                raise Http404("Not found") from exc
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The two people are now one."))
                return redirect("people_identity", pk=into.pk)
    view = identity_selectors.identity_detail(actor, pk)
    return render(
        request,
        "people/identity.html",
        {**_common(actor, view.identity.organization), "view": view, "form": form},
        status=400,
    )


@login_required
@require_POST
def take_out(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    record = identity_selectors.record_for_change(actor, pk)
    was = record.identity_id
    try:
        identity_services.take_out(actor, person=record)
    except PermissionDenied as exc:
        raise Http404("Not found") from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The record is now a person of its own."))
    return redirect("people_identity", pk=was)


@login_required
@require_POST
def undo(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    change = identity_selectors.change_for_undo(actor, pk)
    try:
        identity_services.undo(actor, change=change)
    except PermissionDenied as exc:
        raise Http404("Not found") from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The change is undone: every record is back where it was."))
    back = request.POST.get("identity", "")
    if back.isdigit():
        return redirect("people_identity", pk=int(back))
    return redirect("people_changes")


@login_required
def changes(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = identity_selectors.acting_organization(actor)
    context = _common(actor, organization)
    page = identity_selectors.history(actor, request.GET)
    return render(request, "people/changes.html", {**context, "page": page})


HTMX_STOP_POLLING = 286
#: The high-utilizer list's rows, for ``platform.panels``: each row renders the panels
#: registered under this name with the actor and the person named (None when withheld).
UTILIZER_ROW = "people.utilizer"
#: How often the linkage page asks for the run's progress while one is under way.
POLL_SECONDS = 2


@login_required
def linkage(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = identity_selectors.acting_organization(actor)
    context = _common(actor, organization)
    settings = identity_selectors.linkage_settings(actor, organization)
    initial = {name: getattr(settings, name) for name in identity_services.SETTINGS_FIELDS}
    may_change = bool(context["shows_settings"])
    may_run = identity_selectors.can_run_linkage(actor, organization)
    action = request.POST.get("action") if request.method == "POST" else None
    form = LinkageSettingsForm(request.POST if action == "settings" else None, initial=initial)
    if action == "run":
        if not may_run:
            raise Http404("Not found")
        try:
            linkage_services.request_linkage(
                actor,
                organization=organization,
                mode=request.POST.get("mode", ""),
                purpose=identity_services.PURPOSE,
            )
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Linkage is queued; this page shows how far it is."))
        return redirect("people_linkage")
    if action == "settings" and not may_change:
        raise Http404("Not found")
    if action == "settings" and form.is_valid():
        try:
            identity_services.update_settings(actor, organization=organization, **form.cleaned_data)
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Linkage settings saved."))
            return redirect("people_linkage")
    under_way = linkage_selectors.run_under_way(actor, organization=organization)
    latest = under_way or next(
        iter(linkage_selectors.runs_of(actor, organization=organization, size=1).rows), None
    )
    if request.headers.get("HX-Request") == "true":
        # 286 tells htmx to stop asking once no run is under way.
        return render(
            request,
            "people/_linkage_status.html",
            {"run": latest},
            status=200 if under_way is not None else HTMX_STOP_POLLING,
        )
    return render(
        request,
        "people/linkage.html",
        {
            **context,
            "settings": settings,
            "form": form,
            "may_change": may_change,
            "may_run": may_run,
            "under_way": under_way,
            "latest": latest,
            "poll": POLL_SECONDS,
        },
        status=400 if form.errors else 200,
    )


@login_required
def utilizers(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = identity_selectors.acting_organization(actor)
    context = _common(actor, organization)
    found = utilizer_selectors.high_utilizers(actor, organization)
    # Higher apps' links beside each person (care: "Open a case").
    rows = [
        (person, panels.render(UTILIZER_ROW, actor=actor, person=person.named_by))
        for person in found.people
    ]
    return render(
        request,
        "people/utilizers.html",
        {**context, "found": found, "rows": rows, "shown": utilizer_selectors.SHOWN},
    )


@login_required
def people_import(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = identity_selectors.acting_organization(actor)
    if not import_services.may_import(actor, organization):
        raise Http404("Not found")
    form = PeopleFileForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = import_services.import_people_file(
                actor,
                organization=organization,
                upload=form.cleaned_data["file"],
                after_import=linkage_services.queue_linkage_after_import,
            )
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if not result.rejected:
                messages.success(
                    request,
                    _("%(new)d new people, %(old)d already there.")
                    % {"new": result.created, "old": result.already},
                )
                # New records are compared by linkage next; its page shows how far it is.
                return redirect("people_linkage" if result.linkage else "people_import")
    return render(
        request,
        "people/import.html",
        {
            **_common(actor, organization),
            "form": form,
            "result": result,
            "columns": import_services.COLUMNS,
            "max_rows": import_services.MAX_ROWS,
        },
        status=400 if form.errors or (result and result.rejected) else 200,
    )
