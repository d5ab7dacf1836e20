"""The encounter pages: the list, a report (filled in from a phone, then read), the review
queue, amendments, and the agency's disposition list. Thin: parse, call one selector or
service, render."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pmhc.people import services as people_services
from pmhc.people.models import Person
from pmhc.platform import keyset, panels
from pmhc.platform.access import Actor
from pmhc.platform.forms import apply_errors
from pmhc.platform.http import actor_of
from pmhc.platform.models import Purpose
from pmhc.platform.restricted import FieldsRead
from pmhc.response import display, selectors, services
from pmhc.response.forms import (
    PERSON_DETAILS,
    AmendForm,
    DispositionForm,
    EncounterFilterForm,
    EncounterForm,
    NewDispositionForm,
    NewPersonForm,
    PersonPickForm,
    ResponderForm,
    ResponderTimesForm,
    ReviewForm,
)
from pmhc.response.models import Encounter, EncounterPerson, EncounterResponder, EncounterStatus
from pmhc.response.validation import ENCOUNTER_FIELDS, report_value

PAGE_SIZE = 25
#: The reports list counts its matches up to this many, never the whole table.
COUNTED = 1000
#: How many of a person's encounters their page lists, newest first.
PERSON_RECENT = 50


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], *forms: Any
) -> HttpResponse:
    status = 400 if any(f is not None and f.is_bound and f.errors for f in forms) else 200
    return render(request, f"response/{template}", context, status=status)


# --- Lists ---------------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    agency_view = selectors.sees_agency_list(actor) and request.GET.get("scope") == "agency"
    form = EncounterFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    filters = selectors.EncounterFilters(
        status=data.get("status", ""),
        since=data.get("since"),
        until=data.get("until"),
        force_above_presence=bool(data.get("force")),
        cit_present=bool(data.get("cit")),
    )
    queryset = selectors.encounter_list(
        actor, filters, mine=not agency_view, time_zone=actor.time_zone
    )
    page = keyset.paginate(
        queryset,
        request.GET,
        order=selectors.ENCOUNTER_ORDER,
        kinds=selectors.ENCOUNTER_ORDER_KINDS,
        size=PAGE_SIZE,
    )
    count, more = keyset.count_up_to(queryset, COUNTED, order=("-pk",))
    return _render(
        request,
        "index.html",
        {
            "form": form,
            "page": page,
            "count": count,
            "more": more,
            "agency_view": agency_view,
            "sees_agency": selectors.sees_agency_list(actor),
            "reviews": bool(selectors.reviewer_organization_ids(actor)),
            "outcomes": selectors.outcomes_this_year(actor) if agency_view else None,
        },
    )


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    queryset = selectors.review_queue(actor)
    page = keyset.paginate(
        queryset,
        request.GET,
        order=selectors.REVIEW_ORDER,
        kinds=selectors.REVIEW_ORDER_KINDS,
        size=PAGE_SIZE,
    )
    return _render(request, "review_queue.html", {"page": page})


# --- A report ------------------------------------------------------------------------------


@login_required
def encounter_new(request: HttpRequest, call_pk: int) -> HttpResponse:
    """Start a report on a call (a POST); if the actor already has one open, go to it."""
    actor = actor_of(request)
    call = selectors.call_for_report(actor, call_pk)
    existing = selectors.open_report(actor, call)
    if existing is not None:
        return redirect("response_encounter", pk=existing.pk)
    if request.method == "POST":
        encounter = services.start_encounter(actor, call=call)
        messages.success(request, _("Report started. It saves as a draft until you submit it."))
        return redirect("response_encounter", pk=encounter.pk)
    return _render(request, "encounter_new.html", {"call": call})


def _encounter_form(
    request: HttpRequest, encounter: Encounter, fields: FieldsRead, form_class: Any = None
) -> EncounterForm:
    """The report as a form; the restricted fields the actor may not read are left out, so
    they are neither shown nor changed."""
    initial = {
        name: report_value(encounter, name) for name in ENCOUNTER_FIELDS if fields.may_read(name)
    }
    form = (form_class or EncounterForm)(
        request.POST if request.method == "POST" else None,
        initial=initial,
        dispositions=selectors.disposition_choices(encounter),
        received_at=encounter.call.received_at,
    )
    form.withhold(sorted(fields.withheld))
    return form


def _same(old: Any, new: Any) -> bool:
    # The form's times are to the minute; a time kept to the second is not a change.
    if isinstance(old, dt.datetime) and isinstance(new, dt.datetime):
        return old.replace(second=0, microsecond=0) == new.replace(second=0, microsecond=0)
    if isinstance(old, list | tuple) and isinstance(new, list | tuple):
        return sorted(old) == sorted(new)
    return bool(old == new)


def _changes(form: EncounterForm) -> dict[str, Any]:
    """The fields the form changed, as the services take them."""
    return {
        name: form.cleaned_data[name]
        for name in ENCOUNTER_FIELDS
        if name in form.fields and not _same(form.initial.get(name), form.cleaned_data[name])
    }


#: The report form's id: the responder and person fields belong to it too (``form=``), so
#: adding one sends the report as typed, and it is saved first.
REPORT_FORM = "report-form"


def _joined(form: Any) -> Any:
    """A form whose fields sit outside the report's form element but submit with it."""
    for field in form.fields.values():
        field.widget.attrs["form"] = REPORT_FORM
    return form


def _responder_form(encounter: Encounter, data: Any = None) -> ResponderForm:
    return _joined(
        ResponderForm(
            data,
            users=selectors.responder_choices(encounter),
            received_at=encounter.call.received_at,
            prefix="responder",
        )
    )


def _times_forms(
    request: HttpRequest, encounter: Encounter, *, bound: bool = True
) -> list[tuple[EncounterResponder, ResponderTimesForm]]:
    """Each responder's times as a form of the report (bound to what was sent, if sent)."""
    forms = []
    for responder in encounter.responders.all():
        prefix = f"times-{responder.pk}"
        sent = bound and request.method == "POST" and f"{prefix}-arrived_at" in request.POST
        forms.append(
            (
                responder,
                _joined(
                    ResponderTimesForm(
                        request.POST if sent else None,
                        name=responder.name,
                        received_at=encounter.call.received_at,
                        prefix=prefix,
                        initial={
                            "arrived_at": responder.arrived_at,
                            "cleared_at": responder.cleared_at,
                        },
                    )
                ),
            )
        )
    return forms


def _save_times(actor: Actor, times: list[tuple[EncounterResponder, ResponderTimesForm]]) -> bool:
    """Save the responders' times that changed; ``False`` when one has errors (shown)."""
    saved = True
    for responder, form in times:
        if not form.is_bound:
            continue
        if not form.is_valid():
            saved = False
            continue
        new = (form.cleaned_data["arrived_at"], form.cleaned_data["cleared_at"])
        if all(
            _same(o, n)
            for o, n in zip((responder.arrived_at, responder.cleared_at), new, strict=True)
        ):
            continue
        try:
            services.set_responder_times(
                actor, responder=responder, arrived_at=new[0], cleared_at=new[1]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            saved = False
    return saved


@dataclass(frozen=True)
class Typed:
    """What saving the report as typed gave: ``ok``, or the report's form with its errors
    (``None`` when the report saved and only a responder's times failed) and the responders'
    times as typed."""

    ok: bool
    form: EncounterForm | None
    times: list[tuple[EncounterResponder, ResponderTimesForm]]


def _save_typed(
    request: HttpRequest, actor: Actor, report: Encounter, *, always: bool = False
) -> Typed:
    """Save the report and the responders' times as typed: before adding or removing a
    responder or a person (when the report's form was sent with it), so nothing typed is
    lost, and on the report's own Save and Submit (``always``)."""
    times = _times_forms(request, report)
    if not always and request.POST.get("report") != "1":
        return Typed(True, None, times)
    # Nothing is shown yet (a page with errors reads them again): no read to record here.
    form = _encounter_form(request, report, selectors.encounter_fields(actor, report, shown=()))
    if form.is_valid():
        try:
            services.update_encounter(actor, encounter=report, **_changes(form))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if _save_times(actor, times):
                return Typed(True, None, times)
            messages.error(
                request,
                _("The report is saved, but a responder's times need correcting (see Responders)."),
            )
            return Typed(False, None, times)
    if not always:
        messages.error(request, _("The report has errors. Correct them, then add or remove again."))
    return Typed(False, form, times)


def _page(
    request: HttpRequest,
    actor: Actor,
    encounter: Encounter,
    *,
    form: EncounterForm | None = None,
    times: list[tuple[EncounterResponder, ResponderTimesForm]] | None = None,
    review_form: ReviewForm | None = None,
    responder_form: ResponderForm | None = None,
    pick_form: PersonPickForm | None = None,
    person_form: NewPersonForm | None = None,
) -> HttpResponse:
    can_edit = selectors.can_edit(actor, encounter)
    report = selectors.report_read(actor, encounter, history=not can_edit)
    people, withheld_people = selectors.involved_people(actor, encounter)
    context: dict[str, Any] = {
        "encounter": encounter,
        "fields": report.fields,
        "people": people,
        "withheld_people": withheld_people,
        "can_edit": can_edit,
        "can_review": selectors.can_review(actor, encounter),
        "can_amend": selectors.can_amend(actor, encounter),
        "returned_comment": report.returned_comment
        if encounter.status == EncounterStatus.RETURNED
        else "",
    }
    if can_edit:
        on_call = selectors.people_on_call(actor, encounter)
        context |= {
            "form": form or _encounter_form(request, encounter, report.fields),
            "responder_times": times or _times_forms(request, encounter, bound=False),
            "responder_form": responder_form or _responder_form(encounter),
            "pick_form": pick_form
            or (_joined(PersonPickForm(people=on_call, prefix="pick")) if on_call else None),
            "person_form": person_form or _joined(NewPersonForm(prefix="person")),
        }
    else:
        context |= {
            "sections": display.report_sections(encounter, report.fields),
            "reviews": report.reviews,
            "amendments": display.amendments(report.amendments, report.fields),
        }
        if context["can_review"]:
            context["review_form"] = review_form or ReviewForm()
    # Higher apps' panels (a care link to refer the person).
    context["panels"] = panels.render("response.encounter", actor=actor, encounter=encounter)
    return _render(
        request,
        "encounter.html",
        context,
        form,
        review_form,
        responder_form,
        pick_form,
        person_form,
        *(times_form for _responder, times_form in times or ()),
    )


@login_required
def encounter(request: HttpRequest, pk: int) -> HttpResponse:
    """The report: a form in sections for its author while it may change; otherwise the
    report as filed, with the review or amendment actions the actor may take."""
    actor = actor_of(request)
    report = selectors.encounter_detail(actor, pk)
    if request.method != "POST":
        return _page(request, actor, report)
    if not selectors.can_edit(actor, report):
        raise Http404("Not found")
    typed = _save_typed(request, actor, report, always=True)
    form = typed.form
    if typed.ok and request.POST.get("action") == "submit":
        try:
            services.submit_encounter(actor, encounter=report)
        except ValidationError as exc:
            form = _encounter_form(
                request, report, selectors.encounter_fields(actor, report, shown=())
            )
            form.is_valid()
            apply_errors(form, exc)
            messages.info(request, _("Your changes are saved as a draft."))
        else:
            messages.success(request, _("Report submitted for review."))
            return redirect("response_encounter", pk=report.pk)
    elif typed.ok:
        messages.success(request, _("Draft saved."))
        return redirect("response_encounter", pk=report.pk)
    report = selectors.encounter_detail(actor, pk)
    return _page(request, actor, report, form=form, times=typed.times)


@login_required
@require_POST
def responder_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    report = selectors.encounter_detail(actor, pk)
    if not selectors.can_edit(actor, report):
        raise Http404("Not found")
    typed = _save_typed(request, actor, report)
    report = selectors.encounter_detail(actor, pk)
    form = _responder_form(report, request.POST)
    if form.is_valid() and typed.ok:
        try:
            services.add_responder(actor, encounter=report, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Responder added."))
            return redirect("response_encounter", pk=report.pk)
    return _page(request, actor, report, form=typed.form, times=typed.times, responder_form=form)


@login_required
@require_POST
def responder_remove(request: HttpRequest, pk: int, responder_pk: int) -> HttpResponse:
    actor = actor_of(request)
    report = selectors.encounter_detail(actor, pk)
    if not selectors.can_edit(actor, report):
        raise Http404("Not found")
    responder = get_object_or_404(EncounterResponder, pk=responder_pk, encounter=report)
    typed = _save_typed(request, actor, report)
    if not typed.ok:
        return _page(
            request,
            actor,
            selectors.encounter_detail(actor, pk),
            form=typed.form,
            times=typed.times,
        )
    try:
        services.remove_responder(actor, responder=responder)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Responder removed."))
    return redirect("response_encounter", pk=report.pk)


@login_required
@require_POST
def person_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Link a person already on the call, or record a new one and link them."""
    actor = actor_of(request)
    report = selectors.encounter_detail(actor, pk)
    if not selectors.can_edit(actor, report):
        raise Http404("Not found")
    typed = _save_typed(request, actor, report)
    report = selectors.encounter_detail(actor, pk)
    if request.POST.get("kind") == "existing":
        pick = _joined(
            PersonPickForm(
                request.POST, people=selectors.people_on_call(actor, report), prefix="pick"
            )
        )
        if pick.is_valid() and typed.ok:
            try:
                services.add_person(actor, encounter=report, **pick.cleaned_data)
            except ValidationError as exc:
                apply_errors(pick, exc)
            else:
                messages.success(request, _("Person added to the report."))
                return redirect("response_encounter", pk=report.pk)
        return _page(request, actor, report, form=typed.form, times=typed.times, pick_form=pick)
    form = _joined(NewPersonForm(request.POST, prefix="person"))
    if form.is_valid() and typed.ok:
        details = dict(form.cleaned_data)
        role = details.pop("role")
        about = {name: details.pop(name) for name in PERSON_DETAILS}
        try:
            # Both or neither: a person is never left recorded on no report.
            with transaction.atomic():
                person = people_services.create_person(
                    actor,
                    organization=report.organization,
                    purpose=Purpose.ACTIVE_CALL,
                    **details,
                )
                services.add_person(actor, encounter=report, person=person, role=role, **about)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Person recorded and added to the report."))
            return redirect("response_encounter", pk=report.pk)
    return _page(request, actor, report, form=typed.form, times=typed.times, person_form=form)


@login_required
@require_POST
def person_remove(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    actor = actor_of(request)
    report = selectors.encounter_detail(actor, pk)
    if not selectors.can_edit(actor, report):
        raise Http404("Not found")
    link = get_object_or_404(EncounterPerson, pk=link_pk, encounter=report)
    typed = _save_typed(request, actor, report)
    if not typed.ok:
        return _page(
            request,
            actor,
            selectors.encounter_detail(actor, pk),
            form=typed.form,
            times=typed.times,
        )
    services.remove_person(actor, link=link)
    messages.success(request, _("Person removed from the report."))
    return redirect("response_encounter", pk=report.pk)


@login_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    report = selectors.encounter_detail(actor, pk)
    if not selectors.can_review(actor, report):
        raise Http404("Not found")
    form = ReviewForm(request.POST)
    if form.is_valid():
        accept = form.cleaned_data["decision"] == "accept"
        try:
            services.review_encounter(
                actor, encounter=report, accept=accept, comment=form.cleaned_data["comment"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Report accepted.") if accept else _("Report returned to its author."),
            )
            return redirect("response_review_queue")
    return _page(request, actor, report, review_form=form)


@login_required
def amend(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    report = selectors.encounter_detail(actor, pk)
    if not selectors.can_amend(actor, report):
        raise Http404("Not found")
    fields = selectors.encounter_fields(
        actor, report, shown=() if request.method == "POST" else None
    )
    form = _encounter_form(request, report, fields, AmendForm)
    if request.method == "POST" and form.is_valid():
        try:
            services.amend_encounter(
                actor, encounter=report, changes=_changes(form), reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Amendment saved."))
            return redirect("response_encounter", pk=report.pk)
    return _render(request, "amend.html", {"encounter": report, "form": form}, form)


# --- Dispositions --------------------------------------------------------------------------


@login_required
def dispositions(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.disposition_organization(actor)
    form = NewDispositionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "standard":
            services.ensure_dispositions(actor, organization=organization)
            messages.success(request, _("The standard dispositions are on the list."))
            return redirect("response_dispositions")
        if form.is_valid():
            try:
                services.add_disposition(actor, organization=organization, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Disposition added."))
                return redirect("response_dispositions")
    entries = selectors.dispositions(actor, organization)
    return _render(
        request,
        "dispositions.html",
        {"organization": organization, "entries": entries, "form": form},
        form,
    )


@login_required
def disposition_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    entry = selectors.disposition_for_change(actor, pk)
    if request.method == "POST" and request.POST.get("action") in {"up", "down"}:
        services.move_disposition(actor, disposition=entry, up=request.POST["action"] == "up")
        return redirect("response_dispositions")
    if request.method == "POST" and request.POST.get("action") == "delete":
        try:
            services.delete_disposition(actor, disposition=entry)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Disposition deleted."))
        return redirect("response_dispositions")
    form = DispositionForm(
        request.POST if request.method == "POST" else None,
        initial={"label": entry.label, "outcome": entry.outcome, "is_active": entry.is_active},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_disposition(actor, disposition=entry, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Disposition saved."))
            return redirect("response_dispositions")
    return _render(request, "disposition_form.html", {"entry": entry, "form": form}, form)


def person_encounters_panel(*, actor: Actor, person: Person) -> dict[str, Any]:
    """The encounters panel on a person's page (registered in ``ResponseConfig.ready``)."""
    return {"encounters": list(selectors.encounters_for_person(actor, person)[:PERSON_RECENT])}
