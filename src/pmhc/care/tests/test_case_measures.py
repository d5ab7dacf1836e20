"""What Measure counts: repeat crisis contacts in the 90 days after a first contact in a
period, of people with and without a case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from pmhc.care import case_services
from pmhc.care.case_measure_selectors import repeat_contacts
from pmhc.care.models import Case, CaseClosure
from pmhc.care.tests.case_world import build, open_for, person_with_calls
from pmhc.conftest import Cast
from pmhc.dispatch import services as dispatch_services
from pmhc.people.models import Person

pytestmark = pytest.mark.django_db


def _calls(cast: Cast, person: Person, *times: dt.datetime) -> None:
    taker = cast.actor(cast.colleague)
    for n, at in enumerate(times):
        call = dispatch_services.create_call(
            taker, organization=cast.agency, cad_event_id=f"M-{person.pk}-{n}", received_at=at
        )
        dispatch_services.link_person(taker, call=call, person=person, role="subject")


def test_repeat_contacts_with_and_without_a_case(cast: Cast) -> None:
    world = build(cast)
    now = timezone.now()
    start = now - dt.timedelta(days=150)
    end = start + dt.timedelta(days=30)
    day = dt.timedelta(days=1)
    with_case, _ = person_with_calls(cast, "Alder", "Kai", calls=0)
    _calls(cast, with_case, start + day, start + 10 * day, start + 100 * day)
    case = open_for(cast, world.manager, with_case)
    Case.objects.filter(pk=case.pk).update(opened_at=start + 2 * day)
    without, _ = person_with_calls(cast, "Birch", "Sage", calls=0)
    _calls(cast, without, start + 2 * day, start + 5 * day, start + 50 * day)
    # A case closed before their crisis does not count.
    old = open_for(cast, world.manager, without)
    case_services.close_case(cast.actor(world.manager), case=old, reason=CaseClosure.MOVED)
    Case.objects.filter(pk=old.pk).update(opened_at=start - 30 * day, closed_at=start - 10 * day)
    # Their first contact after the period: not counted.
    later, _ = person_with_calls(cast, "Cedar", "Noel", calls=0)
    _calls(cast, later, end + day, end + 2 * day)
    # world.person's two calls were yesterday: after the period too.

    counted = repeat_contacts(cast.actor(cast.member), cast.agency, start, end, now=now)
    assert (counted.with_case.people, counted.with_case.repeat_contacts) == (1, 1)
    assert counted.with_case.people_repeating == 1
    assert (counted.without_case.people, counted.without_case.repeat_contacts) == (1, 2)
    assert counted.complete and not counted.cut
    # Case managers do not read evaluation counts.
    with pytest.raises(Http404):
        repeat_contacts(cast.actor(world.manager), cast.agency, start, end)
