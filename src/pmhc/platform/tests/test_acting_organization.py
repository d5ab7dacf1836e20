"""The acting organization: a member of several organizations acts for one per request, from
the page's URL, else their switch in the header, else their oldest membership."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest
from django.test import RequestFactory

from pmhc.conftest import Cast
from pmhc.platform.access import Role, actor_for_user
from pmhc.platform.http import SESSION_KEY, actor_of, build_actor
from pmhc.platform.models import AuditAction, AuditEvent, Membership, User
from pmhc.platform.tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_hats(cast: Cast) -> User:
    """An officer of Agency PD (the older membership) who is also a clinician of the partner."""
    user = UserFactory.create(username="two-hats")
    MembershipFactory.create(user=user, organization=cast.agency, role=Role.OFFICER)
    MembershipFactory.create(user=user, organization=cast.partner, role=Role.CLINICIAN)
    return user


def _request(user: User, path: str = "/", choice: int | None = None) -> HttpRequest:
    request = RequestFactory().get(path)
    request.user = user
    request.session = SessionStore()
    if choice is not None:
        request.session[SESSION_KEY] = choice
    return request


def test_without_a_choice_the_oldest_membership_acts_alone(cast: Cast, two_hats: User) -> None:
    actor = actor_for_user(two_hats)
    assert actor.organization_id == cast.agency.pk
    assert actor.role == Role.OFFICER
    assert actor.organization_ids == {cast.agency.pk}
    assert {c.own_organization_id for c in actor.partners} == {cast.agency.pk}
    assert actor.may_switch
    assert [m.name for m in actor.memberships] == ["Agency PD", "Partner Clinic"]


def test_a_choice_among_the_memberships_acts_for_that_organization(
    cast: Cast, two_hats: User
) -> None:
    cast.partner.time_zone = "America/Denver"
    cast.partner.save()
    actor = build_actor(_request(two_hats, choice=cast.partner.pk))
    assert actor.organization_id == cast.partner.pk
    assert actor.role == Role.CLINICIAN
    assert actor.time_zone == "America/Denver"
    # Nothing of the other membership comes along: no mix.
    assert actor.organization_ids == {cast.partner.pk}
    assert {c.own_organization_id for c in actor.partners} == {cast.partner.pk}


def test_a_choice_outside_the_memberships_is_ignored(cast: Cast, two_hats: User) -> None:
    actor = build_actor(_request(two_hats, choice=cast.outsider_org.pk))
    assert actor.organization_id == cast.agency.pk
    assert cast.outsider_org.pk not in actor.organization_ids


def test_the_url_organization_wins_over_the_choice(cast: Cast) -> None:
    user = UserFactory.create(username="two-admin")
    MembershipFactory.create(user=user, organization=cast.agency, role=Role.ADMINISTRATOR)
    MembershipFactory.create(user=user, organization=cast.outsider_org, role=Role.ADMINISTRATOR)
    on_page = build_actor(_request(user, "/org/outsider/members/", choice=cast.agency.pk))
    assert on_page.organization_id == cast.outsider_org.pk
    elsewhere = build_actor(_request(user, "/accounts/", choice=cast.outsider_org.pk))
    assert elsewhere.organization_id == cast.outsider_org.pk
    # A page of an organization the person does not belong to changes nothing.
    foreign = build_actor(_request(user, "/org/partner/members/", choice=cast.outsider_org.pk))
    assert foreign.organization_id == cast.outsider_org.pk
    assert cast.partner.pk not in foreign.organization_ids


def test_both_organizations_pages_answer_by_their_url(cast: Cast) -> None:
    user = UserFactory.create(username="two-admin")
    MembershipFactory.create(user=user, organization=cast.agency, role=Role.ADMINISTRATOR)
    MembershipFactory.create(user=user, organization=cast.outsider_org, role=Role.ADMINISTRATOR)
    client = cast.client(user)
    assert client.get("/org/agency/members/").status_code == 200
    assert client.get("/org/outsider/members/").status_code == 200
    assert client.get("/org/partner/members/").status_code == 404


def test_the_only_membership_acts_and_no_switch_is_shown(cast: Cast) -> None:
    actor = actor_for_user(cast.colleague)
    assert actor.organization_id == cast.agency.pk
    assert not actor.may_switch
    page = cast.client(cast.colleague).get("/accounts/")
    assert b'name="organization"' not in page.content


def test_the_switch_is_shown_to_a_member_of_two(cast: Cast, two_hats: User) -> None:
    page = cast.client(two_hats).get("/accounts/").content.decode()
    assert 'for="pmhc-acting-organization"' in page
    assert "Agency PD (Officer)" in page
    assert "Partner Clinic (Clinician)" in page


def test_switching_is_remembered_and_audited(cast: Cast, two_hats: User) -> None:
    client = cast.client(two_hats)
    before = AuditEvent.objects.count()
    answer = client.post(
        "/accounts/acting-organization/",
        {"organization": cast.partner.pk, "next": "/operate/calls/"},
    )
    assert answer.status_code == 302
    assert answer["Location"] == "/operate/calls/"
    assert client.session[SESSION_KEY] == cast.partner.pk
    events = list(AuditEvent.objects.order_by("sequence")[before:])
    assert [e.action for e in events] == [AuditAction.ACTING_ORGANIZATION_CHOSEN]
    assert events[0].organization_id == cast.partner.pk
    assert events[0].actor_id == two_hats.pk
    me = client.get("/api/v1/me").json()
    assert me["roles"] == [{"organization_id": cast.partner.pk, "role": "clinician"}]


def test_a_forged_switch_is_refused_and_changes_nothing(cast: Cast, two_hats: User) -> None:
    client = cast.client(two_hats)
    before = AuditEvent.objects.count()
    for value in (cast.outsider_org.pk, "nonsense", ""):
        answer = client.post("/accounts/acting-organization/", {"organization": value})
        assert answer.status_code == 404
    assert SESSION_KEY not in client.session
    assert AuditEvent.objects.count() == before
    me = client.get("/api/v1/me").json()
    assert me["roles"] == [{"organization_id": cast.agency.pk, "role": "officer"}]


def test_the_switch_needs_a_signed_in_post(cast: Cast, two_hats: User) -> None:
    anonymous = cast.client(None).post(
        "/accounts/acting-organization/", {"organization": cast.partner.pk}
    )
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    assert cast.client(two_hats).get("/accounts/acting-organization/").status_code == 405


def test_the_switch_goes_back_to_the_same_host_only(cast: Cast, two_hats: User) -> None:
    answer = cast.client(two_hats).post(
        "/accounts/acting-organization/",
        {"organization": cast.partner.pk, "next": "https://evil.example/"},
    )
    assert answer.status_code == 302
    assert "evil.example" not in answer["Location"]


def test_a_membership_deactivated_mid_session_stops_acting(cast: Cast, two_hats: User) -> None:
    client = cast.client(two_hats)
    client.post("/accounts/acting-organization/", {"organization": cast.partner.pk})
    assert client.get("/api/v1/me").json()["roles"][0]["organization_id"] == cast.partner.pk
    Membership.objects.filter(user=two_hats, organization=cast.partner).update(is_active=False)
    roles = client.get("/api/v1/me").json()["roles"]
    assert roles == [{"organization_id": cast.agency.pk, "role": "officer"}]
    page = client.get("/accounts/").content.decode()
    assert 'for="pmhc-acting-organization"' not in page


def test_views_get_the_actor_in_one_typed_way(cast: Cast, two_hats: User) -> None:
    request = _request(two_hats)
    assert not actor_of(request).is_authenticated  # before the middleware, nobody
    request.actor = build_actor(request)  # type: ignore[attr-defined]
    assert actor_of(request).organization_id == cast.agency.pk
