"""Pages that do everything the authorization crawl looks for, to show that it finds them.

The crawl's control (``test_the_crawl_finds_what_it_looks_for``) routes these views in place
of the product's and crawls them with the same world, callers and judging: each misdeed must
come back as a failure of its kind. A crawl that could not see these would pass a product
that did them.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.urls import include, path

from pmhc.people.models import Person
from pmhc.platform.tests.crawl_routes import Fill, Owned


@login_required
def person_name(request: HttpRequest, pk: int) -> HttpResponse:
    """Shows any organization's person by name (a leak), and answers another organization's
    person with 403 instead of the 404 a missing one gets (hidden unlike missing)."""
    person = Person.objects.filter(pk=pk).first()
    if person is None:
        raise Http404("Not found")
    if person.organization_id not in request.actor.organization_ids:  # type: ignore[attr-defined]
        return HttpResponseForbidden(f"Not yours: {person.family_name}")
    return HttpResponse(person.family_name)


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the crawl's self-test breaks this page on purpose")


def scribble(request: HttpRequest, pk: int) -> HttpResponse:
    """Changes any person on a POST, whoever asks (a write across the boundary)."""
    if request.method == "POST":
        Person.objects.filter(pk=pk).update(description="scribbled")
    return HttpResponse("ok")


urlpatterns = [
    path("selftest/people/<int:pk>/", person_name, name="selftest_person_name"),
    path("selftest/broken/", broken, name="selftest_broken"),
    path("selftest/people/<int:pk>/scribble/", scribble, name="selftest_scribble"),
    # The product's own routes too: its pages (sign-in, the 404 page) link to them.
    path("", include("pmhc.urls")),
]

FILLS: dict[str, dict[str, Fill]] = {
    "selftest_person_name": {"pk": Owned(lambda h: h.person)},
    "selftest_scribble": {"pk": Owned(lambda h: h.person)},
}
