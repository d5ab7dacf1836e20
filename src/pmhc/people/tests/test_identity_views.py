"""The pages that resolve people: who may open them (anonymous, wrong role, another
organization, allowed), what they show, and that each decision is made once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from pmhc.conftest import Cast
from pmhc.dispatch import services as dispatch_services
from pmhc.dispatch.models import CallPerson
from pmhc.people import contacts
from pmhc.people.audit_codes import PeopleAudit
from pmhc.people.identity_models import CandidateStatus, IdentityChange, LinkageSettings
from pmhc.people.models import Person
from pmhc.people.tests.identity_world import IdentityWorld, build, identity_of, member
from pmhc.platform.models import AuditEvent, Role

pytestmark = pytest.mark.django_db


def _pages(world: IdentityWorld) -> list[str]:
    return [
        reverse("people_review"),
        reverse("people_pair", args=[world.pair.pk]),
        reverse("people_identity", args=[world.records[0].identity_id]),
        reverse("people_changes"),
        reverse("people_linkage"),
        reverse("people_utilizers"),
    ]


def test_anonymous_is_sent_to_sign_in(cast: Cast) -> None:
    world = build(cast)
    for url in _pages(world):
        response = cast.client(None).get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url
    response = cast.client(None).post(
        reverse("people_pair", args=[world.pair.pk]), {"decision": "link"}
    )
    assert response.status_code == 302
    world.pair.refresh_from_db()
    assert world.pair.status == CandidateStatus.PENDING


@pytest.mark.parametrize(
    "who", ["officer", "admin", "analyst", "outsider", "partner_clinician", "partner_case_manager"]
)
def test_wrong_role_or_organization_gets_404_and_nothing_leaks(cast: Cast, who: str) -> None:
    world = build(cast)
    user = {
        "officer": cast.colleague,
        "admin": cast.admin,
        "analyst": member(cast, Role.ANALYST, "ana"),
        "outsider": member(cast, Role.CASE_MANAGER, "elsewhere", cast.outsider_org),
        # A partner under an agreement in force shares people, not the agency's resolution.
        "partner_clinician": cast.partner_user,
        "partner_case_manager": member(cast, Role.CASE_MANAGER, "partnercm", cast.partner),
    }[who]
    other_organization = who in ("outsider", "partner_clinician", "partner_case_manager")
    client = cast.client(user)
    events = AuditEvent.objects.count()
    for url in _pages(world):
        response = client.get(url)
        if other_organization and url in (
            reverse("people_review"),
            reverse("people_changes"),
            reverse("people_linkage"),
            reverse("people_utilizers"),
        ):
            # Their own organization's (empty) pages, where their role opens them.
            allowed = (200, 404) if who == "partner_clinician" else (200,)
            assert response.status_code in allowed, url
        else:
            assert response.status_code == 404, url
        body = response.content.decode()
        assert "Okafor" not in body and "Okafer" not in body, url
        assert f"Pair {world.pair.pk}<" not in body or other_organization, url
        assert reverse("people_pair", args=[world.pair.pk]) not in body, url
    for url, data in (
        (reverse("people_pair", args=[world.pair.pk]), {"decision": "link"}),
        (reverse("people_take_out", args=[world.records[0].pk]), {}),
        (
            reverse("people_identity_merge", args=[world.records[0].identity_id]),
            {"other": world.stranger.identity_id},
        ),
    ):
        assert client.post(url, data).status_code == 404, url
    world.pair.refresh_from_db()
    assert world.pair.status == CandidateStatus.PENDING
    assert not IdentityChange.objects.exists()
    assert AuditEvent.objects.count() == events


def test_outsiders_queue_does_not_list_the_agencys_pairs(cast: Cast) -> None:
    world = build(cast)
    outsider = member(cast, Role.CASE_MANAGER, "elsewhere", cast.outsider_org)
    body = cast.client(outsider).get(reverse("people_review")).content.decode()
    assert reverse("people_pair", args=[world.pair.pk]) not in body
    assert "No pair is waiting for review." in body


def test_case_manager_reviews_a_pair_side_by_side_and_links_it_once(cast: Cast) -> None:
    world = build(cast)
    client = cast.client(world.case_manager)
    queue = client.get(reverse("people_review"))
    assert queue.status_code == 200
    body = queue.content.decode()
    assert body.index(f"Pair {world.pair.pk}<") < body.index(f"Pair {world.other_pair.pk}<")
    assert "Okafor" not in body  # the queue shows numbers, not people
    reads = AuditEvent.objects.filter(action=PeopleAudit.PERSON_READ).count()
    page = client.get(reverse("people_pair", args=[world.pair.pk]))
    text = page.content.decode()
    assert "Okafor" in text and "Okafer" in text
    assert "Given name:</strong> the same on both records" in text
    assert "Date of birth:</strong> missing on one record or both" in text
    assert AuditEvent.objects.filter(action=PeopleAudit.PERSON_READ).count() == reads + 2
    url = reverse("people_pair", args=[world.pair.pk])
    first = client.post(url, {"decision": "link"})
    assert first.status_code == 302 and first["Location"] == reverse("people_review")
    assert identity_of(world.records[2]) == identity_of(world.records[0])
    again = client.post(url, {"decision": "link"}, follow=True)
    assert again.status_code == 200
    assert IdentityChange.objects.count() == 1
    assert AuditEvent.objects.filter(action=PeopleAudit.IDENTITY_LINKED).count() == 1


def test_keep_apart_from_the_page(cast: Cast) -> None:
    world = build(cast)
    client = cast.client(world.case_manager)
    client.post(reverse("people_pair", args=[world.other_pair.pk]), {"decision": "apart"})
    world.other_pair.refresh_from_db()
    assert world.other_pair.status == CandidateStatus.KEPT_APART
    body = client.get(reverse("people_review")).content.decode()
    assert f"Pair {world.other_pair.pk}<" not in body


def test_identity_page_lists_records_and_undoes_a_link(
    cast: Cast, django_assert_max_num_queries: object
) -> None:
    world = build(cast)
    client = cast.client(world.case_manager)
    client.post(reverse("people_pair", args=[world.pair.pk]), {"decision": "link"})
    identity = identity_of(world.records[0])
    url = reverse("people_identity", args=[identity])
    page = client.get(url)
    text = page.content.decode()
    assert "Okafor, Chidinma" in text and "Okafer, Chidinma" in text
    change = IdentityChange.objects.get()
    assert f"Undo change {change.pk}" in text
    response = client.post(
        reverse("people_undo", args=[change.pk]), {"identity": identity}, follow=False
    )
    assert response.status_code == 302 and response["Location"] == url
    assert identity_of(world.records[2]) != identity
    world.pair.refresh_from_db()
    assert world.pair.status == CandidateStatus.PENDING
    # The page's reads are bounded whatever the number of records: 40 more cost no query
    # beyond the audited read of each record shown.
    with django_assert_max_num_queries(60):  # type: ignore[operator]
        assert client.get(url).status_code == 200


def test_take_out_and_merge_from_the_identity_page(cast: Cast) -> None:
    world = build(cast)
    client = cast.client(world.case_manager)
    a, b, _c = world.records
    url = reverse("people_identity_merge", args=[a.identity_id])
    response = client.post(url, {"other": b.identity_id})
    assert response.status_code == 302
    assert identity_of(b) == a.identity_id
    bad = client.post(url, {"other": 999_999})
    assert bad.status_code == 400 and "There is no person with that number" in bad.content.decode()
    client.post(reverse("people_take_out", args=[b.pk]))
    assert identity_of(b) not in (None, a.identity_id)


def test_linkage_settings_form_is_the_coordinators(cast: Cast) -> None:
    world = build(cast)
    url = reverse("people_linkage")
    values = {
        "action": "settings",
        "auto_link_at": "0.97",
        "review_from": "0.75",
        "utilizer_contacts": "3",
        "utilizer_days": "60",
    }
    as_case_manager = cast.client(world.case_manager)
    page = as_case_manager.get(url).content.decode()
    assert "The coordinator changes these settings." in page
    assert as_case_manager.post(url, values).status_code == 404
    assert not LinkageSettings.objects.exists()
    coordinator = cast.client(cast.member)
    wrong = coordinator.post(url, {**values, "review_from": "0.99"})
    assert wrong.status_code == 400
    assert 'href="#id_review_from"' in wrong.content.decode()
    assert coordinator.post(url, values).status_code == 302
    saved = LinkageSettings.objects.get(organization=cast.agency)
    assert (saved.auto_link_at, saved.utilizer_days) == (0.97, 60)


def _calls(cast: Cast, person: Person, count: int, *, days_ago: int = 1) -> None:
    taker = cast.actor(cast.colleague)
    for i in range(count):
        call = dispatch_services.create_call(
            taker,
            organization=cast.agency,
            cad_event_id=f"U-{person.pk}-{days_ago}-{i}",
            received_at=timezone.now() - dt.timedelta(days=days_ago, hours=i),
        )
        dispatch_services.link_person(taker, call=call, person=person, role="subject")


def test_high_utilizers_count_contacts_across_every_record_of_a_person(
    cast: Cast, django_assert_num_queries: object
) -> None:
    world = build(cast)
    a, b, c = world.records
    LinkageSettings.objects.create(organization=cast.agency, utilizer_contacts=4, utilizer_days=30)
    _calls(cast, a, 2)
    _calls(cast, c, 2)
    _calls(cast, world.stranger, 3)
    _calls(cast, b, 5, days_ago=60)  # outside the window
    client = cast.client(world.case_manager)
    url = reverse("people_utilizers")
    # Apart, nobody has four contacts in thirty days.
    assert "Nobody has that many contacts" in client.get(url).content.decode()
    client.post(reverse("people_pair", args=[world.pair.pk]), {"decision": "link"})
    with django_assert_num_queries(22):  # type: ignore[operator]
        page = client.get(url)
    text = page.content.decode()
    assert "4 contacts" in text and "Okafor, Chidinma" in text
    assert "Lindqvist" not in text
    assert text.count('href="/operate/calls/') == 4
    # A partner's call naming one of the records is the partner's: it is not on the agency's
    # timeline.
    partner_taker = cast.actor(member(cast, Role.CALL_TAKER, "ptaker", cast.partner))
    theirs = dispatch_services.create_call(
        partner_taker,
        organization=cast.partner,
        cad_event_id="P-1",
        received_at=timezone.now() - dt.timedelta(hours=1),
    )
    CallPerson.objects.create(call=theirs, person=a, role="subject")
    text = client.get(url).content.decode()
    assert reverse("dispatch_call", args=[theirs.pk]) not in text
    assert text.count('href="/operate/calls/') == 4
    # Officers and clinicians do not see the list.
    assert cast.client(cast.colleague).get(url).status_code == 404
    clinician = member(cast, Role.CLINICIAN, "clin")
    assert cast.client(clinician).get(url).status_code == 404


def test_high_utilizers_sum_in_the_database_and_show_each_persons_newest_contacts(
    cast: Cast,
) -> None:
    world = build(cast)
    a, _b, c = world.records
    LinkageSettings.objects.create(organization=cast.agency, utilizer_contacts=4, utilizer_days=30)
    _calls(cast, a, 25)
    _calls(cast, c, 22)
    _calls(cast, world.stranger, 3)
    a.refresh_from_db()
    c.refresh_from_db()
    since = timezone.now() - dt.timedelta(days=30)
    # Only the identities that reach the threshold come back, most contacts first, bounded.
    assert contacts.counts_by_identity(cast.agency.pk, since, 4, 10) == [
        (a.identity_id, 25),
        (c.identity_id, 22),
    ]
    assert contacts.counts_by_identity(cast.agency.pk, since, 4, 1) == [(a.identity_id, 25)]
    assert contacts.counts_by_identity(cast.agency.pk, since, 23, 10) == [(a.identity_id, 25)]
    text = cast.client(world.case_manager).get(reverse("people_utilizers")).content.decode()
    # Each person's timeline is their own newest twenty, and says so.
    assert "Newest 20 of 25 contacts shown." in text
    assert "Newest 20 of 22 contacts shown." in text
    assert text.count('href="/operate/calls/') == 40
    newest = CallPerson.objects.filter(person=a).order_by("-call__received_at").first()
    oldest = CallPerson.objects.filter(person=a).order_by("call__received_at").first()
    assert newest is not None and oldest is not None
    assert reverse("dispatch_call", args=[newest.call_id]) in text
    assert reverse("dispatch_call", args=[oldest.call_id]) not in text
