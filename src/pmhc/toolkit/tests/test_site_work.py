"""Learning sites that answer for themselves: a site's accounts, its requests, its answer and
proposed dates, the requester's choice, the visit, travel support, the site's own profile, and
the corrected directory (former sites, the data migration)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from importlib import import_module
from typing import Any

import pytest
from django.apps import apps as global_apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pmhc.platform.access import ANONYMOUS, actor_for_user, system_actor
from pmhc.platform.models import (
    AuditEvent,
    MemberInvitation,
    Organization,
    OrganizationKind,
    OutboundEmail,
    Role,
    User,
)
from pmhc.platform.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from pmhc.toolkit.audit_codes import ToolkitAudit
from pmhc.toolkit.models import LearningSite, TARequest, TAStatus
from pmhc.toolkit.selectors.assistance import status_history
from pmhc.toolkit.services import assistance, site_work

DATA: dict[str, Any] = {
    "jurisdiction_name": "Testville",
    "jurisdiction_type": "city",
    "state": "TX",
    "contact_name": "Robin Example",
    "agency": "Testville Police Department",
    "email": "robin@example.org",
    "description": "We want to start a co-responder team.",
    "consent_to_contact": True,
}


@dataclass
class World:
    tta: Organization
    staff: User
    site: LearningSite
    coordinator: User
    other_site: LearningSite
    other_coordinator: User
    ta: TARequest
    token: str


def person(username: str, organization: Organization, role: Role) -> User:
    user = UserFactory.create(username=username, email=f"{username}@example.org")
    MembershipFactory.create(user=user, organization=organization, role=role)
    return user


def site_with_accounts(agency: str, slug: str) -> tuple[LearningSite, User]:
    organization = OrganizationFactory.create(
        slug=slug, name=agency, kind=OrganizationKind.LEARNING_SITE
    )
    site = LearningSite.objects.create(agency=agency, city="Testville", state="TX")
    site_work.link_organization(system_actor(), site=site, organization=organization)
    site.refresh_from_db()
    return site, person(f"{slug}-coordinator", organization, Role.SITE_COORDINATOR)


def matched(world_staff: User, site: LearningSite, **extra: Any) -> tuple[TARequest, str]:
    ta_request, token = assistance.submit_request(ANONYMOUS, **{**DATA, **extra})
    actor = actor_for_user(world_staff)
    assistance.confirm_request(actor, ta_request=ta_request)
    ta_request = assistance.match_request(actor, ta_request=ta_request, site=site)
    return ta_request, token


@pytest.fixture
def world(cast, settings) -> World:
    tta = OrganizationFactory.create(
        slug="tta", name="Example TA Center", kind=OrganizationKind.TTA_PROVIDER
    )
    settings.TTA_ORGANIZATION = "tta"
    staff = person("staff", tta, Role.TTA_STAFF)
    site, coordinator = site_with_accounts("Synthetic Site PD", "site-a")
    other_site, other_coordinator = site_with_accounts("Other Synthetic Site SO", "site-b")
    ta_request, token = matched(staff, site)
    return World(tta, staff, site, coordinator, other_site, other_coordinator, ta_request, token)


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def days(n: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=n)).isoformat()


# --- Accounts -------------------------------------------------------------------------------


def test_tta_staff_invite_a_coordinator_and_the_site_gets_its_organization(cast, world):
    fresh = LearningSite.objects.create(agency="No Accounts Yet PD", city="Testville", state="TX")
    url = reverse("sites_invite", args=[fresh.pk])
    data = {"email": "Lead@Site.example.org", "first_name": "Lee"}
    anonymous = Client().post(url, data)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    for user in (cast.admin, cast.member, world.coordinator):
        assert client_for(user).post(url, data).status_code == 404, user.username
    assert not MemberInvitation.objects.exists()
    response = client_for(world.staff).post(url, data)
    assert response.status_code == 302
    fresh.refresh_from_db()
    assert fresh.organization is not None
    assert fresh.organization.kind == OrganizationKind.LEARNING_SITE
    invitation = MemberInvitation.objects.get()
    assert (invitation.email, invitation.role) == ("lead@site.example.org", "site_coordinator")
    assert invitation.organization_id == fresh.organization_id
    assert OutboundEmail.objects.filter(to=["lead@site.example.org"]).exists()
    event = AuditEvent.objects.get(action=ToolkitAudit.SITE_ACCOUNT_INVITED)
    assert (event.actor_id, event.organization_id) == (world.staff.pk, world.tta.pk)
    # The staff see the invitation waiting on the site's page; a second one reuses the site's
    # organization.
    page = client_for(world.staff).get(reverse("sites_detail", args=[fresh.pk]))
    assert "lead@site.example.org" in page.content.decode()
    client_for(world.staff).post(url, {"email": "second@site.example.org"})
    assert Organization.objects.filter(kind=OrganizationKind.LEARNING_SITE).count() == 3
    # The public page shows no accounts.
    assert (
        b"lead@site.example.org"
        not in Client().get(reverse("sites_detail", args=[fresh.pk])).content
    )


def test_an_invalid_invitation_is_explained_on_the_site_page(world):
    response = client_for(world.staff).post(
        reverse("sites_invite", args=[world.site.pk]), {"email": "not-an-address"}
    )
    assert response.status_code == 400
    assert "Enter an e-mail address like name@agency.gov." in response.content.decode()
    assert not MemberInvitation.objects.exists()


def test_a_coordinator_lands_on_the_sites_requests_with_its_menu(world):
    client = client_for(world.coordinator)
    response = client.get("/start/", follow=True)
    assert response.request["PATH_INFO"] == reverse("site_requests")
    assert 'href="/site/requests/"' in response.content.decode()


# --- The site's requests: the boundary ------------------------------------------------------


def test_boundary_of_the_sites_requests(cast, world):
    list_url = reverse("site_requests")
    detail_url = reverse("site_request", args=[world.ta.reference])
    for url in (list_url, detail_url):
        anonymous = Client().get(url)
        assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    before = AuditEvent.objects.count()
    # Wrong roles, and TTA staff (who have their own pages), get the 404 of a missing page.
    for user in (cast.member, cast.admin, world.staff):
        for url in (list_url, detail_url):
            response = client_for(user).get(url)
            assert response.status_code == 404, (user.username, url)
    # Another site's coordinator sees its own (empty) list, never this request.
    other = client_for(world.other_coordinator)
    listed = other.get(list_url)
    assert listed.status_code == 200 and world.ta.reference not in listed.content.decode()
    response = other.get(detail_url)
    assert response.status_code == 404 and b"robin@example.org" not in response.content
    assert AuditEvent.objects.count() == before  # nothing read, nothing recorded
    allowed = client_for(world.coordinator)
    assert world.ta.reference in allowed.get(list_url).content.decode()
    page = allowed.get(detail_url)
    assert page.status_code == 200 and "robin@example.org" in page.content.decode()
    read = AuditEvent.objects.get(action=ToolkitAudit.TA_READ)
    assert (read.actor_id, read.object_id) == (world.coordinator.pk, str(world.ta.pk))


def test_the_list_is_paged_and_its_queries_do_not_grow(world, django_assert_max_num_queries):
    for number in range(30):
        matched(world.staff, world.site, jurisdiction_name=f"Town {number}")
    client = client_for(world.coordinator)
    with django_assert_max_num_queries(12):
        first = client.get(reverse("site_requests"))
    html = first.content.decode()
    assert html.count('href="/site/requests/TA-') == 25
    assert 'rel="next"' in html
    next_query = html.split('rel="next"')[0].rsplit('href="?', 1)[1].split('"')[0]
    with django_assert_max_num_queries(12):
        second = client.get(reverse("site_requests") + "?" + next_query.replace("&amp;", "&"))
    assert second.content.decode().count('href="/site/requests/TA-') == 6


def test_a_coordinator_cannot_take_the_tta_staffs_steps(world):
    url = reverse("ta_action", args=[world.ta.reference, "decline"])
    response = client_for(world.coordinator).post(url, {"reason": "No"})
    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        assistance.decline_request(
            actor_for_user(world.coordinator), ta_request=world.ta, reason="No"
        )
    world.ta.refresh_from_db()
    assert world.ta.status == TAStatus.MATCHED


# --- Answer, dates, the requester's choice --------------------------------------------------


def test_the_site_accepts_proposes_dates_and_the_requester_chooses_one(world):
    client = client_for(world.coordinator)
    answer = reverse("site_request_answer", args=[world.ta.reference])
    response = client.post(
        answer, {"date_1": days(20), "date_2": days(10), "note": "Bring two officers."}
    )
    assert response.status_code == 302
    world.ta.refresh_from_db()
    assert world.ta.site_accepted_at is not None
    assert world.ta.proposed_dates == [days(10), days(20)]
    assert world.ta.status == TAStatus.MATCHED
    told = OutboundEmail.objects.filter(purpose="ta_site_answered").get()
    assert told.to == ["robin@example.org"] and days(10) in told.body
    event = AuditEvent.objects.get(action=ToolkitAudit.TA_SITE_ANSWERED)
    assert event.actor_id == world.coordinator.pk
    assert (event.after or {})["proposed_dates"] == [days(10), days(20)]
    assert "Bring two officers." not in str(event.after)  # the note is kept as a digest

    status_url = reverse("ta_status", kwargs={"token": world.token})
    status = Client().get(status_url).content.decode()
    assert "Synthetic Site PD has accepted your request." in status
    assert days(10) in status and days(20) in status and "Bring two officers." in status

    # A date the site did not propose is refused; one it did becomes the request's date.
    choose = reverse("ta_choose_date", kwargs={"token": world.token})
    refused = Client().post(choose, {"day": days(11)})
    assert refused.status_code == 400
    chosen = Client().post(choose, {"day": days(20)})
    assert chosen.status_code == 302
    world.ta.refresh_from_db()
    assert (world.ta.status, world.ta.scheduled_for) == (
        TAStatus.SCHEDULED,
        dt.date.fromisoformat(days(20)),
    )
    to_site = OutboundEmail.objects.get(purpose="ta_date_chosen")
    assert to_site.to == [world.coordinator.email]
    assert [s.status for s in status_history(world.ta)][-1] == "scheduled"
    # TTA staff see all of it on the request's page.
    staff_page = client_for(world.staff).get(reverse("ta_detail", args=[world.ta.reference]))
    html = staff_page.content.decode()
    assert days(10) in html and "Bring two officers." in html
    # No more choosing, and the site can no longer change its answer.
    assert Client().post(choose, {"day": days(10)}).status_code == 400
    with pytest.raises(ValidationError):
        site_work.answer_request(actor_for_user(world.coordinator), ta_request=world.ta)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date_1": days(-1)}, "Propose dates from today to a year from now."),
        ({"date_1": days(400)}, "Propose dates from today to a year from now."),
        ({"date_1": "31/12/2026"}, "Enter a real date, as YYYY-MM-DD."),
        ({"note": "x" * 2001}, "2000 characters"),
    ],
)
def test_answer_limits_are_stated_and_enforced(world, data, message):
    response = client_for(world.coordinator).post(
        reverse("site_request_answer", args=[world.ta.reference]), data
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    world.ta.refresh_from_db()
    assert world.ta.site_accepted_at is None


def test_more_than_three_dates_are_refused_by_the_service(world):
    with pytest.raises(ValidationError):
        site_work.answer_request(
            actor_for_user(world.coordinator),
            ta_request=world.ta,
            dates=[timezone.localdate() + dt.timedelta(days=n) for n in (1, 2, 3, 4)],
        )


def test_only_the_matched_sites_coordinator_writes_the_sites_part(cast, world):
    for user in (world.other_coordinator, world.staff, cast.admin):
        with pytest.raises(PermissionDenied):
            site_work.answer_request(actor_for_user(user), ta_request=world.ta)
        response = client_for(user).post(
            reverse("site_request_answer", args=[world.ta.reference]), {"date_1": days(3)}
        )
        assert response.status_code == 404
    world.ta.refresh_from_db()
    assert world.ta.site_accepted_at is None
    assert not AuditEvent.objects.filter(action=ToolkitAudit.TA_SITE_ANSWERED).exists()


def test_matching_to_another_site_starts_its_answer_afresh(world):
    site_work.answer_request(
        actor_for_user(world.coordinator), ta_request=world.ta, dates=[timezone.localdate()]
    )
    moved = assistance.match_request(
        actor_for_user(world.staff), ta_request=world.ta, site=world.other_site
    )
    assert (moved.site_accepted_at, moved.proposed_dates) == (None, [])
    # Now the first site no longer reaches it, and the second does.
    assert (
        client_for(world.coordinator)
        .get(reverse("site_request", args=[world.ta.reference]))
        .status_code
        == 404
    )
    assert (
        client_for(world.other_coordinator)
        .get(reverse("site_request", args=[world.ta.reference]))
        .status_code
        == 200
    )


# --- The visit ------------------------------------------------------------------------------


def test_recording_the_visit_completes_the_request(world):
    client = client_for(world.coordinator)
    visit = reverse("site_request_visit", args=[world.ta.reference])
    good = {"held_on": timezone.localdate().isoformat(), "visitors": 3, "covered": "Ride-along"}
    # Not before the site has accepted.
    assert client.post(visit, good).status_code == 400
    site_work.answer_request(actor_for_user(world.coordinator), ta_request=world.ta)
    for bad, message in (
        ({**good, "held_on": days(2)}, "cannot be in the future"),
        ({**good, "visitors": 0}, "Enter from 1 to 200 visitors."),
        ({**good, "visitors": 201}, "Enter from 1 to 200 visitors."),
        ({**good, "covered": ""}, "Say what the visit covered."),
    ):
        response = client.post(visit, bad)
        assert response.status_code == 400 and message in response.content.decode(), bad
    assert client.post(visit, good).status_code == 302
    world.ta.refresh_from_db()
    assert world.ta.status == TAStatus.COMPLETED and world.ta.completed_at is not None
    assert (world.ta.visit_visitors, world.ta.visit_covered) == (3, "Ride-along")
    assert OutboundEmail.objects.filter(purpose="ta_completed", to=["robin@example.org"]).exists()
    status = Client().get(reverse("ta_status", kwargs={"token": world.token})).content.decode()
    assert "Current status: Completed" in status


# --- Travel support -------------------------------------------------------------------------


def test_the_visiting_agency_records_travel_support_within_the_limit(world):
    travel = reverse("ta_travel", kwargs={"token": world.token})
    page = Client().get(reverse("ta_status", kwargs={"token": world.token})).content.decode()
    assert "up to $10,000" in page
    for bad, message in (
        ({"requested": "10000.01", "purpose": "Airfare"}, "up to $10,000"),
        ({"requested": "0", "purpose": "Airfare"}, "above $0"),
        ({"requested": "900", "purpose": ""}, "Say what the support is for."),
        ({"requested": "900", "purpose": "Airfare", "received": "-1"}, "from $0"),
    ):
        response = Client().post(travel, bad)
        assert response.status_code == 400 and message in response.content.decode(), bad
    assert Client().post(travel, {"requested": "1250.50", "purpose": "Airfare"}).status_code == 302
    world.ta.refresh_from_db()
    assert (world.ta.travel_requested, world.ta.travel_received) == (Decimal("1250.50"), None)
    Client().post(travel, {"requested": "1250.50", "purpose": "Airfare", "received": "1000"})
    world.ta.refresh_from_db()
    assert world.ta.travel_received == Decimal("1000.00")
    events = AuditEvent.objects.filter(action=ToolkitAudit.TA_TRAVEL_RECORDED)
    assert events.count() == 2
    last = events.order_by("id").last()
    assert last is not None and (last.after or {})["travel_received"] == "1000.00"
    staff_page = client_for(world.staff).get(reverse("ta_detail", args=[world.ta.reference]))
    assert "$1,250.50" in staff_page.content.decode()
    # The SLA board sums it up for the staff.
    board = client_for(world.staff).get(reverse("ta_sla")).content.decode()
    assert "1 visiting agency recorded travel support: $1,250.50 asked for, $1,000.00" in board


def test_travel_support_waits_for_a_matched_site(world):
    ta_request, token = assistance.submit_request(ANONYMOUS, **DATA)
    with pytest.raises(ValidationError):
        site_work.record_travel(ANONYMOUS, ta_request=ta_request, requested="10", purpose="Bus")
    page = Client().get(reverse("ta_status", kwargs={"token": token})).content.decode()
    assert "Travel support" not in page


# --- The site's profile ---------------------------------------------------------------------


def test_the_site_keeps_its_profile_and_the_public_reads_it(cast, world):
    url = reverse("site_profile")
    for user in (cast.member, world.staff):
        assert client_for(user).get(url).status_code == 404
    data: dict[str, Any] = {
        "program_types": ["co-responder"],
        "specialties": ["embedded_clinicians"],
        "description": "We pair officers with clinicians.",
        "visit_includes": "A ride-along with the co-responder team.",
        "contact_name": "Pat Example",
        "contact_email": "pat@example.org",
        "contact_phone": "555-0100",
    }
    assert client_for(world.coordinator).post(url, data).status_code == 302
    world.site.refresh_from_db()
    assert world.site.program_types == ["co-responder"]
    assert world.site.visit_includes == "A ride-along with the co-responder team."
    public = Client().get(reverse("sites_detail", args=[world.site.pk])).content.decode()
    assert "What a visit includes" in public and "A ride-along with the co-responder" in public
    event = AuditEvent.objects.get(action=ToolkitAudit.SITE_PROFILE_CHANGED)
    assert event.organization_id == world.site.organization_id
    # The other site's coordinator changes only its own site.
    client_for(world.other_coordinator).post(url, {**data, "description": "Other words"})
    world.site.refresh_from_db()
    assert world.site.description == "We pair officers with clinicians."
    with pytest.raises(PermissionDenied):
        site_work.update_profile(actor_for_user(world.other_coordinator), site=world.site, **data)


# --- The corrected directory ----------------------------------------------------------------


GALLIA = "Gallia/Jackson/Meigs Counties Sheriff's Offices"


def test_a_former_site_is_shown_apart_and_never_matched(world):
    gallia = LearningSite.objects.get(agency=GALLIA)
    assert gallia.is_former
    ta_request, _token = assistance.submit_request(ANONYMOUS, **DATA)
    actor = actor_for_user(world.staff)
    assistance.confirm_request(actor, ta_request=ta_request)
    with pytest.raises(ValidationError):
        assistance.match_request(actor, ta_request=ta_request, site=gallia)
    page = Client().get(reverse("sites_detail", args=[gallia.pk])).content.decode()
    assert "Former learning site" in page
    assert reverse("ta_request") + f"?site={gallia.pk}" not in page


def test_the_corrections_are_idempotent_and_reversible(db):
    migration = import_module("pmhc.toolkit.migrations.0008_correct_learning_sites")
    seed = import_module("pmhc.toolkit.migrations.0003_learning_sites")

    def state() -> list[tuple[object, ...]]:
        return sorted(
            LearningSite.objects.values_list(
                "agency", "state", "program_types", "specialties", "source", "is_former"
            )
        )

    corrected = state()
    migration.correct(global_apps, None)  # again: nothing changes
    assert state() == corrected
    # The seed loaded again beside the corrected sites (as a demo reset does) leaves no
    # second Yavapai site.
    seed.load(global_apps, None)
    migration.correct(global_apps, None)
    assert state() == corrected
    # A site that staff have since edited keeps their words.
    LearningSite.objects.filter(agency="Madison Police Department").update(
        specialties=["cit"], source="Staff's own source"
    )
    migration.uncorrect(global_apps, None)
    reverted = {row[0]: row for row in state()}
    assert "Harris County Sheriff's Office" not in reverted
    assert "Yavapai County Sheriff's Office" in reverted
    assert not reverted[GALLIA][5]
    assert reverted["Tucson Police Department"][3] == ["crisis_center"]
    assert reverted["Madison Police Department"][3:5] == (["cit"], "Staff's own source")
    for agency, _city, state_code, _specialties, source in seed.SITES:
        if agency != "Madison Police Department":
            row = LearningSite.objects.get(agency=agency, state=state_code)
            assert (row.source, row.program_types) == (source, [])
    migration.correct(global_apps, None)
    again = {row[0]: row for row in state()}
    assert again["Madison Police Department"][3] == ["cit"]
    assert {k: v for k, v in again.items() if k != "Madison Police Department"} == {
        row[0]: row for row in corrected if row[0] != "Madison Police Department"
    }
