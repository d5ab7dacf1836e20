"""Adding, moving and editing questions and experiences when a form is sent twice or two
editors act at once: the same title within a minute is one entry, a move names the place it
expects, a repeated save of the same text is success, and every row whose place changes is
audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import F
from django.urls import reverse

from pmhc.platform.access import actor_for_user
from pmhc.platform.models import AuditEvent, OrganizationKind, Role
from pmhc.platform.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from pmhc.toolkit.audit_codes import ToolkitAudit
from pmhc.toolkit.models import ContentVersion, PageContent
from pmhc.toolkit.services import content_lists as services
from pmhc.toolkit.services.content import edit_content

Kind = PageContent.Kind


@pytest.fixture
def staff(cast, settings):
    settings.TTA_ORGANIZATION = "tta"
    handling = OrganizationFactory.create(
        slug="tta", name="TTA Center", kind=OrganizationKind.TTA_PROVIDER
    )
    user = UserFactory.create(username="tta-staff")
    MembershipFactory.create(user=user, organization=handling, role=Role.TTA_STAFF)
    return user


def add(user, title="How long is a site visit?"):
    return services.add_entry(
        actor_for_user(user), kind=Kind.FAQ, title=title, summary="It depends.", body="Ask."
    )


def test_the_same_title_added_twice_within_a_minute_is_one_entry(db, staff):
    first = add(staff)
    count = PageContent.objects.count()
    assert add(staff).pk == first.pk
    assert PageContent.objects.count() == count
    assert AuditEvent.objects.filter(action=ToolkitAudit.CONTENT_CREATED).count() == 1
    # A minute later the same title is a new entry, with its own address.
    ContentVersion.objects.filter(content=first).update(
        edited_at=first.updated_at - timedelta(minutes=2)
    )
    second = add(staff)
    assert second.pk != first.pk and second.slug != first.slug
    assert second.number == first.number + 1


def test_the_add_form_sent_twice_shows_success_and_adds_one(db, staff, cast):
    client = cast.client(staff)
    url = reverse("learn_manage_add", kwargs={"kind": "faq"})
    data = {"title": "Do sites charge a fee?", "summary": "No.", "body": "No fee."}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)
    assert again.status_code == 200 and "It is not published yet" in again.content.decode()
    assert PageContent.objects.filter(title="Do sites charge a fee?").count() == 1


def test_a_slug_taken_in_between_is_retried_once(db, staff, monkeypatch):
    taken = iter(["what-is-a-pmhc", "how-long-is-a-site-visit"])
    monkeypatch.setattr(services, "_unique_slug", lambda kind, title: next(taken))
    entry = add(staff)
    assert entry.slug == "how-long-is-a-site-visit"
    monkeypatch.setattr(services, "_unique_slug", lambda kind, title: "what-is-a-pmhc")
    with pytest.raises(IntegrityError):
        add(staff, title="Another")


def test_add_locks_the_handling_organization_before_counting(db, staff, monkeypatch):
    from pmhc.platform.models import Organization

    locked = []
    real = Organization.objects.select_for_update

    def spy(*args, **kwargs):
        locked.append(True)
        return real(*args, **kwargs)

    monkeypatch.setattr(Organization.objects, "select_for_update", spy)
    add(staff)
    assert locked


def test_a_move_sent_twice_moves_once_and_says_so(db, staff, cast):
    entry = PageContent.objects.get(kind=Kind.FAQ, number=3)
    actor = actor_for_user(staff)
    moved = services.move_entry(actor, content=entry, direction=services.UP, expected_number=3)
    assert moved.number == 2
    with pytest.raises(ValidationError) as raised:
        services.move_entry(actor, content=entry, direction=services.UP, expected_number=3)
    assert raised.value.code == "moved"
    entry.refresh_from_db()
    assert entry.number == 2
    # Through the page: the second click says where the entry is, and changes nothing.
    client = cast.client(staff)
    act = reverse("learn_manage_act", kwargs={"kind": "faq", "slug": entry.slug})
    page = client.post(act, {"action": "down", "place": "3"}, follow=True).content.decode()
    assert "had already moved; it is number 2. Nothing changed." in page
    entry.refresh_from_db()
    assert entry.number == 2


def test_every_row_whose_place_changes_is_audited(db, staff):
    rows = list(PageContent.objects.filter(kind=Kind.FAQ).order_by("number"))
    # Gaps before the list: the move numbers every row again from 1.
    PageContent.objects.filter(kind=Kind.FAQ).update(number=F("number") + 10)
    last = rows[-1]
    services.move_entry(actor_for_user(staff), content=last, direction=services.UP)
    changed = {
        int(e.object_id): e.detail
        for e in AuditEvent.objects.filter(action=ToolkitAudit.CONTENT_MOVED)
    }
    numbers = dict(PageContent.objects.filter(kind=Kind.FAQ).values_list("pk", "number"))
    assert sorted(n or 0 for n in numbers.values()) == list(range(1, len(rows) + 1))
    assert changed[last.pk] == "up"
    assert changed[rows[-2].pk] == f"swapped with {last.slug}"
    assert changed[rows[0].pk] == "renumbered"
    assert set(changed) == {r.pk for r in rows}  # every row got a new place


def test_an_edit_saved_twice_is_success_not_a_conflict(db, staff):
    entry = PageContent.objects.get(kind=Kind.FAQ, slug="what-is-a-pmhc")
    actor = actor_for_user(staff)

    def save(body: str) -> PageContent:
        return edit_content(
            actor,
            content=entry,
            title=entry.title,
            summary=entry.summary,
            body=body,
            facts=None,
            expected_version=1,
        )

    assert save("New answer.").version == 2
    again = save("New answer.")
    assert again.version == 2 and again.versions.count() == 2
    with pytest.raises(ValidationError) as raised:
        save("Different answer.")
    assert raised.value.code == "stale"


def test_entry_ids_labels_and_the_way_back_from_editing(db, staff, cast):
    from django.test import Client

    from pmhc.toolkit.views.content_pages import public_url

    faq = Client().get(reverse("learn_faq")).content.decode()
    assert 'id="q-what-is-a-pmhc"' in faq
    experiences = Client().get(reverse("learn_experiences")).content.decode()
    assert 'id="x-one-mind"' in experiences
    client = cast.client(staff)
    manage = reverse("learn_manage", kwargs={"kind": "experience"})
    page = client.get(manage).content.decode()
    assert "Add an experience" in page and "Add a experience" not in page
    assert (
        "Add a question"
        in client.get(reverse("learn_manage_add", kwargs={"kind": "faq"})).content.decode()
    )
    edit = client.get(reverse("learn_edit", kwargs={"kind": "experience", "slug": "one-mind"}))
    assert f'<a href="{manage}#x-one-mind">Cancel</a>' in edit.content.decode()
    other = PageContent(kind=Kind.PAGE, slug="another-page", title="Another")
    assert public_url(other) == reverse("learn_index")
