"""The person's page shows the calls and encounters the person appears in: panels that dispatch
and response register on a page of ``people``, which imports neither."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from pmhc.conftest import Cast
from pmhc.dispatch import services as dispatch_services
from pmhc.people import services as people_services
from pmhc.platform import panels
from pmhc.platform.models import Purpose, Role
from pmhc.response import services
from pmhc.response.tests.factories import member

pytestmark = pytest.mark.django_db


def test_dispatch_and_response_register_their_panels_in_order() -> None:
    # The link to the person's consents (people's own panel) comes first.
    assert [panel.template for panel in panels.panels_for("people.person")] == [
        "people/includes/consent_link.html",
        "dispatch/_person_calls.html",
        "response/_person_encounters.html",
    ]


def test_the_person_page_lists_calls_then_encounters(cast: Cast) -> None:
    author = cast.actor(cast.colleague)
    taker = member(cast.agency, Role.CALL_TAKER, "taker")
    person = people_services.create_person(
        author, organization=cast.agency, purpose=Purpose.ACTIVE_CALL, family_name="Rivera"
    )
    call = dispatch_services.create_call(
        cast.actor(taker),
        organization=cast.agency,
        cad_event_id="P-77",
        received_at=timezone.now() - dt.timedelta(hours=1),
    )
    dispatch_services.link_person(cast.actor(taker), call=call, person=person, role="subject")
    encounter = services.start_encounter(author, call=call)
    services.add_person(author, encounter=encounter, person=person)

    response = cast.client(cast.colleague).get(reverse("people_person", args=[person.pk]))

    assert response.status_code == 200
    body = response.content.decode()
    calls_at = body.index('<h2 id="calls-heading">')
    encounters_at = body.index('<h2 id="encounters-heading">')
    assert calls_at < encounters_at
    assert f'href="{reverse("dispatch_call", args=[call.pk])}"' in body[calls_at:encounters_at]
    assert f'href="{reverse("response_encounter", args=[encounter.pk])}"' in body[encounters_at:]


def test_a_person_on_no_call_shows_empty_panels(cast: Cast) -> None:
    person = people_services.create_person(
        cast.actor(cast.colleague),
        organization=cast.agency,
        purpose=Purpose.ACTIVE_CALL,
        family_name="Stone",
    )
    body = cast.client(cast.colleague).get(reverse("people_person", args=[person.pk]))
    assert body.content.decode().count("None that you can see.") == 2
