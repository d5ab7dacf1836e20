"""Shared test fixtures: a fixed cast of organizations and people (see CONTRIBUTING.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone

from pmhc.platform.access import Actor, actor_for_user
from pmhc.platform.models import Classification, Organization, Purpose, Role, User
from pmhc.platform.tests.factories import (
    AgreementFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _fast_hashing(settings: pytest.FixtureRequest) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@dataclass
class Cast:
    """Our agency, a partner under an agreement in force, a partner whose agreement ended,
    and an unrelated organization; with a person in each role that the tests need."""

    agency: Organization
    partner: Organization
    expired_partner: Organization
    outsider_org: Organization
    admin: User
    member: User  # coordinator of the agency
    colleague: User  # officer of the agency
    partner_user: User  # clinician of the partner
    expired_user: User  # clinician of the expired partner
    outsider: User  # administrator of the unrelated organization

    def actor(self, user: User) -> Actor:
        return actor_for_user(user)

    def client(self, user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client


@pytest.fixture
def cast(db: None) -> Cast:
    today = timezone.localdate()
    agency = OrganizationFactory.create(slug="agency", name="Agency PD")
    partner = OrganizationFactory.create(
        slug="partner", name="Partner Clinic", kind="behavioral_health"
    )
    expired = OrganizationFactory.create(slug="expired", name="Former Partner", kind="hospital")
    outsider_org = OrganizationFactory.create(slug="outsider", name="Unrelated PD")
    AgreementFactory.create(
        parties=[agency, partner],
        classifications=[c for c in Classification.values if c != Classification.PUBLIC],
        purposes=list(Purpose.values),
        effective_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=30),
    )
    AgreementFactory.create(
        parties=[agency, expired],
        classifications=[c for c in Classification.values if c != Classification.PUBLIC],
        purposes=list(Purpose.values),
        effective_on=today - dt.timedelta(days=400),
        ends_on=today - dt.timedelta(days=2),
    )

    def person(username: str, org: Organization, role: Role) -> User:
        user = UserFactory.create(username=username, password=PASSWORD)
        MembershipFactory.create(user=user, organization=org, role=role)
        return user

    return Cast(
        agency=agency,
        partner=partner,
        expired_partner=expired,
        outsider_org=outsider_org,
        admin=person("admin", agency, Role.ADMINISTRATOR),
        member=person("member", agency, Role.COORDINATOR),
        colleague=person("colleague", agency, Role.OFFICER),
        partner_user=person("partner", partner, Role.CLINICIAN),
        expired_user=person("expired", expired, Role.CLINICIAN),
        outsider=person("outsider", outsider_org, Role.ADMINISTRATOR),
    )
