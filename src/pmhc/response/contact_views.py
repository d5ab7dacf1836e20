"""The clinical contact note's pages: file one for a call the clinician's team was sent to,
read one, and the follow-ups due with a button to mark each done. Thin: parse, call one
selector or service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pmhc.dispatch import selectors as dispatch_selectors
from pmhc.dispatch.models import Call, CallAssignment
from pmhc.platform import panels
from pmhc.platform.access import Actor
from pmhc.platform.forms import apply_errors
from pmhc.platform.http import actor_of
from pmhc.response import contact_selectors, contact_services
from pmhc.response.contact_forms import ContactNoteForm

#: How many follow-ups the Operate page shows before linking to the whole list.
INDEX_FOLLOW_UPS = 10


@login_required
def contact_new(request: HttpRequest, assignment_pk: int) -> HttpResponse:
    actor = actor_of(request)
    assignment = contact_selectors.assignment_for_note(actor, assignment_pk)
    people, _withheld = dispatch_selectors.call_people(actor, assignment.call)
    form = ContactNoteForm(
        request.POST if request.method == "POST" else None,
        people=[item.person for item in people],
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            note = contact_services.file_contact_note(
                actor,
                assignment=assignment,
                person=form.chosen_person(),
                assessment_done=data["assessment_done"] == "yes",
                risk_level=data["risk_level"],
                safety_plan=data["safety_plan"] == "yes",
                follow_up_with=data["follow_up_with"],
                follow_up_on=data["follow_up_on"],
                note=data["note"],
            )
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Contact note filed."))
            return redirect("response_contact", pk=note.pk)
    status = 400 if form.errors else 200
    return render(
        request,
        "response/contact_new.html",
        {"assignment": assignment, "call": assignment.call, "form": form},
        status=status,
    )


@login_required
def contact(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    read = contact_selectors.note_detail(actor, pk)
    return render(
        request,
        "response/contact.html",
        {
            "read": read,
            "note": read.note,
            "panels": panels.render("response.contact", actor=actor, note=read.note),
        },
    )


@login_required
def follow_ups(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not contact_selectors.reads_follow_ups(actor):
        raise Http404("Not found")
    rows = contact_selectors.follow_ups_due(actor)
    return render(request, "response/follow_ups.html", {"rows": _with_actions(actor, rows)})


@login_required
@require_POST
def follow_up_done(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    note = contact_selectors.note_for_change(actor, pk)
    try:
        contact_services.complete_follow_up(actor, note=note)
    except PermissionDenied as exc:
        raise Http404("Not found") from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Follow-up marked done."))
    back = request.POST.get("back")
    return redirect("dispatch_index" if back == "operate" else "response_follow_ups")


#: Each follow-up's row, for ``platform.panels``: higher apps add their links (care: "Open a
#: case") with the actor and the follow-up.
FOLLOW_UP_ROW = "response.follow_up"


def _with_actions(
    actor: Actor, rows: list[contact_selectors.FollowUp]
) -> list[tuple[contact_selectors.FollowUp, list[Any]]]:
    return [(row, panels.render(FOLLOW_UP_ROW, actor=actor, follow_up=row)) for row in rows]


# --- Panels on dispatch's pages (registered in ``ResponseConfig.ready``) -------------------


def index_panel(*, actor: Actor, csrf_token: str) -> dict[str, Any]:
    """The follow-ups due, on a case manager's Operate page (its buttons post with the page's
    CSRF token)."""
    if not actor.has_role(*contact_selectors.CASE_MANAGERS):
        # Clinicians get the link to the follow-ups they arranged.
        return {"show": False, "link": contact_selectors.reads_follow_ups(actor)}
    rows = contact_selectors.follow_ups_due(actor, limit=INDEX_FOLLOW_UPS + 1)
    return {
        "show": True,
        "rows": _with_actions(actor, rows[:INDEX_FOLLOW_UPS]),
        "more": len(rows) > INDEX_FOLLOW_UPS,
        "back": "operate",
        "csrf_token": csrf_token,
    }


def unit_call_panel(*, actor: Actor, assignment: CallAssignment) -> dict[str, Any]:
    """The contact notes on a team's call page, and the button to file one."""
    return {
        "assignment": assignment,
        "can_file": contact_selectors.can_file(actor, assignment),
        "notes": contact_selectors.assignment_notes(actor, assignment),
    }


def call_panel(*, actor: Actor, call: Call) -> dict[str, Any]:
    """What the call's page shows of the notes filed on it: that they exist, and dates."""
    return {"summaries": contact_selectors.call_summary(actor, call.pk)}
