"""A small world for the identity tests: three records of one woman under three spellings and
one record of someone else, each with an identity of its own, and linkage's pairs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pmhc.conftest import Cast
from pmhc.people import identity_changes, services
from pmhc.people.identity_models import MatchCandidate
from pmhc.people.models import Person
from pmhc.platform.models import Organization, Purpose, Role, User
from pmhc.platform.tests.factories import MembershipFactory, UserFactory

CALL = Purpose.ACTIVE_CALL


@dataclass
class IdentityWorld:
    case_manager: User
    records: list[Person]
    stranger: Person
    pair: MatchCandidate
    other_pair: MatchCandidate


def member(cast: Cast, role: Role, username: str, organization: Organization | None = None) -> User:
    user = UserFactory.create(username=username)
    MembershipFactory.create(user=user, organization=organization or cast.agency, role=role)
    return user


def pair_of(
    left: Person, right: Person, probability: float, **evidence: str | dict[str, object]
) -> MatchCandidate:
    low, high = sorted((left.pk, right.pk))
    return MatchCandidate.objects.create(
        organization_id=left.organization_id,
        left_id=low,
        right_id=high,
        probability=probability,
        evidence=evidence,
    )


def build(cast: Cast) -> IdentityWorld:
    taker = cast.actor(cast.colleague)
    born = dt.date(1984, 3, 9)
    spellings = [
        ("Okafor", "Chidinma", born),
        ("Okafor", "Chidi", born),
        ("Okafer", "Chidinma", None),
    ]
    records = [
        services.create_person(
            taker,
            organization=cast.agency,
            purpose=CALL,
            family_name=family,
            given_name=given,
            date_of_birth=date,
            address="12 Elm Street",
        )
        for family, given, date in spellings
    ]
    stranger = services.create_person(
        taker, organization=cast.agency, purpose=CALL, family_name="Lindqvist", given_name="Bo"
    )
    identity_changes.give_identities(cast.agency, [p.pk for p in [*records, stranger]])
    for record in [*records, stranger]:
        record.refresh_from_db()
    pair = pair_of(
        records[0],
        records[2],
        0.91,
        given_name={"level": "Same", "weight": 2.5},
        family_name={"level": "Jaro-Winkler similarity of family_name >= 0.9", "weight": 1.1},
        date_of_birth={"level": "date_of_birth is NULL", "weight": 0.0},
    )
    other_pair = pair_of(
        records[0], stranger, 0.83, family_name={"level": "All other comparisons", "weight": -4.0}
    )
    return IdentityWorld(
        case_manager=member(cast, Role.CASE_MANAGER, "casey"),
        records=records,
        stranger=stranger,
        pair=pair,
        other_pair=other_pair,
    )


def identity_of(person: Person) -> int | None:
    return Person.objects.filter(pk=person.pk).values_list("identity_id", flat=True).get()
