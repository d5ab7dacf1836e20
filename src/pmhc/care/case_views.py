"""The case management pages: the caseload, a case with its contacts, referrals and the person's
timeline, and the forms that open, plan, log a contact, pass on, close and reopen a case. Thin:
parse, call one selector or service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pmhc.care import case_selectors, case_services
from pmhc.care.case_forms import CloseForm, ContactForm, OpenCaseForm, PlanForm, TransferForm
from pmhc.care.models import Case, CaseOrigin
from pmhc.platform.access import Actor
from pmhc.platform.forms import apply_errors
from pmhc.platform.http import actor_of
from pmhc.response import contact_selectors


def _int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


@login_required
def caseload(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    load = case_selectors.caseload(actor, _int(request.GET.get("manager")))
    return render(
        request,
        "care/caseload.html",
        {
            "load": load,
            "every_load": case_selectors.sees_every_load(actor),
            "quiet_days": case_selectors.QUIET_DAYS,
            "shown": case_selectors.CASELOAD_SHOWN,
        },
    )


def _origin(request: HttpRequest) -> str:
    origin = request.GET.get("from", "")
    return origin if origin in CaseOrigin.values else CaseOrigin.OTHER


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    """Open a case for ``?person=<pk>`` (``&from=high_utilizer``, ``&note=<contact note>``);
    a person with an open case goes to it."""
    actor = actor_of(request)
    pk = _int(request.GET.get("person"))
    if pk is None:
        raise Http404("Not found")
    person = case_selectors.person_for_case(actor, pk)
    existing = case_selectors.open_case_of(actor, person)
    if existing is not None:
        messages.info(request, _("This person has a case open already."))
        return redirect("care_case", pk=existing.pk)
    note_pk = _int(request.GET.get("note"))
    note = contact_selectors.note_for_change(actor, note_pk) if note_pk is not None else None
    if note is not None and not case_selectors.note_is_about(note, person):
        # A case names only a note about its own person.
        raise Http404("Not found")
    origin = CaseOrigin.FOLLOW_UP if note is not None else _origin(request)
    form = OpenCaseForm(request.POST if request.method == "POST" else None)
    if not case_selectors.writes_clinical(
        actor, case_selectors.case_target(person.organization_id)
    ):
        # Clinical: not written by those who may not read them.
        del form.fields["goals"]
    if request.method == "POST" and form.is_valid():
        try:
            case, created = case_services.open_case(
                actor,
                person=person,
                origin=origin,
                goals=form.cleaned_data.get("goals") or "",
                contact_every_days=form.cleaned_data["contact_every_days"],
                contact_note=note,
            )
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if created:
                messages.success(request, _("Case opened. The first contact is due today."))
            else:
                messages.info(request, _("This person has a case open already."))
            return redirect("care_case", pk=case.pk)
    return render(
        request,
        "care/case_new.html",
        {"person": person, "form": form, "origin": CaseOrigin(origin).label, "note": note},
        status=400 if form.errors else 200,
    )


@login_required
def case(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    read = case_selectors.case_detail(actor, pk, request.GET)
    return render(request, "care/case.html", {"read": read, "case": read.case})


def _case_form(
    request: HttpRequest,
    pk: int,
    *,
    template: str,
    form_for: Any,
    save: Any,
    done: str,
) -> HttpResponse:
    """A form about one open case: shown, checked, saved through ``save``, back to the case."""
    actor = actor_of(request)
    found = case_selectors.case_for_change(actor, pk)
    form = form_for(actor, found, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            save(actor, found, form)
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("care_case", pk=found.pk)
    return render(
        request, template, {"case": found, "form": form}, status=400 if form.errors else 200
    )


@login_required
def contact_new(request: HttpRequest, pk: int) -> HttpResponse:
    def form_for(actor: Actor, found: Case, data: Any) -> ContactForm:
        form = ContactForm(data, calls=case_selectors.recent_calls(actor, found))
        if not case_selectors.writes_clinical(actor, found):
            # Clinical: not written by those who may not read it.
            del form.fields["note"]
        return form

    def save(actor: Actor, found: Case, form: ContactForm) -> None:
        data = form.cleaned_data
        call = case_selectors.recent_call(actor, found, data["call"])
        case_services.log_contact(
            actor,
            case=found,
            kind=data["kind"],
            outcome=data["outcome"],
            at=data["at"],
            note=data.get("note") or "",
            call=call,
        )

    return _case_form(
        request,
        pk,
        template="care/contact_new.html",
        form_for=form_for,
        save=save,
        done=_("Contact logged."),
    )


@login_required
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    def form_for(actor: Actor, found: Case, data: Any) -> PlanForm:
        goals = case_selectors.goals_for_change(actor, found)
        initial = {
            "goals": goals or "",
            "contact_every_days": found.contact_every_days,
            "next_contact_on": found.next_contact_on,
        }
        form = PlanForm(data, initial=initial)
        if goals is None:
            # Clinical: neither shown nor changed by those who may not read them.
            del form.fields["goals"]
        return form

    def save(actor: Actor, found: Case, form: PlanForm) -> None:
        data = form.cleaned_data
        case_services.update_plan(
            actor,
            case=found,
            goals=data.get("goals"),
            contact_every_days=data["contact_every_days"],
            next_contact_on=data["next_contact_on"],
        )

    return _case_form(
        request,
        pk,
        template="care/plan.html",
        form_for=form_for,
        save=save,
        done=_("Goals and schedule saved."),
    )


@login_required
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    def form_for(actor: Actor, found: Case, data: Any) -> TransferForm:
        managers = [
            user
            for user in case_selectors.managers_of(actor, found.organization_id)
            if user.pk != found.case_manager_id
        ]
        return TransferForm(data, managers=managers)

    def save(actor: Actor, found: Case, form: TransferForm) -> None:
        case_services.transfer_case(
            actor, case=found, to_manager=form.chosen(), reason=form.cleaned_data["reason"]
        )

    return _case_form(
        request,
        pk,
        template="care/transfer.html",
        form_for=form_for,
        save=save,
        done=_("Case passed on."),
    )


@login_required
def close(request: HttpRequest, pk: int) -> HttpResponse:
    def form_for(actor: Actor, found: Case, data: Any) -> CloseForm:
        return CloseForm(data, clinical=case_selectors.writes_clinical(actor, found))

    def save(actor: Actor, found: Case, form: CloseForm) -> None:
        data = form.cleaned_data
        case_services.close_case(
            actor, case=found, reason=data["reason"], note=data.get("note") or ""
        )

    return _case_form(
        request,
        pk,
        template="care/close.html",
        form_for=form_for,
        save=save,
        done=_("Case closed."),
    )


@login_required
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    found = case_selectors.case_for_change(actor, pk)
    try:
        case_services.reopen_case(actor, case=found)
    except PermissionDenied as exc:
        raise Http404("Not found") from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Case reopened. A contact is due today."))
    return redirect("care_case", pk=found.pk)


# --- Panels on lower apps' pages (registered in ``CareConfig.ready``) --------------------------


def utilizer_panel(*, actor: Actor, person: Any) -> dict[str, Any]:
    """The "Open a case" link beside a person on the high-utilizer list."""
    return {
        "show": person is not None and case_selectors.manages_cases(actor),
        "person": person,
        "now": timezone.now(),
    }


def follow_up_panel(*, actor: Actor, follow_up: Any) -> dict[str, Any]:
    """The "Open a case" link on a clinician's follow-up, for a person whose record the actor's
    organization holds (a case follows records of its own organization)."""
    person = follow_up.person
    return {
        "show": person is not None
        and person.organization_id == actor.organization_id
        and case_selectors.manages_cases(actor),
        "person": person,
        "note": follow_up.note,
    }


def index_panel(*, actor: Actor, csrf_token: str) -> dict[str, Any]:
    """The link to the caseload on the Operate page of those who manage cases."""
    return {"show": case_selectors.manages_cases(actor)}
