"""No cache keeps what a signed-in person, an API caller or a private link sees; public pages
and static files keep their caching."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pmhc.dispatch import services as dispatch_services
from pmhc.people import services as people_services
from pmhc.platform import services as platform_services
from pmhc.platform.access import actor_for_user
from pmhc.platform.models import Purpose

pytestmark = pytest.mark.django_db


def assert_not_stored(response) -> None:
    assert "no-store" in response["Cache-Control"], response.get("Cache-Control")
    assert response["Pragma"] == "no-cache"


def test_person_and_call_pages_and_an_export_are_not_stored(cast):
    person = people_services.create_person(
        cast.actor(cast.colleague),
        organization=cast.agency,
        purpose=Purpose.ACTIVE_CALL,
        family_name="Rivera",
        given_name="Ana",
    )
    call = dispatch_services.create_call(
        cast.actor(cast.colleague),
        organization=cast.agency,
        cad_event_id="C-1",
        received_at=timezone.now(),
    )
    officer = cast.client(cast.colleague)
    for url in (
        reverse("people_person", args=[person.pk]),
        reverse("dispatch_call", args=[call.pk]),
    ):
        response = officer.get(url)
        assert response.status_code == 200, url
        assert_not_stored(response)
    export = cast.client(cast.admin).get(reverse("audit_export", args=[cast.agency.slug]))
    assert export.status_code == 200
    assert_not_stored(export)


def test_signed_in_visitors_get_no_store_even_on_public_pages(cast):
    response = cast.client(cast.member).get(reverse("home"))
    assert response.status_code == 200
    assert_not_stored(response)


def test_api_key_answers_are_not_stored(cast):
    _key, raw = platform_services.create_api_key(
        actor_for_user(cast.admin), organization=cast.agency, name="CAD", scopes=["calls:write"]
    )
    response = Client().get(reverse("api_me"), HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 200
    assert_not_stored(response)


def test_private_links_and_unmarked_pages_are_not_stored_for_anonymous_visitors(cast):
    # A page that is not marked public, a redirect to sign in, an unknown address.
    for url in (reverse("people_index"), "/no-such-page/", reverse("library_submit")):
        assert_not_stored(Client().get(url))


def test_a_view_that_said_no_store_keeps_its_own_header(cast):
    # The sign-in page sets Django's never_cache header itself; it is not rewritten.
    response = Client().get(reverse("login"))
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert response["Pragma"] == "no-cache"


@pytest.mark.parametrize(
    "url", ["/", "/learn/", "/learn/elements/", "/library/", "/learn/sites/", "/api/docs/"]
)
def test_public_pages_keep_their_caching_for_anonymous_visitors(cast, url):
    response = Client().get(url)
    assert response.status_code == 200
    assert "Cache-Control" not in response
    assert "Pragma" not in response


def test_static_files_keep_their_caching(cast):
    response = cast.client(cast.member).get("/static/pmhc/pmhc.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
