"""A small world for the case tests: the agency's case managers, a person with calls, and an
officer (who does not manage cases)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from pmhc.care import case_services
from pmhc.care.models import Case, CaseOrigin
from pmhc.conftest import Cast
from pmhc.dispatch import services as dispatch_services
from pmhc.dispatch.models import Call
from pmhc.people import identity_changes
from pmhc.people import services as people_services
from pmhc.people.models import Person
from pmhc.platform.models import Organization, Purpose, Role, User
from pmhc.platform.tests.factories import MembershipFactory, UserFactory


def member(organization: Organization, role: Role, username: str, **names: str) -> User:
    user = UserFactory.create(username=username, **names)
    MembershipFactory.create(user=user, organization=organization, role=role)
    return user


@dataclass
class CaseWorld:
    manager: User
    other_manager: User
    coordinator: User
    outsider_manager: User
    person: Person
    calls: list[Call]


def person_with_calls(
    cast: Cast, family: str, given: str, calls: int = 2
) -> tuple[Person, list[Call]]:
    taker = cast.actor(cast.colleague)
    person = people_services.create_person(
        taker,
        organization=cast.agency,
        purpose=Purpose.ACTIVE_CALL,
        family_name=family,
        given_name=given,
    )
    identity_changes.give_identities(cast.agency, [person.pk])
    person.refresh_from_db()
    made = []
    for i in range(calls):
        call = dispatch_services.create_call(
            taker,
            organization=cast.agency,
            cad_event_id=f"C-{person.pk}-{i}",
            received_at=timezone.now() - dt.timedelta(days=1, hours=i),
        )
        dispatch_services.link_person(taker, call=call, person=person, role="subject")
        made.append(call)
    return person, made


def build(cast: Cast) -> CaseWorld:
    person, calls = person_with_calls(cast, "Okafor", "Chidinma")
    return CaseWorld(
        manager=member(
            cast.agency, Role.CASE_MANAGER, "casey", first_name="Casey", last_name="Reed"
        ),
        other_manager=member(
            cast.agency, Role.CASE_MANAGER, "morgan", first_name="Morgan", last_name="Hale"
        ),
        coordinator=cast.member,
        outsider_manager=member(cast.outsider_org, Role.CASE_MANAGER, "outcasey"),
        person=person,
        calls=calls,
    )


def open_for(cast: Cast, user: User, person: Person) -> Case:
    case, _created = case_services.open_case(
        cast.actor(user), person=person, origin=CaseOrigin.HIGH_UTILIZER, goals="Housing first."
    )
    return case
