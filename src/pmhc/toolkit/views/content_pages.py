"""Learn: frequently asked questions (with search), agency experiences, the page on partnering
with people with lived experience and their families, and the lists TTA staff keep of
questions and experiences (add, publish or withdraw, move up or down)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, Resolver404, URLPattern, path, resolve, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pmhc.platform.caching import public_page
from pmhc.platform.http import actor_of
from pmhc.toolkit.forms.content import EntryForm
from pmhc.toolkit.models import PageContent
from pmhc.toolkit.selectors import content as content_selectors
from pmhc.toolkit.selectors import content_lists as selectors
from pmhc.toolkit.services import content_lists as services

Kind = PageContent.Kind
LIVED_EXPERIENCE = "lived-experience"

#: What each list is called, on its public page and on the staff page.
LIST_NAMES: dict[str, tuple[str | Promise, str | Promise, str]] = {
    Kind.FAQ: (gettext_lazy("Frequently asked questions"), gettext_lazy("question"), "learn_faq"),
    Kind.EXPERIENCE: (
        gettext_lazy("Agency experiences"),
        gettext_lazy("experience"),
        "learn_experiences",
    ),
}


#: The add button's and add page's words for each list, whole phrases so that each translates.
ADD_LABELS: dict[str, str | Promise] = {
    Kind.FAQ: gettext_lazy("Add a question"),
    Kind.EXPERIENCE: gettext_lazy("Add an experience"),
}
#: Entries' element ids begin with their list's prefix, so no entry's id is one of the page's.
ANCHOR_PREFIXES: dict[str, str] = {Kind.FAQ: "q", Kind.EXPERIENCE: "x"}


def anchor(content: PageContent) -> str:
    """The element id of a question or an experience on its public page and the staff list."""
    return f"{ANCHOR_PREFIXES[content.kind]}-{content.slug}"


def public_url(content: PageContent) -> str:
    """Where the public reads ``content`` (a question or experience: its place in the list). A
    page without a public address of its own falls back to the Learn index."""
    if content.kind in LIST_NAMES:
        return f"{reverse(LIST_NAMES[content.kind][2])}#{anchor(content)}"
    if content.kind == Kind.PAGE and content.slug == LIVED_EXPERIENCE:
        return reverse("learn_lived_experience")
    return reverse("learn_index")


def _paged(request: HttpRequest, kind: str) -> Any:
    return Paginator(selectors.published(kind), selectors.PAGE_SIZE).get_page(
        request.GET.get("page")
    )


@public_page
def faq(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[: selectors.MAX_QUERY_LENGTH].strip()
    results = selectors.search_questions(query) if query else None
    return render(
        request,
        "toolkit/learn/faq.html",
        {
            "query": query,
            "results": results,
            "search_limit": selectors.SEARCH_LIMIT,
            "max_query_length": selectors.MAX_QUERY_LENGTH,
            "page": None if query else _paged(request, Kind.FAQ),
            "may_edit": content_selectors.may_edit_content(actor_of(request)),
        },
    )


@public_page
def experiences(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "toolkit/learn/experiences.html",
        {
            "page": _paged(request, Kind.EXPERIENCE),
            "may_edit": content_selectors.may_edit_content(actor_of(request)),
        },
    )


@dataclass(frozen=True)
class Role:
    """A place in pmhc where people with lived experience and families take part."""

    label: str | Promise
    text: str | Promise
    url: str | None


def _url_name(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def _url_path(url: str) -> str | None:
    """``url`` if pmhc serves it; None before that part is built (never a dead link)."""
    try:
        resolve(url)
    except Resolver404:
        return None
    return url


def _roles() -> list[Role]:
    people = content_selectors.MODULES["people"]
    return [
        Role(
            _("Self-assessment"),
            _(
                "A coordinator invites the planning committee's members to rate the program; "
                "each says from which perspective they answer, one of them lived experience or "
                "family."
            ),
            _url_name("assess_home"),
        ),
        Role(
            _("Home Safe"),
            _(
                "Families enroll a relative at risk of wandering, confirm the record every six "
                "months and can change or withdraw it at any time."
            ),
            _url_path("/home-safe/"),
        ),
        Role(
            _("Response plans"),
            _(
                "A clinician or case manager writes the plan with the person: what calms them, "
                "what to avoid and whom to call; a second person approves it before responders "
                "see it."
            ),
            people.url,
        ),
    ]


@public_page
def lived_experience(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "toolkit/learn/lived_experience.html",
        {
            "content": selectors.page(LIVED_EXPERIENCE),
            "roles": _roles(),
            "may_edit": content_selectors.may_edit_content(actor_of(request)),
        },
    )


@login_required
def manage(request: HttpRequest, kind: str) -> HttpResponse:
    entries = selectors.managed_entries(actor_of(request), kind)
    name, singular, public_name = LIST_NAMES[kind]
    return render(
        request,
        "toolkit/learn/manage.html",
        {
            "kind": kind,
            "name": name,
            "singular": singular,
            "public_list_url": reverse(public_name),
            "add_label": ADD_LABELS[kind],
            "prefix": ANCHOR_PREFIXES[kind],
            "entries": entries,
            "max_entries": selectors.MAX_ENTRIES,
        },
    )


@login_required
def add(request: HttpRequest, kind: str) -> HttpResponse:
    actor = actor_of(request)
    selectors.managed_entries(actor, kind)  # 404 unless TTA staff and a listed kind
    form = EntryForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.add_entry(
                actor,
                kind=kind,
                title=data["title"],
                summary=data["summary"],
                body=data["body"],
                note=data["note"],
            )
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        except ValidationError as exc:
            for error in exc.messages:
                form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Added “%(title)s”. It is not published yet.") % {"title": entry.title},
            )
            return redirect("learn_manage", kind=kind)
    name, singular, _public = LIST_NAMES[kind]
    return render(
        request,
        "toolkit/learn/entry_form.html",
        {
            "kind": kind,
            "name": name,
            "singular": singular,
            "add_label": ADD_LABELS[kind],
            "form": form,
            "max_entries": selectors.MAX_ENTRIES,
        },
        status=400 if form.errors else 200,
    )


ACTIONS = {"publish", "withdraw", "up", "down"}


@login_required
@require_POST
def act(request: HttpRequest, kind: str, slug: str) -> HttpResponse:
    actor = actor_of(request)
    entry = selectors.managed_entry(actor, kind, slug)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        messages.error(request, _("Choose publish, withdraw, up or down."))
        return redirect("learn_manage", kind=kind)
    try:
        if action in ("publish", "withdraw"):
            entry = services.set_published(actor, content=entry, published=action == "publish")
            messages.success(
                request,
                (_("“%(title)s” is published.") if entry.is_published else
                 _("“%(title)s” is withdrawn from the public.")) % {"title": entry.title},
            )  # fmt: skip
        else:
            place = request.POST.get("place", "")
            entry = services.move_entry(
                actor,
                content=entry,
                direction=action,
                expected_number=int(place) if place.isdigit() else None,
            )
            messages.success(
                request,
                _("“%(title)s” is now number %(number)s.")
                % {"title": entry.title, "number": entry.number},
            )
    except PermissionDenied as exc:
        raise Http404("Not found") from exc
    except ValidationError as exc:
        for message in exc.messages:
            messages.info(request, message)
    return redirect(f"{reverse('learn_manage', kwargs={'kind': kind})}#{anchor(entry)}")


urlpatterns: list[URLPattern] = [
    path("learn/faq/", faq, name="learn_faq"),
    path("learn/experiences/", experiences, name="learn_experiences"),
    path("learn/lived-experience/", lived_experience, name="learn_lived_experience"),
    path("learn/manage/<slug:kind>/", manage, name="learn_manage"),
    path("learn/manage/<slug:kind>/new/", add, name="learn_manage_add"),
    path("learn/manage/<slug:kind>/<slug:slug>/", act, name="learn_manage_act"),
]
