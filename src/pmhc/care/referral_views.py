"""The referral pages: send one (from an encounter, a contact note or a case), the lists and
page of the referrals an organization sent, the inbox and page of those it received with the
buttons for each next state, and the coordinator's list of referrals that have not moved.
Thin: parse, call one selector or service, render."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pmhc.care import referral_selectors as sel
from pmhc.care import referral_services
from pmhc.care.models import ReferralStatus
from pmhc.care.referral_forms import MoveForm, ReferralForm
from pmhc.platform import dates
from pmhc.platform.access import Actor
from pmhc.platform.forms import apply_errors
from pmhc.platform.http import actor_of

#: The label of the button for each next state.
BUTTONS = {
    ReferralStatus.RECEIVED: gettext_lazy("Mark received"),
    ReferralStatus.ACCEPTED: gettext_lazy("Accept"),
    ReferralStatus.SCHEDULED: gettext_lazy("Schedule"),
    ReferralStatus.ATTENDED: gettext_lazy("First appointment attended"),
    ReferralStatus.ENGAGED: gettext_lazy("Engaged at 30 days"),
    ReferralStatus.DECLINED: gettext_lazy("Decline"),
    ReferralStatus.NO_SHOW: gettext_lazy("Did not attend"),
    ReferralStatus.CLOSED: gettext_lazy("Close"),
}


def _status_filter(request: HttpRequest) -> str:
    status = request.GET.get("status", "")
    return status if status in ReferralStatus.values else ""


def _zone(actor: Actor) -> zoneinfo.ZoneInfo:
    return dates.zone(actor.time_zone or "UTC")


@login_required
def referral_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    source = sel.referral_source(actor, request.GET)
    services = list(sel.service_choices(actor))
    form = ReferralForm(
        request.POST if request.method == "POST" else None,
        people=source.people,
        services=services,
    )
    consent_missing = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = form.people.get(data["person"])
        service = form.services.get(data["service"])
        if person is None:
            form.add_error("person", _("Choose a person recorded here."))
        if service is None:
            form.add_error("service", _("Choose a service that takes referrals through pmhc."))
        if person is not None and service is not None:
            try:
                referral = referral_services.send_referral(
                    actor,
                    person=person,
                    service=service,
                    reason=data["reason"],
                    encounter=source.encounter,
                    contact_note=source.contact_note,
                    case=source.case,
                )
            except PermissionDenied as exc:
                raise Http404("Not found") from exc
            except referral_services.ConsentMissing as exc:
                consent_missing = True
                form.add_error(None, exc)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Referral sent."))
                return redirect("care_referral", pk=referral.pk)
    status = 400 if form.errors else 200
    return render(
        request,
        "care/referral_new.html",
        {
            "form": form,
            "source": source,
            "services": services,
            "consent_missing": consent_missing,
            "person_pk": form.data.get("person") if form.is_bound else None,
        },
        status=status,
    )


@login_required
def referral_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not sel.reads_sent(actor):
        raise Http404("Not found")
    status = _status_filter(request)
    page = sel.sent_list(actor, request.GET, status)
    return render(
        request,
        "care/referral_list.html",
        {
            "page": page,
            "status": status,
            "statuses": ReferralStatus.choices,
            "receives": sel.receives_referrals(actor),
        },
    )


@login_required
def referral(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    read = sel.sent_detail(actor, pk)
    return render(
        request,
        "care/referral.html",
        {
            "read": read,
            "referral": read.referral,
            "stalled": sel.is_stalled(read.referral, actor.time_zone),
            "can_close": "closed" in read.moves,
        },
    )


@login_required
@require_POST
def referral_close(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    found = sel.referral_for_sender_change(actor, pk)
    try:
        referral_services.move_referral(
            actor,
            referral=found,
            status=ReferralStatus.CLOSED,
            reason=request.POST.get("reason", ""),
        )
    except PermissionDenied as exc:
        raise Http404("Not found") from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Referral closed."))
    return redirect("care_referral", pk=pk)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not sel.receives_referrals(actor):
        raise Http404("Not found")
    status = _status_filter(request)
    page = sel.inbox(actor, request.GET, status)
    return render(
        request,
        "care/referral_inbox.html",
        {"page": page, "status": status, "statuses": ReferralStatus.choices},
    )


def _moves(granted: sel.Granted) -> list[tuple[str, str]]:
    return [(s, str(BUTTONS.get(ReferralStatus(s), s))) for s in granted.moves]


@login_required
def received(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    granted = sel.received_detail(actor, pk)
    return render(
        request,
        "care/referral_received.html",
        {
            "granted": granted,
            "referral": granted.referral,
            "moves": _moves(granted),
            "form": MoveForm(),
        },
    )


@login_required
@require_POST
def received_move(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    found = sel.referral_for_provider_change(actor, pk)
    form = MoveForm(request.POST)
    with timezone.override(_zone(actor)):
        valid = form.is_valid()
    if valid:
        data = form.cleaned_data
        try:
            referral_services.move_referral(
                actor,
                referral=found,
                status=data["status"],
                appointment_at=data["appointment_at"],
                reason=data["reason"],
                note=data["note"],
            )
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            label = ReferralStatus(data["status"]).label
            messages.success(request, _("Referral marked: %(state)s.") % {"state": label})
            return redirect("care_referral_received", pk=pk)
    granted = sel.received_detail(actor, pk)
    return render(
        request,
        "care/referral_received.html",
        {"granted": granted, "referral": granted.referral, "moves": _moves(granted), "form": form},
        status=400,
    )


@login_required
def stalled(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not sel.reads_sent(actor):
        raise Http404("Not found")
    rows = sel.stalled_list(actor)
    return render(
        request,
        "care/referral_stalled.html",
        {"rows": rows, "limit": sel.STALLED_LIMIT},
    )


# --- Panels on response's pages (registered in ``CareConfig.ready``) ----------------------


def encounter_panel(*, actor: Actor, encounter: Any) -> dict[str, Any]:
    """The link to refer a person of the report, for whoever sends referrals in its
    organization (no query: the policy answers from the actor)."""
    return {
        "show": encounter.organization_id == actor.organization_id and sel.sends_referrals(actor),
        "query": f"encounter={encounter.pk}",
    }


def contact_panel(*, actor: Actor, note: Any) -> dict[str, Any]:
    return {
        "show": note.person_id is not None
        and note.organization_id == actor.organization_id
        and sel.sends_referrals(actor),
        "query": f"note={note.pk}",
    }


def index_panel(*, actor: Actor, **_page: Any) -> dict[str, Any]:
    """Links to the referral lists on the Operate page (no query)."""
    return {"receives": sel.receives_referrals(actor), "sends": sel.reads_sent(actor)}
