"""The case pages: who may open each (anonymous, wrong role, another organization, allowed),
what they show, the caseload's groups, and the queries each page costs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from pmhc.care import case_services
from pmhc.care.models import Case, CaseContact, CaseStatus, ContactKind, ContactOutcome
from pmhc.care.tests.case_world import CaseWorld, build, open_for, person_with_calls
from pmhc.conftest import Cast
from pmhc.people.identity_models import LinkageSettings

pytestmark = pytest.mark.django_db


def _pages(world: CaseWorld, case: Case) -> list[str]:
    return [
        reverse("care_caseload"),
        f"{reverse('care_case_new')}?person={world.person.pk}",
        reverse("care_case", args=[case.pk]),
        reverse("care_contact_new", args=[case.pk]),
        reverse("care_case_plan", args=[case.pk]),
        reverse("care_case_transfer", args=[case.pk]),
        reverse("care_case_close", args=[case.pk]),
    ]


def test_who_may_open_the_case_pages(cast: Cast) -> None:
    world = build(cast)
    case = open_for(cast, world.manager, world.person)
    for url in _pages(world, case):
        anonymous = cast.client(None).get(url)
        assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"], url
        # An officer does not manage cases; another organization's case manager sees nothing.
        assert cast.client(cast.colleague).get(url).status_code == 404, url
        outsider = cast.client(world.outsider_manager).get(url)
        if url == reverse("care_caseload"):
            # Their own (empty) caseload: nothing of the agency's.
            assert outsider.status_code == 200 and "Okafor" not in outsider.content.decode()
        else:
            assert outsider.status_code == 404, url
        allowed = cast.client(world.manager).get(url)
        # Opening a case for a person with one open goes to that case.
        assert allowed.status_code == (302 if "/new/?" in url else 200), url
    # The reopen button posts only, and only for those who may change the case.
    reopen = reverse("care_case_reopen", args=[case.pk])
    assert cast.client(world.outsider_manager).post(reopen).status_code == 404
    assert cast.client(cast.colleague).post(reopen).status_code == 404
    assert cast.client(world.manager).get(reopen).status_code == 405


def test_a_case_manager_opens_a_case_and_logs_an_outreach_attempt(cast: Cast) -> None:
    world = build(cast)
    client = cast.client(world.manager)
    url = f"{reverse('care_case_new')}?person={world.person.pk}&from=high_utilizer"
    page = client.get(url)
    assert "Open a case for Okafor, Chidinma" in page.content.decode()
    bad = client.post(url, {"goals": "", "contact_every_days": "0"})
    assert bad.status_code == 400
    assert 'href="#id_contact_every_days"' in bad.content.decode()
    done = client.post(url, {"goals": "Reach the clinic.", "contact_every_days": "7"})
    case = Case.objects.get(person=world.person)
    assert done["Location"] == reverse("care_case", args=[case.pk])
    assert case.origin == "high_utilizer" and case.case_manager_id == world.manager.pk
    contact_url = reverse("care_contact_new", args=[case.pk])
    logged = client.post(
        contact_url, {"kind": ContactKind.OUTREACH, "outcome": ContactOutcome.NOT_FOUND}
    )
    assert logged.status_code == 302
    contact = CaseContact.objects.get(case=case)
    assert contact.kind == ContactKind.OUTREACH
    text = client.get(reverse("care_case", args=[case.pk])).content.decode()
    assert "Outreach attempt" in text and "Could not find the person" in text
    assert "Reach the clinic." in text
    # A co-responder visit names one of the person's recent calls, never another.
    _stranger, their_calls = person_with_calls(cast, "Lindqvist", "Bo", calls=1)
    refused = client.post(
        contact_url,
        {"kind": ContactKind.CO_RESPONDER, "outcome": "reached", "call": their_calls[0].pk},
    )
    assert refused.status_code == 400
    visit = client.post(
        contact_url,
        {"kind": ContactKind.CO_RESPONDER, "outcome": "reached", "call": world.calls[0].pk},
    )
    assert visit.status_code == 302
    assert CaseContact.objects.filter(case=case, call=world.calls[0]).exists()


def test_the_case_page_shows_the_timeline_the_organization_holds(
    cast: Cast, django_assert_num_queries: object
) -> None:
    world = build(cast)
    case = open_for(cast, world.manager, world.person)
    for i in range(3):
        case_services.log_contact(
            cast.actor(world.manager),
            case=case,
            kind=ContactKind.CALL,
            outcome=ContactOutcome.REACHED,
            at=timezone.now() - dt.timedelta(hours=i + 1),
            note=f"Talked {i}.",
        )
    client = cast.client(world.manager)
    url = reverse("care_case", args=[case.pk])
    client.get(url)
    with django_assert_num_queries(31):  # type: ignore[operator]
        page = client.get(url)
    text = page.content.decode()
    for call in world.calls:
        assert reverse("dispatch_call", args=[call.pk]) in text
    assert "Talked 2." in text
    # A coordinator reads the case but not its clinical notes or goals.
    text = cast.client(world.coordinator).get(url).content.decode()
    assert "Talked 2." not in text and "Housing first." not in text
    assert 'data-restricted="note"' in text and 'data-restricted="goals"' in text


def test_the_caseload_groups_the_open_cases(cast: Cast, django_assert_num_queries: object) -> None:
    world = build(cast)
    today = cast.agency.today()
    due = open_for(cast, world.manager, world.person)
    late_person, _calls = person_with_calls(cast, "Vale", "Robin", calls=0)
    late = open_for(cast, world.manager, late_person)
    Case.objects.filter(pk=late.pk).update(next_contact_on=today - dt.timedelta(days=3))
    quiet_person, _calls = person_with_calls(cast, "Moss", "Ari", calls=0)
    quiet = open_for(cast, world.manager, quiet_person)
    Case.objects.filter(pk=quiet.pk).update(
        next_contact_on=today + dt.timedelta(days=2),
        last_contact_at=timezone.now() - dt.timedelta(days=40),
    )
    theirs_person, _calls = person_with_calls(cast, "Stone", "Lee", calls=0)
    open_for(cast, world.other_manager, theirs_person)
    client = cast.client(world.manager)
    url = reverse("care_caseload")
    client.get(url)
    with django_assert_num_queries(24):  # type: ignore[operator]
        page = client.get(url)
    text = page.content.decode()
    overdue = text.index('data-testid="group-overdue"')
    due_today = text.index('data-testid="group-today"')
    quiet_at = text.index('data-testid="group-quiet"')
    assert overdue < text.index("Vale, Robin") < due_today < text.index("Okafor") < quiet_at
    assert text.index("Moss, Ari") > quiet_at
    # Their own load only.
    assert "Stone, Lee" not in text
    # The coordinator sees every load, and filters by case manager.
    coordinator = cast.client(world.coordinator)
    text = coordinator.get(url).content.decode()
    assert "Stone, Lee" in text and "Vale, Robin" in text
    text = coordinator.get(f"{url}?manager={world.other_manager.pk}").content.decode()
    assert "Stone, Lee" in text and "Vale, Robin" not in text
    assert due.status == CaseStatus.OPEN


def test_transfer_and_close_through_the_pages(cast: Cast) -> None:
    world = build(cast)
    case = open_for(cast, world.manager, world.person)
    client = cast.client(world.manager)
    transfer = reverse("care_case_transfer", args=[case.pk])
    assert "Morgan Hale" in client.get(transfer).content.decode()
    assert client.post(transfer, {"to_manager": world.other_manager.pk}).status_code == 400
    done = client.post(transfer, {"to_manager": world.other_manager.pk, "reason": "Leave"})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.case_manager_id == world.other_manager.pk
    close = reverse("care_case_close", args=[case.pk])
    assert client.post(close, {"reason": "goals_met"}).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    text = client.get(reverse("care_case", args=[case.pk])).content.decode()
    assert "Goals met" in text and "Reopen the case" in text


def test_the_high_utilizer_list_offers_to_open_a_case(cast: Cast) -> None:
    world = build(cast)
    LinkageSettings.objects.create(organization=cast.agency, utilizer_contacts=2, utilizer_days=30)
    url = reverse("people_utilizers")
    text = cast.client(world.manager).get(url).content.decode()
    link = f"{reverse('care_case_new')}?person={world.person.pk}&amp;from=high_utilizer"
    assert link in text
    coordinator = cast.client(world.coordinator).get(url).content.decode()
    assert link in coordinator


def test_a_case_opens_from_a_clinicians_follow_up(cast: Cast) -> None:
    from pmhc.dispatch.tests.units import crisis_team
    from pmhc.response.models import ContactNote

    world = build(cast)
    unit = crisis_team(cast)
    note = ContactNote.objects.create(
        organization=cast.agency,
        call=unit.call,
        assignment=unit.assignment,
        person=world.person,
        filed_by=world.other_manager,
        filed_by_name="Morgan Hale",
        risk_level="moderate",
        follow_up_with="Crisis clinic",
        follow_up_on=cast.agency.today(),
    )
    client = cast.client(world.manager)
    text = client.get(reverse("response_follow_ups")).content.decode()
    link = f"{reverse('care_case_new')}?person={world.person.pk}&amp;note={note.pk}"
    assert link in text
    url = link.replace("&amp;", "&")
    assert "Clinician&#x27;s follow-up" in client.get(url).content.decode()
    client.post(url, {"goals": "", "contact_every_days": "7"})
    case = Case.objects.get(person=world.person)
    assert case.origin == "follow_up" and case.contact_note_id == note.pk


def test_the_goals_are_changed_only_by_those_who_read_them(cast: Cast) -> None:
    world = build(cast)
    case = open_for(cast, world.manager, world.person)
    url = reverse("care_case_plan", args=[case.pk])
    # The coordinator changes the schedule, but neither reads nor changes the goals.
    coordinator = cast.client(world.coordinator)
    assert "Housing first." not in coordinator.get(url).content.decode()
    done = coordinator.post(url, {"goals": "Other", "contact_every_days": "14"})
    assert done.status_code == 302
    case.refresh_from_db()
    assert (case.goals, case.contact_every_days) == ("Housing first.", 14)
    manager = cast.client(world.manager)
    assert "Housing first." in manager.get(url).content.decode()
    manager.post(url, {"goals": "Clinic weekly.", "contact_every_days": "7"})
    case.refresh_from_db()
    assert (case.goals, case.contact_every_days) == ("Clinic weekly.", 7)
