"""The people pages: search, a person's details with the panels that higher apps add (the calls
and encounters the person appears in), and changing the details. Every person shown is an
audited read (the selectors write it)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from pmhc.people import plan_selectors, selectors, services
from pmhc.people.forms import PersonForm, SearchForm
from pmhc.platform import panels
from pmhc.platform.forms import apply_errors
from pmhc.platform.http import actor_of

PURPOSE = selectors.ACTIVE_CALL
#: The person's page, for ``platform.panels``.
PERSON_PAGE = "people.person"


@login_required
def index(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not selectors.can_read_people(actor, PURPOSE):
        raise Http404("Not found")
    form = SearchForm(request.GET or None)
    found = None
    if form.is_bound and form.is_valid():
        found = selectors.search_people(actor, form.cleaned_data["q"], purpose=PURPOSE)
    return render(
        request,
        "people/index.html",
        {"form": form, "found": found, "limit": selectors.SEARCH_LIMIT},
    )


@login_required
def person(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    record = selectors.person_detail(actor, pk, purpose=PURPOSE)
    return render(
        request,
        "people/person.html",
        {
            "person": record,
            # Higher apps add theirs (the calls and encounters the person appears in).
            "panels": panels.render(PERSON_PAGE, actor=actor, person=record),
            "can_change": selectors.can_change(actor, record, PURPOSE),
            "may_plan": plan_selectors.can_write_plans(actor),
        },
    )


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    record = selectors.person_for_change(actor, pk, purpose=PURPOSE)
    initial = {name: getattr(record, name) for name in services.PERSON_FIELDS}
    initial["aliases"] = "\n".join(a.name for a in record.aliases.all())
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        old = {a.name: a.kind for a in record.aliases.all()}
        values["aliases"] = [(name, old.get(name, "alias")) for name in values["aliases"]]
        try:
            services.update_person(actor, person=record, purpose=PURPOSE, **values)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Details saved."))
            return redirect("people_person", pk=record.pk)
    status = 400 if form.errors else 200
    return render(
        request, "people/person_form.html", {"person": record, "form": form}, status=status
    )
