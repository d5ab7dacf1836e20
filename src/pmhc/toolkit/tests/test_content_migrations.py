"""The toolkit's content migrations 0005 and 0006, run through their functions on the test
database: the published flag, the review of shipped text as a new version, and reversing."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps
from django.db.migrations.exceptions import IrreversibleError

from pmhc.platform.access import actor_for_user
from pmhc.toolkit.models import ContentVersion, PageContent
from pmhc.toolkit.services import content_lists as services
from pmhc.toolkit.services.content import edit_content

Kind = PageContent.Kind
FLAG = import_module("pmhc.toolkit.migrations.0005_page_content_questions_and_experiences")
REVIEW = import_module("pmhc.toolkit.migrations.0006_questions_experiences_and_content_review")
INITIAL = import_module("pmhc.toolkit.migrations.0002_program_and_element_content")


def shipped(slug: str) -> dict:
    """A page's text as an install from before the review holds it. The migration keeps only
    the shipped text's digest, so the test writes a text and registers its digest."""
    return {"title": f"Shipped {slug}", "summary": "Shipped.", "body": "Shipped.", "facts": {}}


@pytest.fixture
def before_review(db, monkeypatch):
    """The CIT page and element 7 as they were shipped, still at version 1."""
    pages = {
        "cit": PageContent.objects.get(kind=Kind.PROGRAM_TYPE, slug="cit"),
        "element": PageContent.objects.get(kind=Kind.ELEMENT, number=7),
    }
    digests = dict(REVIEW.SHIPPED)
    for content in pages.values():
        old = shipped(content.slug)
        PageContent.objects.filter(pk=content.pk).update(version=1, **old)
        ContentVersion.objects.filter(content=content).delete()
        ContentVersion.objects.create(content=content, version=1, note=REVIEW.INITIAL_NOTE, **old)
        digests[(content.kind, content.slug)] = REVIEW._digest(**old)
        content.refresh_from_db()
    monkeypatch.setattr(REVIEW, "SHIPPED", digests)
    return pages


def test_the_shipped_digests_are_those_of_the_text_first_loaded():
    # Every program type and element has a digest, and none is of today's reviewed text, which
    # an install from before the review could not hold.
    rows = [("program_type", i) for i in INITIAL.PROGRAM_TYPES] + [
        ("element", i) for i in INITIAL.ELEMENTS
    ]
    assert set(REVIEW.SHIPPED) == {(kind, item["slug"]) for kind, item in rows}
    changed = [
        (kind, item["slug"])
        for kind, item in rows
        if REVIEW._digest(item["title"], item["summary"], item["body"], item.get("facts"))
        != REVIEW.SHIPPED[(kind, item["slug"])]
    ]
    assert ("element", "information-exchange-and-confidentiality") in changed
    assert ("program_type", "cit") in changed


def test_review_adds_a_version_to_shipped_text_and_leaves_staff_edits(before_review, cast, tta):
    cit, element = before_review["cit"], before_review["element"]
    edit_content(
        actor_for_user(tta["staff"]),
        content=element,
        title=element.title,
        summary=element.summary,
        body="STAFF TEXT",
        facts=None,
    )
    left_alone = REVIEW.review(apps, None)
    cit.refresh_from_db()
    element.refresh_from_db()
    assert "(Source: BJA PMHC Toolkit)" in cit.body and cit.version == 2
    first, review = cit.versions.get(version=1), cit.versions.get(version=2)
    assert first.body == "Shipped." and first.title == "Shipped cit"  # never rewritten
    assert review.body == cit.body and review.edited_by is None
    assert review.note == "Content review, December 2026"
    assert element.body == "STAFF TEXT" and element.version == 2
    assert element.versions.count() == 2
    assert left_alone == ["element/information-exchange-and-confidentiality"]
    # Running it again changes nothing.
    assert REVIEW.review(apps, None) == left_alone
    cit.refresh_from_db()
    assert cit.version == 2


def test_a_fresh_install_already_holds_the_reviewed_text(db):
    assert REVIEW.review(apps, None) == []
    assert not ContentVersion.objects.filter(note=REVIEW.REVIEW_NOTE).exists()
    count = PageContent.objects.count()
    REVIEW.load(apps, None)  # loading again adds nothing
    assert PageContent.objects.count() == count


@pytest.fixture
def tta(cast, settings):
    from pmhc.platform.models import OrganizationKind, Role
    from pmhc.platform.tests.factories import (
        MembershipFactory,
        OrganizationFactory,
        UserFactory,
    )

    settings.TTA_ORGANIZATION = "tta"
    handling = OrganizationFactory.create(
        slug="tta", name="TTA Center", kind=OrganizationKind.TTA_PROVIDER
    )
    user = UserFactory.create(username="tta-staff")
    MembershipFactory.create(user=user, organization=handling, role=Role.TTA_STAFF)
    return {"staff": user}


def test_new_entries_start_unpublished_and_existing_pages_are_published(db):
    assert PageContent._meta.get_field("is_published").default is False
    PageContent.objects.filter(kind__in=[Kind.PROGRAM_TYPE, Kind.ELEMENT, Kind.PAGE]).update(
        is_published=False
    )
    FLAG.publish_existing(apps, None)
    assert not PageContent.objects.filter(
        kind__in=[Kind.PROGRAM_TYPE, Kind.ELEMENT, Kind.PAGE], is_published=False
    ).exists()


def test_back_and_forward_keep_a_staff_draft_unpublished(db, tta):
    draft = services.add_entry(
        actor_for_user(tta["staff"]),
        kind=Kind.FAQ,
        title="A draft about ferries",
        summary="Draft.",
        body="Draft.",
    )
    edited = PageContent.objects.get(kind=Kind.FAQ, slug="what-is-a-pmhc")
    edit_content(
        actor_for_user(tta["staff"]),
        content=edited,
        title=edited.title,
        summary=edited.summary,
        body="Edited by staff.",
        facts=None,
    )
    REVIEW.unload(apps, None)
    # Only the seeded entries no one edited go; the draft and the edited question stay.
    remaining = set(
        PageContent.objects.filter(kind__in=[Kind.FAQ, Kind.EXPERIENCE, Kind.PAGE]).values_list(
            "slug", flat=True
        )
    )
    assert remaining == {draft.slug, "what-is-a-pmhc"}
    with pytest.raises(IrreversibleError):
        FLAG.refuse_while_entries_exist(apps, None)
    REVIEW.forwards(apps, None)
    FLAG.publish_existing(apps, None)
    draft.refresh_from_db()
    edited.refresh_from_db()
    assert not draft.is_published
    assert edited.body == "Edited by staff." and edited.version == 2
    assert PageContent.objects.filter(kind=Kind.FAQ, slug="sharing-information").exists()


def test_going_back_is_allowed_once_no_entry_remains(db):
    PageContent.objects.filter(kind__in=[Kind.FAQ, Kind.EXPERIENCE]).delete()
    FLAG.refuse_while_entries_exist(apps, None)
