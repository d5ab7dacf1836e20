"""The searcher's pages: the registry search, one enrolment as the responder reads it, and its
photo. Thin: parse, call one selector, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from pmhc.homesafe import incident_selectors, incident_services, search_selectors
from pmhc.homesafe.search_forms import SearchForm
from pmhc.platform.http import actor_of

#: The photo types served inline to an ``<img>``; any other stored type is not shown.
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


@login_required
def search(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not search_selectors.can_search(actor):
        raise Http404("Not found")
    form = SearchForm(request.GET or None)
    result = search_selectors.SearchResult()
    if form.is_bound and form.is_valid():
        result = search_selectors.search(actor, form.query())
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "homesafe/search/search.html",
        {
            "form": form,
            "result": result,
            "limit": search_selectors.RESULTS_LIMIT,
            "today": timezone.localdate(),
        },
        status=status,
    )


@login_required
def enrolment(request: HttpRequest, reference: str) -> HttpResponse:
    actor = actor_of(request)
    shown = search_selectors.enrolment_for_responder(actor, reference)
    return render(
        request,
        "homesafe/search/enrolment.html",
        {
            "enrolment": shown,
            "age": shown.age_on(timezone.localdate()),
            "may_open": incident_services.may_open(actor),
            "open_search": incident_selectors.open_search_for(actor, shown),
        },
    )


@login_required
def photo(request: HttpRequest, reference: str) -> FileResponse:
    shown = search_selectors.enrolment_photo(actor_of(request), reference)
    if shown.photo_content_type not in IMAGE_TYPES:
        raise Http404("Not found")
    try:
        handle = shown.photo.open("rb")
    except FileNotFoundError as exc:
        raise Http404("Not found") from exc
    response = FileResponse(handle, content_type=shown.photo_content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # A photo of someone in the registry is never kept by a shared cache or the browser.
    response["Cache-Control"] = "private, no-store"
    return response
